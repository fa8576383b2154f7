"""Search, click and view rows are written behind the request, in batches, and never lost."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_api.eventlog import EventLog
from kb_store.store import Store
from kb_store.tables import search_row
from tests.api.conftest import AppFactory, rows
from tests.api.servers import wait_for


def _count(store: Store, table: str = "searches") -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_rows_arrive_without_anyone_flushing(make_app: AppFactory) -> None:
    app = make_app(EVENTLOG_FLUSH_SECONDS=0.05)
    client: FlaskClient = app.test_client()
    for q in ("refund", "password", "xylophone"):
        assert client.get(f"/api/search?q={q}").status_code == 200
    client.post("/api/events/click", json={"query": "refund", "id": "refunds", "position": 0})
    client.post("/api/events/view", json={"id": "refunds"})
    store = app.extensions["kb"].store
    assert wait_for(lambda: _count(store) == 3 and _count(store, "clicks") == 1)
    assert wait_for(lambda: _count(store, "article_views") == 1)


def test_shutdown_writes_what_is_queued(make_app: AppFactory, tmp_path: Path) -> None:
    app = make_app(EVENTLOG_FLUSH_SECONDS=3600)  # the flusher would not run in this test
    client = app.test_client()
    for _ in range(5):
        client.get("/api/search?q=refund")
    events = app.extensions["kb"].events
    assert events.waiting == 5
    assert client.get("/api/health").get_json()["store"]["queued_events"] == 5
    events.close()  # what shutdown() and interpreter exit do
    assert _count(Store(f"sqlite:///{tmp_path / 'kb.sqlite3'}")) == 5


def test_rows_survive_a_store_outage(tmp_path: Path) -> None:
    db = tmp_path / "kb.sqlite3"
    store = Store(f"sqlite:///{db}")
    store.migrate()
    events = EventLog(store, flush_seconds=3600)
    row = dict(query="refund", raw_query="refund", hits=1, category=None, corrected=False)
    events.add("searches", search_row(**row, visitor="v1"))
    store.engine.dispose()
    db.rename(tmp_path / "away.sqlite3")  # the database is gone for a while
    db.mkdir()
    assert events.flush() == 0 and events.waiting == 1 and events.last_error
    events.add("searches", search_row(**row, visitor="v2"))
    db.rmdir()
    (tmp_path / "away.sqlite3").rename(db)
    store.engine.dispose()
    assert events.flush() == 2 and events.last_error is None
    assert [r["visitor"] for r in rows(store, "searches")] == ["v1", "v2"]
    events.close()


def test_synchronous_mode_writes_on_the_request(make_app: AppFactory) -> None:
    app = make_app(EVENTLOG_FLUSH_SECONDS=0)
    app.test_client().get("/api/search?q=refund")
    assert _count(app.extensions["kb"].store) == 1
