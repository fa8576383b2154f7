"""What the content is made of: articles and their front matter, categories, the knowledge base,
and the names and URLs content files get.

Plain records; ``kb_builder.content`` loads them from ``content/``. Imports neither mkdocs nor
Flask.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from markdown.extensions.toc import slugify
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from kb_builder.buildcache import plain_pickle
from kb_core.config import Visibility
from kb_core.errors import Problem
from kb_core.schedule import State, iso, parse_moment, state

CATEGORY_FILE = "_category.yml"
INTRO_FILES = ("index.md", "README.md", "readme.md")
_SKIP_DIRS = {"includes", "_includes", "media", "images", "img", "assets", "node_modules"}


class ArticleMeta(BaseModel):
    """Front matter of an article; unknown keys are kept and reported as warnings."""

    model_config = ConfigDict(extra="allow", frozen=True)

    title: str | None = None
    summary: str | None = Field(None, alias="summary")
    description: str | None = None  # common in other generators: a summary by another name
    id: str | None = None
    visibility: Visibility | None = None
    tags: list[str] = []
    keywords: list[str] = []
    faq: str | None = None
    faq_answer: str | None = None  # short Markdown: the FAQ's answer to ``faq``
    related: list[str] = []
    owner: str | None = None
    review_by: date | None = None
    aliases: list[str] = []
    publish_at: datetime | None = None  # built from this moment on (ISO 8601, with a zone)
    expires_at: datetime | None = None  # and no longer from this one

    @field_validator("publish_at", "expires_at", mode="before")
    @classmethod
    def _moment(cls, v: Any) -> Any:
        return None if v is None else parse_moment(v)

    @field_validator("expires_at")
    @classmethod
    def _window(cls, v: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("publish_at")
        if v is not None and start is not None and v <= start:
            raise ValueError(f"must be after publish_at ({iso(start)})")
        return v

    @field_validator("tags", "keywords", "related", "aliases", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        if v is None:
            return []
        if isinstance(v, str):
            return [s.strip() for s in v.split(",") if s.strip()]
        if isinstance(v, list):
            return [str(x) for x in v if x is not None]
        return v

    @field_validator(
        "title", "summary", "description", "faq", "faq_answer", "owner", "id", mode="before"
    )
    @classmethod
    def _stringify(cls, v: Any) -> Any:
        return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v

    @field_validator("id")
    @classmethod
    def _id(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", v):
            raise ValueError("must be letters, digits, '.', '_' or '-' (at most 100)")
        return v


KNOWN_KEYS = set(ArticleMeta.model_fields) | {"updated", "revision"}


class CategoryMeta(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str | None = None
    description: str = ""
    icon: str = "material/folder-outline"
    order: int = 1000
    visibility: Visibility | None = None


@plain_pickle
@dataclass(slots=True)  # a hundred thousand in a large knowledge base
class Heading:
    anchor: str
    title: str
    level: int
    line: int


@dataclass
class Category:
    path: tuple[str, ...]
    title: str
    description: str = ""
    icon: str = "material/folder-outline"
    order: int = 1000
    visibility: Visibility | None = None
    intro: str = ""
    folder: str = ""  # its folder in the content, as written ('Billing Help')
    # other languages' title, description and intro (_category.fr.yml, index.fr.md)
    translations: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return "/".join(self.path) + "/"

    @property
    def slug(self) -> str:
        return self.path[0]


@dataclass
class Article:
    source: str  # path relative to the content dir, posix
    id: str
    title: str
    category_path: tuple[str, ...]
    slug: str
    markdown: str
    meta: ArticleMeta
    visibility: Visibility
    body_line: int  # 1-based line of the body's first line in the file
    revision: str
    digest: str = ""  # of the file's bytes, whatever git says its revision is
    updated: date | None = None
    headings: list[Heading] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    explicit_id: bool = False
    key_lines: dict[str, int] = field(default_factory=dict)  # front-matter key -> line
    where: str = ""  # the file as the writer would type it, e.g. "content/billing/x.md"
    lang: str = ""  # the language of its text (the site's default for an untranslated file)
    original: str = ""  # a translation: the source of the article it translates
    fallback: bool = False  # in another language's portal: this text stands in for one
    outdated: bool = False  # a translation whose original changed in git after it did
    # a translation without ``related:`` of its own: its article's (kb_builder.languages)
    inherited_related: tuple[str, ...] = ()
    # what the HTML allowlist cuts from ``markdown`` (line in it, kind, what), worked out when
    # the file was parsed and kept with it in the build cache; None: not worked out yet
    removed_html: tuple[tuple[int, str, str], ...] | None = None
    # its front matter has an error: never built, but its body is still checked
    held: bool = False

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, 1)

    @property
    def related(self) -> list[str]:
        """The ids of the articles its page lists as related: its ``related:``, or those of
        the article a translation without one translates."""
        return [*self.meta.related, *self.inherited_related]

    @property
    def url(self) -> str:
        return "/".join((*self.category_path, self.slug)) + "/"

    @property
    def summary(self) -> str:
        return (self.meta.summary or self.meta.description or "").strip()

    @property
    def stem_path(self) -> str:
        return self.source.rsplit(".", 1)[0]

    def window(self, at: datetime) -> State:
        """Whether ``at`` is before, inside or after the article's publishing window."""
        return state(self.meta.publish_at, self.meta.expires_at, at)


