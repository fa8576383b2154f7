"""What an answer card shows: a section's text as sentences, numbered steps and table rows
(its lines), and the passage that starts at the chosen sentence and reads on while it fits."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb_core.search.text.analysis import normalize_query
from kb_core.search.text.snippets import collapse_blanks, sentences
from kb_core.search.text.tables import all_labelled, table_lines, unlabelled

CARD_CHARS = 320  # a card's longest text, in characters (whole sentences)
LEFT_OUT = "…"  # a card's line where it leaves out rows of a table it shows
MIN_WORDS = 3  # shorter lines are labels and table headers, not answers
_PROSE_END = re.compile(r"[.!?)\"”]$")
_STEP = re.compile(r"^(\d{1,2})[.)]\s")  # a numbered step: "2. Click Publish."
_LIST_NUMBER = re.compile(r"^\d{1,2}[.)]$")  # a step's number, split from it as a "sentence"
# Not answers: a question (a Q&A article's own question, an FAQ heading) and a signpost about
# the page itself ("This page explains when we refund payments and how to ask.").
NOT_AN_ANSWER = re.compile(
    r"\?\s*$|^(?:this|the following|in this|on this)\s+(?:page|article|guide|section|"
    r"document|doc|tutorial|topic)\b",
    re.I,
)


def plain(text: str) -> str:
    """``text`` normalised as a query is: how sentences, titles and headings are compared."""
    return " ".join(normalize_query(text).split())


def in_steps(lines: list[Line], n: int) -> bool:
    """Whether a card starting at sentence ``n`` shows numbered steps: a step (or a step's
    other sentence), or the lead-in of a numbered list."""
    start = first_step(lines, n)
    if start is None:
        return False
    if lines[start].kind == "step":
        return True
    return lines[n].text.endswith(":") and n + 1 < len(lines) and lines[n + 1].kind == "step"


@dataclass(frozen=True)
class Line:
    """A sentence of a section, or a whole table row, and where it stands in the text."""

    text: str
    line: int  # the text line it is on (a list item, a paragraph, a table row)
    opens: bool  # it starts a block: a paragraph, a list, a table's body (after a blank line)
    kind: str  # "text", "step" (a numbered step), "row", "header" (a table's first row), "aside"
    header: str = ""  # a row's: its table's header row (the text of that "header" line)


def section_lines(text: str, asides: set[str]) -> list[Line]:
    """The sentences of a section's text, a numbered step's number kept with its step and a
    table row kept whole (its cells may hold several sentences: the row is the answer); a
    sentence of one of the article's admonitions (``asides``, plain) is of kind "aside".

    The stored text keeps its lines, and a line after a blank one starts with a space
    (kb_builder.plaintext.plain_text): that is how a paragraph or a list's end is known."""
    raw = text.split("\n")
    found: list[Line] = []
    header = ""
    rows = table_lines(raw)
    for i, line in enumerate(raw):
        opens = line[:1].isspace() or i == 0
        if rows[i]:
            if i == 0 or not rows[i - 1]:  # a table's first line: its header row
                header = collapse_blanks(line)
                found.append(Line(header, i, opens, "header"))
            else:
                found.append(Line(collapse_blanks(line), i, opens, "row", header))
            continue
        for part in sentences(line):
            if found and found[-1].line == i and _LIST_NUMBER.match(found[-1].text):
                found[-1] = Line(f"{found[-1].text} {part}", i, found[-1].opens, "step")
            else:
                kind = "step" if _STEP.match(part) else "text"
                kind = "aside" if kind == "text" and plain(part) in asides else kind
                found.append(Line(part, i, opens and not (found and found[-1].line == i), kind))
    return found


def starts_an_answer(lines: list[Line], n: int) -> bool:
    """Whether sentence ``n`` of a section may start a card: prose, a lead-in ending in ":"
    (its list must follow it on the card), or a table row other than the table's first (its
    header). Labels, headings and admonition titles never do."""
    line = lines[n]
    if line.kind in ("row", "header", "aside"):
        return line.kind == "row"  # an aside is a caveat beside the answer, not the answer
    return bool(_PROSE_END.search(line.text)) or line.text.endswith(":")


def first_step(lines: list[Line], n: int) -> int | None:
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
            steps = first_step(lines, start)
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


def _paragraph_start(lines: list[Line], n: int) -> int:
    """Where a card whose best sentence is prose sentence ``n`` starts: at its paragraph's
    first sentence when the card can show the paragraph up to it (three sentences at most,
    in CARD_CHARS) and each of those may start a card, else at ``n``. A sentence in the
    middle of a paragraph leans on the ones before it ("Waiting is the only way to unlock
    it early"), and the paragraph's first often says what the later ones qualify."""
    first = n
    while first > 0 and n - first < 2 and lines[first - 1].line == lines[n].line:
        before = lines[first - 1].text
        if len(before.split()) < MIN_WORDS or NOT_AN_ANSWER.search(before):
            return n
        if not _PROSE_END.search(before):
            return n
        first -= 1
    if first and lines[first - 1].line == lines[n].line:
        return n  # more of the paragraph before it than a card shows
    return first if len(_joined(lines[first : n + 1])) <= CARD_CHARS else n


def card_text(first: int, lines: list[Line]) -> list[tuple[str, str]] | None:
    """The card's text: sentence ``first`` of its section (``lines``) and what reads on from it
    while it fits in
    CARD_CHARS: a list (the steps after a step, the items a lead-in ending in ":" introduces,
    the rows after a table row) to its end; prose, three sentences at most. A numbered step
    starts at the first step and a table row at the table's first row when those before it
    fit too; a lead-in whose list does not fit gives no card (None). Each of its lines
    comes with what it is (:func:`_shown`)."""
    start = first_step(lines, first)
    assert start is not None  # units are only sentences a card may start at
    parts = lines[start : first + 1]
    for line in lines[first + 1 :]:
        # a list: from a step, a row or a lead-in on (prose after a list never joins it)
        listed = parts[0].kind in ("step", "row") or any(u.text.endswith(":") for u in parts)
        if len(_joined([*parts, line])) > CARD_CHARS or (not listed and len(parts) == 3):
            break
        if not _reads_on(parts, line, listed):
            break
        parts.append(line)
    if parts[-1].text.endswith(":"):
        return None  # a lead-in without its list
    return _with_rows_left_out(parts, lines, start, first)


def _with_rows_left_out(
    parts: list[Line], lines: list[Line], start: int, best: int
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


def _joined(lines: list[Line]) -> str:
    """The card's text of ``lines`` (:func:`_shown`), its lines joined."""
    return "\n".join(text for text, _ in _shown(lines))


def _shown(
    lines: list[Line], *, before: bool = False, after: bool = False
) -> list[tuple[str, str]]:
    """The card's lines, each with what it is (:attr:`.card.Answer.lines`): a paragraph's
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


def _reads_on(parts: list[Line], line: Line, listed: bool) -> bool:
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
