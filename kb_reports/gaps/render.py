"""Render a :class:`~kb_reports.gaps.report.GapReport` as text (rich tables), Markdown, JSON or CSV.

HTML lives in ``gaps_html``; the next actions' rule in ``gaps_next_actions``. Every renderer
shows the same sections in the same order, with the same cells (``gaps_sections``).
"""

from __future__ import annotations

import csv
import html
import io
import json
import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from typing import IO, Any

from kb_reports.gaps.model import FailedGroup, GapReport
from kb_reports.gaps.next_actions import next_actions
from kb_reports.gaps.sections import (
    COUNT_KEYS,
    SECTION_NAMES,
    SECTIONS,
    action_lists,
    day_text,
    headers,
    next_action_lines,
    rows,
    shown,
    summary_lines,
)

log = logging.getLogger(__name__)

FORMATS = ("text", "md", "json", "csv", "html")
PIPE_WIDTH = 160  # the text report's width when it goes to a file, a pipe or a CI log


def render_json(report: GapReport) -> str:
    return json.dumps(report_dict(report), indent=1, ensure_ascii=False) + "\n"


def report_dict(report: GapReport) -> dict[str, Any]:
    """The report as a JSON-ready dict (timestamps as ISO 8601 strings)."""
    data = {
        "generated_at": report.generated_at,
        "since": report.since,
        "window": {"start": report.window.since, "end": report.window.until},
        "totals": report.totals,
        "counts": report.counts,
        "notes": report.notes,
        "index_available": report.index_available,
        "failed_searches": [_failed_dict(g) for g in report.failed],
        "weak_searches": [asdict(g) for g in report.weak],
        "unhelpful_articles": [asdict(u) for u in report.unhelpful],
        "escalations": [asdict(e) for e in report.escalations],
        "stale_articles": [asdict(s) for s in report.stale],
        "stubs": [asdict(s) for s in report.stubs],
        "new_failed_groups": [g.key for g in report.new_failed_groups()],
        "next_actions": [
            {
                "section": gaps[0][0],
                "rank": gaps[0][1],
                "ranks": [r for section, r in gaps if section == gaps[0][0]],
                "gaps": [{"section": section, "rank": r} for section, r in gaps],
                "action": asdict(a),
            }
            for gaps, a in next_actions(report)
        ],
        "asked_for_person": asdict(report.asked_for_person),
        "daily": [asdict(d) for d in report.daily],
        "sources": [asdict(s) for s in report.sources],
        "widget_pages": [asdict(p) for p in report.widget_pages],
        "languages": [asdict(x) for x in report.languages],
        "untranslated": [asdict(u) for u in report.untranslated],
        "category_helpfulness": [
            {"category": c, "votes": n, "helpful": round(h, 4)}
            for c, n, h in report.category_helpfulness
        ],
    }
    return dict(to_jsonable(data))


def _failed_dict(g: FailedGroup) -> dict[str, Any]:
    d = asdict(g)
    d["trend"] = g.trend
    return d


def to_jsonable(value: Any) -> Any:
    """Dataclasses, tuples, dates and floats made JSON-ready (ISO dates, rounded floats)."""
    if is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(asdict(value))
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    return value


# -- Markdown ---------------------------------------------------------------------------------


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|])")


