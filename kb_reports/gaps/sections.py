"""The cells every rendering of a gap report shares: sections, headers, rows and summary.

Markdown, CSV and the terminal (``gaps_render``) and HTML (``gaps_html``) show the same
sections in the same order: failed searches, weak searches, unhelpful articles, escalations,
stale articles, then, when the widget had traffic, the portal and the widget side by side and
the widget's host pages where searches failed, and drafts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from kb_reports.gaps.model import Action, GapReport, counted, plural_of
from kb_reports.gaps.next_actions import next_actions

__all__ = [
    "COUNT_KEYS",
    "HEADERS",
    "SECTIONS",
    "action_lists",
    "actions_text",
    "SECTION_NAMES",
    "day_text",
    "headers",
    "next_action_lines",
    "shown",
    "queries_text",
    "rows",
    "summary_lines",
    "window_text",
]


def window_text(report: GapReport) -> str:
    w = report.window
    end = w.until.strftime("%Y-%m-%d %H:%M UTC")
    if w.since is None:
        return f"all time to {end}"
    return f"{w.since.strftime('%Y-%m-%d %H:%M')} to {end} ({report.since})"


def day_text(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value is not None else "-"


def queries_text(pairs: list[tuple[str, int]], n: int = 4) -> str:
    shown = ", ".join(f"{q} ({c})" for q, c in pairs[:n])
    return shown + (f", +{len(pairs) - n} more" if len(pairs) > n else "")


SECTIONS = (
    ("failed", "Failed searches"),
    ("weak", "Weak searches"),
    ("unhelpful", "Unhelpful articles"),
    ("escalations", "Escalations without self-service"),
    ("stale", "Stale articles"),
    ("sources", "Portal and widget"),
    ("widget_pages", "Widget pages where searches failed"),
    ("languages", "Searches by language"),
    ("untranslated", "Untranslated articles read most in another language"),
    ("stubs", "Drafts from kb gaps --stub"),
)
WIDGET_SECTIONS = ("sources", "widget_pages")
LANGUAGE_SECTIONS = ("languages", "untranslated")

COUNT_KEYS = {
    "failed": "failed_searches",
    "weak": "weak_searches",
    "unhelpful": "unhelpful_articles",
    "escalations": "escalations",
    "stale": "stale_articles",
    "widget_pages": "widget_pages",
}

HEADERS: dict[str, tuple[str, ...]] = {
    "failed": (
        "#",
        "Searches",
        "Visitors",
        "Trend",
        "First seen",
        "Last seen",
        "Queries",
        "Contacted",
        "Now found",
        "Action",
    ),
    "weak": ("#", "Searches", "Visitors", "Clicks", "Contacted", "Queries", "Why", "Action"),
    "unhelpful": ("#", "Article", "Helpful", "Ratings", "Since last revision", "Reasons", "Action"),
    "escalations": (
        "#",
        "Topic",
        "Without self-service",
        "Requests",
        "Read nothing",
        "Found nothing",
        "Searched for",
        "Subjects",
        "Action",
    ),
    "stale": ("#", "Article", "Owner", "Why", "Action"),
    "sources": (
        "Source",
        "Searches",
        "Found nothing",
        "Contact requests sent",
        "Form started (visitor-days)",
        "Suggestions opened",
        "Deflected (visitor-days)",
    ),
    "widget_pages": ("#", "Host page", "Failed searches", "Searches", "Visitors", "Failed queries"),
    "languages": ("Language", "Searches", "Found nothing", "Contact requests", "Failed queries"),
    "untranslated": ("#", "Language", "Article", "Views there", "Visitors", "Action"),
    "stubs": ("Draft", "Group", "Published", "Now found", "Queries"),
}


# On a site of several languages, once another language than the default is searched in, a
# column after the rank says which language a group's searches are in, and which portal they
# were made on when that is another ("fr (en portal)": French typed on the English portal).
LANGUAGE_COLUMN = ("failed", "weak")


def headers(report: GapReport, section: str) -> tuple[str, ...]:
    """The column headers of one section; with a language's once several are in use."""
    header = HEADERS[section]
    if section in LANGUAGE_COLUMN and report.languages_used:
        return (header[0], "Language", *header[1:])
    return header


