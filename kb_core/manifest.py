"""The build manifest: what was published, where, and at which revision.

The build→app contract in one typed, versioned class. ``kb_builder.manifest`` makes a
:class:`Manifest` from the content and writes it (``manifest.json`` for the public portal,
``manifest.internal.json`` for the agents' one); ``feedback_api``, ``kb link`` and ``kb gaps``
read it back with :meth:`Manifest.read`. Imports neither mkdocs nor Flask.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from kb_core.errors import KBError

FORMAT = 1  # the version of the file's shape; a reader refuses any other
PUBLIC = "manifest.json"
INTERNAL = "manifest.internal.json"


def manifest_name(name: str, lang: str | None = None) -> str:
    """The manifest of another language's portal: 'manifest.json' -> 'manifest.fr.json'."""
    return name if not lang else name.replace(".json", f".{lang}.json")


class ManifestError(KBError):
    """A manifest is unreadable, not a manifest, or of a format this version cannot read."""

    def __init__(self, path: Path, message: str) -> None:
        self.path = path
        super().__init__(f"{path} {message}")


class ManifestMissing(ManifestError):
    """There is no manifest at the path (no build yet)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "does not exist; run `kb build`")


@dataclass(frozen=True)
class ManifestHeading:
    """A section of an article (level 2 and deeper) and its anchor."""

    anchor: str
    title: str
    level: int = 2

    def to_json(self) -> dict[str, Any]:
        return {"anchor": self.anchor, "title": self.title, "level": self.level}

    @classmethod
    def from_json(cls, raw: Any) -> ManifestHeading | None:
        """The heading of a manifest entry, or None when it has no anchor."""
        if not isinstance(raw, dict) or not raw.get("anchor"):
            return None
        level = raw.get("level")
        return cls(
            anchor=str(raw["anchor"]),
            title=str(raw.get("title") or raw["anchor"]),
            level=level if isinstance(level, int) and not isinstance(level, bool) and level else 2,
        )


@dataclass(frozen=True)
class ManifestArticle:
    """One published article. Fields are in the order the manifest's JSON lists them."""

    id: str
    title: str
    url: str  # relative to its portal's root, e.g. "billing/refunds/"
    category: str = ""  # the top category's slug
    category_path: tuple[str, ...] = ()
    category_title: str = ""  # "Billing › Invoices and payments"
    visibility: str = "public"
    summary: str = ""
    revision: str = ""
    updated: date | None = None
    aliases: tuple[str, ...] = ()
    faq: str | None = None
    tags: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    owner: str | None = None
    review_by: date | None = None
    source: str = ""  # path inside the content folder
    headings: tuple[ManifestHeading, ...] = ()
    language: str = ""  # of its text: the default language's where a translation is missing

    def heading_title(self, anchor: str | None) -> str | None:
        return next((h.title for h in self.headings if h.anchor == anchor), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "category": self.category,
            "category_path": list(self.category_path),
            "category_title": self.category_title,
            "visibility": self.visibility,
            "summary": self.summary,
            "revision": self.revision,
            "updated": self.updated.isoformat() if self.updated else None,
            "aliases": list(self.aliases),
            "faq": self.faq,
            "tags": list(self.tags),
            "keywords": list(self.keywords),
            "owner": self.owner,
            "review_by": self.review_by.isoformat() if self.review_by else None,
            "source": self.source,
            "headings": [h.to_json() for h in self.headings],
            "language": self.language,
        }

    @classmethod
    def from_json(cls, raw: Any) -> ManifestArticle | None:
        """The article of a manifest entry, or None when it has no id or no URL."""
        if not isinstance(raw, dict) or not raw.get("id") or not isinstance(raw.get("url"), str):
            return None
        headings = (ManifestHeading.from_json(h) for h in _list(raw.get("headings")))
        return cls(
            id=str(raw["id"]),
            title=str(raw.get("title") or raw["id"]),
            url=raw["url"],
            category=str(raw.get("category") or ""),
            category_path=_strings(raw.get("category_path")),
            category_title=str(raw.get("category_title") or ""),
            visibility=str(raw.get("visibility") or "public"),
            summary=str(raw.get("summary") or ""),
            revision=str(raw.get("revision") or ""),
            updated=_date(raw.get("updated")),
            aliases=_strings(raw.get("aliases")),
            faq=_text(raw.get("faq")),
            tags=_strings(raw.get("tags")),
            keywords=_strings(raw.get("keywords")),
            owner=_text(raw.get("owner")),
            review_by=_date(raw.get("review_by")),
            source=str(raw.get("source") or ""),
            headings=tuple(h for h in headings if h is not None),
            language=str(raw.get("language") or ""),
        )


