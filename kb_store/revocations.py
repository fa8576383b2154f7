"""Signed-out agent sessions, kept in the store so that a sign-out holds on every instance.

A session cookie is signed, not stored: it stays valid until it expires unless the server
remembers that it ended. Each session carries a random id (``sid``); signing out records the
id here until the cookie would have expired anyway, and each internal request by a signed-in
agent makes one primary-key lookup. Rows past ``expires_at`` are deleted at each sign-out.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa

from kb_store.store import Store
from kb_store.tables import revoked_sessions, utcnow

log = logging.getLogger(__name__)

_IS_REVOKED = sa.select(sa.literal(1)).where(revoked_sessions.c.sid == sa.bindparam("sid"))


def is_revoked(store: Store, sid: str) -> bool:
    """Whether session ``sid`` was signed out; raises the store's errors (the caller denies)."""
    with store.begin() as conn:
        return conn.execute(_IS_REVOKED, {"sid": sid}).first() is not None


def revoke(store: Store, sid: str, lifetime: timedelta) -> None:
    """Refuse session ``sid`` from now until a cookie issued now would expire; prune old rows."""
    now = utcnow()
    try:
        with store.begin() as conn:
            conn.execute(revoked_sessions.insert().values(sid=sid, expires_at=now + lifetime))
    except sa.exc.IntegrityError:
        pass  # signed out twice (two tabs, two instances): it is revoked either way
    prune(store, now)


def prune(store: Store, now: datetime | None = None) -> int:
    """Delete revocations whose cookies have expired anyway; return how many."""
    with store.begin() as conn:
        done = conn.execute(
            revoked_sessions.delete().where(revoked_sessions.c.expires_at < (now or utcnow()))
        )
        return int(done.rowcount or 0)
