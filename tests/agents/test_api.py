"""The agent API: /api/articles and /api/articles/<id>, public by default, internal with a token."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.agents.conftest import BASE_URL, OTHER_TOKEN, TOKEN, AppFactory, agent_config, bearer

POLICY = "refund-approval-policy"


def ids(response: Any) -> list[str]:
    return [r["id"] for r in response.get_json()["results"]]


def test_articles_gives_reply_ready_snippets(client: FlaskClient) -> None:
    response = client.get("/api/articles?q=money+back")
    assert response.status_code == 200
    assert "Authorization" in response.headers["Vary"]
    data = response.get_json()
    assert data["query"] == "money back" and data["internal"] is False
    best = data["results"][0]
    assert best["id"] == "refunds" and best["visibility"] == "public"
    assert best["url"].startswith(f"{BASE_URL}/a/refunds?src=agent")
    assert best["markdown"].startswith("[Get a refund") and best["url"] in best["markdown"]
    assert best["html"].startswith(f'<a href="{BASE_URL}/a/refunds?src=agent')
    assert best["summary"] in best["text"]
    assert len(data["results"]) == 5  # the default limit


@pytest.mark.parametrize(
    ("fmt", "mimetype"), [("md", "text/markdown"), ("html", "text/html"), ("text", "text/plain")]
)
def test_articles_in_a_snippet_format(client: FlaskClient, fmt: str, mimetype: str) -> None:
    response = client.get(f"/api/articles?q=refund&limit=2&format={fmt}")
    assert response.status_code == 200 and response.mimetype == mimetype
    assert response.get_data(as_text=True).count("?src=agent") == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [("", "q"), ("q=", "q"), ("q=refund&limit=0", "limit"), ("q=refund&format=xml", "format")],
)
def test_articles_validation_has_the_error_shape(
    client: FlaskClient, query: str, field: str
) -> None:
    response = client.get(f"/api/articles?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == 400 and body["field"] == field and body["error"]


def test_internal_articles_only_with_a_valid_token(client: FlaskClient) -> None:
    anonymous = client.get("/api/articles?q=refund+approval+policy")
    assert POLICY not in ids(anonymous)
    agent = client.get("/api/articles?q=refund+approval+policy", headers=bearer())
    assert agent.get_json()["internal"] is True
    best = agent.get_json()["results"][0]
    assert best["id"] == POLICY and best["visibility"] == "internal"
    assert best["markdown"].startswith("**Internal:** ")
    assert best["url"] == f"{BASE_URL}/internal/a/{POLICY}" or best["url"].startswith(
        f"{BASE_URL}/internal/a/{POLICY}#"
    )
    other_desk = client.get("/api/articles?q=refund+approval+policy", headers=bearer(OTHER_TOKEN))
    assert ids(other_desk)[0] == POLICY


@pytest.mark.parametrize(
    "header",
    [
        f"Bearer {TOKEN[:-1]}x",  # same length, one character off
        f"Bearer {TOKEN.upper()}",
        f"bearer {TOKEN} extra",
        "Bearer ",
        "Bearer " + "a" * 5000,
        f"Token {TOKEN}",  # another scheme: the integration would get public articles only
        TOKEN,
    ],
)
def test_a_wrong_bearer_token_is_a_401(client: FlaskClient, header: str) -> None:
    """A mistyped or revoked token is refused out loud (it was answered as a visitor's search,
    so an integrator could not tell its agents were getting public articles only)."""
    for url in ("/api/articles?q=refund+approval+policy", f"/api/articles/{POLICY}"):
        response = client.get(url, headers={"Authorization": header})
        assert response.status_code == 401, url
        assert response.get_json() == {
            "error": "That agent token was not accepted; send it as 'Authorization: Bearer "
            "TOKEN' and check api.agent_tokens in site_config.yml.",
            "status": 401,
        }
        assert response.headers["WWW-Authenticate"] == (
            'Bearer realm="kb-internal", error="invalid_token"'
        )
    # the same answer for an unknown id: a wrong token learns nothing of which ids exist
    unknown = client.get("/api/articles/no-such-id", headers={"Authorization": header})
    assert unknown.status_code == 401


@pytest.mark.parametrize("header", [f"Basic {TOKEN}", "Negotiate abc", "Digest a=1", ""])
def test_a_proxy_sign_in_is_no_token(client: FlaskClient, header: str) -> None:
    """A proxy's sign-in in front of the help center is not an agent token: a visitor's
    answer."""
    response = client.get(
        "/api/articles?q=refund+approval+policy", headers={"Authorization": header}
    )
    assert response.status_code == 200
    assert response.get_json()["internal"] is False
    assert POLICY not in ids(response)
    detail = client.get(f"/api/articles/{POLICY}", headers={"Authorization": header})
    assert detail.status_code == 404


def test_article_detail(client: FlaskClient, public_articles: list[dict[str, Any]]) -> None:
    refunds = next(a for a in public_articles if a["id"] == "refunds")
    response = client.get("/api/articles/refunds")
    assert response.status_code == 200
    data = response.get_json()
    assert {k: data[k] for k in ("id", "title", "summary", "visibility")} == {
        "id": "refunds",
        "title": refunds["title"],
        "summary": refunds["summary"],
        "visibility": "public",
    }
    assert data["url"] == f"{BASE_URL}/a/refunds?src=agent"
    assert [h["anchor"] for h in data["headings"]] == [h["anchor"] for h in refunds["headings"]]
    first = data["headings"][0]
    assert first["url"] == f"{BASE_URL}/a/refunds?src=agent#{first['anchor']}"
    assert data["excerpt"].startswith("We want you to pay only for Tandem you actually use.")
    assert "Was this article helpful" not in data["excerpt"] and len(data["excerpt"]) <= 601
    assert data["tags"] and data["category_slug"] == "billing"


def test_internal_detail_is_a_404_like_an_unknown_id_without_a_token(client: FlaskClient) -> None:
    unknown = client.get("/api/articles/no-such-article")
    hidden = client.get(f"/api/articles/{POLICY}")
    assert unknown.status_code == hidden.status_code == 404
    assert (
        hidden.get_json()
        == unknown.get_json()
        == {
            "error": "There is nothing at this address.",
            "status": 404,
        }
    )
    assert sorted(hidden.headers.items()) == sorted(unknown.headers.items())
    shown = client.get(f"/api/articles/{POLICY}", headers=bearer())
    assert shown.status_code == 200
    data = shown.get_json()
    assert data["visibility"] == "internal" and "INTERNAL-ONLY" in data["excerpt"]
    assert data["headings"][0]["url"].startswith(f"{BASE_URL}/internal/a/{POLICY}#")


def test_a_token_removed_from_config_stops_working(make_app: AppFactory) -> None:
    with_token = make_app(agent_config((TOKEN, OTHER_TOKEN))).test_client()
    assert with_token.get(f"/api/articles/{POLICY}", headers=bearer(OTHER_TOKEN)).status_code == 200
    # The operator removes desk-1's token and restarts: the token is replayed, and fails.
    without = make_app(agent_config((TOKEN,))).test_client()
    assert without.get(f"/api/articles/{POLICY}", headers=bearer(OTHER_TOKEN)).status_code == 401
    replay = without.get("/api/articles?q=refund+approval+policy", headers=bearer(OTHER_TOKEN))
    assert replay.status_code == 401 and POLICY not in replay.get_data(as_text=True)
    assert without.get(f"/api/articles/{POLICY}", headers=bearer(TOKEN)).status_code == 200


def test_agent_lookups_are_not_logged_as_customer_searches(app: Flask) -> None:
    app.test_client().get("/api/articles?q=zzunfindablezz")
    from sqlalchemy import func, select

    from kb_store.tables import searches

    with app.extensions["kb"].store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(searches)).scalar() == 0
