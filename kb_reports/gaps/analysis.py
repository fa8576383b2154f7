"""The search-log half of ``kb gaps``: failed and weak searches, escalations, next actions.

:class:`Analysis` runs the queries of ``reports_sql`` over one snapshot, groups the distinct
queries with ``gaps_grouping`` (failed searches by words and sentence meaning, with vectors
from the store's cache or encoded now: ``gaps_semantic``) and joins what visitors did
before writing to support (``gaps_escalations``). It holds per-group visitor sets only as
long as the report is being built.
"""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from kb_core.config import SiteConfig
from kb_reports.gaps.actions import (
    EXAMPLES,
    Advisor,
    InDefault,
    Shown,
    Untranslated,
    quote,
    suggest,
)
from kb_reports.gaps.articles import PublishedArticles
from kb_reports.gaps.escalations import Answer, escalation_topics, plain_query, searched_before
from kb_reports.gaps.grouping import Grouper, Grouping
from kb_reports.gaps.model import EscalationTopic, FailedGroup, StubStatus, WeakGroup
from kb_reports.gaps.semantic import QueryVectors, centre_sample, encode_missing
from kb_reports.gaps.terms import words_of
from kb_reports.gaps.topic import Topic
from kb_reports.gaps.words import Vocabulary, wordfreq_languages
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


_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _language(details: Iterable[sql.QueryDetail], codes: Sequence[str]) -> str | None:
    """The language most of a group's searches were made in (a search of no language counts
    as the default's; a tie goes to the language listed first); None on a site of one."""
    if len(codes) < 2:
        return None
    counts: Counter[str] = Counter()
    for d in details:
        for lang, n in d.languages:
            counts[lang or codes[0]] += n
    if not counts:
        return None
    order = {code: i for i, code in enumerate(codes)}
    portal = min(counts, key=lambda lang: (-counts[lang], order.get(lang, len(order)), lang))
    typed = _typed_in(details, codes)
    return typed if typed is not None else portal


