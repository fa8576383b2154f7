"""The portal and the embeddable widget apart, for ``kb gaps``: searches, failed searches,
contact requests and the contact form's deflection per source, and the widget's host pages
where searches failed.

An event's ``source`` is 'widget' when the widget sent it and null from the portal (migration
6); ``host`` is the widget's host page, origin and path. A failed search is ``unanswered``,
the one definition every section of the report uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from kb_store.deflection import deflection_totals
from kb_store.reading import Window, in_window, unindexed
from kb_store.reports import unanswered
from kb_store.tables import contact_requests, searches

__all__ = ["SOURCES", "HostRow", "SourceRow", "by_source", "widget_hosts"]

SOURCES = ("portal", "widget")
_QUERIES_PER_HOST = 5


def _source(column: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
    return sa.func.coalesce(column, "portal")


@dataclass(frozen=True)
class SourceRow:
    """What the visitors of one source did in the window."""

    source: str  # "portal" or "widget"
    searches: int = 0
    failed_searches: int = 0
    contact_requests: int = 0
    contact_started: int = 0
    suggestions_opened: int = 0
    abandoned_after_reading: int = 0  # deflected: read a suggestion, sent nothing


def by_source(conn: sa.Connection, w: Window) -> list[SourceRow]:
    """One row per source, the portal first (zeros where a source had no traffic)."""
    source = _source(searches.c.source).label("source")
    failed = sa.func.sum(sa.case((unanswered(w), 1), else_=0))
    found: dict[str, dict[str, int]] = {s: {} for s in SOURCES}
    query = (
        sa.select(source, sa.func.count(), failed)
        .where(*in_window(unindexed(searches.c.ts), w))
        .group_by(source)
    )
    for name, n, n_failed in conn.execute(query):
        if name in found:
            found[name].update(searches=int(n), failed_searches=int(n_failed or 0))
    requested = _source(contact_requests.c.source).label("source")
    requests = (
        sa.select(requested, sa.func.count())
        .where(*in_window(contact_requests.c.created_at, w))
        .group_by(requested)
    )
    for name, n in conn.execute(requests):
        if name in found:
            found[name]["contact_requests"] = int(n)
    for name in SOURCES:
        found[name].update(deflection_totals(conn, w.since, w.until, source=name))
    return [SourceRow(name, **found[name]) for name in SOURCES]


@dataclass(frozen=True)
class HostRow:
    """A host page of the widget whose visitors searched and found nothing."""

    host: str
    failed: int
    searches: int
    visitors: int  # who searched there, found or not
    queries: list[tuple[str, int]] = field(default_factory=list)  # most failed first


def widget_hosts(
    conn: sa.Connection, w: Window, limit: int, keep: Callable[[str], bool] = lambda q: True
) -> tuple[list[HostRow], int]:
    """The ``limit`` host pages with the most failed widget searches, and how many there are.

    Only the failed searches ``keep`` accepts count (``kb gaps`` leaves out noise: keyboard
    mashing and attack probes are nothing a writer can answer); a page whose failed searches
    were all noise is not listed.
    """
    s = searches.c
    widget = [s.source == "widget", s.host.is_not(None), *in_window(unindexed(s.ts), w)]
    n = sa.func.count().label("n")
    failed_queries = (
        sa.select(s.host, s.query, n)
        .where(*widget, unanswered(w))
        .group_by(s.host, s.query)
        .order_by(s.host, n.desc(), s.query)
    )
    failed: dict[str, list[tuple[str, int]]] = {}
    for host, q, count in conn.execute(failed_queries):
        if keep(str(q)):
            failed.setdefault(str(host), []).append((str(q), int(count)))
    ranked = sorted(failed, key=lambda h: (-sum(c for _, c in failed[h]), h))
    top = ranked[:limit]
    totals = {
        str(host): (int(searched), int(visitors))
        for host, searched, visitors in conn.execute(
            sa.select(s.host, sa.func.count(), sa.func.count(sa.distinct(s.visitor)))
            .where(*widget, s.host.in_(top))
            .group_by(s.host)
        )
    }
    out = [
        HostRow(
            host,
            sum(c for _, c in failed[host]),
            *totals[host],
            failed[host][:_QUERIES_PER_HOST],
        )
        for host in top
    ]
    return out, len(ranked)
