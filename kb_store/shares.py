"""Agent shares: the SQL behind ``kb agents shares`` (``kb_reports.shares`` builds the report).

A visit through a link from ``kb link``, the agent API or a saved reply carries ``?src=agent``;
the portal records it as an ``article_views`` row with ``src='agent'``. Per article, this
counts the agent visits in a window, how many distinct visitors they were, and the ratings
those same visitors then gave that article. A rating counts as unhelpful when it is 0 on the
binary scale or 1 (the lowest) on the three-point scale.

Visitor tokens (daily-salted hashes, see ``visitor.py``) are only joined on inside the query,
so "then" means the same visitor on the same UTC day, and only counts come back.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from kb_store.tables import article_views, ratings

__all__ = ["AGENT_SRC", "share_counts"]

AGENT_SRC = "agent"


def _unhelpful() -> sa.ColumnElement[int]:
    c = ratings.c
    low = sa.or_(
        sa.and_(c.scale == "binary", c.value == 0), sa.and_(c.scale == "three", c.value == 1)
    )
    return sa.case((low, 1), else_=0)


def share_counts(
    conn: sa.Connection, since: datetime | None, until: datetime
) -> list[tuple[str, int, int, int, int]]:
    """(article id, agent visits, distinct visitors, ratings after, unhelpful after) per article."""
    v = article_views.c
    where = [v.src == AGENT_SRC, v.ts < until]
    if since is not None:
        where.append(v.ts >= since)
    visits = (
        sa.select(v.article_id, sa.func.count().label("visits"))
        .where(*where)
        .group_by(v.article_id)
        .subquery("visits")
    )
    # Each visitor's first agent visit to each article: their ratings from then on count.
    first = (
        sa.select(v.article_id, v.visitor, sa.func.min(v.ts).label("first_ts"))
        .where(*where)
        .group_by(v.article_id, v.visitor)
        .subquery("first")
    )
    r = ratings.c
    rated = (
        sa.select(
            first.c.article_id,
            sa.func.count(sa.distinct(first.c.visitor)).label("visitors"),
            sa.func.count(r.id).label("rated"),
            sa.func.coalesce(
                sa.func.sum(sa.case((r.id.is_(None), 0), else_=_unhelpful())), 0
            ).label("unhelpful"),
        )
        .select_from(
            first.outerjoin(
                ratings,
                sa.and_(
                    r.article_id == first.c.article_id,
                    r.visitor == first.c.visitor,
                    r.updated_at >= first.c.first_ts,
                ),
            )
        )
        .group_by(first.c.article_id)
        .subquery("rated")
    )
    query = sa.select(
        visits.c.article_id, visits.c.visits, rated.c.visitors, rated.c.rated, rated.c.unhelpful
    ).join_from(visits, rated, visits.c.article_id == rated.c.article_id)
    return [(str(a), int(n), int(p), int(k), int(u)) for a, n, p, k, u in conn.execute(query)]
