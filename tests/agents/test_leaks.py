"""Internal articles never reach a customer: not in public files, search, the agent API or links.

"Internal text" is every internal article's title, summary, headings and each line of its body
of 40 characters or more (read from its built page), plus the example's ``INTERNAL-ONLY``
marker, so a leak of any part of an article is caught, not only its title.
"""

from __future__ import annotations

import hmac
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from feedback_api import agent_auth
from kb_cli.main import main
from kb_core.config import AgentToken
from kb_core.link import Articles, article_text
from tests.agents.conftest import MARKER, ROOT, TOKEN, bearer, sha, sign_in


@pytest.fixture(scope="session")
def secrets(build: Path) -> list[str]:
    internal = Articles.load(build, internal=True).internal
    found = [MARKER]
    for a in internal.values():
        found += [a.title, a.summary, *(h.title for h in a.headings)]
        found += [line for line in article_text(build, a).split("\n") if len(line) >= 40]
    assert len(found) > 4 * len(internal) + 1  # bodies were read, not only titles
    return found


@pytest.fixture(scope="session")
def probes(build: Path) -> list[str]:
    """Queries that would find internal articles: titles, summaries, headings, keywords."""
    raw = json.loads((build / "manifest.internal.json").read_text(encoding="utf-8"))["articles"]
    queries: list[str] = []
    for a in raw:
        queries += [a["title"], a["summary"][:200], a["id"].replace("-", " ")]
        queries += [h["title"] for h in a["headings"]] + a["keywords"]
    return queries


def leaked(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s in text]


def test_no_internal_text_in_any_public_output_file(build: Path, secrets: list[str]) -> None:
    files = [p for p in (build / "public").rglob("*") if p.is_file()]
    files += [build / "manifest.json"]
    files += [p for p in (build / "index" / "public").rglob("*") if p.is_file()]
    assert len(files) > 50
    for path in files:
        data = path.read_bytes()
        for s in secrets:
            assert s.encode() not in data, f"{s!r} leaked into {path}"


def test_public_pages_never_link_to_the_internal_portal(build: Path) -> None:
    link = re.compile(rb"""(?:href|src|action)\s*=\s*["']?[^"'\s>]*/internal(?:/|["'\s>])""")
    pages = list((build / "public").rglob("*.html"))
    assert pages
    for page in pages:
        assert not link.search(page.read_bytes()), page


def test_search_and_suggest_never_show_internal_articles(
    client: FlaskClient, probes: list[str], secrets: list[str], internal_articles: list[Any]
) -> None:
    internal_ids = {a["id"] for a in internal_articles}
    for q in probes:
        found = client.get("/api/search", query_string={"q": q, "limit": 50}).get_json()
        assert not internal_ids & {r["id"] for r in found["results"]}, q
        shown = json.dumps([found["results"], found["did_you_mean"]], ensure_ascii=False)
        assert not leaked(shown, secrets), q
        typed = client.get("/api/suggest", query_string={"q": q[:20]}).get_json()
        assert not internal_ids & {s["id"] for s in typed["suggestions"]}, q


@pytest.mark.parametrize(
    "headers", [{}, bearer(TOKEN[:-1] + "0"), bearer("not-a-token"), {"Cookie": "kb_agent=x"}]
)
def test_agent_api_without_a_valid_token_never_shows_internal_articles(
    client: FlaskClient,
    probes: list[str],
    secrets: list[str],
    internal_articles: list[Any],
    headers: dict[str, str],
) -> None:
    internal_ids = {a["id"] for a in internal_articles}
    for q in probes:
        for fmt in ("json", "md") if not headers else ("json",):
            response = client.get(
                "/api/articles", query_string={"q": q, "limit": 50, "format": fmt}, headers=headers
            )
            # a wrong bearer token is refused (401) in the error shape: nothing to leak either
            assert response.status_code == (401 if "Authorization" in headers else 200)
            body = response.get_data(as_text=True)
            if fmt == "json" and response.status_code == 200:
                results = response.get_json()["results"]
                assert not internal_ids & {r["id"] for r in results}, q
                body = json.dumps(results, ensure_ascii=False)
            assert not leaked(body, secrets), q
            assert "/internal/" not in body
    unknown = client.get("/api/articles/no-such-id", headers=headers)
    for a in internal_articles:
        hidden = client.get(f"/api/articles/{a['id']}", headers=headers)
        assert hidden.status_code == unknown.status_code in (401, 404)
        assert hidden.data == unknown.data


