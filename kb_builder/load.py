"""Load the content, add its git history, and check it: all that ``kb check`` needs.

Kept apart from ``build`` so that checking never imports the search index (whoosh, numpy) or
MkDocs: ``kb check`` starts in a fraction of the time ``kb build`` needs to start.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from kb_builder import gitinfo
from kb_builder.articles import KnowledgeBase, source_url
from kb_builder.buildcache import Cache
from kb_builder.checks import check
from kb_builder.content import load_content
from kb_core.config import SiteConfig
from kb_core.errors import Problem
from kb_core.manifest import Manifest


def apply_git_history(kb: KnowledgeBase, hist: gitinfo.History) -> None:
    """Fill revision, updated date and renamed-from URLs from git, when there is git; a
    translation gets its own file's date (its page says when its text last changed), and
    keeps its revision (its text's digest, which its ratings are kept by) and its article's
    URLs."""
    for t in kb.translations:
        h = hist.files.get(t.source)
        if h is not None:
            t.updated = h.updated
    for a in kb.articles:
        h = hist.files.get(a.source)
        if h is None:
            continue
        a.updated = h.updated
        a.revision = h.revision
        for old in h.old_paths:
            url = source_url(old)
            if url != a.url and url not in a.aliases:
                a.aliases.append(url)


def load_and_check(
    content_dir: Path,
    config: SiteConfig,
    previous: Manifest | None = None,
    today: date | None = None,
    on_file: Callable[[int, int], None] | None = None,
    cache: Cache | None = None,
    at: datetime | None = None,
    check_cache: Cache | None = None,
) -> tuple[KnowledgeBase, list[Problem]]:
    """Load the content, add git history, and run every check (windows judged at ``at``);
    ``cache`` keeps the files' parses, ``check_cache`` the articles' checks."""
    # Loading makes millions of objects that live on, and next to no garbage: the collector's
    # passes over them found nothing and took 40% of the time (cpp-docs from the build cache:
    # 4.2 -> 2.7 CPU s)
    collecting = gc.isenabled()
    gc.disable()
    try:
        kb = load_content(content_dir, config, on_file, cache)
        hist = gitinfo.read_history(kb.root)
        apply_git_history(kb, hist)
        problems = check(
            kb,
            config,
            today=today,
            previous_manifest=previous,
            history=hist,
            at=at,
            cache=check_cache,
        )
    finally:
        if collecting:
            gc.enable()
    return kb, problems
