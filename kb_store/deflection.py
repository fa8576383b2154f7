"""Deflection by the contact form's suggestions: forms started, suggestions opened, and
requests abandoned after reading one (read from ``contact_events``, for ``kb gaps``), in all
or from one source (the portal's form or the widget's, ``sources.py``).

A visit is one visitor on one UTC day: the visitor hash rotates daily (``visitor.py``), so it
cannot follow anyone further. Abandoned after reading = a visit that started the form, opened
a suggested article and sent no request: the article most likely answered the question.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from kb_store.tables import contact_events


def _flag(kind: str) -> sa.ColumnElement[Any]:
    return sa.func.max(sa.case((contact_events.c.kind == kind, 1), else_=0))


def deflection_totals(
    conn: sa.Connection, since: datetime | None, until: datetime, source: str | None = None
) -> dict[str, int]:
    """``contact_started``, ``suggestions_opened`` and ``abandoned_after_reading`` between
    ``since`` (None: all time) and ``until``; of one ``source`` ('portal' or 'widget') if given.
    """
    where = [contact_events.c.ts < until]
    if since is not None:
        where.append(contact_events.c.ts >= since)
    if source == "portal":
        where.append(contact_events.c.source.is_(None))
    elif source is not None:
        where.append(contact_events.c.source == source)
    opened = sa.select(sa.func.count()).where(*where, contact_events.c.kind == "opened")
    visits = (
        sa.select(
            _flag("started").label("started"),
            _flag("opened").label("opened"),
            _flag("sent").label("sent"),
        )
        .where(*where)
        .group_by(contact_events.c.visitor)  # the hash is a day's visit already
        .subquery()
    )
    started = sa.func.coalesce(sa.func.sum(visits.c.started), 0)
    abandoned = sa.func.coalesce(
        sa.func.sum(
            sa.case(
                ((visits.c.started == 1) & (visits.c.opened == 1) & (visits.c.sent == 0), 1),
                else_=0,
            )
        ),
        0,
    )
    n_started, n_abandoned = conn.execute(sa.select(started, abandoned)).one()
    return {
        "contact_started": int(n_started),
        "suggestions_opened": int(conn.execute(opened).scalar_one()),
        "abandoned_after_reading": int(n_abandoned),
    }
