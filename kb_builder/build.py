"""The build pipeline, top to bottom.

load config -> load content -> git history -> check -> plan the public and internal portals ->
render them with MkDocs while the search indexes build in another process -> write manifests.

Public and internal outputs are separate trees and separate indexes, so no filter bug can put an
internal article into the public site: the public tree never holds one.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import gitinfo
from .checks import BLOCKS_BUILD, check
from .config import SiteConfig
from .content import Article, KnowledgeBase, load_content, plain_text, slug_for
from .errors import BuildError, Problem
from .manifest import INTERNAL, PUBLIC, make_manifest, read_manifest, write_json
from .pages import plan_tree
from .render import assemble, preload_mkdocs, redirect_map, render_shard, split
from .search import IndexDoc, Section

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (what, done, total)
SHARD_ABOVE = 200  # below this many articles one MkDocs run beats the cost of starting two
_FORK = multiprocessing.get_context("fork")


@dataclass
class BuildReport:
    output: Path
    public_articles: int = 0
    internal_articles: int = 0
    drafts_skipped: int = 0
    pages_rebuilt: int = 0
    incremental: bool = False
    problems: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning" or p.code not in BLOCKS_BUILD]


def source_url(source: str) -> str:
    """The URL a content file would have, e.g. 'Billing/Old Name.md' -> 'billing/old-name/'."""
    parts = source.rsplit(".", 1)[0].split("/")
    return "/".join(slug_for(p) for p in parts) + "/"


def apply_git_history(kb: KnowledgeBase) -> None:
    """Fill revision, updated date and renamed-from URLs from git, when there is git."""
    hist = gitinfo.history(kb.root)
    for a in kb.articles:
        h = hist.get(a.source)
        if h is None:
            continue
        a.updated = h.updated
        a.revision = h.revision
        for old in h.old_paths:
            url = source_url(old)
            if url != a.url and url not in a.aliases:
                a.aliases.append(url)


def to_index_doc(a: Article, kb: KnowledgeBase) -> IndexDoc:
    titles = [
        kb.categories[a.category_path[:i]].title
        for i in range(1, len(a.category_path) + 1)
        if a.category_path[:i] in kb.categories
    ]
    lines = a.markdown.split("\n")
    sections: list[Section] = []
    heads = [h for h in a.headings if h.level >= 2]
    for i, h in enumerate(heads):
        start = h.line - a.body_line + 1
        end = heads[i + 1].line - a.body_line if i + 1 < len(heads) else len(lines)
        text = plain_text("\n".join(lines[start:end]))
        sections.append(Section(h.anchor, h.title, text, h.level))
    return IndexDoc(
        id=a.id,
        title=a.title,
        url=a.url,
        category=" › ".join(titles),
        category_slug=a.category_path[0] if a.category_path else "",
        summary=a.summary,
        body=plain_text(a.markdown),
        source=a.source,
        visibility=a.visibility,
        keywords=tuple(a.meta.keywords),
        tags=tuple(a.meta.tags),
        sections=tuple(sections),
    )


def search_entries(docs: list[IndexDoc]) -> list[dict[str, str]]:
    """Entries of Material's static search index: one per article and one per section."""
    out: list[dict[str, str]] = []
    for d in docs:
        intro = d.body
        if d.sections:  # the text before the first section heading
            cut = intro.find(d.sections[0].title)
            intro = intro[:cut] if cut >= 0 else intro
        out.append({"location": d.url, "title": d.title, "text": f"{d.summary} {intro}".strip()})
        for s in d.sections:
            out.append({"location": f"{d.url}#{s.anchor}", "title": s.title, "text": s.text})
    return out


def _index_job(docs: list[IndexDoc], index_dir: str, language: str) -> int:
    from .search import build_index

    return build_index(docs, Path(index_dir), language=language)


def _copy_index(src: Path, dst: Path) -> None:
    tmp = dst.with_name(dst.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp)
    shutil.rmtree(dst, ignore_errors=True)
    tmp.rename(dst)


def load_and_check(
    content_dir: Path,
    config: SiteConfig,
    previous: dict[str, object] | None = None,
    today: date | None = None,
    on_file: Callable[[int, int], None] | None = None,
) -> tuple[KnowledgeBase, list[Problem]]:
    """Load the content, add git history, and run every check."""
    kb = load_content(content_dir, config, on_file)
    apply_git_history(kb)
    return kb, check(kb, config, today=today, previous_manifest=previous)


