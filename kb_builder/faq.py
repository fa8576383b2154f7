"""FAQ entries with real answers: ``faq_answer`` front matter, or the paragraph that answers.

An answer is short Markdown, rendered with the portal's Markdown extensions and cut to the
sanitiser's allowlist, so the FAQ page and its schema.org ``FAQPage`` data carry the same text.
Without ``faq_answer``, the answer is how the section whose heading shares the most words with
the question opens, else how the article opens: a paragraph, or a short list of steps with the
sentence that introduces it; never a table, a note, or part of a list.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import nh3

from kb_builder.articles import Article, Category, link_source, resolve_link
from kb_builder.code import fenced_lines, outside_code
from kb_builder.markup import MARKDOWN_EXTENSIONS
from kb_builder.references import INLINE_LINK, definitions, inline_references
from kb_builder.sanitize import clean_html
from kb_core.errors import Problem

FAQ_URL = "faq/"
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
# First lines of blocks that are not prose: tables, lists, quotes, notes, HTML, code, images,
# definitions, attribute lists and footnotes.
_NOT_PROSE = re.compile(r"^(?:\s{4}|\t|\s*(?:[|>:<{]|[-*+]\s|\d+[.)]\s|!!!|\?\?\?|!\[|\[\^))")
_EXTERNAL = re.compile(r"^(?:https?|mailto|tel):", re.I)
# a raw <img> in a sentence ('Click <img src="images/gear.png" alt="the gear icon">'), and its alt
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ALT = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_ITEM = re.compile(r"^(?:[-*+]|\d+[.)])\s")
MAX_STEPS = 8  # a longer list is the article's job, not an FAQ answer's
_BLOCK_END = re.compile(r"</(?:p|li|dd|dt|td|th|tr|h\d|div|blockquote)>|<br\s*/?>", re.I)


@dataclass(frozen=True)
class Answer:
    """One FAQ answer: its Markdown, the page's HTML, and plain text for structured data."""

    markdown: str
    html: str
    text: str
    source: str  # 'faq_answer', 'section: <heading>', 'intro' or 'summary'


def _blocks(markdown: str) -> list[tuple[str, str]]:
    """(heading above it, text) for each block of the body; code fences are skipped whole."""
    found: list[tuple[str, str]] = []
    heading = ""
    current: list[str] = []

    def flush() -> None:
        if current:
            found.append((heading, "\n".join(current)))
            current.clear()

    lines = markdown.split("\n")
    # code as the renderer sees it: a '```Output' line is in it, an unclosed fence no code
    fenced = fenced_lines(lines) if "``" in markdown or "~~" in markdown else None
    for n, line in enumerate(lines):
        if fenced and fenced[n]:
            flush()
            continue
        h = _HEADING.match(line)
        if h:
            flush()
            heading = h.group(1)
        elif not line.strip():
            flush()
        else:
            current.append(line)
    flush()
    return found


def is_prose(block: str) -> bool:
    """Whether a block is a paragraph (not a table, list, note, HTML or code)."""
    lines = block.split("\n")
    if any(_NOT_PROSE.match(line) for line in lines):
        return False
    return len(" ".join(lines).split()) >= 4


def _is_short_list(block: str) -> bool:
    """A whole list of at most MAX_STEPS items, nothing else in the block."""
    items = [line for line in block.split("\n") if _ITEM.match(line)]
    firsts = block.split("\n")[0]
    return bool(_ITEM.match(firsts)) and 0 < len(items) <= MAX_STEPS


def _opening(blocks: list[str]) -> str | None:
    """The answer a section opens with: its paragraph, or a short list with its lead-in."""
    if not blocks:
        return None
    first, rest = blocks[0], blocks[1:]
    if is_prose(first):
        if not first.rstrip().endswith(":"):
            return first
        if rest and _is_short_list(rest[0]):
            return first + "\n\n" + rest[0]  # "To do X:" and the steps it introduces
        return None
    return first if _is_short_list(first) else None


@lru_cache(maxsize=8)
def _analyzer(language: str) -> Any:
    from kb_core.search.text.analysis import Analyzer

    return Analyzer(language)


def _terms(text: str, language: str) -> set[str]:
    analyzer = _analyzer(language)
    return {t for w in analyzer.words(text) for t in analyzer.word_terms(w)}


def find_answer(article: Article, question: str, language: str = "en") -> tuple[str, str] | None:
    """(Markdown, where) of the opening that answers ``question``, or None when there is none.

    Sections are tried best heading match first (words shared with the question), then the
    introduction, then the others in order; the first that opens with an answer wins.
    """
    sections: dict[str, list[str]] = {}
    for heading, block in _blocks(article.markdown):
        sections.setdefault(heading, []).append(block)
    asked = _terms(question, language)
    scores = {h: len(asked & _terms(h, language)) for h in sections if h}
    matched = sorted((h for h in scores if scores[h]), key=lambda h: -scores[h])
    order = [*matched, *(h for h in sections if h not in matched)]
    if "" in sections:
        order.remove("")
        order.insert(len(matched), "")  # the introduction right after the matching sections
    for heading in order:
        found = _opening(sections[heading])
        if found is not None:
            return found, f"section: {heading}" if heading else "intro"
    return None


