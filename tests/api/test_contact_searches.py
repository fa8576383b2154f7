"""Searches that ask for a person ("talk to a human", "contact support") on the shipped example
KB through the real app: offered the contact form, never answered by an article, logged apart
from the gaps; ordinary searches holding the same words are left as they were."""

from __future__ import annotations

import csv
import html
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from kb_builder.build import BuildReport
from kb_builder.index.fields import IndexDoc
from kb_core.config import load_config
from kb_store.store import Store, utcnow
from tests.api.conftest import rows, write_build
from tests.apps import AppFactory

ROOT = Path(__file__).resolve().parents[2]

ASKING = [
    "how do i contact support",
    "contact support",
    "phone number",
    "support email",
    "call you",
    "talk to a human",
    "Customer service?",
]
ORDINARY = ["change my email", "phone app", "support for sso", "contact list export", "refund"]


@pytest.fixture
def example_app(make_app: AppFactory, example_build: tuple[Path, BuildReport]) -> Flask:
    return make_app(BUILD_DIR=str(example_build[0]), SITE_CONFIG=str(ROOT / "site_config.yml"))


@pytest.mark.parametrize("query", ASKING)
def test_a_search_asking_for_a_person_is_offered_the_contact_form(
    example_app: Flask, query: str
) -> None:
    client = example_app.test_client()
    body = client.get("/api/search", query_string={"q": query}).get_json()
    # before: "contact support" was answered (confidence 1.0) by "Roles and permissions"
    assert (body["contact"], body["answered"], body["answer"]) == (True, False, None)
    suggested = client.get("/api/suggest", query_string={"q": query}).get_json()
    assert (suggested["contact"], suggested["answered"]) == (True, False)
    [logged] = rows(example_app, "searches")
    assert (logged["contact"], logged["answered"]) == (True, False)


def test_the_articles_still_follow_the_contact_offer(example_app: Flask) -> None:
    body = example_app.test_client().get("/api/search?q=contact+support+about+a+refund").get_json()
    assert body["contact"] is True
    assert "refunds" in [r["id"] for r in body["results"][:3]]


@pytest.mark.parametrize("query", [*ORDINARY, "call in sick"])
def test_ordinary_searches_holding_those_words_are_unchanged(
    example_app: Flask, query: str
) -> None:
    client = example_app.test_client()
    body = client.get("/api/search", query_string={"q": query}).get_json()
    assert body["contact"] is False
    searcher = example_app.extensions["kb"].build.searcher_for("en")
    found = searcher.search(query, limit=10)
    assert body["answered"] is (found.answered and found.total > 0)
    assert [r["id"] for r in body["results"]] == [h.id for h in found.results]
    [logged] = rows(example_app, "searches")
    assert logged["contact"] is False and logged["answered"] is body["answered"]


def test_without_a_contact_form_such_a_search_is_a_gap(
    make_app: AppFactory, example_build: tuple[Path, BuildReport], tmp_path: Path
) -> None:
    config, _ = load_config(ROOT / "site_config.yml")
    closed = config.model_copy(
        update={"contact": config.contact.model_copy(update={"enabled": False})}
    )
    app = make_app(closed, BUILD_DIR=str(example_build[0]))
    body = app.test_client().get("/api/search?q=contact+support").get_json()
    # nothing to offer, and "Roles and permissions" is still no answer: kb gaps shows it
    assert (body["contact"], body["answered"]) == (False, False)
    [logged] = rows(app, "searches")
    assert (logged["contact"], logged["answered"]) == (False, False)
    # the gap to fill is how to reach a person, not an article titled "Contact support"
    client = app.test_client()
    for ua in ("b", "c"):
        client.get("/api/search?q=contact+support", headers={"User-Agent": ua})
    report = _gaps(app, example_build[0], "json", config=_closed(tmp_path))
    [group] = json.loads(report)["failed_searches"]
    # nor does the "now found" check take "Roles and permissions" for its answer
    assert (group["loop"]["found"], group["answered_by"]) == (0, None)
    assert group["action"]["title"] == "How to contact us"
    assert group["action"]["text"].startswith("Write a short “How to contact us” article")


def test_an_article_about_reaching_support_still_answers_such_a_search(
    make_app: AppFactory, tmp_path: Path
) -> None:
    contact_us = IndexDoc(
        id="contact-us",
        title="How to contact us",
        url="help/contact-us/",
        category="Help",
        category_slug="help",
        summary="Reach our support team by email or phone.",
        body="Email support at help@example.com or call us on 555 0100, weekdays 9 to 5.",
        source="help/contact-us.md",
    )
    root = write_build(tmp_path / "build", extra=[contact_us])
    app = make_app(BUILD_DIR=str(root))
    body = app.test_client().get("/api/search?q=how+do+i+contact+support").get_json()
    assert body["results"][0]["id"] == "contact-us"
    # the form first, and the article that says how is an answer (a gap when it is not there)
    assert (body["contact"], body["answered"]) == (True, True)
    [logged] = rows(app, "searches")
    assert (logged["contact"], logged["answered"]) == (True, False)  # the third outcome


def _closed(tmp_path: Path) -> Path:
    """The example's site_config.yml with its contact form turned off."""
    text = (ROOT / "site_config.yml").read_text(encoding="utf-8")
    closed = tmp_path / "site_config.yml"
    closed.write_text(text.replace("contact:\n  enabled: true", "contact:\n  enabled: false"))
    return closed