def build_site(
    content_dir: Path,
    config: SiteConfig,
    output: Path,
    *,
    strict: bool = False,
    config_problems: list[Problem] | None = None,
    progress: Progress | None = None,
    today: date | None = None,
    workers: int | None = None,
) -> BuildReport:
    """Build the portals, indexes and manifests into ``output``.

    Raises BuildError listing every problem when an article cannot be built correctly or safely
    (or, under ``strict``, when there is any problem at all).
    """
    say = progress or (lambda _what, _done, _total: None)
    workers = workers or max(1, min(4, os.cpu_count() or 1))
    today = today or date.today()
    report = BuildReport(output)
    t0 = time.perf_counter()
    previous = read_manifest(output / PUBLIC)
    kb, problems = load_and_check(
        content_dir, config, previous, today, on_file=lambda d, t: say("Reading", d, t)
    )
    problems = list(config_problems or []) + problems
    report.problems = problems
    report.timings["load"] = time.perf_counter() - t0
    blocking = [p for p in problems if p.severity == "error" and p.code in BLOCKS_BUILD]
    if strict:
        blocking = problems
    if blocking:
        raise BuildError(f"build refused: {len(blocking)} problem(s) must be fixed first", blocking)
    public = [a for a in kb.articles if a.visibility == "public"]
    internal = [a for a in kb.articles if a.visibility == "internal"]
    report.public_articles, report.internal_articles = len(public), len(internal)
    report.drafts_skipped = sum(1 for a in kb.articles if a.visibility == "draft")
    output.mkdir(parents=True, exist_ok=True)
    index_root = output / "index"
    index_root.mkdir(exist_ok=True)
    lang = config.site.language
    say("Rendering and indexing", 0, 1)
    t1 = time.perf_counter()
    pub_docs = [to_index_doc(a, kb) for a in public]
    int_docs = [to_index_doc(a, kb) for a in internal]
    plan = plan_tree(kb, config, "public", today)
    iplan = plan_tree(kb, config, "internal", today)
    shards = split(plan, 2 if len(public) >= SHARD_ABOVE and workers > 1 else 1)
    work = output / ".work"
    report.timings["prepare"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    preload_mkdocs()  # imported once here, shared by every forked worker
    # Rendering and indexing are CPU-bound and independent: spread them over the cores,
    # longest first.
    with ProcessPoolExecutor(max_workers=workers, mp_context=_FORK) as pool:
        index_job = pool.submit(_index_job, pub_docs, str(index_root / "public"), lang)
        shard_jobs = [
            pool.submit(render_shard, part, config, work / "public" / f"part-{i}")
            for i, part in enumerate(shards)
        ]
        internal_index = (
            pool.submit(_index_job, pub_docs + int_docs, str(index_root / "internal"), lang)
            if int_docs
            else None
        )
        internal_job = (
            pool.submit(render_shard, iplan, config, work / "internal" / "part-0")
            if internal
            else None
        )
        jobs_total = len(shard_jobs) + 2
        results = []
        for done, job in enumerate(shard_jobs, 1):
            results.append(job.result())
            say("Rendering and indexing", done, jobs_total)
        report.timings["render"] = time.perf_counter() - t2
        assemble(
            [work / "public" / f"part-{i}" / "site" for i in range(len(shards))],
            output / "public",
            plan,
            config.site.url + "/",
            search_entries(pub_docs),
        )
        if internal_job is not None:
            internal_job.result()
            assemble(
                [work / "internal" / "part-0" / "site"],
                output / "internal",
                iplan,
                config.site.url + "/internal/",
                search_entries(int_docs),
            )
        else:
            shutil.rmtree(output / "internal", ignore_errors=True)
        index_job.result()
        say("Rendering and indexing", jobs_total - 1, jobs_total)
        if internal_index is not None:
            internal_index.result()
        else:  # no internal articles: the agents' index is the public one
            _copy_index(index_root / "public", index_root / "internal")
    report.timings["render_and_index"] = time.perf_counter() - t2
    report.incremental = all(r.incremental for r in results)
    report.pages_rebuilt = sum(r.rebuilt for r in results)
    redirects = redirect_map(plan)
    say("Rendering and indexing", 1, 1)
    write_json(output / PUBLIC, make_manifest(public, kb, config, redirects))
    write_json(output / INTERNAL, make_manifest(internal, kb, config, redirect_map(iplan)))
    report.timings["total"] = time.perf_counter() - t0
    log.info("build timings: %s", ", ".join(f"{k} {v:.2f}s" for k, v in report.timings.items()))
    return report
