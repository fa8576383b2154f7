"""What the last build's per-article checks found, kept so that a build re-checks only the
articles whose text changed and those pointing at something that did.

An article's checks read the article itself and, through :class:`Lookups`, the rest of the
knowledge base: the article a relative link names (its visibility and headings) or the category
whose intro it names (and whether the public portal shows it, or any portal), the article an id
names, the article at a URL, and for a "did you mean" every id or every content file.
Each such lookup is noted under a name ("s" + content path, "i" + id, "u" + URL, ``IDS``,
``SOURCES``), and the entry keeps the names it noted. :func:`signatures` gives, for every name
the knowledge base answers, a digest of what a lookup of it would see; a name no article
answers has none, so a link to a missing file is re-checked when the file appears. A build
compares them with the last build's: an entry is used again only when the article is as it was
and no name it looked up changed. Image checks read the file system and are never kept: the
entry keeps the images to check, and every build checks them (a few stat calls). Staleness
(``review_by``) and publishing windows depend on the day, so they are worked out every build.

The cache is saved with the digests it was made against, in one file: every entry kept has
been checked against the digests saved beside it. Imports neither mkdocs nor Flask.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from kb_builder.articles import Article, Category
from kb_builder.buildcache import Cache
from kb_builder.nearest import Near
from kb_core.errors import Problem

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from collections.abc import Callable

V = TypeVar("V")
IDS, SOURCES = "*ids", "*sources"  # every article id; every content file (the suggestions')
_WORLD = "\0world"  # the cache entry holding the digests the other entries were checked against
Image = tuple[int, str]  # (line, target) of an image reference, checked every build


@dataclass(frozen=True)
class Waiting:
    """What the article files that did not load would answer: their sources (and their
    translations' names), and the ids no loaded article has."""

    sources: set[str]
    ids: set[str]


class Recorded(Mapping[str, V]):
    """A mapping that notes each key looked up in it (with ``kind`` before it) in ``noted``."""

    def __init__(self, found: Mapping[str, V], kind: str, lookups: Lookups) -> None:
        self.found, self.kind, self.lookups = found, kind, lookups

    def __getitem__(self, key: str) -> V:
        self.lookups.noted.add(self.kind + key)
        return self.found[key]

    def get(self, key: str, default: V | None = None) -> V | None:  # type: ignore[override]
        self.lookups.noted.add(self.kind + key)
        return self.found.get(key, default)

    def __iter__(self) -> Iterator[str]:
        raise TypeError("a recorded mapping is only looked up in")

    def __len__(self) -> int:
        return len(self.found)


class Lookups:
    """What an article's checks may ask about the rest of the knowledge base; each question
    is noted in ``noted`` (the names of :func:`signatures`)."""

    def __init__(
        self,
        by_source: dict[str, Article],
        by_id: dict[str, list[Article]],
        hidden: dict[str, Article],
        waiting: Waiting,
        near: Near,
        intros: dict[str, Category],
        public_categories: frozenset[tuple[str, ...]] = frozenset(),
        shown_categories: frozenset[tuple[str, ...]] = frozenset(),
    ) -> None:
        self.noted: set[str] = set()
        self.images: list[Image] = []  # the article's image references, checked apart
        self.by_source = Recorded(by_source, "s", self)
        self.by_id = Recorded(by_id, "i", self)
        self.hidden = Recorded(hidden, "u", self)
        # a category's intro, by the content paths a link may give it (a link to one is to the
        # category's page): asked under the same names as by_source
        self.intros = Recorded(intros, "s", self)
        # the categories the public portal shows (a public article is in them or below): asked
        # of a category after its intro was looked up above
        self.public_categories = public_categories
        self.shown_categories = shown_categories  # those either portal shows, asked the same way
        # membership in these is asked only after the same name was looked up above
        self.waiting = waiting
        self._near = near
        self._plain = (by_source, by_id, hidden)
        self._intros = intros

    def near_id(self, written: str) -> str | None:
        self.noted.add(IDS)
        return self._near.id(written)

    def near_link(self, article_source: str, written: str) -> str | None:
        self.noted.add(SOURCES)
        return self._near.link(article_source, written)

    def near_anchor(self, dest: Article, written: str) -> str | None:
        return self._near.anchor(dest, written)  # dest's headings: noted with dest

    def signatures(self) -> dict[str, bytes]:
        """A digest of what a lookup of each name would see, for every name with an answer."""
        by_source, by_id, hidden = self._plain
        w = self.waiting
        found: dict[str, bytes] = {}
        for p in by_source.keys() | w.sources:
            d = by_source.get(p)
            seen = None if d is None else (d.source, d.visibility, [h.anchor for h in d.headings])
            found["s" + p] = _digest((seen, p in w.sources))
        for p, c in self._intros.items():  # (no article's source is an intro's)
            shown = (c.path in self.public_categories, c.path in self.shown_categories)
            found["s" + p] = _digest(("category", c.url, *shown))
        for i in by_id.keys() | w.ids:
            same = by_id.get(i)
            found["i" + i] = _digest((same[0].visibility if same else None, i in w.ids))
        for u, d in hidden.items():
            found["u" + u] = _digest(d.visibility)
        found[IDS] = _digest(self._near.ids)
        found[SOURCES] = _digest(self._near.sources)
        return found


def _digest(value: object) -> bytes:
    return hashlib.sha1(repr(value).encode("utf-8", "surrogatepass")).digest()


def article_stamp(a: Article) -> bytes:
    """A digest of everything of ``a`` its checks read (its text, where it is, its visibility)."""
    text = a.digest or hashlib.sha1(a.markdown.encode("utf-8", "surrogatepass")).hexdigest()
    return _digest((text, a.source, a.where, a.visibility, a.held))


class CheckCache:
    """The per-article checks of one build, taken from the last build's where nothing they
    depend on changed."""

    def __init__(self, cache: Cache, lookups: Lookups) -> None:
        self.cache, self.lookups = cache, lookups
        self.now = lookups.signatures()
        then = cache.get(_WORLD, None) or {}
        self.changed = {k for k in self.now.keys() | then.keys() if then.get(k) != self.now.get(k)}
        cache.put(_WORLD, None, self.now)
        self.checked = self.kept = 0  # articles checked again; taken as the last build found

    def run(
        self, a: Article, checks: Callable[[Article, Lookups], list[Problem]]
    ) -> tuple[list[Problem], list[Image]]:
        """``checks(a, lookups)`` and the images it left to check, or what they were."""
        stamp = article_stamp(a)
        hit = self.cache.get(a.source, stamp)
        if hit is not None:
            noted, found, images = hit
            if noted.isdisjoint(self.changed):
                self.kept += 1
                return [Problem(*p) for p in found], list(images)
        self.checked += 1
        look = self.lookups
        look.noted, look.images = set(), []
        out = checks(a, look)
        kept = tuple((p.path, p.line, p.severity, p.message, p.code) for p in out)
        self.cache.put(a.source, stamp, (frozenset(look.noted), kept, tuple(look.images)))
        return out, look.images

    def report(self) -> None:
        log.info(
            "checks: %d article(s) checked again, %d as the last build found them",
            self.checked,
            self.kept,
        )
