"""Search blueprint: ranked results (logged), the same ranking as-you-type (not logged), clicks."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify

from feedback_api.errors import ApiError
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
from kb_core.search.person import asks_for_person
from kb_core.search.searcher import SearchResponse
from kb_store.tables import click_row, search_row

log = logging.getLogger(__name__)

bp = Blueprint("search", __name__)

_UNAVAILABLE = "Search is unavailable: the search index has not been built or cannot be read."


def _split(url: str, anchor: str | None) -> tuple[str, str]:
    path, _, fragment = url.partition("#")
    return "/" + path.lstrip("/"), anchor or fragment


def _results(found: SearchResponse) -> list[dict[str, Any]]:
    results = []
    for hit in found.results:
        url, anchor = _split(hit.url, hit.anchor)
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
            }
        )
    return results


def _answer(found: SearchResponse) -> dict[str, Any] | None:
    """The answer card (kb_core.search.answer), its url split from its anchor like a hit's."""
    card = found.answer
    if card is None:
        return None
    url, anchor = _split(card.url, card.anchor)
    return {
        "text": card.text,
        "id": card.id,
        "title": card.title,
        "url": url,
        "anchor": anchor,
        "score": round(card.score, 3),
    }


def _outcome(q: str, found: SearchResponse, lang: str | None) -> dict[str, Any]:
    """What a search gets besides its results: ``contact`` when it asks to reach a person
    (kb_core.search.person) and the site has its contact form, which the portal then offers
    first. Its words are no evidence that an article answers it ("contact support" matched
    *Roles and permissions*, whose text says "contact support", with full confidence): it is
    ``answered``, with its card, only by an article whose title is itself about reaching a
    person ("How to contact us"). Where the site has no form and no such article, it is a gap
    for ``kb gaps``."""
    language = chosen_language(lang)
    asks = asks_for_person(q, language)
    answered = found.answered and found.total > 0
    if asks:
        answered = answered and asks_for_person(found.results[0].title, language)
    return {
        "contact": asks and services().config.contact.enabled,
        "answered": answered,
        "answer": _answer(found) if answered or not asks else None,
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
        raise ApiError(503, _UNAVAILABLE) from None


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
    return jsonify(
        query=params.q,
        total=found.total,
        matches=found.matches,
        did_you_mean=found.did_you_mean,
        corrected=found.corrected,
        confidence=round(found.confidence, 3),
        results=_results(found),
        **outcome,  # contact, answered, answer
    )


@bp.get("/api/suggest")
def suggest() -> Response:
    """The same ranking as /api/search for a box being typed in; deliberately not logged (the
    page logs a query once it settles, through /api/search)."""
    params = parse_args(SuggestParams)
    if not params.q:
        return jsonify(
            query="",
            total=0,
            matches=0,
            answered=False,
            contact=False,
            confidence=0.0,
            suggestions=[],
        )
    # complete: a finished text (the contact form's subject), searched whole and answered with
    # the card, and still not logged: it is not a search the visitor made
    found = _search(params.q, params.limit, prefix=not params.complete, lang=params.lang)
    outcome = _outcome(params.q, found, params.lang)
    if not params.complete:
        del outcome["answer"]
    return jsonify(
        query=params.q,
        total=found.total,
        matches=found.matches,
        did_you_mean=found.did_you_mean,
        corrected=found.corrected,
        confidence=round(found.confidence, 3),
        suggestions=_results(found),
        **outcome,  # contact, answered, and with complete the answer card
    )


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
