"""The PostgreSQL server the tests use when one answers (``KB_TEST_PG_URL``), one schema per use.

Every PostgreSQL test works inside a fresh schema it creates and drops (``pg_schema``; the
``pg_url`` and ``db_url`` fixtures of ``tests/conftest.py`` wrap it), so runs never see each
other's tables. Without a server the test is skipped, with the reason shown.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

PG_URL = os.environ.get("KB_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pg_reachable() -> str | None:
    """None when the test server answers, else why it does not."""
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            pass
    except OSError as exc:
        return f"PostgreSQL on 127.0.0.1:5432 is unreachable ({exc})"
    try:
        engine = sa.create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except sa.exc.SQLAlchemyError as exc:
        return f"PostgreSQL at {PG_URL} refused the test connection ({exc.__class__.__name__})"
    return None


@contextmanager
def pg_schema(prefix: str = "kbtest") -> Iterator[str]:
    """A URL on the test server whose tables live in a fresh schema, dropped afterwards;
    skips the test when the server does not answer."""
    reason = pg_reachable()
    if reason:
        pytest.skip(reason)
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        try:
            yield f"{PG_URL}?options=-csearch_path%3D{schema}"
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    finally:
        admin.dispose()
