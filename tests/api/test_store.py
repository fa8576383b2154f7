"""The store on a real SQLite file and a real PostgreSQL server (each test runs on both)."""

from __future__ import annotations

import os
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from kb_store.migrations import LATEST
from kb_store.store import FAILED, PENDING, SENDING, SENT, Store, utcnow
from tests.api.conftest import rows

LEASE = timedelta(minutes=5)


def _contact(store: Store, reference: str = "KB-AAAAAA", channels: tuple[str, ...] = ("smtp",)):
    return store.create_contact(
        reference=reference,
        visitor="v1",
        fields={"name": "Ann", "email": "ann@example.com", "topic": "Billing", "subject": "Hi"},
        context={"searches": [{"q": "refund", "hits": 0}], "viewed": []},
        channels=list(channels),
    )


def test_migrate_is_idempotent_and_versioned(store: Store) -> None:
    assert store.schema_version() == LATEST
    assert store.migrate() == LATEST
    with store.engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT version FROM schema_version ORDER BY 1")).all()
    assert [v for (v,) in versions] == list(range(1, LATEST + 1))


def test_upgrade_from_version_1_keeps_rows(db_url: str) -> None:
    old = Store(db_url)
    assert old.migrate(target=1) == 1
    with old.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO searches (ts, query, raw_query, hits, category, visitor) "
                "VALUES (:ts, 'refund', 'Refund?', 0, NULL, 'v1')"
            ),
            {"ts": utcnow()},
        )
        conn.execute(
            sa.text(
                "INSERT INTO ratings (created_at, updated_at, article_id, revision, value, scale, "
                "reason, visitor) VALUES (:ts, :ts, 'refunds', 'r1', 1, 'binary', NULL, 'v1')"
            ),
            {"ts": utcnow()},
        )
    old.close()

    new = Store(db_url)
    assert new.schema_version() == 1
    assert new.migrate() == LATEST
    searched = rows(new, "searches")
    assert [(r["query"], r["raw_query"], r["hits"], bool(r["corrected"])) for r in searched] == [
        ("refund", "Refund?", 0, False)
    ]
    assert [r["article_id"] for r in rows(new, "ratings")] == ["refunds"]
    new.log_view(article_id="refunds", src="agent", visitor="v2")  # the table v2 added
    assert [r["src"] for r in rows(new, "article_views")] == ["agent"]
    new.close()


def test_newer_schema_is_refused(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO schema_version VALUES (:v, :ts, 'from the future')"),
            {"v": LATEST + 1, "ts": utcnow()},
        )
    with pytest.raises(Exception, match="newer than this kb-portal knows"):
        store.migrate()


def test_daily_salt_is_shared_and_old_salts_are_forgotten(store: Store, db_url: str) -> None:
    other = Store(db_url)
    day = date(2030, 1, 10)
    assert store.daily_salt(day) == other.daily_salt(day)
    assert store.daily_salt(day + timedelta(days=1)) != store.daily_salt(day)
    store.daily_salt(day + timedelta(days=5))
    assert {r["day"] for r in rows_by_day(store)} == {"2030-01-15"}
    other.close()


def rows_by_day(store: Store) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text("SELECT day FROM visitor_salts"))]


def test_one_vote_per_visitor_and_revision(store: Store) -> None:
    kw = {"article_id": "refunds", "scale": "binary", "reason": None}
    assert store.save_rating(revision="r1", value=1, visitor="v1", **kw) is True
    assert (
        store.save_rating(revision="r1", value=0, visitor="v1", **kw | {"reason": "old"}) is False
    )
    assert store.save_rating(revision="r2", value=1, visitor="v1", **kw) is True
    assert store.save_rating(revision="r1", value=1, visitor="v2", **kw) is True
    votes = {
        (r["revision"], r["visitor"]): (r["value"], r["reason"]) for r in rows(store, "ratings")
    }
    assert votes == {("r1", "v1"): (0, "old"), ("r2", "v1"): (1, None), ("r1", "v2"): (1, None)}


def test_contact_and_outbox_rows_commit_together(store: Store) -> None:
    request = _contact(store, channels=("smtp", "webhook"))
    assert store.get_contact(request.id) == request
    assert [(d.channel, d.status, d.attempts) for d in store.deliveries()] == [
        ("smtp", PENDING, 0),
        ("webhook", PENDING, 0),
    ]
    with pytest.raises(Exception, match="KB-AAAAAA"):  # same reference: nothing half-written
        _contact(store, channels=("smtp", "webhook"))
    assert len(rows(store, "contact_requests")) == 1
    assert len(rows(store, "outbox")) == 2


