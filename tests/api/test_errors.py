"""Every failure has one shape, ``{"error": <sentence>, "status": <int>}``, and no traceback."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback_api.search import bp as search_bp
from tests.api.conftest import GENEROUS, AppFactory, site_config

GOOD_CONTACT = {
    "name": "Ann",
    "email": "ann@example.com",
    "topic": "Billing",
    "subject": "Refund",
    "message": "Please.",
}

CASES: list[tuple[str, str, dict[str, Any], int, str]] = [
    (
        "malformed JSON",
        "POST /api/ratings",
        {"data": b'{"article_id": "refunds",', "content_type": "application/json"},
        400,
        "The body is not valid JSON: Expecting property name enclosed in double quotes "
        "at line 1, column 26.",
    ),
    (
        "JSON that is not an object",
        "POST /api/ratings",
        {"json": ["refunds", 1]},
        400,
        "The body must be a JSON object.",
    ),
    (
        "not UTF-8",
        "POST /api/contact",
        {"data": b'{"name": "\xff"}', "content_type": "application/json"},
        400,
        "The body is not valid JSON: it is not UTF-8.",
    ),
    (
        "wrong content type",
        "POST /api/contact",
        {"data": "name=Ann", "content_type": "application/x-www-form-urlencoded"},
        415,
        "Send the body as JSON with 'Content-Type: application/json'.",
    ),
    (
        "oversize body",
        "POST /api/contact",
        {"json": GOOD_CONTACT | {"message": "x" * 70_000}},
        413,
        "The request body is too large (at most 65536 bytes).",
    ),
    (
        "missing field",
        "POST /api/ratings",
        {"json": {"article_id": "refunds", "value": 1}},
        400,
        "Invalid revision: is required.",
    ),
    (
        "bad email",
        "POST /api/contact",
        {"json": GOOD_CONTACT | {"email": "ann(at)example.com"}},
        400,
        "Invalid email: is not a valid email address.",
    ),
    (
        "unknown article",
        "POST /api/ratings",
        {"json": {"article_id": "no-such-thing", "revision": "r1", "value": 1}},
        404,
        "No article with id 'no-such-thing'.",
    ),
    ("unknown API route", "GET /api/nothing-here", {}, 404, "There is nothing at this address."),
    ("unknown API route, POST", "POST /api/nothing", {}, 404, "There is nothing at this address."),
    (
        "method not allowed",
        "DELETE /api/ratings",
        {},
        405,
        "This address does not accept the DELETE method.",
    ),
    (
        "method not allowed on search",
        "POST /api/search",
        {"json": {"q": "x"}},
        405,
        "This address does not accept the POST method.",
    ),
    ("missing query", "GET /api/search", {}, 400, "Invalid q: is required."),
    (
        "empty query",
        "GET /api/search?q=%20",
        {},
        400,
        "Invalid q: must not be blank.",
    ),
    (
        "bad limit",
        "GET /api/search?q=x&limit=ten",
        {},
        400,
        "Invalid limit: input should be a valid integer, unable to parse string as an integer.",
    ),
    (
        "limit too big",
        "GET /api/search?q=x&limit=5000",
        {},
        400,
        "Invalid limit: input should be less than or equal to 50.",
    ),
    (
        "click without id",
        "POST /api/events/click",
        {"json": {"position": 1}},
        400,
        "Invalid id: is required.",
    ),
]


@pytest.mark.parametrize(
    ("method_path", "kwargs", "status", "error"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_error_shape(
    client: FlaskClient, method_path: str, kwargs: dict[str, Any], status: int, error: str
) -> None:
    method, path = method_path.split(" ")
    response = client.open(path, method=method, **kwargs)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == error
    assert body["status"] == status
    assert set(body) <= {"error", "status", "field", "details"}
    assert "Traceback" not in response.get_data(as_text=True)
    if method_path == "DELETE /api/ratings":
        assert response.headers["Allow"] == "OPTIONS, POST"
    if method_path == "POST /api/search":
        assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_unexpected_errors_are_logged_not_shown(
    make_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    app: Flask = make_app(site_config(api=GENEROUS))
    app.extensions["kb"].build.searcher = _explode  # a failure deep inside a view
    response = app.test_client().get("/api/search?q=refund")
    assert response.status_code == 500
    assert response.get_json() == {
        "error": "Something went wrong on our side; it has been logged.",
        "status": 500,
    }
    assert "RuntimeError: disk on fire" in caplog.text
    assert "disk on fire" not in response.get_data(as_text=True)
    assert search_bp.name == "search"


def _explode(*_: Any, **__: Any) -> None:
    raise RuntimeError("disk on fire")
