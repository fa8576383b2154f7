"""Title-prefix suggestions (the ``complete`` field): articles whose title or keywords have
words starting with each typed word. The portal's boxes use the full ranking instead
(:meth:`kb_core.search.searcher.Searcher.search` with ``prefix``); this stays for callers of
:meth:`kb_core.search.searcher.Searcher.suggest`."""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Collection
from operator import itemgetter
from typing import Any

from whoosh.reading import IndexReader

from kb_core.search.postings import blocks
from kb_core.search.schema import SUGGEST_PREFIX, fields_of
from kb_core.search.text.analysis import fold
from kb_core.search.text.plan import QueryPlan

COMPLETIONS = 5  # index terms an unfinished last word stands for, as the visitor types


def suggest(
    reader: IndexReader, stop: Collection[str], prefix: str, *, limit: int
) -> list[dict[str, Any]]:
    """Articles whose title or keywords have words starting with each typed word."""
    words = [w[:SUGGEST_PREFIX] for w in re.findall(r"[^\W_]+", fold(prefix))]
    if not words or limit < 1:
        return []
    needed = [w for w in words[:-1] if w not in stop] + [words[-1]]
    scores: dict[int, float] | None = None
    for w in sorted(set(needed), key=lambda w: reader.doc_frequency("complete", w)):
        found: dict[int, float] = {}
        for ids, weights in blocks(reader, "complete", w):
            if scores is None:
                found.update(zip(ids, weights, strict=True))
            else:
                found.update(
                    (d, scores[d] + x) for d, x in zip(ids, weights, strict=True) if d in scores
                )
        scores = found
        if not scores:
            return []
    assert scores is not None
    # "how to re": "how" and "to" are not required, but titles that have them rank higher
    for w in set(words[:-1]) - set(needed):
        for ids, weights in blocks(reader, "complete", w):
            for d, x in zip(ids, weights, strict=True):
                if d in scores:
                    scores[d] += x
    typed = " ".join(words)
    best = heapq.nlargest(limit * 4, scores.items(), key=itemgetter(1))
    found_fields = [(score, reader.stored_fields(d)) for d, score in best]

    def key(item: tuple[float, dict[str, Any]]) -> tuple[bool, int, float]:
        title = fold(item[1]["title"])
        starts = sum(1 for w in needed if re.search(rf"\b{re.escape(w)}", title))
        return (not title.startswith(typed), -starts, -item[0])

    return [f for _, f in sorted(found_fields, key=key)[:limit]]


def complete_last(
    reader: IndexReader, plan: QueryPlan, frequency: Callable[[str], int], tags: list[str]
) -> None:
    """As the visitor types, a last word the index lacks ("refu", "passw") stands for the
    commonest index terms it begins (in the text of each language: ``tags``, see
    :class:`QueryPlanner`), before any spelling correction would."""
    last = plan.clauses[-1]
    word = fold(last.surface)
    if (
        len(word) < 2
        or " " in word
        or not plan.words
        or fold(plan.words[-1]) != word
        or any(all(map(frequency, alt)) for alt in last.alternatives)
    ):
        return
    found = []
    for tag in tags:
        field, _, bare = fields_of(tag + word)
        for t in reader.expand_prefix(field, bare):
            term = tag + (t if isinstance(t, str) else t.decode("utf-8"))
            found.append((frequency(term), term))
    if found:
        last.alternatives = [(t,) for _, t in heapq.nlargest(COMPLETIONS, found)]
