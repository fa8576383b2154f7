"""Ratings: one vote per visitor per article revision, binary or three-point scale."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.conftest import GENEROUS, AppFactory, rows, site_config


def test_second_vote_on_a_revision_replaces_the_first(app: Flask, client: FlaskClient) -> None:
    vote = {"article_id": "refunds", "revision": "abc123", "value": 0, "reason": "Out of date"}
    first = client.post("/api/ratings", json=vote)
    assert first.status_code == 201 and first.get_json()["ok"] is True
    second = client.post("/api/ratings", json=vote | {"value": 1, "reason": None})
    assert second.status_code == 200 and second.get_json() == {"ok": True, "updated": True}
    new_revision = client.post("/api/ratings", json=vote | {"revision": "fff999"})
    assert new_revision.status_code == 201
    other_visitor = client.post(
        "/api/ratings", json=vote, environ_overrides={"REMOTE_ADDR": "10.0.0.7"}
    )
    assert other_visitor.status_code == 201
    stored = [(r["revision"], r["value"], r["reason"], r["scale"]) for r in rows(app, "ratings")]
    assert stored == [
        ("abc123", 1, None, "binary"),
        ("fff999", 0, "Out of date", "binary"),
        ("abc123", 0, "Out of date", "binary"),
    ]
    assert len({r["visitor"] for r in rows(app, "ratings")}) == 2


def test_the_widgets_sequence_keeps_one_row_per_visitor(app: Flask, client: FlaskClient) -> None:
    """No on click, then its reason, then a change to Yes: what kb.js sends, in that order."""
    vote = {"article_id": "refunds", "revision": "abc123"}
    steps = [
        (vote | {"value": 0}, 201, [(0, None)]),
        (vote | {"value": 0, "reason": "It's out of date: wrong menu"}, 200,
         [(0, "It's out of date: wrong menu")]),
        (vote | {"value": 1}, 200, [(1, None)]),
    ]  # fmt: skip
    for body, status, stored in steps:
        response = client.post("/api/ratings", json=body)
        assert response.status_code == status, response.get_json()
        assert [(r["value"], r["reason"]) for r in rows(app, "ratings")] == stored


def test_unknown_article_is_404(app: Flask, client: FlaskClient) -> None:
    response = client.post("/api/ratings", json={"article_id": "nope", "revision": "r", "value": 1})
    assert response.status_code == 404
    assert response.get_json() == {
        "error": "No article with id 'nope'.",
        "status": 404,
        "field": "article_id",
    }
    assert rows(app, "ratings") == []


@pytest.mark.parametrize(
    ("scale", "value", "status"),
    [
        ("binary", 1, 201),
        ("binary", 0, 201),
        ("binary", 2, 400),
        ("binary", True, 400),
        ("binary", "1", 400),
        ("three", 3, 201),
        ("three", 1, 201),
        ("three", 0, 400),
        ("three", 4, 400),
    ],
)
def test_values_follow_the_configured_scale(
    make_app: AppFactory, scale: str, value: object, status: int
) -> None:
    app = make_app(site_config(api=GENEROUS, ratings={"scale": scale}))
    response = app.test_client().post(
        "/api/ratings", json={"article_id": "refunds", "revision": "abc123", "value": value}
    )
    assert response.status_code == status
    if status == 400:
        assert response.get_json()["field"] == "value"
    else:
        assert [(r["value"], r["scale"]) for r in rows(app, "ratings")] == [(value, scale)]
