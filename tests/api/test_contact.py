"""Contact requests: validation, honeypot and minimum fill time, durable storage."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback_api.contact import support_online
from kb_core.config import SupportHours
from tests.api.conftest import GENEROUS, AppFactory, rows, site_config

FORM: dict[str, Any] = {
    "name": "Ann Example",
    "email": "ann@example.com",
    "topic": "Billing",
    "subject": "Refund for my annual plan",
    "message": "I bought the annual plan by mistake.\nCan I get my money back?",
}
FORWARDING = {
    "webhook_url": "http://127.0.0.1:9/hook",
    "smtp": {"host": "127.0.0.1", "to": "s@x.io"},
}


def test_request_is_stored_with_its_outbox_rows_before_the_reply(make_app: AppFactory) -> None:
    app = make_app(site_config(api=GENEROUS, contact=FORWARDING))
    body = FORM | {
        "context": {"searches": [{"q": "refund annual", "hits": 0}], "viewed": ["refunds", "gone"]},
        "website": "",
        "elapsed_ms": 45_000,
    }
    response = app.test_client().post("/api/contact", json=body)
    assert response.status_code == 201
    answer = response.get_json()
    assert re.fullmatch(r"KB-[2-9A-HJ-NP-Z]{6}", answer["reference"])
    assert answer["reference"] not in answer["message"]  # the portal shows it on its own line
    [stored] = rows(app, "contact_requests")
    assert stored["reference"] == answer["reference"]
    assert stored["fields"] == FORM
    assert stored["context"]["searches"] == [{"q": "refund annual", "hits": 0}]
    assert stored["context"]["viewed"] == ["refunds", "gone"]
    assert stored["context"]["viewed_articles"] == [
        {"id": "refunds", "title": "Request a refund", "url": "/billing/refunds/"}
    ]
    outbox = rows(app, "outbox")
    assert sorted(r["channel"] for r in outbox) == ["smtp", "webhook"]
    assert {r["status"] for r in outbox} == {"pending"}


def test_a_search_without_a_confident_answer_is_kept_as_unanswered(make_app: AppFactory) -> None:
    # the portal's "No exact match": kb gaps counts it as finding nothing, support is told so
    app = make_app(site_config(api=GENEROUS, contact=FORWARDING))
    searched = [{"q": "refund bitcoin", "hits": 2, "answered": False}, {"q": "refund", "hits": 1}]
    body = FORM | {"context": {"searches": searched}, "elapsed_ms": 45_000}
    response = app.test_client().post("/api/contact", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    [stored] = rows(app, "contact_requests")
    assert stored["context"]["searches"] == searched


def test_plain_api_client_without_form_only_fields_is_accepted(
    app: Flask, client: FlaskClient
) -> None:
    assert client.post("/api/contact", json=FORM).status_code == 201
    assert len(rows(app, "contact_requests")) == 1


@pytest.mark.parametrize(
    "extra",
    [
        {"website": "http://spam.example", "elapsed_ms": 60_000},  # honeypot filled
        {"website": "", "elapsed_ms": 900},  # faster than min_fill_seconds (3 s)
        {"elapsed_ms": 0},
    ],
)
def test_honeypot_and_minimum_fill_time_refuse(
    app: Flask, client: FlaskClient, extra: dict[str, Any]
) -> None:
    response = client.post("/api/contact", json=FORM | extra)
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("The request was refused because it looks")
    assert rows(app, "contact_requests") == []


@pytest.mark.parametrize(
    ("change", "field", "error"),
    [
        ({"email": "not-an-email"}, "email", "Invalid email: is not a valid email address."),
        ({"email": "a@b"}, "email", "Invalid email: is not a valid email address."),
        ({"name": "   "}, "name", "Invalid name: must not be blank."),
        (
            {"topic": "Free pizza"},
            "topic",
            "Invalid topic: input should be 'Account', 'Billing', 'Technical problem' or 'Other'.",
        ),
        (
            {"subject": "x" * 201},
            "subject",
            "Invalid subject: string should have at most 200 characters.",
        ),
        ({"subject": "two\nlines"}, "subject", "Invalid subject: must be a single line of text."),
        ({"message": 42}, "message", "Invalid message: input should be a valid string."),
        ({"message": None}, "message", "Invalid message: input should be a valid string."),
        ({"phone": "123"}, "phone", "Invalid phone: is not an accepted field."),
        (
            {"context": {"searches": [{"q": "x"}]}},
            "context.searches.0.hits",
            "Invalid context.searches.0.hits: is required.",
        ),
        (
            {"context": {"searches": [{"q": "x", "hits": 3, "answered": "no"}]}},
            "context.searches.0.answered",
            "Invalid context.searches.0.answered: input should be a valid boolean.",
        ),
        (
            {"context": {"viewed": "refunds"}},
            "context.viewed",
            "Invalid context.viewed: input should be a valid list.",
        ),
        (
            {"elapsed_ms": "5000"},
            "elapsed_ms",
            "Invalid elapsed_ms: input should be a valid integer.",
        ),
    ],
)
def test_validation_names_the_field(
    app: Flask, client: FlaskClient, change: dict[str, Any], field: str, error: str
) -> None:
    response = client.post("/api/contact", json=FORM | change)
    assert response.status_code == 400
    body = response.get_json()
    assert (body["error"], body["field"], body["status"]) == (error, field, 400)
    assert rows(app, "contact_requests") == []


def test_missing_fields_are_all_listed(client: FlaskClient) -> None:
    body = client.post("/api/contact", json={"name": "Ann"}).get_json()
    assert body["error"] == "Invalid email: is required (and 3 more)."
    assert [d["field"] for d in body["details"]] == ["email", "topic", "subject", "message"]


def test_configured_fields_replace_the_defaults(make_app: AppFactory) -> None:
    contact = {
        "fields": [
            {"name": "email", "label": "Email", "type": "email"},
            {"name": "order", "label": "Order number", "required": False, "max_length": 12},
            {"name": "message", "label": "Message", "type": "textarea", "max_length": 50},
        ]
    }
    app = make_app(site_config(api=GENEROUS, contact=contact))
    client = app.test_client()
    ok = client.post("/api/contact", json={"email": "a@example.org", "message": "Hello"})
    assert ok.status_code == 201
    assert rows(app, "contact_requests")[0]["fields"] == {
        "email": "a@example.org",
        "order": "",
        "message": "Hello",
    }
    too_long = client.post("/api/contact", json={"email": "a@example.org", "message": "x" * 51})
    assert too_long.get_json()["field"] == "message"
    refused = client.post("/api/contact", json=FORM | {"message": "Hi"}).get_json()
    assert refused["error"] == "Invalid name: is not an accepted field (and 2 more)."
    assert [d["field"] for d in refused["details"]] == ["name", "topic", "subject"]


def test_disabled_contact_is_404(make_app: AppFactory) -> None:
    app = make_app(site_config(api=GENEROUS, contact={"enabled": False}))
    response = app.test_client().post("/api/contact", json=FORM)
    assert response.status_code == 404
    assert response.get_json()["error"] == "Contact requests are not accepted here."


def test_form_description_for_the_portal(make_app: AppFactory) -> None:
    app = make_app(
        site_config(api=GENEROUS, contact={"incident": "Sign-in is slow", "mailto": "h@x.io"})
    )
    body = app.test_client().get("/api/contact").get_json()
    assert [f["name"] for f in body["fields"]] == ["name", "email", "topic", "subject", "message"]
    assert body["topics"] == ["Account", "Billing", "Technical problem", "Other"]
    assert body["hours"] == {
        "timezone": "UTC",
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "open": "09:00",
        "close": "17:00",
    }
    assert isinstance(body["online"], bool)
    assert (body["incident"], body["mailto"], body["min_fill_seconds"]) == (
        "Sign-in is slow",
        "h@x.io",
        3.0,
    )


@pytest.mark.parametrize(
    ("when", "online"),
    [
        ("2025-03-03 09:00", True),  # Monday, opening time
        ("2025-03-03 16:59", True),
        ("2025-03-03 17:00", False),  # closing time
        ("2025-03-08 12:00", False),  # Saturday
    ],
)
def test_support_hours_in_the_team_time_zone(when: str, online: bool) -> None:
    hours = SupportHours(timezone="Europe/Dublin")
    local = datetime.fromisoformat(when).replace(tzinfo=ZoneInfo("Europe/Dublin"))
    assert support_online(hours, local.astimezone(ZoneInfo("Asia/Tokyo"))) is online
