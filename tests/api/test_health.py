"""GET /api/health reports the index, the store and the outbox."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from kb_store.migrations import LATEST
from tests.api.conftest import AppFactory


def test_healthy(client: FlaskClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == 200 and body["ok"] is True and "error" not in body
    assert body["index"] == {"ok": True, "articles": 3, "built_at": "2025-01-01T00:00:00Z"}
    assert body["store"] == {
        "ok": True,
        "dialect": "sqlite",
        "schema_version": LATEST,
        "queued_events": 0,
    }
    assert body["outbox"]["ok"] is True and body["outbox"]["pending"] == 0


def test_missing_build_is_503_with_the_same_report(make_app: AppFactory, tmp_path: Path) -> None:
    client = make_app(BUILD_DIR=str(tmp_path / "nothing")).test_client()
    response = client.get("/api/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == 503 and body["ok"] is False
    assert body["error"] == "Unhealthy: index."
    assert "kb build" in body["index"]["error"]
    assert body["store"]["ok"] is True


def test_unreachable_store_is_503(make_app: AppFactory, tmp_path: Path) -> None:
    app = make_app()
    db = tmp_path / "kb.sqlite3"
    app.extensions["kb"].store.engine.dispose()
    db.unlink()
    db.mkdir()  # the database file turned into something SQLite cannot open
    response = app.test_client().get("/api/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["store"]["ok"] is False and body["outbox"]["ok"] is False
    assert body["error"] == "Unhealthy: store, outbox."
