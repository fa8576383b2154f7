"""The build pipeline, top to bottom.

load config -> load content -> git history -> check -> plan the public and internal portals ->
render them with MkDocs while the search indexes build in another process -> write manifests.

Public and internal outputs are separate trees and separate indexes, so no filter bug can put an
internal article into the public site: the public tree never holds one.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kb_builder.articles import KnowledgeBase, source_url
from kb_builder.assemble import assemble, redirect_map, write_entries
from kb_builder.buildcache import Cache, code_digest, digest, release_memory
from kb_builder.checks import BLOCKS_BUILD
from kb_builder.index.documents import (
    DOCS_CACHE,
    encode_titles,
    index_docs,
    meaning_text,
    search_entries,
    to_index_doc,
    update_indexes,
)
from kb_builder.index.documents import warm_up as warm_up_index
from kb_builder.index.fields import IndexDoc
from kb_builder.languages import withhold_translations
from kb_builder.load import load_and_check
from kb_builder.manifest import make_manifest
from kb_builder.pages import plan_tree
from kb_builder.parsecache import parse_ahead
from kb_builder.portals import (
    Portal,
    language_view,
    portal,
    prefixed,
    update_language_indexes,
)
from kb_builder.render import RenderResult, hand_over, render_part, split, warm_up
from kb_builder.schedule import moments, upcoming, withhold
from kb_builder.widget import widget_files
from kb_builder.workers import pool as worker_pool
from kb_builder.workers import start_all
from kb_core.config import SiteConfig
from kb_core.errors import BuildError, Problem
from kb_core.manifest import INTERNAL, PUBLIC, language_manifest, manifest_name, read_manifest
from kb_core.schedule import Change

log = logging.getLogger(__name__)

__all__ = ["BuildReport", "build_site", "load_and_check", "source_url", "to_index_doc"]

Progress = Callable[[str, int, int], None]  # (what, done, total)
SHARD_ABOVE = 200  # below this many articles one MkDocs run beats the cost of starting two
SHARD_MAX = 1000  # articles in one MkDocs run at most: a run holds all its pages in memory
_INDEX_CHANGES = ("unchanged", "updated", "rebuilt")  # what a build did to an index, least first


@dataclass
class BuildReport:
    output: Path
    public_articles: int = 0
    internal_articles: int = 0
    drafts_skipped: int = 0
    not_yet_published: int = 0  # outside their publishing window (public and internal)
    expired: int = 0
    as_of: datetime | None = None  # the moment windows were judged at
    next_change: Change | None = None  # when the output changes next, and why
    pages_rebuilt: int = 0
    incremental: bool = False
    index: str = ""  # the public search indexes: "unchanged", "updated" or "rebuilt" (the most)
    problems: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    # each other language's public portal: (articles translated, articles shown untranslated)
    languages: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def warnings(self) -> list[Problem]:
        """What the build went on with: the warnings, and the errors of `kb check` that do not
        block a build (a broken link, shown as its text), which are warnings here."""
        return [
            p if p.severity == "warning" else replace(p, severity="warning")
            for p in self.problems
            if p.severity == "warning" or p.code not in BLOCKS_BUILD
        ]


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
    at: datetime | None = None,
) -> BuildReport:
    """Build the portals, indexes and manifests into ``output``, as the site is at ``at``.

    ``at`` (default: now) decides which articles are inside their publishing window and which
    banners show; ``today`` (default: ``at``'s date) which articles are stale.

    Raises BuildError listing every problem when an article cannot be built correctly or safely
    (or, under ``strict``, when there is any problem at all).
    """
    say = progress or (lambda _what, _done, _total: None)
    workers = workers or max(1, min(4, os.cpu_count() or 1))
    today, at = moments(today, at)
    report = BuildReport(output, as_of=at)
    t0 = time.perf_counter()
    work = output / ".work"
    salt = f"{code_digest()} {content_dir.as_posix()}"
    # The workers start now, from a process of their own (kb_builder/workers.py: never forked
    # from this one, whatever threads it runs), before the content is loaded: those that render
    # import MkDocs, in parallel, while this process loads the content; the index worker
    # imports what it writes with (numpy, Whoosh's writer), which this one never needs.
    with worker_pool(1) as index_pool, worker_pool(workers, warm_up) as pool:
        index_pool.submit(warm_up_index)
        start_all(pool, workers)
        content_cache = Cache(work / "content.cache", salt)
        parse_ahead(content_dir, config, content_cache, index_pool.submit)
        # what an article's checks find depends on the configuration too
        check_cache = Cache(work / "checks.cache", f"{salt} {digest(config.model_dump_json())}")
        kb, problems = load_and_check(
            content_dir,
            config,
            read_manifest(output / PUBLIC),
            today,
            on_file=lambda d, t: say("Reading", d, t),
            cache=content_cache,
            at=at,
            check_cache=check_cache,
        )
        problems = list(config_problems or []) + problems
        report.problems = problems
        report.timings["load"] = time.perf_counter() - t0
        blocking = [p for p in problems if p.severity == "error" and p.code in BLOCKS_BUILD]
        if strict:
            blocking = problems
        if blocking:  # every problem at once, as `kb check` lists them: the rest as warnings
            rest = [] if strict else report.warnings
            raise BuildError(
                f"build refused: {len(blocking)} problem(s) must be fixed first", blocking + rest
            )
        content_cache.save()
        check_cache.save()
        del content_cache, check_cache
        # from here on, an article outside its window is not in the knowledge base at all
        withhold(kb, at)
        late = withhold_translations(kb, at)
        withheld = [a for a in kb.withheld if a.visibility != "draft"]
        report.not_yet_published = sum(1 for a in withheld if a.window(at) == "pending")
        report.expired = len(withheld) - report.not_yet_published
        sources = kb.articles + kb.withheld
        everything = sources + kb.translations + late
        report.next_change = upcoming(everything, config, at, ("public", "internal"))
        public = [a for a in kb.articles if a.visibility == "public"]
        internal = [a for a in kb.articles if a.visibility == "internal"]
        report.public_articles, report.internal_articles = len(public), len(internal)
        if config.semantic_search:  # the index worker starts on the titles' vectors at once
            texts = [meaning_text(a) for a in public + internal]
            index_pool.submit(encode_titles, texts, work, salt)
        report.drafts_skipped = sum(1 for a in sources if a.visibility == "draft")
        output.mkdir(parents=True, exist_ok=True)
        say("Rendering and indexing", 0, 1)
        t1 = time.perf_counter()
        # one public and one agents' portal per language: the default's at the root, the
        # others under their prefix ('fr/'), each from its language's view of the content
        langs = [portal(config, code, kb) for code in config.site.codes]
        views = {
            w.lang: (language_view(kb, w, "public"), language_view(kb, w, "internal"))
            for w in langs
        }
        plans = {
            w.lang: (
                plan_tree(views[w.lang][0], config, "public", today, at, w),
                plan_tree(views[w.lang][1], config, "internal", today, at, w),
            )
            for w in langs
        }
        has_internal = any(iplan.articles for _, iplan in plans.values())
        for w in langs[1:]:
            shown = plans[w.lang][0].articles
            fallbacks = sum(a.fallback for a in shown)
            report.languages[w.lang] = (len(shown) - fallbacks, fallbacks)
        plan, iplan = plans[config.site.language]
        count = shard_count(len(public), workers)
        public_parts: dict[str, int] = {}
        parts = []
        for w in langs:
            shards = split(plans[w.lang][0], count)
            public_parts[w.lang] = len(shards)
            parts += [(p, work / w.prefix / "public" / f"part-{i}") for i, p in enumerate(shards)]
        if has_internal:
            parts += [
                (split(plans[w.lang][1], 1)[0], work / w.prefix / "internal" / "part-0")
                for w in langs
            ]
        report.timings["prepare"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        # Every part goes to the workers in a file (hand_over), each worker starting on one at
        # once and the rest queued behind them; the indexes build in one more worker meanwhile.
        # This process lets the pages' text go (49 MB at cpp-docs) before it makes the search
        # documents, its largest moment. ``shards`` held the last language's parts.
        jobs = [pool.submit(render_part, hand_over(p, w), config) for p, w in parts]
        del parts, shards
        for tree_plans in plans.values():
            for p in tree_plans:
                p.files = dict.fromkeys(p.files, "")  # assembling the portals needs the paths
        docs_cache = Cache(work / DOCS_CACHE, salt)
        pub_docs, pub_keys = index_docs(public, kb, docs_cache)
        int_docs, int_keys = index_docs(internal, kb, docs_cache)
        for a in kb.articles:  # what is left to do of their text is in their documents now
            a.markdown = ""
        saved = docs_cache.save()
        del docs_cache
        pub_entries, int_entries = work / "search-public.json", work / "search-internal.json"
        write_entries(pub_entries, search_entries(pub_docs))
        write_entries(int_entries, search_entries(int_docs))
        if saved:  # the worker reads them from the saved cache: this process lets them go first
            pub_docs, int_docs = [], []
            release_memory()
        index_jobs = [
            index_pool.submit(
                update_indexes,
                pub_keys if saved else pub_docs,
                int_keys if saved else int_docs,
                output / "index",
                work,
                config.site.language,
                salt,
                config.semantic_search,
            )
        ]
        for w in langs[1:]:
            index_jobs.append(
                index_pool.submit(
                    update_language_indexes, *language_docs(w, views[w.lang], work, salt, output)
                )
            )
        # What is left to do needs neither the articles' text nor the pages' (only their
        # paths): let them go while the workers run, which halves this process's memory.
        del pub_docs, int_docs
        for a in kb.translations:  # the other languages' documents are made
            a.markdown = ""
        release_memory()
        results: list[RenderResult] = []
        indexing: set[Future[Any]] = set(index_jobs)
        waiting: set[Future[Any]] = {*jobs, *indexing}
        while waiting - indexing:  # a pool is shut down once its work is done, and its
            done, waiting = wait(waiting, return_when=FIRST_COMPLETED)  # memory goes with it
            for job in done & indexing:
                job.result()
            if indexing and not waiting & indexing:
                index_pool.shutdown()
                indexing = set()
            results += [job.result() for job in done if job not in index_jobs]
            say("Rendering and indexing", len(results), len(jobs) + 1)
        pool.shutdown()
        report.timings["render"] = time.perf_counter() - t2
        others = [w.prefix.rstrip("/") for w in langs[1:]]
        for w in langs:
            lplan, liplan = plans[w.lang]
            here = work / w.prefix
            assemble(
                [here / "public" / f"part-{i}" / "site" for i in range(public_parts[w.lang])],
                output / "public" / w.prefix,
                lplan,
                config.site.url + "/" + w.prefix,
                here / "search-public.json",
                widget_files(config) if w.is_default else None,
                others if w.is_default else (),
            )
            if has_internal:
                site = here / "internal" / "part-0" / "site"
                assemble(
                    [site],
                    output / "internal" / w.prefix,
                    liplan,
                    config.site.url + "/internal/" + w.prefix,
                    here / "search-internal.json",
                    None,
                    others if w.is_default else (),
                )
        if not has_internal:
            shutil.rmtree(output / "internal", ignore_errors=True)
        # the agents' index and portal hold the public articles too; the default language's
        # manifests are written last: the app reloads when manifest.json changes
        for w in reversed(langs):
            lplan, liplan = plans[w.lang]
            for levels, p, name in (
                (("public",), lplan, PUBLIC),
                (("public", "internal"), liplan, INTERNAL),
            ):
                change = upcoming(everything, config, at, levels)
                if w.is_default:
                    arts = public if p is lplan else internal
                    make_manifest(arts, kb, config, redirect_map(p), at, change).write(
                        output / name
                    )
                    continue
                view = views[w.lang][0 if p is lplan else 1]
                made = make_manifest(p.articles, view, config, redirect_map(p), at, change)
                language_manifest(made, w.lang, w.prefix).write(
                    output / manifest_name(name, w.lang)
                )
        report.timings["publish"] = time.perf_counter() - t2 - report.timings["render"]
        # The index worker may still be encoding sections, its busiest moment: what this process
        # freed (the pages' plans, the manifests' data) goes back to the system meanwhile.
        gc.collect()
        release_memory()
        # every language's public index: adding a translation changes only its language's
        changed: list[str] = [job.result() for job in index_jobs]
        report.index = max(changed, key=_INDEX_CHANGES.index)
        say("Rendering and indexing", len(jobs) + 1, len(jobs) + 1)
    report.incremental = all(r.incremental for r in results)
    report.pages_rebuilt = sum(r.rebuilt for r in results)
    report.timings["total"] = time.perf_counter() - t0
    log.info("build timings: %s", ", ".join(f"{k} {v:.2f}s" for k, v in report.timings.items()))
    return report


def language_docs(
    where: Portal, views: tuple[KnowledgeBase, KnowledgeBase], work: Path, salt: str, output: Path
) -> tuple[list[IndexDoc], list[IndexDoc], Path, Path, str, str]:
    """The arguments of :func:`update_language_indexes` for another language's portals; its
    static search entries are written on the way (URLs inside its portal)."""
    public_view, agents_view = views
    here = work / where.prefix
    cache = Cache(here / DOCS_CACHE, salt)
    pub = [a for a in public_view.articles if a.visibility == "public"]
    agents = [a for a in agents_view.articles if a.visibility in ("public", "internal")]
    pub_docs, _ = index_docs(pub, public_view, cache)
    agent_docs, _ = index_docs(agents, agents_view, cache)
    cache.save()
    write_entries(here / "search-public.json", search_entries(pub_docs))
    internal = [d for d in agent_docs if d.visibility == "internal"]
    write_entries(here / "search-internal.json", search_entries(internal))
    public_docs, all_docs = prefixed(pub_docs, where.prefix), prefixed(agent_docs, where.prefix)
    return public_docs, all_docs, output / "index" / where.lang, here, where.lang, salt


def shard_count(articles: int, workers: int) -> int:
    """Parts to render a tree in: one per worker, and more for huge trees to bound memory."""
    if articles < SHARD_ABOVE or workers < 2:
        return 1
    return max(workers, -(-articles // SHARD_MAX))
