"""Search confidence ("unanswered"), the full ranking as-you-type, and the contact form's
deflection trail, on the shipped example KB through the real app; `kb gaps` reads the trail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb_builder.build import BuildReport
from tests.api.conftest import AppFactory, rows

ROOT = Path(__file__).resolve().parents[2]
KB = Path(sys.executable).with_name("kb")


@pytest.fixture
def example_app(make_app: AppFactory, example_build: tuple[Path, BuildReport]) -> Flask:
    return make_app(BUILD_DIR=str(example_build[0]), SITE_CONFIG=str(ROOT / "site_config.yml"))


@pytest.mark.parametrize(
    ("query", "answered", "top", "lang"),
    [
        ("refund", True, "refunds", None),
        ("refnd", True, "refunds", None),
        ("invoice", True, "invoices", None),
        ("Change the email on my account", True, "change-email", None),
        ("pay with bitcoin", False, None, None),
        ("zapier", False, None, None),
        ("are you hiring", False, None, None),
        # matched only by the product's name (meaning: "What is Tandem?") and one common word
        ("connect tandem to slack", False, None, None),
        # the French portal searches by words only: one common word of two or three
        ("mode sombre", False, None, "fr"),
        ("application apple watch", False, None, "fr"),
        ("remboursement", True, "refunds", "fr"),
    ],
)
def test_search_says_whether_it_answered_and_logs_it(
    example_app: Flask, query: str, answered: bool, top: str | None, lang: str | None
) -> None:
    asked = {"q": query} if lang is None else {"q": query, "lang": lang}
    body = example_app.test_client().get("/api/search", query_string=asked).get_json()
    assert body["answered"] is answered
    assert 0.0 <= body["confidence"] <= 1.0
    if top:
        assert body["results"][0]["id"] == top
    [logged] = rows(example_app, "searches")
    assert logged["answered"] is answered


SUBJECTS = {
    "I was charged twice and want my money back": "refunds",
    "refund please": "refunds",
    "need an invoice copy": "invoices",
    "Change the email on my account": "change-email",
}


@pytest.mark.parametrize(("subject", "expected"), SUBJECTS.items())
def test_contact_subjects_get_the_search_ranking_with_summaries(
    example_app: Flask, subject: str, expected: str
) -> None:
    client = example_app.test_client()
    typed = client.get("/api/suggest", query_string={"q": subject, "limit": 3}).get_json()
    searched = client.get("/api/search", query_string={"q": subject, "limit": 3}).get_json()
    assert [s["id"] for s in typed["suggestions"]] == [r["id"] for r in searched["results"]]
    assert typed["suggestions"][0]["id"] == expected and typed["answered"]
    assert all(s["summary"] for s in typed["suggestions"])
    assert len(rows(example_app, "searches")) == 1  # the /api/search only


@pytest.mark.parametrize(("typed", "expected"), [("refu", "refunds"), ("passw", "reset-password")])
def test_suggest_completes_the_unfinished_last_word(
    example_app: Flask, typed: str, expected: str
) -> None:
    body = example_app.test_client().get("/api/suggest", query_string={"q": typed}).get_json()
    assert body["suggestions"][0]["id"] == expected
    assert rows(example_app, "searches") == []


def test_the_count_of_matches_is_not_capped_by_the_limit(example_app: Flask) -> None:
    """The header's list of 6 said "6 articles found" where the results page, listing 10,
    said 8: /api/suggest?limit=6 counted only the matches among the 6 it listed."""
    q = "my employees dont get shift notifications"
    client = example_app.test_client()
    searched = client.get("/api/search", query_string={"q": q, "limit": 10}).get_json()
    typed = client.get("/api/suggest", query_string={"q": q, "limit": 6}).get_json()
    assert searched["matches"] == 8 and len(searched["results"]) == 10
    assert typed["matches"] == searched["matches"]
    assert len(typed["suggestions"]) == 6  # the list is still limited
    one = client.get("/api/search", query_string={"q": q, "limit": 1}).get_json()
    assert one["matches"] == 8 and len(one["results"]) == 1


def _contact(client: FlaskClient, ua: str) -> None:
    body = {
        "name": "Ana",
        "email": "a@example.com",
        "topic": "Billing and invoices",
        "subject": "refund please",
        "message": "I was charged twice.",
        "elapsed_ms": 60_000,
    }
    response = client.post("/api/contact", json=body, headers={"User-Agent": ua})
    assert response.status_code == 201, response.get_json()


def test_deflection_trail_is_stored_without_personal_data_and_kb_gaps_counts_it(
    example_app: Flask, example_build: tuple[Path, BuildReport], tmp_path: Path
) -> None:
    client = example_app.test_client()

    def event(ua: str, **body: Any) -> int:
        return client.post("/api/events/contact", json=body, headers={"User-Agent": ua}).status_code

    # reader: starts the form, opens a suggestion, never sends (a deflection)
    assert event("reader", kind="started") == 204
    assert event("reader", kind="opened", id="refunds") == 204
    # sender: starts, opens a suggestion, then sends anyway
    assert event("sender", kind="started") == 204
    assert event("sender", kind="opened", id="invoices") == 204
    _contact(client, "sender")
    # writer: starts and sends without opening anything
    assert event("writer", kind="started") == 204
    _contact(client, "writer")
    assert event("reader", kind="opened", id="no-such-article") == 404
    assert event("reader", kind="opened") == 400
    assert event("reader", kind="closed") == 400
    trail = rows(example_app, "contact_events")
    assert [(r["kind"], r["article_id"]) for r in trail] == [
        ("started", None),
        ("opened", "refunds"),
        ("started", None),
        ("opened", "invoices"),
        ("sent", None),
        ("started", None),
        ("sent", None),
    ]
    assert all(len(r["visitor"]) == 16 for r in trail)
    assert len({r["visitor"] for r in trail}) == 3
    res = subprocess.run(
        [
            str(KB),
            "gaps",
            "--config",
            str(ROOT / "site_config.yml"),
            "--build-dir",
            str(example_build[0]),
            "--content",
            str(ROOT / "content"),
            "--format",
            "json",
        ],
        env={"KB_DATABASE_URL": example_app.config["DATABASE_URL"], "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    totals = json.loads(res.stdout)["totals"]
    assert (
        totals["contact_started"],
        totals["suggestions_opened"],
        totals["abandoned_after_reading"],
    ) == (3, 2, 1)
