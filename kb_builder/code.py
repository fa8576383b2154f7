"""Where an article's Markdown is code, read as the portal renders it, so that what rewrites its
links and image paths leaves code as written.

The rules are those of the extensions the pages are rendered with (``kb_builder.markup``):
pymdownx.superfences for fenced blocks and Python-Markdown's code spans. Where they differ from
CommonMark, the renderer decides what is shown as code:

- A fence is three or more backticks or tildes after any indentation (or ``>`` of a quote),
  then nothing but a language, ``{attributes}`` or options pymdownx.highlight reads
  (```` ```a``` ```` is a code span, ```` ```cpp foo ```` no fence).
- It closes at a line with the opening's indentation and the very same fence, then only
  spaces: ```` ```Output ````, a longer fence or a more indented one is a line of its code
  (CommonMark closes at a longer one, or one indented up to 3 spaces).
- A line (not blank) less indented than the opening fence, or the end of the text before the
  closing fence, makes the opening no fence, and its lines are read as Markdown (CommonMark
  reads code to the end of the list item or of the text).
- A code span opens at a run of backticks not escaped by a backslash and closes at the next
  run as long; failing that, at the longest shorter one (the extra opening backticks are text).
  A span runs on over the lines of a paragraph (never out of a heading, into a quote, or from
  one item of a list or row of a table to the next).

Not seen: a code block indented by four spaces (which a list's paragraphs are too), and what
raw HTML holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container

# an opening fence, with what superfences takes after it: a language, {attributes} or the
# options pymdownx.highlight reads (any other word makes the line no fence)
_OPENING = re.compile(
    r"""([ >]*)(`{3,}|~{3,})
    (?:[ \t]*\.?[\w#.+-]+(?=[ \t]|$))?
    (?:[ \t]*\{.*\}|(?:[ \t]*(?:hl_lines|linenums|title|title_mode)=(["']).*?\3(?=[ \t]|$))+)?
    [ \t]*$""",
    re.VERBOSE,
)
# how a line may start a block: a heading, a quote, a list item or a table row
_BLOCK_START = re.compile(
    r"[ ]{0,3}(?:(?P<heading>#{1,6}(?:[ \t]|$))|(?P<quote>>)|(?P<item>[-*+][ \t]|[0-9]+[.)][ \t])"
    r"|(?P<row>\|))"
)
_TAB = 4  # Python-Markdown's tab_length: tabs are expanded before fences are read
# a code span while ``change`` works on its line (a stray STX in the text is stashed too)
_STASHED = re.compile("\x02([0-9]+)\x03")


def outside_code(
    markdown: str,
    change: Callable[[str], str],
    wanted: Callable[[str], bool],
    skip: Container[int] = (),
) -> str:
    """``markdown`` with ``change`` applied to each ``wanted`` line outside fenced code blocks
    (but those whose index is in ``skip``), its code spans left as written.

    ``change`` sees each code span as a placeholder (``\\x02n\\x03``), so a link whose text
    is code (``[`x`](a.md)``) is one link to it; what it returns has the spans put back.
    """
    lines = markdown.split("\n")
    found = _prose(markdown, lines, wanted, skip)
    if not found:
        return markdown
    for n, spans in found:
        lines[n] = _change_line(lines[n], spans, change)
    return "\n".join(lines)


def prose_lines(
    markdown: str, wanted: Callable[[str], bool], skip: Container[int] = ()
) -> list[tuple[int, str, list[str]]]:
    """(index, text, spans) of each ``wanted`` line outside fenced code blocks (but those whose
    index is in ``skip``): its text with each code span stashed as a placeholder
    (``\\x02n\\x03``, as ``outside_code`` shows it), and the spans as written (:func:`unstash`
    puts them back)."""
    lines = markdown.split("\n")
    return [
        (n, *_stash(lines[n], _with_stray_stx(lines[n], spans)))
        for n, spans in _prose(markdown, lines, wanted, skip)
    ]


def _prose(
    markdown: str, lines: list[str], wanted: Callable[[str], bool], skip: Container[int]
) -> list[tuple[int, list[tuple[int, int]]]]:
    """(index, code spans) of each ``wanted`` line of ``markdown`` (split into ``lines``)
    outside fenced code blocks, but those in ``skip``."""
    todo = [n for n, line in enumerate(lines) if n not in skip and wanted(line)]
    if not todo:
        return []
    fenced = fenced_lines(lines) if "``" in markdown or "~~" in markdown else [False] * len(lines)
    spans = _spans_by_line(lines, fenced, set(todo)) if "`" in markdown else {}
    return [(n, spans.get(n, [])) for n in todo if not fenced[n]]


def unstash(text: str, stash: list[str]) -> str:
    """``text`` (from :func:`prose_lines`) with its code spans put back."""
    return _STASHED.sub(lambda m: stash[int(m.group(1))], text) if stash else text


def fenced_lines(lines: list[str]) -> list[bool]:
    """For each line, whether it belongs to a fenced code block (its fences included)."""
    fenced = [False] * len(lines)
    opening: int | None = None  # the open fence's line
    fence, indent, quoted = "", 0, False
    for n, line in enumerate(lines):
        if "\t" in line:
            line = line.expandtabs(_TAB)
        if opening is None:
            m = _OPENING.match(line) if "``" in line or "~~" in line else None
            if m:
                opening, fence, indent = n, m.group(2), len(m.group(1))
                quoted = ">" in m.group(1)
            continue
        if indent:  # (a line cannot be less indented than one at the margin)
            if not line.strip(" >" if quoted else " "):
                continue  # a blank line (in a quote: '>') is a line of code
            prefix = len(line) - len(line.lstrip(" >"))
            if prefix < indent or (">" in line[:indent]) != quoted:
                opening = None  # not indented as the opening: no fence after all
                continue
        rest = line[indent:]
        if rest.startswith(fence) and not rest[len(fence) :].strip(" "):
            fenced[opening : n + 1] = [True] * (n + 1 - opening)
            opening = None
    return fenced


def code_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each code span of ``text``, its backticks included."""
    spans: list[tuple[int, int]] = []
    at = 0
    while (start := text.find("`", at)) >= 0:
        before = start
        while before and text[before - 1] == "\\":
            before -= 1
        if (start - before) % 2:  # an escaped backtick is text
            at = start + 1
            continue
        after = start
        while after < len(text) and text[after] == "`":
            after += 1
        ticks = after - start
        close: int | None = None
        longest, longest_end, i = 0, 0, after
        while (i := text.find("`", i)) >= 0:
            run = i
            while i < len(text) and text[i] == "`":
                i += 1
            if i - run == ticks:
                close = i
                break
            if i - run > longest:
                longest, longest_end = i - run, i
        if close is None:
            if not 0 < longest < ticks:
                at = after  # no closing run: the backticks are text
                continue
            start, close = start + ticks - longest, longest_end
        spans.append((start, close))
        at = close
    return spans


def _spans_by_line(
    lines: list[str], fenced: list[bool], todo: set[int]
) -> dict[int, list[tuple[int, int]]]:
    """The code spans (start, end) of each line, found in each paragraph that has a line of
    ``todo``, as Python-Markdown finds them in each block: one may run on into the next line."""
    found: dict[int, list[tuple[int, int]]] = {}
    done = -1  # the end of the last paragraph seen
    for n in sorted(todo):
        if n < done or fenced[n] or not lines[n].strip():
            continue
        first, done = n, n + 1
        while first and not fenced[first - 1] and lines[first - 1].strip():
            first -= 1
        while done < len(lines) and not fenced[done] and lines[done].strip():
            done += 1
        if any("`" in line for line in lines[first:done]):
            _blocks_spans(lines, first, done, found)
    return found


def _blocks_spans(
    lines: list[str], first: int, end: int, found: dict[int, list[tuple[int, int]]]
) -> None:
    """Add the code spans of the paragraph ``lines[first:end]`` to ``found``, block by block."""
    start, opened, last = first, _kind(lines[first]), ""
    for n in range(first, end):
        kind = _kind(lines[n])
        if n > start and _starts_block(kind, opened, last):
            _add_spans(lines, start, n, found)
            start, opened = n, kind
        last = kind
    _add_spans(lines, start, end, found)


def _kind(line: str) -> str:
    m = _BLOCK_START.match(line)
    return m.lastgroup or "" if m else ""


def _starts_block(kind: str, opened: str, last: str) -> bool:
    """Whether a line of ``kind`` starts a block of its own after one of ``last`` in a block
    opened by one of ``opened``: a heading is a block, a quote starts one within a paragraph
    (a paragraph runs on within a quote), and each item of a list or row of a table is one."""
    if "heading" in (kind, last):
        return True
    if kind == "quote":
        return opened != "quote"
    return kind in ("item", "row") and kind == opened


def _add_spans(
    lines: list[str], first: int, end: int, found: dict[int, list[tuple[int, int]]]
) -> None:
    """Add the code spans of the paragraph ``lines[first:end]`` to ``found``, line by line."""
    if not any("`" in line for line in lines[first:end]):
        return
    starts = [0]  # where each line starts in the paragraph's text
    for line in lines[first:end]:
        starts.append(starts[-1] + len(line) + 1)
    for start, stop in code_spans("\n".join(lines[first:end])):
        for i in range(end - first):
            a, b = max(start, starts[i]), min(stop, starts[i + 1] - 1)
            if a < b:
                found.setdefault(first + i, []).append((a - starts[i], b - starts[i]))


def _change_line(line: str, spans: list[tuple[int, int]], change: Callable[[str], str]) -> str:
    """``change`` applied to ``line`` with its code ``spans`` stashed, then put back."""
    spans = _with_stray_stx(line, spans)
    if not spans:
        return change(line)
    if spans == [(0, len(line))]:
        return line
    text, stash = _stash(line, spans)
    return _STASHED.sub(lambda m: stash[int(m.group(1))], change(text))


def _with_stray_stx(line: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` and each STX of ``line`` outside them, sorted: a literal STX must not be taken
    for a placeholder, so it is stashed too."""
    if "\x02" not in line:
        return spans
    inside = [False] * len(line)
    for start, stop in spans:
        inside[start:stop] = [True] * (stop - start)
    return sorted(spans + [(i, i + 1) for i, c in enumerate(line) if c == "\x02" and not inside[i]])


def _stash(line: str, spans: list[tuple[int, int]]) -> tuple[str, list[str]]:
    """``line`` with each of its code ``spans`` (sorted) as a placeholder, and the spans."""
    stash: list[str] = []
    parts: list[str] = []
    at = 0
    for start, stop in spans:
        parts += [line[at:start], f"\x02{len(stash)}\x03"]
        stash.append(line[start:stop])
        at = stop
    return "".join(parts) + line[at:], stash
