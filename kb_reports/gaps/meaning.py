"""Word meaning learned from the search log itself: grouping's fallback without an encoder.

``kb gaps`` joins groups by sentence meaning (``gaps_semantic``, a shipped encoder); this
module is what it does when that encoder cannot be loaded. On banking77's test split it
joins far less (0.20 of the intents mostly in one group, against 0.66).

Words typed in the same queries mean related things ("arrive" and "deliver" both come with
"card", "not" and "still"). From the logged searches of the window (those that found something
too), this module learns one vector per word, with no external model:

1. co-occurrence: each distinct query adds ``1 / (terms - 1)`` to every pair of its terms, so
   that long queries do not count more than short ones;
2. positive pointwise mutual information, context counts raised to 0.75 (rare contexts would
   otherwise look more telling than they are);
3. a truncated SVD (randomised, with power iterations) to :data:`DIMENSIONS` dimensions,
   singular values weighted by their square root; each word vector has unit length.

A query's vector is the IDF-weighted sum of its words' vectors. ``gaps_grouping`` uses them
twice: a key joins a word-overlap leader only if their vectors agree (cosine at least
:data:`CONFIRM_SIMILARITY`; sharing words is not sharing a meaning), and afterwards
:func:`merge_groups` joins groups whose centroids point the same way (cosine at least
:data:`MEANING_SIMILARITY`), the most searched first, so that the same question asked in other
words meets. Both are tuned on banking77's train split (``bench/gaps_bench.py``). A negated
group never joins a plain one.

Cost: one pass over the distinct queries, then dense algebra on at most :data:`MAX_TERMS`
words and one matrix-vector product per group.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

# One BLAS thread unless told otherwise: the products here are small, and OpenBLAS's threads
# made them 10 to 30 times slower on a busy two-core machine (QR of 3000 x 110: 0.7 s against
# 0.02 s). It only takes effect if numpy is not imported yet; nothing else here uses numpy.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402

from kb_reports.gaps.terms import frequencies  # noqa: E402

__all__ = [
    "CONFIRM_SIMILARITY",
    "MEANING_SIMILARITY",
    "WordVectors",
    "key_vectors",
    "merge_by_meaning",
    "merge_groups",
]

Vector = npt.NDArray[np.float64]
Key = tuple[str, ...]

DIMENSIONS = 100  # size of a word vector
MAX_TERMS = 3000  # the most frequent words get vectors; rarer ones only count as words
MIN_QUERIES = 2  # a word seen in one distinct query says nothing about its neighbours
CONTEXT_SMOOTHING = 0.75
POWER_ITERATIONS = 3
# Tuned on banking77's train split: the highest completeness while 80% of a group's queries
# share its intent.
CONFIRM_SIMILARITY = 0.9
MEANING_SIMILARITY = 0.8


class WordVectors:
    """Unit word vectors and IDF weights learned from the terms of distinct queries."""

    def __init__(self, index: Mapping[str, int], vectors: Vector, idf: Mapping[str, float]):
        self.index = dict(index)
        self.vectors = vectors
        self.idf = dict(idf)

    @classmethod
    def learn(cls, queries: Iterable[Iterable[str]], *, seed: int = 0) -> WordVectors | None:
        """Learn vectors from the terms of distinct queries; None when too few words recur."""
        docs = [sorted(set(q)) for q in queries]
        df, idf = frequencies(docs)
        common = sorted((t for t, c in df.items() if c >= MIN_QUERIES), key=lambda t: (-df[t], t))
        index = {t: i for i, t in enumerate(common[:MAX_TERMS])}
        size = len(index)
        if size <= DIMENSIONS:
            return None
        counts = _cooccurrences([[index[t] for t in d if t in index] for d in docs], size)
        np.fill_diagonal(counts, 0.0)
        rows = counts.sum(axis=1)
        cols = counts.sum(axis=0) ** CONTEXT_SMOOTHING
        with np.errstate(divide="ignore", invalid="ignore"):
            pmi = np.log(counts * cols.sum() / np.outer(rows, cols))
        ppmi = np.where(np.isfinite(pmi) & (pmi > 0), pmi, 0.0)
        u, s = _truncated_svd(ppmi, DIMENSIONS, seed)
        vectors = u * np.sqrt(s)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors /= np.where(norms > 0, norms, 1.0)
        return cls(index, vectors, idf)

    def embed(self, terms: Iterable[str]) -> Vector:
        """IDF-weighted sum of the known words' vectors, unit length (zero if none known)."""
        out = np.zeros(self.vectors.shape[1])
        for t in set(terms):
            i = self.index.get(t)
            if i is not None:
                out += self.idf[t] * self.vectors[i]
        norm = float(np.linalg.norm(out))
        return out / norm if norm > 0 else out


