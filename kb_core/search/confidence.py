"""How sure a search is that its results answer the query, and the threshold below which it
counts as unanswered (shown as "not an exact match", logged as a gap).

Two signals of the best ``DEPTH`` hits: *coverage*, the share of the typed words (each
weighted by its idf, so "bitcoin" outweighs "pay") that the article contains, and *meaning*,
the cosine of the query's sentence vector with the article's title and keywords (when the
index has vectors). A hit's confidence is ``(coverage + MEANING_WEIGHT * meaning) / (1 +
MEANING_WEIGHT)``; the search's is its best hit's. A hit that holds every typed word makes
the search answered without encoding it (on the query sets, every such search reaches the
threshold with meaning too, bar none), so keyword searches cost no model time.

The weight and both thresholds are chosen by ``bench/confidence_eval.py`` on the training
halves of the query sets in ``bench/queries`` (on-topic sets, and off-topic searches for the
example KB): the threshold that marks the most off-topic searches unanswered while marking at
most 5% of on-topic ones. On the held-out halves, never tuned on: 86.7% of 30 off-topic
searches unanswered, 6.5% of 93 on-topic ones (1.2% of the 81 whose answer search ranks in its
top 3); words only 56.7% and 7.5%.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Container, Sequence

from whoosh.reading import IndexReader

from kb_core.search.text import Clause

DEPTH = 3  # hits whose confidence is measured
WHOLE = 1.0 - 1e-9  # coverage of a hit holding every typed word: answered, no model needed
MEANING_WEIGHT = 2.0
THRESHOLD = 0.355  # with meaning; chosen by bench/confidence_eval.py
WORDS_ONLY_THRESHOLD = 0.279  # an index without vectors: coverage alone


def clause_weights(
    reader: IndexReader,
    clauses: Sequence[Clause],
    frequency: Callable[[str], int] | None = None,
) -> list[float]:
    """Each typed clause's idf, as a share of their sum; a word no article has weighs most.
    ``frequency``: a term's document frequency, when the search has them already."""
    total_docs = reader.doc_count_all()
    if frequency is None:
        frequency = functools.partial(reader.doc_frequency, "terms")
    weights = []
    for clause in clauses:
        n = max((min(map(frequency, alt)) for alt in clause.alternatives), default=0)
        weights.append(math.log(1 + (total_docs - n + 0.5) / (n + 0.5)))
    total = sum(weights) or 1.0
    return [w / total for w in weights]


def coverage(
    weights: Sequence[float], covered: Sequence[Container[int]], docs: Sequence[int]
) -> list[float]:
    """For each of ``docs``, the weight of the typed clauses whose articles include it."""
    return [sum(w for w, has in zip(weights, covered, strict=False) if d in has) for d in docs]


def confidence(covers: Sequence[float], meaning: Sequence[float] | None) -> float:
    """The best hit's confidence, from ``coverage`` and (or None) ``meaning`` in rank order."""
    if not covers:
        return 0.0
    if meaning is None:
        return max(covers)
    return max(
        (c + MEANING_WEIGHT * max(0.0, m)) / (1 + MEANING_WEIGHT)
        for c, m in zip(covers, meaning, strict=False)
    )


def answered(value: float, *, with_meaning: bool) -> bool:
    """Whether a search of confidence ``value`` counts as answered."""
    return value >= (THRESHOLD if with_meaning else WORDS_ONLY_THRESHOLD)
