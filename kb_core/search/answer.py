"""The answer card: the one to three sentences of the best hit that answer a question.

Extractive: the card's text is the article's own words, nothing is generated. A card is
offered only for a question-like query (:func:`question_like`) whose search is answered
(:mod:`kb_core.search.confidence`), is not unsure of its article (:func:`unsure`) and whose best
sentence scores at least ``CARD_THRESHOLD``; when unsure there is no card, since a wrong answer
costs more than none.

Unsure of the article: words barely chose the best hit (the runner-up's score by words is at
least ``LEXICAL_CLOSE`` of its own: the ranking meaning reorders) and meaning disagrees (its
nearest section is farther from the query than the nearest section of one of the next
``RIVALS`` hits). Most wrong cards quote a wrong article, and these are where words and meaning
part. On the training sets, either signal alone gave a lower precision at equal coverage than
both (the mean precision of the four sets at coverages 0.1-0.4, stackfaq's 0.03-0.3: words
alone 0.90, meaning alone 0.89, both 0.93, neither 0.91), and meaning alone removed the
example's card for "how do I get a refund", where *Cancel your subscription* has a "Do I get a
refund?" section though words chose *Get a refund* clearly.

Choosing the sentences: every sentence of the best hit (its sections, or its text when it has
none) is scored by the idf-weighted share of the query's words it holds, its section's
heading counting ``HEADING_WEIGHT`` as much, with a bonus when the section is the one the hit
opens at. The opening text (the lead) gets no heading credit: its "heading" is the title,
which every section is under, and crediting it made the lead win whenever the question
repeated the title (2FA, a discount, a password: the answer was in a later section). In
choosing, not in the card's score, a sentence also counts ``SECTION_WEIGHT`` of the share of
the query's words its whole section holds (heading and text, its questions and labels too),
so a section about the question's words is preferred to one where a sentence merely mentions
them. The best ``ENCODED`` by these words are also compared with the query by meaning (the
sentence model of :mod:`kb_core.semantic`, ~6 ms a sentence here, so only a few and only when
a card is possible), and the best of those by ``MEANING_WEIGHT`` starts the card; following
sentences of the same section join it while they fit in ``CARD_CHARS``, and a sentence ending
in ":" brings the list it introduces.

What a card may start with, from using the portal (cards that quoted a tip's title glued to
its text, a table's header row, step 2 without the step that says where to go, a lead-in
ending in ":" without its list, or the symptoms of a troubleshooting article): prose, a lead-in
whose list fits on the card with it, or a table row other than the header; a numbered step
after the first starts the card at step 1 when the steps before it fit (else it is no start);
the sentences of a section headed "Symptoms" (or "Problem") never start one.

What a card shows (issue 14: cards from the right section that quoted the wrong sentences):
- An admonition's sentences (a note, tip or warning beside the text: the index stores them as
  ``asides``, kb_builder.content.aside_texts) never start a card, nor join one: "If you sign
  in with single sign-on, you can't change it" is a caveat to the steps, not the answer.
- A table row is one unit, its cells' sentences together; a row starts the card at the
  table's first row when the rows before it fit, and the rows after it join while they fit
  (a card that showed "Credit or debit card — 5–10 business days" without the bank transfer
  row, or the fourth provider of a list of five).
- A table row says what its cells are. The index's text names each cell by its column's
  header (kb_builder.content.plain_text: "Paid by: Credit or debit card · Time until you see
  the money: 5–10 business days"); a card quoting one row shows it so, and rows shown together
  (or under their header row, after a lead-in) show the header row once above their bare
  cells, a small table. Rows of a table whose first header is empty (each row's own label:
  "Price, billed monthly · Free: $0 · Team: $4 ...") keep their labels, as their cells would
  not line up under the header row. Before, "how much is the business plan per month?"
  quoted "Price, billed monthly — $0 — $4 per user / month — $8 per user / month", which
  never said which price was Business's. The words and meaning of a row now hold its
  headers' too: on the training sets the example's coverage went from 0.750 to 0.795 at
  the same precision (0.970, 0.971: two more right cards, "which iOS version does the
  mobile app need?" among them), the other sets and kb eval's figures unchanged.
- A list reads on to its end while it fits in ``CARD_CHARS``: the steps after a step, the
  items after a lead-in ending in ":" (the lead-in's list may follow a sentence of prose), not
  three sentences at most as prose does, and not into the paragraph after the list.
- Prose starts at its paragraph's first sentence when the card can show the paragraph up to
  the sentence chosen (three sentences, each one that may start a card): a sentence in the
  middle of a paragraph leans on those before it ("Waiting is the only way to unlock it
  early" without "Tandem locks sign-in for 15 minutes").
- A step after step 3 may start a card too (at step 1), when the steps fit.
On the training sets' questions whose card (at any score) is from the right article, the
marked answer was in the card for 34/42 -> 40/42 (example), 35/48 -> 37/48 (duckduckgo-help)
and 35/46 -> 37/46 (plausible-docs); at the threshold, the same precision or better
(bench/answer_eval.py; the example's eval/queries.csv: kb eval's answer-precision 0.500 ->
0.857). Held out: 30/44 -> 32/44 and 31/47 -> 33/46. Tried on
the training sets and dropped: comparing by meaning the text each card would show rather than
its first sentence, counting the words of the whole card, a penalty per paragraph or list
before a sentence in its section, and a list counting as one sentence in that position: each
gained on some sets what it lost on others.

How-to questions (:func:`how_to`: "how do I ...", "where can I ...", "can I ...", or a query
opening with a task's verb, "remove an old card") prefer numbered steps: a sentence that
starts steps (a step, a step's other sentence, or a list's lead-in) fits ``STEPS_BONUS``
better, in choosing the section and the sentence, not in the card's score. "Remove an old
card" quoted the paragraph after the removal steps ("You can't remove your only card ... then
remove the old one": more of the query's words, and nearer by meaning) and "how do I get the
nonprofit discount code?" the article's opening instead of its "How to apply" steps. On the
training sets: right sections 41/42, 44/52, 40/46 -> 41/42, 44/52, 41/46, precision at the
threshold 0.971, 0.913, 0.909 -> 0.971, 0.913, 0.952 (plausible-docs: one wrong card fewer),
stackfaq unchanged; kb eval's answer-precision 0.857 -> 0.929; held out unchanged. 0.06 fixed
neither card, 0.11-0.2 gave the same cards. Tried and dropped: a bonus for prose on fact
questions ("why", "what", "how long"; 0.08: no card changed) and counting the query's verb
(the word after "how do I", or a leading task verb) 1.5 or 2 times in the words' share (no
example card fixed; duckduckgo-help and plausible-docs gained and lost a card each, and "turn
on 2FA" matched "turn off"). Still wrong: "add a new location" quotes the steps of "Add your
first location" rather than the sentence after them, "You can add more locations later under
Settings › Locations": by meaning that sentence is nearer (0.76 against 0.66), but it comes
five sentences into its section, and the steps are what a how-to question prefers; nothing
found tells a setup's steps from the later way to do the same task without naming the words
(without the bonus, the position penalty alone still prefers step 1: 0.90 against 0.81).

The bonus counts in ``_fit``, after the ``ENCODED`` best by words were chosen to be compared
by meaning, so steps that lost on words alone never got it: with the example's synonyms, "how
do I get a refund" compared two table rows of "When you can get a refund" and "We reply within
one business day. Once a refund is approved, ... you get an email" (more of "get" and
"refund") and quoted the reply time, not "2. Find the payment and click ⋯ › Request refund".
For a how-to question, the best sentence by words that starts steps is now compared too when
none of those does (one encoding more, at most); on the training sets no card changed at the
threshold (bench/answer_eval.py), nor kb eval's figures.

Questions that ask for a kind of answer (:mod:`kb_core.search.answer_type`: "who" a role,
"when"/"how long" a time or duration, "how much/many" an amount, "can I" a possibility or a
limit) quote only a sentence that holds it, chosen among those compared by meaning (the best by
words that holds it is compared too when none of the ``ENCODED`` does), and get no card when
none does. "who can approve timesheets" quoted "Approved timesheets show a green tick" (the
"Approve timesheets" section won on its heading), "how long does a refund take" "Refunds go
back to the payment method you paid with", "can I change my own role" the steps to change
someone's role; they now quote the lead's "a Manager or Admin checks everyone's hours and
approves them", the 5-10 business days rows and "You can't change your own role". On the
training sets no card changed at the threshold but two right ones that now quote the duration,
and stackfaq group 0 lost one right card ("Who would want to use wolfram alpha and for
what?"); precision unchanged everywhere. A bonus for such sentences instead (0.06-0.3 of the
fit) changed no figure on the training sets and fixed only the refund card: the other two lost
to an earlier sentence of the section or to the section's heading.

The constants are chosen by ``bench/answer_eval.py`` on the training sets only:
bench/queries/answers_train (44 questions on the example KB, 93 on duckduckgo-help and 77 on
plausible-docs, some with no answer in the corpus) and stackfaq group 0. On the three
answers_train sets, the cards from the right article quoting the right section went from
41/42, 42/54 and 33/46 to 42/42, 48/54 and 38/46 (the lead alone: 42, 46, 36). Also tried
there and dropped: discounting the title's words in the sentences or sections (lost the
example's sections), encoding more sentences (5, or the best by the section encoder: no
gain), withholding the card when the two best sections score within 0.01-0.04 (fewer right
cards, no fewer wrong ones). With the section's words, ``MEANING_WEIGHT`` went from 0.6 to 0.7
(0.6-0.9 tried). ``CARD_THRESHOLD`` is the lowest at which every training set
reaches a precision of 0.9, a margin over the 0.85 target: example 1.000 at coverage 0.77,
duckduckgo-help 0.957 at 0.25, plausible-docs 0.905 at 0.27, stackfaq 1.000 at 0.08 (before
the section choice: 0.84, with 0.963 at 0.61, 0.944 at 0.19, 1.000 at 0.16 and 1.000 at
0.03). ``LEXICAL_CLOSE`` is rank.SEMANTIC_GATE's value; on the training sets 0.5-0.9 were
tried and 0.8 gave the best precision at equal coverage. On the help centers' own questions
the score separates right from wrong cards only near the top, so the card is shown rarely
there: a wrong answer costs more than none.

Held out, never tuned on (bench/answer_eval.py, the section-level answer sets in
bench/queries/answers and stackfaq group 1), after the rules on what a card shows (issue 14):
stackfaq 1.000 at coverage 0.10, duckduckgo-help 0.917 at 0.34, plausible-docs 0.913 at 0.36
(before them 1.000 at 0.10, 0.917 at 0.34, 0.880 at 0.39; before the rules on what a card may
start with: 1.000 at 0.12, 0.880 at 0.35, 0.846 at 0.41; before the section choice 0.875 at
0.23 and 0.688 at 0.25; 0.778 at 0.25 without the unsure gate).
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kb_core.search import answer_type
from kb_core.search.text.analysis import normalize_query
from kb_core.search.text.finder import WordFinder
from kb_core.search.text.snippets import collapse_blanks, sentences
from kb_core.search.text.tables import all_labelled, table_lines, unlabelled
from kb_core.semantic import Encoder, Meanings

QUESTION_WORDS = frozenset(
    """how what why when where who whom whose which can could do does did is are was were
    should shall will would may might am""".split()
)
QUESTION_MIN_WORDS = 4  # a query this long (as typed) is a question or a description
HEADING_WEIGHT = 0.5  # of a query word in the section's heading, against one in the sentence
OPENED_BONUS = 0.15  # the section the hit opens at (rank's _best_section)
# of the query's words the whole section holds (heading and text), in choosing the sentence
SECTION_WEIGHT = 0.3
ENCODED = 3  # best sentences by words that are compared by meaning
ENCODED_CHARS = 300  # of each (heading: sentence); 160 was faster but lost training precision
MEANING_WEIGHT = 0.7  # of a sentence's cosine with the query, against its share of words
POSITION_PENALTY = 0.03  # per sentence before it in its section (at most 5): answers lead
CARD_CHARS = 320  # a card's longest text, in characters (whole sentences)
LEFT_OUT = "…"  # a card's line where it leaves out rows of a table it shows
MIN_WORDS = 3  # shorter lines are labels and table headers, not answers
SCAN_CHARS = 6_000  # of the hit's sections read for sentences
CARD_THRESHOLD = 0.78  # of a card's score (see score()); see the module docstring
# Unsure of the article (see unsure()): the runner-up's score by words is at least this share
# of the best hit's (rank.SEMANTIC_GATE's value: where meaning reorders the ranking), and the
# best hit's nearest section by meaning is farther from the query than one of the next RIVALS.
LEXICAL_CLOSE = 0.8
RIVALS = 2
SENTENCES_KEPT = 4_096  # sentence vectors a process keeps, the least recently used dropped (6 MB)
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

_PROSE_END = re.compile(r"[.!?)\"”]$")
_STEP = re.compile(r"^(\d{1,2})[.)]\s")  # a numbered step: "2. Click Publish."
_LIST_NUMBER = re.compile(r"^\d{1,2}[.)]$")  # a step's number, split from it as a "sentence"
# A section that describes the problem, not its answer (troubleshooting templates): its
# sentences never start a card.
_PROBLEM_HEADING = re.compile(r"^\s*(?:symptoms?|problem|issue|the problem)\s*$", re.I)
# Not answers: a question (a Q&A article's own question, an FAQ heading) and a signpost about
# the page itself ("This page explains when we refund payments and how to ask.").
_NOT_AN_ANSWER = re.compile(
    r"\?\s*$|^(?:this|the following|in this|on this)\s+(?:page|article|guide|section|"
    r"document|doc|tutorial|topic)\b",
    re.I,
)


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
    kind: bool = False  # it holds the kind of answer the question asks for (answer_type)
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

    title = _plain(str(fields.get("title", "")))
    asides = {_plain(part) for aside in fields.get("asides") or () for part in sentences(aside)}
    lines: list[list[_Line]] = []  # each section's sentences
    steps_bonus = STEPS_BONUS if how_to(query) else 0.0
    asked = answer_type.asked(query)  # a kind of answer: only a sentence of it is quoted

    def of_kind(text: str) -> bool:
        return asked is not None and answer_type.holds(asked, text, finder.clauses_in)

    for i, (anchor, heading, text) in enumerate(sections):
        lines.append(_lines(text, asides))
        if anchor is not None and _PROBLEM_HEADING.match(heading):
            continue
        # the lead's "heading" is the title, which every section is under: no credit for it
        named = share(heading) if anchor is not None else 0.0
        head = HEADING_WEIGHT * named + (OPENED_BONUS if anchor == opened else 0.0)
        whole = share(f"{heading}\n{text}" if anchor is not None else text)
        for n, line in enumerate(lines[i]):
            if (
                len(line.text.split()) >= MIN_WORDS
                and _starts_an_answer(lines[i], n)
                and _first_step(lines[i], n) is not None
                and not _NOT_AN_ANSWER.search(line.text)
                and _plain(line.text) not in (title, _plain(heading))  # the title said again
            ):
                bonus = steps_bonus if steps_bonus and _in_steps(lines[i], n) else 0.0
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
    shown = _card_text(best, lines[best.section])
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


class _Kept:
    """One encoder's sentence vectors by text, least recently used first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.vectors: OrderedDict[str, np.ndarray] = OrderedDict()


