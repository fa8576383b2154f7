"""Reference-style links, read as Python-Markdown reads them outside fenced code
(``kb_builder.code``), so that the build points or unlinks them as it does inline links and
``kb check`` checks the definitions the build publishes.

A definition gives the target of every link that names it: ``[text][ref]``, the collapsed
``[ref][]`` and the shortcut ``[ref]``. :func:`find_definitions` reads definitions for the build
and ``kb check`` alike, by the rule of Python-Markdown's ``ReferenceProcessor``: ``[ref]:`` at
most three spaces in (a tab or four spaces make it code), then its target, on the same line or
the next (``[ref]:\n    other.md``), then nothing but a title (``"..."``, ``'...'`` or ``(...)``,
on the same line or the next): ``[ref]: other.md and more`` is a line of text. Ids are matched
without case, as Python-Markdown matches them; the last definition of an id wins. One more than
the renderer reads: a target in angle brackets may hold spaces (``[ref]: <my file.md>``), as an
inline link's may, since the build writes the URL the renderer then reads. Not seen: a
definition in a quote, or indented in a list item or an admonition.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from kb_builder.code import fenced_lines, outside_code

# Python-Markdown's ReferenceProcessor.RE (markdown 3.x), read line by line over the whole text
# (a blank line ends a block, so a definition never spans one), a target in <...> allowed spaces
_DEFINITION = re.compile(
    r"""^[ ]{0,3}\[([^\[\]\n]*)\]:[ \t]*(?:\n[ \t]*)?(<[^>\n]+>|[^\s]+)[ \t]*
    (?:\n[ \t]*)?(?:(["']).*\3[ \t]*|\(.*\)[ \t]*)?$""",
    re.MULTILINE | re.VERBOSE,
)
# an inline link or image: (!)[text](target "title"), the target in (3) when in <...> (where it
# may hold spaces: [x](<my file.md>)), else in (4)
INLINE_LINK = re.compile(
    r"(!?)\[([^\]\n]*)\]\(\s*(?:<([^>\n]+)>|([^)\s>]+))(?:\s+\"[^\"]*\")?\s*\)"
)
# a link naming a definition: [text][ref], [text] [ref], [ref][] or [ref] (an image when '!'
# opens it); an inline link's text ('[text](' ) is none
_USE = re.compile(r"(?<!\\)(!?)\[([^\[\]\n]*)\](?:[ \t]?\[([^\[\]\n]*)\])?(?![(\[])")


@dataclass(frozen=True)
class Definition:
    """One reference definition, where it is written."""

    ref: str  # its id, lower case (a link naming it collapses its spaces: see _id)
    target: str  # without its angle brackets
    line: int  # the index of the line its target is on
    start: int  # the target's place in the text, angle brackets included
    end: int
    lines: range  # the indexes of the lines it takes


def find_definitions(markdown: str) -> list[Definition]:
    """Each reference definition of ``markdown`` outside fenced code, in order."""
    if "]:" not in markdown:
        return []
    text = markdown
    if "``" in markdown or "~~" in markdown:
        lines = markdown.split("\n")
        # a fenced line reads as a blank one: no definition in it, nor one running into it
        text = "\n".join(
            " " * len(line) if fenced else line
            for line, fenced in zip(lines, fenced_lines(lines), strict=True)
        )
    found: list[Definition] = []
    first = at = 0  # the index of the line at ``at``
    for m in _DEFINITION.finditer(text):
        first += text.count("\n", at, m.start())
        at = m.start()
        line = first + text.count("\n", m.start(), m.start(2))
        last = first + m.group(0).rstrip().count("\n")
        target = m.group(2)
        bare = target.lstrip("<").rstrip(">")  # as Python-Markdown strips them
        ref = m.group(1).strip().lower()
        found.append(Definition(ref, bare, line, m.start(2), m.end(2), range(first, last + 1)))
    return found


def definitions(markdown: str) -> dict[str, str]:
    """The target (without its angle brackets) of each reference id ``markdown`` defines
    outside code, by the id as links name it (lower case)."""
    return {d.ref: d.target for d in find_definitions(markdown)}


def point_definitions(markdown: str, point: Callable[[str], str | None]) -> str:
    """``markdown`` with each definition's target (outside code) replaced by ``point(target)``
    (given without angle brackets), or left as written where that is None."""
    parts: list[str] = []
    at = 0
    for d in find_definitions(markdown):
        url = point(d.target)
        if url is not None:
            parts += [markdown[at : d.start], url]
            at = d.end
    return "".join(parts) + markdown[at:] if parts else markdown


def unlink_references(markdown: str, dropped: Callable[[str], bool]) -> str:
    """``markdown`` with each link naming a definition whose target is ``dropped`` replaced by
    its text (outside code); the definition itself shows nothing and is left as written."""
    found = find_definitions(markdown)
    gone = {d.ref for d in found if dropped(d.target)}
    if not gone:
        return markdown

    def repl(m: re.Match[str]) -> str:
        image, text, ref = m.groups()
        return text if not image and _id(ref or text) in gone else m.group(0)

    return _uses(markdown, repl, found)


def inline_references(
    markdown: str, targets: Mapping[str, str], link: Callable[[bool, str, str], str]
) -> str:
    """``markdown`` with each link naming an id of ``targets`` (outside code) replaced by
    ``link(is_image, text, target)``: Markdown that needs no definition, for a part of an article
    shown alone (an FAQ answer, whose definitions are elsewhere in the article). Definitions are
    left as written: they show nothing."""
    if not targets or "[" not in markdown:
        return markdown

    def repl(m: re.Match[str]) -> str:
        image, text, ref = m.groups()
        target = targets.get(_id(ref or text))
        return m.group(0) if target is None else link(bool(image), text, target)

    return _uses(markdown, repl, find_definitions(markdown))


def _uses(
    markdown: str, repl: Callable[[re.Match[str]], str], found: Collection[Definition]
) -> str:
    """``markdown`` with ``repl`` applied to each link naming a definition outside code, the
    lines of the definitions ``found`` in it left as written."""
    skip = {n for d in found for n in d.lines}
    return outside_code(markdown, lambda line: _USE.sub(repl, line), _has_bracket, skip)


def _has_bracket(line: str) -> bool:
    return "[" in line


def _id(written: str) -> str:
    """The id a link's ``[ref]`` names, as Python-Markdown looks it up."""
    return re.sub(r"\s+", " ", written.lower())