def _gaps(
    app: Flask,
    build: Path,
    fmt: str,
    output: Path | None = None,
    config: Path = ROOT / "site_config.yml",
) -> str:
    """``kb gaps`` as a real process on the app's store; what it wrote to ``output`` or
    printed."""
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "kb_cli",
            "gaps",
            "--config",
            str(config),
            "--build-dir",
            str(build),
            "--content",
            str(ROOT / "content"),
            "--format",
            fmt,
            *(["--output", str(output)] if output else []),
        ],
        env={
            "KB_DATABASE_URL": app.config["DATABASE_URL"],
            "PYTHONPATH": str(ROOT),
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    return output.read_text(encoding="utf-8") if output else res.stdout


def test_kb_gaps_counts_visitors_who_asked_for_a_person_and_advises_no_article(
    example_app: Flask, example_build: tuple[Path, BuildReport], tmp_path: Path
) -> None:
    client = example_app.test_client()
    for ua, q in [
        ("a", "talk to a human"),
        ("b", "talk to a human"),
        ("c", "Phone number"),
        ("d", "pay with bitcoin"),
        ("e", "pay with bitcoin"),
    ]:
        client.get("/api/search", query_string={"q": q}, headers={"User-Agent": ua})
    # a request after "talk to a human" is no escalation "after a search that found nothing"
    sent = client.post(
        "/api/contact",
        json={
            "name": "Ana",
            "email": "a@example.com",
            "topic": "Billing and invoices",
            "subject": "a person please",
            "message": "Call me.",
            "elapsed_ms": 60_000,
            "context": {
                "searches": [{"q": "talk to a human", "hits": 1, "answered": False}],
                "viewed": ["refunds"],
            },
        },
        headers={"User-Agent": "a"},
    )
    assert sent.status_code == 201, sent.get_json()
    build = example_build[0]
    report = json.loads(_gaps(example_app, build, "json"))
    assert report["totals"]["asked_for_person"] == 3
    assert report["totals"]["failed_searches"] == 2  # bitcoin only
    assert report["asked_for_person"] == {
        "searches": 3,
        "visitors": 3,
        "queries": [["talk to a human", 2], ["phone number", 1]],
    }
    titles = [g["action"]["title"] for g in report["failed_searches"]]
    assert titles and not any("human" in (t or "").lower() for t in titles), titles
    assert report["escalations"] == []
    line = (
        "Asked for a person: 3 searches by 3 visitors, offered the contact form (not gaps); "
        "most asked: “talk to a human” (2), “phone number” (1)"
    )
    assert f"- {line}" in _gaps(example_app, build, "md")
    assert line in " ".join(_gaps(example_app, build, "text").split())  # rich wraps lines
    assert html.escape(line, quote=False) in _gaps(
        example_app, build, "html", tmp_path / "gaps.html"
    )
    [person] = [
        r
        for r in csv.DictReader(io.StringIO(_gaps(example_app, build, "csv")))
        if r["section"] == "asked_for_person"
    ]
    assert (person["searches"], person["visitors"], person["queries"]) == (
        "3",
        "3",
        "talk to a human; phone number",
    )


def test_the_person_line_counts_in_words() -> None:
    """One search by one visitor is not "1 searches by 1 visitors"; the store's five most
    asked are all named."""
    from types import SimpleNamespace

    from kb_reports.gaps.sections import person_line
    from kb_store.reports import PersonRow

    one = SimpleNamespace(asked_for_person=PersonRow(1, 1, [("phone number", 1)]))
    assert person_line(one) == (  # type: ignore[arg-type]
        "Asked for a person: 1 search by 1 visitor, offered the contact form (not gaps); "
        "most asked: “phone number” (1)"
    )
    asked = [(f"q{i}", 5 - i) for i in range(5)]
    many = SimpleNamespace(asked_for_person=PersonRow(15, 4, asked))
    assert person_line(many).endswith("“q3” (2), “q4” (1)")  # type: ignore[arg-type]


def test_searches_logged_before_the_contact_flag_are_read_with_todays_rule(
    make_app: AppFactory, example_build: tuple[Path, BuildReport], tmp_path: Path
) -> None:
    """A store that logged "talk to a human" as an unanswered search (version 7, before the
    ``contact`` flag) gets no "How to contact us" advice for it once the form is there: kb
    gaps reads those rows as asking for a person. Other old failures stay gaps."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = Store(url)
    assert old.migrate(target=7) == 7
    with old.engine.begin() as conn:
        for visitor, (query, hits, answered) in enumerate(
            [
                ("talk to a human", 3, False),
                ("talk to a human", 3, False),
                ("contact support", 4, True),  # answered by *Roles and permissions*, then
                ("pay with bitcoin", 0, False),
                ("pay with bitcoin", 0, False),
            ]
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO searches (ts, query, raw_query, hits, visitor, answered) "
                    "VALUES (:ts, :q, :q, :hits, :v, :answered)"
                ),
                {
                    "ts": utcnow(),
                    "q": query,
                    "hits": hits,
                    "v": f"v{visitor}",
                    "answered": answered,
                },
            )
    old.close()
    app = make_app(BUILD_DIR=str(example_build[0]), DATABASE_URL=url)  # migrates to LATEST
    report = json.loads(_gaps(app, example_build[0], "json"))
    assert report["asked_for_person"] == {
        "searches": 3,
        "visitors": 3,
        "queries": [["talk to a human", 2], ["contact support", 1]],
    }
    assert report["totals"]["failed_searches"] == 2
    assert [g["label"] for g in report["failed_searches"]] == ["pay with bitcoin"]
    titles = [g["action"]["title"] for g in report["failed_searches"]]
    assert "How to contact us" not in titles, titles

    # without a form, the same old rows are the gap to fill: how to reach a person
    report = json.loads(_gaps(app, example_build[0], "json", config=_closed(tmp_path)))
    assert report["asked_for_person"]["searches"] == 0
    actions = {g["label"]: g["action"]["title"] for g in report["failed_searches"]}
    assert actions["talk to a human"] == "How to contact us"