@pytest.mark.parametrize(
    "headers", [{}, bearer(TOKEN), {"Cookie": "kb_agent=x"}], ids=["nobody", "bearer", "forged"]
)
def test_the_internal_portals_search_without_a_session_shows_nothing(
    client: FlaskClient, probes: list[str], secrets: list[str], headers: dict[str, str]
) -> None:
    """Its boxes' endpoints take the agent's session only: a bearer token is for /api/."""
    for q in probes:
        for endpoint in ("/internal/api/search", "/internal/api/suggest"):
            response = client.get(endpoint, query_string={"q": q[:200]}, headers=headers)
            assert response.status_code == 401, (endpoint, q)
            assert not leaked(response.get_data(as_text=True), secrets), q


def test_permalinks_and_internal_paths_without_a_session_show_nothing_internal(
    client: FlaskClient, internal_articles: list[Any], secrets: list[str]
) -> None:
    unknown = client.get("/a/no-such-id")
    for a in internal_articles:
        for path in (
            f"/a/{a['id']}",
            f"/{a['url']}",
            f"/internal/a/{a['id']}",
            f"/internal/{a['url']}",
        ):
            response = client.get(path, follow_redirects=True)
            assert not leaked(response.get_data(as_text=True), secrets), path
        assert client.get(f"/a/{a['id']}").data == unknown.data


def test_the_agent_sees_what_customers_cannot(client: FlaskClient, secrets: list[str]) -> None:
    """The leak tests above could pass on an empty build; the same requests as an agent leak."""
    agent = client.get("/api/articles/refund-approval-policy", headers=bearer())
    assert leaked(agent.get_data(as_text=True), secrets)
    sign_in(client)
    page = client.get("/internal/agent-playbooks/refund-approval-policy/")
    assert MARKER in page.get_data(as_text=True)
    found = client.get("/internal/api/search?q=refund+approval+policy")
    assert leaked(found.get_data(as_text=True), secrets)


def test_exports_and_kb_link_never_carry_internal_articles(
    build: Path, probes: list[str], secrets: list[str], internal_articles: list[Any]
) -> None:
    runner = CliRunner()
    config = str(ROOT / "site_config.yml")
    for fmt in ("json", "csv"):
        args = ["export", "replies", "--build-dir", str(build), "--format", fmt, "--config", config]
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        assert not leaked(result.output, secrets)
        assert "/internal/" not in result.output
    internal_ids = {a["id"] for a in internal_articles}
    for q in probes[:: max(1, len(probes) // 12)]:
        args = ["link", q, "--output", str(build), "--format", "json", "--config", config]
        out = json.loads(runner.invoke(main, args).output)
        assert not internal_ids & {r["id"] for r in out["results"]}, q


# --- constant-time token comparison ---------------------------------------------------------

TOKENS = tuple(
    AgentToken(name=f"desk-{i}", sha256=sha(t), scopes=("internal",))
    for i, t in enumerate(("alpha-token", TOKEN, "gamma-token"))
)


def test_match_token_finds_the_configured_token_only() -> None:
    assert agent_auth.match_token(TOKEN, TOKENS) == TOKENS[1]
    assert agent_auth.match_token("gamma-token", TOKENS) == TOKENS[2]
    near = TOKEN[:-1] + ("0" if TOKEN[-1] != "0" else "1")
    assert len(near) == len(TOKEN) and agent_auth.match_token(near, TOKENS) is None
    assert agent_auth.match_token(sha(TOKEN), TOKENS) is None  # the stored hash is not a token
    assert agent_auth.match_token("", TOKENS) is None
    assert agent_auth.match_token("é" * 100, TOKENS) is None  # non-ASCII: hashed, not an error
    assert agent_auth.match_token(TOKEN, TOKENS, scope="admin") is None
    assert agent_auth.match_token(TOKEN, ()) is None


def test_every_configured_hash_is_compared_with_compare_digest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)  # the function agent_auth calls
    for presented in (TOKEN, "alpha-token", "wrong-token"):
        calls.clear()
        agent_auth.match_token(presented, TOKENS)
        # One comparison per configured token, even after a match: no early exit.
        assert [b for _, b in calls] == [t.sha256 for t in TOKENS]
        assert all(a == sha(presented) for a, _ in calls)


def test_session_checks_use_compare_digest_too(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(client)
    calls: list[Any] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append(a)
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert client.get("/internal/").status_code == 200
    # itsdangerous checks the cookie's signature with it (bytes); then one per configured token.
    assert len([c for c in calls if isinstance(c, str)]) == 2
