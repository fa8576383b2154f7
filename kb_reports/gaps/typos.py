"""Typo folding for ``gaps_grouping``: a rare term becomes a far more common one one edit away.

Candidates come from a deletion-neighbourhood index (SymSpell's blocking: two words one edit
apart share a string with one letter deleted), never from comparing all pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping

__all__ = ["MIN_TYPO_LEN", "one_edit", "typo_map"]

MIN_TYPO_LEN = 5  # shorter words are too often other real words one letter away
TYPO_RATIO = 3  # a term is a typo of another only if the other is this many times as common
TYPO_MAX_SHARE = 0.002  # ... and if it is rare: in at most this share of the searches (or 2)
KNOWN_WEIGHT = 1_000_000  # a published word counts as very common: typos go to it


def _plain(term: str) -> bool:
    return "_" not in term and not term.isdigit()


def one_edit(a: str, b: str) -> bool:
    """True when ``b`` is ``a`` with one letter inserted, deleted, changed, or two adjacent
    letters swapped, the first letter kept (typos rarely hit the first letter)."""
    if a == b or a[:1] != b[:1] or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    return a[i + 1 :] == b[i + 1 :] or (
        i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    )


def _deletes(term: str) -> set[str]:
    return {term[:i] + term[i + 1 :] for i in range(len(term))}


def typo_map(freq: Mapping[str, int], known: Collection[str] = ()) -> dict[str, str]:
    """Map rare terms to a far more common term (or a ``known`` word) one edit away."""
    weight = dict(freq)
    for t in known:
        weight[t] = weight.get(t, 0) + KNOWN_WEIGHT
    index: dict[str, list[str]] = defaultdict(list)
    for t in sorted(weight):
        if len(t) >= MIN_TYPO_LEN - 1 and _plain(t):
            index[t].append(t)
            for d in _deletes(t):
                index[d].append(t)
    fixes: dict[str, str] = {}
    rare = max(2.0, sum(freq.values()) * TYPO_MAX_SHARE)
    for t in sorted(freq):
        if len(t) < MIN_TYPO_LEN or t in known or not _plain(t) or freq[t] > rare:
            continue
        best, best_w = "", weight[t] * TYPO_RATIO - 1
        for probe in sorted({t} | _deletes(t)):
            for cand in index.get(probe, ()):
                w = weight[cand]
                if (w > best_w or (w == best_w and cand < best)) and one_edit(t, cand):
                    best, best_w = cand, w
        if best:
            fixes[t] = best
    return fixes