_KEPT: weakref.WeakKeyDictionary[Encoder, _Kept] = weakref.WeakKeyDictionary()
_KEPT_LOCK = threading.Lock()


def sentence_vectors(encoder: Encoder, texts: Sequence[str]) -> np.ndarray:
    """``encoder.encode(texts)``, each text encoded once per process while it stays among the
    ``SENTENCES_KEPT`` most recently used: the questions people ask land on the same popular
    articles, whose few candidate sentences cost a card most of its time (about 5 ms each).
    The same vectors as encoding them again: the model reads one text at a time."""
    with _KEPT_LOCK:
        kept = _KEPT.get(encoder)
        if kept is None:
            kept = _KEPT[encoder] = _Kept()
    found: dict[str, np.ndarray] = {}
    with kept.lock:
        for text in texts:
            vector = kept.vectors.get(text)
            if vector is not None:
                kept.vectors.move_to_end(text)
                found[text] = vector
    missing = [t for t in dict.fromkeys(texts) if t not in found]
    if missing:
        fresh = encoder.encode(missing)
        with kept.lock:
            for text, vector in zip(missing, fresh, strict=True):
                found[text] = kept.vectors[text] = vector
            while len(kept.vectors) > SENTENCES_KEPT:
                kept.vectors.popitem(last=False)
    return np.stack([found[t] for t in texts])


