"""Cut article HTML to a safe allowlist (nh3), and say where content held what gets cut.

The build cleans each page's rendered body, so whatever made the HTML (raw HTML the author
wrote, ``attr_list`` attributes, a ``javascript:`` Markdown link) passes the same allowlist;
the allowlist is broad enough for what the portal's own Markdown extensions emit (admonitions,
tabs, task lists, highlighted code, heading permalinks). ``kb check`` finds the same removals in
the Markdown source, with their lines. Imports neither mkdocs nor Flask.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from html.parser import HTMLParser

import nh3

from kb_builder.articles import Article
from kb_builder.code import fenced_lines
from kb_core.errors import Problem

TAGS = frozenset(
    {
        *("a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code", "col"),
        *("colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption"),
        *("figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd"),
        *("label", "li", "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp", "small"),
        *("span", "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot"),
        *("th", "thead", "time", "tr", "tt", "u", "ul", "var", "wbr", "center", "section"),
        *("video", "audio", "source"),  # media-src is the portal's own origin (CSP)
    }
)
# Removed with everything inside them: their text is code or styling, never prose.
DROP_CONTENT = frozenset({"script", "style", "noscript", "template", "xmp", "noembed"})
# Elements of HTML itself that the allowlist cuts; any other tag is a placeholder such as
# <servername> that the writer meant as text, and the warning says how to keep it.
_HTML = frozenset(
    {
        *("script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg"),
        *("math", "form", "input", "button", "textarea", "select", "option", "link", "meta"),
        *("base", "noscript", "template", "canvas", "dialog", "marquee", "font", "html", "head"),
        *("body", "title", "xmp", "noembed", "portal", "picture", "track", "area", "map"),
        *("slot", "output", "fieldset", "legend", "datalist", "param", "nav", "main", "header"),
        *("footer", "aside", "article", "address", "hgroup", "big", "nobr", "acronym", "data"),
    }
)
_GENERIC = frozenset({"class", "id", "title", "lang", "dir", "hidden", "style"})
ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": _GENERIC,
    "a": frozenset({"href", "hreflang", "name", "download"}),
    "img": frozenset({"alt", "src", "width", "height", "loading", "align"}),
    "input": frozenset({"checked", "disabled", "id", "name"}),  # task lists and content tabs
    "label": frozenset({"for"}),
    "div": frozenset({"data-tabs"}),  # pymdownx.tabbed
    "details": frozenset({"open"}),
    "video": frozenset({"src", "controls", "autoplay", "loop", "muted", "width", "height"}),
    "audio": frozenset({"src", "controls", "loop", "muted"}),
    "source": frozenset({"src", "type"}),
    "ol": frozenset({"start", "type", "reversed"}),
    "li": frozenset({"value"}),
    "td": frozenset({"colspan", "rowspan", "headers", "align", "valign"}),
    "th": frozenset({"colspan", "rowspan", "headers", "scope", "align", "valign", "abbr"}),
    "col": frozenset({"span", "width"}),
    "colgroup": frozenset({"span"}),
    "table": frozenset({"width", "align"}),
    "time": frozenset({"datetime"}),
    "del": frozenset({"datetime", "cite"}),
    "ins": frozenset({"datetime", "cite"}),
    "q": frozenset({"cite"}),
    "blockquote": frozenset({"cite"}),
}
_VALUES = {
    "input": {"type": frozenset({"checkbox", "radio"})},
    "a": {"target": frozenset({"_blank"})},  # browsers imply rel=noopener for it
}
# Layout and emphasis only: nothing that can lay content over the portal (position, z-index).
STYLE_PROPERTIES = frozenset(
    {
        *("text-align", "vertical-align", "width", "height", "max-width", "max-height"),
        *("min-width", "min-height", "float", "clear", "white-space", "font-weight"),
        *("font-style", "text-decoration", "color", "background-color", "border"),
        *("border-collapse", "list-style-type"),
    }
)
URL_ATTRIBUTES = frozenset({"href", "src", "cite", "poster"})
_SAFE_SCHEME = re.compile(r"^(?:https?|mailto|tel):", re.IGNORECASE)
_SCHEME = re.compile(r"^\s*([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_DATA_IMAGE = re.compile(r"^data:image/(?:png|gif|jpe?g|webp|avif);", re.IGNORECASE)
# The portal's own element ids (Material's "__..." and kb-portal's "kb-..."): content that reused
# one could stand in for the portal's config or controls.
_RESERVED_ID = re.compile(r"^(?:__(?!tabbed_|codelineno-|span-)|kb-)", re.IGNORECASE)


def _url_ok(tag: str, value: str) -> bool:
    stripped = "".join(value.split())  # browsers ignore whitespace and controls in a scheme
    scheme = _SCHEME.match(stripped)
    if scheme is None:
        return True  # relative: a path, a query or an #anchor
    if tag == "img" and _DATA_IMAGE.match(stripped):
        return True
    return _SAFE_SCHEME.match(stripped) is not None


def keep_attribute(tag: str, name: str, value: str) -> str | None:
    """The attribute's value if the allowlist keeps it on ``tag``, else None."""
    if name in URL_ATTRIBUTES and not _url_ok(tag, value):
        return None
    if name in ("id", "name", "for") and _RESERVED_ID.match(value):
        return None
    return value


