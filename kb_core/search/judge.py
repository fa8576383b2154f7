"""A search's confidence judged from its best hits, for :class:`~kb_core.search.rank.Ranker`:
the rules of :mod:`kb_core.search.confidence` (with the clauses' weights of
:mod:`kb_core.search.weights` and the discounts of :mod:`kb_core.search.discounts`) applied to
one search's ranked hits, filling its :class:`~kb_core.search.hits.Ranked` with their coverage,
meaning, confidence and whether it is answered.

Apart from the ranking because it ranks nothing: it reads the ranking's result and each clause's
articles, and asks the sentence model only when words do not settle it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kb_core.search import confidence as search_confidence
from kb_core.search import discounts
from kb_core.search.hits import Ranked
from kb_core.search.scores import Scores
from kb_core.search.text.analysis import fold
from kb_core.search.text.finder import WordFinder
from kb_core.search.text.plan import Clause, QueryPlanner
from kb_core.search.weights import ClauseWeights
from kb_core.semantic import Meanings, encoder


def apart(
    planner: QueryPlanner,
    hits: list[dict[str, Any]],
    typed: list[Clause],
    finder: WordFinder,
    covered: list[Scores],
    distinct: set[int],
    top: list[int],
) -> list[bool]:
    """For each of the best ``hits`` (stored fields; documents ``top``), whether it holds
    every ``distinct`` typed clause, two or more, but none of them together
    (:func:`kb_core.search.confidence.apart`): its words then count nothing toward confidence."""
    if len(distinct) < 2:
        return [False] * len(hits)
    holds = discounts.held(covered[: len(typed)], top, distinct)
    synonyms = {i for i, c in enumerate(typed) if c.synonyms}
    said = None  # the typed words of the clauses a synonym group widened
    if synonyms & distinct:
        stop = planner.is_stop_word
        said = WordFinder(
            [
                [
                    t
                    for w in fold(c.surface).split()
                    if not stop(w)
                    for t in (w, *planner.word_terms(w))
                ]
                if c.synonyms
                else []
                for c in typed
            ]
        )
    return [
        n == len(distinct) and search_confidence.apart(f, finder, said, distinct, synonyms)
        for f, n in zip(hits, holds, strict=True)
    ]


def judge(
    meanings: Meanings | None,
    rows: np.ndarray | None,
    query: str,
    vector: np.ndarray | None,
    weights: ClauseWeights,
    words: tuple[list[Scores], set[int], list[bool]],
    ranked: list[tuple[float, int]],
    found: Ranked,
    encoded: np.ndarray | None = None,
) -> np.ndarray | None:
    """Fill ``found``'s confidence from its best hits (see :mod:`kb_core.search.confidence`),
    given ``words``: each clause's set of articles, the distinctive clauses, and whether
    each hit holds them apart (:func:`apart`: its coverage counts nothing); the
    query's vector if it was needed (``encoded``, when the search has it already but
    meaning did not reorder with it: judged as if it had not been encoded). ``meanings``
    and ``rows``: the articles' vectors and each document's row in them (None: words only)."""
    covered, distinct, held_apart = words
    top = [d for _, d in ranked[: search_confidence.DEPTH]]
    held = search_confidence.coverage(weights, covered, top)
    covers = [0.0 if a else c for c, a in zip(held, held_apart, strict=True)]
    scores = [s for s, _ in ranked[: search_confidence.DEPTH]]
    # a hit holding every typed word is answered without the model: keywords cost nothing
    # (the first hit, or one the ranking nearly ties with it: see below_first)
    whole = max(search_confidence.below_first(covers, scores, held[0]), default=0.0)
    sure = vector is None and whole >= search_confidence.WHOLE
    meaning = None
    if meanings is not None and rows is not None and not sure:
        if vector is None:
            vector = encoded if encoded is not None else encoder().encode_one(query)
        docs = np.array(top, dtype=np.int64)
        meaning = meanings.similarity(vector, rows[docs]).tolist()
    negating = discounts.negations(weights.clauses)
    holds = discounts.held(covered[: len(weights)], top, distinct, negating)
    orphan = discounts.orphaned(weights, covered, top, distinct, holds)
    found.coverage, found.meaning, found.lone = discounts.discount(
        covers, meaning, holds, len(distinct), orphan, bool(negating)
    )
    found.coverage = search_confidence.below_first(found.coverage, scores, held[0])
    found.confidence = search_confidence.confidence(found.coverage, found.meaning, found.lone)
    found.answered = search_confidence.answered(
        found.confidence, with_meaning=found.meaning is not None
    )
    return vector


def weak(
    weights: ClauseWeights,
    covered: list[Scores],
    shown: list[int],
    typed: list[Clause],
    distinct: set[int],
) -> list[bool]:
    """Words only (an index without vectors): for each of the ``shown`` hits, past the limit
    too (the count of matches), whether its words are no evidence that it answers
    (:func:`discounts.no_evidence`)."""
    negating = discounts.negations(typed)
    return discounts.no_evidence(
        search_confidence.coverage(weights, covered, shown),
        discounts.held(covered[: len(weights)], shown, distinct, negating),
        len(distinct),
        bool(negating),
    )