def _plain(text: str) -> str:
    return " ".join(normalize_query(text).split())


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


def _in_steps(lines: list[_Line], n: int) -> bool:
    """Whether a card starting at sentence ``n`` shows numbered steps: a step (or a step's
    other sentence), or the lead-in of a numbered list."""
    start = _first_step(lines, n)
    if start is None:
        return False
    if lines[start].kind == "step":
        return True
    return lines[n].text.endswith(":") and n + 1 < len(lines) and lines[n + 1].kind == "step"


def score(confidence: float, words: float, meaning: float) -> float:
    """A card's score from the search's confidence and its first sentence's share of the
    query's words and cosine with it."""
    return (confidence + min(1.0, words) + 2 * max(0.0, meaning)) / 4


@dataclass(frozen=True)
class _Line:
    """A sentence of a section, or a whole table row, and where it stands in the text."""

    text: str
    line: int  # the text line it is on (a list item, a paragraph, a table row)
    opens: bool  # it starts a block: a paragraph, a list, a table's body (after a blank line)
    kind: str  # "text", "step" (a numbered step), "row", "header" (a table's first row), "aside"
    header: str = ""  # a row's: its table's header row (the text of that "header" line)


def _lines(text: str, asides: set[str]) -> list[_Line]:
    """The sentences of a section's text, a numbered step's number kept with its step and a
    table row kept whole (its cells may hold several sentences: the row is the answer); a
    sentence of one of the article's admonitions (``asides``, plain) is of kind "aside".

    The stored text keeps its lines, and a line after a blank one starts with a space
    (kb_builder.content.plain_text): that is how a paragraph or a list's end is known."""
    raw = text.split("\n")
    found: list[_Line] = []
    header = ""
    rows = table_lines(raw)
    for i, line in enumerate(raw):
        opens = line[:1].isspace() or i == 0
        if rows[i]:
            if i == 0 or not rows[i - 1]:  # a table's first line: its header row
                header = collapse_blanks(line)
                found.append(_Line(header, i, opens, "header"))
            else:
                found.append(_Line(collapse_blanks(line), i, opens, "row", header))
            continue
        for part in sentences(line):
            if found and found[-1].line == i and _LIST_NUMBER.match(found[-1].text):
                found[-1] = _Line(f"{found[-1].text} {part}", i, found[-1].opens, "step")
            else:
                kind = "step" if _STEP.match(part) else "text"
                kind = "aside" if kind == "text" and _plain(part) in asides else kind
                found.append(_Line(part, i, opens and not (found and found[-1].line == i), kind))
    return found


