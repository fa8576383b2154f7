"""Saved replies, agent-share figures, and permanent links that keep working."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from kb_cli.main import main
from tests.agents.conftest import BASE_URL, ROOT, AppFactory

CONFIG = str(ROOT / "site_config.yml")
GREETINGS = ("Hi", "Hello", "Dear", "Thanks", "Thank you")


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    result = CliRunner().invoke(main, [*args, "--config", CONFIG], env=env)
    assert result.exit_code == 0, result.output
    return result


def test_saved_replies_json_one_per_public_article(
    build: Path, public_articles: list[dict[str, Any]]
) -> None:
    replies = json.loads(invoke("export", "replies", "--build-dir", str(build)).output)
    assert sorted(r["id"] for r in replies) == sorted(a["id"] for a in public_articles)
    by_id = {a["id"]: a for a in public_articles}
    for r in replies:
        assert list(r) == ["id", "title", "body", "url", "tags"]
        article = by_id[r["id"]]
        assert r["url"] == f"{BASE_URL}/a/{r['id']}?src=agent"
        assert r["body"] == f"{article['summary']}\n\n{article['title']}: {r['url']}"
        assert not r["body"].startswith(GREETINGS)
        assert set(article["tags"]) <= set(r["tags"])


def test_saved_replies_csv_imports_as_rows(build: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "replies.csv"
    result = invoke(
        "export", "replies", "--build-dir", str(build), "--format", "csv", "--output", str(target)
    )
    assert f"Wrote {target}" in result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    refunds = next(r for r in rows if r["id"] == "refunds")
    assert list(refunds) == ["id", "title", "body", "url", "tags"]
    assert refunds["body"].endswith(f"Get a refund: {BASE_URL}/a/refunds?src=agent")
    assert "\n\n" in refunds["body"] and "billing" in refunds["tags"].split(", ")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("md", f"\n\n[Get a refund]({BASE_URL}/a/refunds?src=agent)"),
        ("html", f'</p>\n<p><a href="{BASE_URL}/a/refunds?src=agent">Get a refund</a></p>'),
    ],
)
def test_saved_reply_bodies_in_markdown_or_html(build: Path, body: str, expected: str) -> None:
    replies = json.loads(
        invoke("export", "replies", "--build-dir", str(build), "--body", body).output
    )
    assert next(r for r in replies if r["id"] == "refunds")["body"].endswith(expected)


def test_export_without_a_build_says_how_to_fix_it(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", "replies", "--build-dir", str(tmp_path)])
    assert result.exit_code == 1 and "run `kb build` first" in result.output


# --- agent shares -----------------------------------------------------------------------------

CUSTOMER_A = {"REMOTE_ADDR": "203.0.113.10"}
CUSTOMER_B = {"REMOTE_ADDR": "203.0.113.11"}
CUSTOMER_C = {"REMOTE_ADDR": "203.0.113.12"}


def _revision(public_articles: list[dict[str, Any]], article_id: str) -> str:
    return str(next(a for a in public_articles if a["id"] == article_id)["revision"])


def test_shares_report_counts_agent_visits_and_what_those_customers_rated(
    make_app: AppFactory, db_url: str, build: Path, public_articles: list[dict[str, Any]]
) -> None:
    app = make_app(DATABASE_URL=db_url)
    client = app.test_client()

    def view(article: str, src: str, who: dict[str, str]) -> None:
        body = {"id": article, "src": src}
        assert client.post("/api/events/view", json=body, environ_overrides=who).status_code == 204

    def rate(article: str, value: int, who: dict[str, str]) -> None:
        vote = {
            "article_id": article,
            "revision": _revision(public_articles, article),
            "value": value,
        }
        assert client.post("/api/ratings", json=vote, environ_overrides=who).status_code in (
            200,
            201,
        )

    view("refunds", "agent", CUSTOMER_A)  # an agent's link, then "not helpful"
    view("refunds", "agent", CUSTOMER_A)
    rate("refunds", 0, CUSTOMER_A)
    view("refunds", "agent", CUSTOMER_B)  # an agent's link, then "helpful"
    rate("refunds", 1, CUSTOMER_B)
    view("refunds", "web", CUSTOMER_C)  # came by search: not a share, its rating not counted
    rate("refunds", 0, CUSTOMER_C)
    view("invoices", "agent", CUSTOMER_C)  # shared, never rated
    rate("change-plan", 0, CUSTOMER_A)  # rated, but never reached through an agent's link

    env = {"KB_DATABASE_URL": db_url}
    out = invoke("export", "shares", "--build-dir", str(build), "--format", "json", env=env).output
    report = json.loads(out)
    most = {r["id"]: r for r in report["most_shared"]}
    assert [r["id"] for r in report["most_shared"]] == ["refunds", "invoices"]
    assert most["refunds"] == {
        "id": "refunds",
        "title": "Get a refund",
        "agent_visits": 3,
        "agent_visitors": 2,
        "rated_after": 2,
        "unhelpful_after": 1,
        "unhelpful_share": 0.5,
    }
    assert most["invoices"]["rated_after"] == 0 and most["invoices"]["unhelpful_share"] is None
    assert [r["id"] for r in report["shared_then_unhelpful"]] == ["refunds"]
    store = app.extensions["kb"].store
    with store.engine.connect() as conn:
        import sqlalchemy as sa

        tokens = [v for (v,) in conn.execute(sa.text("SELECT visitor FROM article_views"))]
    for private in [*tokens, "203.0.113"]:  # no visitor token, no address
        assert private not in out

    text = invoke("export", "shares", "--build-dir", str(build), env=env).output
    assert "Articles agents share most" in text and "Get a refund" in text
    rows = list(
        csv.DictReader(
            io.StringIO(
                invoke(
                    "export", "shares", "--build-dir", str(build), "--format", "csv", env=env
                ).output
            )
        )
    )
    assert rows[0]["id"] == "refunds" and rows[0]["unhelpful_share"] == "0.500"


def test_shares_without_a_store_says_how_to_fix_it(build: Path, tmp_path: Path) -> None:
    env = {"KB_DATABASE_URL": f"sqlite:///{tmp_path / 'none.sqlite3'}"}
    result = CliRunner().invoke(
        main, ["export", "shares", "--build-dir", str(build), "--config", CONFIG], env=env
    )
    assert result.exit_code == 1 and "no feedback store" in result.output


# --- permanent links ----------------------------------------------------------------------------


def test_agent_links_open_the_article_with_the_marker(app: Flask) -> None:
    client = app.test_client()
    best = client.get("/api/articles?q=how+long+do+refunds+take").get_json()["results"][0]
    path = best["url"].removeprefix(BASE_URL)
    assert path.startswith("/a/refunds?src=agent#")
    response = client.get(path.split("#")[0])
    assert response.status_code == 302  # the example is bilingual: to the visitor's language
    assert response.headers["Location"] == "/billing/invoices-and-payments/refunds/?src=agent"
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize(
    "old", ["/billing/money-back/", "/billing/money-back", "/billing/money-back/index.html"]
)
def test_an_alias_keeps_the_old_address_working(app: Flask, old: str) -> None:
    response = app.test_client().get(old)
    assert response.status_code == 301
    assert response.headers["Location"] == "/billing/invoices-and-payments/refunds/"
