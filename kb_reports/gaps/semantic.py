"""Sentence meaning for ``kb gaps``: query vectors, their cache, and average-linkage merging.

Word overlap cannot join "my card hasn't arrived" and "still waiting for my new card"; a
sentence encoder can (``kb_core.semantic``: all-MiniLM-L6-v2, one unit vector per text).
``gaps_grouping`` groups by words first (cheap, and exact for spellings, plurals, word order,
synonyms and typos), then this module joins those groups by meaning:

1. each distinct query has a vector: read from the store's ``query_vectors`` table
   (``kb_store.vectors``), or encoded once and written back (the first report over a busy
   month, 19,000 distinct queries, spends about two minutes encoding; a report over a warm
   cache encodes only what is new);
2. vectors are centred on the mean vector of the window's log (its failed searches and a fixed
   sample of those that found something, each distinct query once: :func:`centre_sample`)
   and made unit length again. Every query of one help center shares a direction ("a banking
   question"); removed, what is left tells the questions apart. With few queries their mean
   is mostly the queries themselves, so the mean is shrunk towards zero (weight
   ``n / (n + CENTRE_PRIOR)``): centring two queries on their own mean would make them
   opposites;
3. groups merge by average linkage (UPGMA) on the cosine of those vectors, cut at
   :data:`LINKAGE_SIMILARITY`: two groups join when their queries, pair by pair, agree on
   average. Average linkage needs no matrix over queries: with unit vectors the mean cosine
   between two groups is ``sum_a . sum_b / (n_a * n_b)``, so a group is its vector sum and its
   size, and merging adds them. The clustering runs over groups (thousands, not the queries'
   tens of thousands) with the nearest-neighbour chain algorithm (quadratic, not cubic); a
   group whose best partner is below the cut is final at once (average linkage only lowers
   the similarity of a merged group to the best of its parts). The :data:`MAX_GROUPS` most
   searched groups are clustered; each less searched one then joins its closest cluster;
4. a topic and its negation stay apart: "can't log in" is a problem, "log in" a how-to, yet
   their vectors are close (0.7). As in the word pass, this holds for one-term topics only:
   "card not arrived" and "card arrival" are one problem, "my card hasn't arrived" and
   "still waiting for my new card" one question (``_opposites``).

The cut and the word pass are chosen on banking77's train split (``bench/gaps_bench.py``);
on the held-out test split, most of each intent's queries share one group for 66% of the
intents (9% with words alone), and 76% of a group's queries share its intent.
Deterministic: groups are visited in key order and ties go to the lower index.

Imports numpy, never SQL, mkdocs or Flask; the encoder (onnxruntime) is loaded only when a
query has no cached vector.
"""

from __future__ import annotations

import logging
import os
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # see gaps_meaning: small products, busy CPUs

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402

log = logging.getLogger(__name__)

__all__ = [
    "CENTRE_PRIOR",
    "CENTRE_SAMPLE",
    "LINKAGE_SIMILARITY",
    "WORD_SIMILARITY",
    "QueryVectors",
    "STATS",
    "average_linkage",
    "centre_sample",
    "join_groups",
    "centred",
    "encode_missing",
    "merge_by_sentences",
]

Matrix = npt.NDArray[np.float32]
Key = tuple[str, ...]

# Tuned on banking77's train split (bench/gaps_bench.py): the most complete groups while at
# least 78% of a group's queries share its intent.
LINKAGE_SIMILARITY = 0.46
# The word pass before it (``Grouper._merge`` at this weighted word overlap): stricter than
# words alone (``gaps.group_similarity``), since a word group that mixes two questions cannot
# be split by meaning afterwards, while two word groups of one question are joined by it.
WORD_SIMILARITY = 0.7
CENTRE_PRIOR = 20  # queries: with fewer, the log's mean is mostly the queries themselves
# Searches that found something, sampled for the log's mean: the mean of 2,000 unit vectors
# is as good as that of 20,000, and the first report of a busy month encodes half as much.
CENTRE_SAMPLE = 2_000
MAX_GROUPS = 6_000  # groups clustered (a float32 matrix of 144 MB); the rest join the clusters


@dataclass
class Stats:
    """What this process encoded: tests and the benchmark read it (no mock needed)."""

    encoded: int = 0
    encode_calls: int = 0


STATS = Stats()


def centre_sample(queries: Iterable[str], size: int = CENTRE_SAMPLE) -> list[str]:
    """A fixed sample of distinct queries: those whose CRC-32 is smallest.

    Chosen by content, not by order or by what the cache holds, so the same log gives the
    same sample (and the same groups) on a cold and on a warm cache.
    """
    return sorted(set(queries), key=lambda q: (zlib.crc32(q.encode("utf-8")), q))[:size]


