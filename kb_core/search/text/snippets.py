"""Text as sentences, and a hit's snippet: an HTML-escaped excerpt of whole sentences with
the query's words in <mark>."""

from __future__ import annotations

import bisect
import html
import itertools
import re

from kb_core.search.text.finder import WordFinder
from kb_core.search.text.tables import CELLS, table_lines

# Space after a full stop, question or exclamation mark, before a capital or a digit. Said
# space first, the mark behind it second: the regex engine then only stops at spaces.
_SENTENCE_END = re.compile(r"\s(?<=[.!?]\s)\s*(?=[\"“(]?[A-Z0-9])")
_MIN_SENTENCE_WORDS = 4  # shorter lines are headings, table headers, labels
_SENTENCE_MARK = re.compile(r"[.!?:)\"”]$")
# a sentence's own end, closing quotes and brackets after it: what a heading or a note's title
# lacks, so a sentence after one in a snippet seemed to go on from it
_ENDED = re.compile(r"[.!?:;…。？！][\"”’»)\]]*$")


_BLANKS = re.compile(r"[^\S\u00a0\u202f]+")  # blanks, not the no-break spaces


def collapse_blanks(line: str) -> str:
    """A line with its runs of blanks made one space and its ends stripped; a no-break space
    stays (French puts a narrow one before a colon: "Signalement\u202f: Départ manquant")."""
    return _BLANKS.sub(" ", line).strip()


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a line's end, else a word's: a snippet
    cut from it never ends mid-word ("The new owner gets an emai" was a stored text cut at
    2,000 characters)."""
    if len(text) <= limit:
        return text
    if text[limit].isspace():
        return text[:limit].rstrip()
    line = text.rfind("\n", 0, limit)
    if line > limit // 2:
        return text[:line].rstrip()
    space = max(text.rfind(" ", 0, limit), text.rfind("\n", 0, limit))
    return text[:space].rstrip() if space > 0 else text[:limit]


def sentences(text: str, *, rows: bool = False) -> list[str]:
    """``text`` as sentences: its lines (paragraphs, list items, headings, table rows) split
    after a full stop, question or exclamation mark; with ``rows``, a table's row is one
    (:func:`table_lines`: its cells' sentences together, after their labels)."""
    # The lines with their spaces collapsed, newline-joined: then the only spaces are " "
    # inside a line and "\n" between lines, so one split of the whole finds the same sentence
    # ends as one split of each line (and some line ends, which are ends anyway).
    collapsed = [collapse_blanks(line) for line in text.splitlines()]
    if rows and CELLS in text:
        found: list[str] = []
        for line, row in zip(collapsed, table_lines(collapsed), strict=True):
            found += [line] if row else sentences(line)
        return [unit for unit in found if unit]
    lines = "\n".join(collapsed)
    return [unit for part in _SENTENCE_END.split(lines) for unit in part.split("\n") if unit]


def _prose(sentence: str) -> bool:
    """A real sentence, not a heading, a table header or a label."""
    return len(sentence.split()) >= _MIN_SENTENCE_WORDS and bool(_SENTENCE_MARK.search(sentence))


def snippet(text: str, finder: WordFinder, *, width: int = 200, otherwise: str = "") -> str:
    """An HTML-escaped excerpt of ``text`` made of whole sentences: the one with the most
    distinct query words, then those after it while they fit; matches in <mark>. A ``text``
    without any query word gives the excerpt of ``otherwise`` instead, if that is given."""
    excerpted = clip(text, 50 * width)
    if otherwise and len(excerpted) < len(text) and not finder.clauses_in(text):
        return snippet(otherwise, finder, width=width)
    units = sentences(excerpted, rows=True)
    # the query words of every sentence in one pass over them all, joined by newlines (they
    # are where ``text`` has any: only its spaces differ, and no stem holds one)
    matches = finder.words("\n".join(units)) if units else []
    if otherwise and not matches and len(excerpted) == len(text):
        return snippet(otherwise, finder, width=width)
    if not units:
        return ""
    if matches:
        starts = list(itertools.accumulate((len(u) + 1 for u in units[:-1]), initial=0))
        words: dict[int, set[int]] = {}  # sentence -> its clauses, sentences in order
        for start, _, clause in matches:
            words.setdefault(bisect.bisect_right(starts, start) - 1, set()).add(clause)
        # the sentence with most query words; a real sentence beats a heading or a label
        most = max(len(w) for w in words.values())
        tied = [i for i, w in words.items() if len(w) == most]
        best = next((i for i in tied if _prose(units[i])), tied[0])
    else:
        best = next((i for i, u in enumerate(units) if _prose(u)), 0)
    parts, size = [units[best]], len(units[best])
    for nxt in units[best + 1 :] if CELLS not in units[best] else ():  # a table row: alone
        if size + 1 + len(nxt) > width or not _prose(nxt) or CELLS in nxt:  # a heading, a label
            break
        parts.append(nxt)
        size += 1 + len(nxt)
    # a title or heading before a sentence ends as one: "Please talk to us before disputing a
    # charge If you ask your bank…" was a note's title running into its text
    excerpt = " ".join([*(p if _ENDED.search(p) else p + "." for p in parts[:-1]), parts[-1]])
    lead = ""
    shown = finder.words(excerpt)
    first = shown[0][0] if shown else None
    if first is not None and first > width * 2 // 3:  # a long sentence: start near its match
        space = excerpt.find(" ", max(0, first - width // 4))
        excerpt, lead = excerpt[space + 1 :], "…"
    cut = len(excerpt) > width
    if cut:  # end at a word
        space = excerpt.rfind(" ", 0, width)
        excerpt = excerpt[: space if space > 0 else width]  # a word, however long it is
    out: list[str] = [lead]
    pos = 0
    for m_start, m_end, _ in finder.words(excerpt):
        out.append(html.escape(excerpt[pos:m_start]))
        out.append("<mark>" + html.escape(excerpt[m_start:m_end]) + "</mark>")
        pos = m_end
    out.append(html.escape(excerpt[pos:]))
    out.append("…" if cut else "")
    return "".join(out)