def _starts_an_answer(lines: list[_Line], n: int) -> bool:
    """Whether sentence ``n`` of a section may start a card: prose, a lead-in ending in ":"
    (its list must follow it on the card), or a table row other than the table's first (its
    header). Labels, headings and admonition titles never do."""
    line = lines[n]
    if line.kind in ("row", "header", "aside"):
        return line.kind == "row"  # an aside is a caveat beside the answer, not the answer
    return bool(_PROSE_END.search(line.text)) or line.text.endswith(":")


def _first_step(lines: list[_Line], n: int) -> int | None:
    """Where a card starting at sentence ``n`` begins: at ``n``, unless it is a numbered step
    after the first, when the card shows the steps before it too (the first says where to
    go), or None when those do not fit on a card; a table row after the first starts the
    card at the table's first row when the rows before it fit (else at itself)."""
    if lines[n].kind == "row":
        first = n
        while first > 0 and lines[first - 1].kind == "row":
            first -= 1
        fits = len(_joined(lines[first : n + 1])) <= CARD_CHARS
        return first if fits else n
    step = _STEP.match(lines[n].text)
    if step is None and lines[n].kind == "text":
        start = _paragraph_start(lines, n)
        if lines[start].kind == "step":  # a step's other sentence: the steps before it too
            steps = _first_step(lines, start)
            fits = steps is not None and len(_joined(lines[steps : n + 1])) <= CARD_CHARS
            return steps if steps is not None and fits else start
        return start
    if step is None or step.group(1) == "1":
        return n
    want, back = int(step.group(1)) - 1, n - 1
    while back >= 0:  # the steps before it, in order, and the other sentences of theirs
        number = _STEP.match(lines[back].text)
        if number is not None:
            if int(number.group(1)) != want:
                return None
            want -= 1
            if want == 0:
                break
        elif lines[back].line != lines[back - 1].line or back == 0:
            return None  # not a step's own sentence: the list is not whole here
        back -= 1
    if want:
        return None
    return back if len(_joined(lines[back : n + 1])) <= CARD_CHARS else None


