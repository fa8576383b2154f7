"""Learn the section encoder's token table (kb_core/models/minilm/sections.npz).

    .venv/bin/python bench/train_section_encoder.py [--limit N] [--ridge 1e-3] [--out PATH]

Search by meaning over sections needs a vector for every section of every article, and the
sentence model (kb_core.semantic.Encoder) costs 5-35 ms a section: minutes for a large
knowledge base, where the build has seconds. So sections are encoded by a student: a text's
vector is the mean of a table's rows for its WordPiece tokens (plus a bias row), normalised.
The table is fitted by ridge regression so that the student's vector for a text lands near
the one the sentence model (the teacher) gives that same text; queries keep the teacher, and
the two meet in the teacher's space. (The idea of model2vec's "tokenlearn", done here with
numpy: the targets are the teacher's outputs on real help-center text, not single tokens.)

Training text, all from ../shared/corpora and none of it a quality benchmark's articles or
queries (stackfaq, duckduckgo-help and plausible-docs are only evaluated on):
- officedocs-support (Microsoft's support articles, CC BY 4.0): titles with descriptions,
  sections, and runs of three sentences;
- cpp-docs (Microsoft's C++ docs, CC BY 4.0), the same;
- banking77's training queries (CC BY 4.0), for short, customer-worded text.

Prints the student's cosine with the teacher on a held-out tenth of the texts, then writes the
table: the token ids seen in at least two texts, their rows (int8 with one float16 scale per
row) and the bias.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from kb_core.section_encoder import SECTION_TEXT_CHARS  # noqa: E402
from kb_core.semantic import (  # noqa: E402
    DIMENSIONS,
    MAX_TOKENS,
    MODEL_DIR,
    SECTIONS_MODEL,
    Encoder,
)

CORPORA = ROOT.parent / "shared" / "corpora"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def training_texts() -> list[str]:
    from search_eval import load_markdown  # the bench loader: no build needed

    out: list[str] = []
    for name in ("officedocs-support", "cpp-docs"):
        root = CORPORA / name
        for path in sorted(root.rglob("*.md")):
            try:
                doc = load_markdown(path, root)
            except Exception:  # a file the crude loader cannot read teaches nothing
                continue
            if doc.title:
                out.append(f"{doc.title}. {doc.summary}")
            for s in doc.sections[:12]:
                out.append(f"{s.title}. {s.text}"[:SECTION_TEXT_CHARS])
                said = _SENTENCE_END.split(s.text)
                for j in range(0, min(len(said), 12), 3):
                    out.append(" ".join(said[j : j + 3])[:500])
    with (CORPORA / "banking77" / "banking_data" / "train.csv").open(encoding="utf-8") as f:
        out += [row["text"] for row in csv.DictReader(f)]
    return [t for t in out if len(t.split()) >= 2]


def _teach(texts: list[str]) -> np.ndarray:
    return Encoder().encode(texts)


def teacher_vectors(texts: list[str]) -> np.ndarray:
    """The sentence model's vectors of ``texts``, on every core."""
    procs = max(1, multiprocessing.cpu_count())
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        parts = pool.map(_teach, [texts[i::procs] for i in range(procs)])
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    for i, part in enumerate(parts):
        out[i::procs] = part
    return out


def token_ids(texts: list[str]) -> list[list[int]]:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    special = {tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]")}
    return [[t for t in e.ids if t not in special] for e in tokenizer.encode_batch(texts)]


def fit(
    ids: list[list[int]], targets: np.ndarray, train: np.ndarray, ridge: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ridge regression of the teacher's vectors on each text's token shares (count / length)
    and a constant: returns the kept token ids, their rows, and the bias row."""
    seen: dict[int, int] = {}
    for k in np.flatnonzero(train):
        for t in set(ids[k]):
            seen[t] = seen.get(t, 0) + 1
    tokens = np.array(sorted(t for t, n in seen.items() if n >= 2), dtype=np.int64)
    column = np.full(max(seen) + 1, -1, dtype=np.int64)
    column[tokens] = np.arange(len(tokens))
    width = len(tokens) + 1  # the last column is the constant
    gram = np.zeros((width, width))
    cross = np.zeros((width, DIMENSIONS))
    for k in np.flatnonzero(train):
        if not ids[k]:
            continue
        cols = column[ids[k]]
        cols, counts = np.unique(cols[cols >= 0], return_counts=True)
        x = np.append(counts / len(ids[k]), 1.0)
        cols = np.append(cols, width - 1)
        gram[np.ix_(cols, cols)] += np.outer(x, x)
        cross[cols] += x[:, None] * targets[k]
    gram[np.diag_indices(width)] += ridge
    rows = np.linalg.solve(gram, cross)
    return tokens, rows[:-1], rows[-1]


def quantise(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scale = np.abs(rows).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    return np.round(rows / scale[:, None]).astype(np.int8), scale.astype(np.float16)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="at most this many texts (0: all)")
    ap.add_argument("--ridge", type=float, default=1e-3)
    ap.add_argument("--out", type=Path, default=SECTIONS_MODEL)
    args = ap.parse_args()
    if not CORPORA.is_dir():
        sys.exit(f"{CORPORA} not found: the training text lives in ../shared")
    t0 = time.perf_counter()
    texts = training_texts()
    random.Random(2).shuffle(texts)
    if args.limit:
        texts = texts[: args.limit]
    print(f"{len(texts):,} texts; encoding them with the sentence model...", flush=True)
    targets = teacher_vectors(texts).astype(np.float64)
    print(f"  {time.perf_counter() - t0:.0f} s", flush=True)
    ids = token_ids(texts)
    held = np.arange(len(texts)) % 10 == 0
    tokens, rows, bias = fit(ids, targets, ~held, args.ridge)
    table, scale = quantise(rows)
    np.savez(args.out, tokens=tokens.astype(np.int32), table=table, scale=scale, bias=bias)
    from kb_core.section_encoder import SectionEncoder

    student = SectionEncoder(args.out)
    kept = [k for k in np.flatnonzero(held) if ids[k]]
    got = student.encode([texts[k] for k in kept])
    cosine = np.sum(got * targets[kept], axis=1)
    print(
        f"{len(tokens):,} tokens; held-out cosine with the teacher: median "
        f"{np.median(cosine):.3f}, mean {cosine.mean():.3f}, 10th percentile "
        f"{np.percentile(cosine, 10):.3f}; wrote {args.out} "
        f"({args.out.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.0f} s"
    )


if __name__ == "__main__":
    main()