def encode_missing(queries: Iterable[str], cached: Mapping[str, Matrix]) -> dict[str, Matrix]:
    """Vectors of the queries not in ``cached``, encoded now (sorted, so runs agree).

    One encoder, one thread: the encoder runs texts one at a time (so a text's vector never
    depends on what else was encoded, and a cached vector equals a fresh one), where more
    intra-op threads only add overhead.
    """
    missing = sorted(set(queries) - cached.keys())
    if not missing:
        return {}
    from kb_core.semantic import encoder

    rows = encoder().encode(missing)
    STATS.encoded += len(missing)
    STATS.encode_calls += 1
    return {q: rows[i] for i, q in enumerate(missing)}


@dataclass(frozen=True)
class QueryVectors:
    """Unit vectors of distinct queries, and the log mean they are centred on."""

    vectors: Mapping[str, Matrix]
    mean: Matrix

    @classmethod
    def of(cls, vectors: Mapping[str, Matrix], log: Iterable[str] | None = None) -> QueryVectors:
        """``vectors`` with the mean of the ``log`` queries (default: all of them), shrunk
        towards zero when there are few (module docstring, step 2)."""
        names = sorted(vectors if log is None else set(log) & vectors.keys())
        dims = next(iter(vectors.values())).shape[0] if vectors else 0
        mean = np.zeros(dims, dtype=np.float64)
        for q in names:
            mean += vectors[q]
        n = len(names)
        if n:
            mean *= 1.0 / (n + CENTRE_PRIOR)  # the mean, times n / (n + prior)
        return cls(vectors, mean.astype(np.float32))

    def centred(self, queries: Sequence[str]) -> Matrix:
        """Centred unit rows of ``queries``, in order (all must have vectors)."""
        return centred(np.stack([self.vectors[q] for q in queries]), self.mean)


