"""The articles a search finds and their scores, as numpy arrays (:mod:`kb_core.search.rank`
adds them up clause by clause).

Each score is the sum a dict of Python floats would give, to the last bit: the same products
(``idf x weight``, in double precision), added in the same order; an article a clause does not
find gets 0.0 added, which changes no float. The order articles were first found in is kept
too, because it breaks ties between equal scores (Whoosh rounds field lengths to a byte, so
equal scores are common). A dict cost a Python step per posting; at 9,746 articles a search
reads tens of thousands.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import itemgetter

import numpy as np


class Scores:
    """Articles found, as document numbers in the order they were first found (``order``),
    with every document number's score (``values``: 0.0 where not found). ``d in scores``
    tells whether article ``d`` was found, ``len(scores)`` how many were."""

    __slots__ = ("order", "values", "seen")

    def __init__(self, size: int) -> None:
        """Nothing found yet, among ``size`` document numbers."""
        self.order = np.zeros(0, dtype=np.int64)
        self.values = np.zeros(size, dtype=np.float64)
        self.seen = np.zeros(size, dtype=bool)

    @classmethod
    def of_fields(cls, size: int, fields: Iterable[tuple[np.ndarray, np.ndarray]]) -> Scores:
        """A term's scores from its postings in each field, in turn: (document numbers, each
        distinct, and what each adds to its article's score)."""
        found = cls(size)
        for ids, added in fields:
            if len(ids):
                found._join(ids[~found.seen[ids]])
                found.values[ids] += added
        return found

    @classmethod
    def all_of(cls, parts: Sequence[Scores]) -> Scores:
        """The articles found by every part (a phrase needs all its words), in the first
        part's order, scored with the sum of the parts."""
        found = parts[0]
        for part in parts[1:]:
            both = found.order[part.seen[found.order]]
            joined = cls(len(found.values))
            joined._join(both)
            joined.values[both] = found.values[both] + part.values[both]
            found = joined
        return found

    @classmethod
    def best_of(cls, size: int, parts: Iterable[Scores]) -> Scores:
        """Each article's best score among the parts (a clause counts its best alternative),
        for the articles where one is above 0.0; an article joins when a part first gives it
        one."""
        found = cls(size)
        for part in parts:
            scored = part.values[part.order]
            better = scored > found.values[part.order]
            found._join(part.order[better & ~found.seen[part.order]])
            found.values[part.order[better]] = scored[better]
        return found

    def add(self, part: Scores) -> None:
        """Add ``part``'s scores; the articles new here join in ``part``'s order."""
        self._join(part.order[~self.seen[part.order]])
        self.values += part.values

    def only(self, allowed: Iterable[int]) -> Scores:
        """The articles among ``allowed``, in the same order, with the same scores."""
        mask = np.zeros(len(self.values), dtype=bool)
        mask[np.fromiter(allowed, dtype=np.int64)] = True
        kept = Scores(len(self.values))
        kept._join(self.order[mask[self.order]])
        kept.values[kept.order] = self.values[kept.order]
        return kept

    def largest(self, n: int) -> list[tuple[int, float]]:
        """The ``n`` best-scored articles, best first, ties in the order found: what
        ``heapq.nlargest(n, items, key=itemgetter(1))`` gives on the (article, score) items in
        that order, without a tuple per article: the n-th best score first (numpy's
        partition), then the articles reaching it."""
        size = len(self.order)
        values = self.values[self.order]
        if size <= n:
            items = zip(self.order.tolist(), values.tolist(), strict=True)
            return sorted(items, key=itemgetter(1), reverse=True)
        at = np.flatnonzero(values >= np.partition(values, size - n)[size - n])
        kept = list(zip(self.order[at].tolist(), values[at].tolist(), strict=True))
        return sorted(kept, key=itemgetter(1), reverse=True)[:n]

    def get(self, d: int, default: float = 0.0) -> float:
        """Article ``d``'s score, or ``default`` if it was not found."""
        return float(self.values[d]) if self.seen[d] else default

    def items(self) -> list[tuple[int, float]]:
        """(article, score) for every article found, in the order found."""
        return list(zip(self.order.tolist(), self.values[self.order].tolist(), strict=True))

    def __contains__(self, d: object) -> bool:
        return bool(isinstance(d, int | np.integer) and 0 <= d < len(self.seen) and self.seen[d])

    def __len__(self) -> int:
        return len(self.order)

    def _join(self, new: np.ndarray) -> None:
        """Articles found for the first time, in order (each distinct, none seen before)."""
        if len(new):
            self.seen[new] = True
            self.order = np.concatenate([self.order, new]) if len(self.order) else new
