"""The internal portal: /internal/ only for signed-in agents, sessions in signed cookies only."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from tests.agents.conftest import (
    MARKER,
    OTHER_TOKEN,
    SECRET_KEY,
    TOKEN,
    AppFactory,
    agent_config,
    sign_in,
)

POLICY_URL = "/internal/agent-playbooks/refund-approval-policy/"


def cookie_attributes(response: Any) -> dict[str, str | bool]:
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("kb_agent=")]
    parsed = SimpleCookie()
    parsed.load(header)
    morsel = parsed["kb_agent"]
    flags: dict[str, str | bool] = {"value": morsel.value}
    for key in ("path", "samesite", "expires"):
        flags[key] = morsel[key]
    flags["secure"] = bool(morsel["secure"])
    flags["httponly"] = bool(morsel["httponly"])
    return flags


def internal_paths(build: Path) -> list[str]:
    """A sample of every kind of file in build/internal, plus permalinks and odd paths."""
    root = build / "internal"
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    pages = [f for f in files if f.endswith("index.html")][:6]
    other = [f for f in files if not f.endswith(".html")][:6]
    return [
        "/internal/",
        POLICY_URL,
        "/internal/a/refund-approval-policy",
        "/internal/a/no-such-id",
        "/internal/404.html",
        "/internal/no-such-page/",
        "/internal/../manifest.internal.json",
        "/internal/%2e%2e/index/internal/kb_search.json",
        *("/internal/" + f for f in pages + other),
    ]


def test_without_a_session_every_internal_path_goes_to_the_sign_in(
    client: FlaskClient, build: Path
) -> None:
    for path in internal_paths(build):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.data == b""
        assert response.headers["Location"].startswith("/internal/login?next="), path
        followed = client.get(path, follow_redirects=True)
        assert followed.request.path == "/internal/login", path
        assert MARKER.encode() not in followed.data
        assert b'name="token"' in followed.data


def test_the_sign_in_form_is_self_contained(client: FlaskClient) -> None:
    response = client.get("/internal/login?next=/internal/agent-playbooks/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert 'type="password"' in page and 'action="/internal/login"' in page
    assert 'name="next" value="/internal/agent-playbooks/"' in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # no external assets
    assert "<script" not in page
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_sign_in_opens_the_internal_portal(client: FlaskClient) -> None:
    response = sign_in(client, next_path=POLICY_URL)
    assert response.status_code == 303 and response.headers["Location"] == POLICY_URL
    page = client.get(POLICY_URL)
    assert page.status_code == 200 and MARKER.encode() in page.data
    assert page.headers["Cache-Control"].startswith("private")
    assert "Cookie" in page.headers["Vary"]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    home = client.get("/internal/")
    assert home.status_code == 200
    permalink = client.get("/internal/a/refund-approval-policy?x=1")
    assert permalink.status_code == 301 and permalink.headers["Location"] == POLICY_URL + "?x=1"
    public = client.get("/internal/a/refunds")
    assert public.headers["Location"] == "/billing/invoices-and-payments/refunds/"
    missing = client.get("/internal/no-such-page/")
    assert missing.status_code == 404 and b'"tree": "internal"' in missing.data
    assert (
        client.get("/internal/agent-playbooks").headers["Location"] == "/internal/agent-playbooks/"
    )
    signed_in = client.get("/internal/login")
    assert b"Signed in" in signed_in.data and b"desk-0" in signed_in.data


def test_a_wrong_token_is_refused_with_the_form_again(client: FlaskClient) -> None:
    response = sign_in(client, TOKEN[:-1] + "x", POLICY_URL)
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers
    assert b"That token was not accepted." in response.data
    assert f'value="{POLICY_URL}"'.encode() in response.data
    assert client.get(POLICY_URL).status_code == 302


@pytest.mark.parametrize(
    ("base_url", "mode", "secure"),
    [
        ("https://localhost", "auto", True),
        ("http://localhost", "auto", False),
        ("http://localhost", "always", True),
        ("https://localhost", "never", False),
    ],
)
def test_session_cookie_flags(make_app: AppFactory, base_url: str, mode: str, secure: bool) -> None:
    app = make_app(agent_config(agent_cookie_secure=mode, agent_session_hours=8))
    response = app.test_client().post("/internal/login", data={"token": TOKEN}, base_url=base_url)
    flags = cookie_attributes(response)
    assert flags["httponly"] is True
    assert flags["samesite"] == "Strict"
    assert flags["path"] == "/internal/"
    assert flags["secure"] is secure
    assert flags["expires"]
    # Signed, not encrypted: it names the desk and a fingerprint, never the token or its hash.
    assert TOKEN not in str(flags["value"]) and "desk-0" not in str(flags["value"])


def test_sessions_survive_across_instances_sharing_the_key(make_app: AppFactory) -> None:
    first, second = make_app().test_client(), make_app().test_client()
    sign_in(first)
    cookie = first.get_cookie("kb_agent", path="/internal/")
    assert cookie is not None
    second.set_cookie("kb_agent", cookie.value, path="/internal/")
    assert second.get(POLICY_URL).status_code == 200
    stranger = make_app(SECRET_KEY="another-key-" + "f" * 32).test_client()
    stranger.set_cookie("kb_agent", cookie.value, path="/internal/")
    assert stranger.get(POLICY_URL).status_code == 302


def test_a_tampered_session_is_no_session(client: FlaskClient) -> None:
    sign_in(client)
    cookie = client.get_cookie("kb_agent", path="/internal/")
    assert cookie is not None
    payload, stamp, signature = cookie.value.rsplit(".", 2)
    client.set_cookie("kb_agent", f"{payload}.{stamp}.{signature[:-2]}AA", path="/internal/")
    assert client.get(POLICY_URL).status_code == 302


def test_a_session_dies_with_its_token(make_app: AppFactory) -> None:
    before = make_app(agent_config((TOKEN, OTHER_TOKEN))).test_client()
    sign_in(before, OTHER_TOKEN)
    cookie = before.get_cookie("kb_agent", path="/internal/")
    assert cookie is not None and before.get(POLICY_URL).status_code == 200
    after = make_app(agent_config((TOKEN,))).test_client()  # desk-1's token removed
    after.set_cookie("kb_agent", cookie.value, path="/internal/")
    assert after.get(POLICY_URL).status_code == 302
    assert after.post("/internal/login", data={"token": OTHER_TOKEN}).status_code == 401


def test_logout_ends_the_session(client: FlaskClient) -> None:
    sign_in(client)
    assert client.get(POLICY_URL).status_code == 200
    response = client.post("/internal/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/internal/login"
    assert client.get_cookie("kb_agent", path="/internal/") is None
    assert client.get(POLICY_URL).status_code == 302


@pytest.mark.parametrize(
    "wanted",
    [
        "https://evil.example/internal/",
        "//evil.example/internal/",
        "/\\evil.example",
        "/%2F%2Fevil.example/",
        "/internal/..//evil.example",
        "/internal/../billing/",
        "/internal/%2e%2e/%2e%2e/x",
        "javascript:alert(1)",
        "/billing/invoices-and-payments/refunds/",
        "/internal/login",
        "internal/relative/",
        "/internal/\r\nSet-Cookie: x=1",
        "",
    ],
)
def test_next_never_leaves_the_internal_portal(client: FlaskClient, wanted: str) -> None:
    response = sign_in(client, next_path=wanted)
    assert response.status_code == 303
    assert response.headers["Location"] == "/internal/"


@pytest.mark.parametrize(
    "wanted", ["/internal/agent-playbooks/", "/internal/a/escalation-matrix?from=ticket"]
)
def test_next_keeps_a_local_internal_path(client: FlaskClient, wanted: str) -> None:
    assert sign_in(client, next_path=wanted).headers["Location"] == wanted


def test_the_sign_in_remembers_where_the_agent_was_going(client: FlaskClient) -> None:
    response = client.get("/internal/a/escalation-matrix?from=ticket")
    location = urlsplit(response.headers["Location"])
    (wanted,) = parse_qs(location.query)["next"]
    assert wanted == "/internal/a/escalation-matrix?from=ticket"
    assert sign_in(client, next_path=wanted).headers["Location"] == wanted
    assert client.get(wanted).status_code == 301


def test_login_brute_force_is_rate_limited(make_app: AppFactory) -> None:
    client = make_app(agent_config(login_rate_limit="3/minute")).test_client()
    for i in range(3):
        assert sign_in(client, f"guess-{i}").status_code == 401
    refused = sign_in(client, "guess-4")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.get_json()["status"] == 429
    assert sign_in(client, TOKEN).status_code == 429  # even the right token waits
    other = client.post(
        "/internal/login", data={"token": TOKEN}, environ_overrides={"REMOTE_ADDR": "10.9.9.9"}
    )
    assert other.status_code == 303  # per visitor: another address is not locked out
    assert client.get("/internal/login").status_code == 200  # the form itself is not limited


def test_internal_ids_at_public_permalinks_are_unknown(client: FlaskClient) -> None:
    unknown = client.get("/a/no-such-article")
    hidden = client.get("/a/refund-approval-policy")
    assert unknown.status_code == hidden.status_code == 404
    assert hidden.data == unknown.data and MARKER.encode() not in hidden.data
    sign_in(client)  # the session cookie belongs to /internal/ and is never sent to /a/
    assert client.get("/a/refund-approval-policy").data == unknown.data


def test_the_session_key_comes_from_kb_secret_key(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KB_SECRET_KEY", SECRET_KEY)
    first = make_app(SECRET_KEY=None).test_client()
    sign_in(first)
    cookie = first.get_cookie("kb_agent", path="/internal/")
    assert cookie is not None
    second = make_app().test_client()  # SECRET_KEY set directly to the same value
    second.set_cookie("kb_agent", cookie.value, path="/internal/")
    assert second.get(POLICY_URL).status_code == 200
