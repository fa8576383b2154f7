"""Read-only analytical SQL over the feedback store (SQLAlchemy Core), for ``kb gaps``.

The API's own statements, all of them writes or point reads, stay in ``store.py``; this module
only aggregates, over the same ``Table`` objects (from ``tables.py``). Every function takes a
connection opened by :func:`~kb_store.reading.reading` (one snapshot for the whole report) and
returns plain tuples or dataclasses. The heavy lifting stays in the database: a million logged
searches come back as one row per distinct normalised query, never one row per search.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from kb_store.reading import Window, aware, day_of, in_window, reading, unindexed
from kb_store.tables import article_views, clicks, contact_requests, ratings, searches

log = logging.getLogger(__name__)

__all__ = [
    "ContactRow",
    "DayRow",
    "FailedRow",
    "PersonRow",
    "QueryDetail",
    "RatingRow",
    "Window",
    "answered",
    "asked_for",
    "asked_for_person",
    "clicked_queries",
    "contacts",
    "daily",
    "failed_stats",
    "found_stats",
    "person_queries",
    "query_details",
    "reads",
    "rating_reasons",
    "rating_rows",
    "reading",
    "unanswered",
    "visitors_of",
]


# -- searches -----------------------------------------------------------------------------------

# The one definition of a failed search: nothing found, or nothing confident (the search
# logged it unanswered), unless it asked for a person and was offered the contact form (then
# the form answered it, not an article: a third outcome, neither failed nor answered). Every
# section that counts, groups or trends failures uses it. A search the report reads as asking
# for a person (``Window.asked``) counts as asking whatever its log says.


def asked_for(w: Window) -> sa.ColumnElement[bool]:
    """The window's searches that asked for a person: logged so, or read so (``w.asked``)."""
    logged = searches.c.contact.is_(True)
    return sa.or_(logged, searches.c.query.in_(sorted(w.asked))) if w.asked else logged


def unanswered(w: Window) -> sa.ColumnElement[bool]:
    """The window's failed searches: nothing found or nothing confident, and no person asked."""
    return sa.and_(
        sa.not_(asked_for(w)), sa.or_(searches.c.hits == 0, searches.c.answered.is_(False))
    )


def answered(w: Window) -> sa.ColumnElement[bool]:
    """The window's searches answered with confidence (a search read as asking for a person
    is not: the log's ``answered`` was worked out before the rule that asks for one)."""
    found = sa.and_(searches.c.hits > 0, searches.c.answered.is_(True))
    if not w.asked:
        return found
    read = sa.or_(searches.c.contact.is_(True), searches.c.query.not_in(sorted(w.asked)))
    return sa.and_(found, read)


def person_queries(
    conn: sa.Connection, w: Window, asks: Callable[[str, str | None], bool]
) -> frozenset[str]:
    """The normalised queries of the window (and the one before) that ``asks`` reads as asking
    for a person but that were logged without the ``contact`` flag: one row per distinct query
    and language, the rule run in Python."""
    c = searches.c
    start = w.previous or w.since
    where = [c.contact.is_(False), unindexed(c.ts) < w.until]
    if start is not None:
        where.append(unindexed(c.ts) >= start)
    rows = conn.execute(sa.select(c.query, c.language).where(*where).distinct())
    return frozenset(str(q) for q, lang in rows if asks(str(q), lang))


@dataclass(frozen=True)
class DayRow:
    day: str
    searches: int
    failed: int


def daily(conn: sa.Connection, w: Window) -> list[DayRow]:
    """Searches and failed searches (nothing found or unanswered) per UTC day of the window."""
    day = day_of(conn, searches.c.ts).label("day")
    failed = sa.func.sum(sa.case((unanswered(w), 1), else_=0))
    query = (
        sa.select(day, sa.func.count(), failed)
        .where(*in_window(unindexed(searches.c.ts), w))
        .group_by(day)
        .order_by(day)
    )
    return [DayRow(str(d), int(n), int(f or 0)) for d, n, f in conn.execute(query)]


@dataclass(frozen=True)
class PersonRow:
    """Searches of a window that asked for a person and were offered the contact form."""

    searches: int
    visitors: int
    queries: list[tuple[str, int]]  # normalised, most searched first


def asked_for_person(conn: sa.Connection, w: Window, limit: int = 5) -> PersonRow:
    """The window's searches that asked for a person (offered the contact form), their
    visitors and their ``limit`` most searched wordings."""
    c = searches.c
    where = (asked_for(w), *in_window(unindexed(c.ts), w))
    n, visitors = conn.execute(
        sa.select(sa.func.count(), sa.func.count(sa.distinct(c.visitor))).where(*where)
    ).one()
    count = sa.func.count().label("n")
    top = conn.execute(
        sa.select(c.query, count)
        .where(*where)
        .group_by(c.query)
        .order_by(count.desc(), c.query)
        .limit(limit)
    )
    return PersonRow(int(n or 0), int(visitors or 0), [(str(q), int(k)) for q, k in top])


