"""Per-visitor rate limits, counted by the ``limits`` library in memory or in Redis.

Every ``/api/`` endpoint but health has the default limit (``api.rate_limit``), counted per
endpoint and visitor; some endpoints add limits of their own (``add``: writes, the agents'
sign-in). A refusal raises :class:`RateLimitExceeded`, which ``errors`` turns into a 429 with
Retry-After. When the counter store (Redis) fails, counting goes on in this process's memory
instead of failing the request, and the store is asked again after a few seconds.

This is a before-request hook over ``limits`` rather than Flask-Limiter: Flask-Limiter's
per-request bookkeeping (its decorator registry and exemption scopes) cost about 0.3 ms a
request, as much as the rest of the API's own work around a search together.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from flask import Blueprint, Flask, request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

log = logging.getLogger(__name__)

_PREFIX = "kb"
_RETRY_SECONDS = 5.0  # how long a failed counter store is left alone


class RateLimitExceeded(Exception):
    """A visitor went over ``limit``; its window starts again at ``reset_at`` (epoch seconds)."""

    def __init__(self, limit: RateLimitItem, reset_at: float) -> None:
        super().__init__(str(limit))
        self.limit = limit
        self.reset_at = reset_at

    @property
    def retry_after(self) -> int:
        """Whole seconds to wait, at least one."""
        return max(1, int(self.reset_at - time.time()))


class TimerlessMemoryStorage(MemoryStorage):
    """``memory://`` without its expiry thread: expired counters are swept inline, once a second.

    limits' MemoryStorage starts a new ``threading.Timer`` 10 ms after the last one ended, so
    under steady traffic nearly every request pays for creating a thread. Counters already
    expire lazily on read; the sweep only bounds memory.
    """

    STORAGE_SCHEME = ["kbmemory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()
        self._swept = time.monotonic()

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802  (overrides the private hook)
        now = time.monotonic()
        if now - self._swept >= 1.0:
            self._swept = now
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


class RateLimits:
    """Fixed-window limits per visitor (``key()``), checked before each request."""

    def __init__(self, key: Callable[[], str], default: str, storage_uri: str) -> None:
        if storage_uri.startswith("memory://"):
            storage_uri = "kb" + storage_uri
        self.key = key
        self.default = parse(default)
        self._counters = FixedWindowRateLimiter(storage_from_string(storage_uri))
        self._fallback = FixedWindowRateLimiter(TimerlessMemoryStorage())
        self._exempt: set[str] = set()
        self._routes: dict[str, list[tuple[RateLimitItem, frozenset[str]]]] = {}
        self._down_until = 0.0  # while the counter store is failing: ask it again after this

    def init_app(self, app: Flask) -> None:
        app.before_request(self.check)

    def exempt(self, blueprint: Blueprint) -> None:
        """No default limit on this blueprint's endpoints."""
        self._exempt.add(blueprint.name)

    def add(self, endpoint: str, limit: str, methods: Iterable[str] = ("POST",)) -> None:
        """A limit of ``endpoint``'s own on top of the default, for the given methods."""
        self._routes.setdefault(endpoint, []).append((parse(limit), frozenset(methods)))

    def check(self) -> None:
        """The before-request hook; raises RateLimitExceeded."""
        endpoint = request.endpoint or ""
        own = self._routes.get(endpoint)
        api = request.path.startswith("/api/") and request.blueprint not in self._exempt
        if not api and not own:
            return
        key = self.key()
        if api:
            self._hit(self.default, endpoint, key)
        for limit, methods in own or ():
            if request.method in methods:
                self._hit(limit, endpoint + "/own", key)

    def _hit(self, limit: RateLimitItem, scope: str, key: str) -> None:
        counters = self._counters
        if self._down_until and time.monotonic() < self._down_until:
            counters = self._fallback  # the store failed a moment ago: do not wait on it again
        try:
            allowed = counters.hit(limit, _PREFIX, scope, key)
            if self._down_until and counters is self._counters:
                self._down_until = 0.0
                log.warning("rate limits: the counter store answers again")
        except Exception as exc:  # a counter store outage must not fail the request
            if not self._down_until:
                log.warning("rate limits: counter store failed (%s); counting in memory", exc)
            self._down_until = time.monotonic() + _RETRY_SECONDS
            counters = self._fallback
            allowed = counters.hit(limit, _PREFIX, scope, key)
        if not allowed:
            try:
                reset_at = counters.get_window_stats(limit, _PREFIX, scope, key).reset_time
            except Exception:  # the store failed between the two calls
                reset_at = time.time() + limit.get_expiry()
            raise RateLimitExceeded(limit, reset_at)