def rows(report: GapReport, section: str) -> Iterator[tuple[str, ...]]:
    """The human-readable cells of one section, matching ``headers(report, section)``."""
    cells = _rows(report, section)
    if section in LANGUAGE_COLUMN and report.languages_used:
        groups = report.failed if section == "failed" else report.weak
        languages = [_language_cell(g.language, g.portal) for g in groups]
        for language, row in zip(languages, cells, strict=True):
            yield (row[0], language, *row[1:])
        return
    yield from cells


def _language_cell(language: str | None, portal: str | None) -> str:
    if portal and language and language != portal:
        return f"{language} ({portal} portal)"
    return language or portal or "-"


def _rows(report: GapReport, section: str) -> Iterator[tuple[str, ...]]:
    if section == "failed":
        for g in report.failed:
            yield (
                str(g.rank),
                str(g.searches),
                str(g.visitors),
                g.trend or "-",
                day_text(g.first_seen),
                day_text(g.last_seen),
                queries_text(g.queries),
                str(g.contacted),
                g.loop.text if g.loop and g.loop.checked else "-",
                g.action.text if g.action else "",
            )
    elif section == "weak":
        for w in report.weak:
            yield (
                str(w.rank),
                str(w.searches),
                str(w.visitors),
                str(w.clicks),
                str(w.contacted),
                queries_text(w.queries),
                w.reason,
                w.action.text if w.action else "",
            )
    elif section == "unhelpful":
        for u in report.unhelpful:
            reasons = "; ".join(f"{r} ({n})" for r, n in u.reasons[:3]) or "-"
            yield (
                str(u.rank),
                f"{u.article.title} ({u.article.source})",
                f"{u.helpful:.0%}",
                str(u.votes),
                u.change,
                reasons,
                u.action.text,
            )
    elif section == "escalations":
        for e in report.escalations:
            yield (
                str(e.rank),
                e.topic,
                str(e.without_self_service),
                str(e.requests),
                str(e.read_nothing),
                str(e.found_nothing),
                queries_text(e.failed_queries) or "-",
                "; ".join(e.subjects) or "-",
                actions_text(e.actions),
            )
    elif section == "stale":
        for s in report.stale:
            a = s.stale.article
            yield (
                str(s.rank),
                f"{a.title} ({a.source})",
                a.owner or "-",
                s.stale.reason,
                s.action.text,
            )
    elif section == "sources":
        for src in report.sources:
            yield (
                src.source,
                str(src.searches),
                f"{src.failed_searches} ({_share(src.failed_searches, src.searches)})",
                str(src.contact_requests),
                str(src.contact_started),
                str(src.suggestions_opened),
                str(src.abandoned_after_reading),
            )
    elif section == "widget_pages":
        for p in report.widget_pages:
            yield (
                str(p.rank),
                p.host,
                str(p.failed),
                str(p.searches),
                str(p.visitors),
                queries_text(p.queries),
            )
    elif section == "languages":
        for x in report.languages:
            yield (
                x.language,
                str(x.searches),
                f"{x.failed_searches} ({_share(x.failed_searches, x.searches)})",
                str(x.contact_requests),
                queries_text(x.failed_queries) or "-",
            )
    elif section == "untranslated":
        for tr in report.untranslated:
            yield (
                str(tr.rank),
                tr.language,
                f"{tr.title} ({tr.article_id})" if tr.title else tr.article_id,
                str(tr.views),
                str(tr.visitors),
                f"Translate it: its readers in {tr.language} see it in the default language",
            )
    elif section == "stubs":
        for st in report.stubs:
            loop = st.loop.text if st.loop and st.loop.checked else "-"
            yield (
                st.path,
                st.group,
                "yes" if st.published else "no (draft)",
                loop,
                ", ".join(st.queries[:5]),
            )


def actions_text(actions: list[Action]) -> str:
    """A gap's actions in one cell: the one sentence, or each numbered, "(1) … (2) …"."""
    if len(actions) == 1:
        return actions[0].text
    return " ".join(f"({i}) {a.text}" for i, a in enumerate(actions, 1))


def action_lists(report: GapReport, section: str) -> list[list[str]]:
    """Each row's action sentences, in the order of ``rows``, for the outputs that list a
    row's several actions (HTML, Markdown); empty for a section whose rows have one each.
    Only an escalation has several: one per article its requests point at."""
    if section == "escalations":
        return [[a.text for a in e.actions] for e in report.escalations]
    return []


