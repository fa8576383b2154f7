"""The ``kb gaps --format html`` page: one self-contained file that opens offline.

Inline CSS, inline SVG charts (searches and failed searches per day, helpfulness per
category), no scripts, no external assets. Rendered by Jinja2 with autoescaping on, so any
text a visitor typed (queries, reasons, subjects) is shown as text, never as markup.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from kb_reports.gaps.model import GapReport
from kb_reports.gaps.sections import (
    SECTIONS,
    action_lists,
    headers,
    next_action_lines,
    rows,
    shown,
    summary_lines,
    window_text,
)

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
CHART_W, CHART_H, PAD_L, PAD_B, PAD_T = 760, 220, 48, 28, 12
DAY_HEADERS = frozenset({"First seen", "Last seen"})  # columns of dates, kept on one line


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    label: str  # tooltip


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class DayChart:
    searches: list[Bar]
    failed: list[Bar]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    width: int = CHART_W
    height: int = CHART_H


@dataclass(frozen=True)
class CategoryBar:
    y: float
    w: float
    label: str
    value: str
    low: bool


def _nice_max(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``value``."""
    for power in range(0, 15):
        for step in (1, 2, 5):
            nice = step * int(10**power)
            if nice >= value:
                return nice
    return value


def day_chart(report: GapReport) -> DayChart | None:
    """Bars per day: all searches, and in front of them those that found nothing."""
    if not report.daily:
        return None
    counts = {d.day: d for d in report.daily}
    first = date.fromisoformat(report.daily[0].day)
    if report.window.since is not None:
        first = min(first, report.window.since.date())
    last = max(date.fromisoformat(report.daily[-1].day), report.window.until.date())
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    top = _nice_max(max(d.searches for d in report.daily))
    inner_w, inner_h = CHART_W - PAD_L - 8, CHART_H - PAD_B - PAD_T
    step = inner_w / len(days)
    bar_w = max(step * 0.8, 0.5)
    searches, failed, x_ticks = [], [], []
    for i, day in enumerate(days):
        row = counts.get(day.isoformat())
        x = PAD_L + i * step + (step - bar_w) / 2
        n, f = (row.searches, row.failed) if row else (0, 0)
        h, fh = inner_h * n / top, inner_h * f / top
        label = f"{day.isoformat()}: {n} searches, {f} found nothing"
        searches.append(Bar(x, PAD_T + inner_h - h, bar_w, h, label))
        failed.append(Bar(x, PAD_T + inner_h - fh, bar_w, fh, label))
        if i % max(1, len(days) // 6) == 0:
            x_ticks.append(Tick(x + bar_w / 2, CHART_H - 8, day.strftime("%d %b")))
    y_ticks = [
        Tick(PAD_L - 6, PAD_T + inner_h - inner_h * k / 4, f"{top * k // 4}") for k in range(5)
    ]
    return DayChart(searches, failed, x_ticks, y_ticks)


def category_chart(report: GapReport, below: float) -> list[CategoryBar]:
    """One horizontal bar per category: the share of its ratings that said 'helpful'."""
    bars = []
    for i, (title, votes, helpful) in enumerate(report.category_helpfulness[:20]):
        bars.append(
            CategoryBar(
                y=i * 26,
                w=round(helpful * 400, 1),
                label=title,
                value=f"{helpful:.0%} of {votes}",
                low=helpful < below,
            )
        )
    return bars


def render_html(report: GapReport, *, unhelpful_below: float = 0.6) -> str:
    """The whole report as one HTML page."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = env.get_template("gaps.html")
    examples = {
        "failed": [(g.rank, g.label, g.examples) for g in report.failed if g.examples],
        "weak": [(w.rank, w.label, w.examples) for w in report.weak if w.examples],
    }
    sections = []
    for key, title in SECTIONS:
        if not shown(report, key):
            continue
        body = list(rows(report, key))
        header = headers(report, key)
        sections.append(
            {
                "id": {
                    "failed": "failed-searches",
                    "weak": "weak-searches",
                    "unhelpful": "unhelpful-articles",
                    "escalations": "escalations",
                    "stale": "stale-articles",
                    "sources": "portal-and-widget",
                    "widget_pages": "widget-pages",
                    "languages": "languages",
                    "untranslated": "untranslated",
                    "stubs": "drafts",
                }[key],
                "title": title,
                "headers": header,
                "rows": body,
                "action_col": len(header) - 1 if header[-1] == "Action" else -1,
                "action_lists": action_lists(report, key),
                "day_cols": [i for i, h in enumerate(header) if h in DAY_HEADERS],
                "examples": examples.get(key, []),
            }
        )
    cats = category_chart(report, unhelpful_below)
    return template.render(
        report=report,
        window=window_text(report),
        summary=summary_lines(report),
        next_actions=next_action_lines(report),
        sections=sections,
        day_chart=day_chart(report),
        cat_chart=cats,
        cat_height=max(1, len(cats)) * 26 + 8,
    )
