"""Cookie-free visitor tokens that never store an address.

A token is ``sha256(daily salt, client address, user agent)[:16]``. The salt of each UTC day
lives in the store, so every instance behind a load balancer computes the same token, and old
salts are deleted, after which nobody can link a token back to an address.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import UTC, date, datetime

from flask import request

from .store import Store

log = logging.getLogger(__name__)


class Visitors:
    """Hands out visitor tokens and rate-limit keys; caches the salt of the day."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._day: date | None = None
        self._salt = ""

    def salt(self) -> str:
        today = datetime.now(UTC).date()
        if today != self._day:
            with self._lock:
                if today != self._day:
                    self._salt = self._store.daily_salt(today)
                    self._day = today
        return self._salt

    def _digest(self, *parts: str) -> str:
        h = hashlib.sha256(self.salt().encode())
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
        try:
            return self._digest(request.remote_addr or "")
        except Exception:  # the store being down must not hide the request from the limiter
            log.warning("visitor salt unavailable; rate limiting by a per-process key")
            return hashlib.sha256((request.remote_addr or "").encode()).hexdigest()[:16]
