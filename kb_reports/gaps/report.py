"""``kb gaps``: what customers looked for and did not find, and what to write or fix next.

Reads the feedback store (SQLite or PostgreSQL, read-only, one snapshot) and the build
manifest, and returns a :class:`GapReport`: failed searches grouped (``gaps_grouping``), weak
searches, unhelpful articles, escalations without self-service and stale articles, each with
a suggested action. The parts live in their own modules: the report's shapes in
``gaps_model``, SQL in ``reports_sql``, the search log in ``gaps_analysis``, articles in
``gaps_articles``, the unhelpful and stale articles' actions in ``gaps_upkeep``, the
search-index check and draft stubs in ``gaps_loop``, output in
``gaps_render`` and ``gaps_html``, the command in ``gaps_cli``.

The one write: sentence vectors of queries the store had not seen yet go to its
``query_vectors`` cache once the snapshot is closed (``gaps_semantic``), so the next report
does not encode them again. A store that refuses the write still gets its report.

Imports neither mkdocs nor Flask.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kb_core.config import SiteConfig
from kb_core.manifest import PUBLIC, manifest_name, read_manifest
from kb_core.search.person import asks_for_person
from kb_reports.gaps.articles import PublishedArticles, category_helpfulness, helpfulness
from kb_reports.gaps.model import (
    SINCE,
    Action,
    EscalationTopic,
    FailedGroup,
    GapReport,
    LoopCheck,
    StaleEntry,
    StubStatus,
    UnhelpfulArticle,
    Untranslated,
    WeakGroup,
    WidgetPage,
    counted,
    find_group,
    window_for,
)
from kb_reports.gaps.upkeep import stale_entries, unhelpful_entries
from kb_store.languages import LanguageRow
from kb_store.reading import Connection, Window
from kb_store.sources import SourceRow

if TYPE_CHECKING:
    from kb_reports.gaps.analysis import Analysis

log = logging.getLogger(__name__)

__all__ = [  # the report's shapes live in gaps_model; callers import them from here
    "SINCE",
    "Action",
    "EscalationTopic",
    "FailedGroup",
    "GapReport",
    "LoopCheck",
    "StaleEntry",
    "StubStatus",
    "UnhelpfulArticle",
    "WeakGroup",
    "WidgetPage",
    "build_report",
    "find_group",
    "window_for",
]


def build_report(
    config: SiteConfig,
    *,
    database_url: str,
    build_dir: Path,
    content_dir: Path,
    since: str = "30d",
    limit: int = 25,
    now: datetime | None = None,
    check_index: bool = True,
    focus: str | None = None,
) -> GapReport:
    """Read the store and the build; return every gap found in the window ``since``.

    Sections are cut to ``limit`` rows; actions, follow-ups and index checks are worked out
    for those rows only (plus the group ``focus`` names, for ``--stub``). Raises StoreError
    when the store cannot be read, ValueError for a bad ``since``.
    """
    from kb_reports.gaps.analysis import Analysis
    from kb_reports.gaps.loop import LoopChecker, find_stubs
    from kb_reports.gaps.one_article import join_portals
    from kb_store import reports as sql
    from kb_store.deflection import deflection_totals
    from kb_store.sources import by_source, widget_hosts

    now = now or datetime.now(UTC)
    window = window_for(since, now)
    catalog = PublishedArticles.load(build_dir)
    notes = [catalog.note] if catalog.note else []
    with sql.reading(database_url) as conn:
        if config.contact.enabled:  # else such a search is a gap: "How to contact us"
            window = replace(window, asked=sql.person_queries(conn, window, _asks(config)))
        analysis = Analysis(config, catalog, window, conn)
        failed_all = analysis.failed_groups()
        weak = analysis.weak_groups()
        scores = helpfulness(catalog, sql.rating_rows(conn, window))
        reasons = sql.rating_reasons(conn, window)
        daily = sql.daily(conn, window)
        person = sql.asked_for_person(conn, window)
        deflection = deflection_totals(conn, window.since, window.until)
        sources = by_source(conn, window)
        hosts, n_hosts = widget_hosts(conn, window, limit, keep=_not_noise(analysis))
        languages, untranslated = _languages(
            config, build_dir, catalog, conn, window, limit, _not_noise(analysis)
        )
        detail = failed_all[:limit]
        target = find_group(failed_all, focus) if focus else None
        if target is not None and target not in detail:
            detail.append(target)
        analysis.detail(detail)
        analysis.weak_detail(weak[:limit])
    if analysis.new_vectors:
        from kb_store.vectors import save_vectors

        save_vectors(database_url, analysis.new_vectors)  # a warning, never a failure
    notes.extend(analysis.notes)
    unhelpful = unhelpful_entries(config, scores, reasons)
    stale = stale_entries(config, catalog, now.date())
    checker = LoopChecker.open(build_dir, config) if check_index else None
    if checker is not None and checker.note:
        notes.append(checker.note)
    stubs = find_stubs(content_dir, catalog)
    try:
        # the subjects of requests that read nothing, searched as the contact form did
        portals = {c: PublishedArticles.load(build_dir, c) for c in config.site.codes[1:]}
        escalations = analysis.escalations(failed_all, checker, portals)
        analysis.suggest(
            detail,
            weak[:limit],
            stubs,
            checker.shown if checker else lambda q, lang: (None, None),
            checker.in_default if checker else None,
            checker.untranslated_top if checker else None,
        )
        if checker is not None:
            for g in detail:  # each in its portal's index: a French search in the French one
                if checker.searcher_for(g.portal) is not None:
                    g.loop = checker.check([q for q, _ in g.queries], language=g.portal)
            _answered_now(detail, escalations, catalog, portals)
            if checker.available:
                for s in stubs:
                    s.loop = checker.check(s.queries, article_id=s.article_id)
            notes.extend(checker.notes)
        _as_their_group(detail, escalations)
        # one article and its translation, not one per portal (before --stub reads titles)
        join_portals(detail, escalations, config.site.language, catalog, analysis.grouper.analyse)
    finally:
        if checker is not None:
            checker.close()
    totals = {
        "searches": sum(d.searches for d in daily),
        "failed_searches": sum(d.failed for d in daily),
        "asked_for_person": person.searches,  # offered the contact form: neither of the above
        "contact_requests": analysis.contact_count,
        "ratings": sum(h.votes for h in scores.values()),
        "published_articles": len(catalog.articles),
        **deflection,  # contact_started, suggestions_opened, abandoned_after_reading
        **_widget_totals(sources),
    }
    counts = {
        "failed_searches": len(failed_all),
        "weak_searches": len(weak),
        "unhelpful_articles": len(unhelpful),
        "escalations": len(escalations),
        "stale_articles": len(stale),
        "new_failed_groups": sum(1 for g in failed_all if g.new),
        "answered_now": sum(1 for g in detail if g.answered_by),
        "widget_pages": n_hosts,
    }
    return GapReport(
        generated_at=now,
        since=since,
        window=window,
        totals=totals,
        failed=failed_all[:limit],
        weak=weak[:limit],
        unhelpful=unhelpful[:limit],
        escalations=escalations[:limit],
        stale=stale[:limit],
        stubs=stubs,
        daily=daily,
        category_helpfulness=category_helpfulness(catalog, scores),
        counts=counts,
        notes=notes,
        index_available=bool(checker and checker.available),
        failed_all=failed_all,
        catalog=catalog,
        sources=sources,
        widget_pages=[
            WidgetPage(rank, h.host, h.failed, h.searches, h.visitors, h.queries)
            for rank, h in enumerate(hosts, 1)
        ],
        languages=languages,
        untranslated=untranslated,
        asked_for_person=person,
    )


def _answered_now(
    groups: list[FailedGroup],
    escalations: list[EscalationTopic],
    catalog: PublishedArticles,
    portals: dict[str, PublishedArticles],
) -> None:
    """Rule "answered now": a failed-search group whose searches the current build answers,
    every one re-run confidently (``LoopCheck.answered``), has had its article written since;
    its action, and that of the escalation whose searches it holds, only asks to check the
    article answers them ("check", never a next action). A translation asked for stays."""
    from kb_reports.gaps.words import quote

    done: dict[str, FailedGroup] = {}
    for g in groups:
        if g.loop is None or not g.loop.answered or (g.action and g.action.kind == "translate"):
            continue
        a = (portals.get(g.portal or "") or catalog).articles.get(g.loop.top_id)
        source = f" ({a.source})" if a is not None else ""
        shown = ", ".join(quote(q) for q, _ in g.queries[:3])
        g.answered_by = g.loop.top
        g.action = Action(
            "check",
            f"Now answered by {quote(g.loop.top)}{source}: check it answers {shown}.",
            article_id=g.loop.top_id,
            source=a.source if a is not None else None,
            queries=tuple(q for q, _ in g.queries[:5]),
        )
        done[g.key] = g
    for e in escalations:
        answered = done.get(e.group or "")
        if answered is None or answered.action is None or e.action.kind != "write":
            continue
        e.action = replace(
            answered.action,
            text=f"{counted(e.found_nothing, f'{e.topic} request')} came after searches that "
            f"found nothing (failed-search group #{answered.rank}), now answered by "
            f"{quote(answered.answered_by or '')}: check it answers what they asked.",
        )
        e.actions = [e.action, *e.actions[1:]]  # the others' subjects keep theirs


def _as_their_group(groups: list[FailedGroup], escalations: list[EscalationTopic]) -> None:
    """An escalation after searches that found nothing asks what their failed-search group
    asks when that is no new article: a keyword, a synonym, a translation (it said "Write an
    article answering" beside a group that said "translate *Get a refund*")."""
    by_key = {g.key: g for g in groups}
    for e in escalations:
        g = by_key.get(e.group or "")
        if g is None or g.action is None or g.action.kind in ("write", "check"):
            continue
        if e.action.kind != "write" or not e.failed_queries:
            continue
        e.action = replace(
            g.action,
            text=f"{counted(e.found_nothing, f'{e.topic} request')} came after searches that "
            f"found nothing (failed-search group #{g.rank}): {g.action.text}",
        )
        e.actions = [e.action, *e.actions[1:]]  # the others' subjects keep theirs


def _asks(config: SiteConfig) -> Callable[[str, str | None], bool]:
    """The rule that reads a logged query as asking for a person, in its portal's language."""
    default = config.site.language
    return lambda query, language: asks_for_person(query, language or default)


def _languages(
    config: SiteConfig,
    build_dir: Path,
    catalog: PublishedArticles,
    conn: Connection,
    window: Window,
    limit: int,
    keep: Callable[[str], bool],
) -> tuple[list[LanguageRow], list[Untranslated]]:
    """Each language's searches, and the articles each other language's portal shows
    untranslated that its visitors read most ("no German translation, read most in German")."""
    from kb_store.languages import by_language, untranslated_reads

    codes = config.site.codes
    if len(codes) < 2:
        return [], []
    lacking: dict[str, set[str]] = {}
    for code in codes[1:]:
        found = read_manifest(Path(build_dir) / manifest_name(PUBLIC, code))
        articles = found.articles if found is not None else ()
        lacking[code] = {a.id for a in articles if a.language and a.language != code}
    reads = untranslated_reads(conn, window, lacking, limit)
    reads.sort(key=lambda r: (-r.views, r.language, r.article_id))
    rows = [
        Untranslated(
            rank,
            r.language,
            r.article_id,
            catalog.articles[r.article_id].title if r.article_id in catalog.articles else "",
            r.views,
            r.visitors,
        )
        for rank, r in enumerate(reads[:limit], 1)
    ]
    return by_language(conn, window, codes, keep), rows


def _not_noise(analysis: Analysis) -> Callable[[str], bool]:
    """Whether a failed search is one a writer could answer (see the analysis' noise note)."""
    return lambda query: not analysis.vocab.is_noise(query)


def _widget_totals(sources: list[SourceRow]) -> dict[str, int]:
    """The widget's share of the totals: searches, failed searches, contact requests."""
    widget = next((s for s in sources if s.source == "widget"), SourceRow("widget"))
    return {
        "widget_searches": widget.searches,
        "widget_failed_searches": widget.failed_searches,
        "widget_contact_requests": widget.contact_requests,
    }
