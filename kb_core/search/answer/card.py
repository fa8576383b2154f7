"""Which sentences of the best hit make the answer card, and whether a search gets one (see
the package's docstring for the rules and their figures)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kb_core.search.answer import kinds
from kb_core.search.answer.passage import (
    MIN_WORDS,
    NOT_AN_ANSWER,
    Line,
    card_text,
    first_step,
    in_steps,
    plain,
    section_lines,
    starts_an_answer,
)
from kb_core.search.answer.vectors import sentence_vectors
from kb_core.search.text.analysis import normalize_query
from kb_core.search.text.finder import WordFinder
from kb_core.search.text.snippets import sentences
from kb_core.semantic import Encoder, Meanings

QUESTION_WORDS = frozenset(
    """how what why when where who whom whose which can could do does did is are was were
    should shall will would may might am""".split()
)
QUESTION_MIN_WORDS = 4  # a query this long (as typed) is a question or a description
HEADING_WEIGHT = 0.5  # of a query word in the section's heading, against one in the sentence
OPENED_BONUS = 0.15  # the section the hit opens at (hits.best_section)
# of the query's words the whole section holds (heading and text), in choosing the sentence
SECTION_WEIGHT = 0.3
ENCODED = 3  # best sentences by words that are compared by meaning
ENCODED_CHARS = 300  # of each (heading: sentence); 160 was faster but lost training precision
MEANING_WEIGHT = 0.7  # of a sentence's cosine with the query, against its share of words
POSITION_PENALTY = 0.03  # per sentence before it in its section (at most 5): answers lead
SCAN_CHARS = 6_000  # of the hit's sections read for sentences
CARD_THRESHOLD = 0.78  # of a card's score (see score()); see the package's docstring
# Unsure of the article (see unsure()): the runner-up's score by words is at least this share
# of the best hit's (rerank.SEMANTIC_GATE's value: where meaning reorders the ranking), and the
# best hit's nearest section by meaning is farther from the query than one of the next RIVALS.
LEXICAL_CLOSE = 0.8
RIVALS = 2
# A how-to question's answer is a procedure: numbered steps are preferred to the prose beside
# them by this much of a sentence's fit (see how_to()).
STEPS_BONUS = 0.12
# How-to questions ("how do I ...", "where can I ...", "can I ...", "what do I do"); "how long",
# "how much" and the other question words ask for a fact.
_HOW_TO = re.compile(
    r"^(?:how\s+(?:do|can|could|should|would|does|to)\b|where\s+(?:do|can|does)\s|"
    r"(?:can|could)\s+(?:i|we|you)\s|what\s+do\s+(?:i|we)\s+do\b)"
)
# A query that starts with one of these asks how to do it ("remove an old card"): the verbs of
# help-center tasks, not the ones that are as often nouns ("report", "filter", "link").
ACTION_VERBS = frozenset(
    """add remove delete change cancel reset set create export import invite update turn enable
    disable edit install uninstall connect disconnect get find download upload move close
    open sign switch stop block exclude pay buy upgrade downgrade merge share print rename
    restore recover verify use activate deactivate request send replace approve assign publish
    unpublish hide archive unarchive join leave apply claim redeem contact configure embed
    integrate unlink""".split()
)

# A section that describes the problem, not its answer (troubleshooting templates): its
# sentences never start a card.
_PROBLEM_HEADING = re.compile(r"^\s*(?:symptoms?|problem|issue|the problem)\s*$", re.I)


@dataclass(frozen=True)
class Answer:
    """The answer card: ``text`` (plain, whole sentences) from article ``id``'s section
    ``anchor`` (None: the article's top), at ``url`` (with ``#anchor`` when set)."""

    text: str
    id: str
    title: str
    url: str
    anchor: str | None
    score: float
    # what each line of ``text`` is, so a portal can lay a table out as one: "text", "header"
    # (a table's header row), "row" (a row's cells under it, " · " between them) or "more"
    # (``LEFT_OUT``: rows the card leaves out)
    lines: tuple[str, ...] = ()


@dataclass
class _Unit:
    text: str
    section: int  # index into the candidate sections
    position: int  # within the section
    words: float = 0.0
    section_words: float = 0.0  # the query's words its whole section holds (heading and text)
    steps: float = 0.0  # STEPS_BONUS: it starts numbered steps, and the query asks how to
    kind: bool = False  # it holds the kind of answer the question asks for (kinds)
    meaning: float = 0.0


def question_like(query: str) -> bool:
    """A question ("how do I ...", "... ?") or a description of four words or more, not
    keywords: only these get a card."""
    words = normalize_query(query).split()
    if not words:
        return False
    return "?" in query or words[0] in QUESTION_WORDS or len(words) >= QUESTION_MIN_WORDS


def how_to(query: str) -> bool:
    """Whether the query asks how to do something ("how do I remove a card", "can I add a
    location", "remove an old card"): its answer is the steps, not the caveat or the note
    after them (see STEPS_BONUS)."""
    text = " ".join(normalize_query(query).split())
    return bool(_HOW_TO.match(text)) or text.split(" ", 1)[0] in ACTION_VERBS


def lexically_close(lexical: Sequence[float]) -> bool:
    """Whether words alone barely told the best hit from the runner-up: ``lexical`` holds the
    two best scores of the ranking by words (before meaning reorders it)."""
    return len(lexical) > 1 and lexical[0] > 0 and lexical[1] >= LEXICAL_CLOSE * lexical[0]


def unsure(
    vector: np.ndarray,
    lexical: Sequence[float],
    meanings: Meanings | None,
    hits: Sequence[dict[str, Any]],
) -> bool:
    """Whether the search is unsure that its best hit is the article that answers, so that no
    card is shown whatever its score: words barely chose it (:func:`lexically_close`) and
    meaning disagrees, the best hit's nearest section being farther from the query (its
    ``vector``) than the nearest section of one of the ``RIVALS`` hits after it. ``hits`` are
    the stored fields of the hits in rank order; an index without section vectors is never
    unsure."""
    if not lexically_close(lexical) or meanings is None or meanings.sections is None:
        return False
    sections = meanings.sections
    near = []
    for fields in hits[: 1 + RIVALS]:
        row = meanings.row.get(str(fields.get("id", "")))
        if row is not None:
            at = sections.nearest_in(vector, row)
            near.append(float(sections.vectors[at].astype(np.float32) @ vector))
        elif not near:
            return False  # the best hit has no vectors: nothing to compare
    return len(near) > 1 and near[0] < max(near[1:])


def _sections(fields: dict[str, Any]) -> list[tuple[str | None, str, str]]:
    """The hit's sections (anchor, heading, text), led by the text before its first heading
    (anchor None); an article without headings is one section."""
    title, text = str(fields.get("title", "")), str(fields.get("text", ""))
    found: list[tuple[str | None, str, str]] = [
        (a, h, t) for a, h, t in fields.get("sections") or () if t.strip()
    ]
    if found:  # the stored text is the whole body: its intro ends where the first heading is
        heading = str(fields["sections"][0][1])
        first = re.search(rf"(?m)^\s*{re.escape(heading)}\s*$", text)
        text = text[: first.start()] if first else text
    kept: list[tuple[str | None, str, str]] = [(None, title, text)] if text.strip() else []
    read = 0
    for section in found:
        if read > SCAN_CHARS:
            break
        kept.append(section)
        read += len(section[2])
    return kept


def card(
    query: str,
    vector: np.ndarray | None,
    encoder: Encoder,
    fields: dict[str, Any],
    opened: str | None,
    finder: WordFinder,
    weights: Sequence[float],
    confidence: float,
) -> Answer | None:
    """The card for the best hit (its stored ``fields``, opened at section ``opened``), scored
    but not yet held to ``CARD_THRESHOLD``; None when the article has no prose to show."""
    sections = _sections(fields)
    units: list[_Unit] = []
    total = sum(weights) or 1.0

    def share(text: str) -> float:
        return sum(weights[c] for c in finder.clauses_in(text) if c < len(weights)) / total

    title = plain(str(fields.get("title", "")))
    asides = {plain(part) for aside in fields.get("asides") or () for part in sentences(aside)}
    lines: list[list[Line]] = []  # each section's sentences
    steps_bonus = STEPS_BONUS if how_to(query) else 0.0
    asked = kinds.asked(query)  # a kind of answer: only a sentence of it is quoted

    def of_kind(text: str) -> bool:
        return asked is not None and kinds.holds(asked, text, finder.clauses_in)

    for i, (anchor, heading, text) in enumerate(sections):
        lines.append(section_lines(text, asides))
        if anchor is not None and _PROBLEM_HEADING.match(heading):
            continue
        # the lead's "heading" is the title, which every section is under: no credit for it
        named = share(heading) if anchor is not None else 0.0
        head = HEADING_WEIGHT * named + (OPENED_BONUS if anchor == opened else 0.0)
        whole = share(f"{heading}\n{text}" if anchor is not None else text)
        for n, line in enumerate(lines[i]):
            if (
                len(line.text.split()) >= MIN_WORDS
                and starts_an_answer(lines[i], n)
                and first_step(lines[i], n) is not None
                and not NOT_AN_ANSWER.search(line.text)
                and plain(line.text) not in (title, plain(heading))  # the title said again
            ):
                bonus = steps_bonus if steps_bonus and in_steps(lines[i], n) else 0.0
                kind = of_kind(line.text)
                units.append(_Unit(line.text, i, n, head + share(line.text), whole, bonus, kind))
    if not units:
        return None
    ranked = _to_encode(units)
    if vector is None:
        vector = encoder.encode_one(query)
    texts = [f"{sections[u.section][1]}: {u.text}"[:ENCODED_CHARS] for u in ranked]
    for u, cosine in zip(ranked, sentence_vectors(encoder, texts) @ vector, strict=True):
        u.meaning = float(cosine)
    if asked:
        ranked = [u for u in ranked if u.kind]
        if not ranked:
            return None
    # the section of the best sentence; in it, an earlier sentence is preferred a little
    section = max(ranked, key=_fit).section
    best = max(
        (u for u in ranked if u.section == section),
        key=lambda u: _fit(u) - POSITION_PENALTY * min(u.position, 5),
    )
    shown = card_text(best.position, lines[best.section])
    if shown is None:
        return None
    anchor, _, _ = sections[best.section]
    url = str(fields["url"]) + (f"#{anchor}" if anchor else "")
    return Answer(
        text="\n".join(text for text, _ in shown),
        lines=tuple(kind for _, kind in shown),
        id=str(fields["id"]),
        title=str(fields.get("title", "")),
        url=url,
        anchor=anchor,
        score=score(confidence, best.words, best.meaning),
    )


def _by_words(u: _Unit) -> float:
    """A sentence's words in choosing it: its own (and its heading's), and its section's."""
    return u.words + SECTION_WEIGHT * u.section_words


def _to_encode(units: list[_Unit]) -> list[_Unit]:
    """The sentences compared with the query by meaning: the ``ENCODED`` best by words and,
    when none of them starts steps a how-to question prefers (``steps``), the best by words
    that does. The bonus counts only in ``_fit``: without this, steps that lost on words
    alone never reached it ("how do I get a refund" with the example's synonyms: two table
    rows of "When you can get a refund" pushed out "2. Find the payment and click ⋯ ›
    Request refund", and the card quoted "We reply within one business day")."""
    ranked = sorted(units, key=lambda u: (-_by_words(u), u.section, u.position))
    chosen = ranked[:ENCODED]
    if not any(u.steps for u in chosen):
        chosen += [u for u in ranked[ENCODED:] if u.steps][:1]
    if not any(u.kind for u in chosen):
        chosen += [u for u in ranked[ENCODED:] if u.kind and u not in chosen][:1]
    return chosen


def _fit(u: _Unit) -> float:
    return (1 - MEANING_WEIGHT) * _by_words(u) + MEANING_WEIGHT * u.meaning + u.steps


def score(confidence: float, words: float, meaning: float) -> float:
    """A card's score from the search's confidence and its first sentence's share of the
    query's words and cosine with it."""
    return (confidence + min(1.0, words) + 2 * max(0.0, meaning)) / 4
