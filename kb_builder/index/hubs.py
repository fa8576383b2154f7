"""Landing pages ("hubs"): articles that introduce a category and point at the articles that
answer, rather than answering a question themselves.

A hub's short text and its title hold the words of every question of its category, so it
outranked the article that answers ("fingerprinting" found "Web Browsing Privacy" before "Web
Tracking Protections"). The search index marks hubs (:class:`~kb_builder.index.fields.
IndexDoc`'s ``hub``) and the ranking discounts them (:mod:`kb_core.search.rank`). Decided
from the Markdown before :func:`~kb_builder.content.plain_text` flattens its links to words.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

# A page at least this share of whose words are the text of links to other pages of the site
# is a list of articles with a few words around it (Microsoft Learn's reference pages: 70 of
# cpp-docs' 9,740 articles). No article of the help centers with queries comes near it: the
# most is 0.29 (stackfaq 0.0), their index pages 0.05-0.17 once their generated link lists
# are gone (a Jekyll include, which the build drops).
HUB_LINK_SHARE = 0.5
# A page named as an index ("privacy-index.md", "sync-backup.index.md"): what index.md, a
# category's intro, is for a folder (never indexed as an article), written as an article.
_INDEX_NAME = re.compile(r"(?:^|[-._])index$", re.IGNORECASE)
_MD_LINK = re.compile(r"(?<!!)\[([^\]\n]*)\]\(\s*<?([^)\s>]*)[^)\n]*\)")
_HTML_LINK = re.compile(r"<a\s[^>]*?href\s*=\s*[\"']([^\"']*)[\"'][^>]*>(.*?)</a\s*>", re.I | re.S)
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # https:, mailto: (another site)
_MARKUP = re.compile(r"<[^>\n]*>|[*_`]")


def is_hub(markdown: str, source: str, words: int) -> bool:
    """Whether the article at ``source`` (its path in the content folder) is a landing page:
    named as an index, or with ``markdown`` (of ``words`` words as plain text) mostly links
    to other pages of the site."""
    if _INDEX_NAME.search(PurePosixPath(source).stem):
        return True
    return words > 0 and linked_words(markdown) >= HUB_LINK_SHARE * words


def linked_words(markdown: str) -> int:
    """How many words of ``markdown`` are the text of links (Markdown or HTML) to other pages
    of the site: not to another site, nor to a heading of the same page."""
    found = 0
    if "](" in markdown:
        found += sum(_words(m[1]) for m in _MD_LINK.finditer(markdown) if _inside(m[2]))
    if "<a" in markdown or "<A" in markdown:
        found += sum(_words(m[2]) for m in _HTML_LINK.finditer(markdown) if _inside(m[1]))
    return found


def _inside(target: str) -> bool:
    return bool(target) and not target.startswith("#") and not _SCHEME.match(target)


def _words(text: str) -> int:
    return len(_MARKUP.sub(" ", text).split())
