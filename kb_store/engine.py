"""SQLAlchemy engines for the store: SQLite tuned for a web app, PostgreSQL as given.

SQLite runs in WAL mode (readers never wait for the writer) with ``synchronous=NORMAL``
(a commit survives a crash of the app; only a power cut can lose the last ones), a 30 s busy
timeout, and ``BEGIN IMMEDIATE`` transactions. Both dialects forget inherited connections in
a forked child (gunicorn ``--preload``).
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url


def make_engine(url: str, error: type[Exception] = ValueError) -> sa.Engine:
    """An engine for the store at ``url``; raises ``error`` for an in-memory SQLite URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
        _forget_after_fork(engine)
        return engine
    if parsed.database in (None, "", ":memory:"):
        raise error("an in-memory SQLite store cannot be shared by threads; use a file")
    Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")  # durable across crashes of the app in WAL
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        # Take the write lock up front: a deferred transaction that upgrades to a writer
        # fails at once with "database is locked" instead of waiting for the busy timeout.
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]

    _forget_after_fork(engine)
    return engine


def _forget_after_fork(engine: sa.Engine) -> None:
    # gunicorn --preload creates the app before forking: a worker must open its own
    # connections, never share the parent's socket or SQLite handle (SQLAlchemy's advice).
    ref = weakref.ref(engine)

    def in_child() -> None:
        alive = ref()
        if alive is not None:
            alive.dispose(close=False)

    os.register_at_fork(after_in_child=in_child)
