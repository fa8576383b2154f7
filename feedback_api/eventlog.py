"""Write-behind buffer for the high-volume logs: searches, result clicks and article views.

A search answers in a few milliseconds; committing its log row on the request path would cost
a sizeable share of that (a transaction per row, a network round trip on PostgreSQL). Rows are
queued in memory instead and written in batches, one transaction each, by a flusher thread
every ``flush_seconds`` (or sooner when ``max_rows`` are waiting), and once more at exit.

Trade-off, chosen deliberately: a hard crash (SIGKILL, power loss) loses at most the last
``flush_seconds`` of these analytics rows. Ratings and contact requests never go through here:
they are committed before the reply. ``flush_seconds=0`` writes every row synchronously.

With ``meaning``, an unanswered search (nothing found, or nothing confident) has its query's
sentence vector written with it (``query_vectors``, the cache ``kb gaps`` groups failed
searches with), encoded here, off the request path, once per distinct query: about 2 ms each.
``kb gaps`` then finds every failed query of the log already encoded, however long the log.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from typing import Any

from kb_store.store import Store

log = logging.getLogger(__name__)

KINDS = ("searches", "clicks", "views", "contact")
_MAX_BACKLOG = 50_000  # rows kept while the store is unreachable; older ones are dropped
_MAX_KNOWN = 100_000  # queries remembered as encoded; forgotten all at once beyond that


class EventLog:
    """Buffers log rows and writes them in batches; ``flush()`` writes what is waiting now."""

    def __init__(
        self,
        store: Store,
        *,
        flush_seconds: float = 0.2,
        max_rows: int = 500,
        meaning: bool = False,
    ) -> None:
        self.store = store
        self.meaning = meaning
        self._known: set[str] = set()  # failed queries whose vectors this process wrote
        self.flush_seconds = flush_seconds
        self.max_rows = max_rows
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._rows: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
        self._waiting = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self.last_error: str | None = None
        if flush_seconds > 0:
            atexit.register(self.close)

    def add(self, kind: str, row: dict[str, Any]) -> None:
        """Queue one row of ``kind`` ('searches', 'clicks', 'views' or 'contact')."""
        if self.flush_seconds <= 0:
            batch = {k: [row] if k == kind else [] for k in KINDS}
            self._write(batch)
            return
        if self._pid != os.getpid():  # first use, or a fork (gunicorn --preload) lost the thread
            self._start()
        with self._lock:
            self._rows[kind].append(row)
            self._waiting += 1
            full = self._waiting >= self.max_rows
        if full:
            self._wake.set()

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="kb-eventlog", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            self.flush()

    def flush(self) -> int:
        """Write every queued row in one transaction; return how many were written."""
        with self._flush_lock:
            with self._lock:
                batch, self._rows = self._rows, {k: [] for k in KINDS}
                self._waiting = 0
            count = sum(len(rows) for rows in batch.values())
            if not count:
                return 0
            try:
                self._write(batch)
            except Exception as exc:  # keep the rows for the next try rather than lose them
                self.last_error = f"{exc.__class__.__name__}: {exc}"
                log.warning("event log: %d rows not written yet: %s", count, exc)
                with self._lock:
                    for kind in KINDS:
                        self._rows[kind][:0] = batch[kind][-_MAX_BACKLOG:]
                    self._waiting = sum(len(r) for r in self._rows.values())
                return 0
            self.last_error = None
            return count

    def _write(self, batch: dict[str, Any]) -> None:
        vectors = self._vectors(batch["searches"]) if self.meaning else {}
        if vectors:
            try:
                self.store.log_events(**batch, vectors=vectors)
            except Exception as exc:  # the vectors are a cache: the rows go in without them
                log.warning("event log: vectors not written: %s", exc)
            else:
                self._known |= vectors.keys()
                return
        self.store.log_events(**batch)

    def _vectors(self, searches: list[dict[str, Any]]) -> dict[str, Any]:
        """Vectors of the failed queries in ``searches`` not written before; none, and
        ``meaning`` off, when the encoder cannot load (the rows matter more)."""
        failed = {r["query"] for r in searches if not (r["hits"] and r.get("answered", True))}
        new = sorted(failed - self._known - {""})
        if not new:
            return {}
        if len(self._known) > _MAX_KNOWN:
            self._known.clear()
        try:
            from kb_core.semantic import encoder

            found = encoder().encode(new)
        except Exception as exc:  # a missing or broken model must not cost log rows
            log.warning("event log: failed searches logged without vectors: %s", exc)
            self.meaning = False
            return {}
        return dict(zip(new, found, strict=True))

    @property
    def waiting(self) -> int:
        return self._waiting

    def close(self) -> None:
        """Stop the flusher and write what is left."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(5)
        self.flush()
