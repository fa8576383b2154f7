"""Reply-ready article links for support agents: permanent URLs, snippets, article text.

Shared by ``kb link`` / ``kb export`` and the agent API (``feedback_api.agents``): imports neither
mkdocs nor Flask, and reads the build's manifests with ``kb_core.manifest``.

URLs are permanent: ``<site.url>/a/<id>?src=agent#anchor`` for a public article (the ``src``
marker counts the visit as an agent share; it comes before the fragment so it survives the 301
to the current address), ``<site.url>/internal/a/<id>#anchor`` for an internal one (it opens
only for a signed-in agent; it is never a share with a customer, so it carries no marker).
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

from kb_core.manifest import (
    INTERNAL,
    PUBLIC,
    Manifest,
    ManifestArticle,
    ManifestError,
    ManifestMissing,
    manifest_name,
)
from kb_core.search.searcher import Hit

log = logging.getLogger(__name__)

FORMATS = ("md", "html", "text", "json")
SHARE_QUERY = "src=agent"
EXCERPT_CHARS = 600


@dataclass(frozen=True)
class Link:
    """A reply-ready link to one article, or to its best-matching section."""

    id: str
    title: str
    url: str  # absolute, permanent
    summary: str  # one line
    visibility: str
    anchor: str | None = None
    section: str | None = None
    category: str = ""

    @property
    def internal(self) -> bool:
        return self.visibility != "public"

    @property
    def label(self) -> str:
        """The link text: the title, and the section's title when the link points at one."""
        return f"{self.title} › {self.section}" if self.section else self.title


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) made one space."""
    return " ".join(text.split())


def permalink(
    site_url: str,
    article_id: str,
    *,
    visibility: str = "public",
    anchor: str | None = None,
    prefix: str = "",
) -> str:
    """The permanent URL of an article: public ones carry the agent-share marker. ``prefix``
    ('fr/') makes it the link to another language's page (``/fr/a/<id>``)."""
    base = site_url.rstrip("/")
    path = quote(article_id, safe="/-._~")
    url = (
        f"{base}/internal/{prefix}a/{path}"
        if visibility != "public"
        else f"{base}/{prefix}a/{path}?{SHARE_QUERY}"
    )
    return f"{url}#{quote(anchor, safe='-._~')}" if anchor else url


def link_for(
    article: ManifestArticle | None, hit: Hit | None, site_url: str, prefix: str = ""
) -> Link:
    """A Link from a manifest entry and/or a search hit; a hit's matching section is kept
    (``prefix``: to another language's page, see :func:`permalink`).

    Raises ValueError when given neither.
    """
    if hit is not None:
        aid, visibility, anchor = hit.id, hit.visibility, hit.anchor
        title, summary, category = hit.title, hit.summary, hit.category
    elif article is not None:
        aid, visibility, anchor = article.id, article.visibility, None
        title, summary, category = article.title, article.summary, article.category_title
    else:
        raise ValueError("link_for needs an article or a search hit")
    section = None
    if article is not None:
        title, summary = article.title, article.summary
        section = article.heading_title(anchor) if anchor else None
    return Link(
        id=aid,
        title=one_line(title),
        url=permalink(site_url, aid, visibility=visibility, anchor=anchor, prefix=prefix),
        summary=one_line(summary),
        visibility=visibility,
        anchor=anchor or None,
        section=one_line(section) if section else None,
        category=one_line(category),
    )


# --- snippets -------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