def _md_text(text: str) -> str:
    """Searches, reasons and subjects as literal text in Markdown: markup typed by visitors
    (``<script>``, ``[x](javascript:..)``, ``*``) is escaped, never rendered."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False)).replace("\n", " ")


def _md_cell(text: str) -> str:
    return _md_text(text) or " "


def render_md(report: GapReport) -> str:
    out = [f"# Content gaps, {report.generated_at.strftime('%Y-%m-%d')}", ""]
    out += [f"- {_md_text(line)}" for line in summary_lines(report)]
    out += [f"- Note: {_md_text(n)}" for n in report.notes]
    actions = next_action_lines(report)
    if actions:
        out += ["", "## Next actions", ""]
        out += [f"{i}. {_md_cell(line)}" for i, line in enumerate(actions, 1)]
    for section, title in SECTIONS:
        if not shown(report, section):
            continue
        body = list(rows(report, section))
        total = report.counts.get(COUNT_KEYS.get(section, ""), len(body))
        out += ["", f"## {title}", ""]
        if not body:
            out.append("None.")
            continue
        if total > len(body):
            out += [f"Top {len(body)} of {total}.", ""]
        header = headers(report, section)
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "|".join("---" for _ in header) + "|")
        listed = action_lists(report, section)
        several = [i for i, texts in enumerate(listed) if len(texts) > 1]
        for i, row in enumerate(body):
            if i in several:  # listed under the table: "(1) … (2) …" in a cell read badly
                row = (*row[:-1], f"{len(listed[i])} actions, listed under the table")
            out.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
        for i in several:
            rank, name = body[i][0], _md_text(body[i][1])
            out += ["", f"Actions of {SECTION_NAMES[section]} #{rank}, {name}:", ""]
            out += [f"{n}. {_md_text(t)}" for n, t in enumerate(listed[i], 1)]
    return "\n".join(out) + "\n"


# -- CSV --------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "section",
    "rank",
    "key",
    "title",
    "searches",
    "visitors",
    "trend",
    "ratings",
    "helpful",
    "contacted",
    "queries",
    "evidence",
    "action",
    "action_detail",
    "article_id",
    "source",
)


def csv_columns(report: GapReport) -> tuple[str, ...]:
    """The CSV's columns: a ``language`` after ``key`` once several languages are in use."""
    if not report.languages_used:
        return CSV_COLUMNS
    at = CSV_COLUMNS.index("key") + 1
    return (*CSV_COLUMNS[:at], "language", *CSV_COLUMNS[at:])


def _csv_rows(report: GapReport) -> Iterator[dict[str, Any]]:
    for g in report.failed:
        a = g.action
        yield {
            "section": "failed",
            "rank": g.rank,
            "key": g.key,
            "language": g.language or "",
            "title": g.label,
            "searches": g.searches,
            "visitors": g.visitors,
            "trend": g.trend,
            "contacted": g.contacted,
            "queries": "; ".join(q for q, _ in g.queries),
            "evidence": f"first seen {day_text(g.first_seen)}, last seen {day_text(g.last_seen)}"
            + (f"; {g.loop.text}" if g.loop and g.loop.checked else ""),
            "action": a.kind if a else "",
            "action_detail": a.text if a else "",
            "article_id": a.article_id if a else "",
            "source": a.source if a else "",
        }
    for w in report.weak:
        a = w.action
        yield {
            "section": "weak",
            "rank": w.rank,
            "key": w.key,
            "language": w.language or "",
            "title": w.label,
            "searches": w.searches,
            "visitors": w.visitors,
            "contacted": w.contacted,
            "queries": "; ".join(q for q, _ in w.queries),
            "evidence": w.reason,
            "action": a.kind if a else "",
            "action_detail": a.text if a else "",
            "article_id": a.article_id if a else "",
            "source": a.source if a else "",
        }
    for u in report.unhelpful:
        yield {
            "section": "unhelpful",
            "rank": u.rank,
            "key": u.article.id,
            "title": u.article.title,
            "ratings": u.votes,
            "helpful": round(u.helpful, 4),
            "evidence": "; ".join([u.change, *(f"{r} ({n})" for r, n in u.reasons)]),
            "action": u.action.kind,
            "action_detail": u.action.text,
            "article_id": u.article.id,
            "source": u.article.source,
        }
    for e in report.escalations:
        for a in e.actions:  # one row per article to fix: a script acts on each
            yield {
                "section": "escalations",
                "rank": e.rank,
                "key": e.topic,
                "title": e.topic,
                "searches": e.requests,
                "contacted": e.without_self_service,
                "queries": "; ".join(q for q, _ in e.failed_queries),
                "evidence": f"read nothing: {e.read_nothing}; found nothing: {e.found_nothing}",
                "action": a.kind,
                "action_detail": a.text,
                "article_id": a.article_id or "",
                "source": a.source or "",
            }
    for s in report.stale:
        art = s.stale.article
        yield {
            "section": "stale",
            "rank": s.rank,
            "key": art.id,
            "title": art.title,
            "evidence": s.stale.reason + (f"; owner {art.owner}" if art.owner else ""),
            "action": s.action.kind,
            "action_detail": s.action.text,
            "article_id": art.id,
            "source": art.source,
        }
    for p in report.widget_pages:
        yield {
            "section": "widget_pages",
            "rank": p.rank,
            "key": p.host,
            "title": p.host,
            "searches": p.failed,
            "visitors": p.visitors,
            "queries": "; ".join(q for q, _ in p.queries),
            "evidence": f"{p.failed} of {p.searches} widget searches on this page found nothing",
        }
    person = report.asked_for_person
    if person.searches:
        yield {
            "section": "asked_for_person",
            "key": "contact",
            "title": "Asked for a person",
            "searches": person.searches,
            "visitors": person.visitors,
            "queries": "; ".join(q for q, _ in person.queries),
            "evidence": "offered the contact form first: not a gap to write",
        }
    for tr in report.untranslated:
        yield {
            "section": "untranslated",
            "rank": tr.rank,
            "key": f"{tr.language}:{tr.article_id}",
            "language": tr.language,
            "title": tr.title or tr.article_id,
            "visitors": tr.visitors,
            "evidence": f"read {tr.views} times in the {tr.language} portal, untranslated",
            "action": "translate",
            "article_id": tr.article_id,
        }


