"""How well a grouping of queries matches known labels (intents): for the benchmark and tests.

Every query counts once per occurrence (pass a query once per search to weight by searches):

- purity: the share of queries that belong to their group's majority label (1.0 when no group
  mixes labels; putting every query alone also scores 1.0, so read it with the next figure);
- inverse purity (completeness): the share of queries that sit in their label's largest group
  (1.0 when each label is in one group; one group for everything also scores 1.0);
- majority share: the share of labels that have more than half of their queries in one group.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

__all__ = ["Scores", "scores"]


@dataclass(frozen=True)
class Scores:
    """Grouping quality against labels; see the module docstring for the definitions."""

    queries: int
    labels: int
    groups: int
    purity: float
    inverse_purity: float
    majority_share: float


def scores(pairs: Iterable[tuple[Hashable, Hashable]]) -> Scores:
    """Score (group, label) pairs, one pair per query. Raises ValueError when empty."""
    by_group: dict[Hashable, Counter[Hashable]] = defaultdict(Counter)
    by_label: dict[Hashable, Counter[Hashable]] = defaultdict(Counter)
    n = 0
    for group, label in pairs:
        by_group[group][label] += 1
        by_label[label][group] += 1
        n += 1
    if not n:
        raise ValueError("no queries to score")
    top = [c.most_common(1)[0][1] for c in by_label.values()]
    return Scores(
        queries=n,
        labels=len(by_label),
        groups=len(by_group),
        purity=sum(c.most_common(1)[0][1] for c in by_group.values()) / n,
        inverse_purity=sum(top) / n,
        majority_share=sum(
            1 for t, c in zip(top, by_label.values(), strict=True) if 2 * t > c.total()
        )
        / len(by_label),
    )
