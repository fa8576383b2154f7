"""The build's worker processes: how they start, and what they take from the caller.

They start from a fork server (``multiprocessing``'s "forkserver"): a process started fresh,
with no thread but its own, which forks each worker. They used to be forked from the process
that calls :func:`~kb_builder.build.build_site`, whatever threads it ran: a test process's with
the sentence model loaded and busy, a server's, and the threads of the pool started first. A
child of a process forked while another thread holds a lock (in onnxruntime, an import, a
stream) finds it held for ever: an in-process build hung so once, under load.

A worker so started has the build's modules (:data:`PRELOAD`, imported once by the server)
and imports the rest itself; it takes from the caller only its arguments, working folder,
``sys.path`` and main module (``multiprocessing.spawn.prepare``), and how it logs
(:func:`pool`). So a script that builds must guard its top level with
``if __name__ == "__main__":``, as any script using the "spawn" or "forkserver" start methods.

Cost, 1,000 generated articles (bench/build_bench.py --baseline, medians of 3): the same wall
time and CPU seconds as forked workers, peak memory 426 against 382 MB (the server).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

CONTEXT = multiprocessing.get_context("forkserver")
# What the fork server imports before it forks a worker, so each need not import it again
# (0.3 s of CPU a worker): what the workers run, and nothing that starts a thread (numpy,
# onnxruntime), so the server stays a process of one thread.
PRELOAD = ["kb_builder.build"]


def pool(workers: int, warm_up: Callable[[], object] | None = None) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes started from the fork server, each running ``warm_up``
    first, logging at this process's level to its standard error as this process does.

    Its processes start one per task submitted while none is idle (not all at the first, as
    forked ones did): :func:`start_all` starts them at once."""
    CONTEXT.set_forkserver_preload(PRELOAD)  # read once, when the server starts
    root = logging.getLogger()
    shown = [
        (h.formatter._fmt, h.formatter.datefmt)  # type(h) is exact: pytest's are subclasses
        for h in root.handlers
        if type(h) is logging.StreamHandler and h.stream is sys.stderr and h.formatter
    ]
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=CONTEXT,
        initializer=_start,
        initargs=(root.level, shown[0] if shown else None, warm_up),
    )


def _start(
    level: int, shown: tuple[str | None, str | None] | None, warm_up: Callable[[], object] | None
) -> None:
    root = logging.getLogger()
    root.setLevel(level)
    if shown is not None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(*shown))
        root.addHandler(handler)
    if warm_up is not None:
        warm_up()


def start_all(workers: ProcessPoolExecutor, count: int) -> None:
    """Start ``count`` processes of ``workers`` now, so they warm up while this one works."""
    for _ in range(count):
        workers.submit(os.getpid)
