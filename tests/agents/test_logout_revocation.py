"""Signing out revokes the session in the store: the old cookie stops working on every instance.

Two app instances share one database (a SQLite file, and PostgreSQL) and the session key, as
instances behind a load balancer do; each runs under werkzeug's real server and is reached over
HTTP, with the cookie copied by hand as an attacker would replay it.
"""

from __future__ import annotations

import http.client
from datetime import timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa

from feedback_api.agent_auth import fingerprint
from kb_store import revocations
from kb_store.tables import revoked_sessions, utcnow
from tests.agents.conftest import TOKEN, AppFactory
from tests.api.servers import serve

POLICY = "/internal/agent-playbooks/refund-approval-policy/"


def request(
    base: str, method: str, path: str, cookie: str | None = None, form: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    headers = {"Cookie": f"kb_agent={cookie}"} if cookie else {}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def signed_in_cookie(base: str) -> str:
    response = request(base, "POST", "/internal/login", form={"token": TOKEN, "next": POLICY})
    assert response.status == 303
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return jar["kb_agent"].value


def test_logout_revokes_the_cookie_on_every_instance(make_app: AppFactory, db_url: str) -> None:
    first, second = make_app(DATABASE_URL=db_url), make_app(DATABASE_URL=db_url)
    with serve(first) as a, serve(second) as b:
        cookie = signed_in_cookie(a)
        assert request(a, "GET", POLICY, cookie).status == 200
        assert request(b, "GET", POLICY, cookie).status == 200  # the session is shared

        out = request(a, "POST", "/internal/logout", cookie)
        assert out.status == 303 and out.headers["Location"] == "/internal/login"

        for base in (a, b):  # the copied cookie, replayed on this and the other instance
            replay = request(base, "GET", POLICY, cookie)
            assert replay.status == 302
            assert replay.headers["Location"].startswith("/internal/login?next=")
            assert request(base, "GET", "/internal/a/refund-approval-policy", cookie).status == 302
        # only that session ended: signing in again works on the other instance
        assert request(b, "GET", POLICY, signed_in_cookie(b)).status == 200


def test_a_session_from_before_session_ids_is_refused(make_app: AppFactory) -> None:
    """A cookie without an id (signed before revocations existed) is refused: sign in again."""
    app = make_app()
    token = app.extensions["kb"].config.api.agent_tokens[0]
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    old = serializer.dumps({"agent": token.name, "fp": fingerprint(token), "_permanent": True})
    with serve(app) as base:
        assert request(base, "GET", POLICY, old).status == 302
        assert request(base, "GET", POLICY, signed_in_cookie(base)).status == 200


def test_expired_revocations_are_pruned(make_app: AppFactory, db_url: str) -> None:
    app = make_app(DATABASE_URL=db_url)
    store = app.extensions["kb"].store
    with serve(app) as base:
        for _ in range(3):
            assert request(base, "POST", "/internal/logout", signed_in_cookie(base)).status == 303
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(revoked_sessions)).all()
    assert len(rows) == 3
    lifetime = app.permanent_session_lifetime
    assert revocations.prune(store, utcnow() + lifetime - timedelta(minutes=1)) == 0
    assert revocations.prune(store, utcnow() + lifetime + timedelta(minutes=1)) == 3
    revocations.revoke(store, "a" * 22, timedelta(hours=-1))  # expired at once: pruned at once
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(revoked_sessions)).scalar() == 0
