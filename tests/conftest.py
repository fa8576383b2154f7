"""Shared fixtures: the shipped example built once per session, where ../shared is, the one
headless Chromium every browser test shares (Playwright's sync API allows one per thread), and
the stores: a SQLite file, and a fresh schema on PostgreSQL when a server answers (``pg.py``)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kb_builder.build import BuildReport, build_site
from kb_core.config import load_config
from tests.pg import pg_schema

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"
TODAY = date(2026, 11, 22)  # the example's stale article is judged against a fixed day
# git as a test author, whatever the machine's own git config says
GIT = ("git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def example_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, BuildReport]]:
    """A real `kb build` of the shipped example (content/ + site_config.yml)."""
    out = tmp_path_factory.mktemp("example") / "build"
    config, problems = load_config(ROOT / "site_config.yml")
    report = build_site(ROOT / "content", config, out, config_problems=problems, today=TODAY)
    yield out, report
    shutil.rmtree(out, ignore_errors=True)


BROWSER_FOLDERS = (ROOT / "tests" / "browser", ROOT / "tests" / "widget")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that drive Chromium, and skip them visibly where it is not installed."""
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt-get install chromium)")
    for item in items:
        if any(folder in Path(item.fspath).parents for folder in BROWSER_FOLDERS):
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, launched once for the whole run."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    # The contact form waits out the minimum fill time before sending; allow for it.
    expect.set_options(timeout=10_000)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose tables live in a fresh schema, dropped afterwards."""
    with pg_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A SQLite file, and a fresh schema on the PostgreSQL server (skipped, visibly, without)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def app(make_app: Any) -> Any:
    """An app from the folder's ``make_app`` (tests/api, tests/agents)."""
    return make_app()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


def write(root: Path, rel: str, text: str) -> Path:
    """Write a content file (helper for tests that make their own small KB)."""
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` as the test author; return its stdout, stripped (raises on failure)."""
    res = subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True)
    return res.stdout.strip()
