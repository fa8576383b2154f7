"""Benchmark ``kb gaps``: a million logged searches, and grouping quality on banking77.

    .venv/bin/python bench/gaps_bench.py                       # SQLite, 1,000,000 searches
    .venv/bin/python bench/gaps_bench.py --rows 200000         # smaller
    .venv/bin/python bench/gaps_bench.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

The log is built from banking77's 13,083 real customer queries (train + test) with realistic
noise: case, typos (a letter dropped, doubled, swapped or replaced), plurals and trailing
punctuation; a fifth of the sessions search through the widget on one of 400 host pages. A
fixed set of intents has no article (every search for them finds nothing); typos sometimes
find nothing too. Sessions add result clicks, article views, ratings on two revisions, and
contact requests (more often after a failed search) with their context.
Rows go in through the store's own tables and migrations, in big executemany transactions.

Prints grouping quality first: a word-similarity sweep on banking77's train split (where the
default is tuned), a sweep of the word-meaning cosines (``gaps_meaning``, learned from the
train and test queries as an unlabelled log: the fallback without an encoder), a sweep of the
sentence-meaning word pass and linkage cut (``gaps_semantic``, on 40 train queries per intent:
the test split's size and shape), then the held-out test split with words only, learned
meaning and sentence meaning side by side, next to exact-normalised-string grouping, with
purity, inverse purity and the share of intents mostly in one group (definitions printed).
Then the time of ``kb gaps`` over the whole log (median of 3) next to a baseline, the report's
two search-log aggregations alone (the SQL any such report must run): words only; with
sentence meaning on a cold vector cache (the first report, encoding what the store has not
seen: once); and on the warm cache. Last, the quality figures over the log's failed searches
of the report's window.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# One BLAS thread, set before anything imports numpy (kb_core.search.searcher does): OpenBLAS's
# threads made the word-vector algebra 10 times slower, and noisy, on a busy two-core machine.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sqlalchemy as sa  # noqa: E402
import yaml  # noqa: E402
from click.testing import CliRunner  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb_cli.gaps import gaps  # noqa: E402
from kb_core.config import GapSettings  # noqa: E402
from kb_core.search.searcher import normalize_query  # noqa: E402
from kb_reports.gaps import analysis as gaps_analysis  # noqa: E402
from kb_reports.gaps import semantic as sem  # noqa: E402
from kb_reports.gaps.grouping import Grouper  # noqa: E402
from kb_reports.gaps.meaning import CONFIRM_SIMILARITY, MEANING_SIMILARITY  # noqa: E402
from kb_reports.gaps.quality import Scores, scores  # noqa: E402
from kb_store import store as st  # noqa: E402
from kb_store import vectors as vector_cache  # noqa: E402
from kb_store.tables import metadata, searches  # noqa: E402

DATA = ROOT.parent / "shared" / "corpora" / "banking77" / "banking_data"
DAYS = 120
TOPICS = ("Cards", "Payments", "Transfers", "Top-ups", "Account", "Something else")
REASONS = (
    "It didn't answer my question",
    "It was hard to follow",
    "It's out of date",
    "Something didn't work",
)
BATCH = 50_000
SCHEMA = "gaps_bench"  # PostgreSQL schema of the benchmark's tables
SWEEP = (0.3, 0.33, 0.36, 0.4, 0.45, 0.5)  # similarity thresholds tried on the train split
CONFIRM_SWEEP = (0.85, 0.9, 0.95)  # gaps_meaning cosines tried on the train split
MEANING_SWEEP = (0.78, 0.8, 0.82, 0.85)
MIN_PURITY = 0.8  # groups must stay this pure
# Sentence meaning (gaps_semantic): word pass similarity x average-linkage cut, tried on a
# sample of the train split the size and shape of the test split (40 queries per intent).
WORD_SWEEP = (0.5, 0.7, 1.0)
LINKAGE_SWEEP = (0.40, 0.42, 0.44, 0.46, 0.48, 0.50)
MIN_PURITY_SENTENCES = 0.78  # a margin above the 0.75 the grouping must keep on unseen queries
PER_INTENT = 40
# A share of sessions search through the widget on one of the customer's own pages (a few
# pages get most of them), so the report's "widget host pages" section has a log to sweep.
WIDGET_SHARE = 0.2
HOSTS = [f"https://app.example.com/page/{i}" for i in range(400)]
HOST_WEIGHTS = [1 / (i + 1) for i in range(len(HOSTS))]
CONFIGURED = GapSettings().group_similarity  # what `kb gaps` uses unless configured


def load(split: str) -> list[tuple[str, str]]:
    with open(DATA / f"{split}.csv", newline="", encoding="utf-8") as f:
        return [(r["text"], r["category"]) for r in csv.DictReader(f)]


# -- noise ------------------------------------------------------------------------------------


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.3:
        return word[:i] + word[i + 1 :]
    if kind < 0.5:
        return word[:i] + word[i] + word[i:]
    if kind < 0.75:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice("aeiourstnl") + word[i + 1 :]


def noisy(text: str, rng: random.Random) -> tuple[str, bool]:
    """A query as a visitor might type it; True when it got a typo."""
    words = text.split()
    had_typo = False
    if rng.random() < 0.12:
        j = rng.randrange(len(words))
        words[j], had_typo = typo(words[j], rng), True
    if rng.random() < 0.06:
        j = rng.randrange(len(words))
        if words[j].isalpha() and len(words[j]) > 3:
            words[j] = words[j][:-1] if words[j].endswith("s") else words[j] + "s"
    q = " ".join(words)
    r = rng.random()
    if r < 0.35:
        q = q.lower()
    elif r < 0.40:
        q = q.upper()
    if rng.random() < 0.3:
        q = q.rstrip("?.!")
    return q, had_typo


# -- the log ----------------------------------------------------------------------------------


def generate(
    n_searches: int, seed: int = 7
) -> tuple[dict[str, list[dict[str, Any]]], list[tuple[str, str]]]:
    """Rows per table, and (intent, source text) of each search."""
    rng = random.Random(seed)
    labels: list[tuple[str, str]] = []
    corpus = load("train") + load("test")
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, intent in corpus:
        by_intent[intent].append(text)
    intents = sorted(by_intent)
    uncovered = set(rng.sample(intents, 10))
    rising = set(rng.sample(sorted(uncovered), 5))  # searched more and more lately
    weights = [1 / (i + 3) for i in range(len(intents))]
    rng.shuffle(weights)
    now = datetime.now(UTC)
    start = now - timedelta(days=DAYS)
    norm_cache: dict[str, str] = {}
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    n_ref = 0
    while len(out["searches"]) < n_searches:
        intent = rng.choices(intents, weights)[0]
        offset = rng.random() * DAYS
        if intent in rising:
            offset = DAYS * (1 - rng.random() ** 2.5)
        ts = start + timedelta(days=offset)
        visitor = f"{rng.getrandbits(64):016x}"
        host = rng.choices(HOSTS, HOST_WEIGHTS)[0] if rng.random() < WIDGET_SHARE else None
        session: list[dict[str, Any]] = []
        rated = False
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
            text = rng.choice(by_intent[intent])
            raw, had_typo = noisy(text, rng)
            raw = raw[:200]
            q = norm_cache.get(raw)
            if q is None:
                q = norm_cache[raw] = normalize_query(raw)[:200]
            failed = intent in uncovered or (had_typo and rng.random() < 0.3) or rng.random() < 0.02
            hits = 0 if failed else rng.randint(1, 25)
            row = {
                "ts": ts,
                "query": q,
                "raw_query": raw,
                "hits": hits,
                "category": None,
                "visitor": visitor,
                "corrected": had_typo and not failed,
                "source": "widget" if host else None,
                "host": host,
            }
            session.append(row)
            out["searches"].append(row)
            labels.append((intent, text))
            ts += timedelta(seconds=rng.randint(5, 90))
            if hits and rng.random() < 0.45:
                out["clicks"].append(
                    {
                        "ts": ts,
                        "query": raw,
                        "article_id": intent,
                        "position": rng.randint(0, 4),
                        "visitor": visitor,
                    }
                )
                out["article_views"].append(
                    {"ts": ts, "article_id": intent, "src": "web", "visitor": visitor}
                )
                if not rated and rng.random() < 0.15:
                    rated = True
                    good = 0.35 if intent in rising or zlib.crc32(intent.encode()) % 9 == 0 else 0.8
                    revision = "r2" if rng.random() < 0.4 else "r1"
                    value = int(rng.random() < good)
                    out["ratings"].append(
                        {
                            "created_at": ts,
                            "updated_at": ts,
                            "article_id": intent,
                            "revision": revision,
                            "value": value,
                            "scale": "binary",
                            "reason": None if value else rng.choice(REASONS),
                            "visitor": visitor,
                        }
                    )
        all_failed = all(r["hits"] == 0 for r in session)
        if rng.random() < (0.08 if all_failed else 0.01):
            n_ref += 1
            ts += timedelta(seconds=rng.randint(30, 300))
            viewed = [] if all_failed or rng.random() < 0.5 else [intent]
            context = {
                "searches": [{"q": r["raw_query"], "hits": r["hits"]} for r in session],
                "viewed": viewed,
            }
            out["contact_requests"].append(
                {
                    "reference": f"KB-{n_ref:06d}",
                    "created_at": ts,
                    "visitor": visitor,
                    "email": "someone@example.com",
                    "topic": TOPICS[zlib.crc32(intent.encode()) % len(TOPICS)],
                    "subject": session[0]["raw_query"][:200],
                    "fields": {"subject": session[0]["raw_query"]},
                    "context": context,
                }
            )
    out["searches"] = out["searches"][:n_searches]
    out["meta"] = [{"intents": intents, "uncovered": sorted(uncovered)}]
    return out, labels[:n_searches]


def insert(url: str, data: dict[str, list[dict[str, Any]]]) -> float:
    """Create the schema with the store's migrations, then bulk-insert; return seconds."""
    store = st.Store(url)
    store.migrate()
    t0 = time.perf_counter()
    with store.engine.begin() as conn:
        for name in ("searches", "clicks", "article_views", "ratings", "contact_requests"):
            table = metadata.tables[name]
            rows = data.get(name, [])
            for i in range(0, len(rows), BATCH):
                conn.execute(table.insert(), rows[i : i + BATCH])
    elapsed = time.perf_counter() - t0
    store.close()
    return elapsed


