"""Requests that once broke the server, sent over real HTTP to a running server.

Long path segments (over the filesystem's 255-byte name limit) are 404s, never 500s, on the
portal, its assets, permalinks and the internal portal (signed in or not). A chunked body over
``api.max_body_bytes`` is a 413 on every POST endpoint, as with ``Content-Length``, under
werkzeug's server (what ``kb serve`` runs) and under gunicorn.
"""

from __future__ import annotations

import hashlib
import http.client
import json
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
import sqlalchemy as sa
import yaml
from flask import Flask

from kb_store.tables import metadata
from tests.api.conftest import GENEROUS, AppFactory, site_config
from tests.api.servers import serve
from tests.proof.procs import Gunicorn, server_env

TOKEN = "kb-agent-" + "5e" * 16
SECRET_KEY = "server-requests-test-key-" + "0123456789abcdef" * 2
LIMIT = 64 * 1024
DIGEST = hashlib.sha256(TOKEN.encode()).hexdigest()
DESK = {"name": "desk", "sha256": DIGEST, "scopes": ["internal"]}
API = GENEROUS | {"login_rate_limit": "10000/minute", "max_body_bytes": LIMIT}
API |= {"agent_tokens": [DESK]}
LONG = "a" * 300
CONTACT = {
    "name": "Ada",
    "email": "ada@example.com",
    "topic": "Billing",
    "subject": "Refund",
    "message": "Please refund my plan.",
}


