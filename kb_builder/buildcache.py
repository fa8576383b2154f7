"""What a build keeps in ``build/.work`` for the next one, so that unchanged input is not redone.

Every entry is stored under what it was computed from (a file's size and times, or a digest of
the inputs), and a whole cache is dropped when kb-portal's own code changes, so a stale entry is
never used. A missing, unreadable or foreign cache only means the work is done again.
Imports neither mkdocs nor Flask.
"""

from __future__ import annotations

import ctypes
import dataclasses
import hashlib
import logging
import os
import pickle
from collections.abc import Callable, Collection, Iterable
from operator import attrgetter
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

_CODE = (Path(__file__).parent, Path(__file__).parents[1] / "kb_core")  # what a build runs


def code_digest() -> str:
    """A digest of kb-portal's build code: any edit to it invalidates every cache."""
    h = hashlib.sha1()
    root = _CODE[0].parent
    for p in sorted(p for package in _CODE for p in package.rglob("*.py")):
        h.update(p.relative_to(root).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


T = TypeVar("T")


def plain_pickle(cls: type[T]) -> type[T]:
    """Pickle a slotted dataclass as its class and its fields' values: the ``__getstate__``
    and ``__setstate__`` that ``dataclass(slots=True)`` adds look its fields up again for
    every object, which made loading the build's caches three times slower (a hundred
    thousand headings and sections at cpp-docs). Put it above ``@dataclass``."""
    values = attrgetter(*(f.name for f in dataclasses.fields(cls)))  # type: ignore[arg-type]

    def reduce(self: T) -> tuple[type[T], tuple[Any, ...]]:
        return cls, values(self)

    cls.__reduce__ = reduce  # type: ignore[assignment,method-assign]
    return cls


def release_memory() -> None:
    """Hand memory freed by Python back to the system: glibc keeps it otherwise."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def digest(obj: Any) -> str:
    """A stable digest of plain data (strings, numbers, tuples, lists)."""
    return hashlib.sha1(repr(obj).encode("utf-8", "surrogatepass")).hexdigest()


class Cache:
    """A persistent ``key -> (stamp, value)`` map; entries not used by a build are dropped."""

    def __init__(self, path: Path | None, salt: str) -> None:
        self.path, self.salt = path, salt
        self._old: dict[str, tuple[Any, Any]] = {}
        self._new: dict[str, tuple[Any, Any]] = {}
        self._coming: set[str] = set()  # keys another process is making (expect)
        self._fetch: Callable[[], Iterable[tuple[str, Any, Any]]] = list
        if path is None:
            return
        try:
            with open(path, "rb") as f:
                saved = pickle.load(f)
            if isinstance(saved, dict) and saved.get("salt") == salt:
                self._old = saved["entries"]
        except Exception as exc:  # a damaged cache can fail in any way unpickling can
            log.debug("cache %s not used: %s", path, exc)

    def get(self, key: str, stamp: Any) -> Any | None:
        """The value stored under ``key`` when it was stored with the same ``stamp``, by an
        earlier build or by this one (or by another process: :meth:`expect`)."""
        hit = self._new.get(key) or self._old.get(key)
        if (hit is None or hit[0] != stamp) and key in self._coming:  # new, or changed since
            self._coming = set()
            for k, k_stamp, value in self._fetch():
                self.put(k, k_stamp, value)
            hit = self._new.get(key)
        if hit is None or hit[0] != stamp:
            return None
        self._new[key] = hit
        return hit[1]

    def expect(
        self, keys: Collection[str], fetch: Callable[[], Iterable[tuple[str, Any, Any]]]
    ) -> None:
        """Entries for ``keys`` are being made elsewhere: the first :meth:`get` of one of them
        waits for ``fetch`` and puts the (key, stamp, value) it gives."""
        self._coming, self._fetch = set(keys), fetch

    def put(self, key: str, stamp: Any, value: Any) -> None:
        self._new[key] = (stamp, value)

    def save(self) -> bool:
        """Write the entries this build used or added (atomically); False if that failed."""
        if self.path is None:
            return False
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                pickle.dump(
                    {"salt": self.salt, "entries": self._new}, f, protocol=pickle.HIGHEST_PROTOCOL
                )
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("could not save the build cache %s: %s", self.path, exc)
            return False
        return True
