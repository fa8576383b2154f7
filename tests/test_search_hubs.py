"""Landing pages ("hubs", kb_builder.index.hubs): marked at build time from the Markdown, and
ranked below the article that answers (kb_core.search.rank), in real indexes of small KBs."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb_builder.build import to_index_doc
from kb_builder.buildcache import Cache
from kb_builder.content import load_content
from kb_builder.index.documents import title_vectors
from kb_builder.index.fields import IndexDoc
from kb_builder.index.hubs import is_hub
from kb_builder.index.writer import build_index
from kb_core.config import SiteConfig
from kb_core.search.searcher import Searcher

LINKS = """Start with these:

- [Reset your password](../account/reset-password.md)
- [Change your email address](/account/change-email/)
- [Cancel your subscription](../billing/cancel.md)
"""

PRIVACY_KB = {
    "privacy/web-browsing-privacy-index.md": """---
title: Web browsing privacy
summary: The protections of our browser.
---
Our browser blocks trackers with many protections: fingerprinting protection, cookie
protection and link tracking protection. See
[Web tracking protections](web-tracking-protections.md).
""",
    "privacy/web-tracking-protections.md": """---
title: Web tracking protections
summary: What each protection of the browser blocks, and how.
---
Trackers follow you from site to site. The browser has several protections against them,
each for one way of tracking.

## Cookie protection

Third-party cookies let an advertiser recognise you on every site that loads its scripts.
The browser keeps each site's cookies apart, so a cookie set on one site is not sent when
another site loads the same script.

## Fingerprinting protection

Sites can read details of your device, such as the screen size, the fonts installed and the
graphics card, and combine them into a fingerprint that recognises you without cookies. The
browser gives every site slightly different answers, so the fingerprint changes from site
to site.

## Link tracking protection

Some links carry an identifier in the address that tells the site where you came from. The
browser removes the identifiers it knows from the addresses of links you open.
""",
    "privacy/cookie-pop-ups.md": """---
title: Cookie pop-ups
---
The browser answers cookie consent pop-ups for you, choosing the most private option the
site offers, and hides the pop-up.
""",
}


def load_docs(root: Path, files: dict[str, str]) -> list[IndexDoc]:
    """The index documents ``kb build`` makes of ``files`` (path -> Markdown) under ``root``."""
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    kb = load_content(root, SiteConfig())
    return [to_index_doc(a, kb) for a in kb.articles]


@pytest.mark.parametrize(
    ("source", "markdown", "hub"),
    [
        ("privacy/privacy-index.md", "How we protect your email.", True),
        ("sync/sync-backup.index.md", "Sync your bookmarks between devices.", True),
        ("account/reindex.md", "Rebuild the search index of your account.", False),
        ("start/start-here.md", LINKS, True),
        ("start/start-here.md", LINKS.replace("](", "](https://example.com/"), False),
        ("start/contents.md", LINKS.replace("](", "](#"), False),  # the page's own headings
        (
            "start/start-here.md",
            '<ul><li><a href="/account/reset-password/">Reset your password</a></li>'
            '<li><a href="/billing/cancel/">Cancel your subscription</a></li></ul>',
            True,
        ),
        ("account/reset-password.md", "To reset it, open [Settings](settings.md) first.", False),
    ],
)
def test_a_landing_page_is_named_as_an_index_or_mostly_links_to_the_site(
    source: str, markdown: str, hub: bool
) -> None:
    words = len(markdown.split())  # the test's texts have no markup between words
    assert is_hub(markdown, source, words) is hub


def test_the_build_marks_landing_pages(tmp_path: Path) -> None:
    files = {**PRIVACY_KB, "start/start-here.md": f"---\ntitle: Start here\n---\n{LINKS}"}
    docs = load_docs(tmp_path / "content", files)
    assert {d.id: d.hub for d in docs} == {
        "web-browsing-privacy-index": True,
        "web-tracking-protections": False,
        "cookie-pop-ups": False,
        "start-here": True,
    }


@pytest.mark.parametrize("meaning", [False, True])
def test_the_article_that_answers_ranks_above_its_landing_page(
    tmp_path: Path, meaning: bool
) -> None:
    """A landing page whose short text names every protection outranked, by words ("finger-
    printing") and by meaning ("does your browser block fingerprinting", whose lexical
    candidates are close), the article with a section on the one asked about; a query whose
    every word is in the landing page's title names it, and still finds it first."""
    docs = load_docs(tmp_path / "content", PRIVACY_KB)
    vectors = title_vectors(docs, Cache(None, "")) if meaning else None
    build_index(docs, tmp_path / "ix", vectors=vectors)
    with Searcher(tmp_path / "ix") as s:
        queries = ["fingerprinting"] + (
            ["does your browser block fingerprinting"] if meaning else []
        )
        for query in queries:
            assert s.search(query).results[0].id == "web-tracking-protections", query
        assert s.search("web privacy").results[0].id == "web-browsing-privacy-index"