def call(
    base: str,
    method: str,
    path: str,
    body: bytes | Iterator[bytes] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request; an iterator body is sent with ``Transfer-Encoding: chunked``."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=20)
    chunked = body is not None and not isinstance(body, bytes)
    conn.request(method, path, body=body, headers=headers or {}, encode_chunked=chunked)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def chunks(data: bytes, size: int = 4096) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    return make_app(site_config(api=API), SECRET_KEY=SECRET_KEY)


def agent_cookie(base: str) -> str:
    status, headers, _ = call(
        base,
        "POST",
        "/internal/login",
        urlencode({"token": TOKEN, "next": "/internal/"}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 303
    jar = SimpleCookie()
    jar.load(headers["set-cookie"])
    return f"kb_agent={jar['kb_agent'].value}"


# -- long path segments -----------------------------------------------------------------------

PORTAL_PATHS = [
    "/" + LONG,
    "/" + LONG + "/",
    "/billing/" + LONG,
    "/assets/" + LONG,
    "/assets/javascripts/" + LONG + ".js",
    "/" + quote("é" * 200),  # 400 bytes once encoded for the filesystem
    "/a/" + LONG,
    "/" + "b" * 5000,
]


@pytest.mark.parametrize("path", PORTAL_PATHS, ids=lambda p: p[:24])
def test_a_long_path_segment_is_the_portals_404(app: Flask, path: str) -> None:
    with serve(app) as base:
        status, headers, body = call(base, "GET", path)
    assert status == 404
    assert headers["content-type"].startswith("text/html") and b"kb-404-page" in body


@pytest.mark.parametrize("path", ["/api/" + LONG, "/api/articles/" + LONG])
def test_a_long_api_path_is_a_404_in_the_error_shape(app: Flask, path: str) -> None:
    with serve(app) as base:
        status, _, body = call(base, "GET", path)
    assert status == 404
    assert json.loads(body) == {"error": "There is nothing at this address.", "status": 404}


@pytest.mark.parametrize(
    "path",
    ["/internal/" + LONG, "/internal/" + LONG + "/", "/internal/a/" + LONG, "/internal/x/" + LONG],
    ids=lambda p: p[:24],
)
def test_a_long_internal_path_is_a_404_for_an_agent_and_a_sign_in_for_others(
    app: Flask, path: str
) -> None:
    with serve(app) as base:
        status, headers, _ = call(base, "GET", path)
        assert status == 302 and headers["location"].startswith("/internal/login?next=")
        status, headers, _ = call(base, "GET", path, headers={"Cookie": agent_cookie(base)})
    assert status == 404 and headers["content-type"].startswith("text/html")


# -- chunked bodies ---------------------------------------------------------------------------


def post_endpoints(app: Flask) -> list[str]:
    """Every POST route of the app (new ones are covered without editing this test)."""
    paths = sorted({r.rule for r in app.url_map.iter_rules() if "POST" in (r.methods or ())})
    assert "/api/contact" in paths and "/internal/logout" in paths
    return paths


def oversized() -> bytes:
    # Valid JSON and then blanks: cut at the limit it is still valid, so a server that reads
    # only the first LIMIT bytes accepts it instead of refusing it.
    return json.dumps(CONTACT).encode() + b" " * (LIMIT + 16 * 1024)


def assert_413(status: int, body: bytes) -> None:
    assert status == 413
    assert json.loads(body) == {
        "error": f"The request body is too large (at most {LIMIT} bytes).",
        "status": 413,
    }


def contact_rows(db: str) -> int:
    engine = sa.create_engine(db)
    with engine.connect() as conn:
        count = conn.execute(
            sa.select(sa.func.count()).select_from(metadata.tables["contact_requests"])
        ).scalar_one()
    engine.dispose()
    return int(count)


def check_bodies(base: str, paths: list[str], db: str) -> None:
    json_type = {"Content-Type": "application/json"}
    for path in paths:
        status, _, body = call(base, "POST", path, chunks(oversized()), json_type)
        assert_413(status, body)
        status, _, body = call(base, "POST", path, oversized(), json_type)  # Content-Length
        assert_413(status, body)
    assert contact_rows(db) == 0
    # under the limit, a chunked body arrives whole (cut short, its closing brace would be lost)
    message = "x" * 9000
    whole = json.dumps(CONTACT | {"message": message}).encode()
    whole = whole[:-1] + b" " * (LIMIT - len(whole) - 100) + b"}"
    status, _, body = call(base, "POST", "/api/contact", chunks(whole), json_type)
    assert status == 201, body
    engine = sa.create_engine(db)
    with engine.connect() as conn:
        fields = conn.execute(sa.select(metadata.tables["contact_requests"].c.fields)).scalar_one()
    engine.dispose()
    assert fields["message"] == message


def test_a_chunked_body_over_the_limit_is_a_413_under_werkzeug(app: Flask, tmp_path: Path) -> None:
    with serve(app) as base:
        check_bodies(base, post_endpoints(app), f"sqlite:///{tmp_path / 'kb.sqlite3'}")


@pytest.mark.slow
def test_a_chunked_body_over_the_limit_is_a_413_under_gunicorn(
    app: Flask, build_dir: Path, tmp_path: Path
) -> None:
    work = tmp_path / "gunicorn"
    work.mkdir()
    config = work / "site_config.yml"
    config.write_text(yaml.safe_dump({"api": API}), encoding="utf-8")
    db = f"sqlite:///{work / 'kb.sqlite3'}"
    env: dict[str, Any] = server_env(build_dir, config, db) | {"KB_SECRET_KEY": SECRET_KEY}
    server = Gunicorn(work, env).start()
    try:
        check_bodies(server.url, post_endpoints(app), db)
    finally:
        server.stop()


# -- methods ----------------------------------------------------------------------------------


POST_ONLY = {"OPTIONS", "POST"}


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/api/events/click", POST_ONLY),
        ("GET", "/api/ratings", POST_ONLY),
        ("DELETE", "/api/contact", {"GET", "HEAD", "OPTIONS", "POST"}),
        ("GET", "/internal/logout", POST_ONLY),
        ("OPTIONS", "/internal/logout", POST_ONLY),
    ],
)
def test_a_wrong_method_is_a_405_naming_the_right_ones(
    app: Flask, method: str, path: str, allow: set[str]
) -> None:
    """Once the portal's GET catch-all answered these (404), and OPTIONS advertised its GET."""
    with serve(app) as base:
        status, headers, body = call(base, method, path)
    assert {m.strip() for m in headers["allow"].split(",")} == allow
    if method != "OPTIONS":
        assert status == 405
        assert json.loads(body)["error"] == f"This address does not accept the {method} method."
