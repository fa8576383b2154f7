"""Measure kb-portal search: quality against Material's search and plain BM25, and speed.

    .venv/bin/python bench/search_eval.py [--corpus stackfaq] [--group 1] [--misses]
        [--speed [--baseline REV]]

Quality (stackfaq, ../shared/corpora/stackfaq): our index, Material for MkDocs' own search
(a real ``mkdocs build`` of the same files, queried through ../shared/tools/material_search.js)
and plain BM25 over full text (one unstemmed field, OR), all run on the same queries in the
same run. Tune on group 0 only; group 1 is the held-out set. Also runs bench/queries/*.csv
(realistic customer queries) against content/ when that example knowledge base is present, and
bench/queries/corpus/*.csv (customer-style queries we wrote, never tuned on) against two real
help centers in ../shared/corpora. "kb-portal" is our search as built by default (with the
rerank by meaning); "kb-words" the same index without title vectors.

Speed (--speed): index build time and in-process query latency (p50/p99) at 125, 2,459 and
9,746 articles with a fixed list of 2-3 word queries; ``--baseline REV`` measures a git
revision's ``kb_builder`` and ``kb_core`` (the build and the search) alongside, alternating,
so both see the same machine load.
"""

from __future__ import annotations

import argparse
import csv
import gc
import heapq
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import frontmatter
from markdown.extensions.toc import slugify, unique

ROOT = Path(__file__).resolve().parents[1]
# KB_BENCH_CODE: measure another checkout's kb_builder (run_speed's baseline) on the same data
sys.path.insert(0, os.environ.get("KB_BENCH_CODE", str(ROOT)))

from kb_builder.buildcache import Cache  # noqa: E402
from kb_builder.index.fields import IndexDoc, Section  # noqa: E402
from kb_builder.index.writer import build_index  # noqa: E402
from kb_core.search.searcher import Searcher  # noqa: E402

SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"
MATERIAL_JS = SHARED / "tools" / "material_search.js"
QUERIES_DIR = Path(__file__).resolve().parent / "queries"
PYTHON = Path(sys.executable)

Ranker = Callable[[str], list[str]]  # query -> ranked article keys

# --------------------------------------------------------------------------- loading Markdown

_BM25_WORD = re.compile(r"[a-z0-9]+")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def strip_markdown(text: str) -> str:
    """Markdown reduced to plain text, crudely (links keep their words, markup goes)."""
    text = re.sub(r"<[^>\n]+>", " ", text)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"^[#>\s|*+-]+|[*_`|~]+|:::.*$", " ", text, flags=re.MULTILINE)
    return re.sub(r"[ \t]+", " ", text).strip()


def load_markdown(path: Path, root: Path) -> IndexDoc:
    """One .md file as an IndexDoc: title from front matter or first heading, ## sections."""
    post = frontmatter.load(str(path))
    meta = post.metadata
    lines = post.content.splitlines()
    title = str(meta.get("title") or "")
    seen: set[str] = set()
    sections: list[tuple[str, str, int, list[str]]] = []
    body: list[str] = []
    fenced = False
    for line in lines:
        if _FENCE.match(line):
            fenced = not fenced
            continue
        m = None if fenced else _HEADING.match(line)
        if m and len(m.group(1)) == 1 and not title:
            title = m.group(2)
            continue
        if m and len(m.group(1)) in (2, 3):
            heading = strip_markdown(m.group(2))
            anchor = unique(slugify(heading, "-"), seen)
            sections.append((anchor, heading, len(m.group(1)), []))
        elif sections:
            sections[-1][3].append(line)
        body.append(line)
    rel = path.relative_to(root)
    raw = meta.get("keywords") or ()
    keywords: list[object] = (
        [k.strip() for k in raw.split(",")] if isinstance(raw, str) else list(raw)  # type: ignore[call-overload]
    )
    return IndexDoc(
        id=rel.with_suffix("").as_posix().replace("/", "-"),
        title=title or path.stem.replace("-", " "),
        url=rel.with_suffix("").as_posix() + "/",
        category=rel.parts[0] if len(rel.parts) > 1 else "",
        category_slug=rel.parts[0] if len(rel.parts) > 1 else "",
        summary=str(meta.get("summary") or meta.get("description") or ""),
        body=strip_markdown("\n".join(body)),
        source=rel.as_posix(),
        keywords=tuple(str(k) for k in keywords),
        sections=tuple(
            Section(anchor, heading, strip_markdown("\n".join(text)), level)
            for anchor, heading, level, text in sections
        ),
    )


