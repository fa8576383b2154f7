"""Each language's portal apart, for ``kb gaps``: searches and failed searches per language
(with the queries that failed most), contact requests, and the untranslated articles the
visitors of a language read most.

An event's ``language`` is its portal's on a site of several languages, and null on a site of
one or before migration 7: null counts as the default language.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from kb_store.reading import Window, in_window, unindexed
from kb_store.reports import unanswered
from kb_store.tables import article_views, contact_requests, searches

__all__ = ["LanguageRow", "UntranslatedRead", "by_language", "untranslated_reads"]

_QUERIES = 5


def _language(column: sa.ColumnElement[Any], default: str) -> sa.ColumnElement[str]:
    return sa.func.coalesce(column, default)


@dataclass(frozen=True)
class LanguageRow:
    """What the visitors of one language's portal did in the window."""

    language: str
    searches: int = 0
    failed_searches: int = 0
    contact_requests: int = 0
    failed_queries: list[tuple[str, int]] = field(default_factory=list)  # most failed first


def by_language(
    conn: sa.Connection,
    w: Window,
    languages: Collection[str],
    keep: Callable[[str], bool] = lambda q: True,
) -> list[LanguageRow]:
    """One row per language of the site, in its order (the default first: ``languages[0]``).

    Its failed queries are those ``keep`` accepts (``kb gaps`` leaves out noise, as in its
    groups); the counts are of every search, as the report's totals."""
    codes = list(languages)
    default = codes[0]
    s = searches.c
    lang = _language(s.language, default).label("language")
    failed = sa.func.sum(sa.case((unanswered(w), 1), else_=0))
    window = in_window(unindexed(s.ts), w)
    found: dict[str, dict[str, Any]] = {c: {} for c in codes}
    for code, n, n_failed in conn.execute(
        sa.select(lang, sa.func.count(), failed).where(*window).group_by(lang)
    ):
        if code in found:
            found[code].update(searches=int(n), failed_searches=int(n_failed or 0))
    n = sa.func.count().label("n")
    queries = (
        sa.select(lang, s.query, n)
        .where(*window, unanswered(w))
        .group_by(lang, s.query)
        .order_by(lang, n.desc(), s.query)
    )
    for code, q, count in conn.execute(queries):
        top = found.get(code, {}).setdefault("failed_queries", [])
        if code in found and len(top) < _QUERIES and keep(str(q)):
            top.append((str(q), int(count)))
    requested = _language(contact_requests.c.language, default).label("language")
    for code, count in conn.execute(
        sa.select(requested, sa.func.count())
        .where(*in_window(contact_requests.c.created_at, w))
        .group_by(requested)
    ):
        if code in found:
            found[code]["contact_requests"] = int(count)
    return [LanguageRow(code, **found[code]) for code in codes]


@dataclass(frozen=True)
class UntranslatedRead:
    """An article a language's portal shows untranslated, and how much its visitors read it."""

    language: str
    article_id: str
    views: int
    visitors: int


def untranslated_reads(
    conn: sa.Connection, w: Window, untranslated: Mapping[str, Collection[str]], limit: int
) -> list[UntranslatedRead]:
    """For each language, the ``limit`` articles it lacks that its visitors read most."""
    v = article_views.c
    out: list[UntranslatedRead] = []
    for code, ids in untranslated.items():
        if not ids:
            continue
        views = sa.func.count().label("views")
        query = (
            sa.select(v.article_id, views, sa.func.count(sa.distinct(v.visitor)))
            .where(v.language == code, v.article_id.in_(list(ids)), *in_window(v.ts, w))
            .group_by(v.article_id)
            .order_by(views.desc(), v.article_id)
            .limit(limit)
        )
        out += [
            UntranslatedRead(code, str(aid), int(n), int(people))
            for aid, n, people in conn.execute(query)
        ]
    return out
