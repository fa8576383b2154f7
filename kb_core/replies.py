"""Saved replies: one greeting-free canned response per public article, for helpdesk import.

Read from the build's public manifest only, so an internal article can never become a reply a
customer receives. Each reply is the article's one-line summary and its permanent link (with the
agent-share marker), in plain text, Markdown or HTML. Imports neither mkdocs nor Flask.
"""

from __future__ import annotations

import csv
import html
import io
import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from kb_core.errors import KBError
from kb_core.link import (
    Link,
    html_snippet,
    link_for,
    markdown,
    md_escape,
    read_articles,
)
from kb_core.manifest import PUBLIC, ManifestArticle

log = logging.getLogger(__name__)

FIELDS = ("id", "title", "body", "url", "tags")
BODY_FORMATS = ("text", "md", "html")


@dataclass(frozen=True)
class Reply:
    """One canned response: its name (the title), the text to paste, and labels."""

    id: str
    title: str
    body: str
    url: str
    tags: tuple[str, ...]


def _body(link: Link, fmt: str) -> str:
    bare = Link(link.id, link.title, link.url, "", link.visibility)
    if fmt == "md":
        line = markdown(bare)
        return f"{md_escape(link.summary)}\n\n{line}" if link.summary else line
    if fmt == "html":
        anchor = html_snippet(bare)
        return f"<p>{html.escape(link.summary)}</p>\n<p>{anchor}</p>" if link.summary else anchor
    line = f"{link.title}: {link.url}"
    return f"{link.summary}\n\n{line}" if link.summary else line


def reply_for(article: ManifestArticle, site_url: str, body: str = "text") -> Reply:
    """The saved reply of one public article."""
    link = link_for(article, None, site_url)
    labels = (*article.tags, article.category) if article.category else article.tags
    tags = tuple(dict.fromkeys(labels))
    return Reply(article.id, link.title, _body(link, body), link.url, tags)


def saved_replies(build_dir: Path, site_url: str, body: str = "text") -> list[Reply]:
    """A reply per public article of the build, ordered by title.

    Raises KBError when the build has no public manifest.
    """
    manifest = build_dir / PUBLIC
    if not manifest.is_file():
        raise KBError(f"{manifest} does not exist; run `kb build` first")
    articles = read_articles(manifest, "public")
    ordered = sorted(articles.values(), key=lambda a: (a.title.casefold(), a.id))
    return [reply_for(a, site_url, body) for a in ordered]


def to_json(replies: Sequence[Reply]) -> str:
    """A JSON array of ``{id, title, body, url, tags}`` objects."""
    rows = [asdict(r) | {"tags": list(r.tags)} for r in replies]
    return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"


def to_csv(replies: Sequence[Reply]) -> str:
    """CSV with a header row ``id,title,body,url,tags``; tags comma-separated in one cell."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for r in replies:
        writer.writerow([r.id, r.title, r.body, r.url, ", ".join(r.tags)])
    return buf.getvalue()
