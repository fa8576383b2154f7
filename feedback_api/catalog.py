"""What the API knows about the build: the article manifest and the public search index.

Reads ``build/manifest.json`` (``kb_core.manifest``) and opens ``build/index/public`` with
``kb_core.search.searcher``; never imports the build pipeline. A rebuild under a running
server is picked up: the manifest's modification time is checked at most once a second, and
the searcher follows its directory.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from kb_core.errors import IndexUnavailable
from kb_core.manifest import PUBLIC, Manifest, ManifestArticle, ManifestError, manifest_name
from kb_core.search.searcher import Searcher

log = logging.getLogger(__name__)

_RECHECK_SECONDS = 1.0


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
class SiteCatalog:
    """What the portal serves from a manifest: its articles, their local paths and redirects.

    Only articles whose URL stays on the site are kept; ``paths`` gives each one's absolute
    local path ("/billing/refunds/"), ``redirects`` maps old paths (aliases, renames) to one.
    """

    articles: Mapping[str, ManifestArticle] = field(default_factory=dict)
    paths: Mapping[str, str] = field(default_factory=dict)
    redirects: Mapping[str, str] = field(default_factory=dict)
    built_at: str | None = None
    error: str | None = None

    @property
    def loaded(self) -> bool:
        return self.error is None

    @classmethod
    def load(cls, path: Path) -> SiteCatalog:
        """Read a manifest; a missing or unusable one gives an empty catalog with ``error``."""
        try:
            manifest = Manifest.read(path)
        except ManifestError as exc:
            return cls(error=str(exc))
        articles: dict[str, ManifestArticle] = {}
        paths: dict[str, str] = {}
        redirects: dict[str, str] = {}
        for article in manifest.articles:
            url = site_path(article.url)
            if url is None:
                continue
            articles[article.id], paths[article.id] = article, url
            for alias in article.aliases:
                redirects[redirect_key(alias)] = url
        for old, new in manifest.redirects.items():
            target = site_path(new)
            if target is not None:
                redirects[redirect_key(old)] = target
        # An old path that is an article's current path again must not redirect away from it.
        for url in paths.values():
            redirects.pop(redirect_key(url), None)
        redirects.pop("", None)
        return cls(articles, paths, redirects, manifest.built_at)


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

    STAMPS: Sequence[str] = (PUBLIC,)
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
    """The public catalog (``manifest.json``) and the public search index, and those of each
    other language's portal (``manifest.fr.json``, ``index/fr/public``)."""

    _catalog = SiteCatalog(error="not loaded yet")
    _catalogs: Mapping[str, SiteCatalog] = {}

    def __init__(
        self,
        build_dir: Path,
        *,
        synonyms: Sequence[Sequence[str]] = (),
        typo_tolerance: bool = True,
        languages: Sequence[str] = (),
        language_synonyms: Mapping[str, Sequence[Sequence[str]]] | None = None,
    ) -> None:
        self.languages = tuple(languages[1:])  # the others: the default is the root portal's
        self.STAMPS = (PUBLIC, *(manifest_name(PUBLIC, code) for code in self.languages))
        self._language_synonyms = dict(language_synonyms or {})
        self._searchers: dict[str, Searcher] = {}
        super().__init__(build_dir, synonyms=synonyms, typo_tolerance=typo_tolerance)

    @property
    def public_dir(self) -> Path:
        return self.build_dir / "public"

    def reload(self) -> None:
        catalog = SiteCatalog.load(self.build_dir / PUBLIC)
        if catalog.error:
            log.warning("manifest: %s", catalog.error)
        else:
            log.info("manifest: %d public articles", len(catalog.articles))
        others = {
            c: SiteCatalog.load(self.build_dir / manifest_name(PUBLIC, c)) for c in self.languages
        }
        # one map of old addresses for the whole site: another language's are under its prefix
        redirects = {k: v for other in others.values() for k, v in other.redirects.items()}
        self._catalog = replace(catalog, redirects={**redirects, **catalog.redirects})
        self._catalogs = others

    @property
    def catalog(self) -> SiteCatalog:
        self.refresh()
        return self._catalog

    def catalog_for(self, lang: str | None) -> SiteCatalog:
        """The catalog of a language's portal; the default's for the default or an unknown one."""
        self.refresh()
        found = self._catalogs.get(lang or "")
        return found if found is not None and found.loaded else self._catalog

    def searcher_for(self, lang: str | None) -> Searcher:
        """The public searcher of a language's portal (the default's: :meth:`searcher`).

        Raises IndexUnavailable while that language's index cannot be opened.
        """
        if not lang or lang not in self.languages:
            return self.searcher()
        found = self._searchers.get(lang)
        if found is None:
            with self._lock:
                found = self._searchers.get(lang)
                if found is None:
                    found = Searcher(
                        self.build_dir / "index" / lang / "public",
                        synonyms=self._language_synonyms.get(lang, ()),
                        typo_tolerance=self._typo_tolerance,
                        warm=True,
                    )
                    self._searchers[lang] = found
        return found

    def close(self) -> None:
        super().close()
        with self._lock:
            for searcher in self._searchers.values():
                searcher.close()
            self._searchers.clear()