def _paragraph_start(lines: list[_Line], n: int) -> int:
    """Where a card whose best sentence is prose sentence ``n`` starts: at its paragraph's
    first sentence when the card can show the paragraph up to it (three sentences at most,
    in CARD_CHARS) and each of those may start a card, else at ``n``. A sentence in the
    middle of a paragraph leans on the ones before it ("Waiting is the only way to unlock
    it early"), and the paragraph's first often says what the later ones qualify."""
    first = n
    while first > 0 and n - first < 2 and lines[first - 1].line == lines[n].line:
        before = lines[first - 1].text
        if len(before.split()) < MIN_WORDS or _NOT_AN_ANSWER.search(before):
            return n
        if not _PROSE_END.search(before):
            return n
        first -= 1
    if first and lines[first - 1].line == lines[n].line:
        return n  # more of the paragraph before it than a card shows
    return first if len(_joined(lines[first : n + 1])) <= CARD_CHARS else n


def _card_text(first: _Unit, lines: list[_Line]) -> list[tuple[str, str]] | None:
    """The card's text: ``first`` and what reads on from it in its section while it fits in
    CARD_CHARS: a list (the steps after a step, the items a lead-in ending in ":" introduces,
    the rows after a table row) to its end; prose, three sentences at most. A numbered step
    starts at the first step and a table row at the table's first row when those before it
    fit too; a lead-in whose list does not fit gives no card (None). Each of its lines
    comes with what it is (:func:`_shown`)."""
    start = _first_step(lines, first.position)
    assert start is not None  # units are only sentences a card may start at
    parts = lines[start : first.position + 1]
    for line in lines[first.position + 1 :]:
        # a list: from a step, a row or a lead-in on (prose after a list never joins it)
        listed = parts[0].kind in ("step", "row") or any(u.text.endswith(":") for u in parts)
        if len(_joined([*parts, line])) > CARD_CHARS or (not listed and len(parts) == 3):
            break
        if not _reads_on(parts, line, listed):
            break
        parts.append(line)
    if parts[-1].text.endswith(":"):
        return None  # a lead-in without its list
    return _with_rows_left_out(parts, lines, start, first.position)