@dataclass(frozen=True)
class FailedRow:
    """One distinct normalised query of one portal that went unanswered in this window or the
    one before."""

    query: str
    searches: int  # in the window
    previous: int  # in the window before (0 when the window is all time)
    first_ever: datetime  # its first failed search, whenever
    language: str | None = None  # its portal's (None: a site of one language, or before 7)


def failed_stats(conn: sa.Connection, w: Window) -> list[FailedRow]:
    """Failed searches per normalised query and portal language: in the window, the window
    before, and the first ever. One sequential scan; only failed rows reach the GROUP BY."""
    c = searches.c
    ts = unindexed(c.ts)
    cur = sa.func.sum(sa.case((sa.and_(*in_window(ts, w)), 1), else_=0))
    prev: sa.ColumnElement[int] = sa.literal(0)
    if w.since is not None and w.previous is not None:
        prev = sa.func.sum(sa.case((sa.and_(ts >= w.previous, ts < w.since), 1), else_=0))
    query = (
        sa.select(c.query, c.language, cur, prev, sa.func.min(c.ts))
        .where(unanswered(w), ts < w.until)
        .group_by(unindexed(c.query), c.language)
        .having(sa.or_(cur > 0, prev > 0))
    )
    return [
        FailedRow(str(q), int(n or 0), int(p or 0), aware(first) or w.until, _code(lang))
        for q, lang, n, p, first in conn.execute(query)
    ]


def _code(language: Any) -> str | None:
    return str(language) if language is not None else None


def found_stats(conn: sa.Connection, w: Window) -> dict[tuple[str, str | None], int]:
    """Searches of the window that were answered, per normalised query and portal language."""
    c = searches.c
    ts = unindexed(c.ts)
    query = (
        sa.select(c.query, c.language, sa.func.count())
        .where(answered(w), *in_window(ts, w))
        .group_by(unindexed(c.query), c.language)
    )
    return {(str(q), _code(lang)): int(n) for q, lang, n in conn.execute(query)}


@dataclass(frozen=True)
class QueryDetail:
    """How one normalised query was typed in the window, when, and in which languages (the
    searches of one portal, when :func:`query_details` is asked for one)."""

    query: str
    raw: tuple[tuple[str, int], ...]  # spellings as typed, most frequent first
    first: datetime
    last: datetime
    # searches per portal language, most first (None: a site of one language, or before
    # migration 7)
    languages: tuple[tuple[str | None, int], ...] = ()


def query_details(
    conn: sa.Connection, w: Window, queries: list[str], *, failed: bool
) -> dict[tuple[str, str | None], QueryDetail]:
    """Spellings, languages and first/last search of some queries in the window, per query
    and portal language (by the query index)."""
    c = searches.c
    outcome = unanswered(w) if failed else answered(w)
    raws: dict[tuple[str, str | None], Counter[str]] = {}
    langs: dict[tuple[str, str | None], Counter[str | None]] = {}
    span: dict[tuple[str, str | None], list[datetime | None]] = {}
    for i in range(0, len(queries), 500):
        query = (
            sa.select(
                c.query,
                c.raw_query,
                c.language,
                sa.func.count(),
                sa.func.min(c.ts),
                sa.func.max(c.ts),
            )
            .where(c.query.in_(queries[i : i + 500]), outcome, *in_window(c.ts, w))
            .group_by(c.query, c.raw_query, c.language)
        )
        for q, raw, lang, n, first, last in conn.execute(query):
            key = (str(q), _code(lang))
            raws.setdefault(key, Counter())[str(raw)] += int(n)
            langs.setdefault(key, Counter())[_code(lang)] += int(n)
            entry = span.setdefault(key, [None, None])
            first, last = aware(first), aware(last)
            entry[0] = first if entry[0] is None or (first and first < entry[0]) else entry[0]
            entry[1] = last if entry[1] is None or (last and last > entry[1]) else entry[1]
    return {
        q: QueryDetail(
            q[0],
            tuple(sorted(raws[q].items(), key=lambda r: (-r[1], r[0]))),
            first or w.until,
            last or w.until,
            tuple(sorted(langs[q].items(), key=lambda r: (-r[1], r[0] or ""))),
        )
        for q, (first, last) in span.items()
    }