def centred(rows: Matrix, mean: Matrix) -> Matrix:
    """``rows - mean``, each made unit length again (a zero row stays zero)."""
    out = rows.astype(np.float32) - mean.astype(np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.asarray(out / np.maximum(norms, 1e-12), dtype=np.float32)


def average_linkage(
    sums: Matrix,
    sizes: Sequence[int],
    threshold: float,
    apart: Iterable[tuple[int, int]] = (),
) -> list[int]:
    """For each group, the index of the cluster it ends in (its lowest member index).

    ``sums`` holds one row per group: the sum of its members' unit vectors; ``sizes`` their
    counts. Clusters merge while their average pairwise cosine reaches ``threshold``. The
    pairs in ``apart`` never end in one cluster (their similarity is minus infinity, and an
    average with it stays so). Nearest-neighbour chain over a dense similarity matrix
    (float32, groups squared).
    """
    n = len(sizes)
    if n < 2:
        return list(range(n))
    size = np.asarray(sizes, dtype=np.float64)
    s = np.asarray(sums, dtype=np.float32)
    inverse = (1.0 / size).astype(np.float32)
    sim = s @ s.T  # float32, and scaled in place: no second matrix of groups squared
    sim *= inverse[:, None]
    sim *= inverse[None, :]
    np.fill_diagonal(sim, -np.inf)
    for i, j in apart:
        sim[i, j] = sim[j, i] = -np.inf
    cut = np.float32(threshold)
    parent = list(range(n))
    count = size.copy()
    # clusters that are done (merged away, or final) are masked when a row is read, rather
    # than wiped from the matrix: a column write is strided, the mask one contiguous add
    dead = np.zeros(n, dtype=np.float32)
    chain: list[int] = []
    remaining = n
    start = 0
    while remaining > 1:
        if not chain:
            while dead[start]:
                start += 1
            chain.append(start)
        tip = chain[-1]
        row = sim[tip] + dead
        best = int(np.argmax(row))
        best_sim = row[best]
        if len(chain) > 1 and row[chain[-2]] >= best_sim:
            best = chain[-2]  # ties go back down the chain: no cycles
            best_sim = row[best]
        if best_sim < cut or not np.isfinite(best_sim):
            # everything on the chain is below the cut too (similarities rise along it)
            dead[chain] = -np.inf
            remaining -= len(chain)
            chain.clear()
            continue
        if len(chain) > 1 and best == chain[-2]:
            chain.pop()
            chain.pop()
            a, b = min(tip, best), max(tip, best)
            wa, wb = count[a], count[b]
            with np.errstate(invalid="ignore"):  # -inf stays -inf: apart stays apart
                merged = (wa * sim[a] + wb * sim[b]) / (wa + wb)  # Lance-Williams
            merged[a] = -np.inf
            sim[a, :] = merged
            sim[:, a] = merged
            count[a] = wa + wb
            parent[b] = a
            dead[b] = -np.inf
            remaining -= 1
        else:
            chain.append(best)
    out = []
    for i in range(n):
        root = i
        while parent[root] != root:
            root = parent[root]
        out.append(root)
    return out


def join_groups(
    sums: Matrix,
    sizes: Sequence[int],
    threshold: float,
    apart: Iterable[tuple[int, int]] = (),
    limit: int = MAX_GROUPS,
) -> list[int]:
    """:func:`average_linkage` over the first ``limit`` groups; each later one (callers put
    the least searched last) then joins the cluster whose queries it is closest to on
    average, if that reaches ``threshold``, else stays alone. Memory stays at ``limit``
    squared, whatever the log."""
    apart = sorted(apart)
    head = min(limit, len(sizes))
    roots = average_linkage(
        sums[:head], sizes[:head], threshold, [(i, j) for i, j in apart if max(i, j) < head]
    )
    if head == len(sizes):
        return roots
    names = sorted(set(roots))
    slot = {r: k for k, r in enumerate(names)}
    csum = np.zeros((len(names), sums.shape[1]), dtype=np.float32)
    csize = np.zeros(len(names), dtype=np.float64)
    for i, r in enumerate(roots):
        csum[slot[r]] += sums[i]
        csize[slot[r]] += sizes[i]
    banned: dict[int, set[int]] = {}
    for i, j in apart:
        a, b = min(i, j), max(i, j)
        if a < head <= b:
            banned.setdefault(b, set()).add(slot[roots[a]])
    out = list(roots)
    for start in range(head, len(sizes), 2_000):
        stop = min(start + 2_000, len(sizes))
        block = np.asarray(sums[start:stop], dtype=np.float32) @ csum.T
        block /= np.outer(np.asarray(sizes[start:stop], dtype=np.float64), csize).astype(np.float32)
        for row, g in enumerate(range(start, stop)):
            for k in banned.get(g, ()):
                block[row, k] = -np.inf
            best = int(np.argmax(block[row]))
            out.append(names[best] if block[row, best] >= threshold else g)
    return out


def merge_by_sentences(
    leaders: Mapping[Key, Key],
    by_key: Mapping[Key, Sequence[str]],
    key_count: Mapping[Key, int],
    vectors: QueryVectors,
    not_term: str,
    *,
    threshold: float | None = None,
) -> dict[Key, Key]:
    """``leaders`` (word key -> its group's leader) after word groups that mean the same are
    joined; ``threshold`` is the linkage cut (default :data:`LINKAGE_SIMILARITY`).

    A group is the sum of its distinct queries' centred vectors; each distinct query
    counts once, however often it was searched, so that one popular spelling does not
    outvote the other ways of asking. The most searched group of a cluster leads it.
    The :data:`MAX_GROUPS` most searched groups are clustered (quadratic in groups); each
    less searched one then joins its closest cluster, or stays alone. Groups with a query
    without a vector keep to themselves.
    """
    members: dict[Key, list[str]] = defaultdict(list)
    searched: dict[Key, int] = defaultdict(int)
    for k, leader in leaders.items():
        members[leader].extend(by_key[k])
        searched[leader] += key_count[k]
    eligible = sorted(
        (g for g, qs in members.items() if all(q in vectors.vectors for q in qs)),
        key=lambda g: (-searched[g], g),
    )
    if len(eligible) < 2:
        return dict(leaders)
    # the clustering sees groups in key order (same input, same groups); the least
    # searched, past the limit, come after it in their own order
    order = sorted(eligible[:MAX_GROUPS]) + eligible[MAX_GROUPS:]
    rows = vectors.centred([q for g in order for q in sorted(members[g])])
    sizes = [len(members[g]) for g in order]
    starts = np.cumsum(sizes) - np.asarray(sizes)
    sums = np.add.reduceat(rows, starts, axis=0)
    cut = LINKAGE_SIMILARITY if threshold is None else threshold
    roots = join_groups(sums, sizes, cut, _opposites(order, leaders, not_term))
    clusters: dict[int, list[Key]] = defaultdict(list)
    for g, root in zip(order, roots, strict=True):
        clusters[root].append(g)
    new: dict[Key, Key] = {}
    for groups in clusters.values():
        head = min(groups, key=lambda g: (-searched[g], g))
        for g in groups:
            new[g] = head
    return {k: new.get(leader, leader) for k, leader in leaders.items()}


def _opposites(
    order: Sequence[Key], leaders: Mapping[Key, Key], not_term: str
) -> list[tuple[int, int]]:
    """Pairs of groups (indexes in ``order``) that are a topic and its negation.

    "can't log in" is a problem and "log in" a how-to, though their sentence vectors are
    close (0.7); but "card not arrived" and "card arrival" are one problem, and "my card hasn't
    arrived" and "still waiting for my card" one question in other words. As in the word pass
    (a negated and a plain key need two shared terms), a negated and a plain group stay apart
    when some key of one, its "not" dropped, is a one-term key of the other.
    """
    position = {g: i for i, g in enumerate(order)}
    plain: dict[str, set[int]] = defaultdict(set)
    negated: dict[str, set[int]] = defaultdict(set)
    for k, leader in leaders.items():
        i = position.get(leader)
        rest = [t for t in k if t != not_term]
        if i is None or len(rest) != 1:
            continue
        (negated if not_term in k else plain)[rest[0]].add(i)
    return sorted({(i, j) for t, ns in negated.items() for i in ns for j in plain.get(t, ())})
