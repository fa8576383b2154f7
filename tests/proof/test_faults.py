"""Faults: the database stops, the helpdesk is down, the index is broken, the disk fills up.

Each fault must give clients the JSON error shape (503), keep what was acknowledged, and heal
by itself once the fault is gone, without a restart and without a traceback per request.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback_api import create_app, shutdown
from kb_store.store import SENT
from kb_store.tables import contact_requests, outbox, searches
from tests.api.servers import SmtpServer, WebhookServer, free_port
from tests.proof.figures import record
from tests.proof.procs import (
    GENEROUS,
    Gunicorn,
    PrivatePostgres,
    Reply,
    first_vote,
    http,
    proof_config,
    server_env,
    wait_until,
)

FORM = {
    "name": "Fay Fault",
    "email": "fay@example.com",
    "topic": "Something else",
    "subject": "It broke",
    "message": "Please help.",
}


def assert_error_shape(reply: Reply, status: int) -> None:
    assert reply.status == status, reply.body[:300]
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert body["status"] == status and isinstance(body["error"], str) and body["error"]
    assert b"Traceback" not in reply.body


def count(url: str, query: Any) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(query).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.slow
def test_postgres_stopped_mid_run_is_503_and_heals(
    built: Path,
    manifest: dict[str, Any],
    private_pg: PrivatePostgres,
    gunicorn: Callable[..., Gunicorn],
    tmp_path: Path,
) -> None:
    config = proof_config(tmp_path / "site_config.yml", api=GENEROUS)
    env = server_env(built, config, private_pg.url)
    server = gunicorn(env)
    vote = first_vote(manifest)

    # fresh workers that never reached the database (no visitor salt yet) still answer searches
    private_pg.stop("fast")
    for n in range(6):
        reply = http("GET", f"{server.url}/api/search?q=refund", headers={"User-Agent": f"s{n}"})
        assert reply.status == 200, reply.body
    assert_error_shape(http("POST", server.url + "/api/ratings", vote), 503)
    private_pg.start()

    statuses: Counter[int] = Counter()
    shapes_ok = True
    errors: list[str] = []
    stop = threading.Event()

    def writer() -> None:  # keeps writing while the database goes away and comes back
        nonlocal shapes_ok
        n = 0
        while not stop.is_set():
            n += 1
            path, body = ("/api/ratings", vote) if n % 2 else ("/api/contact", FORM)
            try:
                reply = http("POST", server.url + path, body, headers={"User-Agent": f"w{n}"})
            except OSError as exc:  # a reset or a dead server: counted, and fails the test below
                statuses[0] += 1
                errors.append(repr(exc))
                continue
            statuses[reply.status] += 1
            if reply.status >= 300:
                shapes_ok &= reply.json().get("status") == reply.status

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: statuses[201] >= 4, 10)
        private_pg.stop("fast")

        for path, body in (("/api/ratings", vote), ("/api/contact", FORM)):
            reply = http("POST", server.url + path, body, headers={"User-Agent": "down"})
            assert_error_shape(reply, 503)
            assert reply.json()["error"] == "The service is temporarily unavailable."
            assert int(reply.headers["retry-after"]) > 0
        # reading still works: search answers from the index, its log row waits in memory
        assert http("GET", server.url + "/api/search?q=outage+probe").status == 200
        health = http("GET", server.url + "/api/health")
        assert_error_shape(health, 503)
        assert health.json()["store"]["ok"] is False and health.json()["index"]["ok"] is True
        down = sum(statuses.values())

        private_pg.start()
        # no restart: the pools reconnect by themselves
        assert wait_until(
            lambda: http("POST", server.url + "/api/ratings", vote).status in (200, 201), 30
        )
        assert wait_until(lambda: http("GET", server.url + "/api/health").status == 200, 30)
        after = sum(statuses.values())
        assert wait_until(lambda: sum(statuses.values()) > after + 4, 10)
    finally:
        stop.set()
        thread.join(15)

    assert set(statuses) <= {200, 201, 503}, (statuses, errors[:3], server.log_text()[-3000:])
    assert statuses[503] > 0 and shapes_ok
    assert "unhandled error" not in server.log_text()
    # the search made during the outage was logged once the database was back
    probe = sa.select(sa.func.count()).where(searches.c.raw_query == "outage probe")
    assert wait_until(lambda: count(private_pg.url, probe) == 1, 15)
    record(
        "faults.postgres_outage",
        {"write_replies": dict(statuses), "replies_before_restart": down},
    )


@pytest.mark.slow
def test_server_started_during_outage_serves_reads_and_migrates_later(
    built: Path,
    manifest: dict[str, Any],
    private_pg: PrivatePostgres,
    gunicorn: Callable[..., Gunicorn],
    tmp_path: Path,
) -> None:
    """A worker (re)started while PostgreSQL is down must boot: gunicorn stops the whole server
    when a worker fails to boot, so one restart during an outage would take the portal down."""
    config = proof_config(tmp_path / "site_config.yml", api=GENEROUS)
    schema = f"late_{os.getpid()}"
    admin = sa.create_engine(private_pg.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # a schema of its own: nothing migrated there yet
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    url = f"{private_pg.url}?options=-csearch_path%3D{schema}"
    env = server_env(built, config, url)
    vote = first_vote(manifest)

    private_pg.stop("fast")
    try:
        server = gunicorn(env)
        assert http("GET", server.url + "/api/search?q=refund").status == 200
        assert http("GET", server.url + "/").status == 200
        assert_error_shape(http("POST", server.url + "/api/ratings", vote), 503)
    finally:
        private_pg.start()
    assert wait_until(lambda: http("POST", server.url + "/api/ratings", vote).status == 201, 30)
    assert http("POST", server.url + "/api/contact", FORM).status == 201
    assert wait_until(lambda: http("GET", server.url + "/api/health").status == 200, 30)
    assert server.process is not None and server.process.poll() is None
    assert count(url, sa.select(sa.func.count()).select_from(contact_requests)) == 1
    assert "Worker failed to boot" not in server.log_text()


@pytest.fixture
def helpdesk() -> Iterator[tuple[SmtpServer, WebhookServer]]:
    """An SMTP server and a webhook with their ports reserved, both not answering yet."""
    smtp, webhook = SmtpServer(free_port()), WebhookServer()
    yield smtp, webhook
    webhook.stop()
    try:
        smtp.stop()
    except AssertionError:  # "SMTP daemon not running": the test failed before starting it
        pass


def test_helpdesk_down_keeps_requests_and_delivers_them_later(
    built: Path,
    helpdesk: tuple[SmtpServer, WebhookServer],
    gunicorn: Callable[..., Gunicorn],
    tmp_path: Path,
) -> None:
    smtp, webhook = helpdesk
    contact = {
        "webhook_url": webhook.url,
        "smtp": {"host": "127.0.0.1", "port": smtp.port, "to": "support@tandem.example"},
    }
    config = proof_config(tmp_path / "site_config.yml", api=GENEROUS, contact=contact)
    db = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    env = server_env(built, config, db)
    settings = {"OUTBOX_POLL_SECONDS": 0.1, "OUTBOX_BACKOFF_BASE": 0.2, "OUTBOX_BACKOFF_MAX": 0.5}
    server = gunicorn(env, settings)

    references = set()
    for n in range(8):
        reply = http("POST", server.url + "/api/contact", FORM | {"subject": f"kept {n}"})
        assert reply.status == 201
        references.add(reply.json()["reference"])
    failing = sa.select(sa.func.count()).where(outbox.c.attempts >= 2, outbox.c.status != SENT)
    assert wait_until(lambda: count(db, failing) == 2 * len(references), 20)
    health = http("GET", server.url + "/api/health").json()
    assert health["ok"] is True  # a helpdesk outage delays forwarding; it is not an outage
    assert health["outbox"]["pending"] + health["outbox"]["sending"] == 2 * len(references)

    smtp.start()
    webhook.start()
    sent = sa.select(sa.func.count()).where(outbox.c.status == SENT)
    assert wait_until(lambda: count(db, sent) == 2 * len(references), 30)
    mails = Counter(m["X-KB-Reference"] for m in smtp.messages)
    hooks = Counter(r.headers["Idempotency-Key"] for r in webhook.received)
    assert mails == hooks == Counter({r: 1 for r in references})
    assert count(db, sa.select(sa.func.count()).select_from(contact_requests)) == len(references)


def _corrupt(index: Path, how: str) -> None:
    if how == "missing":
        shutil.rmtree(index)
        return
    for f in index.iterdir():
        if how == "garbage":
            f.write_bytes(os.urandom(max(f.stat().st_size, 64)))
        elif how == "truncated" and f.suffix in (".toc", ".seg"):
            f.write_bytes(f.read_bytes()[: f.stat().st_size // 3])


@pytest.mark.parametrize("how", ["missing", "garbage", "truncated"])
def test_broken_index_is_named_at_start_up_and_on_health(
    built: Path, gunicorn: Callable[..., Gunicorn], tmp_path: Path, how: str
) -> None:
    build = tmp_path / "build"
    shutil.copytree(built, build)
    index = build / "index" / "public"
    _corrupt(index, how)
    config = proof_config(tmp_path / "site_config.yml", api=GENEROUS)
    db = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    env = server_env(build, config, db)
    server = gunicorn(env)

    startup = server.log_text()
    assert f"search index {index}" in startup or f"{index}" in startup, startup[-2000:]
    assert "kb build" in startup
    health = http("GET", server.url + "/api/health")
    assert_error_shape(health, 503)
    assert health.json()["error"] == "Unhealthy: index."
    assert "kb build" in health.json()["index"]["error"]
    for path in ("/api/search?q=refund", "/api/search?q=refnd", "/api/suggest?q=ref") * 3:
        assert_error_shape(http("GET", server.url + path), 503)
    assert http("GET", server.url + "/").status == 200  # the portal itself is static
    assert http("POST", server.url + "/api/contact", FORM).status == 201
    assert "Traceback" not in server.log_text()

    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(built / "index" / "public", index)  # what `kb build` would put back
    # each worker re-opens the index by itself within a second or so of the next request
    assert wait_until(lambda: http("GET", server.url + "/api/health").status == 200, 15)
    assert wait_until(lambda: http("GET", server.url + "/api/search?q=refund").status == 200, 15)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs, so the SQLite file can really run out of space."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(mount: Path) -> Path:
    filler = mount / "filler"
    try:
        with filler.open("wb") as f:
            while True:
                f.write(b"\0" * 4096)
                f.flush()
    except OSError:  # ENOSPC: the disk is full now
        pass
    return filler


def test_disk_full_is_503_and_the_database_stays_whole(
    built: Path, manifest: dict[str, Any], tiny_disk: Path
) -> None:
    db = tiny_disk / "kb.sqlite3"
    app: Flask = create_app(
        {
            "TESTING": True,
            "BUILD_DIR": str(built),
            "SITE_CONFIG": str(proof_config(tiny_disk.parent / "site_config.yml", api=GENEROUS)),
            "DATABASE_URL": f"sqlite:///{db}",
            "OUTBOX_WORKER": False,
            "EVENTLOG_FLUSH_SECONDS": 0,
        }
    )
    client = app.test_client()
    article = manifest["articles"][0]
    acknowledged: list[str] = []
    try:
        reply = client.post("/api/contact", json=FORM | {"subject": "before"})
        assert reply.status_code == 201
        acknowledged.append(reply.get_json()["reference"])
        filler = _fill(tiny_disk)
        statuses: Counter[int] = Counter()
        for n in range(300):
            body = FORM | {"subject": f"full {n}", "message": "x" * 9000}
            reply = client.post("/api/contact", json=body)
            statuses[reply.status_code] += 1
            if reply.status_code == 201:
                acknowledged.append(reply.get_json()["reference"])
                continue
            assert reply.status_code == 503, reply.get_data(as_text=True)
            assert reply.get_json() == {
                "error": "The service is temporarily unavailable.",
                "status": 503,
            }
            if statuses[503] >= 3:
                break
        assert statuses[503] >= 3, statuses
        vote = {"article_id": article["id"], "revision": article["revision"], "value": 0}
        vote["reason"] = "y" * 500
        rated = client.post("/api/ratings", json=vote, headers={"User-Agent": "full"})
        assert rated.status_code in (201, 503)

        filler.unlink(missing_ok=True)  # space again: writes succeed with no restart
        reply = client.post("/api/contact", json=FORM | {"subject": "after"})
        assert reply.status_code == 201
        acknowledged.append(reply.get_json()["reference"])
    finally:
        shutdown(app)

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = {r for (r,) in conn.execute("SELECT reference FROM contact_requests")}
    assert set(acknowledged) <= stored
    record("faults.disk_full", {"acknowledged": len(acknowledged), "replies": dict(statuses)})
