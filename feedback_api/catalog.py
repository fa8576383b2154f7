"""What the API knows about the build: the article manifest and the public search index.

Reads ``build/manifest.json`` and opens ``build/index/public`` with
``kb_core.search.searcher``; never imports the build pipeline. A rebuild under a running
server is picked up: the manifest's modification time is checked at most once a second, and
the searcher follows its directory.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb_core.errors import IndexUnavailable
from kb_core.search.searcher import Searcher

log = logging.getLogger(__name__)

_RECHECK_SECONDS = 1.0


@dataclass(frozen=True)
class Article:
    """The manifest's view of one public article."""

    id: str
    title: str
    url: str  # absolute path, "/billing/refunds/"
    summary: str
    category: str
    revision: str
    aliases: tuple[str, ...] = ()


def site_path(url: str) -> str | None:
    """Turn a site-relative manifest URL into an absolute local path, or None if it is not one.

    Refuses anything that could leave the site (a scheme, '//host', backslashes), so a manifest
    entry can never become an open redirect.
    """
    url = url.strip()
    if not url or "://" in url or "\\" in url or url.startswith("//") or ":" in url.split("/")[0]:
        return None
    if any(ord(ch) < 32 for ch in url):
        return None
    return "/" + url.lstrip("/")


def redirect_key(path: str) -> str:
    """Normalise a requested or listed old path: no leading slash, no index.html or .md."""
    key = path.strip().lstrip("/")
    key = key.split("#", 1)[0].split("?", 1)[0]
    for suffix in ("index.html", "index.md", ".html", ".md"):
        if key.endswith(suffix):
            key = key[: -len(suffix)]
            break
    return key.rstrip("/").lower()


@dataclass(frozen=True)
class Catalog:
    """The loaded manifest: articles by id and old paths that redirect."""

    articles: Mapping[str, Article] = field(default_factory=dict)
    redirects: Mapping[str, str] = field(default_factory=dict)
    built_at: str | None = None
    error: str | None = None

    @property
    def loaded(self) -> bool:
        return self.error is None

    @classmethod
    def load(cls, path: Path) -> Catalog:
        """Read a manifest; a missing or unreadable one gives an empty catalog with ``error``."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(error=f"{path} does not exist; run `kb build`")
        except (OSError, ValueError) as exc:
            return cls(error=f"{path} is unreadable: {exc}")
        if not isinstance(data, dict):
            return cls(error=f"{path} is not a manifest")
        articles: dict[str, Article] = {}
        redirects: dict[str, str] = {}
        for raw in data.get("articles") or ():
            article = _article(raw)
            if article is None:
                continue
            articles[article.id] = article
            for alias in article.aliases:
                redirects[redirect_key(alias)] = article.url
        for old, new in (data.get("redirects") or {}).items():
            target = site_path(str(new)) if isinstance(new, str) else None
            if target is not None:
                redirects[redirect_key(str(old))] = target
        # An old path that is an article's current path again must not redirect away from it.
        for article in articles.values():
            redirects.pop(redirect_key(article.url), None)
        redirects.pop("", None)
        return cls(articles, redirects, data.get("built_at"))


def _article(raw: Any) -> Article | None:
    if not isinstance(raw, dict) or not raw.get("id") or not isinstance(raw.get("url"), str):
        return None
    url = site_path(raw["url"])
    if url is None:
        return None
    aliases: Sequence[Any] = raw.get("aliases") or ()
    return Article(
        id=str(raw["id"]),
        title=str(raw.get("title") or raw["id"]),
        url=url,
        summary=str(raw.get("summary") or ""),
        category=str(raw.get("category") or ""),
        revision=str(raw.get("revision") or ""),
        aliases=tuple(str(a) for a in aliases if isinstance(a, str) and a.strip()),
    )


class BuildWatch:
    """Files of a build directory and one of its search indexes, reloaded after a rebuild.

    The ``stamps`` files' modification times are checked at most once a second; when one
    changed, ``reload()`` (a subclass's) runs under the lock. The index is opened once: an open
    ``Searcher`` follows rebuilds of its directory by itself, so it is never replaced here
    (replacing it could close it under a request that is using it). Until it opens, each check
    tries again and ``searcher()`` raises IndexUnavailable with the reason.

    Subclasses name their ``STAMPS`` files and ``INDEX`` and give class-level defaults to what
    their ``reload()`` fills; ``__init__`` loads everything once.
    """

    STAMPS: Sequence[str] = ("manifest.json",)
    INDEX = "public"

    def __init__(
        self,
        build_dir: Path,
        *,
        synonyms: Sequence[Sequence[str]] = (),
        typo_tolerance: bool = True,
    ) -> None:
        self.build_dir = build_dir
        self.index_path = build_dir / "index" / self.INDEX
        self._stamp_paths = [build_dir / name for name in self.STAMPS]
        self._synonyms = synonyms
        self._typo_tolerance = typo_tolerance
        self._lock = threading.Lock()
        self._checked = 0.0
        self._signature: tuple[int | None, ...] | None = None
        self._searcher: Searcher | None = None
        self._index_error: str | None = "not opened yet"
        self.refresh(force=True)

    def reload(self) -> None:
        """Read the stamped files again (called under the lock)."""
        raise NotImplementedError

    def _stamps(self) -> tuple[int | None, ...]:
        found: list[int | None] = []
        for path in self._stamp_paths:
            try:
                found.append(path.stat().st_mtime_ns)
            except OSError:
                found.append(None)
        return tuple(found)

    def refresh(self, *, force: bool = False) -> None:
        """Reload the stamped files if they changed, and open the index if it is not open yet."""
        now = time.monotonic()
        if not force and now - self._checked < _RECHECK_SECONDS:
            return
        with self._lock:
            if not force and now - self._checked < _RECHECK_SECONDS:
                return
            self._checked = now
            signature = self._stamps()
            if force or signature != self._signature:
                self._signature = signature
                self.reload()
            if self._searcher is None:
                try:
                    self._searcher = Searcher(
                        self.index_path,
                        synonyms=self._synonyms,
                        typo_tolerance=self._typo_tolerance,
                        warm=True,
                    )
                    self._index_error = None
                except IndexUnavailable as exc:
                    if self._index_error != str(exc):
                        log.warning("%s", exc)
                    self._index_error = str(exc) or "the search index is unavailable"

    def searcher(self) -> Searcher:
        """Return the open searcher; raises IndexUnavailable when there is none."""
        self.refresh()
        searcher = self._searcher
        if searcher is None:
            raise IndexUnavailable(self._index_error or "index unavailable")
        return searcher

    @property
    def index_error(self) -> str | None:
        return self._index_error

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = None


class BuildState(BuildWatch):
    """The public catalog (``manifest.json``) and the public search index."""

    _catalog = Catalog(error="not loaded yet")

    @property
    def public_dir(self) -> Path:
        return self.build_dir / "public"

    def reload(self) -> None:
        self._catalog = Catalog.load(self.build_dir / "manifest.json")
        if self._catalog.error:
            log.warning("manifest: %s", self._catalog.error)
        else:
            log.info("manifest: %d public articles", len(self._catalog.articles))

    @property
    def catalog(self) -> Catalog:
        self.refresh()
        return self._catalog