def _with_rows_left_out(
    parts: list[_Line], lines: list[_Line], start: int, best: int
) -> list[tuple[str, str]]:
    """The card's lines (:func:`_shown`), with a line ``LEFT_OUT`` where it leaves out rows
    of a table it shows as a table (a header row, or two rows or more), still within
    CARD_CHARS (rows after the best one give way to it). A card that showed the first rows
    of a timeline under its header ("Day 0", "Days 3, 5 and 7") without "Day 14" and "Day
    30" read as the whole table; a lone row says what its cells are and stands alone."""
    while True:
        if sum(u.kind in ("row", "header") for u in parts) < 2:
            return _shown(parts)
        end = start + len(parts)
        before = parts[0].kind == "row" and start > 0 and lines[start - 1].kind == "row"
        after = parts[-1].kind in ("row", "header") and end < len(lines)
        after = after and lines[end].kind == "row"
        shown = _shown(parts, before=before, after=after)
        text = "\n".join(text for text, _ in shown)
        if len(text) <= CARD_CHARS or parts[-1].kind != "row" or end - 1 <= best:
            return shown
        parts = parts[:-1]


def _joined(lines: list[_Line]) -> str:
    """The card's text of ``lines`` (:func:`_shown`), its lines joined."""
    return "\n".join(text for text, _ in _shown(lines))


