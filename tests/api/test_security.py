"""Security headers, CSP, CORS allowlist, rate limits, visitor tokens."""

from __future__ import annotations

import base64
import hashlib
import socket

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import CONTENT_SCRIPT, INLINE_SCRIPT, AppFactory, rows, site_config


def test_api_responses_carry_security_headers(client: FlaskClient) -> None:
    response = client.get("/api/health")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp


def test_portal_pages_allow_their_own_scripts_and_inline_ones_by_hash(client: FlaskClient) -> None:
    response = client.get("/billing/refunds/")
    assert response.status_code == 200
    csp = dict(
        part.strip().split(" ", 1)
        for part in response.headers["Content-Security-Policy"].split(";")
    )
    digest = base64.b64encode(hashlib.sha256(INLINE_SCRIPT.encode()).digest()).decode()
    # only the script the page declares as its own; the body's script is not hashed
    assert csp["script-src"] == f"'self' 'sha256-{digest}'"
    assert CONTENT_SCRIPT.encode() in response.data
    assert "'unsafe-inline'" not in csp["script-src"]
    assert csp["frame-ancestors"] == "'none'"
    assert csp["default-src"] == "'self'" and csp["connect-src"] == "'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # the portal's 404 page is a portal page too
    missing = client.get("/no/such/page/")
    assert missing.status_code == 404
    assert f"'sha256-{digest}'" in missing.headers["Content-Security-Policy"]


def test_cors_allowlist(make_app: AppFactory) -> None:
    config = site_config(api={"cors_origins": ["https://support.example.com"]})
    client = make_app(config).test_client()
    allowed = client.get("/api/suggest?q=re", headers={"Origin": "https://support.example.com"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://support.example.com"
    assert "Origin" in allowed.headers["Vary"]
    other = client.get("/api/suggest?q=re", headers={"Origin": "https://evil.example"})
    # refused: only the refusal is readable there (so a widget can say why), never an answer
    assert other.status_code == 403 and set(other.get_json()) == {"error", "status"}
    preflight = client.options(
        "/api/ratings",
        headers={
            "Origin": "https://support.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://support.example.com"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"] == "Content-Type"
    refused = client.options("/api/ratings", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_rate_limit_is_429_with_retry_after(make_app: AppFactory) -> None:
    client = make_app(site_config(api={"rate_limit": "3/minute"})).test_client()
    for _ in range(3):
        assert client.get("/api/suggest?q=re").status_code == 200
    response = client.get("/api/suggest?q=re")
    assert response.status_code == 429
    body = response.get_json()
    assert 1 <= body["retry_after"] <= 60
    assert body["status"] == 429 and body["limit"] == "3 per 1 minute"
    assert body["error"] == f"Too many requests; try again in {body['retry_after']} seconds."
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # another visitor (address) has its own allowance; the portal itself is not limited
    other = client.get("/api/suggest?q=re", environ_overrides={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200
    assert client.get("/").status_code == 200
    assert client.get("/api/health").status_code == 200


def test_write_limit_applies_to_ratings_and_contact(make_app: AppFactory) -> None:
    app = make_app(site_config(api={"rate_limit": "100/minute", "write_rate_limit": "2/minute"}))
    client = app.test_client()
    vote = {"article_id": "refunds", "revision": "abc123", "value": 1}
    codes = [client.post("/api/ratings", json=vote).status_code for _ in range(3)]
    assert codes == [201, 200, 429]
    assert client.get("/api/suggest?q=re").status_code == 200


@pytest.mark.parametrize("agent", ["Firefox", "curl/8"])
def test_visitor_tokens_are_stable_and_hold_no_address(make_app: AppFactory, agent: str) -> None:
    app = make_app()
    client = app.test_client()
    env = {"REMOTE_ADDR": "203.0.113.9"}
    for _ in range(2):
        client.get("/api/search?q=refund", headers={"User-Agent": agent}, environ_overrides=env)
    client.get("/api/search?q=refund", headers={"User-Agent": agent + "x"}, environ_overrides=env)
    tokens = [r["visitor"] for r in rows(app, "searches")]
    assert tokens[0] == tokens[1] != tokens[2]
    salt = app.extensions["kb"].visitors.salt()
    assert all(len(t) == 16 and "203.0.113.9" not in t and salt not in t for t in tokens)


def test_two_instances_on_one_store_agree_on_tokens(make_app: AppFactory) -> None:
    first, second = make_app(), make_app()
    for app in (first, second):
        app.test_client().post(
            "/api/events/view", json={"id": "refunds"}, headers={"User-Agent": "same"}
        )
    second.extensions["kb"].events.flush()
    views = rows(first, "article_views")
    assert len(views) == 2 and len({r["visitor"] for r in views}) == 1


def test_proxy_count_reads_the_forwarded_address(make_app: AppFactory) -> None:
    app = make_app(PROXY_COUNT=1)
    client = app.test_client()
    for address in ("198.51.100.1", "198.51.100.2"):
        client.post(
            "/api/events/view", json={"id": "refunds"}, headers={"X-Forwarded-For": address}
        )
    assert len({r["visitor"] for r in rows(app, "article_views")}) == 2


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_instances_sharing_redis_share_the_allowance(make_app: AppFactory) -> None:
    config = site_config(api={"rate_limit": "3/minute"})
    first = make_app(config, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15").test_client()
    second = make_app(config, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15").test_client()
    codes = [c.get("/api/suggest?q=re").status_code for c in (first, second, first, second)]
    assert codes == [200, 200, 200, 429]


def test_a_dead_counter_store_still_limits_in_memory(
    make_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = make_app(
        site_config(api={"rate_limit": "2/minute"}),
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0",
    )
    client = app.test_client()
    codes = [client.get("/api/suggest?q=re").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert "counting in memory" in caplog.text
