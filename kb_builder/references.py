"""Reference-style links, read as Python-Markdown reads them outside code (``kb_builder.code``),
so that the build points or unlinks them as it does inline links and ``kb check`` checks the
definitions the build publishes.

A definition (``[ref]: other.md#anchor "title"``, at most three spaces in) gives the target of
every link that names it: ``[text][ref]``, the collapsed ``[ref][]`` and the shortcut ``[ref]``.
Ids are matched without case, as Python-Markdown matches them; the last definition of an id
wins. Not seen, as the rest of the build does not see them: a definition whose target is on
the next line, or one indented four spaces or more (in an admonition or a list item).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from kb_builder.code import outside_code, prose_lines

# a definition: [ref]: dest (images.py's pattern, with the id)
DEFINITION = re.compile(r"^(\s{0,3}\[([^\]\n]+)\]:\s*)(<[^>\n]+>|\S+)")
# a link naming a definition: [text][ref], [text] [ref], [ref][] or [ref] (an image when '!'
# opens it); an inline link's text ('[text](' ) is none
_USE = re.compile(r"(?<!\\)(!?)\[([^\[\]\n]*)\](?:[ \t]?\[([^\[\]\n]*)\])?(?![(\[])")


def definitions(markdown: str) -> dict[str, str]:
    """The target (without its angle brackets) of each reference id ``markdown`` defines
    outside code, by the id as links name it (lower case)."""
    found: dict[str, str] = {}
    for _, text, _ in prose_lines(markdown, _may_define):
        m = DEFINITION.match(text)
        if m is not None:
            found[_id(m.group(2).strip())] = _bare(m.group(3))
    return found


def point_definitions(markdown: str, point: Callable[[str], str | None]) -> str:
    """``markdown`` with each definition's target (outside code) replaced by ``point(target)``
    (given without angle brackets), or left as written where that is None."""

    def repl(m: re.Match[str]) -> str:
        url = point(_bare(m.group(3)))
        return m.group(0) if url is None else m.group(1) + url

    if "]:" not in markdown:
        return markdown
    return outside_code(markdown, lambda text: DEFINITION.sub(repl, text), _may_define)


def unlink_references(markdown: str, dropped: Callable[[str], bool]) -> str:
    """``markdown`` with each link naming a definition whose target is ``dropped`` replaced by
    its text (outside code); the definition itself shows nothing and is left as written."""
    if "]:" not in markdown:
        return markdown
    gone = {ref for ref, target in definitions(markdown).items() if dropped(target)}
    if not gone:
        return markdown

    def repl(m: re.Match[str]) -> str:
        image, text, ref = m.groups()
        return text if not image and _id(ref or text) in gone else m.group(0)

    def change(line: str) -> str:
        return line if DEFINITION.match(line) else _USE.sub(repl, line)

    return outside_code(markdown, change, lambda line: "[" in line)


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

    def change(line: str) -> str:
        return line if DEFINITION.match(line) else _USE.sub(repl, line)

    return outside_code(markdown, change, lambda line: "[" in line)


def _may_define(line: str) -> bool:
    return "]:" in line


def _id(written: str) -> str:
    """The id a link's ``[ref]`` names, as Python-Markdown looks it up."""
    return re.sub(r"\s+", " ", written.lower())


def _bare(target: str) -> str:
    return target[1:-1] if target.startswith("<") else target