def _allowed_name(tag: str, name: str) -> bool:
    if name in _VALUES.get(tag, {}):
        return True
    return name in _GENERIC or name.startswith("aria-") or name in ATTRIBUTES.get(tag, ())


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(TAGS),
        clean_content_tags=set(DROP_CONTENT),
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        attribute_filter=keep_attribute,
        strip_comments=True,
        link_rel=None,  # the page's own links stay as Markdown wrote them
        generic_attribute_prefixes={"aria-"},
        tag_attribute_values={t: {a: set(v) for a, v in av.items()} for t, av in _VALUES.items()},
        # keep_attribute judges every URL; ammonia only has to let through what it accepts
        url_schemes={"http", "https", "mailto", "tel", "data"},
        filter_style_properties=set(STYLE_PROPERTIES),
    )


def clean_html(html: str) -> str:
    """``html`` with every tag, attribute, URL and style property outside the allowlist removed."""
    return _cleaner().clean(html) if html else html


# --- what kb check reports ------------------------------------------------------------------

# A code span may wrap lines but never crosses a blank line (the end of a paragraph).
_CODE_SPAN = re.compile(r"(`+)(?!`)(?:(?!\n[ \t]*\n).)*?(?<!`)\1(?!`)", re.DOTALL)
_TAG_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
# a link's destination may hold balanced parentheses, as Markdown reads it: "alert(3)"
_MD_LINK = re.compile(r"(!?)\[[^\]\n]*\]\(\s*<?((?:[^()\s>]|\([^()\s]*\))+)")
# a link's destination written in angle brackets, for a name with spaces: [x](<my file.md>)
# or [x]: <my file.md>; a destination, not a tag (one holding what attributes need is read
# as a tag still, in case Markdown does too)
_ANGLE_DESTINATION = re.compile(
    r"(?:\]\(|^[ ]{0,3}\[[^\]\n]+\]:)[ \t]*<[^<>\n\"'=]*>", re.MULTILINE
)
# An attr_list: every token is #id, .class or key=value, so prose in braces is not taken for one.
_TOKEN = r"""(?:[#.][^\s{}]+|[^\s=#.{}'"]+=(?:"[^"]*"|'[^']*'|[^\s{}'"]+))"""
_ATTR_LIST = re.compile(r"\{:?[ ]*(" + _TOKEN + r"(?:[ ]+" + _TOKEN + r")*)[ ]*\}")
_ATTR = re.compile(r"""([^\s=#.{}'"]+)=(?:"([^"]*)"|'([^']*)'|([^\s{}'"]+))""")
_ANY_TAG = frozenset().union(*ATTRIBUTES.values()) | {"type", "data-toc-label"}


