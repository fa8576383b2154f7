"""One portal per language: the knowledge base as each language's portals show it.

The default language's portals are the content as it is. Another language's show, for every
article, its translation where one is published there, else the article itself with a notice
(a fallback): the same pages and slugs under ``/fr/``, never a 404. The public portal takes
only public translations; the agents' portal and index take internal ones too, in place of
the public text they translate. Imports neither mkdocs nor Flask.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from kb_builder.articles import Article, Category, KnowledgeBase
from kb_builder.buildcache import Cache
from kb_core.config import SiteConfig
from kb_core.i18n import language_name

if TYPE_CHECKING:
    from kb_builder.index.fields import IndexDoc

Tree = Literal["public", "internal"]


@dataclass(frozen=True)
class Portal:
    """A language's place in the site: its code, URL prefix, strings and the other languages."""

    lang: str
    default: str
    prefix: str  # "" for the default language, else "fr/"
    strings: Mapping[str, str]
    languages: tuple[tuple[str, str, str], ...] = ()  # (code, label, prefix), default first
    # article id -> the languages it is published in (for hreflang), in this portal's tree
    published_in: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def is_default(self) -> bool:
        return self.lang == self.default


def portal(config: SiteConfig, lang: str, kb: KnowledgeBase | None = None) -> Portal:
    """The portal of ``lang`` (one of ``config.site.codes``)."""
    site = config.site
    languages = tuple((c, site.language_label(c), site.prefix(c)) for c in site.codes)
    published: dict[str, tuple[str, ...]] = {}
    if kb is not None and len(site.codes) > 1:
        found: dict[str, list[str]] = {a.id: [site.language] for a in kb.articles}
        for t in kb.translations:
            if t.visibility == "public" and t.id in found:
                found[t.id].append(t.lang)
        published = {k: tuple(v) for k, v in found.items()}
    return Portal(
        lang, site.language, site.prefix(lang), config.strings(lang), languages, published
    )


def language_view(kb: KnowledgeBase, where: Portal, tree: Tree) -> KnowledgeBase:
    """The knowledge base as the ``tree`` portal of a language shows it (see the module)."""
    if where.is_default:
        return kb
    lang = where.lang
    levels = ("public",) if tree == "public" else ("public", "internal")
    texts = {t.id: t for t in kb.translations if t.lang == lang and t.visibility in levels}
    articles: list[Article] = []
    for a in kb.articles:
        t = texts.get(a.id)
        articles.append(t if t is not None else replace(a, fallback=True))
    categories = {p: translated(c, lang) for p, c in kb.categories.items()}
    view = KnowledgeBase(kb.root, categories, articles, [], list(kb.withheld))
    view.translations = list(kb.translations)
    return view


def translated(category: Category, lang: str) -> Category:
    """A category with its title, description and intro in ``lang`` where they are written."""
    texts = category.translations.get(lang)
    if not texts:
        return category
    return replace(
        category,
        title=texts.get("title", category.title),
        description=texts.get("description", category.description),
        intro=texts.get("intro", category.intro),
    )


def view_targets(articles: Iterable[Article], codes: Iterable[str]) -> dict[str, Article]:
    """What each relative ``.md`` link names in a language's portal: a link to the article
    (``refunds.md``) or to any of its translations (``refunds.fr.md``) is the page that portal
    shows for it."""
    codes = tuple(codes)
    found: dict[str, Article] = {}
    for a in articles:
        base = a.original or a.source
        found[base] = found[a.source] = a
        stem = base[: -len(".md")] if base.endswith(".md") else base
        for code in codes:
            found.setdefault(f"{stem}.{code}.md", a)
    return found


def language_names(lang: str, default: str) -> dict[str, str]:
    """What a portal's notices name: its own language, and the default one, in its words."""
    return {"language": language_name(lang), "original": language_name(default, lang)}


def prefixed(docs: list[IndexDoc], prefix: str) -> list[IndexDoc]:
    """Search documents whose URLs lead into the ``prefix`` portal ('fr/billing/refunds/')."""
    return [replace(d, url=prefix + d.url) for d in docs] if prefix else docs


def update_language_indexes(
    public: list[IndexDoc],
    agents: list[IndexDoc],
    root: Path,
    work: Path,
    language: str,
    salt: str,
) -> str:
    """The public index and the agents' index of another language's portals, by words (the
    sentence model knows English only); what was done to the public one."""
    # imported here: kb check plans no index, and must not load Whoosh's writer or numpy
    from kb_builder.index.documents import STATS_CACHE, update_index

    root.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    stats = Cache(work / STATS_CACHE, salt)
    _, done = update_index(
        public, root / "public", language, salt, work / "index-public.key", stats
    )
    update_index(agents, root / "internal", language, salt, work / "index-internal.key", stats)
    stats.save()
    return done
