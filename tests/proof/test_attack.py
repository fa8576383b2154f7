"""Attack, against the real server (gunicorn) with raw requests no client normalises first:
path traversal, open redirects, security headers on every kind of page, rate limits.

(Stored XSS is proven in a real browser: tests/browser/test_hardening.py.)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import pytest

from tests.proof.figures import add, record
from tests.proof.procs import (
    GENEROUS,
    Gunicorn,
    Reply,
    first_vote,
    http,
    proof_config,
    raw_request,
    server_env,
)

TOKEN = "proof-agent-token-" + "x" * 24


@pytest.fixture(scope="module")
def internal_titles(built: Path) -> list[str]:
    data = json.loads((built / "manifest.internal.json").read_text("utf-8"))
    return [a["title"] for a in data["articles"] if a["visibility"] == "internal"]


@pytest.fixture(scope="module")
def server(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    """One server for the module's read-only attacks (a start costs a few seconds)."""
    work = tmp_path_factory.mktemp("attack")
    token = {"name": "proof", "sha256": hashlib.sha256(TOKEN.encode()).hexdigest()}
    api = GENEROUS | {"agent_tokens": [token], "login_rate_limit": "1000/minute"}
    config = proof_config(work / "site_config.yml", api=api)
    env = {
        "KB_BUILD_DIR": str(built),
        "KB_SITE_CONFIG": str(config),
        "KB_DATABASE_URL": f"sqlite:///{work / 'kb.sqlite3'}",
        "KB_SECRET_KEY": "proof-" + "k" * 40,  # both workers sign sessions alike
    }
    server = Gunicorn(work, env).start()
    yield server
    server.stop()


def get(server: Gunicorn, target: str, headers: str = "") -> Reply:
    head = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{headers}\r\n"
    return raw_request(server.port, head.encode("latin-1"))


TRAVERSALS = [
    "/../manifest.json",
    "/../../../../etc/passwd",
    "/%2e%2e/manifest.json",
    "/%2E%2E/%2E%2E/etc/passwd",
    "/billing/%2e%2e/%2e%2e/internal/index.html",
    "/..%2fmanifest.json",
    "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/%252e%252e/manifest.json",
    "/%252e%252e%252fmanifest.json",
    "/..%252f..%252finternal/index.html",
    "/..\\manifest.json",
    "/..%5cmanifest.json",
    "/billing\\..\\..\\internal\\index.html",
    "/%5c..%5c..%5cinternal%5cindex.html",
    "/assets/../../internal/agent-playbooks/",
    "/.%2e/internal/agent-playbooks/",
    "/%c0%ae%c0%ae/manifest.json",
    "/..;/manifest.json",
    "//etc/passwd",
    "/%00../manifest.json",
    "/internal/agent-playbooks/",
    "/index/public/kb_search.json",
]


def test_static_serving_never_leaves_build_public(
    server: Gunicorn, internal_titles: list[str]
) -> None:
    for target in TRAVERSALS:
        reply = get(server, target)
        add("traversal_attempts", 1)
        text = reply.body.decode("utf-8", errors="replace")
        assert reply.status in (301, 302, 303, 400, 404), (target, reply.status)
        assert "root:x:" not in text and '"articles"' not in text, target
        assert not [t for t in internal_titles if t in text], target
        if reply.status in (301, 302, 303):  # e.g. /internal/ sends to its sign-in
            assert urlsplit(reply.headers["location"]).netloc in ("", "127.0.0.1"), target


REDIRECT_BAIT = [
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "/%5cevil.example/",
    "/%2f%2fevil.example/",
    "/%2F%2Fevil.example",
    "/a/%2F%2Fevil.example",
    "/a//evil.example",
    "/a/https:%2F%2Fevil.example",
    "/a/refunds?next=https://evil.example/",
    "/a/refunds/..%2F..%2F%2Fevil.example",
    "/billing/money-back/?next=//evil.example",
    "//billing/invoices-and-payments/refunds",
    "/billing%2F%2Fevil.example",
    "/internal/login?next=https://evil.example/",
    "/internal/login?next=//evil.example/",
    "/internal/login?next=/%5Cevil.example",
    "/internal/a/x?next=https://evil.example/",
]


def _local(location: str) -> bool:
    if location.startswith(("//", "/\\")) or "\\" in location.split("?")[0]:
        return False
    return urlsplit(urljoin("http://127.0.0.1/here/", location)).netloc == "127.0.0.1"


