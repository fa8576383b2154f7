"""Load ``content/``: categories from folders, articles from Markdown with front matter.

Loading never raises for a bad file: every problem becomes a :class:`Problem` with the file and
line, and the rest of the knowledge base still loads. Imports neither mkdocs nor Flask. One
file is parsed by :mod:`kb_builder.parse`, through the cache of :mod:`kb_builder.parsecache`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml
from frontmatter.default_handlers import YAMLHandler

from kb_builder.articles import Article, Category, KnowledgeBase, skipped_folder, slug_for
from kb_builder.buildcache import Cache
from kb_builder.guards import walk
from kb_builder.languages import link_translations, load_category_texts, split_translations
from kb_builder.parse import load_category
from kb_builder.parsecache import article_files, parse_cached
from kb_core.config import SiteConfig, Visibility
from kb_core.errors import Problem


def _resolve_visibility(
    article: Article, categories: dict[tuple[str, ...], Category], config: SiteConfig
) -> Visibility:
    if article.meta.visibility:
        return article.meta.visibility
    path = article.category_path
    while path:
        cat = categories.get(path)
        if cat and cat.visibility:
            return cat.visibility
        path = path[:-1]
    return config.site.default_visibility


def _disambiguate_ids(articles: list[Article]) -> None:
    explicit = {a.id for a in articles if a.explicit_id}
    seen: dict[str, int] = {}
    for a in articles:
        if not a.explicit_id:
            seen[a.id] = seen.get(a.id, 0) + 1
    for a in articles:
        if not a.explicit_id and (seen[a.id] > 1 or a.id in explicit):
            a.id = "-".join((*a.category_path, a.slug))


def load_content(
    root: Path,
    config: SiteConfig,
    on_file: Callable[[int, int], None] | None = None,
    cache: Cache | None = None,
) -> KnowledgeBase:
    """Load every category and article below ``root``; problems are collected, not raised.

    ``on_file(done, total)`` is called as files are read (for a progress bar). With a ``cache``,
    a file whose size and times did not change is taken from the last build instead of parsed.
    """
    problems: list[Problem] = []
    categories: dict[tuple[str, ...], Category] = {}
    articles: list[Article] = []
    unloaded: dict[str, str] = {}
    held: list[Article] = []
    if not root.is_dir():
        problems.append(Problem(str(root), 0, "error", "content folder not found", "missing"))
        return KnowledgeBase(root, categories, articles, problems)
    folders, paths = walk(root, skipped_folder, problems)
    codes = config.site.codes
    html = not config.content.trust_raw_html
    for folder in folders:
        rel = folder.relative_to(root)
        categories[tuple(slug_for(p) for p in rel.parts)] = load_category(folder, root, problems)
    files = article_files(root, paths, codes)
    for n, (path, key, category) in enumerate(files, 1):
        if on_file is not None and (n % 50 == 0 or n == len(files)):
            on_file(n, len(files))
        article = parse_cached(path, root, category, problems, cache, html)
        if article is not None and not article.held:
            articles.append(article)
        else:
            unloaded[key] = _claimed_id(path)
            if article is not None:
                held.append(article)
    for a in articles + held:
        a.visibility = _resolve_visibility(a, categories, config)
    articles, translations = split_translations(articles, config, problems)
    _disambiguate_ids(articles)
    translations = link_translations(articles, translations, problems)
    problems += load_category_texts(root, categories, codes)
    kb = KnowledgeBase(root, categories, articles, problems)
    kb.translations = translations
    kb.unloaded = unloaded
    kb.held = held
    return kb


def _claimed_id(path: Path) -> str:
    """The id an article file that did not load names: its ``id:`` when its front matter
    still reads as a mapping, else its file name's (what links to it would use)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        handler = YAMLHandler()
        data = handler.load(handler.split(text)[0]) if handler.detect(text) else None
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError):
        data = None
    claimed = data.get("id") if isinstance(data, dict) else None
    return claimed if isinstance(claimed, str) and claimed else slug_for(path.stem)
