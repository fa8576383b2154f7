"""The widget's API through the real app: the host page's place from `widget.contexts`, the
origin allowlist, and events that keep the browser's word for the host's origin."""

from __future__ import annotations

from typing import Any

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
