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
inline link's may, since the build writes the URL the renderer then reads.

A definition inside a container (a quote, a list item, an admonition, a tab, a definition list,
``<div markdown>``) is read as its container's lines without their ``>`` and indentation, and a
line as above can stop being one (a setext heading's text, a table's row, a definition list's
term, raw HTML). Those rules are the renderer's own: an article where a container or such a
line could be at play (a few) has its definitions read by Python-Markdown's block parser, with
the portal's extensions; every other one by the rule above, which gives the same.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kb_builder.code import fenced_lines, outside_code
from kb_builder.markup import MARKDOWN_EXTENSIONS

# Python-Markdown's ReferenceProcessor.RE (markdown 3.x), read line by line over the whole text
# (a blank line ends a block, so a definition never spans one), a target in <...> allowed spaces
_BODY = r"""\[([^\[\]\n]*)\]:[ \t]*(?:\n{0}*)?(<[^>\n]+>|[^\s]+)[ \t]*
    (?:\n{0}*)?(?:(["']).*\3[ \t]*|\(.*\)[ \t]*)?$"""
_DEFINITION = re.compile("^[ ]{0,3}" + _BODY.format("[ \t]"), re.MULTILINE | re.VERBOSE)
# the same from its '[' on, a line it runs on to starting with its container's '>' or indentation
# (where the renderer reads one, its target is the first word after ']:')
_CONTAINED = re.compile(_BODY.format("[ \t>]"), re.MULTILINE | re.VERBOSE)
# what may be a definition's '[id]:', in a container or not
_CANDIDATE = re.compile(r"\[([^\[\]\n]*)\]:")
# lines that make the plain rule not the renderer's: raw HTML (its block may run past blank
# lines), and, in a definition's block, a setext heading's underline, a table's rule or an hr
# (lines of '-', '=', ':', '|', '*' and '_'), or a line that starts a block of its own where it
# stands (a heading, a quote, an admonition, details, a tab or a definition list's ':'), which
# a target on the next line cannot be
_HTML = re.compile(r"^[ \t]*<", re.MULTILINE)
_STRUCTURE = re.compile(r"[ ]{0,3}(?:[-=:|*_][-=:|*_ \t]*$|:[ \t]|[>#]|!!!|\?\?\?|===)")
# a target in <...> on the line of its ']:' (on the next, '<' may open raw HTML)
_SPACE_IN_ANGLES = re.compile(r"(?<=\]:)([ \t]*<)([^>\n]+)(?=>)")
_MARK = re.compile("\ue000([0-9]+)\ue001")
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

    ref: str  # its id, lower case (a link naming it collapses its spaces: see reference_id)
    target: str  # without its angle brackets
    line: int  # the index of the line its target is on
    start: int  # the target's place in the text, angle brackets included
    end: int
    lines: range  # the indexes of the lines it takes


def find_definitions(markdown: str) -> list[Definition]:
    """Each reference definition of ``markdown`` the renderer reads, in order."""
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
    if not _plain(text):
        return list(_read_by_renderer(markdown))
    found: list[Definition] = []
    first = at = 0  # the index of the line at ``at``
    for m in _DEFINITION.finditer(text):
        first += text.count("\n", at, m.start())
        at = m.start()
        found.append(_definition(m, first))
    return found


def _definition(m: re.Match[str], first: int) -> Definition:
    """The definition ``m`` (of :data:`_DEFINITION` or :data:`_CONTAINED`) matched, from the
    line whose index is ``first``."""
    text = m.string
    line = first + text.count("\n", m.start(), m.start(2))
    last = first + m.group(0).rstrip(" \t\n>").count("\n")  # (not a quote's blank line)
    bare = m.group(2).lstrip("<").rstrip(">")  # as Python-Markdown strips them
    ref = m.group(1).strip().lower()
    return Definition(ref, bare, line, m.start(2), m.end(2), range(first, last + 1))


def _plain(text: str) -> bool:
    """Whether the renderer reads the definitions of ``text`` (its fenced lines blanked) as
    :data:`_DEFINITION` does: each ``[id]:`` at most three spaces in, no container's marks
    before it, and nothing in its block (or raw HTML anywhere) that makes it another thing."""
    if _HTML.search(text):
        return False
    lines = text.split("\n")
    checked = -1  # the last line of the blocks looked at
    for n, line in enumerate(lines):
        if "]:" not in line:
            continue
        for m in _CANDIDATE.finditer(line):
            if m.start() > 3 or line[: m.start()].strip(" "):
                return False
        if n <= checked:
            continue
        first = n
        while first > 0 and lines[first - 1].strip():
            first -= 1
        checked = n
        while checked + 1 < len(lines) and lines[checked + 1].strip():
            checked += 1
        if any(_STRUCTURE.match(lines[i]) for i in range(first, checked + 1)):
            return False
    return True


@lru_cache(maxsize=64)
def _read_by_renderer(markdown: str) -> tuple[Definition, ...]:
    """The definitions of ``markdown`` Python-Markdown's block parser reads (with the portal's
    extensions), in order. Each ``[id]:`` is marked before, in its id, so that where it is
    written is known: a mark changes no block. A target in <...> has its spaces hidden from
    the parser, as :data:`_DEFINITION` allows them."""
    candidates = list(_CANDIDATE.finditer(markdown))
    parts: list[str] = []
    at = 0
    for n, c in enumerate(candidates):
        parts += [markdown[at : c.end(1)], f"\ue000{n}\ue001"]
        at = c.end(1)
    marked = "".join(parts) + markdown[at:]
    marked = _SPACE_IN_ANGLES.sub(
        lambda m: m.group(1) + re.sub(r"\s", "\ue002", m.group(2)), marked
    )
    md = _block_parser()
    md.reset()
    lines = marked.split("\n")
    for preprocessor in md.preprocessors:
        lines = preprocessor.run(lines)
    md.parser.parseDocument(lines)
    read: dict[int, str] = {}
    for key, (link, _) in md.references.items():
        mark = _MARK.search(key)
        if mark and key.endswith("\ue001"):
            read[int(mark.group(1))] = _MARK.sub("", link).replace("\ue002", " ")
    found: list[Definition] = []
    for n in sorted(read):
        start = candidates[n].start()
        m = _CONTAINED.match(markdown, start)
        if m is not None:
            d = _definition(m, markdown.count("\n", 0, start))
            # (not so where the renderer took a fenced block's placeholder for the target)
            if d.target == read[n]:
                found.append(d)
    return tuple(found)


_local = threading.local()


def _block_parser() -> Any:
    """This thread's Markdown converter with the portal's extensions, code left unhighlighted
    (which changes no block)."""
    md = getattr(_local, "md", None)
    if md is None:
        import markdown

        names: list[str] = []
        configs: dict[str, dict[str, Any]] = {}
        for ext in MARKDOWN_EXTENSIONS:
            name = ext if isinstance(ext, str) else next(iter(ext))
            names.append(name)
            configs[name] = {} if isinstance(ext, str) else dict(ext[name])
        configs.setdefault("pymdownx.highlight", {})["use_pygments"] = False
        md = _local.md = markdown.Markdown(extensions=names, extension_configs=configs)
    return md


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
        return text if not image and reference_id(ref or text) in gone else m.group(0)

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
        target = targets.get(reference_id(ref or text))
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


def reference_id(written: str) -> str:
    """The id a link's ``[ref]`` names, as Python-Markdown looks it up."""
    return re.sub(r"\s+", " ", written.lower())
