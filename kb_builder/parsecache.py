"""Parsed articles kept between builds (a file whose size and times did not change is not
parsed again), and the files the cache lacks parsed ahead in another process."""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from kb_builder.articles import Article, is_article_path, skipped_folder, slug_for
from kb_builder.buildcache import Cache
from kb_builder.guards import walk
from kb_builder.languages import is_intro_translation
from kb_builder.parse import parse_article
from kb_builder.sanitize import html_removals
from kb_core.config import SiteConfig
from kb_core.errors import Problem

log = logging.getLogger(__name__)


def parse_cached(
    path: Path,
    root: Path,
    category: tuple[str, ...],
    problems: list[Problem],
    cache: Cache | None,
    html: bool = False,
) -> Article | None:
    """The article parsed from ``path``, or the last build's parse of it when the file's size
    and times did not change; ``html``: work out what the HTML allowlist cuts, and keep it."""
    if cache is None:
        return parse_article(path, root, category, problems)
    try:
        st = path.stat()
    except OSError:
        return parse_article(path, root, category, problems)
    key = path.relative_to(root).as_posix()
    stamp = _stamp(st)
    blob = cache.get(key, stamp)
    if blob is None:
        article, found, blob = _parsed(path, root, category, html)
        cache.put(key, stamp, blob)
    else:  # a fresh copy: the build changes articles (ids, git history)
        article, found = pickle.loads(blob)
    problems.extend(found)
    return article


def _stamp(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _parsed(
    path: Path, root: Path, category: tuple[str, ...], html: bool
) -> tuple[Article | None, list[Problem], bytes]:
    """The article parsed from ``path``, its problems, and both as the content cache keeps
    them."""
    found: list[Problem] = []
    article = parse_article(path, root, category, found)
    if article is not None and html:  # the check's costliest part, kept with the parse
        article.removed_html = html_removals(article.markdown)
    return article, found, pickle.dumps((article, found), protocol=pickle.HIGHEST_PROTOCOL)


def article_files(
    root: Path, paths: list[Path], codes: tuple[str, ...]
) -> list[tuple[Path, str, tuple[str, ...]]]:
    """Of ``paths`` (what :func:`walk` found), the articles: each with its content path and
    its category, in order."""
    out = []
    for path in paths:
        rel = path.relative_to(root)
        key = rel.as_posix()
        if is_article_path(key) and not is_intro_translation(key, codes):
            out.append((path, key, tuple(slug_for(p) for p in rel.parts[:-1])))
    return out


PARSE_AHEAD_MIN = 200  # files to parse before half of them go to another process


def parse_ahead(
    root: Path, config: SiteConfig, cache: Cache, submit: Callable[..., Future[Any]]
) -> None:
    """Have another process (``submit``: a build's index worker, idle until the content is
    loaded) parse the second half of the files ``cache`` lacks while
    :func:`~kb_builder.content.load_content` parses the first: a first build of cpp-docs
    parses 9,740 files on one core otherwise. What it parses is put into ``cache`` when
    :func:`~kb_builder.content.load_content` first asks for one of them;
    should the process fail, ``load_content`` parses them itself."""
    todo = []
    _, paths = walk(root, skipped_folder, [])  # its problems are load_content's to report
    for path, key, category in article_files(root, paths, config.site.codes):
        try:
            stamp = _stamp(path.stat())
        except OSError:
            continue
        if cache.get(key, stamp) is None:
            todo.append((key, category))
    if len(todo) < PARSE_AHEAD_MIN:
        return
    half = todo[len(todo) // 2 :]
    future = submit(parse_files, root, half, not config.content.trust_raw_html)

    def fetch() -> list[tuple[str, Any, Any]]:
        try:
            return future.result()  # type: ignore[no-any-return]
        except Exception as exc:  # the process died or failed: this one parses them
            log.warning("parsing ahead failed (%s): the files are parsed here", exc)
            return []

    cache.expect({key for key, _ in half}, fetch)


def parse_files(
    root: Path, files: list[tuple[str, tuple[str, ...]]], html: bool
) -> list[tuple[str, Any, bytes]]:
    """What the content cache keeps of each of ``files`` (content paths, with their
    category): run in another process by :func:`parse_ahead`."""
    out = []
    for key, category in files:
        path = root / key
        try:
            stamp = _stamp(path.stat())
        except OSError:
            continue
        out.append((key, stamp, _parsed(path, root, category, html)[2]))
    return out