def write_build(build: Path, intents: list[str], uncovered: set[str]) -> None:
    """A manifest with one article per covered intent (no search index: that check is skipped)."""
    rng = random.Random(3)
    today = datetime.now(UTC).date()
    articles = []
    for intent in intents:
        if intent in uncovered:
            continue
        topic = TOPICS[zlib.crc32(intent.encode()) % len(TOPICS)]
        cat = topic.lower().replace(" ", "-")
        articles.append(
            {
                "id": intent,
                "title": intent.replace("_", " ").capitalize(),
                "url": f"{cat}/{intent}/",
                "category": cat,
                "category_path": [cat],
                "category_title": topic,
                "visibility": "public",
                "summary": f"All about {intent.replace('_', ' ')}.",
                "revision": "r2",
                "updated": (today - timedelta(days=rng.randint(1, 600))).isoformat(),
                "aliases": [],
                "faq": None,
                "tags": [],
                "keywords": intent.split("_"),
                "owner": rng.choice(["cards-team", "payments-team", ""]),
                "review_by": (today + timedelta(days=rng.randint(-90, 300))).isoformat(),
                "source": f"{cat}/{intent}.md",
                "headings": [],
            }
        )
    build.mkdir(parents=True, exist_ok=True)
    manifest = {"format": 1, "articles": articles, "categories": [], "redirects": {}}
    (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def time_report(
    url: str, build: Path, fmt: str, out: Path, config: Path, repeat: int = 3
) -> tuple[list[float], list[float]]:
    """Run `kb gaps` in this process ``repeat`` times: (wall seconds, CPU seconds) of each.

    CPU time is this process's (SQLite runs in it; PostgreSQL's own work is not counted):
    on a busy machine it shows what the report costs, wall time what it took.
    """
    runner = CliRunner()
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = runner.invoke(
            gaps,
            [
                "--config",
                str(config),
                "--build-dir",
                str(build),
                "--content",
                str(build / "no-content"),
                "--since",
                "30d",
                "--format",
                fmt,
                "--output",
                str(out),
            ],
            env={"KB_DATABASE_URL": url},
        )
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        if result.exit_code != 0:
            raise SystemExit(f"kb gaps failed: {result.output}\n{result.exception!r}")
    return times, cpu


# -- grouping quality -------------------------------------------------------------------------


def quality_table(rows: list[tuple[str, Scores]], width: int = 34) -> None:
    head = f"{'groups':>7} {'purity':>7} {'inverse purity':>15} {'majority in one':>16}"
    print(f"  {'':{width}} {head}")
    for name, q in rows:
        print(
            f"  {name:{width}} {q.groups:>7} {q.purity:>7.3f} {q.inverse_purity:>15.3f} "
            f"{q.majority_share:>16.3f}"
        )


def split_scores(
    data: list[tuple[str, str]],
    threshold: float | None,
    log: list[str] | None = None,
    meaning: tuple[float, float] | None = None,
    vectors: dict[str, Any] | None = None,
    sentences: tuple[float, float] | None = None,
) -> tuple[Scores, float]:
    """Scores of grouping one split (None: exact normalised string), and seconds taken.

    With ``log`` (normalised queries, no labels), word meaning is learned from it too;
    ``meaning``: (confirm, meaning) cosines, else gaps_meaning's defaults. With ``vectors``
    (normalised query -> sentence vector), groups join by sentence meaning instead, centred on
    the split's own mean (the split is the log); ``sentences``: (word pass similarity,
    linkage cut), else gaps_semantic's defaults.
    """
    normal = [normalize_query(t) for t, _ in data]
    if threshold is None:
        return scores(zip(normal, (i for _, i in data), strict=True)), 0.0
    confirm, joins = meaning or (None, None)
    words, link = sentences or (None, None)
    t0 = time.perf_counter()
    grouper = Grouper(
        threshold=threshold, confirm=confirm, meaning=joins, word_threshold=words, linkage=link
    )
    qv = None
    if vectors is not None:
        qv = sem.QueryVectors.of({q: vectors[q] for q in set(normal)})
    grouping = grouper.group(Counter(normal), log=log or (), vectors=qv)
    elapsed = time.perf_counter() - t0
    key_of = {q: g.key for g in grouping.groups for q in g.queries}
    return scores(((key_of[q], i) for q, (_, i) in zip(normal, data, strict=True))), elapsed


def per_intent(data: list[tuple[str, str]], n: int = PER_INTENT, seed: int = 7) -> list[Any]:
    """``n`` queries of each intent (seeded): the shape of the test split, from train."""
    by: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in data:
        by[row[1]].append(row)
    rng = random.Random(seed)
    return [r for intent in sorted(by) for r in rng.sample(by[intent], min(n, len(by[intent])))]


def encode_all(texts: list[str]) -> tuple[dict[str, Any], float]:
    """Sentence vectors of the distinct normalised texts, and the seconds encoding took."""
    from kb_core.semantic import encoder

    distinct = sorted({normalize_query(t) for t in texts})
    t0 = time.perf_counter()
    rows = encoder().encode(distinct)
    return dict(zip(distinct, rows, strict=True)), time.perf_counter() - t0


def grouping_quality() -> None:
    """Tune the similarities on banking77's train split, then report the held-out test split.

    Word meaning is learned as a deployment would: from the log (the train split's queries
    as history, plus the grouped queries themselves), never from the intent labels. Sentence
    vectors come from the shipped encoder; their centre is the mean of the queries grouped.
    """
    print(
        "Grouping quality on banking77 (every query once; labels = its 77 intents):\n"
        "  purity: share of queries that belong to their group's majority intent\n"
        "  inverse purity: share of queries in their intent's largest group (completeness)\n"
        "  majority in one: share of intents with more than half their queries in one group"
    )
    train, test = load("train"), load("test")
    log = [normalize_query(t) for t, _ in train + test]
    vectors, seconds = encode_all([t for t, _ in train + test])
    print(f"  (encoded {len(vectors)} distinct queries in {seconds:.1f}s)")
    print(f"\ntrain split ({len(train)} queries), word similarity sweep, words only (tuning):")
    sweep = [(t, split_scores(train, t)[0]) for t in SWEEP]
    best = max(
        (t for t, q in sweep if q.purity >= MIN_PURITY),
        key=lambda t: dict(sweep)[t].inverse_purity,
        default=None,
    )
    quality_table(
        [(f"similarity {t:.2f}" + (" <- chosen" if t == best else ""), q) for t, q in sweep]
    )
    print(
        f"  rule: highest inverse purity with purity >= {MIN_PURITY}; chosen {best}, "
        f"site_config default {CONFIGURED}"
    )
    print(
        f"\ntrain split, word similarity {CONFIGURED}, meaning learned from the log "
        f"({len(log)} queries, train + test, unlabelled), sweep of (confirm, join) cosines "
        "(the fallback when no sentence encoder loads):"
    )
    pairs = [(c, m) for c in CONFIRM_SWEEP for m in MEANING_SWEEP]
    msweep = {p: split_scores(train, CONFIGURED, log, p)[0] for p in pairs}
    chosen = max(
        (p for p, q in msweep.items() if q.purity >= MIN_PURITY),
        key=lambda p: msweep[p].inverse_purity,
        default=None,
    )
    quality_table(
        [
            (f"confirm {c:.2f}, join {m:.2f}" + (" <- chosen" if (c, m) == chosen else ""), q)
            for (c, m), q in msweep.items()
        ]
    )
    print(
        f"  rule: as above; chosen {chosen}, gaps_meaning defaults "
        f"({CONFIRM_SIMILARITY}, {MEANING_SIMILARITY})"
    )
    sample = per_intent(train)
    print(
        f"\ntrain sample ({len(sample)} queries, {PER_INTENT} per intent, seed 7), sentence "
        "meaning: sweep of (word pass similarity, average-linkage cut):"
    )
    ssweep = {
        (w, c): split_scores(sample, CONFIGURED, vectors=vectors, sentences=(w, c))[0]
        for w in WORD_SWEEP
        for c in LINKAGE_SWEEP
    }
    picked = max(
        (p for p, q in ssweep.items() if q.purity >= MIN_PURITY_SENTENCES),
        key=lambda p: ssweep[p].inverse_purity,
        default=None,
    )
    quality_table(
        [
            (f"words {w:.2f}, linkage {c:.2f}" + (" <- chosen" if (w, c) == picked else ""), q)
            for (w, c), q in ssweep.items()
        ]
    )
    print(
        f"  rule: highest inverse purity with purity >= {MIN_PURITY_SENTENCES}; chosen {picked}, "
        f"gaps_semantic defaults ({sem.WORD_SIMILARITY}, {sem.LINKAGE_SIMILARITY})"
    )
    rows = [("exact normalised string", split_scores(test, None)[0])]
    timing = ""
    for name, history, vecs in (
        ("words only", None, None),
        ("words + learned meaning", log, None),
        ("words + sentence meaning", None, vectors),
    ):
        q, elapsed = split_scores(test, CONFIGURED, history, vectors=vecs)
        rows.append((f"kb gaps, {name}", q))
        timing += f", {name} in {elapsed:.2f}s"
    print(f"\ntest split ({len(test)} queries, held out){timing}:")
    quality_table(rows)


def log_quality(
    data: dict[str, list[dict[str, Any]]], labels: list[tuple[str, str]], url: str
) -> None:
    """Quality on the generated log's failed searches, each search counted: by intent, and
    how completely the noisy spellings of one source text land together. Sentence vectors
    come from the store's cache (the reports above filled it), so the searches are those of
    the reports' window, the last 30 days."""
    from kb_store import reports as sql

    since = datetime.now(UTC) - timedelta(days=30)
    window = [(r, lab) for r, lab in zip(data["searches"], labels, strict=True) if r["ts"] >= since]
    failed = [(r["query"], lab) for r, lab in window if not r["hits"]]
    counts = Counter(q for q, _ in failed)
    found = sorted({r["query"] for r, _ in window if r["hits"]})
    with sql.reading(url) as conn:
        vectors = vector_cache.load_vectors(conn, set(counts) | set(found))
    print(f"\nquality over the generated log's last 30 days ({len(vectors)} cached vectors):")
    for name, log, vecs in (
        ("words only", None, None),
        ("words + learned meaning", found, None),
        ("words + sentence meaning", None, sem.QueryVectors.of(vectors)),
    ):
        grouping = Grouper(threshold=CONFIGURED).group(counts, log=log or (), vectors=vecs)
        key_of = {q: g.key for g in grouping.groups for q in g.queries}
        by_intent = scores((key_of[q], intent) for q, (intent, _) in failed)
        by_text = scores((key_of[q], text) for q, (_, text) in failed)
        print(
            f"  failed searches of the log ({len(failed)}, {len(counts)} distinct), {name}: "
            f"{by_intent.groups} groups, purity {by_intent.purity:.3f}, inverse purity "
            f"{by_intent.inverse_purity:.3f}, majority in one {by_intent.majority_share:.3f} "
            f"by intent; spellings of one source text in its largest group: "
            f"{by_text.inverse_purity:.3f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--postgres", default="", help="also load and time a PostgreSQL store")
    ap.add_argument("--keep", type=Path, default=None, help="keep the SQLite file and build here")
    ap.add_argument("--no-quality", action="store_true", help="skip the banking77 purity figures")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="time the report over the store already in --keep (no new rows)",
    )
    args = ap.parse_args()
    if not args.no_quality:
        grouping_quality()
    with tempfile.TemporaryDirectory(prefix="gaps-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        db = work / "kb.sqlite3"
        targets = [("SQLite", f"sqlite:///{db}")]
        if args.postgres:
            sep = "&" if "?" in args.postgres else "?"
            targets.append(("PostgreSQL", f"{args.postgres}{sep}options=-csearch_path%3D{SCHEMA}"))
        if not args.reuse:
            t0 = time.perf_counter()
            data, labels = generate(args.rows)
            meta = data.pop("meta")[0]
            counts = {k: len(v) for k, v in data.items()}
            failed = sum(1 for r in data["searches"] if r["hits"] == 0)
            distinct = len({r["query"] for r in data["searches"]})
            print(
                f"\ngenerated in {time.perf_counter() - t0:.1f}s: {counts}; failed searches: "
                f"{failed}; distinct normalised queries: {distinct}"
            )
            write_build(work / "build", meta["intents"], set(meta["uncovered"]))
            db.unlink(missing_ok=True)
            if args.postgres:
                admin = sa.create_engine(args.postgres)
                with admin.begin() as conn:
                    conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
                    conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
                admin.dispose()
            for name, url in targets:
                seconds = insert(url, data)
                print(f"{name}: inserted {sum(counts.values())} rows in {seconds:.1f}s")
        for name, url in targets:
            n = count_searches(url)
            floor = [sql_floor(url) for _ in range(3)]
            print(
                f"{name}: baseline, the report's two search-log aggregations alone (failed and "
                f"found searches per normalised query, 30 days) over {n} searches: median "
                f"{statistics.median(floor):.2f}s (runs: {', '.join(f'{t:.2f}' for t in floor)})"
            )
            sweep = [widget_sweep(url) for _ in range(3)]
            print(
                f"{name}: the widget host pages alone ({sweep[0][1]} pages): median "
                f"{statistics.median(t for t, _ in sweep):.2f}s, "
                f"{statistics.median(t for t, _ in sweep) / statistics.median(floor):.2f}x the "
                "baseline"
            )
            config = site_config(work, CONFIGURED)
            report = work / "report.json"
            gaps_analysis.SENTENCES = False
            for fmt in ("json", "html"):
                timed(name, f"{fmt}, words only", url, work, fmt, config)
            summarise("words only", json.loads(report.read_text(encoding="utf-8")))
            gaps_analysis.SENTENCES = True
            cleared = clear_vectors(url)
            timed(
                name,
                f"json, sentence meaning, cold cache ({cleared} rows cleared)",
                url,
                work,
                "json",
                config,
                repeat=1,
            )
            # What the API leaves: it encodes each failed query once as it logs it (EventLog).
            clear_vectors(url)
            distinct_failed = failed_queries(url)
            t0 = time.perf_counter()
            vector_cache.save_vectors(url, sem.encode_missing(distinct_failed, {}))
            spent = time.perf_counter() - t0
            print(
                f"{name}: the API's share, spread over the month as searches fail: "
                f"{len(distinct_failed)} distinct failed queries encoded and stored in "
                f"{spent:.1f}s ({1000 * spent / max(1, len(distinct_failed)):.2f} ms each)"
            )
            timed(
                name,
                "json, sentence meaning, failed queries encoded by the API",
                url,
                work,
                "json",
                config,
                repeat=1,
            )
            for fmt in ("json", "html"):
                timed(name, f"{fmt}, sentence meaning, warm cache", url, work, fmt, config)
            summarise("sentence meaning", json.loads(report.read_text(encoding="utf-8")))
        if not args.no_quality and not args.reuse:
            log_quality(data, labels, targets[0][1])


def timed(
    name: str, what: str, url: str, work: Path, fmt: str, config: Path, repeat: int = 3
) -> None:
    """Time `kb gaps` and print the median, with what it encoded and what the cache holds."""
    before = sem.STATS.encoded
    times, cpu = time_report(url, work / "build", fmt, work / f"report.{fmt}", config, repeat)
    encoded = sem.STATS.encoded - before
    print(
        f"{name}: kb gaps --since 30d --format {what}: median {statistics.median(times):.2f}s "
        f"wall, {statistics.median(cpu):.2f}s CPU in this process (runs: "
        f"{', '.join(f'{t:.2f}' for t in times)}; encoded {encoded} queries; cache "
        f"{count_vectors(url)} vectors; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs)"
    )


def failed_queries(url: str) -> list[str]:
    """The distinct normalised queries of the log's failed searches (what the API encodes)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT DISTINCT query FROM searches WHERE hits = 0"))
        found = sorted(str(q) for (q,) in rows)
    engine.dispose()
    return found


def clear_vectors(url: str) -> int:
    """Empty the store's vector cache (a cold report); the rows it held."""
    from kb_store.tables import query_vectors

    store = st.Store(url)
    store.migrate()  # a store kept by --keep before the cache existed
    store.close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        n = conn.execute(query_vectors.delete()).rowcount
    engine.dispose()
    return int(n or 0)


def count_vectors(url: str) -> int:
    from kb_store.tables import query_vectors

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = int(conn.execute(sa.select(sa.func.count()).select_from(query_vectors)).scalar() or 0)
    engine.dispose()
    return n


def summarise(what: str, report: dict[str, Any]) -> None:
    c = report["counts"]
    print(
        f"  report, {what}: {c['failed_searches']} failed-search groups "
        f"({c['new_failed_groups']} new), {c['weak_searches']} weak, "
        f"{c['unhelpful_articles']} unhelpful, {c['escalations']} escalation topics, "
        f"{c['stale_articles']} stale; top failed groups: "
        + "; ".join(f"{g['label']!r} ({g['searches']})" for g in report["failed_searches"][:5])
    )


def site_config(work: Path, similarity: float) -> Path:
    """The repository's site_config.yml with ``gaps.group_similarity`` set."""
    data = yaml.safe_load((ROOT / "site_config.yml").read_text(encoding="utf-8")) or {}
    data.setdefault("gaps", {})["group_similarity"] = similarity
    path = work / f"site_config_{similarity}.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def sql_floor(url: str) -> float:
    """Seconds to run the failed- and found-search aggregations of a 30-day report."""
    from kb_reports.gaps.model import window_for
    from kb_store import reports as sql

    t0 = time.perf_counter()
    with sql.reading(url) as conn:
        window = window_for("30d", datetime.now(UTC))
        sql.failed_stats(conn, window)
        sql.found_stats(conn, window)
    return time.perf_counter() - t0


def widget_sweep(url: str) -> tuple[float, int]:
    """Seconds to list a 30-day report's widget host pages (every failed widget search of
    the window is read, so noise can be left out in Python), and how many pages there are."""
    from kb_reports.gaps.model import window_for
    from kb_store import reports as sql
    from kb_store.sources import widget_hosts

    t0 = time.perf_counter()
    with sql.reading(url) as conn:
        _, pages = widget_hosts(conn, window_for("30d", datetime.now(UTC)), 10)
    return time.perf_counter() - t0, pages


def count_searches(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = int(conn.execute(sa.select(sa.func.count()).select_from(searches)).scalar() or 0)
    engine.dispose()
    return n


if __name__ == "__main__":
    main()