def shown(report: GapReport, section: str) -> bool:
    """Whether a section appears: drafts when there are some, the widget's once it is used."""
    if section == "stubs":
        return bool(report.stubs)
    if section in WIDGET_SECTIONS:
        return report.widget_used
    if section in LANGUAGE_SECTIONS:  # a site of several languages, once another one is used
        return report.languages_used
    return True


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def summary_lines(report: GapReport) -> list[str]:
    t, c = report.totals, report.counts
    rate = t["failed_searches"] / t["searches"] if t["searches"] else 0.0
    widget = next((s for s in report.sources if s.source == "widget"), None)
    widget_line = (
        [
            f"Widget: {counted(widget.searches, 'search')}, found nothing: "
            f"{widget.failed_searches} ({_share(widget.failed_searches, widget.searches)}); "
            f"contact requests sent: {widget.contact_requests}; "
            f"{counted(widget.abandoned_after_reading, 'visitor-day')} read a suggestion and "
            f"sent nothing (deflected); host pages with failed searches: "
            f"{c.get('widget_pages', 0)}"
        ]
        if widget is not None and report.widget_used
        else []
    )
    now = c.get("answered_now", 0)  # listed groups whose searches the build answers now
    answered = f", {now} answered now" if now else ""
    return [
        f"Window: {window_text(report)}",
        f"Searches: {t['searches']}, found nothing: {t['failed_searches']} ({rate:.1%}); "
        f"contact requests sent: {t['contact_requests']}; ratings: {t['ratings']}; "
        f"published articles: {t['published_articles']}",
        person_line(report),
        form_line(report),
        f"Gaps: {counted(c['failed_searches'], 'failed-search group')} "
        f"({c['new_failed_groups']} new{answered}), {c['weak_searches']} weak, "
        f"{c['unhelpful_articles']} unhelpful, "
        f"{counted(c['escalations'], 'escalation topic')}, {c['stale_articles']} stale",
        *widget_line,
    ]


def form_line(report: GapReport) -> str:
    """The contact form's deflection trail, in words. Its events are counted per visitor-day
    (the visitor hash rotates daily, so one visitor on one day is all it can tell apart),
    unlike the requests sent, counted one by one: the line says so."""
    t = report.totals
    started, opened = t.get("contact_started", 0), t.get("suggestions_opened", 0)
    deflected = t.get("abandoned_after_reading", 0)
    return (
        f"Contact form: {counted(started, 'visitor-day')} started a request (a visitor counts "
        f"once a day), {counted(opened, 'suggested article')} opened, "
        f"{counted(deflected, 'visitor-day')} read a suggestion and sent nothing (deflected)"
    )


def person_line(report: GapReport) -> str:
    """The searches that asked for a person, in words: offered the contact form, so neither
    found nothing nor an article to write."""
    p = report.asked_for_person
    said = ", ".join(f"\u201c{q}\u201d ({n})" for q, n in p.queries)  # the store's top five
    searches = f"{p.searches} search" + ("" if p.searches == 1 else "es")
    visitors = f"{p.visitors} visitor" + ("" if p.visitors == 1 else "s")
    line = f"Asked for a person: {searches} by {visitors}, offered the contact form (not gaps)"
    return line + (f"; most asked: {said}" if said else "")


SECTION_NAMES = {
    "failed": "failed search",
    "weak": "weak search",
    "unhelpful": "unhelpful article",
    "escalations": "escalation",
    "stale": "stale article",
}


def next_action_lines(report: GapReport) -> list[str]:
    """The report's next actions as sentences, each saying which gaps it comes from
    ("(failed searches #1, #2)", "(failed search #1, escalation #1)")."""
    lines = []
    for gaps, a in next_actions(report):
        ranks: dict[str, list[int]] = {}
        for section, rank in gaps:
            ranks.setdefault(section, []).append(rank)
        said = ", ".join(
            f"{name if len(rs) == 1 else plural_of(name)} {', '.join(f'#{r}' for r in rs)}"
            for section, rs in ranks.items()
            for name in [SECTION_NAMES[section]]
        )
        lines.append(f"{a.text} ({said})")
    return lines
