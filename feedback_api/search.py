"""Search blueprint: ranked results (logged), the same ranking as-you-type (not logged), clicks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify

from feedback_api.errors import INDEX_UNAVAILABLE, ApiError
from feedback_api.languages import chosen_language, logged_language
from feedback_api.schemas import (
    ClickEvent,
    SearchParams,
    Sourced,
    SuggestParams,
    parse_args,
    parse_json,
)
from feedback_api.services import services
from feedback_api.widget import event_origin
from kb_core.errors import IndexUnavailable
from kb_core.search.outcome import card_dict, search_outcome
from kb_core.search.searcher import SearchResponse
from kb_store.tables import click_row, search_row

log = logging.getLogger(__name__)

bp = Blueprint("search", __name__)


# Where the articles of a visibility are served, as a site path: the public portal's at "/"
# (the customers' endpoints, whose index holds nothing else); the agents' endpoints
# (``internal_search``) put internal articles under "/internal/".
Root = Callable[[str], str]


def _public_root(visibility: str) -> str:
    return "/"


def _split(url: str, anchor: str | None, root: str = "/") -> tuple[str, str]:
    path, _, fragment = url.partition("#")
    return root + path.lstrip("/"), anchor or fragment


def results_json(found: SearchResponse, root: Root = _public_root) -> list[dict[str, Any]]:
    """The hits as the portal's script reads them: ``url`` is the article's site path."""
    results = []
    for hit in found.results:
        url, anchor = _split(hit.url, hit.anchor, root(hit.visibility))
        results.append(
            {
                "id": hit.id,
                "title": hit.title,
                "url": url,
                "anchor": anchor,
                "category": hit.category,
                "summary": hit.summary,
                "snippet": hit.snippet,
                "source": hit.source,
                # set on another language's portal for an article shown untranslated
                "language": hit.language,
            }
        )
    return results


def answer_json(found: SearchResponse, root: Root = _public_root) -> dict[str, Any] | None:
    """The answer card (kb_core.search.answer), its url split from its anchor like a hit's
    (and served where its hit is: the card always comes from the best hit)."""
    card = found.answer
    if card is None:
        return None
    hit = next((h for h in found.results if h.id == card.id), None)
    return card_dict(card, root(hit.visibility if hit else "public"))


def _outcome(q: str, found: SearchResponse, lang: str | None) -> dict[str, Any]:
    """What a search gets besides its results (``contact``, ``answered``, ``answer``), as
    ``kb_core.search.outcome`` decides for every surface (``kb search`` and ``kb link`` too):
    a search asking for a person is offered the contact form first, and answered, with its
    card, only by an article about reaching a person."""
    said = search_outcome(
        q,
        found,
        language=chosen_language(lang),
        contact_form=services().config.contact.enabled,
    )
    return {
        "contact": said.contact,
        "answered": said.answered,
        "answer": answer_json(found) if said.answer is not None else None,
    }


def _where(event: Sourced) -> dict[str, str | None]:
    source, host = event_origin(event)
    return {"source": source, "host": host}


def _search(
    q: str,
    limit: int,
    category: str | None = None,
    *,
    prefix: bool = False,
    correct: bool = True,
    lang: str | None = None,
) -> SearchResponse:
    s = services()
    try:
        # each language's portal has its own index: its analyser (stemmer, stop words), its
        # synonyms and typo vocabulary, and the articles it shows (untranslated ones included)
        return s.build.searcher_for(chosen_language(lang)).search(
            q, limit=limit, category=category, prefix=prefix, typos=None if correct else False
        )
    except IndexUnavailable:
        log.warning("search while the index is unavailable: %s", s.build.index_error)
        raise ApiError(503, INDEX_UNAVAILABLE) from None


def _ranking(q: str, found: SearchResponse) -> dict[str, Any]:
    return {
        "query": q,
        "total": found.total,
        "matches": found.matches,
        "did_you_mean": found.did_you_mean,
        "corrected": found.corrected,
        "answered": found.answered and found.total > 0,
        "contact": False,  # a public search that asks for a person says so (_outcome)
        "confidence": round(found.confidence, 3),
    }


def search_body(q: str, found: SearchResponse, root: Root = _public_root) -> dict[str, Any]:
    """What /api/search answers (the agents' /internal/api/search too, with their ``root``)."""
    return _ranking(q, found) | {
        "answer": answer_json(found, root),
        "results": results_json(found, root),
    }


# /api/suggest's answer to an empty box: at once, and it says the API is there
EMPTY_SUGGEST: dict[str, Any] = {
    "query": "",
    "total": 0,
    "matches": 0,
    "answered": False,
    "contact": False,
    "confidence": 0.0,
    "suggestions": [],
}


def suggest_body(
    q: str, found: SearchResponse, root: Root = _public_root, *, card: bool = False
) -> dict[str, Any]:
    """What /api/suggest answers (and /internal/api/suggest); the answer card with ``card``."""
    body = _ranking(q, found) | {"suggestions": results_json(found, root)}
    return (body | {"answer": answer_json(found, root)}) if card else body


@bp.get("/api/search")
def search() -> Response:
    """Answer a search and log it with its hit count and whether it was answered."""
    params = parse_args(SearchParams)
    s = services()
    limit = params.limit or s.config.search.results_per_page
    found = _search(params.q, limit, params.category, correct=params.correct, lang=params.lang)
    outcome = _outcome(params.q, found, params.lang)
    row = search_row(
        query=found.normalized,
        raw_query=params.q,
        hits=found.total,
        category=params.category,
        corrected=found.corrected,
        answered=outcome["answered"],
        contact=outcome["contact"],
        visitor=s.visitors.token(),
        **_where(params),
        language=logged_language(params.lang),  # "failed searches in German"
    )
    s.events.add("searches", row)
    # contact, answered and the card as _outcome decided them
    return jsonify(search_body(params.q, found) | outcome)


@bp.get("/api/suggest")
def suggest() -> Response:
    """The same ranking as /api/search for a box being typed in; deliberately not logged (the
    page logs a query once it settles, through /api/search)."""
    params = parse_args(SuggestParams)
    if not params.q:
        return jsonify(EMPTY_SUGGEST)
    # complete: a finished text (the contact form's subject), searched whole and answered with
    # the card, and still not logged: it is not a search the visitor made
    found = _search(params.q, params.limit, prefix=not params.complete, lang=params.lang)
    outcome = _outcome(params.q, found, params.lang)
    if not params.complete:
        del outcome["answer"]
    return jsonify(suggest_body(params.q, found, card=params.complete) | outcome)


@bp.post("/api/events/click")
def click() -> tuple[str, int]:
    """Record which result of a search the visitor opened."""
    event = parse_json(ClickEvent)
    s = services()
    row = click_row(
        query=event.query,
        article_id=event.id,
        position=event.position,
        visitor=s.visitors.token(),
        **_where(event),
        language=logged_language(),
    )
    s.events.add("clicks", row)
    return "", 204