@dataclass(frozen=True)
class ManifestCategory:
    """A category that holds at least one of the manifest's articles."""

    slug: str
    path: str  # "billing/invoices-and-payments"
    title: str
    description: str = ""
    icon: str = ""
    count: int = 0  # articles in it and below

    def to_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "path": self.path,
            "title": self.title,
            "description": self.description,
            "icon": self.icon,
            "count": self.count,
        }

    @classmethod
    def from_json(cls, raw: Any) -> ManifestCategory | None:
        """The category of a manifest entry, or None when it has no slug."""
        if not isinstance(raw, dict) or not raw.get("slug"):
            return None
        count = raw.get("count")
        return cls(
            slug=str(raw["slug"]),
            path=str(raw.get("path") or raw["slug"]),
            title=str(raw.get("title") or raw["slug"]),
            description=str(raw.get("description") or ""),
            icon=str(raw.get("icon") or ""),
            count=count if isinstance(count, int) and not isinstance(count, bool) else 0,
        )


@dataclass(frozen=True)
class Manifest:
    """The manifest of one portal's tree; ``content`` is the content folder it was built from."""

    built_at: str | None = None  # "2025-01-01T00:00:00Z"
    site_name: str = ""
    site_url: str = ""
    content: str = ""
    articles: tuple[ManifestArticle, ...] = ()
    categories: tuple[ManifestCategory, ...] = ()
    redirects: Mapping[str, str] = field(default_factory=dict)  # old path -> current path
    format: int = FORMAT
    as_of: str | None = None  # the moment publishing windows were judged at (`kb build --at`)
    next_change: str | None = None  # the next moment this tree's output changes, if any
    # the portal's language ('' in a manifest written before languages); another language's
    # manifest (manifest.fr.json) gives URLs from the site's root: 'fr/billing/refunds/'
    language: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "built_at": self.built_at,
            "as_of": self.as_of,
            "next_change": self.next_change,
            "language": self.language,
            "site": {"name": self.site_name, "url": self.site_url},
            "content": self.content,
            "articles": [a.to_json() for a in self.articles],
            "categories": [c.to_json() for c in self.categories],
            "redirects": dict(self.redirects),
        }

    def write(self, path: Path) -> None:
        """Write atomically: readers see the old file or the new one, never half of one.

        Each article is one line: Python's JSON encoder runs in C only without indentation
        (9,740 articles: 0.12 s, 0.46 s indented), and a diff of two manifests still shows an
        article per line.
        """
        data = self.to_json()
        rows = ",\n  ".join(json.dumps(a, ensure_ascii=False) for a in data["articles"])
        text = json.dumps({**data, "articles": None}, ensure_ascii=False, indent=1)
        # no other "articles" key, and a string's own quotes are escaped in JSON
        text = text.replace(
            '"articles": null', f'"articles": [\n  {rows}\n ]' if rows else '"articles": []', 1
        )
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)

    @classmethod
    def from_json(cls, data: Any, path: Path) -> Manifest:
        """The manifest in ``data`` (read from ``path``); malformed entries are left out.

        Raises ManifestError when ``data`` is not a manifest of this ``FORMAT``.
        """
        if not isinstance(data, dict):
            raise ManifestError(path, "is not a manifest")
        version = data.get("format")
        if version != FORMAT or isinstance(version, bool):
            if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT:
                why = f"is manifest format {version}, newer than this kb-portal reads ({FORMAT})"
                raise ManifestError(path, f"{why}; upgrade kb-portal or run `kb build` again")
            raise ManifestError(path, f"is not a manifest of format {FORMAT}; run `kb build`")
        site = _dict(data.get("site"))
        built_at = data.get("built_at")
        articles = (ManifestArticle.from_json(a) for a in _list(data.get("articles")))
        categories = (ManifestCategory.from_json(c) for c in _list(data.get("categories")))
        redirects = _dict(data.get("redirects"))
        return cls(
            built_at=str(built_at) if built_at else None,
            site_name=str(site.get("name") or ""),
            site_url=str(site.get("url") or ""),
            content=str(data.get("content") or ""),
            articles=tuple(a for a in articles if a is not None),
            categories=tuple(c for c in categories if c is not None),
            redirects={str(k): v for k, v in redirects.items() if isinstance(v, str)},
            as_of=_text(data.get("as_of")),
            next_change=_text(data.get("next_change")),
            language=str(data.get("language") or ""),
        )

    @classmethod
    def read(cls, path: Path) -> Manifest:
        """The manifest at ``path``.

        Raises ManifestMissing when there is no file, ManifestError when it cannot be used.
        """
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ManifestMissing(path) from None
        except (OSError, ValueError) as exc:
            raise ManifestError(path, f"is unreadable: {exc}") from None
        return cls.from_json(data, path)


def language_manifest(manifest: Manifest, lang: str, prefix: str) -> Manifest:
    """A manifest of another language's portal, its URLs made to start at the site's root."""
    articles = tuple(
        replace(a, url=prefix + a.url, aliases=tuple(prefix + x.lstrip("/") for x in a.aliases))
        for a in manifest.articles
    )
    redirects = {prefix + k: prefix + v for k, v in manifest.redirects.items()}
    return replace(manifest, articles=articles, redirects=redirects, language=lang)


def read_manifest(path: Path) -> Manifest | None:
    """The manifest at ``path``, or None when there is none or it cannot be used."""
    try:
        return Manifest.read(path)
    except ManifestError:
        return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(
        str(v) for v in _list(value) if isinstance(v, (str, int, float)) and str(v).strip()
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