def _links_for_faq(
    article: Article,
    markdown: str,
    by_source: dict[str, Article],
    defined: Mapping[str, str],
    categories: Mapping[str, Category],
) -> str:
    """Point links at the URLs they have from the FAQ page; drop those that would break there.
    Code is left as written.

    A reference-style link names a definition that is elsewhere in the article (``defined``,
    by id): it becomes an inline link, pointed as one written inline is. A link to a
    category's intro goes to its page where the portal shows it (``categories``, by each
    content path that names its intro: ``category_sources``).
    """

    def link(image: bool, text: str, target: str, written: str) -> str:
        if image:
            return ""  # an answer is text; the article has the picture
        if _EXTERNAL.match(target):
            return written
        if target.startswith("#"):
            url = article.url + target
        else:
            dest, anchor, relative = resolve_link(article, target, by_source)
            page = None if dest is None or dest.visibility != "public" else dest.url
            if dest is None and relative:
                cat = categories.get(link_source(article, unquote(target.partition("#")[0])))
                page = None if cat is None else cat.url
            if page is None:
                return text  # not a page of the public portal: keep the words only
            url = page + (f"#{anchor}" if anchor else "")
        path, _, anchor = url.partition("#")
        rel = posixpath.relpath("/" + path, "/" + FAQ_URL) + "/"
        return f"[{text}]({rel}{'#' + anchor if anchor else ''})"

    def repl(m: re.Match[str]) -> str:
        return link(bool(m.group(1)), m.group(2), m.group(3) or m.group(4), m.group(0))

    def by_reference(image: bool, text: str, target: str) -> str:
        return link(image, text, target, f"[{text}](<{target}>)")

    def words_of(m: re.Match[str]) -> str:
        alt = _ALT.search(m.group(0))
        return html.escape(html.unescape(alt.group(alt.lastindex or 1) or "")) if alt else ""

    def change(line: str) -> str:
        # a raw image's address is relative to the article's page: on the FAQ page (and in its
        # structured data) it would be a broken picture, so it gives way to its words, as above
        return _IMG.sub(words_of, INLINE_LINK.sub(repl, line))

    def words_of_long(m: re.Match[str]) -> str:
        return words_of(m) if "\n" in m.group(0) else m.group(0)  # one line: code, kept

    # inline links first: what by_reference writes is pointed already
    markdown = outside_code(markdown, change, _may_link)
    markdown = inline_references(markdown, defined, by_reference)
    # a tag over several lines (the lines of one in code are not read at all)
    return _IMG.sub(words_of_long, markdown) if "<img" in markdown.lower() else markdown


def _may_link(line: str) -> bool:
    return "](" in line or "<img" in line.lower()


@lru_cache(maxsize=1)
def _markdown() -> Any:
    # One converter for every answer: building one loads all the extensions (milliseconds).
    import markdown as md

    names: list[str] = []
    configs: dict[str, dict[str, Any]] = {}
    for ext in MARKDOWN_EXTENSIONS:
        if isinstance(ext, dict):
            (name, cfg), *_ = ext.items()
            names.append(name)
            configs[name] = cfg
        else:
            names.append(ext)
    return md.Markdown(extensions=names, extension_configs=configs)


def render_markdown(markdown: str) -> str:
    """Short Markdown as sanitised HTML, with the extensions the portal's pages use."""
    return clean_html(_markdown().reset().convert(markdown)).strip()


def html_text(fragment: str) -> str:
    """The words of an HTML fragment, blocks separated by a space."""
    spaced = _BLOCK_END.sub(lambda m: m.group(0) + " ", fragment)
    return " ".join(html.unescape(nh3.clean(spaced, tags=set())).split())


def faq_answer(
    article: Article,
    by_source: dict[str, Article],
    language: str = "en",
    categories: Mapping[str, Category] | None = None,
) -> Answer:
    """The answer the FAQ shows for ``article``'s question, its links to the ``categories`` the
    portal shows (by each content path that names its intro) pointed at their pages."""
    written = (article.meta.faq_answer or "").strip()
    if written:
        markdown, source = written, "faq_answer"
    else:
        found = find_answer(article, article.meta.faq or "", language)
        markdown, source = found if found else (article.summary, "summary")
    defined = definitions(article.markdown) if "]:" in article.markdown else {}
    if written and "]:" in written:
        defined.update(definitions(written))  # its own, as it would read them alone
    markdown = _links_for_faq(article, markdown, by_source, defined, categories or {})
    rendered = render_markdown(markdown) if markdown else ""
    return Answer(markdown, rendered, html_text(rendered), source)


def faq_problems(articles: list[Article], language: str = "en") -> list[Problem]:
    """A warning for each public FAQ question that has no answer but the summary."""
    out: list[Problem] = []
    for a in articles:
        if a.visibility != "public" or not a.meta.faq or (a.meta.faq_answer or "").strip():
            continue
        if find_answer(a, a.meta.faq, language) is None:
            msg = (
                f"faq: no paragraph answers {a.meta.faq!r} (a table or a long list is not an "
                "answer); write one with 'faq_answer:'"
            )
            out.append(Problem(a.where, a.line_of("faq"), "warning", msg, "faq-answer"))
    return out
