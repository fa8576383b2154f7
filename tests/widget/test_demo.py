"""`kb serve --widget-demo` as a real process: the demo host page on a second port (another
origin, allowed for the run only), opened in Chromium, searching in the widget it embeds."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.api.servers import free_port, wait_for
from tests.browser.conftest import ROOT, built_site  # noqa: F401 (a fixture)
from tests.widget.test_widget import search, widget

KB = Path(sys.executable).with_name("kb")


@dataclass
class Demo:
    portal: str
    url: str  # the demo host page's origin
    db: Path
    process: subprocess.Popen[str]
    config: Path  # the site config it serves with: a copy of the example's, to edit

    def stop(self) -> str:
        """SIGTERM, as a service manager stops it; the output, once it exited 0."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        out, _ = self.process.communicate(timeout=30)
        assert self.process.returncode == 0, out[-3000:]
        return out


def _status(url: str, origin: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Origin": origin} if origin else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def _rows(db: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT raw_query, source, host FROM searches WHERE raw_query = 'refund'"
        ).fetchall()


@pytest.fixture
def demo(built_site: Path, tmp_path: Path) -> Iterator[Demo]:  # noqa: F811
    if not KB.exists():
        pytest.skip(f"{KB} is not installed (pip install -e .)")
    port, demo_port = free_port(), free_port()
    db = tmp_path / "kb.sqlite3"
    config = tmp_path / "site_config.yml"
    config.write_text((ROOT / "site_config.yml").read_text(encoding="utf-8"), encoding="utf-8")
    env = {**os.environ, "KB_DATABASE_URL": f"sqlite:///{db}"}
    command = [str(KB), "serve", "--port", str(port), "--widget-demo-port", str(demo_port)]
    command += ["--build-dir", str(built_site), "--config", str(config)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    portal, url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{demo_port}"
    running = Demo(portal, url, db, process, config)
    try:
        up = wait_for(
            lambda: (
                _status(running.portal + "/api/health") == 200 and _status(running.url + "/") == 200
            ),
            timeout=30,
        )
        assert up, "kb serve --widget-demo did not start"
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)


def test_widget_demo_page_embeds_the_widget_from_another_origin(page: Page, demo: Demo) -> None:
    # the demo's origin is allowed for this run; any other still is not (the config is as it was)
    assert _status(demo.portal + "/api/search?q=invoice", demo.url) == 200
    assert _status(demo.portal + "/api/search?q=invoice", "http://127.0.0.1:9") == 403
    page.goto(demo.url + "/")
    tags = page.locator("script[data-kb]")
    expect(tags).to_have_count(1)
    assert tags.get_attribute("src") == demo.portal + "/widget.js"
    assert tags.get_attribute("data-kb-context") == "scheduling"
    # the launcher, and the panel opened with suggestions for the tag's context
    widget(page).get_by_role("button", name="Help").click()
    w = widget(page)
    expect(w.get_by_role("heading", name="Suggested articles")).to_be_visible()
    search(w, "refund")
    expect(w.locator(".kb-results .kb-list a", has_text="Get a refund").first).to_be_visible()
    # once the words settle the search is logged, as the widget's, from the demo page
    assert wait_for(lambda: bool(_rows(demo.db)), timeout=10), "the widget's search was not logged"
    page.keyboard.press("Escape")
    # the page's KB.open buttons
    page.get_by_role("button", name='KB.open({query: "create and publish a schedule"})').click()
    box = w.get_by_role("searchbox", name="Search the help center")
    expect(box).to_have_value("create and publish a schedule")
    expect(w.locator(".kb-results .kb-list a").first).to_be_visible()
    page.get_by_role("button", name="KB.close()").click()
    expect(w.get_by_role("dialog")).to_be_hidden()
    page.get_by_role("button", name='KB.open({article: "create-and-publish-a-schedule"})').click()
    expect(w.locator(".kb-article h3")).to_have_text("Create and publish a schedule")
    host = demo.url + "/"
    out = demo.stop()  # queued search rows are written on the way out
    assert f"Widget demo (another origin, allowed for this run) on {host}" in out
    assert "Stopped." in out
    assert _rows(demo.db) == [("refund", "widget", host)]


def test_widget_demo_reads_the_allowed_origins_again(demo: Demo) -> None:
    """A site owner trying the widget with `kb serve --widget-demo` adds their own page to
    widget.allowed_origins: the server said it reads the file again within a second, yet kept
    refusing it, as it served a copy of the config with the demo's origins added. Their page is
    now let in with no restart, and the demo page stays allowed."""
    theirs = "http://127.0.0.1:9"
    search_url = demo.portal + "/api/search?q=invoice"
    assert _status(search_url, theirs) == 403
    text = demo.config.read_text(encoding="utf-8")
    assert "\nwidget:" not in text  # the example's widget runs on its defaults
    demo.config.write_text(f"{text}\nwidget:\n  allowed_origins: [{theirs}]\n", encoding="utf-8")
    assert wait_for(lambda: _status(search_url, theirs) == 200, timeout=10)
    assert _status(search_url, demo.url) == 200
    assert "allowed origins now" in demo.stop()