def load_corpus(root: Path) -> tuple[list[IndexDoc], str]:
    """The public articles under ``root`` as IndexDocs, and which loader read them.

    The project's own loader (kb_builder.content + kb_builder.build.to_index_doc, what
    ``kb build`` indexes) when it is there, else the crude one above.
    """
    try:
        from kb_builder.build import to_index_doc
        from kb_builder.content import load_content
        from kb_core.config import SiteConfig
    except ImportError:
        return [load_markdown(p, root) for p in sorted(root.rglob("*.md"))], "bench loader"
    kb = load_content(root, SiteConfig())
    docs = [to_index_doc(a, kb) for a in kb.articles if a.visibility == "public"]
    return docs, "kb_builder.content"


def load_content_kb() -> tuple[list[IndexDoc], tuple[tuple[str, ...], ...]] | None:
    """The example knowledge base in content/ (public articles) and its synonyms."""
    content = ROOT / "content"
    if not content.is_dir() or not any(content.rglob("*.md")):
        return None
    try:
        from kb_builder.build import to_index_doc
        from kb_builder.content import load_content
        from kb_core.config import load_config
    except ImportError:
        docs = [d for d in load_corpus(content)[0] if not Path(d.source).name.startswith("_")]
        return docs, ()
    config, _problems = load_config(ROOT / "site_config.yml")
    kb = load_content(content, config)
    docs = [to_index_doc(a, kb) for a in kb.articles if a.visibility == "public"]
    return docs, config.search.synonyms


def key(path_or_url: str) -> str:
    """What identifies an article across engines: its file name without extension."""
    return Path(path_or_url.split("#")[0].rstrip("/")).stem


# --------------------------------------------------------------------------- engines


def ours(
    docs: Sequence[IndexDoc], workdir: Path, *, semantic: bool = True, **kw: object
) -> tuple[Ranker, Searcher]:
    """Our search as ``kb build`` indexes it: with title vectors (``search.semantic``, the
    default) or, ``semantic=False``, words only."""
    from kb_builder.index.documents import title_vectors

    where = workdir / ("ours" if semantic else "ours-words")
    vectors = title_vectors(list(docs), Cache(None, "")) if semantic else None
    build_index(docs, where, vectors=vectors)
    searcher = Searcher(where, **kw)  # type: ignore[arg-type]

    def rank(q: str) -> list[str]:
        return [key(h.source) for h in searcher.search(q, limit=10).results]

    return rank, searcher


def plain_bm25(docs: Sequence[IndexDoc]) -> Ranker:
    """Textbook BM25 over full text (title and body as one field): lower-cased ``[a-z0-9]+``
    words, no stemming or stop words, OR, k1 = 1.2, b = 0.75, idf = ln(1 + (N - n + 0.5) /
    (n + 0.5)). The reference baseline of ../shared/corpora/stackfaq/SOURCE.md.

    Written out rather than taken from Whoosh, whose BM25F uses another idf and rounds
    field lengths to a byte, which put it ten points of hit@1 below the reference.
    """
    k1, b = 1.2, 0.75
    postings: dict[str, list[tuple[int, int]]] = {}
    lengths: list[int] = []
    keys: list[str] = []
    for i, d in enumerate(docs):
        words = _BM25_WORD.findall(f"{d.title}\n{d.body}".lower())
        keys.append(key(d.source))
        lengths.append(len(words))
        for term, tf in Counter(words).items():
            postings.setdefault(term, []).append((i, tf))
    n_docs = len(docs)
    average = sum(lengths) / max(1, n_docs)
    norm = [k1 * (1 - b + b * n / average) for n in lengths]

    def rank(q: str) -> list[str]:
        scores: dict[int, float] = {}
        for term in set(_BM25_WORD.findall(q.lower())):
            found = postings.get(term, ())
            idf = math.log(1 + (n_docs - len(found) + 0.5) / (len(found) + 0.5))
            for i, tf in found:
                scores[i] = scores.get(i, 0.0) + idf * tf * (k1 + 1) / (tf + norm[i])
        return [keys[i] for i in heapq.nlargest(10, scores, key=scores.__getitem__)]

    return rank


