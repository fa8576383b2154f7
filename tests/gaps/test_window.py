"""Windows, trends and first sightings, on a store with hand-dated rows (the API only writes
'now'), on SQLite and, when the server is there, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb_cli.gaps import gaps
from kb_core.config import SiteConfig
from kb_reports.gaps.report import GapReport, build_report
from kb_store.store import Store
from kb_store.tables import clicks, searches
from tests.pg import pg_schema

NOW = datetime.now(UTC).replace(microsecond=0)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def search(q: str, days: float, hits: int = 0, visitor: str = "v") -> dict[str, object]:
    return {
        "ts": ago(days),
        "query": q,
        "raw_query": q.upper(),
        "hits": hits,
        "category": None,
        "visitor": visitor,
        "corrected": False,
    }


ROWS = [
    *(search("refund", 40 - i, visitor=f"old{i}") for i in range(3)),  # previous window
    *(search("refund", 1 + i / 2, visitor=f"r{i % 4}") for i in range(6)),
    search("venmo", 100, visitor="x"),  # long before: not new, yet not in the previous window
    search("venmo", 3, visitor="y"),
    search("venmo", 2, visitor="z"),
    search("zelle", 2, visitor="z"),
    search("zelle", 1, visitor="z"),  # one visitor, twice
    search("fax", 50),  # only before the window: not listed
    *(search("payslip", 1 + i / 10, hits=3, visitor=f"p{i}") for i in range(6)),
    search("refund policy", 1, hits=2),
]


def _fill(url: str) -> str:
    store = Store(url)
    store.migrate()
    with store.engine.begin() as conn:
        conn.execute(searches.insert(), ROWS)
        conn.execute(
            clicks.insert(),
            [
                {
                    "ts": ago(1),
                    "query": "Refund policy",
                    "article_id": "refunds",
                    "position": 0,
                    "visitor": "q",
                }
            ],
        )
    store.close()
    return url


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield _fill(f"sqlite:///{tmp_path_factory.mktemp('win') / 'kb.sqlite3'}")
        return
    with pg_schema() as url:
        yield _fill(url)


def report(db: str, since: str, tmp_path: Path) -> GapReport:
    return build_report(
        SiteConfig(),
        database_url=db,
        build_dir=tmp_path / "no-build",
        content_dir=tmp_path / "no-content",
        since=since,
        now=NOW,
        check_index=False,
    )


def test_trend_and_first_seen(db: str, tmp_path: Path) -> None:
    r = report(db, "30d", tmp_path)
    got = {g.key: (g.searches, g.previous, g.trend, g.new, g.visitors) for g in r.failed}
    assert got == {
        "refund": (6, 3, "+100%", False, 4),
        "venmo": (2, 0, "+2", False, 2),
        "zell": (2, 0, "new", True, 1),  # keys are stems; labels as searched
    }
    refund = r.failed[0]
    assert refund.first_seen == ago(40) and refund.last_seen == ago(1)
    assert refund.examples == ["REFUND"]
    assert [g.label for g in r.new_failed_groups()] == ["zelle"]


def test_weak_and_daily(db: str, tmp_path: Path) -> None:
    r = report(db, "30d", tmp_path)
    assert [(w.key, w.searches, w.clicks, w.visitors) for w in r.weak] == [("payslip", 6, 0, 6)]
    assert sum(d.searches for d in r.daily) == 17 and sum(d.failed for d in r.daily) == 10
    assert r.daily[-1].day == ago(1).strftime("%Y-%m-%d")  # UTC days, on both databases
    assert "no build manifest" in r.notes[0]


def test_a_year(db: str, tmp_path: Path) -> None:
    """--since 365d, as `kb export shares` takes: every search here, with the year before."""
    r = report(db, "365d", tmp_path)
    assert [(g.key, g.searches, g.previous) for g in r.failed] == [
        ("refund", 9, 0),
        ("venmo", 3, 0),
        ("zell", 2, 0),
    ]


def test_all_time(db: str, tmp_path: Path) -> None:
    r = report(db, "all", tmp_path)
    assert [(g.key, g.searches, g.previous) for g in r.failed] == [
        ("refund", 9, None),
        ("venmo", 3, None),
        ("zell", 2, None),
    ]  # "fax" was searched once: under min_searches


@pytest.mark.parametrize(("since", "code"), [("7d", 1), ("90d", 1), ("365d", 1)])
def test_fail_if_new_gaps_cli(db: str, since: str, code: int) -> None:
    res = CliRunner().invoke(
        gaps,
        ["--since", since, "--fail-if-new-gaps", "--format", "json", "--build-dir", "/nonexistent"],
        env={"KB_DATABASE_URL": db},
    )
    assert res.exit_code == code, res.output
    assert "'zelle'" in res.stderr


def test_no_new_gaps_exits_zero(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    store = Store(url)
    store.migrate()
    with store.engine.begin() as conn:
        conn.execute(
            searches.insert(), [search("refund", 20), search("refund", 2), search("refund", 1)]
        )
    store.close()
    res = CliRunner().invoke(
        gaps,
        ["--since", "7d", "--fail-if-new-gaps", "--format", "csv", "--build-dir", str(tmp_path)],
        env={"KB_DATABASE_URL": url},
    )
    assert res.exit_code == 0, res.output
    assert "failed,1,refund" in res.stdout
