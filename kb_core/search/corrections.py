"""A query's words as the articles write them, before it is scored: compounds (words typed
apart that the articles write as one, and the reverse) and typos (a word the index has never
seen, mapped to the nearest known word); the rules are :mod:`.spell`'s. Used by
:class:`~kb_core.search.rank.Ranker`."""

from __future__ import annotations

from collections.abc import Callable

from kb_core.search.spell import Vocabulary, common_word, join_apart, split_joined
from kb_core.search.text.analysis import fold
from kb_core.search.text.plan import QueryPlan, QueryPlanner


def compounds(
    plan: QueryPlan,
    planner: QueryPlanner,
    vocabulary: Vocabulary,
    frequency: Callable[[str], int],
) -> None:
    """Words typed apart that the articles write as one ("log in", "back up"), and a
    word typed as one that they write apart ("duckplayer"); see :mod:`.spell`."""
    join_apart(plan, planner, frequency)
    split_joined(plan, planner, frequency, vocabulary)


def typos(
    plan: QueryPlan,
    planner: QueryPlanner,
    vocabulary: Vocabulary,
    frequency: Callable[[str], int],
) -> dict[str, str]:
    """Words of the query that the index has never seen, mapped to the nearest known word."""
    fixes: dict[str, str] = {}
    for clause in plan.clauses:
        word = fold(clause.surface)
        if " " in word or any(all(map(frequency, alt)) for alt in clause.alternatives):
            continue
        language = planner.analyzer.language
        if language != "en" and common_word(clause.surface, language):
            continue  # "facture" on /fr/: a word the articles lack, not a typo (spell.py)
        near = vocabulary.nearest(word)
        if near and planner.word(near):
            fixes[clause.surface] = near
    return fixes


def apply(
    plan: QueryPlan,
    planner: QueryPlanner,
    fixes: dict[str, str],
    frequency: Callable[[str], int],
) -> bool:
    """Search ``plan``'s misspelt words (``fixes``, from :func:`typos`) as corrected;
    whether there were any."""
    for clause in plan.clauses:
        fix = fixes.get(clause.surface)
        if fix:
            alternatives, synonyms = planner.word(fix), False
            if not any(all(map(frequency, alt)) for alt in alternatives):
                # a synonym's word no article says: its group's ("remboursement": refund)
                planned = planner.plan(fix).clauses
                if len(planned) == 1 and planned[0].synonyms:
                    alternatives, synonyms = planned[0].alternatives, True
            clause.alternatives = alternatives
            clause.surface, clause.corrected, clause.synonyms = fix, True, synonyms
    return bool(fixes)