def _mask_code(markdown: str) -> str:
    """The Markdown with code (fences and spans) blanked; lines stay where they were."""
    if "```" not in markdown and "~~~" not in markdown:
        return _CODE_SPAN.sub(_blank, markdown) if "`" in markdown else markdown
    lines = markdown.split("\n")
    # code as the renderer sees it: a '```Output' line is in it, an unclosed fence no code
    for i, fenced in enumerate(fenced_lines(lines)):
        if fenced:
            lines[i] = ""
    # "\<" is no escape in Python-Markdown: the tag after it is raw HTML all the same
    text = "\n".join(lines)
    return _CODE_SPAN.sub(_blank, text)


def _blank(m: re.Match[str]) -> str:
    text = m.group(0)
    return re.sub(r"[^\n]", " ", text) if "\n" in text else " " * len(text)


def _short(value: str, limit: int = 40) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


class _RawTags(HTMLParser):
    """Every start tag the author wrote, with its line, and what the allowlist cuts from it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.removed: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        if not _TAG_NAME.match(tag):
            return  # an autolink such as <https://x> or <me@example.com>
        if tag not in TAGS:
            hint = "" if tag in _HTML else " (to show it as text, put it in backticks)"
            self.removed.append((line, f"<{tag}>{hint}"))
            return
        for name, value in attrs:
            if name == "markdown":
                continue  # md_in_html's switch: Markdown consumes it
            if not _allowed_name(tag, name):
                self.removed.append((line, f"{name} attribute of <{tag}>"))
            elif name in _VALUES.get(tag, {}) and (value or "") not in _VALUES[tag][name]:
                self.removed.append((line, f'<{tag} {name}="{_short(value or "")}">'))
            elif keep_attribute(tag, name, value or "") is None:
                self.removed.append((line, f'<{tag} {name}="{_short(value or "")}">'))
            elif name == "style":
                for prop in (value or "").split(";"):
                    key = prop.partition(":")[0].strip().lower()
                    if key and key not in STYLE_PROPERTIES:
                        self.removed.append((line, f"style property '{key}' of <{tag}>"))


def _removals(markdown: str) -> Iterator[tuple[int, str, str]]:
    """(1-based line in ``markdown``, kind, what) for each thing the allowlist would cut."""
    text = _mask_code(markdown)
    if "<" in text:
        parser = _RawTags()
        parser.feed(_ANGLE_DESTINATION.sub(_blank, text))
        parser.close()
        for line, what in parser.removed:
            yield line, "raw HTML removed", what
    for m in _MD_LINK.finditer(text) if "](" in text else ():
        if ":" in m.group(2) and not _url_ok("img" if m.group(1) else "a", m.group(2)):
            yield text.count("\n", 0, m.start()) + 1, "unsafe link removed", _short(m.group(2))
    for m in _ATTR_LIST.finditer(text) if "=" in text else ():
        for a in _ATTR.finditer(m.group(1)):
            name, value = a.group(1).lower(), a.group(2) or a.group(3) or a.group(4) or ""
            if not (name in _ANY_TAG or name.startswith("aria-")):
                what = f"{{: {name} }}"
            elif keep_attribute("a", name, value) is None:
                what = f'{{: {name}="{_short(value)}" }}'
            else:
                continue
            yield text.count("\n", 0, m.start()) + 1, "attribute removed", what


def html_removals(markdown: str) -> tuple[tuple[int, str, str], ...]:
    """(1-based line in ``markdown``, kind, what) for each thing the allowlist would cut."""
    if "<" not in markdown and "](" not in markdown and "{" not in markdown:
        return ()
    return tuple(_removals(markdown))


def raw_html_problems(article: Article) -> list[Problem]:
    """A warning, with file and line, for each piece of the article's HTML the build removes
    (as the parse worked them out, when it did: an unchanged file's come from the cache)."""
    removed = article.removed_html
    if removed is None:
        removed = html_removals(article.markdown)
    return [
        Problem(
            article.where, article.body_line + line - 1, "warning", f"{kind}: {what}", "raw-html"
        )
        for line, kind, what in removed
    ]
