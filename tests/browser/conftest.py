"""Browser tests: the real portal and API in a real headless Chromium (Debian's, via Playwright).

One session builds the example KB and serves it with the real app on a free loopback port; a
second server plays a static host with no API behind it (the "API is down" case). A failing
test leaves a screenshot of its page in ``test-artifacts/``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    page = getattr(item, "funcargs", {}).get("page")
    ours = Path(__file__).parent in Path(item.fspath).parents
    if ours and report.failed and report.when == "call" and page is not None:
        ARTIFACTS.mkdir(exist_ok=True)
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in item.nodeid)
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        except Exception as exc:  # a crashed page must not hide the real failure
            report.sections.append(("screenshot", f"no screenshot: {exc}"))


@dataclass(frozen=True)
class Portal:
    """A running portal: its base URL and, when the API runs, the SQLite file it writes."""

    url: str
    db: Path | None = None

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        assert self.db is not None, "this portal has no API"
        with sqlite3.connect(self.db) as conn:
            conn.row_factory = sqlite3.Row
            return conn.execute(sql, params).fetchall()

    def wait_rows(
        self, sql: str, params: tuple[Any, ...] = (), timeout: float = 10.0
    ) -> list[sqlite3.Row]:
        """Rows of ``sql`` once there are any: beacons arrive a moment after the click."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.rows(sql, params)
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


# No finite animation or transition is running (an endless one, e.g. a spinner, never ends).
# A cancelled one counts as over: its `finished` promise rejects, which is why this polls
# playState instead of awaiting `finished`.
SETTLED = """() => document.getAnimations().every(a => a.playState !== "running"
    || a.effect === null || a.effect.getComputedTiming().endTime === Infinity)"""


def wait_settled(page: Any) -> None:
    """Return once the page's CSS transitions and animations are over: layout and colours are
    judged at rest (Material slides its search overlay and fades the header title)."""
    page.wait_for_function(SETTLED)


@pytest.fixture(scope="session")
def built_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped example, built once: shared with the other suites when they built it."""
    try:
        out, _report = request.getfixturevalue("example_build")
        return Path(out)
    except pytest.FixtureLookupError:
        pass
    from kb_builder.build import build_site
    from kb_core.config import load_config

    config, problems = load_config(ROOT / "site_config.yml")
    out = tmp_path_factory.mktemp("kb-build")
    build_site(ROOT / "content", config, out, config_problems=problems)
    return out


def _serve(server: Any) -> Callable[[], None]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(5)

    return stop


@pytest.fixture(scope="session")
def portal(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """The real app (portal + API) on 127.0.0.1 and a free port."""
    from werkzeug.serving import make_server

    import feedback_api

    db = tmp_path_factory.mktemp("kb-store") / "kb.sqlite3"
    app = feedback_api.create_app(
        {
            "BUILD_DIR": str(built_site),
            "SITE_CONFIG": str(ROOT / "site_config.yml"),
            "DATABASE_URL": f"sqlite:///{db}",
            "OUTBOX_WORKER": False,
            "TESTING": True,
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    stop = _serve(server)
    yield Portal(f"http://127.0.0.1:{server.server_port}", db)
    stop()
    shutdown = getattr(feedback_api, "shutdown", None)
    if shutdown is not None:
        shutdown(app)


@contextlib.contextmanager
def agents_portal(build: Path, here: Path, token: str) -> Iterator[Portal]:
    """The real app on ``build`` with ``token`` as an agent token, on a free port; its
    site_config.yml (the example's with that token) and its store are written to ``here``."""
    from werkzeug.serving import make_server

    import feedback_api
    from tests.proof.procs import GENEROUS, proof_config

    agent = {"name": "desk", "sha256": hashlib.sha256(token.encode()).hexdigest()}
    config = proof_config(here / "site_config.yml", api=GENEROUS | {"agent_tokens": [agent]})
    app = feedback_api.create_app(
        {
            "BUILD_DIR": str(build),
            "SITE_CONFIG": str(config),
            "DATABASE_URL": f"sqlite:///{here / 'kb.sqlite3'}",
            "OUTBOX_WORKER": False,
            "SECRET_KEY": "agents-portal-" + "s" * 40,
            "TESTING": True,
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    stop = _serve(server)
    try:
        yield Portal(f"http://127.0.0.1:{server.server_port}", here / "kb.sqlite3")
    finally:
        stop()
        feedback_api.shutdown(app)


AGENT_TOKEN = "browser-agent-" + "k" * 24


@pytest.fixture(scope="session")
def agents(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """The real app on the example's build with an agent token (AGENT_TOKEN) configured."""
    with agents_portal(built_site, tmp_path_factory.mktemp("agents"), AGENT_TOKEN) as served:
        yield served


def sign_in_agent(page: Any, portal: Portal, path: str = "/internal/") -> None:
    """Open ``path`` of the internal portal, signing in on the way with AGENT_TOKEN."""
    from playwright.sync_api import expect

    page.goto(portal.url + path)
    page.get_by_label("Agent token").fill(AGENT_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))


class _QuietStatic(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve ``folder`` over HTTP on a free loopback port (no API behind it); yield its URL."""
    handler = functools.partial(_QuietStatic, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    stop = _serve(server)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        stop()


@pytest.fixture(scope="session")
def static_portal(built_site: Path) -> Iterator[Portal]:
    """The same portal on a plain static host: every /api/ call fails there."""
    with serve_folder(built_site / "public") as url:
        yield Portal(url)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (empty storage) and page; fails the test on a JS exception."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, "uncaught JavaScript errors:\n" + "\n".join(errors)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Chromium may drop a connection while the development server (werkzeug) still sends a
    static file; the server then leaves that file to the garbage collector, which Python
    reports as an unclosed file after the test. That is the test server's, not the portal's:
    these tests let it pass (and only it: every other warning is still an error)."""
    here = Path(__file__).parent
    dropped = "ignore:Exception ignored in. <_io.FileIO:pytest.PytestUnraisableExceptionWarning"
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.filterwarnings(dropped))