def _shown(
    lines: list[_Line], *, before: bool = False, after: bool = False
) -> list[tuple[str, str]]:
    """The card's lines, each with what it is (:attr:`Answer.lines`): a paragraph's
    sentences joined by a space, and each step, table row or paragraph after the first on a
    line of its own (the portal and the widget show each line as a paragraph, so steps read
    as steps).

    A table row alone says what each of its cells is (a label: "Paid by: Card · Time until
    you see the money: 5-10 days"); rows of a table shown together, or under their header row,
    show the header row once above them and their cells without the labels, a small table.
    ``before`` and ``after``: rows of the table are left out before its first row shown
    (after the header row) or after its last, each marked by a line ``LEFT_OUT``."""
    shown: list[tuple[int, str, str]] = []  # (text line, what the card shows of it, kind)
    first_row = next((u for u in lines if u.kind == "row"), None)
    headers = {u.text for u in lines if u.kind == "header"}
    # rows whose every cell is under its header (not a row's own label under an empty one)
    tabled = [u for u in lines if u.kind == "row" and all_labelled(u.header, u.text)]
    for u in lines:
        text, kind = u.text, "header" if u.kind == "header" else "text"
        if u in tabled:
            if u.header not in headers and sum(v.header == u.header for v in tabled) > 1:
                headers.add(u.header)
                shown.append((-1, u.header, "header"))  # a line of its own
            if u.header in headers:
                text, kind = unlabelled(u.header, text), "row"
        if before and u is first_row:
            shown.append((-2, LEFT_OUT, "more"))
        shown.append((u.line, text, kind))
    if after:
        shown.append((-3, LEFT_OUT, "more"))
    joined: list[tuple[str, str]] = []
    for i, (line, text, kind) in enumerate(shown):
        if i and line == shown[i - 1][0]:  # a sentence of the line before
            joined[-1] = (f"{joined[-1][0]} {text}", joined[-1][1])
        else:
            joined.append((text, kind))
    return joined


def _reads_on(parts: list[_Line], line: _Line, listed: bool) -> bool:
    """Whether ``line`` continues the card made of ``parts``: a step numbered after the last
    one, a table row after a row, a sentence of the same line (a step's or a paragraph's),
    an item of the list a lead-in introduces (its block); after prose, more prose. A label, a
    heading, a table after prose, or what follows a list (a caveat, another topic) does not."""
    last = parts[-1]
    if line.kind in ("row", "header"):  # a table after its lead-in, or the next row
        return last.text.endswith(":") if line.kind == "header" else last.kind in ("row", "header")
    if line.kind == "step":
        steps = [m for m in (_STEP.match(u.text) for u in parts) if m]
        number = int(_STEP.match(line.text).group(1))  # type: ignore[union-attr]
        return number == int(steps[-1].group(1)) + 1 if steps else last.text.endswith(":")
    if (line.kind == "aside") != (last.kind == "aside"):
        return False  # a note beside the text is not read on into, nor out of
    if line.line == last.line:
        return True
    if listed:
        return last.text.endswith(":") or (not line.opens and last.kind == "text")
    return bool(_PROSE_END.search(line.text))
