"""Durability: SIGKILL the whole gunicorn server at random moments under concurrent writes.

Every contact request or rating that got a 2xx reply must be in the store exactly once, and
every stored contact request must reach the helpdesk webhook: each Idempotency-Key at least
once, and more than once only for a delivery a kill interrupted (the outbox is at-least-once
by design; the key lets the helpdesk drop the repeat). With SQLite and with PostgreSQL.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from feedback_api.outbox import Forwarder, Policy, deliver_due
from kb_core.config import load_config
from kb_store.store import SENDING, SENT, Store, utcnow
from kb_store.tables import contact_requests, outbox, ratings
from tests.api.servers import WebhookServer
from tests.proof.figures import record
from tests.proof.procs import GENEROUS, Gunicorn, http, proof_config, wait_until

pytestmark = pytest.mark.slow

KILLS = 4
CLIENTS = 6
MAX_REQUESTS = 4000  # bound per run, whatever the machine's speed
SETTINGS = {  # a quick outbox, so deliveries are in flight when the kills land
    "OUTBOX_POLL_SECONDS": 0.1,
    "OUTBOX_BACKOFF_BASE": 0.2,
    "OUTBOX_BACKOFF_MAX": 1.0,
    "OUTBOX_MAX_ATTEMPTS": 1000,
    "EVENTLOG_FLUSH_SECONDS": 0.2,
}


@dataclass
class Traffic:
    """Client threads sending contact requests and ratings, each with a unique token."""

    url: str
    articles: list[dict[str, Any]]
    topic: str
    contacts: dict[str, str] = field(default_factory=dict)  # token -> reference, 2xx only
    votes: set[str] = field(default_factory=set)  # tokens of ratings answered 2xx
    sent: int = 0
    refused: Counter[int] = field(default_factory=Counter)  # non-2xx replies by status
    cut: int = 0  # no reply at all (the server died under the request)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self, clients: int) -> None:
        for n in range(clients):
            thread = threading.Thread(target=self._run, args=(n,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def _next(self) -> int | None:
        with self._lock:
            if self.sent >= MAX_REQUESTS:
                return None
            self.sent += 1
            return self.sent

    def _run(self, client: int) -> None:
        rng = random.Random(client)
        while not self._stop.is_set():
            n = self._next()
            if n is None:
                return
            token = f"proof-{client}-{n}-{uuid.uuid4().hex[:8]}"
            if n % 2:
                body: dict[str, Any] = {
                    "name": "Durable Dora",
                    "email": "dora@example.com",
                    "topic": self.topic,
                    "subject": token,
                    "message": f"Please keep this: {token}",
                }
                path = "/api/contact"
            else:
                a = self.articles[rng.randrange(len(self.articles))]
                body = {"article_id": a["id"], "revision": a["revision"], "value": 0}
                body["reason"] = token
                path = "/api/ratings"
            try:
                # a new user agent per vote: a new visitor, so every vote is a new row
                reply = http("POST", self.url + path, body, headers={"User-Agent": token})
            except OSError:
                with self._lock:
                    self.cut += 1
                time.sleep(0.05)  # the server is restarting
                continue
            with self._lock:
                if reply.status in (200, 201):
                    if path == "/api/contact":
                        self.contacts[token] = reply.json()["reference"]
                    else:
                        self.votes.add(token)
                else:
                    self.refused[reply.status] += 1


@pytest.fixture
def webhook() -> Iterator[WebhookServer]:
    server = WebhookServer()  # its port is reserved; it starts answering only after kill 1
    yield server
    server.stop()


def test_acknowledged_writes_survive_sigkill_and_deliver_once(
    built: Path,
    manifest: dict[str, Any],
    db_url: str,
    webhook: WebhookServer,
    gunicorn: Callable[..., Gunicorn],
    tmp_path: Path,
) -> None:
    config_path = proof_config(
        tmp_path / "site_config.yml", api=GENEROUS, contact={"webhook_url": webhook.url}
    )
    config = load_config(config_path)[0]
    env = {
        "KB_BUILD_DIR": str(built),
        "KB_SITE_CONFIG": str(config_path),
        "KB_DATABASE_URL": db_url,
    }
    server = gunicorn(env, SETTINGS)
    seed = random.randrange(1 << 32)
    rng = random.Random(seed)
    traffic = Traffic(server.url, manifest["articles"], config.contact.topics[0])
    traffic.start(CLIENTS)
    kills = 0
    try:
        for kill in range(KILLS):
            time.sleep(rng.uniform(0.4, 1.6))
            server.kill()
            kills += 1
            time.sleep(rng.uniform(0.0, 0.3))
            if kill == 0:
                webhook.start()  # the helpdesk was down until now: those requests waited
            server.start()
        time.sleep(1.0)
    finally:
        traffic.stop()

    store = Store(db_url)
    try:
        # the restarted workers drain the outbox by themselves
        def undelivered() -> int:
            with store.engine.connect() as conn:
                return int(
                    conn.execute(
                        sa.select(sa.func.count()).where(outbox.c.status.not_in([SENT, SENDING]))
                    ).scalar_one()
                )

        assert wait_until(lambda: undelivered() == 0, 60), store.outbox_summary()
        server.stop()
        # A delivery claimed by a worker that was SIGKILLed stays 'sending' until its lease
        # runs out (5 minutes); deliver as any instance would then, with the server stopped.
        with store.engine.connect() as conn:
            stuck = int(
                conn.execute(
                    sa.select(sa.func.count()).where(outbox.c.status == SENDING)
                ).scalar_one()
            )
        policy = Policy(backoff_base=0.2, backoff_max=1.0, max_attempts=1000)
        later = utcnow() + policy.lease + timedelta(seconds=1)
        while deliver_due(store, Forwarder(config, timeout=5), policy, now=later):
            pass

        with store.engine.connect() as conn:
            stored = conn.execute(
                sa.select(contact_requests.c.subject, contact_requests.c.reference)
            ).all()
            reasons = conn.execute(sa.select(ratings.c.reason)).scalars().all()
            deliveries = conn.execute(sa.select(outbox.c.reference, outbox.c.status)).all()
    finally:
        store.close()

    by_subject = Counter(subject for subject, _ in stored)
    reference_of = {subject: reference for subject, reference in stored}
    lost = [t for t in traffic.contacts if by_subject[t] == 0]
    assert not lost, f"acknowledged contact requests missing from the store: {lost[:5]}"
    assert not [t for t, r in traffic.contacts.items() if reference_of[t] != r]
    assert not [s for s, n in by_subject.items() if n > 1], "a contact request stored twice"
    by_reason = Counter(reasons)
    assert not [t for t in traffic.votes if by_reason[t] == 0], "acknowledged ratings lost"
    assert not [r for r, n in by_reason.items() if n > 1], "a rating stored twice"

    references = {reference for _, reference in stored}
    assert Counter(r for r, _ in deliveries) == Counter(references)  # one outbox row each
    assert {status for _, status in deliveries} <= {SENT}
    keys = [r.headers["Idempotency-Key"] for r in webhook.received]
    assert all(r.body["reference"] == r.headers["Idempotency-Key"] for r in webhook.received)
    assert set(keys) == references, "a stored request never reached the helpdesk"
    repeats = len(keys) - len(set(keys))
    assert repeats <= stuck, "a delivery was repeated without a kill interrupting it"

    assert not [s for s in traffic.refused if s >= 500 and s != 503], traffic.refused
    assert "unhandled error" not in server.log_text()
    if db_url.startswith("sqlite"):
        database = make_url(db_url).database
        with sqlite3.connect(str(database)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    dialect = make_url(db_url).get_backend_name()
    record(
        f"durability[{dialect}]",
        {
            "seed": seed,
            "kills_survived": kills,
            "requests_sent": traffic.sent,
            "contact_acknowledged": len(traffic.contacts),
            "ratings_acknowledged": len(traffic.votes),
            "acknowledged_and_held": len(traffic.contacts) + len(traffic.votes),
            "cut_by_a_kill": traffic.cut,
            "stored_without_reply": len(references) - len(traffic.contacts),
            "webhook_deliveries": len(keys),
            "distinct_keys": len(set(keys)),
            "redelivered_after_kill": repeats,
            "orphaned_by_kill": stuck,
        },
    )