def material(
    root: Path, articles: Sequence[Path], queries: Sequence[tuple[str, str]], workdir: Path
) -> Ranker:
    """Material for MkDocs' search on a plain ``mkdocs build`` of the same Markdown files."""
    site = workdir / "mkdocs"
    docs_dir = site / "docs"
    docs_dir.mkdir(parents=True)
    for p in articles:
        target = docs_dir / p.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(p, target)
    (docs_dir / "index.md").write_text("# Home\n", encoding="utf-8")
    (site / "mkdocs.yml").write_text(
        "site_name: eval\ntheme:\n  name: material\nplugins:\n  - search\n", encoding="utf-8"
    )
    subprocess.run(
        [
            str(PYTHON.parent / "mkdocs"),
            "build",
            "-q",
            "-f",
            str(site / "mkdocs.yml"),
            "-d",
            str(site / "site"),
        ],
        check=True,
        capture_output=True,
    )
    qfile, out = workdir / "material_queries.csv", workdir / "material.jsonl"
    with qfile.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["query_id", "query"])
        w.writerows(queries)
    env = {**os.environ, "MATERIAL_PYTHON": str(PYTHON)}
    subprocess.run(
        [
            "node",
            str(MATERIAL_JS),
            "--index",
            str(site / "site/search/search_index.json"),
            "--queries",
            str(qfile),
            "--out",
            str(out),
            "--k",
            "10",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    by_query: dict[str, list[str]] = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        by_query[row["query"]] = [key(p) for p in row["pages"]]
    return lambda q: by_query.get(q, [])


# --------------------------------------------------------------------------- scoring


@dataclass
class Score:
    n: int = 0
    hit1: int = 0
    hit5: int = 0
    rr: float = 0.0
    zero: int = 0

    def add(self, ranked: list[str], relevant: set[str]) -> None:
        self.n += 1
        self.zero += not ranked
        for i, key in enumerate(ranked[:10], 1):
            if key in relevant:
                self.hit1 += i == 1
                self.hit5 += i <= 5
                self.rr += 1 / i
                break

    def row(self) -> str:
        n = max(self.n, 1)
        return f"{self.hit1 / n:7.3f} {self.hit5 / n:7.3f} {self.rr / n:7.3f} {self.zero:6d}"


def evaluate(
    engines: dict[str, Ranker], queries: Iterable[tuple[str, set[str], str]]
) -> dict[tuple[str, str], Score]:
    scores: dict[tuple[str, str], Score] = {}
    for query, relevant, group in queries:
        for name, rank in engines.items():
            ranked = rank(query)
            scores.setdefault((name, group), Score()).add(ranked, relevant)
            scores.setdefault((name, "all"), Score()).add(ranked, relevant)
    return scores


def print_table(title: str, scores: dict[tuple[str, str], Score], engines: Sequence[str]) -> None:
    groups = sorted({g for _, g in scores}, key=lambda g: (g == "all", g))
    print(f"\n{title}")
    print(
        f"{'engine':<14}{'group':>6} {'n':>5} {'hit@1':>7} {'hit@5':>7} {'MRR@10':>7} {'zero':>6}"
    )
    for name in engines:
        for g in groups:
            s = scores.get((name, g))
            if s:
                print(f"{name:<14}{g:>6} {s.n:5d} {s.row()}")


# --------------------------------------------------------------------------- corpora


def run_stackfaq(group: str | None, verbose: bool) -> None:
    base = CORPORA / "stackfaq"
    articles = sorted((base / "articles").glob("*.md"))
    docs, loader = load_corpus(base / "articles")
    with (base / "queries.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if group is None or r["group"] == group]
    expected = {r["query_id"]: key(r["article"]) for r in rows}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rank, searcher = ours(docs, work)
        words, words_searcher = ours(docs, work, semantic=False)
        engines: dict[str, Ranker] = {
            "kb-portal": rank,
            "kb-words": words,
            "material": material(
                base / "articles", articles, [(r["query_id"], r["query"]) for r in rows], work
            ),
            "plain-bm25": plain_bm25(docs),
        }
        scores = evaluate(
            engines, ((r["query"], {expected[r["query_id"]]}, r["group"]) for r in rows)
        )
        if verbose:
            for r in rows:
                got = rank(r["query"])
                if not got or got[0] != expected[r["query_id"]]:
                    print(
                        f"  miss g{r['group']} {r['query']!r}: want {expected[r['query_id']]}"
                        f" got {got[:3]}"
                    )
        searcher.close()
        words_searcher.close()
    print_table(
        f"stackfaq ({len(docs)} articles read by {loader}; group 0 = tuning, group 1 = held out)",
        scores,
        list(engines),
    )


def engines_for(
    docs: Sequence[IndexDoc],
    root: Path,
    sources: Sequence[Path],
    queries: Sequence[tuple[str, set[str], str]],
    work: Path,
    **kw: object,
) -> tuple[dict[str, Ranker], tuple[Searcher, Searcher]]:
    """Ours (with meaning, and words only), Material's and plain BM25 on the same articles;
    and our two searchers, to close."""
    rank, searcher = ours(docs, work, **kw)
    words, words_searcher = ours(docs, work, semantic=False, **kw)
    engines: dict[str, Ranker] = {
        "kb-portal": rank,
        "kb-words": words,
        "material": material(
            root, sources, [(str(i), q) for i, (q, _, _) in enumerate(queries)], work
        ),
        "plain-bm25": plain_bm25(docs),
    }
    return engines, (searcher, words_searcher)


def run_customer_queries(query_set: str | None = None) -> None:
    """Realistic customer queries (bench/queries/*.csv, or ``query_set``'s content.csv)
    against the example KB in content/."""
    loaded = load_content_kb()
    files = (
        sorted(QUERIES_DIR.glob("*.csv"))
        if query_set is None
        else [p for p in [QUERIES_DIR / query_set / "content.csv"] if p.is_file()]
    )
    if loaded is None or not files:
        print("\ncustomer queries: content/ or bench/queries/*.csv not present; skipped")
        return
    docs, synonyms = loaded
    known = {key(d.source) for d in docs}
    queries: list[tuple[str, set[str], str]] = []
    for path in files:
        with path.open(encoding="utf-8") as f:
            for r in csv.DictReader(f):
                want = {w.strip() for w in r["expected"].split("|")}
                if want - known:
                    print(f"  {path.name}: {r['query']!r} expects unknown {want - known}")
                queries.append((r["query"], want, r.get("kind") or path.stem))
    content = ROOT / "content"
    sources = [content / d.source for d in docs]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        engines, (searcher, words_searcher) = engines_for(
            docs, content, sources, queries, work, synonyms=synonyms
        )
        scores = evaluate(engines, queries)
        for q, want, _ in queries:
            resp = searcher.search(q)
            got = [key(h.source) for h in resp.results]
            mark = (
                "ok" if got[:1] and got[0] in want else ("top5" if set(got[:5]) & want else "MISS")
            )
            extra = f"  (did you mean {resp.did_you_mean!r})" if resp.did_you_mean else ""
            print(f"  {mark:4} {q!r:42} -> {got[0] if got else '-'}{extra}")
        searcher.close()
        words_searcher.close()
    print_table(
        f"customer queries on content/ ({len(docs)} public articles, site_config.yml synonyms)",
        scores,
        list(engines),
    )


HELP_CENTERS = {  # bench/queries/corpus/<name>.csv: queries written by us for real help centers
    "duckduckgo-help": CORPORA / "duckduckgo-help" / "_docs",
    "plausible-docs": CORPORA / "plausible-docs" / "docs",
}


HELD_OUT_SETS = ("corpus", "fresh")  # bench/queries folders never tuned on: misses not listed


def run_help_centers(query_set: str = "corpus", misses: bool = False) -> None:
    """Customer-style queries (short, questions, typos, symptoms) that we wrote, without
    running any search, for two real help centers in ../shared/corpora: never tuned on, so a
    check that what was tuned on stackfaq generalises. Articles are matched by file name.
    ``query_set``: the folder of bench/queries holding <corpus>.csv; ``misses``: list the
    queries whose expected article is not first (training sets only, never HELD_OUT_SETS)."""
    held_out = "held out: never tuned on"
    for name, root in HELP_CENTERS.items():
        path = QUERIES_DIR / query_set / f"{name}.csv"
        if not root.is_dir() or not path.is_file():
            print(f"\n{name}: {root} or {path} not present; skipped")
            continue
        docs, loader = load_corpus(root)
        known = {key(d.source) for d in docs}
        with path.open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        queries = []
        for r in rows:
            want = {key(w.strip() + ".md") for w in r["expected"].split("|")}  # "a.index" too
            if want - known:
                print(f"  {path.name}: {r['query']!r} expects unknown {want - known}")
            queries.append((r["query"], want, r.get("kind") or "question"))
        sources = [root / d.source for d in docs]
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            engines, (searcher, words_searcher) = engines_for(docs, root, sources, queries, work)
            scores = evaluate(engines, queries)
            if misses and query_set not in HELD_OUT_SETS:
                print_misses(searcher, queries)
            searcher.close()
            words_searcher.close()
        print_table(
            f"{name}: {len(queries)} customer-style queries by kind, {len(docs)} articles "
            f"read by {loader} ({held_out if query_set == 'corpus' else query_set})",
            scores,
            list(engines),
        )


def print_misses(searcher: Searcher, queries: Iterable[tuple[str, set[str], str]]) -> None:
    """Each query whose expected article is not ranked first: where it is, and what leads."""
    for q, want, kind in queries:
        got = [key(h.source) for h in searcher.search(q, limit=10).results]
        if got[:1] and got[0] in want:
            continue
        at = next((str(i) for i, g in enumerate(got, 1) if g in want), "-")
        print(f"  MISS[{at}] {kind:8} {q!r:60} want {'|'.join(sorted(want))} got {got[:3]}")


SPEED_QUERIES = [
    "reset password",
    "outlook crashes",
    "sign in error",
    "shared mailbox permissions",
    "compiler warning",
    "memory leak",
    "linker error",
    "class template",
    "calendar sync",
    "meeting recording",
    "install update",
    "license activation",
    "delete account",
    "string conversion",
    "exception handling",
    "file not found",
    "email attachment size",
    "teams notifications",
    "search not working",
    "performance slow startup",
]


def _percentiles(ms: list[float]) -> tuple[float, float]:
    ms = sorted(ms)
    return statistics.median(ms), ms[min(len(ms) - 1, int(len(ms) * 0.99))]


SPEED_CORPORA = {
    "stackfaq": CORPORA / "stackfaq" / "articles",
    "officedocs-support": CORPORA / "officedocs-support",
    "cpp-docs": CORPORA / "cpp-docs" / "docs",
}


def measure_speed(root: Path, rounds: int = 5) -> dict[str, float]:
    """Build an index of the articles under ``root`` and time searches on it.

    Latency is wall-clock per ``Searcher.search`` call; "cpu" is the calling thread's CPU
    time, which other processes competing for the cores do not inflate.
    """
    t0 = time.perf_counter()
    docs, _loader = load_corpus(root)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        try:  # a --baseline revision may predate title vectors
            from kb_builder.index.documents import title_vectors
            from kb_core.semantic import encoder
        except ImportError:
            count = build_index(docs, Path(tmp) / "ix", procs=2, limitmb=256)
            t_vec, encoder = 0.0, None
        else:  # as kb build does, in its index worker
            vectors = title_vectors(docs, Cache(None, ""))
            t_vec = time.perf_counter() - t1
            count = build_index(docs, Path(tmp) / "ix", procs=2, limitmb=256, vectors=vectors)
        t2 = time.perf_counter()
        # Measure searches as a web worker runs them: without 10,000 loaded articles in
        # memory, whose garbage-collector passes would be charged to random queries.
        del docs
        gc.collect()
        size = sum(f.stat().st_size for f in (Path(tmp) / "ix").iterdir()) / 1e6
        with Searcher(Path(tmp) / "ix") as searcher:
            # An unknown word waits for the spelling table the searcher builds in the
            # background when it opens, which would otherwise compete with the first rounds.
            searcher.search("zzkbwarmup")
            for q in SPEED_QUERIES:
                searcher.search(q)
            wall: list[float] = []
            cpu: list[float] = []
            suggest: list[float] = []
            encoded = encoder().encoded if encoder else 0
            for _ in range(rounds):
                for q in SPEED_QUERIES:
                    w, c = time.perf_counter(), time.thread_time()
                    searcher.search(q)
                    cpu.append((time.thread_time() - c) * 1000)
                    wall.append((time.perf_counter() - w) * 1000)
                    for i in (2, 4):
                        w = time.perf_counter()
                        searcher.suggest(q[:i])
                        suggest.append((time.perf_counter() - w) * 1000)
            encoded = encoder().encoded - encoded if encoder else 0
    p50, p99 = _percentiles(wall)
    c50, c99 = _percentiles(cpu)
    return {
        "articles": count,
        "load": t1 - t0,
        "index": t2 - t1,
        "vectors": t_vec,
        "reranked": encoded / (rounds * len(SPEED_QUERIES)),
        "mb": size,
        "p50": p50,
        "p99": p99,
        "cpu50": c50,
        "cpu99": c99,
        "suggest50": _percentiles(suggest)[0],
        "loadavg": os.getloadavg()[0],
    }


def _speed_in_subprocess(name: str, code_root: Path | None) -> dict[str, float]:
    env = dict(os.environ)
    if code_root is not None:
        env["KB_BENCH_CODE"] = str(code_root)
    out = subprocess.run(
        [str(PYTHON), __file__, "--speed-one", name],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return json.loads(out.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def run_speed(baseline: str | None = None) -> None:
    """Index build time and query latency at three sizes; with ``baseline`` (a git revision),
    the same measurements of that revision's ``kb_builder``, corpus by corpus, alternating
    with ours, each in a fresh process: the machine's noise then hits both alike."""
    print(
        f"\nspeed: {len(SPEED_QUERIES)} queries x 5 rounds after a warm-up round, "
        "in-process; index built with procs=2 (procs=1 below 500 articles), limitmb=256"
    )
    print(
        f"{'corpus':<19}{'code':>9}{'articles':>9}{'load s':>8}{'index s':>8}{'vec s':>7}"
        f"{'MB':>6}{'p50 ms':>8}{'p99 ms':>8}{'cpu p50':>8}{'cpu p99':>8}{'suggest p50':>12}"
        f"{'reranked':>9}{'load avg':>9}"
    )
    print("  (index s includes vec s, the title vectors; reranked: searches that met the gate)")
    with tempfile.TemporaryDirectory() as tmp:
        code: list[tuple[str, Path | None]] = [("this", None)]
        if baseline:
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", baseline, "kb_builder", "kb_core"],
                check=True,
                capture_output=True,
            ).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
            code.insert(0, (baseline[:9], Path(tmp)))
        for name, root in SPEED_CORPORA.items():
            for label, code_root in code:
                if baseline:
                    m = _speed_in_subprocess(name, code_root)
                else:
                    m = measure_speed(root)
                print(
                    f"{name:<19}{label:>9}{m['articles']:9.0f}{m['load']:8.1f}{m['index']:8.1f}"
                    f"{m['vectors']:7.1f}{m['mb']:6.0f}{m['p50']:8.2f}{m['p99']:8.2f}"
                    f"{m['cpu50']:8.2f}{m['cpu99']:8.2f}{m['suggest50']:12.2f}"
                    f"{m['reranked']:9.0%}{m['loadavg']:9.1f}",
                    flush=True,
                )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--corpus",
        choices=["stackfaq", "content", "help-centers", "none"],
        default=None,
        help="only this quality benchmark (default: stackfaq, content and help-centers)",
    )
    ap.add_argument("--group", choices=["0", "1"], help="only this stackfaq query group")
    ap.add_argument("--speed", action="store_true", help="also measure build time and latency")
    ap.add_argument("--misses", action="store_true", help="list the queries we rank wrong")
    ap.add_argument(
        "--queries",
        metavar="SET",
        help="content and help-centers: the queries in bench/queries/SET/ (content.csv, "
        "<corpus>.csv, kind column) instead of the default sets, e.g. typos_train",
    )
    ap.add_argument(
        "--baseline",
        metavar="REV",
        help="with --speed: also measure this git revision's kb_builder and kb_core, side by side",
    )
    ap.add_argument("--speed-one", choices=sorted(SPEED_CORPORA), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.speed_one:  # one measurement for run_speed, as a line of JSON
        print(json.dumps(measure_speed(SPEED_CORPORA[args.speed_one])))
        return
    if not CORPORA.is_dir():
        sys.exit(f"{CORPORA} not found: the benchmark corpora live in ../shared")
    if args.corpus in (None, "stackfaq"):
        run_stackfaq(args.group, args.misses)
    if args.corpus in (None, "content"):
        run_customer_queries(args.queries)
    if args.corpus in (None, "help-centers"):
        run_help_centers(args.queries or "corpus", args.misses)
    if args.speed:
        run_speed(args.baseline)


if __name__ == "__main__":
    main()
