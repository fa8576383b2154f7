"""The answer card as a reply snippet: the article's own sentences, quoted, and their source.

``kb link`` and the agent API (``GET /api/articles``) put it above the links when the search
gives a card (:mod:`kb_core.search.answer`: question-like queries the search is sure of; none
when unsure). The text is quoted word for word and always cited with the permanent link of
the section it comes from, as :mod:`kb_core.link` makes them (``?src=agent`` on public ones).
A search that must stay public (the agent API without a token) never offers an internal card.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kb_core.link import FORMATS, Articles, Link, as_dict, link_for, md_escape, md_url, render
from kb_core.manifest import ManifestArticle
from kb_core.search.outcome import contact_path, search_outcome
from kb_core.search.searcher import Searcher, SearchResponse
from kb_core.search.text.snippets import collapse_blanks


@dataclass(frozen=True)
class Quote:
    """The card's ``text`` (plain, whole sentences, possibly several lines), cited by ``link``."""

    text: str
    link: Link  # to the section the sentences come from
    score: float
    lines: tuple[str, ...] = ()  # what each line of ``text`` is (search.answer.Answer.lines)


@dataclass(frozen=True)
class Reply:
    """What a search offers an agent: the cited answer (or None) and the links, best first."""

    links: list[Link]
    # answered as the portal judges it (kb_core.search.outcome): confident, and a query asking
    # for a person is answered only by an article about reaching one
    answered: bool
    quote: Quote | None = None
    # the query asks for a person: the contact form's permanent URL, which the portal offers
    # first (None when it does not ask, or the site has no form)
    contact_url: str | None = None
    asks_for_person: bool = False
    confidence: float = 0.0  # the search's (kb_core.search.confidence), 0 to 1


def quote_of(
    found: SearchResponse,
    site_url: str,
    articles: Mapping[str, ManifestArticle],
    prefix: str = "",
) -> Quote | None:
    """The search's answer card as a Quote, linked like its hit but at the card's section."""
    card = found.answer
    hit = next((h for h in found.results if card is not None and h.id == card.id), None)
    if card is None or hit is None:  # a card always comes from a hit; never cite a stranger
        return None
    at = replace(hit, anchor=card.anchor or None)
    link = link_for(articles.get(card.id), at, site_url, prefix)
    return Quote(text=card.text.strip(), link=link, score=card.score, lines=card.lines)


def search_reply(
    searcher: Searcher,
    query: str,
    *,
    site_url: str,
    articles: Mapping[str, ManifestArticle],
    limit: int = 5,
    public_only: bool = False,
    prefix: str = "",
    language: str = "en",
    contact_form: bool = True,
) -> Reply:
    """Rank ``query`` as the portal does: its links, whether it is answered, its card, and
    the contact form when it asks for a person (``kb_core.search.outcome``, read in
    ``language``; ``contact_form``: the site has one).

    With ``public_only``, internal links and an internal card are dropped whatever the index
    holds (the public index holds none; that alone is never trusted).
    """
    found = searcher.search(query, limit=limit)
    said = search_outcome(query, found, language=language, contact_form=contact_form)
    links = [link_for(articles.get(h.id), h, site_url, prefix) for h in found.results]
    quote = quote_of(found, site_url, articles, prefix) if said.answer is not None else None
    if public_only:
        links = [k for k in links if not k.internal]
        quote = quote if quote is not None and not quote.link.internal else None
    contact = site_url.rstrip("/") + contact_path(prefix) if said.contact else None
    answered = said.answered and bool(links)
    return Reply(links, answered, quote, contact, said.asks_for_person, found.confidence)


def find_reply(
    build_dir: Path,
    query: str,
    *,
    site_url: str,
    internal: bool = False,
    limit: int = 5,
    synonyms: Sequence[Sequence[str]] = (),
    typo_tolerance: bool = True,
    lang: str | None = None,
    language: str = "en",
    contact_form: bool = True,
) -> Reply:
    """``kb link``: search the built index (public, or agents' with ``internal``), of the
    default language or of another (``lang``: its index, its pages, its permalinks); the
    query read in ``language`` (the portal's); ``contact_form``: the site has one.

    Raises IndexUnavailable when the build has no readable index.
    """
    articles = Articles.load(build_dir, internal=internal, lang=lang)
    index = build_dir / "index" / (lang or "") / ("internal" if internal else "public")
    with Searcher(index, synonyms=synonyms, typo_tolerance=typo_tolerance) as searcher:
        return search_reply(
            searcher,
            query,
            site_url=site_url,
            articles=articles.all(),
            limit=limit,
            public_only=not internal,
            prefix=articles.prefix,
            language=language,
            contact_form=contact_form,
        )


# --- snippets -------------------------------------------------------------------------------


def _lines(quote: Quote) -> list[str]:
    return [collapse_blanks(line) for line in quote.text.splitlines() if line.strip()]


