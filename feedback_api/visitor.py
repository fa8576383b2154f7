"""Cookie-free visitor tokens that never store an address.

A token is ``sha256(daily salt, client address, user agent)[:16]``. The salt of each UTC day
lives in the store, so every instance behind a load balancer computes the same token, and old
salts are deleted, after which nobody can link a token back to an address.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import request

from kb_store.store import Store, StoreError

log = logging.getLogger(__name__)


class Visitors:
    """Hands out visitor tokens and rate-limit keys; caches the salt of the day.

    While the store cannot be reached and today's salt is not cached yet (a worker started
    during an outage), tokens use a random salt of this process's own, kept in memory only:
    searches are still answered and counted, and the shared salt is asked for again every
    ``retry_seconds``.
    """

    def __init__(self, store: Store, *, retry_seconds: float = 5.0) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._day: date | None = None
        self._salt = ""
        self._retry_seconds = retry_seconds
        self._retry_at = 0.0
        self._stand_in = secrets.token_hex(16)

    def salt(self) -> str:
        """Today's shared salt; raises StoreError (or a SQLAlchemy error) when it cannot be had."""
        today = datetime.now(UTC).date()
        if today != self._day:
            with self._lock:
                if today != self._day:
                    self._salt = self._store.daily_salt(today)
                    self._day = today
        return self._salt

    def salt_or_stand_in(self) -> str:
        """Today's shared salt, or this process's stand-in while the store cannot give it."""
        if self._day == datetime.now(UTC).date() or time.monotonic() >= self._retry_at:
            try:
                return self.salt()
            except (StoreError, sa.exc.SQLAlchemyError) as exc:
                self._retry_at = time.monotonic() + self._retry_seconds
                log.warning("visitor salt unavailable, using this process's own: %s", exc)
        return self._stand_in

    def _digest(self, *parts: str) -> str:
        h = hashlib.sha256(self.salt_or_stand_in().encode())
        for part in parts:
            h.update(b"\0")
            h.update(part.encode("utf-8", "replace"))
        return h.hexdigest()[:16]

    def token(self) -> str:
        """The current request's visitor token."""
        agent = request.headers.get("User-Agent", "")[:500]
        return self._digest(request.remote_addr or "", agent)

    def limit_key(self) -> str:
        """The rate-limit key of the current request: the address only (agents are easy to vary)."""
        return self._digest(request.remote_addr or "")