@dataclass
class KnowledgeBase:
    root: Path
    categories: dict[tuple[str, ...], Category]
    articles: list[Article]
    problems: list[Problem]
    # articles outside their publishing window, taken out of ``articles`` before planning
    withheld: list[Article] = field(default_factory=list)
    # translations into the site's other languages (``refunds.fr.md``), apart from ``articles``
    translations: list[Article] = field(default_factory=list)
    # article files that did not load (each has an error saying why), by source: the id each
    # names, so links to it and ``related:`` ids wait for that one error to be fixed
    unloaded: dict[str, str] = field(default_factory=dict)
    # those of them whose body could still be read (a misspelt key, a bad date): checked, so
    # the writer sees their broken links with the front-matter error, never built
    held: list[Article] = field(default_factory=list)

    def by_id(self) -> dict[str, Article]:
        return {a.id: a for a in self.articles}

    def visible(self, *levels: str) -> list[Article]:
        return [a for a in self.articles if a.visibility in levels]


def slug_for(stem: str) -> str:
    """The URL slug of a file or folder name."""
    return slugify(stem, "-") or "article"


def source_url(source: str) -> str:
    """The URL a content file would have, e.g. 'Billing/Old Name.md' -> 'billing/old-name/'."""
    parts = source.rsplit(".", 1)[0].split("/")
    return "/".join(slug_for(p) for p in parts) + "/"


def skipped_folder(name: str) -> bool:
    """Whether a folder is left out of the content (hidden, ``_``-prefixed or assets)."""
    return name.startswith((".", "_")) or name in _SKIP_DIRS


def is_article_path(source: str) -> bool:
    """Whether a content-relative path is read as an article (not skipped, not an intro)."""
    *folders, name = source.split("/")
    if not name.endswith(".md") or name in INTRO_FILES or name.startswith((".", "_")):
        return False
    return not any(skipped_folder(p) for p in folders)


def resolve_link(
    article: Article, target: str, by_source: Mapping[str, Article]
) -> tuple[Article | None, str, bool]:
    """Resolve a relative ``.md`` link: (target article or None, anchor, is_internal_link)."""
    path, _, anchor = target.partition("#")
    path = unquote(path)
    if re.match(r"^[a-z][a-z0-9+.-]*:", path, re.I) or path.startswith("/"):
        return None, anchor, False
    if not path:
        return article, anchor, True
    if not path.endswith(".md"):
        return None, anchor, False
    return by_source.get(link_source(article, path)), anchor, True


def category_sources(categories: Iterable[Category]) -> dict[str, Category]:
    """Each category by every content path a link may give its intro: its folder as written
    ('My Cat/index.md') or as its page has it ('my-cat/index.md'), then any of INTRO_FILES."""
    return {
        f"{folder}/{name}": c
        for c in categories
        for folder in ("/".join(c.path), c.folder)
        for name in INTRO_FILES
    }


def link_source(article: Article, path: str) -> str:
    """The content path a relative link's ``path`` (unquoted, no anchor) names."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(article.source), path))