def render_csv(report: GapReport) -> str:
    buf = io.StringIO()
    columns = csv_columns(report)
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in _csv_rows(report):
        writer.writerow({k: row.get(k, "") for k in columns})
    return buf.getvalue()


# -- terminal ---------------------------------------------------------------------------------


def render_text(report: GapReport, file: IO[str] | None = None, width: int | None = None) -> None:
    """Print the report with rich tables (plain text when ``file`` is not a terminal)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    stream = file or sys.stdout
    if width is None and "COLUMNS" not in os.environ and not stream.isatty():
        # a CI log or a pipe: rich would wrap every table at 80 columns
        width = PIPE_WIDTH
    console = Console(file=stream, width=width, highlight=False, soft_wrap=False)
    console.print(
        f"[bold]Content gaps[/bold], {report.generated_at.strftime('%Y-%m-%d')}", markup=True
    )
    for line in summary_lines(report):
        console.print(line, markup=False)
    for note in report.notes:
        console.print(f"Note: {note}", markup=False, style="yellow")
    actions = next_action_lines(report)
    if actions:
        console.print()
        console.print("Next actions", style="bold", markup=False)
        for i, line in enumerate(actions, 1):
            console.print(Text(f"  {i}. {line}"))
    for section, title in SECTIONS:
        if not shown(report, section):
            continue
        body = list(rows(report, section))
        console.print()
        if not body:
            console.print(f"{title}: none", markup=False)
            continue
        total = report.counts.get(COUNT_KEYS.get(section, ""), len(body))
        top = f" (top {len(body)} of {total})" if total > len(body) else ""
        table = Table(title=title + top, title_justify="left", expand=False)
        header = headers(report, section)
        # long sentences read better under the table than squeezed into a column
        split = header[-1] == "Action"
        for name in header[:-1] if split else header:
            table.add_column(name, overflow="fold")
        for row in body:
            cells = row[:-1] if split else row
            table.add_row(*(Text(cell) for cell in cells))  # Text: user input is never markup
        console.print(table)
        if split:
            for row in body:
                item = Text(f"  {row[0]}. ", style="bold")
                item.append(row[-1])
                console.print(item)
