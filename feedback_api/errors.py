"""One error shape for every failure: ``{"error": "<sentence>", "status": <int>}``.

Optional keys: ``field`` (the first offending input), ``details`` (every problem, for forms),
``retry_after`` (seconds, with 429). Tracebacks go to the log, never into a response. Outside
``/api/`` a 404 is the portal's own ``404.html``, because a person is reading it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, jsonify, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, RequestURITooLarge

from feedback_api.ratelimit import RateLimitExceeded
from feedback_api.security import page_csp
from kb_store.store import StoreError

log = logging.getLogger(__name__)

_SENTENCES = {
    400: "The request is malformed.",
    401: "Authentication is required.",
    403: "You are not allowed to do this.",
    404: "There is nothing at this address.",
    405: "This address does not accept the {method} method.",
    413: "The request body is too large (at most {limit} bytes).",
    414: "The query string is too long (at most {query_limit} bytes).",
    415: "Send the body as JSON with 'Content-Type: application/json'.",
    429: "Too many requests; try again in {retry} seconds.",
    500: "Something went wrong on our side; it has been logged.",
    503: "The service is temporarily unavailable.",
}

_STORE_RETRY_SECONDS = 5
# No API query needs more: q is at most 200 characters, 2,400 bytes fully percent-encoded.
# (gunicorn refuses request lines over 4,094 bytes itself, before the app sees them.)
MAX_QUERY_BYTES = 4096
# a search's 503 while its index is missing or unreadable (every search endpoint says the same)
INDEX_UNAVAILABLE = "Search is unavailable: the search index has not been built or cannot be read."

_FALLBACK_404 = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Page not found</title>"
    "<h1>Page not found</h1><p><a href='/'>Go to the help center home page</a></p></html>"
)


class ApiError(Exception):
    """A failure the client should see: a status, a sentence, and optionally the field."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        field: str | None = None,
        details: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.details = details
        self.headers = headers or {}


def error_response(status: int, message: str, **extra: Any) -> Response:
    """Build the JSON error response."""
    body: dict[str, Any] = {"error": message, "status": status}
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify(body)
    response.status_code = status
    return response


def _loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "body"


def _message(err: Mapping[str, Any]) -> str:
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "missing":
        return "is required"
    if err["type"] == "extra_forbidden":
        return "is not an accepted field"
    return msg[0].lower() + msg[1:] if msg else "is invalid"


def validation_error(exc: ValidationError) -> ApiError:
    """Turn a pydantic error into a 400 naming every offending field."""
    details = [{"field": _loc(e["loc"]), "message": _message(e)} for e in exc.errors()]
    first = details[0]
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    sentence = f"Invalid {first['field']}: {first['message']}{more}."
    return ApiError(400, sentence, field=first["field"], details=details)


def _wants_html() -> bool:
    return not request.path.startswith("/api/") and request.path != "/api"


def not_found_page() -> Response:
    """The portal's 404.html (or a minimal page) with status 404."""
    services = current_app.extensions["kb"]
    # under /fr/, the French portal's page: a visitor lost in French is told so in French
    first = request.path.lstrip("/").split("/", 1)[0]
    inside = first + "/" if first in services.config.site.codes[1:] else ""
    page: Path = services.build.public_dir / inside / "404.html"
    try:
        body = page.read_bytes()
    except OSError:
        return Response(_FALLBACK_404, status=404, mimetype="text/html")
    response = Response(body, status=404, mimetype="text/html")
    response.headers["Content-Security-Policy"] = page_csp(body)
    return response


def _handle_api_error(exc: ApiError) -> Response:
    response = error_response(exc.status, exc.message, field=exc.field, details=exc.details)
    response.headers.update(exc.headers)
    return response


def _handle_rate_limit(exc: RateLimitExceeded) -> Response:
    retry = exc.retry_after
    response = error_response(
        429, _SENTENCES[429].format(retry=retry), retry_after=retry, limit=str(exc.limit)
    )
    response.headers["Retry-After"] = str(retry)
    return response


def _api_methods() -> set[str]:
    # The portal's GET catch-all matches every path, /api/ ones too; it must not make
    # "POST /api/nope" a 405, nor add GET to the Allow header of "DELETE /api/ratings".
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = set()
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        try:
            endpoint, _ = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint != "portal.page":
            allowed.add(method)
    return allowed


def _handle_http(exc: HTTPException) -> Response:
    status = exc.code or 500
    allow = None
    if status == 405 and request.path.startswith("/api/"):
        methods = _api_methods()
        if not methods:
            status = 404
        else:
            head = {"HEAD"} if "GET" in methods else set()
            allow = ", ".join(sorted(methods | head | {"OPTIONS"}))
    if status == 404 and _wants_html():
        return not_found_page()
    template = _SENTENCES.get(status, exc.name + ".")
    message = template.format(
        method=request.method,
        limit=current_app.config.get("MAX_CONTENT_LENGTH"),
        query_limit=MAX_QUERY_BYTES,
        retry=60,
    )
    response = error_response(status, message)
    if status >= 500:
        log.error("HTTP %d on %s %s: %s", status, request.method, request.path, exc)
    for name, value in exc.get_headers() if status == exc.code else ():
        if name.lower() in ("allow", "retry-after"):
            response.headers[name] = value
    if allow:
        response.headers["Allow"] = allow
    return response


def _handle_store_down(exc: Exception) -> Response:
    # The database is unreachable, full, locked or read-only: the transaction was rolled back.
    # A known outage is one log line per request, not a traceback; clients may retry.
    log.warning("store unavailable on %s %s: %s", request.method, request.path, exc)
    response = error_response(503, _SENTENCES[503])
    response.headers["Retry-After"] = str(_STORE_RETRY_SECONDS)
    return response


def _handle_unexpected(exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, _SENTENCES[500])


def _refuse_huge_query() -> None:
    # the agents' search (/internal/api/) too, before its session is even looked at
    api = request.path.startswith(("/api/", "/internal/api/"))
    if len(request.query_string) > MAX_QUERY_BYTES and api:
        raise RequestURITooLarge()


def _refuse_huge_body() -> None:
    # Werkzeug only refuses when a view reads the body; every endpoint refuses it here, so a
    # POST to a view that ignores its body (logout) answers 413 like the others.
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()


def register(app: Flask) -> None:
    """Install the handlers that give every failure the error shape."""
    app.before_request(_refuse_huge_query)
    app.before_request(_refuse_huge_body)
    app.register_error_handler(ApiError, _handle_api_error)
    app.register_error_handler(RateLimitExceeded, _handle_rate_limit)
    app.register_error_handler(HTTPException, _handle_http)
    for outage in (StoreError, sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError):
        app.register_error_handler(outage, _handle_store_down)
    app.register_error_handler(Exception, _handle_unexpected)
