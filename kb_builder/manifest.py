"""The build side of the manifest: the published articles of one tree as a ``Manifest``.

``kb_core.manifest`` holds the type, its JSON and its reader; this module only knows how the
content (``kb_builder.articles``) maps onto it.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from kb_builder.articles import Article, KnowledgeBase
from kb_core.config import SiteConfig
from kb_core.manifest import Manifest, ManifestArticle, ManifestCategory, ManifestHeading
from kb_core.schedule import Change, iso


def article_entry(a: Article, kb: KnowledgeBase) -> ManifestArticle:
    """The manifest's record of one article; headings below the title only."""
    titles = [
        kb.categories[a.category_path[:i]].title
        for i in range(1, len(a.category_path) + 1)
        if a.category_path[:i] in kb.categories
    ]
    return ManifestArticle(
        id=a.id,
        title=a.title,
        url=a.url,
        category=a.category_path[0] if a.category_path else "",
        category_path=tuple(a.category_path),
        category_title=" › ".join(titles),
        visibility=a.visibility,
        summary=a.summary,
        revision=a.revision,
        updated=a.updated,
        aliases=tuple(a.aliases),
        faq=a.meta.faq,
        tags=tuple(a.meta.tags),
        keywords=tuple(a.meta.keywords),
        owner=a.meta.owner,
        review_by=a.meta.review_by,
        source=a.source,
        headings=tuple(
            ManifestHeading(h.anchor, h.title, h.level) for h in a.headings if h.level > 1
        ),
        language=a.lang,
    )


def make_manifest(
    articles: list[Article],
    kb: KnowledgeBase,
    config: SiteConfig,
    redirects: dict[str, str],
    as_of: datetime | None = None,
    next_change: Change | None = None,
) -> Manifest:
    """The manifest of one tree: its articles, the categories that hold them, its redirects,
    the moment its windows were judged at and the next moment it changes."""
    counts = Counter(
        a.category_path[:i] for a in articles for i in range(1, len(a.category_path) + 1)
    )
    cats = [
        ManifestCategory(
            slug=c.slug,
            path="/".join(c.path),
            title=c.title,
            description=c.description,
            icon=c.icon,
            count=counts[c.path],
        )
        for c in kb.categories.values()
        if c.path in counts
    ]
    return Manifest(
        built_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        site_name=config.site.name,
        site_url=config.site.url,
        content=kb.root.resolve().as_posix(),
        articles=tuple(article_entry(a, kb) for a in articles),
        categories=tuple(cats),
        redirects={k: v for k, v in redirects.items() if not k.startswith("a/")},
        as_of=iso(as_of) if as_of else None,
        next_change=iso(next_change.at) if next_change else None,
        language=config.site.language,
    )
