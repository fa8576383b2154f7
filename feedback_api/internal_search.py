"""The internal portal's search boxes: the agents' ranking, for signed-in agents only.

``GET /internal/api/suggest`` and ``GET /internal/api/search`` answer in the shapes of
``/api/suggest`` and ``/api/search`` (``feedback_api.search``), so the portal's script drives
the internal boxes as it drives the public ones; they rank with the agents' index of public and
internal articles (``agents.AgentBuild``, as ``/api/articles`` and ``kb link --internal`` do).

They live under ``/internal/`` because the agent session's cookie is scoped there
(``agent_auth``): without a valid session they answer 401 in the one error shape before any
input is read. Neither is logged: an agent's lookup is not a customer's search (``kb gaps``).
A hit's ``url`` is its site path: ``/internal/...`` for an internal article, the public
portal's for a public one (the internal tree holds no public page). Both have the per-visitor
limit of every ``/api/`` endpoint (``api.rate_limit``).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, Response, jsonify

from feedback_api import agent_auth
from feedback_api.agents import agent_build, signed_in
from feedback_api.errors import INDEX_UNAVAILABLE, ApiError
from feedback_api.languages import chosen_language
from feedback_api.schemas import SearchParams, SuggestParams, parse_args
from feedback_api.search import EMPTY_SUGGEST, answer_json, search_body, suggest_body
from feedback_api.services import Services, services
from kb_core.errors import IndexUnavailable
from kb_core.search.outcome import search_outcome
from kb_core.search.searcher import SearchResponse

log = logging.getLogger(__name__)

bp = Blueprint("internal_search", __name__, url_prefix="/internal/api")

_SIGN_IN = "Sign in to the internal portal first, at /internal/login."


def _root(visibility: str) -> str:
    return "/" if visibility == "public" else agent_auth.INTERNAL_ROOT


def _agent_only() -> None:
    if signed_in() is None:
        raise ApiError(401, _SIGN_IN)


def _search(
    q: str,
    lang: str | None,
    limit: int,
    category: str | None = None,
    *,
    prefix: bool = False,
    correct: bool = True,
) -> SearchResponse:
    chosen = chosen_language(lang)
    state = agent_build()
    try:
        if chosen == services().config.site.language:
            searcher = state.searcher()
        else:  # that language's agents' index; untranslated articles in the default language
            searcher = state.language(chosen)[1]
        return searcher.search(
            q, limit=limit, category=category, prefix=prefix, typos=None if correct else False
        )
    except IndexUnavailable:
        log.warning("internal search while the agents' index is unavailable")
        raise ApiError(503, INDEX_UNAVAILABLE) from None


def _judged(q: str, found: SearchResponse, lang: str | None) -> dict[str, Any]:
    """``answered`` and the card as ``kb_core.search.outcome`` decides them for every surface
    (``kb link --internal`` and ``/api/articles`` too): a query asking for a person is answered
    only by an article about reaching one. No contact form: agents are the support."""
    said = search_outcome(q, found, language=chosen_language(lang), contact_form=False)
    card = answer_json(found, _root) if said.answer is not None else None
    return {"answered": said.answered, "answer": card}


@bp.get("/search")
def search() -> Response:
    """/api/search's answer over public and internal articles; not logged."""
    _agent_only()
    params = parse_args(SearchParams)
    limit = params.limit or services().config.search.results_per_page
    found = _search(params.q, params.lang, limit, params.category, correct=params.correct)
    return jsonify(search_body(params.q, found, _root) | _judged(params.q, found, params.lang))


@bp.get("/suggest")
def suggest() -> Response:
    """/api/suggest's answer over public and internal articles; not logged either."""
    _agent_only()
    params = parse_args(SuggestParams)
    if not params.q:
        return jsonify(EMPTY_SUGGEST)
    found = _search(params.q, params.lang, params.limit, prefix=not params.complete)
    body = suggest_body(params.q, found, _root, card=params.complete)
    judged = _judged(params.q, found, params.lang)
    return jsonify(body | {k: v for k, v in judged.items() if k in body})


def init_app(app: Flask, s: Services) -> None:
    """Register the blueprint with the default rate limit (the limiter counts /api/ alone)."""
    app.register_blueprint(bp)
    for view in ("search", "suggest"):
        s.limiter.add(f"{bp.name}.{view}", s.config.api.rate_limit, methods=("GET", "HEAD"))