def _blocks(quote: Quote) -> list[str | list[tuple[bool, list[str]]]]:
    """The quote's lines as paragraphs (str) and tables: each a list of rows, (whether it is
    the header row, its cells). A table's header row heads the rows after it; a line "…"
    among the rows stands for rows left out. A quote without ``lines`` is all paragraphs."""
    texts = quote.text.split("\n")
    kinds = quote.lines if len(quote.lines) == len(texts) else ("text",) * len(texts)
    blocks: list[str | list[tuple[bool, list[str]]]] = []
    for i, (line, kind) in enumerate(zip(texts, kinds, strict=True)):
        line = collapse_blanks(line)
        heads = kind == "header" and i + 1 < len(kinds) and kinds[i + 1] == "row"
        if kind not in ("row", "more") and not heads:
            if line:
                blocks.append(line)
            continue
        if not blocks or isinstance(blocks[-1], str) or heads:
            blocks.append([])
        table = blocks[-1]
        assert isinstance(table, list)
        table.append((heads, [cell.strip() for cell in line.split(" · ")]))
    return blocks


def _md_table(rows: list[tuple[bool, list[str]]]) -> list[str]:
    """A GitHub-flavoured Markdown table (cells escaped, "|" too); an empty header row when
    the table has none, as the syntax needs one."""
    width = max(len(cells) for _, cells in rows)

    def row(cells: list[str]) -> str:
        cells = cells + [""] * (width - len(cells))
        return "| " + " | ".join(md_escape(c).replace("|", "\\|") for c in cells) + " |"

    head, body = (rows[0][1], rows[1:]) if rows[0][0] else ([""] * width, rows)
    return [row(head), "|" + "---|" * width, *(row(cells) for _, cells in body)]


def quote_markdown(quote: Quote) -> str:
    """``> text`` (a paragraph a line; table rows as a Markdown table), a blank line, then
    ``— [Title](url#anchor)``."""
    blocks = _blocks(quote)
    parts = (md_escape(b) if isinstance(b, str) else "\n".join(_md_table(b)) for b in blocks)
    said = "\n".join(f"> {line}" if line else ">" for line in "\n\n".join(parts).split("\n"))
    source = f"[{md_escape(quote.link.label)}]({md_url(quote.link.url)})"
    marker = "**Internal:** " if quote.link.internal else ""
    return f"{said}\n\n— {marker}{source}"


def _html_table(rows: list[tuple[bool, list[str]]]) -> str:
    def row(cells: list[str], tag: str) -> str:
        return "<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>"

    head = f"<thead>{row(rows[0][1], 'th')}</thead>" if rows[0][0] else ""
    body = "".join(row(cells, "td") for heads, cells in rows if not heads)
    return f"<table>{head}<tbody>{body}</tbody></table>"


def quote_html(quote: Quote) -> str:
    """``<blockquote>text</blockquote>`` (its lines as one paragraph, lines broken; table rows
    as a table) and ``<p>— <a href="url">Title</a></p>``, escaped."""
    parts: list[list[str] | str] = []  # runs of lines (one paragraph), and tables
    for block in _blocks(quote):
        if isinstance(block, list):
            parts.append(_html_table(block))
        elif parts and isinstance(parts[-1], list):
            parts[-1].append(html.escape(block))
        else:
            parts.append([html.escape(block)])
    said = "".join(p if isinstance(p, str) else f"<p>{'<br>'.join(p)}</p>" for p in parts)
    source = f'<a href="{html.escape(quote.link.url)}">{html.escape(quote.link.label)}</a>'
    marker = "<strong>Internal:</strong> " if quote.link.internal else ""
    return f"<blockquote>{said}</blockquote>\n<p>— {marker}{source}</p>"


def quote_text(quote: Quote) -> str:
    """The sentences, a blank line, ``— Title`` and the URL; internal ones marked."""
    marker = "[internal] " if quote.link.internal else ""
    return "\n".join(_lines(quote)) + f"\n\n— {marker}{quote.link.label}\n{quote.link.url}"


def quote_dict(quote: Quote) -> dict[str, Any]:
    """The card as JSON: the API's answer fields, the permanent URL and the ready snippets."""
    link = as_dict(quote.link)
    return {
        "text": quote.text,
        "id": link["id"],
        "title": link["title"],
        "url": link["url"],
        "anchor": link["anchor"],
        "section": link["section"],
        "visibility": link["visibility"],
        "score": round(quote.score, 3),
        "lines": list(quote.lines),
        "markdown": quote_markdown(quote),
        "html": quote_html(quote),
        "plain": quote_text(quote),
    }


def reply_dict(reply: Reply, query: str) -> dict[str, Any]:
    """What ``kb link --format json`` prints and ``GET /api/articles`` answers (which adds
    ``internal``): the query, whether it is answered and how sure the search is (a client
    warns before a link is sent when it is not), whether it asks for a person and the contact
    form, the cited card and the links."""
    return {
        "query": query,
        "answered": reply.answered,
        "confidence": round(reply.confidence, 3),
        "asks_for_person": reply.asks_for_person,
        "contact": reply.contact_url is not None,
        "contact_url": reply.contact_url,
        "answer": None if reply.quote is None else quote_dict(reply.quote),
        "results": [as_dict(k) for k in reply.links],
    }


def render_reply(reply: Reply, fmt: str, *, query: str = "") -> str:
    """The cited answer (when there is one) above the links, in ``fmt`` (see ``FORMATS``)."""
    if fmt == "json":
        return json.dumps(reply_dict(reply, query), ensure_ascii=False, indent=1) + "\n"
    one = {"md": quote_markdown, "html": quote_html, "text": quote_text}.get(fmt)
    if one is None:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    links = render(reply.links, fmt)
    if reply.quote is None:
        return links
    return one(reply.quote) + "\n" + ("\n" + links if links else "")
