"""A table row as a line of an article's plain text, each cell after its column's label,
and the labels taken off again where a table's header row says them once."""

from __future__ import annotations

from collections.abc import Sequence

from kb_core.search.text.analysis import analysis_language

# Between the cells of a table row in an article's plain text (kb_builder.plaintext.plain_text):
# a row under a header names each cell's column (:func:`labelled`), "Paid by: Card · Time until
# you see the money: 5-10 business days"; the header row is its cells alone. A row quoted alone
# (a snippet, an answer card) then still says what "5-10 business days" is.
CELLS = " · "
# What ends a cell's label: ": ", and in French text a narrow no-break space before the colon
# ("Signalement\u202f: Départ manquant"), as French typography has it.
LABEL_MARKS = {"fr": "\u202f: "}
_LABEL_ENDS = (
    "?: \t\u00a0\u202f"  # left out of a header made a label ("Refund?", "Remboursement ?")
)


def label_mark(language: str) -> str:
    """What ends a table cell's label in text of ``language`` (a code: "fr", "fr-CA")."""
    return LABEL_MARKS.get(analysis_language(language or "en"), ": ")


def labelled(headers: Sequence[str], cells: Sequence[str], language: str = "en") -> str:
    """A table row as a line of text of ``language``: each cell after its column's header
    ("Refund?" labels "Refund: Yes", in French "Remboursement\u202f: Oui"), a cell under an
    empty header (a row's own label) and extra cells alone, empty cells left out."""
    mark = label_mark(language)
    labels = [h.rstrip(_LABEL_ENDS) for h in headers]
    labels += [""] * (len(cells) - len(labels))
    return CELLS.join(f"{h}{mark}{c}" if h else c for h, c in zip(labels, cells, strict=False) if c)


def unlabelled(header: str, row: str) -> str:
    """A row of :func:`labelled` without its labels, shown under its ``header`` line (the
    header row's cells, ``CELLS``-joined): a card quoting several rows shows the header once."""
    cells = [cell[len(label) :] for label, cell in _labels(header, row)]
    return row[: len(row) - len(row.lstrip())] + CELLS.join(cells)


def all_labelled(header: str, row: str) -> bool:
    """Whether every cell of ``row`` has its header's label: shown under its ``header`` line,
    each cell is in its column (not so for a row of a table whose first header is empty,
    "Price · Free: $0 · Team: $4", nor for a row with an empty cell)."""
    return all(label for label, _ in _labels(header, row))


def _labels(header: str, row: str) -> list[tuple[str, str]]:
    """(label and its mark, ": " or another language's, or "") and each cell of a row of
    :func:`labelled`."""
    marks = {": ", *LABEL_MARKS.values()}
    named = {h.strip().rstrip(_LABEL_ENDS) for h in header.split(CELLS)} - {""}
    labels = {h + mark for h in named for mark in marks}
    cells = row.lstrip().split(CELLS)
    return [(next((h for h in labels if c.startswith(h)), ""), c) for c in cells]


def without_labels(text: str) -> str:
    """``text`` with each table row :func:`unlabelled`, as the table's header row says what
    its cells are once: what the index weighs, so a table's header words count once, not once
    a row ("version" in a column "Minimum version" made a table of app versions outrank the
    article that answers "which SAML version does single sign-on support?")."""
    if CELLS not in text:
        return text
    lines = text.split("\n")
    header = ""
    for i, row in enumerate(table_lines(lines)):
        if row and (i == 0 or CELLS not in lines[i - 1]):
            header = lines[i].strip()
        elif row:
            lines[i] = unlabelled(header, lines[i])
    return "\n".join(lines)


def table_lines(lines: Sequence[str]) -> list[bool]:
    """Which of the lines of a plain text are a table's rows (its header row included): they
    hold ``CELLS``, as a line beside them does (a table has a header and a row at least)."""
    cells = [CELLS in line for line in lines]
    return [
        held and ((i > 0 and cells[i - 1]) or (i + 1 < len(cells) and cells[i + 1]))
        for i, held in enumerate(cells)
    ]
