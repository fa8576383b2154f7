"""feedback_api/ratelimit.py overrides one private hook of limits' MemoryStorage.

pyproject.toml pins ``limits`` below its next major version; these tests fail first, naming
the hook, if a release in that range renames or drops it (the override would then silently
stop running and every request would start a timer thread again).
"""

from __future__ import annotations

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from feedback_api.ratelimit import TimerlessMemoryStorage


def test_limits_still_has_the_private_hooks_we_override() -> None:
    assert callable(getattr(MemoryStorage, "_MemoryStorage__schedule_expiry", None))
    assert callable(getattr(MemoryStorage, "_MemoryStorage__expire_events", None))


def test_timerless_storage_starts_no_thread_and_still_counts() -> None:
    storage = TimerlessMemoryStorage()
    cancelled = storage.timer
    limiter = FixedWindowRateLimiter(storage)
    limit = parse("3/minute")
    hits = [limiter.hit(limit, "kb", "t", "visitor") for _ in range(4)]
    assert hits == [True, True, True, False]
    assert storage.timer is cancelled  # no new threading.Timer per hit