def _typed_in(details: Iterable[sql.QueryDetail], codes: Sequence[str]) -> str | None:
    """The one language of the site most of a group's searches were typed in, whichever
    portal they were typed on: every word of a spelling is a word of that language only
    ("mode sombre" on the English portal is French; "dark mode" and "planning" are English
    or both; kb_core.search.languages). None when most searches do not tell."""
    from kb_core.search.languages import languages_of

    typed: Counter[str] = Counter()
    total = 0
    for d in details:
        for raw, n in d.raw:
            total += n
            words = _WORD.findall(raw.lower())
            shared = set(codes)
            for w in words:
                shared &= set(languages_of(w, codes))
            if words and len(shared) == 1:
                typed[shared.pop()] += n
    top = typed.most_common(1)
    return top[0][0] if top and 2 * top[0][1] > total else None


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
        known = catalog.words()
        self.grouper = Grouper(
            config.synonyms_for(),
            known_words=known,
            threshold=self.settings.group_similarity,
        )
        codes = config.site.codes
        synonyms = [
            w
            for code in dict.fromkeys((None, *codes[1:]))  # each language's, when they differ
            for group in config.synonyms_for(code)
            for p in group
            for w in words_of(p)
        ]
        self.vocab = Vocabulary(
            [*known, *synonyms], wordfreq_languages(codes), Topic(catalog.texts())
        )
        self.noise = 0  # failed searches left out: no real word in them
        self.contact_rows = sql.contacts(conn, window)
        self.contact_count = len(self.contact_rows)
        # What each request's sender searched before writing, from the request's context:
        # the portal records it in the visitor's session, which outlives the daily visitor
        # token, and reading it costs no pass over the search log.
        self._context: list[tuple[str, int, int]] = []  # (plain query, hits, request id)
        for c in self.contact_rows:
            seen: set[tuple[str, bool]] = set()
            for plain, found in searched_before(c):
                if plain and (plain, found) not in seen:
                    seen.add((plain, found))
                    self._context.append((plain, int(found), c.id))
        self._failed: Grouping | None = None
        self._found: dict[str, int] | None = None
        # sentence vectors encoded by this report, for build_report to cache once the
        # read-only snapshot is closed
        self.new_vectors: dict[str, Any] = {}

    def found(self) -> dict[str, int]:
        """Searches of the window that found something, per query (read once)."""
        if self._found is None:
            self._found = sql.found_stats(self.conn, self.window)
        return self._found

    def _searched_before(self, found: bool) -> Iterable[tuple[str, int]]:
        """(plain query, contact request id) of the searches that found something (or
        nothing) before a contact request, one per request and query."""
        for plain, hits, request in self._context:
            if bool(hits) == found:
                yield plain, request

    # -- failed searches ----------------------------------------------------------------------

    def failed_groups(self) -> list[FailedGroup]:
        """Failed searches of the window grouped, most searched first.

        A group's first sighting is the first failed search, ever, of any of its queries that
        failed in this window or the one before. Word meaning is learned from all the
        window's searches, those that found something included.
        """
        rows = sql.failed_stats(self.conn, self.window)
        current = {r.query: r.searches for r in rows if r.searches}
        meaning = SENTENCES and self.config.semantic_search  # the model knows English only
        vectors = self._sentence_vectors(current) if meaning and len(current) > 1 else None
        grouping = self.grouper.group(current, log=self.found(), vectors=vectors)
        self._failed = grouping
        key_of = {q: g.key for g in grouping.groups for q in g.queries}
        previous: Counter[str] = Counter()
        first_ever: dict[str, datetime] = {}
        for r in rows:
            key = key_of.get(r.query) if r.searches else grouping.key_of(r.query)
            if key is None:
                continue
            previous[key] += r.previous
            if key not in first_ever or r.first_ever < first_ever[key]:
                first_ever[key] = r.first_ever
        plain_key = {plain_query(q): g.key for g in grouping.groups for q in g.queries}
        contacted: dict[str, set[int]] = defaultdict(set)
        for q, request in self._searched_before(found=False):
            key = plain_key.get(q) or grouping.key_of(q)
            if key is not None:
                contacted[key].add(request)
        since = self.window.since
        out = []
        noise: list[str] = []
        for g in grouping.groups:
            if all(self.vocab.is_noise(q) for q in g.queries):
                noise.append(g.label)
                self.noise += g.count
                continue
            if g.count < self.settings.min_searches:
                continue
            first = first_ever[g.key]
            out.append(
                FailedGroup(
                    rank=0,
                    key=g.key,
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
                )
            )
        if noise:
            shown = ", ".join(quote(q) for q in noise[:3])
            self.notes.append(
                f"{self.noise} failed search(es) with no real word in them (e.g. {shown}) are "
                "left out as noise, not gaps"
            )
        out.sort(key=lambda f: (-f.searches, -f.contacted, f.key))
        for rank, f in enumerate(out, 1):
            f.rank = rank
        return out

    def _sentence_vectors(self, failed: Iterable[str]) -> QueryVectors | None:
        """Vectors of the failed queries and of a sample of the found ones (with them, the
        centre: the log's mean): from the store's cache, the rest encoded now. None when no
        encoder can be loaded: the report then groups by words and the meaning learned from
        the log."""
        queries = set(failed) | set(centre_sample(self.found()))
        cached = load_vectors(self.conn, queries)
        try:
            self.new_vectors = encode_missing(queries, cached)
        except Exception as exc:  # whatever keeps the model from loading must not stop a report
            log.warning("sentence encoder unavailable, grouping by words: %s", exc)
            self.notes.append(
                "failed searches are grouped by words only: the sentence encoder could not "
                f"be loaded ({type(exc).__name__})"
            )
            return None
        return QueryVectors.of({**cached, **self.new_vectors})

    def detail(self, groups: Sequence[FailedGroup]) -> None:
        """For the listed groups: exact visitors, spellings, last seen, what was read next."""
        if not groups:
            return
        by_query = {q: g for g in groups for q, _ in g.queries}
        queries = sorted(by_query)
        details = sql.query_details(self.conn, self.window, queries, failed=True)
        visitors: dict[str, set[str]] = defaultdict(set)
        for q, v in sql.visitors_of(self.conn, self.window, queries, failed=True):
            visitors[by_query[q].key].add(v)
        everyone = set().union(*visitors.values()) if visitors else set()
        reads: dict[str, set[str]] = defaultdict(set)
        for v, article_id in sql.reads(self.conn, self.window):
            if v in everyone:
                reads[v].add(article_id)
        for g in groups:
            mine = [details[q] for q, _ in g.queries if q in details]
            g.examples = _examples(mine)
            g.language = _language(mine, self.config.site.codes)
            g.last_seen = max((d.last for d in mine), default=None)
            who = visitors.get(g.key, set())
            g.visitors = len(who)
            counter: Counter[str] = Counter()
            for v in who:
                counter.update(reads.get(v, ()))
            g.read_after = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:3]

    # -- weak searches ------------------------------------------------------------------------

    def weak_groups(self) -> list[WeakGroup]:
        """Searches with results that were never clicked, or followed by a contact request.

        Grouped by exact terms only (spelling, plurals, order, synonyms), not merged by
        similarity: the successful long tail is large and these rows are about specific
        queries whose results did not convince.
        """
        found = self.found()
        grouping = self.grouper.group(found, merge=False)
        plain_key = {plain_query(q): g.key for g in grouping.groups for q in g.queries}
        clicks: Counter[str] = Counter()
        clicked = sql.clicked_queries(self.conn, self.window)
        for q, n in clicked:
            key = plain_key.get(plain_query(q)) or grouping.key_of(q)
            if key is not None:
                clicks[key] += n
        judge_clicks = bool(clicked)
        if found and not judge_clicks:
            self.notes.append(
                "no result clicks were recorded in this window: weak searches are judged by "
                "contact requests only"
            )
        contacted: dict[str, set[int]] = defaultdict(set)
        for q, request in self._searched_before(found=True):
            key = plain_key.get(q) or grouping.key_of(q)
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
                    key=g.key,
                    label=_label(g.queries, g.corrected),
                    searches=g.count,
                    visitors=0,  # the listed groups get exact figures from weak_detail()
                    clicks=clicks[g.key],
                    contacted=len(who),
                    queries=[(q, found[q]) for q in g.queries],
                    examples=[],
                    reason="; ".join(reasons),
                )
            )
        # never clicked first (the clearer signal), each kind by its size
        out.sort(key=lambda w: (w.clicks > 0, -w.searches if not w.clicks else -w.contacted, w.key))
        for rank, w in enumerate(out, 1):
            w.rank = rank
        return out

    def weak_detail(self, groups: Sequence[WeakGroup]) -> None:
        """For the listed weak groups: exact visitors and spellings."""
        if not groups:
            return
        by_query = {q: g for g in groups for q, _ in g.queries}
        queries = sorted(by_query)
        details = sql.query_details(self.conn, self.window, queries, failed=False)
        visitors: dict[str, set[str]] = defaultdict(set)
        for q, v in sql.visitors_of(self.conn, self.window, queries, failed=False):
            visitors[by_query[q].key].add(v)
        for g in groups:
            g.visitors = len(visitors.get(g.key, ()))
            mine = [details[q] for q, _ in g.queries if q in details]
            g.examples = _examples(mine)
            g.language = _language(mine, self.config.site.codes)

    # -- escalations --------------------------------------------------------------------------

    def escalations(
        self,
        failed: Sequence[FailedGroup],
        answer: Answer | None = None,
        portals: Mapping[str, PublishedArticles] | None = None,
    ) -> list[EscalationTopic]:
        """Contact requests sent without reading anything, or after finding nothing;
        ``answer``: the article search answers a request's subject with (escalations.Answer);
        ``portals``: the articles as each other language's portal shows them."""
        return escalation_topics(
            self.contact_rows, failed, self._failed, self.vocab, answer, self.catalog, portals
        )

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
        another (actions.InDefault)."""
        corrected = self._failed.groups if self._failed else ()
        typos = {q for g in corrected for q in g.corrected}
        advisor = Advisor(self.catalog, self.grouper, self.vocab, self.config.semantic_search)
        language = self.config.site.language
        codes = self.config.site.codes
        suggest(
            advisor, typos, failed, weak, stubs, shown, language, in_default, untranslated, codes
        )