def visitors_of(
    conn: sa.Connection, w: Window, queries: list[str], *, failed: bool
) -> list[tuple[str, str | None, str]]:
    """Distinct (query, portal language, visitor) of the window's searches for some queries
    (by the index)."""
    c = searches.c
    outcome = unanswered(w) if failed else answered(w)
    out: set[tuple[str, str | None, str]] = set()
    for i in range(0, len(queries), 500):
        query = (
            sa.select(c.query, c.language, c.visitor)
            .where(c.query.in_(queries[i : i + 500]), outcome, *in_window(c.ts, w))
            .distinct()
        )
        out.update((str(q), _code(lang), str(v)) for q, lang, v in conn.execute(query))
    return sorted(out, key=lambda r: (r[0], r[1] or "", r[2]))


def reads(conn: sa.Connection, w: Window) -> Iterator[tuple[str, str]]:
    """(visitor, article id) of every article view and result click in the window.

    Streamed rather than filtered in SQL: neither table has an index on the visitor, and one
    pass with a set lookup in Python beats a join on them.
    """
    for table in (article_views, clicks):
        query = sa.select(table.c.visitor, table.c.article_id).where(
            *in_window(unindexed(table.c.ts), w)
        )
        for v, a in conn.execute(query):
            yield str(v), str(a)


def clicked_queries(conn: sa.Connection, w: Window) -> list[tuple[str, str | None, int]]:
    """Result clicks per query as the page reported it and portal language:
    (query, language, clicks)."""
    query = (
        sa.select(clicks.c.query, clicks.c.language, sa.func.count())
        .where(*in_window(clicks.c.ts, w))
        .group_by(clicks.c.query, clicks.c.language)
    )
    return [(str(q), _code(lang), int(n)) for q, lang, n in conn.execute(query)]


# -- contact requests and what their senders did before -----------------------------------------


@dataclass(frozen=True)
class ContactRow:
    id: int
    created_at: datetime
    visitor: str
    topic: str
    subject: str
    context: dict[str, Any]
    language: str | None = None  # the portal it was written in (None: a site of one language)


def contacts(conn: sa.Connection, w: Window) -> list[ContactRow]:
    """Contact requests of the window, oldest first."""
    c = contact_requests.c
    query = (
        sa.select(c.id, c.created_at, c.visitor, c.topic, c.subject, c.context, c.language)
        .where(*in_window(c.created_at, w))
        .order_by(c.created_at, c.id)
    )
    out = []
    for i, created, visitor, topic, subject, context, language in conn.execute(query):
        out.append(
            ContactRow(
                id=int(i),
                created_at=aware(created) or w.until,
                visitor=str(visitor),
                topic=str(topic or ""),
                subject=str(subject or ""),
                context=context if isinstance(context, dict) else {},
                language=language,
            )
        )
    return out


# -- ratings ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingRow:
    """Votes on one revision of one article: all of them, and those inside the window."""

    article_id: str
    revision: str
    scale: str
    votes: int
    total: int  # sum of the values
    window_votes: int
    window_total: int
    first: datetime
    last: datetime


def rating_rows(conn: sa.Connection, w: Window) -> list[RatingRow]:
    """Votes per article, revision and scale; window counts alongside all-time counts."""
    c = ratings.c
    inside = sa.and_(*in_window(c.updated_at, w))
    query = (
        sa.select(
            c.article_id,
            c.revision,
            c.scale,
            sa.func.count(),
            sa.func.sum(c.value),
            sa.func.sum(sa.case((inside, 1), else_=0)),
            sa.func.sum(sa.case((inside, c.value), else_=0)),
            sa.func.min(c.created_at),
            sa.func.max(c.updated_at),
        )
        .where(c.updated_at < w.until)
        .group_by(c.article_id, c.revision, c.scale)
    )
    return [
        RatingRow(
            str(a),
            str(r),
            str(s),
            int(n),
            int(t or 0),
            int(wn or 0),
            int(wt or 0),
            aware(first) or w.until,
            aware(last) or w.until,
        )
        for a, r, s, n, t, wn, wt, first, last in conn.execute(query)
    ]


def rating_reasons(conn: sa.Connection, w: Window) -> list[tuple[str, str, int]]:
    """Reasons given with votes in the window: (article id, reason, count)."""
    c = ratings.c
    query = (
        sa.select(c.article_id, c.reason, sa.func.count())
        .where(c.reason.is_not(None), c.reason != "", *in_window(c.updated_at, w))
        .group_by(c.article_id, c.reason)
    )
    return [(str(a), str(r), int(n)) for a, r, n in conn.execute(query)]
