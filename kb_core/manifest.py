"""The build manifest: what was published, where, and at which revision.

Written by the build, read by ``feedback_api``, ``kb link`` and ``kb gaps``. Imports neither
mkdocs nor Flask.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the API reads manifests without loading the content loader
    from kb_builder.content import Article, KnowledgeBase
    from kb_core.config import SiteConfig

FORMAT = 1
PUBLIC = "manifest.json"
INTERNAL = "manifest.internal.json"


def article_entry(a: Article, kb: KnowledgeBase) -> dict[str, Any]:
    titles = [
        kb.categories[a.category_path[:i]].title
        for i in range(1, len(a.category_path) + 1)
        if a.category_path[:i] in kb.categories
    ]
    return {
        "id": a.id,
        "title": a.title,
        "url": a.url,
        "category": a.category_path[0] if a.category_path else "",
        "category_path": list(a.category_path),
        "category_title": " › ".join(titles),
        "visibility": a.visibility,
        "summary": a.summary,
        "revision": a.revision,
        "updated": a.updated.isoformat() if a.updated else None,
        "aliases": list(a.aliases),
        "faq": a.meta.faq,
        "tags": list(a.meta.tags),
        "keywords": list(a.meta.keywords),
        "owner": a.meta.owner,
        "review_by": a.meta.review_by.isoformat() if a.meta.review_by else None,
        "source": a.source,
        "headings": [
            {"anchor": h.anchor, "title": h.title, "level": h.level}
            for h in a.headings
            if h.level > 1
        ],
    }


def make_manifest(
    articles: list[Article], kb: KnowledgeBase, config: SiteConfig, redirects: dict[str, str]
) -> dict[str, Any]:
    """The manifest of one tree; ``content`` says which content folder it was built from."""
    shown = {
        p
        for a in articles
        for p in (a.category_path[:i] for i in range(1, len(a.category_path) + 1))
    }
    cats = [
        {
            "slug": c.slug,
            "path": "/".join(c.path),
            "title": c.title,
            "description": c.description,
            "icon": c.icon,
            "count": sum(1 for a in articles if a.category_path[: len(c.path)] == c.path),
        }
        for c in kb.categories.values()
        if c.path in shown
    ]
    return {
        "format": FORMAT,
        "built_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "site": {"name": config.site.name, "url": config.site.url},
        "content": kb.root.resolve().as_posix(),
        "articles": [article_entry(a, kb) for a in articles],
        "categories": cats,
        "redirects": {k: v for k, v in redirects.items() if not k.startswith("a/")},
    }


def write_json(path: Path, data: Any) -> None:
    """Write atomically: readers see the old file or the new one, never half of one."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def read_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest at ``path``, or None when there is none or it is unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
