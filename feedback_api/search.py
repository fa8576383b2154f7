"""Search blueprint: ranked results (logged), as-you-type suggestions (not logged), clicks."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify

from kb_builder.errors import IndexUnavailable

from .errors import ApiError
from .schemas import ClickEvent, SearchParams, SuggestParams, parse_args, parse_json
from .services import services
from .tables import click_row, search_row

log = logging.getLogger(__name__)

bp = Blueprint("search", __name__)

_UNAVAILABLE = "Search is unavailable: the search index has not been built or cannot be read."


def _split(url: str, anchor: str | None) -> tuple[str, str]:
    path, _, fragment = url.partition("#")
    return "/" + path.lstrip("/"), anchor or fragment


@bp.get("/api/search")
def search() -> Response:
    """Answer a search and log it with its hit count."""
    params = parse_args(SearchParams)
    s = services()
    limit = params.limit or s.config.search.results_per_page
    try:
        found = s.build.searcher().search(params.q, limit=limit, category=params.category)
    except IndexUnavailable:
        log.warning("search while the index is unavailable: %s", s.build.index_error)
        raise ApiError(503, _UNAVAILABLE) from None
    row = search_row(
        query=found.normalized,
        raw_query=params.q,
        hits=found.total,
        category=params.category,
        corrected=found.corrected,
        visitor=s.visitors.token(),
    )
    s.events.add("searches", row)
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
    return jsonify(
        query=params.q,
        total=found.total,
        did_you_mean=found.did_you_mean,
        corrected=found.corrected,
        results=results,
    )


@bp.get("/api/suggest")
def suggest() -> Response:
    """Titles matching what is typed so far; deliberately not logged."""
    params = parse_args(SuggestParams)
    if not params.q:
        return jsonify(query="", suggestions=[])
    try:
        found = services().build.searcher().suggest(params.q, limit=params.limit)
    except IndexUnavailable:
        raise ApiError(503, _UNAVAILABLE) from None
    suggestions = [{"id": s.id, "title": s.title, "url": _split(s.url, None)[0]} for s in found]
    return jsonify(query=params.q, suggestions=suggestions)


@bp.post("/api/events/click")
def click() -> tuple[str, int]:
    """Record which result of a search the visitor opened."""
    event = parse_json(ClickEvent)
    s = services()
    row = click_row(
        query=event.query, article_id=event.id, position=event.position, visitor=s.visitors.token()
    )
    s.events.add("clicks", row)
    return "", 204
