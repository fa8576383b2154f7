"""Published URLs must keep working: every URL the content ever published, from git history.

A public article's URL that would now 404 is an error until another article lists it in
``aliases:``, a git rename already redirects it, or ``retired:`` in ``site_config.yml`` says it
was removed on purpose. Git knows every path the content folder ever held (one ``git log``);
the last version of each removed file (one ``git cat-file --batch``) says whether it was public
then. Without git, the last build's manifest is the record. Imports neither mkdocs nor Flask.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from kb_builder.articles import CATEGORY_FILE, KnowledgeBase, is_article_path, source_url
from kb_builder.gitinfo import History, read_blobs
from kb_core.config import SiteConfig, Visibility
from kb_core.errors import Problem
from kb_core.manifest import Manifest
from kb_core.schedule import parse_moment, state

_LEVELS = ("public", "internal", "draft")
_BOUNDS = ("publish_at", "expires_at")


def norm_url(path: str, site_url: str = "") -> str:
    """A URL as the checks compare it: 'billing/old/' for '/billing/old', 'billing/old.md'."""
    path = path.strip()
    if site_url and path.startswith(site_url.rstrip("/") + "/"):
        path = path[len(site_url.rstrip("/")) :]
    path = path.strip("/")
    if path.endswith(".md"):
        path = path[:-3]
    return path + "/" if path else ""


def _live(kb: KnowledgeBase, config: SiteConfig) -> set[str]:
    """URLs that still answer (or 404 on purpose): public articles, aliases, categories."""
    live: set[str] = set()
    for a in kb.articles:
        if a.visibility == "public":
            live.add(a.url)
            live.update(norm_url(x, config.site.url) for x in a.aliases)
    live.update(c.url for c in kb.categories.values())
    live.update(norm_url(x, config.site.url) for x in config.retired)
    return live


def _fix(url: str) -> str:
    return (
        f"add '{url}' to the 'aliases:' of the article that replaces it, or to 'retired:' in "
        "site_config.yml if it is gone on purpose"
    )


def removed_urls(
    kb: KnowledgeBase,
    config: SiteConfig,
    hist: History | None,
    manifest: Manifest | None,
    at: datetime | None = None,
) -> list[Problem]:
    """An error for each URL git history or the last build published that would now 404.

    An article that expired (``expires_at``) was withdrawn on purpose: its URL is never one of
    them, whether the file is still there or deleted after it expired.
    """
    live = _live(kb, config)
    out: list[Problem] = []
    flagged: set[str] = set()
    for url, path, commit in _from_git(kb, config, hist, live, at or datetime.now(UTC)):
        where = f"{kb.root.as_posix()}/{path}"
        when = f"removed in {commit[:12]}" if commit else "deleted, not yet committed"
        msg = f"/{url} was published by this file ({when}) and would now 404; {_fix(url)}"
        out.append(Problem(where, 0, "error", msg, "removed-url"))
        flagged.add(url)
    if manifest and manifest.content == kb.root.resolve().as_posix():
        # a file still there that did not load has an error of its own, which says why
        loaded = {a.source for a in (*kb.articles, *kb.translations)}
        broken = {
            a.source
            for a in manifest.articles
            if a.source not in loaded and (kb.root / a.source).is_file()
        }
        kept = {a.url for a in manifest.articles if a.source in broken}
        old = [a.url for a in manifest.articles if a.source not in broken]
        old += [u for u, to in manifest.redirects.items() if norm_url(to) not in kept]
        # under git, a file git never held was only built from a working tree (a writer
        # trying an article out): a warning, in case that build was deployed all the same
        untracked = {
            a.url: a.source
            for a in manifest.articles
            if hist is not None and hist.paths and a.source not in hist.paths
        }
        for url in sorted(set(old) - live - flagged):
            if url in untracked:
                msg = (
                    f"/{url} was built by the last build from {untracked[url]}, which git never "
                    f"held, and would now 404; if that build was deployed, {_fix(url)}"
                )
                out.append(Problem(kb.root.as_posix(), 0, "warning", msg, "removed-url"))
            elif url:
                msg = f"/{url} was published by the last build and would now 404; {_fix(url)}"
                out.append(Problem(kb.root.as_posix(), 0, "error", msg, "removed-url"))
    return out


def _from_git(
    kb: KnowledgeBase, config: SiteConfig, hist: History | None, live: set[str], at: datetime
) -> list[tuple[str, str, str]]:
    """(url, path, commit) of each removed file whose last version in git was public.

    A file that still exists is never 'removed' here, whatever its visibility now: making an
    article internal is a deliberate act, and the last build's manifest covers it.
    """
    if hist is None or not hist.paths:
        return []
    gone: dict[str, tuple[str, str]] = {}  # path -> (url, commit)
    for path, commit in sorted(hist.paths.items()):
        if not is_article_path(path) or (kb.root / path).exists():
            continue
        url = source_url(path)
        if url not in live:
            gone[path] = (url, commit)
    if not gone:
        return []
    # The last version of each removed file, and the _category.yml files above it then, in one
    # git call: visibility is decided as the build of that version would have decided it.
    specs: list[tuple[str, str]] = []
    for path, (_url, commit) in gone.items():
        rev = f"{commit}^" if commit else ""
        specs.append((rev, path))
        folders = path.split("/")[:-1]
        specs += [
            (rev, "/".join([*folders[:i], CATEGORY_FILE])) for i in range(len(folders), 0, -1)
        ]
    blobs = iter(read_blobs(hist, specs))
    found: list[tuple[str, str, str]] = []
    for path, (url, commit) in gone.items():
        text = next(blobs)
        depth = len(path.split("/")) - 1
        categories = [next(blobs) for _ in range(depth)]
        if _visibility(text, categories, config.site.default_visibility) != "public":
            continue
        if _window(text, at) == "live":  # one expired (or never published) is not a loss
            found.append((url, path, commit))
    return found


def _window(text: str | None, at: datetime) -> str:
    """Where ``at`` fell in a file's publishing window; what cannot be read counts as live."""
    handler = YAMLHandler()
    if text is None or not handler.detect(text):
        return "live"
    try:
        data = handler.load(handler.split(text)[0])
        bounds = [data.get(k) if isinstance(data, dict) else None for k in _BOUNDS]
        start, end = (None if b is None else parse_moment(b) for b in bounds)
    except (yaml.YAMLError, ValueError):
        return "live"
    return state(start, end, at)


def _visibility(text: str | None, categories: list[str | None], default: Visibility) -> Visibility:
    """What a file's visibility was; what cannot be read counts as public (it may have been)."""
    if text is None:
        return "public"
    handler = YAMLHandler()
    level: Any = None
    if handler.detect(text):
        try:
            data = handler.load(handler.split(text)[0])
        except (yaml.YAMLError, ValueError):
            return "public"
        level = data.get("visibility") if isinstance(data, dict) else None
    for cat in categories:  # nearest folder first
        if level in _LEVELS:
            return level  # type: ignore[no-any-return]
        try:
            data = yaml.safe_load(cat) if cat else None
        except (yaml.YAMLError, ValueError):
            return "public"
        level = data.get("visibility") if isinstance(data, dict) else None
    if level in _LEVELS:
        return level  # type: ignore[no-any-return]
    return default
