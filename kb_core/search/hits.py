"""What a search returns: its ranked hits, and the section each hit opens at."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kb_core.search.answer import card as search_answer
from kb_core.search.text.finder import WordFinder

SECTION_SCAN_CHARS = 4_000  # of section text read to find the section a hit should open at


@dataclass
class RankedHit:
    fields: dict[str, Any]
    score: float
    anchor: str | None
    text: str  # what the snippet is cut from: the section opened at, else the article's
    snippet: str = ""  # made last (Ranker.search), once the hit's section is settled


@dataclass
class Ranked:
    normalized: str
    total: int
    hits: list[RankedHit] = field(default_factory=list)
    did_you_mean: str | None = None
    corrected: bool = False
    confidence: float = 0.0
    answered: bool = False
    # The confidence signals of the best hits, in rank order (see search_confidence).
    coverage: list[float] = field(default_factory=list)
    meaning: list[float] | None = None
    lone: list[bool] = field(default_factory=list)  # no evidence without meaning
    # Of each hit, in an index without meaning: whether its words are no evidence that it
    # answers (search_confidence.no_evidence); a match is not counted past one
    # (of each ranked candidate, hits first, so that matches are counted past the limit)
    weak: list[bool] = field(default_factory=list)
    # Every ranked candidate's score, best first (the hits' and those of the candidates past
    # the limit): "8 articles found" over a list of 6 is counted from these
    scores: list[float] = field(default_factory=list)
    answer: search_answer.Answer | None = None


def ranked_hit(
    fields: dict[str, Any],
    score: float,
    finder: WordFinder,
    clauses: int,
    meant: str | None,
    best: tuple[str | None, str | None] | None = None,
) -> RankedHit:
    """A hit opening at the section whose heading or text holds the query words its title
    lacks, else at the section nearest the query by meaning (``meant``), if any; ``best``:
    what :func:`best_section` gives, when known. Its snippet is left to make."""
    anchor, text = best_section(fields, finder, clauses) if best is None else best
    if anchor is None and meant:
        text = next((t for a, _, t in fields.get("sections") or () if a == meant), None)
        anchor = meant if text is not None else None
    if text is None:
        text = fields.get("text", "")
    return RankedHit(fields, float(score), anchor, text)


def named(hit: RankedHit, finder: WordFinder, clauses: int) -> bool:
    """Whether the heading of the section ``hit`` opens at holds query words its title
    lacks (its words chose that section, rather than its text or meaning)."""
    missing = set(range(clauses)) - finder.clauses_in(hit.fields.get("title", ""))
    sections = hit.fields.get("sections") or ()
    heading = next((h for a, h, _ in sections if a == hit.anchor), None) if hit.anchor else None
    return bool(heading and missing & finder.clauses_in(heading))


def open_at(hit: RankedHit, anchor: str | None) -> None:
    """Open ``hit`` at its section ``anchor`` (None: the article's top), its snippet to be cut
    from that section."""
    sections = hit.fields.get("sections") or ()
    text = next((t for a, _, t in sections if a == anchor), None) if anchor else None
    if anchor is not None and text is None:  # not a section of this article: leave it
        return
    hit.anchor, hit.text = anchor, text if text is not None else hit.fields.get("text", "")


def best_section(
    fields: dict[str, Any], finder: WordFinder, clauses: int
) -> tuple[str | None, str | None]:
    """The section that matches the query words the title does not: (anchor, its text).

    Headings first (of headings holding as many of those words, the one holding more of the
    query's, then the one whose text holds more of those words); section texts are read, in
    order, only while no heading matched.
    """
    missing = set(range(clauses)) - finder.clauses_in(fields.get("title", ""))
    sections = fields.get("sections") or ()
    if not missing or not sections:
        return None, None
    in_headings = [
        len(found) for found in finder.clauses_in_each([h for _, h, _ in sections], missing)
    ]
    best = max(range(len(sections)), key=lambda i: in_headings[i])
    if in_headings[best]:
        tied = [i for i, n in enumerate(in_headings) if n == in_headings[best]]
        if len(tied) > 1:  # as many of the words the title lacks: the heading holding more
            # of the query's words ("Add a tax ID"), then the text holding more of those the
            # title lacks ("Sign out of a session", "Why was I signed out?": "keeps", "app")
            heads = finder.clauses_in_each([sections[i][1] for i in tied])
            texts = finder.clauses_in_each([sections[i][2] for i in tied], missing)
            best = tied[max(range(len(tied)), key=lambda k: (len(heads[k]), len(texts[k])))]
        return sections[best][0], sections[best][2]
    budget, read = SECTION_SCAN_CHARS, 0
    while read < len(sections) and budget > 0:
        budget -= len(sections[read][2])
        read += 1
    texts = finder.clauses_in_each([text for _, _, text in sections[:read]], missing)
    for (anchor, _, text), found in zip(sections, texts, strict=False):
        if found >= missing:
            return anchor, text
    return None, None
