"""One read-only snapshot of the feedback store for a report, and the helpers its queries share.

:func:`reading` opens one snapshot for the whole report (a deferred transaction on SQLite in
WAL mode, ``REPEATABLE READ READ ONLY`` on PostgreSQL), so the sections agree with each other
and the report never takes the write lock the API needs. The query modules (``reports.py``,
``shares.py``, ``vectors.py``, ``deflection.py``) take the connection it yields.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeAlias

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

from kb_store.store import StoreError
from kb_store.tables import searches

__all__ = ["Connection", "Window", "aware", "day_of", "in_window", "reading", "unindexed"]

# What :func:`reading` yields: callers pass it on to the query functions, never run SQL on it.
Connection: TypeAlias = sa.Connection


@dataclass(frozen=True)
class Window:
    """The period a report covers: ``[since, until)``; ``since`` None means all time.

    ``previous`` is the start of the equally long window before it (for trends). ``asked``
    holds normalised queries the report reads as asking for a person whatever their log says
    (:func:`kb_store.reports.person_queries`): searches logged before the log had its
    ``contact`` flag (migration 8), while the site's form was off, or under an older rule.
    """

    since: datetime | None
    until: datetime
    previous: datetime | None = None
    asked: frozenset[str] = frozenset()


def aware(value: Any) -> datetime | None:
    """A timestamp from the store as an aware UTC datetime (SQLite drops the zone)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"not a timestamp: {value!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_engine(url: str) -> sa.Engine:
    database = make_url(url).database
    if not database or database == ":memory:" or not Path(database).is_file():
        raise StoreError(
            f"no feedback store at {database or url!r}: start the API once (`kb serve`) "
            "or point KB_DATABASE_URL / api.database_url at the store"
        )
    engine = sa.create_engine(url, connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's BEGIN below, not the driver's

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        # Deferred: a reader in WAL mode sees one snapshot and never blocks the API's writers.
        conn.exec_driver_sql("BEGIN")

    return engine


@contextmanager
def reading(url: str) -> Iterator[sa.Connection]:
    """A read-only connection to the store at ``url`` holding one snapshot.

    Raises StoreError when the store is missing, unreachable or has no schema yet.
    """
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        engine = _sqlite_engine(url)
    else:
        engine = sa.create_engine(url, pool_pre_ping=True)
    try:
        try:
            conn = engine.connect()
            if backend == "postgresql":
                conn = conn.execution_options(
                    isolation_level="REPEATABLE READ", postgresql_readonly=True
                )
            with conn, conn.begin():
                if not sa.inspect(conn).has_table(searches.name):
                    raise StoreError(
                        f"the feedback store {make_url(url).render_as_string()} has no "
                        "tables yet: start the API once (`kb serve`) to create them"
                    )
                yield conn
        except sa.exc.OperationalError as exc:
            raise StoreError(f"cannot read the feedback store: {exc.orig}") from exc
    finally:
        engine.dispose()


def in_window(column: sa.ColumnElement[Any], w: Window) -> list[sa.ColumnElement[bool]]:
    where = [column < w.until]
    if w.since is not None:
        where.append(column >= w.since)
    return where


def day_of(conn: sa.Connection, column: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
    """The UTC calendar day of a timestamp, as 'YYYY-MM-DD'."""
    name = conn.dialect.name
    if name == "sqlite":  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff', already UTC
        return sa.func.substr(column, 1, 10)
    if name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM-DD")
    return sa.cast(sa.func.date(column), sa.String)


class unindexed(sa.sql.expression.ColumnElement[Any]):
    """A column the SQLite planner must not use an index for (rendered ``+column``).

    For whole-log aggregates a sequential scan with one temporary B-tree beats walking an
    index and fetching every row from the table by rowid, which SQLite would otherwise pick
    (measured: 3x slower on the searches table). Other databases plan with statistics.
    """

    inherit_cache = True
    # the wrapped column is part of the statement cache key: two wrappers of different
    # columns must never share a compiled statement
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: sa.ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(unindexed)
def _unindexed_default(element: unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: Any, **kw: Any) -> str:
    return "+" + str(compiler.process(element.column, **kw))