def _cooccurrences(docs: Sequence[Sequence[int]], size: int) -> Vector:
    """Term-term counts: each query adds ``1 / (terms - 1)`` to each pair of its terms.

    Queries of the same length go through as one array (all their pairs at once) instead
    of a Python loop over every pair of every query.
    """
    by_length: dict[int, list[Sequence[int]]] = defaultdict(list)
    for d in docs:
        if len(d) > 1:
            by_length[len(d)].append(d)
    cells, weights = [np.zeros(0, dtype=np.int64)], [np.zeros(0)]
    for length, same in by_length.items():
        ids = np.array(same, dtype=np.int64)
        pairs = ids[:, :, None] * size + ids[:, None, :]
        off = ~np.eye(length, dtype=bool)
        cells.append(pairs[:, off].ravel())
        weights.append(np.full(cells[-1].shape, 1.0 / (length - 1)))
    counts = np.bincount(np.concatenate(cells), np.concatenate(weights), minlength=size * size)
    return np.asarray(counts, dtype=np.float64).reshape(size, size)


def _truncated_svd(m: Vector, k: int, seed: int) -> tuple[Vector, Vector]:
    """Left singular vectors and values for the ``k`` largest singular values (Halko et al.)."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(m @ rng.standard_normal((m.shape[1], k + 10)))
    for _ in range(POWER_ITERATIONS):
        q, _ = np.linalg.qr(m.T @ q)
        q, _ = np.linalg.qr(m @ q)
    ub, s, _ = np.linalg.svd(q.T @ m, full_matrices=False)
    return (q @ ub)[:, :k], s[:k]


def merge_groups(
    centroids: Sequence[Vector], negated: Sequence[bool], threshold: float = MEANING_SIMILARITY
) -> list[int]:
    """For groups in visiting order (most searched first), the index of the group each joins.

    ``centroids`` are sums of the groups' query vectors. A group joins the earlier leader whose
    running centroid is the most similar (cosine at least ``threshold``, same negation), else
    leads; comparing with leaders only keeps groups from chaining.
    """
    out = list(range(len(centroids)))
    for flag in (False, True):
        mine = [i for i, n in enumerate(negated) if n == flag]
        for i, j in zip(mine, _leaders([centroids[i] for i in mine], threshold), strict=True):
            out[i] = mine[j]
    return out


def _leaders(centroids: Sequence[Vector], threshold: float) -> list[int]:
    """:func:`merge_groups` for groups of one negation."""
    n = len(centroids)
    out = list(range(n))
    if not n:
        return out
    sums = np.zeros((n, centroids[0].shape[0]))
    units = np.zeros(sums.shape, dtype=np.float32)  # half the memory traffic of the products
    leaders: list[int] = []
    for i, c in enumerate(centroids):
        norm = float(np.linalg.norm(c))
        if norm > 0 and leaders:
            sims = units[: len(leaders)] @ (c / norm).astype(np.float32)
            j = int(np.argmax(sims))
            if sims[j] >= threshold:
                out[i] = leaders[j]
                sums[j] += c
                units[j] = sums[j] / np.linalg.norm(sums[j])
                continue
        slot = len(leaders)
        leaders.append(i)
        sums[slot] = c
        units[slot] = c / norm if norm > 0 else c
    return out


def key_vectors(queries: Iterable[Iterable[str]], keys: Iterable[Key]) -> dict[Key, Vector] | None:
    """Vectors of ``keys`` (term sets) learned from the queries' terms; None: too few words."""
    vectors = WordVectors.learn(queries)
    return None if vectors is None else {k: vectors.embed(k) for k in keys}


def merge_by_meaning(
    key_vectors: Mapping[Key, Vector],
    leaders: Mapping[Key, Key],
    queries: Mapping[Key, int],
    searches: Mapping[Key, int],
    not_term: str,
    threshold: float = MEANING_SIMILARITY,
) -> dict[Key, Key]:
    """``leaders`` (key -> its group's leader) after groups that mean the same are joined.

    A group's centroid sums its keys' vectors, each weighted by its distinct queries
    (``queries``); groups are visited by their searches (``searches``), then by key.
    """
    members: dict[Key, list[Key]] = defaultdict(list)
    for k, leader in leaders.items():
        members[leader].append(k)
    order = sorted(members, key=lambda g: (-sum(searches[k] for k in members[g]), g))
    centroids = []
    for g in order:
        c = np.zeros_like(key_vectors[g])
        for k in members[g]:
            c += queries[k] * key_vectors[k]
        centroids.append(c)
    joined = merge_groups(centroids, [not_term in g for g in order], threshold)
    new = {g: order[j] for g, j in zip(order, joined, strict=True)}
    return {k: new[leader] for k, leader in leaders.items()}
