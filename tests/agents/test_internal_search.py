"""The internal portal's search: /internal/api/suggest and /internal/api/search for its boxes.

Signed-in agents get the agents' ranking (public + internal articles, the same as
``GET /api/articles`` with a token) in the shapes of /api/suggest and /api/search, with each
hit's site path (``/internal/...`` or the public portal's); nobody else gets anything, and
nothing is logged as a customer's search.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from kb_store.tables import clicks, searches
from tests.agents.conftest import TOKEN, agent_config, bearer, sign_in
from tests.apps import AppFactory

POLICY = "refund-approval-policy"
POLICY_PATH = "/internal/agent-playbooks/refund-approval-policy/"
REFUNDS_PATH = "/billing/invoices-and-payments/refunds/"
ENDPOINTS = ("/internal/api/suggest", "/internal/api/search")


@pytest.fixture
def agent(client: FlaskClient) -> FlaskClient:
    assert sign_in(client).status_code == 303
    return client


def rows(app: Flask, table: Any) -> int:
    with app.extensions["kb"].store.engine.connect() as conn:
        count: int = conn.execute(select(func.count()).select_from(table)).scalar_one()
        return count


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    "headers",
    [{}, bearer(TOKEN), {"Cookie": "kb_agent=forged"}],
    ids=["nobody", "bearer-token-only", "forged-cookie"],
)
def test_without_a_session_the_search_is_refused(
    client: FlaskClient, endpoint: str, headers: dict[str, str]
) -> None:
    for query in ("q=refund+approval", "q=", "q=refund&lang=xx", "limit=0"):
        response = client.get(f"{endpoint}?{query}", headers=headers)
        assert response.status_code == 401, query  # before any input is read
        assert response.get_json() == {
            "error": "Sign in to the internal portal first, at /internal/login.",
            "status": 401,
        }
        assert response.headers["Cache-Control"] == "private, no-store"


def test_a_signed_out_session_is_refused(agent: FlaskClient) -> None:
    assert agent.get("/internal/api/suggest?q=refund").status_code == 200
    agent.post("/internal/logout")
    assert agent.get("/internal/api/suggest?q=refund").status_code == 401


def test_suggest_ranks_public_and_internal_articles_with_their_site_paths(
    agent: FlaskClient,
) -> None:
    response = agent.get("/internal/api/suggest?q=refund+appr")  # a word being typed
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Cookie" in response.headers["Vary"]
    body = response.get_json()
    assert set(body) == {
        "query", "total", "matches", "did_you_mean", "corrected", "answered", "confidence",
        "contact", "suggestions",
    }  # fmt: skip
    assert body["contact"] is False  # agents are the support: never offered the contact form
    urls = {s["id"]: s["url"] for s in body["suggestions"]}
    assert body["suggestions"][0]["id"] == POLICY and body["answered"] is True
    assert urls[POLICY] == POLICY_PATH
    assert urls["refunds"] == REFUNDS_PATH
    assert agent.get("/internal/api/suggest?q=").get_json()["suggestions"] == []


def test_search_is_the_agents_ranking(agent: FlaskClient) -> None:
    """The same articles, in the same order, as the agent API with a token gives, judged the
    same (kb_core.search.outcome): a query asking for a person is answered by no article about
    something else ("contact support" matched "Roles and permissions" with confidence 1.0)."""
    queries = ("refund approval", "verify the account owner", "escalate a bug", "invoice")
    for q in (
        *queries,
        "how do i contact support",
        "how do i contact support to transfer ownership",
    ):
        portal = agent.get("/internal/api/search", query_string={"q": q, "limit": 8}).get_json()
        api = agent.get("/api/articles", query_string={"q": q, "limit": 8}, headers=bearer())
        links = api.get_json()
        assert [r["id"] for r in portal["results"]] == [r["id"] for r in links["results"]]
        assert set(portal) >= {"query", "total", "matches", "answered", "answer", "results"}
        card = portal["answer"] and (portal["answer"]["id"], portal["answer"]["text"].strip())
        quoted = links["answer"] and (links["answer"]["id"], links["answer"]["text"])
        assert (portal["answered"], card) == (links["answered"], quoted), q
        assert portal["contact"] is False  # agents are the support
    asked = agent.get("/internal/api/search?q=how+do+i+contact+support").get_json()
    assert (asked["answered"], asked["answer"]) == (False, None)


def test_every_result_opens_for_the_agent(agent: FlaskClient) -> None:
    """Internal hits are pages of the internal portal, public ones of the public portal: none
    is a 404 (the internal tree holds no public page)."""
    seen = set()
    for q in ("refund", "account owner", "known issues", "timesheets"):
        body = agent.get("/internal/api/search", query_string={"q": q, "limit": 10}).get_json()
        for hit in body["results"]:
            page = agent.get(hit["url"])
            assert page.status_code == 200, hit["url"]
            assert f"<h1>{hit['title']}" in page.get_data(as_text=True).replace("&#39;", "'")
            seen.add(hit["url"].startswith("/internal/"))
    assert seen == {True, False}


def test_the_answer_card_is_where_its_article_is(agent: FlaskClient) -> None:
    internal = agent.get(
        "/internal/api/search?q=how+do+I+process+an+approved+refund+in+backstage"
    ).get_json()
    assert internal["answer"]["id"] == POLICY
    assert internal["answer"]["url"] == POLICY_PATH and internal["answer"]["anchor"]
    public = agent.get("/internal/api/suggest?q=how+long+does+a+refund+take&complete=true")
    card = public.get_json()["answer"]
    assert card["id"] == "refunds" and card["url"] == REFUNDS_PATH


def test_another_languages_portal_searches_its_own_agents_index(agent: FlaskClient) -> None:
    body = agent.get("/internal/api/search?q=refund&lang=fr&limit=20").get_json()
    urls = [r["url"] for r in body["results"]]
    assert "/internal/fr/agent-playbooks/refund-approval-policy/" in urls
    assert all(re.match(r"^/(internal/)?fr/", u) for u in urls), urls
    for url in urls[:4]:
        assert agent.get(url).status_code == 200, url
    refused = agent.get("/internal/api/search?q=refund&lang=xx")
    assert refused.status_code == 400 and refused.get_json()["field"] == "lang"


def test_agent_searches_are_not_logged_as_customer_searches(app: Flask) -> None:
    agent = app.test_client()
    sign_in(agent)
    for endpoint in ENDPOINTS:
        answer = agent.get(endpoint, query_string={"q": "zzunfindablezz refund"})
        assert answer.status_code == 200 and answer.get_json()["query"], endpoint
    assert rows(app, searches) == 0 and rows(app, clicks) == 0
    agent.get("/api/search?q=zzunfindablezz")  # the customers' search is, on the same store
    assert rows(app, searches) == 1


def test_internal_search_is_rate_limited_like_the_api(make_app: AppFactory) -> None:
    app = make_app(agent_config(rate_limit="3/minute"))
    agent = app.test_client()
    sign_in(agent)
    for endpoint in ENDPOINTS:
        answers = [agent.get(f"{endpoint}?q=refund").status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429], endpoint
        refused = agent.get(f"{endpoint}?q=refund")
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.get_json()["status"] == 429


def kb_config(page: Path) -> dict[str, Any]:
    found = re.search(
        r'<script id="kb-config" type="application/json">(.*?)</script>',
        page.read_text(encoding="utf-8"),
        re.S,
    )
    assert found, page
    config: dict[str, Any] = json.loads(found.group(1))
    return config


def test_the_internal_portal_points_its_boxes_at_the_agents_search(build: Path) -> None:
    internal = build / "internal"
    for page in ("index.html", "404.html", "search-results/index.html", "fr/index.html"):
        config = kb_config(internal / page)
        assert (config["api"], config["tree"]) == ("/internal/api", "internal"), page
    home = (internal / "index.html").read_text(encoding="utf-8")
    assert 'action="search-results/"' in home and "data-kb-search" in home
    for page in ("search-results/index.html", "404.html"):  # no contact page to send them to
        assert "contact/" not in (internal / page).read_text(encoding="utf-8"), page
    public = kb_config(build / "public" / "index.html")
    assert (public["api"], public["tree"]) == ("/api", "public")
