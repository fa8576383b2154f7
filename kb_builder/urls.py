"""The addresses articles are published at, each an article's own: its ``/a/<id>`` permalink
and its path, never one the portal's own pages or another language's portal use.

:func:`url_problems` is one of ``kb check``'s checks (:mod:`kb_builder.checks`); a clash makes
``kb build`` refuse (``duplicate-id``, ``duplicate-url``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from kb_builder.articles import Article, KnowledgeBase
from kb_core.config import SiteConfig
from kb_core.errors import Problem

# Top-level URLs the portal itself uses (pages, permalinks, the API and the internal portal).
RESERVED = frozenset(
    {"faq", "contact", "search-results", "a", "internal", "api", "assets", "search"}
)


def url_problems(
    kb: KnowledgeBase,
    config: SiteConfig,
    by_id: Mapping[str, Sequence[Article]],
    built: Sequence[Article],
) -> list[Problem]:
    """An error for each id two articles share (``by_id``: every article by its id), and for
    each URL of a ``built`` article that another or a category has too, or that is inside
    another language's portal or one of the portal's own pages."""
    problems = []
    by_url: dict[str, list[Article]] = defaultdict(list)
    for a in built:
        by_url[a.url].append(a)
    category_urls = {c.url for c in kb.categories.values()}
    for dupes in by_id.values():
        for a in dupes[1:]:
            others = ", ".join(d.where for d in dupes if d is not a)
            problems.append(
                Problem(
                    a.where,
                    a.line_of("id"),
                    "error",
                    f"duplicate id '{a.id}' (also in {others}); set a unique id",
                    "duplicate-id",
                )
            )
    for url, dupes in by_url.items():
        if len(dupes) > 1 or url in category_urls:
            for a in dupes[1:] if len(dupes) > 1 else dupes:
                problems.append(
                    Problem(
                        a.where,
                        1,
                        "error",
                        f"URL /{url} is used twice; rename the file",
                        "duplicate-url",
                    )
                )
    portals = set(config.site.codes[1:])  # the other languages' portals: /fr/...
    for a in built:
        top = a.url.split("/", 1)[0]
        if top in portals:
            problems.append(
                Problem(
                    a.where,
                    1,
                    "error",
                    f"URL /{a.url} is inside the /{top}/ portal of site.languages; rename the "
                    f"{'folder' if a.category_path else 'file'}",
                    "duplicate-url",
                )
            )
        if top in RESERVED:
            problems.append(
                Problem(
                    a.where,
                    1,
                    "error",
                    f"URL /{a.url} is reserved for the portal's own /{top}/ pages; rename the "
                    f"{'folder' if a.category_path else 'file'}",
                    "duplicate-url",
                )
            )
    return problems