def md_escape(text: str) -> str:
    """``text`` with Markdown's inline syntax characters backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def markdown(link: Link) -> str:
    """``[Title](url) — summary``, prefixed ``**Internal:**`` for internal articles."""
    text = f"[{md_escape(link.label)}]({md_url(link.url)})"
    if link.summary:
        text += f" — {md_escape(link.summary)}"
    return f"**Internal:** {text}" if link.internal else text


def html_snippet(link: Link) -> str:
    """``<a href="url">Title</a> — summary``, escaped, prefixed for internal articles."""
    text = f'<a href="{html.escape(link.url)}">{html.escape(link.label)}</a>'
    if link.summary:
        text += f" — {html.escape(link.summary)}"
    return f"<strong>Internal:</strong> {text}" if link.internal else text


def plain_text(link: Link) -> str:
    """Title, URL and summary on three lines; internal articles are marked ``[internal]``."""
    lines = [("[internal] " if link.internal else "") + link.label, link.url]
    if link.summary:
        lines.append(link.summary)
    return "\n".join(lines)


def as_dict(link: Link) -> dict[str, Any]:
    """A Link as JSON: id, title, url, summary, visibility, and the ready snippets."""
    return {
        "id": link.id,
        "title": link.title,
        "url": link.url,
        "summary": link.summary,
        "visibility": link.visibility,
        "anchor": link.anchor,
        "section": link.section,
        "category": link.category,
        "markdown": markdown(link),
        "html": html_snippet(link),
        "text": plain_text(link),
    }


def render(links: Sequence[Link], fmt: str, *, query: str = "") -> str:
    """Every link in ``fmt`` (md, html, text or json), blank-line separated; ends with a newline."""
    if fmt == "json":
        return (
            json.dumps(
                {"query": query, "results": [as_dict(k) for k in links]},
                ensure_ascii=False,
                indent=1,
            )
            + "\n"
        )
    one = {"md": markdown, "html": html_snippet, "text": plain_text}.get(fmt)
    if one is None:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return "".join(one(k) + "\n\n" for k in links).rstrip("\n") + "\n" if links else ""


# --- the build's manifests ------------------------------------------------------------------


def read_articles(manifest: Path, visibility: str) -> dict[str, ManifestArticle]:
    """Articles of one manifest by id; an absent or unusable manifest gives none (logged).

    Each article's visibility is the file's it was read from, never its entry's.
    """
    try:
        read = Manifest.read(manifest)
    except ManifestMissing:
        return {}
    except ManifestError as exc:
        log.warning("%s", exc)
        return {}
    return {a.id: replace(a, visibility=visibility, url=a.url.lstrip("/")) for a in read.articles}


@dataclass(frozen=True)
class Articles:
    """The public and (when asked for) internal articles of a build."""

    public: Mapping[str, ManifestArticle] = field(default_factory=dict)
    internal: Mapping[str, ManifestArticle] = field(default_factory=dict)
    prefix: str = ""  # another language's: 'fr/' (its pages, its permalinks /fr/a/<id>)

    @classmethod
    def load(cls, build_dir: Path, *, internal: bool, lang: str | None = None) -> Articles:
        """The articles of the default language's portals, or of ``lang``'s (another one)."""
        prefix = f"{lang}/" if lang else ""
        public = read_articles(build_dir / manifest_name(PUBLIC, lang), "public")
        if not internal:
            return cls(public, prefix=prefix)
        return cls(
            public, read_articles(build_dir / manifest_name(INTERNAL, lang), "internal"), prefix
        )

    def all(self) -> dict[str, ManifestArticle]:
        """Public and internal articles by id (a public id wins a clash, which checks forbid)."""
        return {**self.internal, **self.public}


# --- article text from the built page -------------------------------------------------------

_SKIP = {"nav", "script", "style", "form", "aside", "section", "h1", "button", "template"}
_SKIP_CLASSES = {"headerlink", "kb-meta", "kb-crumbs", "kb-rating", "kb-cta"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}  # fmt: skip
_BLOCK = {"p", "li", "h2", "h3", "h4", "h5", "h6", "tr", "div", "pre", "blockquote", "dt", "dd",
          "table", "ul", "ol", "br"}  # fmt: skip


class _ArticleText(HTMLParser):
    """Collects the text of a portal page's ``<article>``, without navigation or widgets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # inside <article>
        self.skip = 0  # inside an element we leave out
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article":
            self.depth += 1
            return
        if not self.depth or tag in _VOID:
            if tag == "br" and self.depth and not self.skip:
                self.parts.append("\n")
            return
        classes = set((dict(attrs).get("class") or "").split())
        if self.skip or tag in _SKIP or classes & _SKIP_CLASSES:
            self.skip += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self.depth = max(0, self.depth - 1)
        elif self.depth and tag not in _VOID:
            if self.skip:
                self.skip -= 1
            elif tag in _BLOCK:
                self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.depth and not self.skip:
            self.parts.append(data)


def page_text(page: str) -> str:
    """The readable text of a built article page: paragraphs on their own lines."""
    parser = _ArticleText()
    parser.feed(page)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of ``text``, cut at a word boundary with '…' when longer than ``limit``."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(None, 1)[0].rstrip(" ,;:.-—")
    return cut + "…"


def page_path(build_dir: Path, article: ManifestArticle) -> Path | None:
    """Where the built page of ``article`` is, if its URL stays inside its portal's tree."""
    root = (build_dir / ("public" if article.visibility == "public" else "internal")).resolve()
    target = (root / article.url / "index.html").resolve()
    return target if target.is_relative_to(root) else None


def article_text(build_dir: Path, article: ManifestArticle) -> str:
    """The plain text of an article's built page ('' when the page is missing)."""
    path = page_path(build_dir, article)
    if path is None:
        return ""
    try:
        return page_text(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("cannot read %s: %s", path, exc)
        return ""


def headings_of(article: ManifestArticle, url: str) -> list[dict[str, Any]]:
    """The article's headings, each with its anchor and the permanent URL of that section."""
    base = url.split("#", 1)[0]
    return [
        {"anchor": h.anchor, "title": h.title, "level": h.level, "url": f"{base}#{h.anchor}"}
        for h in article.headings
    ]


def detail(
    build_dir: Path, article: ManifestArticle, site_url: str, prefix: str = ""
) -> dict[str, Any]:
    """The agent API's answer about one article: metadata, links, headings and an excerpt
    (``prefix``: as another language's portal shows it, see :func:`permalink`)."""
    link = link_for(article, None, site_url, prefix)
    return {
        **as_dict(link),
        "language": article.language,
        "category_slug": article.category,
        "tags": list(article.tags),
        "updated": article.updated.isoformat() if article.updated else None,
        "revision": article.revision,
        "headings": headings_of(article, link.url),
        "excerpt": excerpt(article_text(build_dir, article)),
    }
