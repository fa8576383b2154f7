"""The rules by which a judged hit's words, or its meaning, are no evidence that it answers, for
:mod:`kb_core.search.confidence`: a hit holding none of the query's distinctive words
(:mod:`kb_core.search.weights`), one of two or more and light (*lone*, words only), a negation
alone, or lacking the query's heaviest word that other articles hold (*orphaned*). The
reasons and the issues behind the first two are in confidence's docstring; the last two here.

A negation ("can't", and on the French portal "pas", "jamais", "rien", "aucun": all the term
"not") modifies the words it goes with: it counts toward a hit's distinctive words only with
another of them (``held``), never alone, and a query's negation is no evidence alone even where
it is in most articles (``negated``: "jamais" and "rien" alone were answered, 1.0, on /fr/, by
any article saying a negation). Its weight still counts in the coverage of a hit holding the
words it goes with ("les notifications n'arrivent pas"). A word that stems as "not" and is no
negation (French "note", "noter") is another term (kb_core.search.text.analysis).

A word that no judged hit holds, that other articles do, and that weighs at least
``ORPHAN_SHARE`` of the query, leaves each judged hit holding one other distinctive word no
evidence, by words or by meaning (``orphaned``): "how do i print my schedule" was answered
(0.404) by *Open shifts and shift swaps*, the model putting *Create and publish a schedule*
near it (0.54), though the three best hold "schedule" only and "print" (said of backup codes
and invoices) weighs 0.87. A word no article holds is left to meaning ("looker studio": the
connector's article says "studio"; words only, such a hit is lone already). On the training
sets (bench/unanswered_eval.py, with bench/queries/offtopic/near_miss.csv's 5 rows and
near_miss_fr.csv's 4 rows added before the change), see bench/HISTORY.md.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence

from kb_core.search.scores import Scores
from kb_core.search.text.analysis import NOT
from kb_core.search.text.plan import Clause, untagged

LONE_SHARE = 0.5  # a lone distinctive word weighing less than this is no evidence, words only
# A word no judged hit holds and another article does, weighing at least this share of the
# query, leaves the hits holding one other word only no evidence, with meaning too: "print" in
# "how do i print my schedule" (0.87). On the training sets such words on-topic weighed 0.50 to
# 0.60 ("does duckduckgo give my data to the police": 0.55), where meaning judges right.
ORPHAN_SHARE = 2 / 3


def negations(clauses: Sequence[Clause]) -> set[int]:
    """The typed clauses (by position) that are a negation ("can't", French "pas"): each of
    their alternatives is the term ``NOT`` alone."""
    return {
        i
        for i, clause in enumerate(clauses)
        if clause.alternatives
        and all(tuple(map(untagged, alt)) == (NOT,) for alt in clause.alternatives)
    }


def orphaned(
    weights: Callable[[int], Sequence[float]] | Sequence[float],
    covered: Sequence[Scores],
    docs: Sequence[int],
    among: set[int],
    holds: Sequence[int],
) -> list[bool]:
    """For each of ``docs`` (the judged hits, holding ``holds`` of the clauses ``among``,
    the distinctive ones), whether it holds one of them only and lacks one that weighs at
    least ``ORPHAN_SHARE`` of the query in it (``weights``, the clauses' or a document's),
    that no judged hit holds and another article does: see the module docstring."""
    of = weights if callable(weights) else lambda _d: weights
    lacked = {
        i
        for i, has in enumerate(covered)
        if i in among and len(has) and not any(d in has for d in docs)
    }
    return [
        n == 1 and any(w >= ORPHAN_SHARE for i, w in enumerate(of(d)) if i in lacked)
        for d, n in zip(docs, holds, strict=True)
    ]


def held(
    covered: Sequence[Container[int]],
    docs: Sequence[int],
    among: set[int],
    negating: Container[int] = (),
) -> list[int]:
    """For each of ``docs``, how many of the clauses ``among`` (distinctive ones) it holds;
    ``covered`` is each clause's set of articles, in clause order. A negation (``negating``)
    modifies the words it goes with: it counts only with another of them, none alone."""
    counts = []
    for d in docs:
        found = [i for i, has in enumerate(covered) if i in among and d in has]
        plain = sum(1 for i in found if i not in negating)
        counts.append(len(found) if plain else 0)
    return counts


def discount(
    covers: Sequence[float],
    meaning: Sequence[float] | None,
    holds: Sequence[int],
    distinct: int,
    orphan: Sequence[bool] = (),
    negated: bool = False,
) -> tuple[list[float], list[float] | None, list[bool]]:
    """The hits' signals as evidence, given how many of the query's ``distinct`` distinctive
    words each ``holds``: a hit holding none of them has neither coverage nor meaning (when
    the query has any); and whether each is *lone*, one distinctive word of two or more and
    lighter than ``LONE_SHARE`` (no evidence without meaning: see
    :func:`kb_core.search.confidence.confidence`); and a hit
    ``orphan`` (see ``orphaned``) is no evidence either, by words or by meaning."""
    # (a query's negation alone, however common, is no evidence either: ``negated``)
    blind = [(distinct > 0 or negated) and n == 0 for n in holds]
    covers = [0.0 if b else c for c, b in zip(covers, blind, strict=False)]
    if meaning is not None:
        meaning = [0.0 if b else m for m, b in zip(meaning, blind, strict=False)]
    lone = [
        distinct >= 2 and n == 1 and c < LONE_SHARE for c, n in zip(covers, holds, strict=False)
    ]
    if orphan:  # hits lacking the query's heaviest word, held elsewhere: no evidence
        lone = [a or o for a, o in zip(lone, orphan, strict=False)]
        if meaning is not None:
            meaning = [0.0 if o else m for m, o in zip(meaning, orphan, strict=False)]
    return covers, meaning, lone


def no_evidence(
    covers: Sequence[float], holds: Sequence[int], distinct: int, negated: bool = False
) -> list[bool]:
    """For each hit (its ``coverage`` and how many of the query's ``distinct`` distinctive
    words it ``holds``; ``negated``: the query has a negation), whether its words are no
    evidence that it answers, without meaning (see ``discount``): it holds none of the
    distinctive words, or is lone."""
    covers, _, lone = discount(covers, None, holds, distinct, negated=negated)
    return [c <= 0.0 or a for c, a in zip(covers, lone, strict=True)]
