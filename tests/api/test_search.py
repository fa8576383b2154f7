"""Search, suggestions and click events through the real app and a real Whoosh index."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb_builder.buildcache import Cache
from kb_builder.index.documents import title_vectors
from kb_builder.index.writer import build_index
from kb_core.search.answer import card as search_answer
from tests.api.conftest import index_docs, rows, write_build
from tests.apps import AppFactory


def test_search_answers_the_contract_and_is_logged(app: Flask, client: FlaskClient) -> None:
    response = client.get("/api/search?q=Refund", headers={"User-Agent": "pytest-browser"})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) >= {"query", "total", "did_you_mean", "results"}
    assert body["query"] == "Refund" and body["total"] == 1
    [hit] = body["results"]
    assert set(hit) >= {"id", "title", "url", "category", "snippet", "source", "summary", "anchor"}
    assert hit["id"] == "refunds" and hit["url"] == "/billing/refunds/"
    assert "<mark>" in hit["snippet"]
    [logged] = rows(app, "searches")
    assert (logged["query"], logged["raw_query"], logged["hits"]) == ("refund", "Refund", 1)
    assert len(logged["visitor"]) == 16 and "127.0.0.1" not in str(logged.values())


def test_section_hits_keep_the_anchor_apart_from_the_url(client: FlaskClient) -> None:
    body = client.get("/api/search?q=reset+email+arrives").get_json()
    hit = body["results"][0]
    assert hit["url"] == "/account/reset-password/"
    assert hit["anchor"] == "email"


def test_zero_hits_and_typos_are_logged_with_their_counts(app: Flask, client: FlaskClient) -> None:
    assert client.get("/api/search?q=xylophone+warranty").get_json()["total"] == 0
    typo = client.get("/api/search?q=refnd").get_json()
    assert typo["did_you_mean"] == "refund" and typo["total"] == 1
    logged = [(r["raw_query"], r["hits"], bool(r["corrected"])) for r in rows(app, "searches")]
    assert logged == [("xylophone warranty", 0, False), ("refnd", 1, True)]


def test_category_filter_and_limit(app: Flask, client: FlaskClient) -> None:
    body = client.get("/api/search?q=plan&category=account").get_json()
    assert body["results"] == []
    body = client.get("/api/search?q=plan&category=billing&limit=1").get_json()
    assert len(body["results"]) == 1 and body["results"][0]["id"] in {"refunds", "change-plan"}
    assert [r["category"] for r in rows(app, "searches")] == ["account", "billing"]


def test_suggest_is_not_logged(app: Flask, client: FlaskClient) -> None:
    for typed in ("r", "re", "res", "rese", "reset"):
        response = client.get(f"/api/suggest?q={typed}")
        assert response.status_code == 200
    body = response.get_json()
    assert body["query"] == "reset"
    first = body["suggestions"][0]
    assert (first["id"], first["title"], first["url"]) == (
        "reset-password",
        "Reset your password",
        "/account/reset-password/",
    )
    assert first["summary"] and first["snippet"]
    empty = client.get("/api/suggest?q=").get_json()
    assert (empty["query"], empty["suggestions"], empty["answered"]) == ("", [], False)
    assert rows(app, "searches") == []


def test_click_event_is_recorded(app: Flask, client: FlaskClient) -> None:
    response = client.post(
        "/api/events/click", json={"query": "refund", "id": "refunds", "position": 0}
    )
    assert response.status_code == 204 and response.data == b""
    [click] = rows(app, "clicks")
    assert (click["query"], click["article_id"], click["position"]) == ("refund", "refunds", 0)


def test_view_event_is_recorded(app: Flask, client: FlaskClient) -> None:
    assert (
        client.post("/api/events/view", json={"id": "refunds", "src": "agent"}).status_code == 204
    )
    assert client.post("/api/events/view", json={"id": "refunds"}).status_code == 204
    assert [r["src"] for r in rows(app, "article_views")] == ["agent", "web"]


def test_search_without_an_index_is_503_and_recovers_after_a_build(
    make_app: AppFactory, tmp_path: Path, build_dir: Path
) -> None:
    empty = tmp_path / "empty-build"
    (empty / "public").mkdir(parents=True)
    app = make_app(BUILD_DIR=str(empty))
    client = app.test_client()
    response = client.get("/api/search?q=refund")
    assert response.status_code == 503
    assert response.get_json()["error"].startswith("Search is unavailable")
    health = client.get("/api/health")
    assert health.status_code == 503 and health.get_json()["index"]["ok"] is False
    assert rows(app, "searches") == []
    # `kb build` finishing under the running server: picked up without a restart
    shutil.copytree(build_dir / "index", empty / "index")
    shutil.copy(build_dir / "manifest.json", empty / "manifest.json")
    time.sleep(1.1)  # the build directory is looked at again at most once a second
    assert client.get("/api/search?q=refund").get_json()["total"] == 1
    assert client.get("/api/health").status_code == 200


def test_a_question_gets_the_answer_card(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The card through the real app, on a build whose index has title vectors (the shared
    build's index has none: it searches by words only, and shows no card); the threshold is
    lowered for this three-article index (bench/answer_eval.py sets the real one)."""
    monkeypatch.setattr(search_answer, "CARD_THRESHOLD", 0.5)
    build = write_build(tmp_path / "build")
    docs = index_docs()
    shutil.rmtree(build / "index" / "public")
    build_index(docs, build / "index" / "public", vectors=title_vectors(docs, Cache(None, "")))
    client = make_app(BUILD_DIR=str(build)).test_client()
    body = client.get("/api/search?q=how+many+days+until+my+refund+is+paid?").get_json()
    card = body["answer"]
    assert card == {
        "text": "Refunds are paid to the original card within ten days. Annual plans only.",
        "id": "refunds",
        "title": "Request a refund",
        "url": "/billing/refunds/",
        "anchor": "",
        "score": card["score"],
        "lines": ["text"],  # what each line of the text is: one line of prose
    }
    assert 0 < card["score"] <= 1
    assert client.get("/api/search?q=refund").get_json()["answer"] is None
