"""Hardening in a real Chromium: the portal works under its own CSP with no violation, cannot be
framed by another site, and text visitors typed (search queries, rating reasons, contact
fields) stays inert in the HTML gap report and on the agents' sign-in page.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ROOT, Portal
from tests.proof.figures import add, record
from tests.proof.procs import GENEROUS, proof_config

CSP_WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


def _console_csp(page: Page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda m: found.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return found


def test_the_portal_works_under_its_csp_without_a_violation(page: Page, portal: Portal) -> None:
    page.add_init_script(CSP_WATCH)
    console = _console_csp(page)
    page.goto(portal.url + "/")
    page.get_by_role("combobox", name="Search the help center").press_sequentially("refu")
    expect(page.get_by_role("option").first).to_be_visible()  # kb.js ran and called the API
    page.goto(portal.url + "/search-results/?q=invoice")
    expect(page.locator(".kb-result").first).to_be_visible()
    page.goto(portal.url + "/billing/")
    expect(page.locator("h1")).to_be_visible()
    page.goto(portal.url + "/billing/invoices-and-payments/update-payment-method/")
    page.locator("section[data-kb-rating]").get_by_role("button", name="No").click()
    expect(page.get_by_role("group", name="What went wrong?")).to_be_visible()
    page.goto(portal.url + "/faq/")
    page.locator("details.kb-faq__item > summary").first.click()
    page.goto(portal.url + "/contact/")
    page.get_by_label("Subject", exact=True).fill("refund")
    expect(page.locator("[data-kb-deflect]")).to_be_visible()
    page.goto(portal.url + "/no/such/page/")
    expect(page.locator("h1")).to_be_visible()
    for path in ("/", "/faq/", "/internal/login"):
        page.goto(portal.url + path)
        assert page.evaluate("window.__csp") == [], path
    assert console == [], console
    add("csp_page_kinds_checked", 8)


@pytest.fixture
def attacker_site(tmp_path: Path, portal: Portal) -> Iterator[str]:
    """Another origin whose page tries to frame the portal (clickjacking)."""
    (tmp_path / "index.html").write_text(
        f'<!doctype html><title>evil</title><iframe id="victim" src="{portal.url}/contact/">'
        "</iframe>",
        encoding="utf-8",
    )

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=tmp_path))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_another_site_cannot_frame_the_portal(page: Page, attacker_site: str) -> None:
    # the browser says why it refused the frame: wait for that, then look into the frame
    with page.expect_console_message(lambda m: "frame-ancestors" in m.text) as refused:
        page.goto(attacker_site)
    assert "Content Security Policy" in refused.value.text, refused.value.text
    victim = page.frame_locator("#victim")
    expect(victim.locator("form[data-kb-contact]")).to_have_count(0)


PAYLOADS = [
    "<script>window.__pwned=(window.__pwned||0)+1</script>",
    '<img src=x id=pwned onerror="window.__pwned=1;alert(1)">',
    '"><svg id=pwned2 onload=alert(2)>',
    "javascript:alert(3)",
    "</title></style></textarea><script>alert(4)</script>",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "&lt;b&gt;entity&lt;/b&gt; <b onmouseover=alert(5)>bold</b>",
]


@pytest.fixture
def stored_attacks(built_site: Path, tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A store filled through the real API with every payload in every text field."""
    from werkzeug.serving import make_server

    import feedback_api
    from tests.proof.procs import http

    config = proof_config(tmp_path / "site_config.yml", api=GENEROUS)
    db = tmp_path / "kb.sqlite3"
    app = feedback_api.create_app(
        {
            "BUILD_DIR": str(built_site),
            "SITE_CONFIG": str(config),
            "DATABASE_URL": f"sqlite:///{db}",
            "OUTBOX_WORKER": False,
            "EVENTLOG_FLUSH_SECONDS": 0,
            "TESTING": True,
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    topic = app.extensions["kb"].config.contact.topics[0]
    article = next(iter(app.extensions["kb"].build.catalog.articles.values()))
    try:
        for n, payload in enumerate(PAYLOADS):
            for visitor in ("a", "b", "c"):
                agent = {"User-Agent": f"attacker-{n}-{visitor}"}
                assert http("GET", f"{url}/api/search?q={_q(payload)}", headers=agent).status == 200
                click = {"query": payload, "id": article.id, "position": 0}
                assert http("POST", url + "/api/events/click", click, headers=agent).status == 204
                vote = {"article_id": article.id, "revision": article.revision, "value": 0}
                vote["reason"] = payload
                assert http("POST", url + "/api/ratings", vote, headers=agent).status == 201
            form = {
                "name": payload[:100],
                "email": "attacker@example.com",
                "topic": topic,
                "subject": payload[:200],
                "message": payload,
                "context": {"searches": [{"q": payload, "hits": 0}], "viewed": []},
            }
            reply = http("POST", url + "/api/contact", form, headers={"User-Agent": f"c{n}"})
            assert reply.status == 201, reply.body
            add("xss_payloads_stored", 1)
    finally:
        server.shutdown()
        feedback_api.shutdown(app)
    yield db, config


def _q(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def test_stored_attacks_stay_inert_in_the_html_gap_report(
    page: Page, built_site: Path, stored_attacks: tuple[Path, Path], tmp_path: Path
) -> None:
    db, config = stored_attacks
    report = tmp_path / "gaps.html"
    done = subprocess.run(
        [str(Path(sys.executable).parent / "kb"), "gaps", "--format", "html"]
        + ["--output", str(report), "--config", str(config), "--build-dir", str(built_site)]
        + ["--content", str(ROOT / "content"), "--since", "7d"],
        capture_output=True,
        text=True,
        env={"KB_DATABASE_URL": f"sqlite:///{db}", "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]

    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(report.as_uri())
    expect(page.locator("h1").first).to_be_visible()
    assert dialogs == []
    assert page.evaluate("window.__pwned") is None
    assert page.locator("script").count() == 0  # the report has none of its own
    injected = page.locator(
        '#pwned, #pwned2, [onerror], [onload], [onmouseover], [href^="javascript:" i]'
    )
    assert injected.count() == 0
    text = page.locator("body").inner_text()
    shown = [p for p in PAYLOADS if p in text or p[:60] in text]
    # reasons and contact subjects are shown as typed (queries are shown normalised)
    assert len(shown) >= 3, "the fields under test are not in the report"
    record("xss_payloads_shown_as_text_in_gap_report", len(shown))
    # pointing at or focusing anything fires no handler either
    page.evaluate(
        """() => document.querySelectorAll("*").forEach(el => {
             for (const type of ["mouseover", "mouseenter", "focus"])
               el.dispatchEvent(new Event(type, {bubbles: true}));
           })"""
    )
    assert dialogs == [] and page.evaluate("window.__pwned") is None


def test_sign_in_page_reflects_next_as_text(page: Page, portal: Portal) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for payload in PAYLOADS:
        page.goto(f"{portal.url}/internal/login?next={_q('/internal/' + payload)}")
        expect(page.get_by_label("Agent token")).to_be_visible()
        assert page.evaluate("window.__pwned") is None
        assert page.locator("#pwned, #pwned2, script").count() == 0
    assert dialogs == []
