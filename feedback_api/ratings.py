"""Ratings blueprint: 'Was this helpful?' votes, one per visitor per article revision."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify

from feedback_api.errors import ApiError
from feedback_api.languages import logged_language
from feedback_api.schemas import parse_json
from feedback_api.services import services
from feedback_api.widget import event_origin

log = logging.getLogger(__name__)

bp = Blueprint("ratings", __name__)


@bp.post("/api/ratings")
def rate() -> tuple[Response, int]:
    """Store a vote (201), or replace this visitor's vote on the same revision (200)."""
    s = services()
    vote = parse_json(s.rating_model)
    if vote.article_id not in s.build.catalog.articles:
        raise ApiError(404, f"No article with id {vote.article_id!r}.", field="article_id")
    source, host = event_origin(vote)
    created = s.store.save_rating(
        article_id=vote.article_id,
        revision=vote.revision,
        value=vote.value,
        scale=s.config.ratings.scale,
        reason=vote.reason or None,
        visitor=s.visitors.token(),
        source=source,
        host=host,
        language=logged_language(),  # the page's: a translation's revision is its own
    )
    return jsonify(ok=True, updated=not created), 201 if created else 200
