"""Markdown reduced to the plain text search indexes and quotes: tables as labelled rows,
links as their words, admonitions' texts apart."""

from __future__ import annotations

import re

from kb_builder.references import find_definitions, reference_id
from kb_core.search.text.tables import labelled

# a table: its lines in a row, each between pipes ("^" outside any group lets the regex engine
# try line starts only: four times faster than the same lines as a repeated group)
_TABLE = re.compile(r"^[ \t]*\|.*\|[ \t]*$(?:\n[ \t]*\|.*\|[ \t]*$)*\n?", re.MULTILINE)
_TABLE_RULE = re.compile(r":?-+:?")  # a cell of the line under a table's header
# emphasis and code marks; the lookahead tries the alternatives (and the lookbehind) only where
# a mark is, which makes this, the costliest step of plain_text, four times faster
_MARKS = re.compile(r"(?=[*_~`])(?:(?<!\w)[*_~]+|[*_~]+(?!\w)|`+)")
_GAPS = re.compile(r"[ \t]{2,}|\t")  # runs of blanks become one space
# '![alt][ref]' and '[text][ref]' (the latter only when the text defines 'ref': 'a[i][j]' is code)
_REFERENCE_IMAGE = re.compile(r"!\[([^\]\n]*)\]\[[^\]\n]*\]")
_REFERENCE_LINK = re.compile(r"\[([^\]\n]*)\]\[([^\]\n]*)\]")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip()[1:-1].split("|")]


def _table(m: re.Match[str], language: str = "en") -> str:
    """A table as lines of text, the cells of a line apart (``CELLS``), each line where its
    row was: the header row as it is, and each row under it with the header of each of its
    cells ("Paid by: Credit card · Time until you see the money: 5-10 days"), so a row quoted
    alone (a snippet, an answer card) still says what its cells are; the line under the
    header is left empty, and each label ends as ``language`` writes it (a narrow no-break
    space before the colon in French). Lines between pipes without that line under the first
    are cells only."""
    rows = [_cells(line) for line in m.group().rstrip("\n").split("\n")]
    ruled = len(rows) > 1 and all(_TABLE_RULE.fullmatch(c) for c in rows[1])
    out = []
    for i, cells in enumerate(rows):
        if ruled and i == 1:
            out.append("")
        else:
            out.append(labelled(rows[0] if ruled and i > 1 else (), cells, language))
    return "\n".join(out) + ("\n" if m.group().endswith("\n") else "")


# an admonition: Material's "!!! note" (or a collapsible "??? note"), its body the indented
# lines after it; or a fenced ":::note ... :::" (Docusaurus' writers bring theirs along)
_ADMONITION = re.compile(r"^([ \t]*)(?:!!!|\?\?\?\+?)[ \t]*[\w-]+")
_FENCE_OPEN = re.compile(r"^[ \t]*:::[ \t]*[\w-]+")
_FENCE_CLOSE = re.compile(r"^[ \t]*:::[ \t]*$")


def aside_texts(markdown: str, language: str = "en") -> list[str]:
    """The plain text of each admonition in ``markdown`` (a note, tip or warning beside the
    text; :func:`plain_text` in ``language``): the search's answer card tells a caveat from
    the answer by it."""
    lines = markdown.split("\n")
    found: list[str] = []
    i = 0
    while i < len(lines):
        opened = _ADMONITION.match(lines[i])
        body: list[str] = []
        if opened:
            indent = len(opened.group(1).expandtabs(4))
            i += 1
            while i < len(lines) and (
                not lines[i].strip()
                or len(lines[i].expandtabs(4)) - len(lines[i].expandtabs(4).lstrip()) > indent
            ):
                body.append(lines[i])
                i += 1
        elif _FENCE_OPEN.match(lines[i]):
            i += 1
            while i < len(lines) and not _FENCE_CLOSE.match(lines[i]):
                body.append(lines[i])
                i += 1
            i += 1
        else:
            i += 1
            continue
        text = plain_text("\n".join(line.strip() for line in body), language)
        if text:
            found.append(text)
    return found


def plain_text(markdown: str, language: str = "en") -> str:
    """Markdown reduced to searchable text (no markup, links keep their words); a table's
    cell labels are written as ``language`` (the article's) writes them."""
    # a reference definition shows nothing on the page, and its target is no word of the
    # article (a relative path pasted from a snippet or a card is broken): its lines go empty
    found = find_definitions(markdown)
    if found:
        lines = markdown.split("\n")
        for n in {n for d in found for n in d.lines}:
            lines[n] = ""
        markdown = "\n".join(lines)
    # a table row stays one line with its cells apart, so a snippet never runs them together
    text = _TABLE.sub(lambda m: _table(m, language), markdown)
    if found:
        defined = {d.ref for d in found}
        text = _REFERENCE_LINK.sub(
            lambda m: m.group(1) if reference_id(m.group(2) or m.group(1)) in defined else m[0],
            _REFERENCE_IMAGE.sub(r"\1", text),
        )
    elif "][" in text:
        text = _REFERENCE_IMAGE.sub(r"\1", text)
    text = re.sub(r"<[^>\n]+>", " ", text)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    # an admonition's title is a label of its own, not a quoted sentence joining the text
    text = re.sub(
        r'^\s*(?:!!!|\?\?\?\+?)[ \t]*[\w-]+(?:[ \t]+[\w-]+)*(?:[ \t]+"([^"\n]*)")?',
        r" \1",
        text,
        flags=re.MULTILINE,
    )
    text = re.sub(r"^[#>\s|*+-]+", " ", text, flags=re.MULTILINE)
    # emphasis marks go without leaving a gap; an underscore inside a word stays
    text = _MARKS.sub("", text.replace("|", " "))
    return _GAPS.sub(" ", text).strip()