def test_each_due_delivery_is_claimed_by_exactly_one_worker(store: Store, db_url: str) -> None:
    for i in range(12):
        _contact(store, reference=f"KB-{i:06d}", channels=("smtp", "webhook"))
    stores = [Store(db_url) for _ in range(4)]
    claimed: list[list[int]] = [[] for _ in stores]
    barrier = threading.Barrier(len(stores))

    def work(i: int) -> None:
        barrier.wait()
        while batch := stores[i].claim_due(f"w{i}", limit=5, lease=LEASE):
            claimed[i] += [d.id for d in batch]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [d for c in claimed for d in c]
    assert sorted(every) == sorted(r["id"] for r in rows(store, "outbox"))  # all, once each
    assert {d.status for d in store.deliveries()} == {SENDING}
    for s in stores:
        s.close()


def test_finish_backoff_lease_expiry_and_retry(store: Store) -> None:
    _contact(store)
    [d] = store.claim_due("w1", lease=LEASE)
    assert d.attempts == 1 and d.status == SENDING
    assert store.claim_due("w2", lease=LEASE) == []  # leased to w1
    later = utcnow() + timedelta(minutes=1)
    assert store.finish_delivery(d, error="down", retry_at=later) is True
    assert store.claim_due("w2", lease=LEASE) == []  # waiting for its backoff
    [again] = store.claim_due("w2", lease=LEASE, now=later + timedelta(seconds=1))
    assert again.attempts == 2
    # w2 "dies": after the lease, w3 takes the row over and w2's late answer is ignored
    [taken] = store.claim_due("w3", lease=LEASE, now=utcnow() + LEASE + timedelta(minutes=2))
    assert store.finish_delivery(again) is False
    assert store.finish_delivery(taken, error="rejected") is True
    [failed] = store.deliveries()
    assert (failed.status, failed.last_error, failed.attempts) == (FAILED, "rejected", 3)
    summary = store.outbox_summary()
    assert (summary["failed"], summary["pending"]) == (1, 0)
    assert store.retry_deliveries() == 1
    [retried] = store.claim_due("w4", lease=LEASE)
    assert store.finish_delivery(retried) is True
    assert store.deliveries() == []
    assert [d.status for d in store.deliveries([SENT])] == [SENT]
    assert store.outbox_summary()["sent"] == 1


def test_event_logs(store: Store) -> None:
    store.log_search(
        query="refund", raw_query="Refund!", hits=2, category=None, corrected=True, visitor="v"
    )
    store.log_click(query="refund", article_id="refunds", position=0, visitor="v")
    store.log_view(article_id="refunds", src="web", visitor="v")
    [search] = rows(store, "searches")
    assert (search["query"], search["raw_query"], search["hits"], bool(search["corrected"])) == (
        "refund",
        "Refund!",
        2,
        True,
    )
    assert [(r["article_id"], r["position"]) for r in rows(store, "clicks")] == [("refunds", 0)]
    assert [r["src"] for r in rows(store, "article_views")] == ["web"]


def test_a_forked_worker_opens_its_own_connections(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    store.migrate()
    store.log_view(article_id="refunds", src="web", visitor="parent")
    assert store.engine.pool.checkedin() >= 1  # type: ignore[attr-defined]
    read, write = os.pipe()
    pid = os.fork()  # what gunicorn --preload does after create_app
    if pid == 0:  # pragma: no cover (the child reports through the pipe)
        fresh = store.engine.pool.checkedin() == 0  # type: ignore[attr-defined]
        store.log_view(article_id="refunds", src="web", visitor="child")
        os.write(write, b"1" if fresh else b"0")
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
    assert [r["visitor"] for r in rows(store, "article_views")] == ["parent", "child"]
    store.close()


def test_stored_only_counts_every_request_never_queued(store: Store) -> None:
    """`kb outbox` said "1 contact request(s) stored" above two: the count had no table to
    count in, so it was 1 whenever any such request existed. Requests queued for a channel
    are not counted; each stored one carries the portal's language."""
    _contact(store, "KB-QUEUED")
    for reference in ("KB-AAAAA1", "KB-AAAAA2", "KB-AAAAA3"):
        _contact(store, reference, channels=())
    store.create_contact(
        reference="KB-FRENCH",
        visitor="v2",
        fields={"email": "b@example.com", "subject": "Remboursement"},
        context={},
        channels=[],
        language="fr",
    )
    total, newest = store.stored_only(limit=2)
    assert total == 4
    assert [r["reference"] for r in newest] == ["KB-FRENCH", "KB-AAAAA3"]
    assert newest[0]["language"] == "fr" and newest[1]["language"] is None
