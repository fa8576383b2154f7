"""Hostile content in a real Chromium: no script from content runs, on the app or a static host.

The knowledge base of tests/hostile.py is built for real and served over HTTP by the real app
(CSP header) and by a plain static server (the pages' own CSP <meta> only). Every payload would
set ``window.__pwned`` or open a dialog; a dialog handler and the marker prove nothing ran.
With ``content.trust_raw_html`` the payloads are published as written, and Chromium reports
each blocked one as a CSP violation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests import hostile
from tests.browser.conftest import _serve, serve_folder

PAGES = ["/evil/title/", "/evil/", "/", "/faq/", "/evil/plain/", "/contact/", "/404.html"]
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  e => window.__csp.push(e.violatedDirective + " " + (e.sample || e.blockedURI)));
"""


def _build(root: Path, trust: bool) -> Path:
    from kb_builder.build import build_site
    from kb_core.config import load_config

    hostile.write_kb(root, trust_raw_html=trust)
    config, problems = load_config(root / "site_config.yml")
    build_site(root / "content", config, root / "build", config_problems=problems)
    return root


@contextlib.contextmanager
def _app_host(root: Path) -> Iterator[str]:
    """The real app (its CSP header) on the build in ``root``; yield its URL."""
    from werkzeug.serving import make_server

    import feedback_api

    app = feedback_api.create_app(
        {
            "BUILD_DIR": str(root / "build"),
            "SITE_CONFIG": str(root / "site_config.yml"),
            "DATABASE_URL": f"sqlite:///{root / 'kb.sqlite3'}",
            "OUTBOX_WORKER": False,
            "TESTING": True,
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    stop = _serve(server)
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        stop()
        shutdown = getattr(feedback_api, "shutdown", None)
        if shutdown is not None:
            shutdown(app)


def _hosted(host: str, root: Path) -> contextlib.AbstractContextManager[str]:
    """The build in ``root`` on the real app (``host`` "app") or a plain static host."""
    return _app_host(root) if host == "app" else serve_folder(root / "build" / "public")


@pytest.fixture(scope="module", params=["app", "static"])
def hostile_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The sanitised hostile portal, on the real app and on a static host."""
    root = _build(tmp_path_factory.mktemp("hostile-site"), trust=False)
    with _hosted(request.param, root) as url:
        yield url


@pytest.fixture(scope="module", params=["app", "static"])
def trusted_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The hostile portal with raw HTML trusted: every payload is in the pages as written."""
    root = _build(tmp_path_factory.mktemp("trusted-site"), trust=True)
    with _hosted(request.param, root) as url:
        yield url


def _provoke(page: Page) -> None:
    """Do what a reader might: hover and click what the payloads hang on, open the details."""
    for selector in ("#hover", "text=click me", "#jslink", "h2"):
        target = page.locator(selector).first
        if target.count():
            target.hover()
            target.click(no_wait_after=True)
    page.wait_for_load_state("load")


def _watch(page: Page) -> tuple[list[str], list[str]]:
    dialogs: list[str] = []
    console: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.add_init_script(WATCH)
    return dialogs, console


def test_no_script_from_content_runs_on_any_page(page: Page, hostile_site: str) -> None:
    dialogs, console = _watch(page)
    for path in PAGES:
        page.goto(hostile_site + path)
        expect(page.locator("h1").first).to_be_visible()
        _provoke(page)
        page.goto(hostile_site + path)  # a click may have left the page
        assert page.evaluate("typeof window.__pwned") == "undefined", path
        # the portal's own scripts did run: Material set its scope, kb.js read its config
        assert page.evaluate("typeof __md_scope") == "object", path
        assert page.evaluate("window.__csp") == [], path  # nothing was even tried
    assert dialogs == []
    assert console == []


def test_titles_show_as_text_in_the_page_head_and_header(page: Page, hostile_site: str) -> None:
    page.goto(hostile_site + "/evil/title/")
    assert page.title() == f"{hostile.TITLE} - Evil Help"
    expect(page.locator("article h1")).to_have_text(hostile.TITLE)
    expect(page.locator(".md-header__topic").last).to_contain_text("<script>alert(1)</script>")
    assert page.get_attribute('meta[name="description"]', "content") == hostile.SUMMARY
    assert page.locator('img[src="x"]').count() == 0
    expect(page.locator(".kb-crumbs")).to_contain_text(hostile.CATEGORY)
    page.goto(hostile_site + "/faq/")
    expect(page.locator("details.kb-faq__item summary")).to_have_text(hostile.FAQ)


def test_blocked_payloads_are_reported_as_csp_violations(page: Page, trusted_site: str) -> None:
    dialogs, console = _watch(page)
    page.goto(trusted_site + "/evil/title/")
    # the raw script and handlers are in the DOM, as the writer asked ...
    in_dom = "[...document.scripts].filter(s => s.text.includes('window.__pwned = 1')).length"
    assert page.evaluate(in_dom) == 1
    assert page.locator("[onerror]").count() >= 1
    _provoke(page)
    page.goto(trusted_site + "/evil/title/")
    expect(page.locator("article h1")).to_be_visible()
    page.wait_for_function("window.__csp.length >= 2")
    # ... and none of them ran: the page's CSP allows only the portal's own scripts
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == []
    violations = page.evaluate("window.__csp")
    assert any(v.startswith("script-src-elem") for v in violations), violations
    assert any(v.startswith("script-src-attr") for v in violations), violations
    assert any("inline script" in line or "inline event handler" in line for line in console)
    assert page.evaluate("typeof __md_scope") == "object"  # Material's own inline script ran


MATERIAL_SEARCH = """async (query) => {
  const config = JSON.parse(document.getElementById("__config").textContent);
  const base = new URL(config.base + "/", location);
  const index = await (await fetch(new URL("search/search_index.json", base))).json();
  const worker = new Worker(new URL(config.search, location));
  const found = await new Promise((resolve) => {
    worker.onmessage = (e) => {
      if (e.data.type === 1) worker.postMessage({type: 2, data: query});  // ready: query
      if (e.data.type === 3) resolve(e.data.data.items);  // result
    };
    worker.postMessage({type: 0, data: {...index, options: {suggest: false}}});  // setup
  });
  worker.terminate();
  // Material draws each result's title as HTML: do the same, in the page
  return found.flat().map((doc) => {
    const el = document.createElement("h1");
    el.innerHTML = doc.title;
    document.body.append(el);
    return {text: el.textContent, tags: [...el.querySelectorAll("*")].map((n) => n.localName)};
  });
}"""


def test_materials_search_draws_titles_as_text(page: Page, hostile_site: str) -> None:
    """Material's own search worker, on the served static index, as its header search runs it."""
    dialogs, _console = _watch(page)
    page.goto(hostile_site + "/")
    results = page.evaluate(MATERIAL_SEARCH, "Title")
    assert results, "Material's search found nothing"
    assert results[0]["text"] == hostile.TITLE
    assert set(results[0]["tags"]) <= {"mark"}  # its highlight, and nothing from the title
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.__pwned") == "undefined" and dialogs == []
