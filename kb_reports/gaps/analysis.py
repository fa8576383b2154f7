"""The search-log half of ``kb gaps``: failed and weak searches, escalations, next actions.

:class:`Analysis` reads one snapshot's search log (``gaps_searchlog``), groups the distinct
queries with ``gaps_grouping`` (failed searches by words and sentence meaning, with vectors
from the store's cache or encoded now: ``gaps_semantic``) and joins what visitors did
before writing to support (``gaps_escalations``). Each portal's searches are grouped and
judged apart, in its own language (``gaps_portals``). It holds per-group visitor sets only as
long as the report is being built.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any

from kb_core.config import SiteConfig
from kb_reports.gaps.actions import Shown, suggest
from kb_reports.gaps.advisor import Advisor
from kb_reports.gaps.articles import PublishedArticles
from kb_reports.gaps.casing import Casing
from kb_reports.gaps.escalations import escalation_topics, plain_query
from kb_reports.gaps.grouping import Grouper, Grouping
from kb_reports.gaps.model import EscalationTopic, FailedGroup, StubStatus, WeakGroup, counted
from kb_reports.gaps.portals import Portals, group_language
from kb_reports.gaps.searchlog import SearchLog
from kb_reports.gaps.semantic import QueryVectors, centre_sample, encode_missing
from kb_reports.gaps.subjects import Subjects, SubjectSearch
from kb_reports.gaps.terms import words_of
from kb_reports.gaps.topic import Topic
from kb_reports.gaps.translations import InDefault, Untranslated
from kb_reports.gaps.words import EXAMPLES, Vocabulary, quote, wordfreq_languages
from kb_store import reports as sql
from kb_store.reading import Connection
from kb_store.vectors import load_vectors

log = logging.getLogger(__name__)

CONTACT_SHARE = 0.1  # share of a query's searches followed by a request that makes it weak
# Group failed searches by sentence meaning too (gaps_semantic). The benchmark turns it off to
# time the words-only report next to it; nothing else should need to.
SENTENCES = True


def _label(queries: Sequence[str], corrected: Iterable[str]) -> str:
    """The most searched query of a group that has no corrected typo in it."""
    typos = set(corrected)
    return next((q for q in queries if q not in typos), queries[0])


def _examples(details: Iterable[sql.QueryDetail]) -> list[str]:
    """The most typed spellings of a group's queries."""
    raw: Counter[str] = Counter()
    for d in details:
        raw.update(dict(d.raw))
    return [r for r, _ in sorted(raw.items(), key=lambda kv: (-kv[1], kv[0]))[:EXAMPLES]]