def test_no_open_redirect_through_permalinks_aliases_or_next(server: Gunicorn) -> None:
    redirects = 0
    for target in REDIRECT_BAIT:
        reply = get(server, target)
        add("redirect_attempts", 1)
        if 300 <= reply.status < 400:
            redirects += 1
            assert _local(reply.headers["location"]), (target, reply.headers["location"])
        else:
            assert reply.status in (200, 400, 404), (target, reply.status)
    assert redirects >= 4  # the permalink, the alias, the slash and the sign-in redirects ran


@pytest.mark.parametrize(
    "wanted",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "/%2F%2Fevil.example/",
        "/internal/..//evil.example",
        "/internal/%2e%2e/%2e%2e//evil.example",
        "javascript:alert(1)",
        "/internal/\r\nLocation: https://evil.example/",
    ],
)
def test_signing_in_never_sends_an_agent_off_site(server: Gunicorn, wanted: str) -> None:
    body = f"token={quote(TOKEN)}&next={quote(wanted, safe='')}".encode()
    reply = http(
        "POST",
        server.url + "/internal/login",
        body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 303
    assert reply.headers["location"] == "/internal/"


def _pages(manifest: dict[str, Any]) -> dict[str, str]:
    article = manifest["articles"][0]
    return {
        "home": "/",
        "category": "/" + article["url"].strip("/").split("/")[0] + "/",
        "article": "/" + article["url"].lstrip("/"),
        "faq": "/faq/",
        "contact": "/contact/",
        "search results": "/search-results/?q=refund",
        "404": "/no/such/page/",
        "sign-in": "/internal/login",
    }


def test_security_headers_on_every_kind_of_response(
    server: Gunicorn, manifest: dict[str, Any]
) -> None:
    targets = _pages(manifest) | {
        "api json": "/api/search?q=refund",
        "api error": "/api/nothing",
        "asset": "/assets/kb/kb.css",
        "sitemap": "/sitemap.xml",
    }
    seen = {}
    for kind, target in targets.items():
        reply = http("GET", server.url + target)
        assert reply.status in (200, 404), (kind, reply.status)
        h = reply.headers
        assert h["x-content-type-options"] == "nosniff", kind
        assert h["referrer-policy"] in ("strict-origin-when-cross-origin", "same-origin"), kind
        csp = {
            part.strip().split(" ", 1)[0]: part.strip()
            for part in h["content-security-policy"].split(";")
        }
        assert csp["frame-ancestors"] == "frame-ancestors 'none'", kind
        assert "'unsafe-inline'" not in csp.get("script-src", ""), kind
        assert "'unsafe-eval'" not in csp.get("script-src", ""), kind
        assert csp.get("object-src", "object-src 'none'") == "object-src 'none'" or (
            csp["default-src"] == "default-src 'none'"
        ), kind
        if reply.headers["content-type"].startswith("text/html"):
            assert h.get("x-frame-options") == "DENY", kind
        seen[kind] = reply.status
    record("security_headers_checked", sorted(seen))


def test_rate_limits_answer_429_with_retry_after(
    built: Path, gunicorn: Callable[..., Gunicorn], tmp_path: Path, manifest: dict[str, Any]
) -> None:
    limits = {"rate_limit": "6/minute", "write_rate_limit": "3/minute"}
    config = proof_config(tmp_path / "site_config.yml", api=limits)
    db = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    env = server_env(built, config, db)
    server = gunicorn(env)
    vote = first_vote(manifest)
    # counters live in each worker's memory (memory://): 2 workers allow up to twice the limit
    for path, body, limit in (
        ("/api/search?q=refund", None, 6),
        ("/api/ratings", vote, 3),
    ):
        replies = [
            http("POST" if body else "GET", server.url + path, body, headers={"User-Agent": "rl"})
            for _ in range(2 * limit + 4)
        ]
        refused = [r for r in replies if r.status == 429]
        assert refused, [r.status for r in replies]
        assert len(replies) - len(refused) <= 2 * limit
        for r in refused:
            retry = int(r.headers["retry-after"])
            assert 1 <= retry <= 60
            body = r.json()
            assert body.pop("limit") in {f"{n} per 1 minute" for n in (3, 6)}  # whichever tripped
            assert body == {
                "error": f"Too many requests; try again in {retry} seconds.",
                "status": 429,
                "retry_after": retry,
            }
    assert http("GET", server.url + "/").status == 200  # the portal itself is never limited
    assert http("GET", server.url + "/api/health").status == 200
