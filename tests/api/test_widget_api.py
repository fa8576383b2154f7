"""The widget's API through the real app: the host page's place from `widget.contexts`, the
origin allowlist, and events that keep the browser's word for the host's origin."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from kb_store.migrations import LATEST
from kb_store.store import Store, utcnow
from tests.api.conftest import GENEROUS, rows, site_config
from tests.apps import AppFactory

HOST = "https://app.example.com"
WIDGET = {
    "allowed_origins": [HOST],
    "contexts": [
        {"match": f"{HOST}/billing/*", "category": "billing"},
        {"match": f"{HOST}/settings/*", "query": "password"},
    ],
}


def _config() -> Any:
    return site_config(api=GENEROUS, widget=WIDGET)


def test_the_host_pages_url_picks_its_context(make_app: AppFactory) -> None:
    client = make_app(_config()).test_client()
    billing = client.get("/api/widget", query_string={"host": f"{HOST}/billing/invoices?x=1"})
    assert billing.status_code == 200
    body = billing.get_json()
    assert body["place"] == {"category": "billing", "query": ""}
    assert [s["id"] for s in body["suggestions"]] == ["change-plan", "refunds"]
    settings = client.get("/api/widget", query_string={"host": f"{HOST}/settings/profile"})
    assert settings.get_json()["place"] == {"category": "", "query": "password"}
    elsewhere = client.get("/api/widget", query_string={"host": f"{HOST}/dashboard"})
    assert elsewhere.get_json()["place"] is None
    assert elsewhere.get_json()["suggestions"] == []


def test_only_allowed_origins_may_call_the_api(make_app: AppFactory) -> None:
    client = make_app(_config()).test_client()
    allowed = client.get("/api/search?q=refund", headers={"Origin": HOST})
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == HOST
    refused = client.get("/api/search?q=refund", headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert refused.get_json()["status"] == 403  # the one error shape
    assert "origin" in str(refused.get_json()["error"]).lower()
    assert client.get("/api/search?q=refund").status_code == 200  # no Origin: curl, agents


def test_an_origin_added_to_site_config_is_let_in_without_a_restart(
    make_app: AppFactory, tmp_path: Path
) -> None:
    """A site owner who added their site to `widget.allowed_origins` and rebuilt still got 403
    until `kb serve` was restarted: the server now reads the file again when it changes."""
    config = tmp_path / "site_config.yml"
    config.write_text("api:\n  rate_limit: 10000/minute\n", encoding="utf-8")
    client = make_app(SITE_CONFIG=str(config)).test_client()
    refused = client.get("/api/search?q=refund", headers={"Origin": HOST})
    assert refused.status_code == 403
    assert refused.headers["Access-Control-Allow-Origin"] == HOST  # it may read the refusal
    config.write_text(
        f"api:\n  rate_limit: 10000/minute\nwidget:\n  allowed_origins: [{HOST}]\n",
        encoding="utf-8",
    )
    time.sleep(1.1)  # the file is looked at again at most once a second
    allowed = client.get("/api/search?q=refund", headers={"Origin": HOST})
    assert allowed.status_code == 200 and allowed.headers["Access-Control-Allow-Origin"] == HOST
    config.write_text("widget: [not, a, mapping\n", encoding="utf-8")  # being edited
    time.sleep(1.1)
    assert client.get("/api/search?q=refund", headers={"Origin": HOST}).status_code == 200


def test_a_widget_event_stores_the_browsers_origin_for_the_host(make_app: AppFactory) -> None:
    app = make_app(_config())
    client = app.test_client()
    claimed = "https://elsewhere.example/billing/page"
    got = client.get(
        "/api/search",
        query_string={"q": "refund", "source": "widget", "host": claimed},
        headers={"Origin": HOST},
    )
    assert got.status_code == 200
    client.get("/api/search", query_string={"q": "password"})  # the portal's own: no source
    stored = [(r["raw_query"], r["source"], r["host"]) for r in rows(app, "searches")]
    assert stored == [("refund", "widget", f"{HOST}/billing/page"), ("password", None, None)]


WIDGET_TABLES = ("searches", "clicks", "ratings", "contact_requests", "contact_events")


@pytest.mark.postgres
def test_migration_6_on_postgresql(pg_url: str, make_app: AppFactory) -> None:
    """Migration 6 on the real PostgreSQL server: the columns it adds, rows written before it
    kept (as the portal's), and widget events stored through the app, a long host page cut to
    the column's 500 characters (PostgreSQL refuses a longer value; SQLite would not)."""
    old = Store(pg_url)
    assert old.migrate(target=5) == 5
    with old.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO searches (ts, query, raw_query, hits, category, visitor) "
                "VALUES (:ts, 'refund', 'refund', 2, NULL, 'v1')"
            ),
            {"ts": utcnow()},
        )
    old.close()
    new = Store(pg_url)
    assert new.migrate() == LATEST >= 6
    with new.engine.connect() as conn:
        columns = conn.execute(
            sa.text(
                "SELECT table_name, column_name, data_type, character_maximum_length, "
                "is_nullable FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND column_name IN ('source', 'host')"
            )
        ).all()
    assert sorted(tuple(c) for c in columns) == sorted(
        (table, name, "character varying", length, "YES")
        for table in WIDGET_TABLES
        for name, length in (("source", 16), ("host", 500))
    )
    assert [(r["raw_query"], r["source"], r["host"]) for r in rows(new, "searches")] == [
        ("refund", None, None)
    ]
    new.close()

    app = make_app(_config(), DATABASE_URL=pg_url, EVENTLOG_FLUSH_SECONDS=0)
    client = app.test_client()
    # the browser's origin replaces the claimed one: the stored host grows past 500 characters
    claimed = "https://x.io/" + "p" * 480
    widget = {"source": "widget", "host": claimed}
    origin = {"Origin": HOST}
    found = client.get("/api/search", query_string={"q": "refund", **widget}, headers=origin)
    assert found.status_code == 200
    vote = {"article_id": "refunds", "revision": "abc123", "value": 1, **widget}
    assert client.post("/api/ratings", json=vote, headers=origin).status_code in (200, 201)
    contact = {
        "name": "Wanda",
        "email": "wanda@example.com",
        "topic": "Billing",
        "subject": "Refund please",
        "message": "I was charged twice.",
        "elapsed_ms": 20_000,
        **widget,
    }
    sent = client.post("/api/contact", json=contact, headers=origin)
    assert sent.status_code == 201, sent.get_json()
    expected = (HOST + "/" + "p" * 480)[:500]
    stored = {
        table: [(r["source"], r["host"]) for r in rows(app, table) if r["source"]]
        for table in ("searches", "ratings", "contact_requests", "contact_events")
    }
    assert stored == {
        "searches": [("widget", expected)],
        "ratings": [("widget", expected)],
        "contact_requests": [("widget", expected)],
        "contact_events": [("widget", expected)],
    }
    portal = [r for r in rows(app, "searches") if r["source"] is None]
    assert [r["raw_query"] for r in portal] == ["refund"]  # the row from before migration 6