class Analysis:
    """Reads the search log of one window and builds the search-related sections."""

    def __init__(
        self, config: SiteConfig, catalog: PublishedArticles, window: sql.Window, conn: Connection
    ) -> None:
        self.config = config
        self.settings = config.gaps
        self.catalog = catalog
        self.window = window
        self.conn = conn
        self.notes: list[str] = []
        codes = config.site.codes
        self.portals = Portals(tuple(codes))
        self._known = catalog.words()
        synonyms = [
            w
            for code in dict.fromkeys((None, *codes[1:]))  # each language's, when they differ
            for group in config.synonyms_for(code)
            for p in group
            for w in words_of(p)
        ]
        texts = catalog.texts()
        self.vocab = Vocabulary(
            [*self._known, *synonyms], wordfreq_languages(codes), Topic(texts), Casing(texts)
        )
        self._groupers: dict[str | None, Grouper] = {}
        self.grouper = self._grouper(self.portals.of(None))  # the default language's
        self.noise = 0  # failed searches left out: no real word in them
        # groups left out, searched fewer than gaps.min_searches times: (label, searches)
        self.rare: list[tuple[str, int]] = []
        self.searches = SearchLog(conn, window, self.portals)
        self.contact_rows = self.searches.contact_rows
        self.contact_count = len(self.contact_rows)
        self._failed: dict[str | None, Grouping] = {}
        # sentence vectors encoded by this report, for build_report to cache once the
        # read-only snapshot is closed
        self.new_vectors: dict[str, Any] = {}

    def _grouper(self, portal: str | None) -> Grouper:
        """The grouper of one portal's searches: its language's synonyms and topic rule."""
        if portal not in self._groupers:
            default = portal is None or portal == self.portals.codes[0]
            self._groupers[portal] = Grouper(
                self.config.synonyms_for(None if default else portal),
                known_words=self._known,
                threshold=self.settings.group_similarity,
                topic=self.vocab.topic,
                language=portal or self.config.site.language,
            )
        return self._groupers[portal]

    def failed_key(self, query: str, language: str | None) -> str | None:
        """The key of the failed-search group a query searched on ``language``'s portal is in
        (by its exact terms), or None."""
        portal = self.portals.of(language)
        grouping = self._failed.get(portal)
        key = grouping.key_of(query) if grouping is not None else None
        return self.portals.key(portal, key) if key is not None else None

    # -- failed searches ----------------------------------------------------------------------

    def failed_groups(self) -> list[FailedGroup]:
        """Failed searches of the window grouped, each portal's apart, most searched first.

        A group's first sighting is the first failed search, ever, of any of its queries that
        failed in this window or the one before. Word meaning is learned from all the
        window's searches of its portal, those that found something included.
        """
        by_portal = self.portals.split(sql.failed_stats(self.conn, self.window))
        out: list[FailedGroup] = []
        noise: list[str] = []
        for portal in sorted(by_portal, key=self.portals.order):
            out += self._failed_of(portal, by_portal[portal], noise)
        if noise:
            shown = ", ".join(quote(q) for q in list(dict.fromkeys(noise))[:3])  # once each
            self.notes.append(
                f"{counted(self.noise, 'failed search')} with no real word in them (e.g. "
                f"{shown}) {'is' if self.noise == 1 else 'are'} left out as noise, not gaps"
            )
        if self.rare:
            self.notes.append(self._rare_note())
        out.sort(key=lambda f: (-f.searches, -f.contacted, f.key))
        for rank, f in enumerate(out, 1):
            f.rank = rank
        return out

    def _rare_note(self) -> str:
        """What the failed-search groups leave out below gaps.min_searches, so a writer
        knows they were seen: "3 failed searches seen only once are not listed (…)"."""
        least = self.settings.min_searches
        searches = sum(n for _, n in self.rare)
        often = "only once" if least == 2 else f"fewer than {least} times"
        labels = list(dict.fromkeys(label for label, _ in self.rare))  # once each
        shown = ", ".join(quote(q) for q in labels[:EXAMPLES])
        more = f" and {counted(len(labels) - EXAMPLES, 'other')}" if len(labels) > EXAMPLES else ""
        return (
            f"{counted(searches, 'failed search')} on topics seen {often} "
            f"{'is' if searches == 1 else 'are'} not listed (gaps.min_searches {least}): "
            f"{shown}{more}"
        )

    def _failed_of(
        self, portal: str | None, merged: Mapping[str, sql.FailedRow], noise: list[str]
    ) -> list[FailedGroup]:
        """One portal's failed-search groups (unranked); their noise goes to ``noise``."""
        current = {q: r.searches for q, r in merged.items() if r.searches}
        # the model knows English only
        meaning = SENTENCES and self.config.semantic_search and self.portals.english(portal)
        vectors = self._sentence_vectors(current) if meaning and len(current) > 1 else None
        found = self.searches.found_on(portal)
        grouping = self._grouper(portal).group(current, log=found, vectors=vectors)
        self._failed[portal] = grouping
        key_of = {q: g.key for g in grouping.groups for q in g.queries}
        previous: Counter[str] = Counter()
        first_ever: dict[str, datetime] = {}
        for r in merged.values():
            key = key_of.get(r.query) if r.searches else grouping.key_of(r.query)
            if key is None:
                continue
            previous[key] += r.previous
            if key not in first_ever or r.first_ever < first_ever[key]:
                first_ever[key] = r.first_ever
        plain_key = {plain_query(q): g.key for g in grouping.groups for q in g.queries}
        contacted: dict[str, set[int]] = defaultdict(set)
        for q, where, request in self.searches.searched_before(found=False):
            key = (plain_key.get(q) or grouping.key_of(q)) if where == portal else None
            if key is not None:
                contacted[key].add(request)
        topic_of = {c.id: c.topic for c in self.contact_rows}
        since = self.window.since
        out = []
        for g in grouping.groups:
            if all(self.vocab.is_noise(q) for q in g.queries):
                noise.append(g.label)
                self.noise += g.count
                continue
            if g.count < self.settings.min_searches:
                self.rare.append((g.label, g.count))
                continue
            first = first_ever[g.key]
            out.append(
                FailedGroup(
                    rank=0,
                    key=self.portals.key(portal, g.key),
                    label=_label(g.queries, g.corrected),
                    searches=g.count,
                    previous=previous[g.key] if since is not None else None,
                    visitors=0,  # the listed groups get exact figures from detail()
                    first_seen=first,
                    last_seen=None,
                    new=since is not None and first >= since,
                    queries=[(q, current[q]) for q in g.queries],
                    examples=[],
                    contacted=len(contacted[g.key]),
                    portal=portal,
                    topics=Counter(topic_of[r] for r in contacted[g.key]).most_common(),
                )
            )
        return out

    def _sentence_vectors(self, failed: Iterable[str]) -> QueryVectors | None:
        """Vectors of the failed queries and of a sample of the found ones (with them, the
        centre: the log's mean): from the store's cache, the rest encoded now. None when no
        encoder can be loaded: the report then groups by words and the meaning learned from
        the log."""
        queries = set(failed) | set(centre_sample(self.searches.found()))
        cached = load_vectors(self.conn, queries)
        try:
            new = encode_missing(queries, cached)
        except Exception as exc:  # whatever keeps the model from loading must not stop a report
            log.warning("sentence encoder unavailable, grouping by words: %s", exc)
            self.notes.append(
                "failed searches are grouped by words only: the sentence encoder could not "
                f"be loaded ({type(exc).__name__})"
            )
            return None
        self.new_vectors.update(new)
        return QueryVectors.of({**cached, **new})

    def detail(self, groups: Sequence[FailedGroup]) -> None:
        """For the listed groups: exact visitors, spellings, last seen, what was read next."""
        if not groups:
            return
        details, visitors = self.searches.details(groups, failed=True)
        everyone = set().union(*visitors.values()) if visitors else set()
        reads: dict[str, set[str]] = defaultdict(set)
        for v, article_id in sql.reads(self.conn, self.window):
            if v in everyone:
                reads[v].add(article_id)
        for g in groups:
            mine = details.get(g.key, [])
            g.examples = _examples(mine)
            g.language = group_language(mine, self.portals.codes, g.portal)
            g.last_seen = max((d.last for d in mine), default=None)
            who = visitors.get(g.key, set())
            g.visitors = len(who)
            counter: Counter[str] = Counter()
            for v in who:
                counter.update(reads.get(v, ()))
            g.read_after = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:3]

    # -- weak searches ------------------------------------------------------------------------

    def weak_groups(self) -> list[WeakGroup]:
        """Searches with results that were never clicked, or followed by a contact request,
        each portal's apart.

        Grouped by exact terms of their topic only (spelling, plurals, order, synonyms), not
        merged by similarity: the successful long tail is large and these rows are about
        specific queries whose results did not convince.
        """
        clicked = sql.clicked_queries(self.conn, self.window)
        judge_clicks = bool(clicked)
        if self.searches.found_rows() and not judge_clicks:
            self.notes.append(
                "no result clicks were recorded in this window: weak searches are judged by "
                "contact requests only"
            )
        portals = {p for _, p in self.searches.found_rows()}
        out: list[WeakGroup] = []
        for portal in sorted(portals, key=self.portals.order):
            mine = [(q, n) for q, lang, n in clicked if self.portals.of(lang) == portal]
            out += self._weak_of(portal, mine, judge_clicks)
        # never clicked first (the clearer signal), each kind by its size
        out.sort(key=lambda w: (w.clicks > 0, -w.searches if not w.clicks else -w.contacted, w.key))
        for rank, w in enumerate(out, 1):
            w.rank = rank
        return out

    def _weak_of(
        self, portal: str | None, clicked: Sequence[tuple[str, int]], judge_clicks: bool
    ) -> list[WeakGroup]:
        """One portal's weak-search groups (unranked)."""
        found = self.searches.found_on(portal)
        grouping = self._grouper(portal).group(found, merge=False)
        plain_key = {plain_query(q): g.key for g in grouping.groups for q in g.queries}
        clicks: Counter[str] = Counter()
        for q, n in clicked:
            key = plain_key.get(plain_query(q)) or grouping.key_of(q)
            if key is not None:
                clicks[key] += n
        contacted: dict[str, set[int]] = defaultdict(set)
        for q, where, request in self.searches.searched_before(found=True):
            key = (plain_key.get(q) or grouping.key_of(q)) if where == portal else None
            if key is not None:
                contacted[key].add(request)
        settings = self.settings
        out = []
        for g in grouping.groups:
            who: set[int] = contacted.get(g.key, set())
            never = judge_clicks and not clicks[g.key] and g.count >= settings.weak_min_searches
            # a contact after one search in a hundred is noise; after one in ten, a pattern
            escalated = len(who) >= settings.min_searches and len(who) >= CONTACT_SHARE * g.count
            if not (never or escalated):
                continue
            reasons = []
            if never:
                reasons.append("results never clicked")
            if who:
                reasons.append(f"{len(who)} of {g.count} then contacted support")
            out.append(
                WeakGroup(
                    rank=0,
                    key=self.portals.key(portal, g.key),
                    label=_label(g.queries, g.corrected),
                    searches=g.count,
                    visitors=0,  # the listed groups get exact figures from weak_detail()
                    clicks=clicks[g.key],
                    contacted=len(who),
                    queries=[(q, found[q]) for q in g.queries],
                    examples=[],
                    reason="; ".join(reasons),
                    portal=portal,
                )
            )
        return out

    def weak_detail(self, groups: Sequence[WeakGroup]) -> None:
        """For the listed weak groups: exact visitors and spellings."""
        if not groups:
            return
        details, visitors = self.searches.details(groups, failed=False)
        for g in groups:
            g.visitors = len(visitors.get(g.key, ()))
            mine = details.get(g.key, [])
            g.examples = _examples(mine)
            g.language = group_language(mine, self.portals.codes, g.portal)

    # -- escalations --------------------------------------------------------------------------

    def escalations(
        self,
        failed: Sequence[FailedGroup],
        search: SubjectSearch | None = None,
        portals: Mapping[str, PublishedArticles] | None = None,
    ) -> list[EscalationTopic]:
        """Contact requests sent without reading anything, or after finding nothing;
        ``search``: search as the contact form ran it on a request's subject (None without
        an index); ``portals``: the articles as each other language's portal shows them."""
        language = self.config.site.language
        subjects = Subjects(search, self.advisor, portals or {}, language)
        return escalation_topics(self.contact_rows, failed, self.failed_key, self.vocab, subjects)

    @cached_property
    def advisor(self) -> Advisor:
        """The judge of articles and words (by meaning, with the sentence model when on)."""
        return Advisor(self.catalog, self.grouper, self.vocab, self.config.semantic_search)

    # -- suggested actions --------------------------------------------------------------------

    def suggest(
        self,
        failed: Sequence[FailedGroup],
        weak: Sequence[WeakGroup],
        stubs: Sequence[StubStatus],
        shown: Shown,
        in_default: InDefault | None = None,
        untranslated: Untranslated | None = None,
    ) -> None:
        """Attach a suggested action to each listed failed and weak group; ``shown`` says
        which article search shows first for a query, and what it corrected it to;
        ``in_default`` which article of the default language answers searches made in
        another (translations.InDefault)."""
        typos = {
            q for grouping in self._failed.values() for g in grouping.groups for q in g.corrected
        }
        advisor = self.advisor
        language = self.config.site.language
        codes = self.config.site.codes
        suggest(
            advisor, typos, failed, weak, stubs, shown, language, in_default, untranslated, codes
        )
