"""The outbox delivers contact requests to a real SMTP server and a real webhook server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from feedback_api.outbox import Policy, deliver_due
from kb_store.store import utcnow
from tests.api.conftest import GENEROUS, AppFactory, rows, site_config
from tests.api.servers import SmtpServer, WebhookServer, free_port, wait_for

FORM = {
    "name": "Ann Example",
    "email": "ann@example.com",
    "topic": "Billing",
    "subject": "Refund for my annual plan",
    "message": "Can I get my money back?",
    "context": {
        "searches": [
            {"q": "refund annual", "hits": 0},
            {"q": "refund bitcoin", "hits": 4, "answered": False},  # "No exact match"
        ],
        "viewed": ["refunds"],
    },
}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def webhook() -> Iterator[WebhookServer]:
    server = WebhookServer().start()
    yield server
    server.stop()


def forwarding(smtp_port: int | None = None, webhook_url: str = "") -> dict[str, Any]:
    contact: dict[str, Any] = {"webhook_url": webhook_url}
    if smtp_port:
        contact["smtp"] = {"host": "127.0.0.1", "port": smtp_port, "to": "support@example.com"}
    return contact


def submit(app: Flask, **extra: Any) -> str:
    response = app.test_client().post("/api/contact", json=FORM | extra)
    assert response.status_code == 201, response.get_json()
    reference: str = response.get_json()["reference"]
    return reference


def deliver(app: Flask, **kw: Any) -> list[Any]:
    s = app.extensions["kb"]
    return deliver_due(s.store, s.forwarder, s.policy, **kw)


def test_delivers_by_email_and_webhook(
    make_app: AppFactory, smtp: SmtpServer, webhook: WebhookServer
) -> None:
    app = make_app(site_config(api=GENEROUS, contact=forwarding(smtp.port, webhook.url)))
    reference = submit(app)
    outcomes = deliver(app)
    assert sorted((o.delivery.channel, o.ok) for o in outcomes) == [
        ("smtp", True),
        ("webhook", True),
    ]
    [mail] = smtp.messages
    assert mail["Subject"] == f"[{reference}] Refund for my annual plan"
    assert mail["Reply-To"] == "ann@example.com" and mail["To"] == "support@example.com"
    assert mail["Message-ID"] == f"<{reference}@localhost>"
    text = mail.get_payload()
    assert "Can I get my money back?" in text
    assert "refund annual (0 results)" in text
    assert "refund bitcoin (4 results, no exact match)" in text
    assert "Request a refund: http://127.0.0.1:8000/billing/refunds/" in text
    [hook] = webhook.received
    assert hook.headers["Idempotency-Key"] == reference
    assert hook.headers["Content-Type"] == "application/json"
    assert hook.body["reference"] == reference
    assert hook.body["fields"]["email"] == "ann@example.com"
    assert hook.body["context"]["searches"] == FORM["context"]["searches"]
    assert {r["status"] for r in rows(app, "outbox")} == {"sent"}
    assert deliver(app) == []  # nothing is sent twice


@pytest.mark.parametrize("channel", ["smtp", "webhook"])
def test_retry_after_the_target_was_down(make_app: AppFactory, channel: str) -> None:
    port = free_port()  # nothing listens there yet
    contact = (
        forwarding(smtp_port=port)
        if channel == "smtp"
        else forwarding(webhook_url=f"http://127.0.0.1:{port}/hook")
    )
    app = make_app(site_config(api=GENEROUS, contact=contact))
    reference = submit(app)
    [failed] = deliver(app)
    assert not failed.ok and failed.retry_at is not None
    assert failed.retry_at - utcnow() > timedelta(seconds=20)  # backoff, base 30 s
    [row] = rows(app, "outbox")
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert "refused" in row["last_error"].lower() or "unreachable" in row["last_error"]
    assert deliver(app) == []  # not due yet

    server = SmtpServer(port) if channel == "smtp" else WebhookServer(port=port)
    server.start()
    try:
        [sent] = deliver(app, now=failed.retry_at + timedelta(seconds=1))
        assert sent.ok
        received = server.messages if isinstance(server, SmtpServer) else server.received
        assert len(received) == 1
    finally:
        server.stop()
    [row] = rows(app, "outbox")
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 2, None)
    assert row["reference"] == reference


def test_permanent_rejection_fails_at_once_and_retry_sends_it(
    make_app: AppFactory, webhook: WebhookServer
) -> None:
    webhook.status = 422
    app = make_app(site_config(api=GENEROUS, contact=forwarding(webhook_url=webhook.url)))
    submit(app)
    [outcome] = deliver(app)
    assert (outcome.ok, outcome.retry_at, outcome.error) == (
        False,
        None,
        "webhook answered HTTP 422",
    )
    assert rows(app, "outbox")[0]["status"] == "failed"
    webhook.status = 200
    assert app.extensions["kb"].store.retry_deliveries() == 1
    [outcome] = deliver(app)
    assert outcome.ok and len(webhook.received) == 2


def test_gives_up_after_max_attempts(make_app: AppFactory, webhook: WebhookServer) -> None:
    webhook.status = 503
    app = make_app(
        site_config(api=GENEROUS, contact=forwarding(webhook_url=webhook.url)),
        OUTBOX_MAX_ATTEMPTS=2,
    )
    submit(app)
    [first] = deliver(app)
    assert first.retry_at is not None
    [second] = deliver(app, now=first.retry_at + timedelta(seconds=1))
    assert second.retry_at is None
    [row] = rows(app, "outbox")
    assert (row["status"], row["attempts"], row["last_error"]) == (
        "failed",
        2,
        "webhook answered HTTP 503",
    )
    assert app.test_client().get("/api/health").get_json()["outbox"]["warnings"] == [
        "1 deliveries failed; run `kb outbox --retry`"
    ]


def test_background_worker_delivers_and_a_restart_sends_nothing_twice(
    make_app: AppFactory, smtp: SmtpServer, webhook: WebhookServer
) -> None:
    config = site_config(api=GENEROUS, contact=forwarding(smtp.port, webhook.url))
    first = make_app(config, OUTBOX_WORKER=True, OUTBOX_POLL_SECONDS=0.05)
    assert first.test_client().get("/api/health").get_json()["outbox"]["worker"] == "running"
    references = [submit(first) for _ in range(3)]
    assert wait_for(lambda: len(webhook.received) == 3 and len(smtp.messages) == 3)
    assert wait_for(lambda: {r["status"] for r in rows(first, "outbox")} == {"sent"})
    first.extensions["kb"].worker.stop()

    second = make_app(config, OUTBOX_WORKER=True, OUTBOX_POLL_SECONDS=0.05)  # "after a restart"
    reference = submit(second)
    assert wait_for(lambda: len(webhook.received) == 4 and len(smtp.messages) == 4)
    assert deliver(second) == []
    keys = [r.headers["Idempotency-Key"] for r in webhook.received]
    assert sorted(keys) == sorted([*references, reference])
    assert sorted(m["X-KB-Reference"] for m in smtp.messages) == sorted(keys)


def test_concurrent_instances_deliver_each_request_once(
    make_app: AppFactory, db_url: str, webhook: WebhookServer
) -> None:
    config = site_config(api=GENEROUS, contact=forwarding(webhook_url=webhook.url))
    apps = [make_app(config, DATABASE_URL=db_url) for _ in range(3)]
    references = [submit(apps[i % 3]) for i in range(15)]
    start = threading.Barrier(len(apps))

    def run(app: Flask) -> None:
        start.wait()
        while deliver(app, limit=2):
            pass

    threads = [threading.Thread(target=run, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    keys = [r.headers["Idempotency-Key"] for r in webhook.received]
    assert sorted(keys) == sorted(references)  # every request once, none twice
    assert {r["status"] for r in rows(apps[0], "outbox")} == {"sent"}


def test_backoff_grows_exponentially_with_a_cap() -> None:
    policy = Policy(backoff_base=10, backoff_max=100, max_attempts=6)
    now = utcnow()
    delays = [(policy.retry_at(n, now) - now).total_seconds() for n in range(1, 6)]  # type: ignore[operator]
    for delay, expected in zip(delays, [10, 20, 40, 80, 100], strict=True):
        assert expected <= delay <= expected * 1.25
    assert policy.retry_at(6, now) is None
