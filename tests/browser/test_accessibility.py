"""Accessibility in a real Chromium: axe-core on every page kind and state, labelled controls,
and the contact form sent with the keyboard alone (the rating widget's keyboard test is in
test_rating_widget.py).

axe-core comes from the npm registry (``npm install axe-core@4``) into a cache folder in the
system temp directory; the axe tests are skipped, with the reason, when npm or the registry is
unavailable. It is injected with Playwright's ``add_script_tag`` into a context that bypasses
the portal's CSP (which, rightly, refuses injected scripts; test_hardening.py checks it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import ARTIFACTS, Portal, sign_in_agent, wait_settled
from tests.proof.figures import add

AXE_VERSION = "4"
BLOCKING = ("serious", "critical")
CONTACT_FIELDS = {
    "Your name": "Kim Keyboard",
    "Email address": "kim@example.com",
    "Subject": "Overtime is wrong on my timesheet",
    "How can we help?": "My overtime hours are missing.",
}


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe.min.js from npm, installed once into a cache folder."""
    cache = Path(tempfile.gettempdir()) / "kb-portal-axe-core"
    script = cache / "node_modules" / "axe-core" / "axe.min.js"
    if script.is_file():
        return script
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: cannot fetch axe-core")
    cache.mkdir(parents=True, exist_ok=True)
    command = [npm, "install", "--prefix", str(cache), f"axe-core@{AXE_VERSION}"]
    command += ["--no-audit", "--no-fund", "--no-save", "--silent"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.skip("npm install axe-core timed out")
    if done.returncode or not script.is_file():
        pytest.skip(f"npm install axe-core failed: {(done.stderr or done.stdout)[-500:]}")
    return script


@pytest.fixture
def axe_page(browser: Any) -> Iterator[Page]:
    """A page whose context lets an injected axe-core run under the portal's CSP."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US", bypass_csp=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, "uncaught JavaScript errors:\n" + "\n".join(errors)


def run_axe(page: Page) -> list[dict[str, Any]]:
    # Material fades the header title in when the page scrolls: judge colours once it settled
    wait_settled(page)
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}))"""
    )
    return violations


def _rating_reasons_open(page: Page) -> None:
    page.locator("section[data-kb-rating]").get_by_role("button", name="No").click()
    expect(page.get_by_role("group", name="What went wrong?")).to_be_visible()


def _faq_open(page: Page) -> None:
    page.locator("details.kb-faq__item > summary").first.click()


def _contact_errors(page: Page) -> None:
    page.get_by_label("Email address").fill("not-an-address")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("#kb-e-name")).to_be_visible()


def _suggestions_open(page: Page) -> None:
    page.get_by_role("combobox", name="Search the help center").press_sequentially("refu")
    expect(page.get_by_role("option").first).to_be_visible()


def _header_search_open(page: Page, q: str = "refnd") -> None:
    # Material's own overlay had a serious colour-contrast violation on 10 nodes; ours replaces it
    expect(page.locator("html")).to_have_attribute("data-kb-search", "api")
    page.locator("#kb-q-header").click()
    page.locator("#kb-q-header").press_sequentially(q)
    expect(page.locator("#kb-suggest-header [role=option]").first).to_be_visible()


def _header_answer_open(page: Page) -> None:
    box = page.locator("#kb-q-header")
    box.fill("")
    box.press_sequentially("how do i download an invoice?", delay=10)
    expect(page.locator("#kb-suggest-header-answer")).to_be_visible()  # once the query settled
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "kb-suggest-header-answer")


def _contact_answer_shown(page: Page) -> None:
    page.get_by_label("Subject").fill("how do i download an invoice?")
    page.get_by_label("Subject").press("Tab")
    expect(page.locator("[data-kb-deflect] .kb-answer")).to_be_visible()


Step = Callable[[Page], None] | None
# (page kind, path, element that shows it is ready, further states checked on the same page)
PAGES: list[tuple[str, str, str, list[tuple[str, Callable[[Page], None]]]]] = [
    ("home", "/", "h1", [("suggestions open", _suggestions_open)]),
    ("category", "/billing/", "h1", []),
    ("section", "/billing/invoices-and-payments/", "h1", []),
    ("article", "/billing/invoices-and-payments/failed-payments/", "section[data-kb-rating]",
     [("reasons open", _rating_reasons_open), ("header search open", _header_search_open),
      ("header answer card", _header_answer_open)]),
    ("faq", "/faq/", "details.kb-faq__item", [("answer open", _faq_open)]),
    ("contact", "/contact/", "form[data-kb-contact]",
     [("errors shown", _contact_errors), ("answer card shown", _contact_answer_shown)]),
    ("search results", "/search-results/?q=refund", ".kb-result", []),
    ("answer card", "/search-results/?q=how+do+i+download+an+invoice%3F", ".kb-answer", []),
    ("no results", "/search-results/?q=flurbo+zzyzx", "[data-kb-noresults]", []),
    ("404", "/no/such/page/", "h1", []),
]  # fmt: skip


def _blocking(page: Page, script: Path, state: str, inject: bool) -> list[str]:
    if inject:
        page.add_script_tag(path=str(script))
    violations = run_axe(page)
    add("axe_states_checked", 1)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    add("axe_violations_minor_or_moderate", len(violations) - len(blocking))
    add("axe_violations_serious_or_critical", len(blocking))
    return [f"{state}: {v['impact']}: {v['id']}: {v['help']} at {v['nodes']}" for v in blocking]


@pytest.mark.parametrize(
    ("path", "ready", "states"), [p[1:] for p in PAGES], ids=[p[0] for p in PAGES]
)
def test_axe_finds_no_serious_or_critical_violation(
    axe_page: Page,
    axe_script: Path,
    portal: Portal,
    path: str,
    ready: str,
    states: list[tuple[str, Callable[[Page], None]]],
) -> None:
    axe_page.goto(portal.url + path)
    expect(axe_page.locator(ready).first).to_be_visible()
    found = _blocking(axe_page, axe_script, "as loaded", inject=True)
    for state, step in states:
        step(axe_page)
        found += _blocking(axe_page, axe_script, state, inject=False)
    if found:  # the conftest hook screenshots only the `page` fixture
        ARTIFACTS.mkdir(exist_ok=True)
        name = "axe-" + re.sub(r"[^\w.-]", "_", path.strip("/") or "home") + ".png"
        axe_page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    assert not found, "\n".join(found)


def test_axe_on_the_internal_portals_search(
    axe_page: Page, axe_script: Path, agents: Portal
) -> None:
    """Its home box, its header open on internal and public results, and its results page."""
    sign_in_agent(axe_page, agents)
    axe_page.add_script_tag(path=str(axe_script))
    found = _blocking(axe_page, axe_script, "internal home", inject=False)
    _header_search_open(axe_page, "refund approval")
    expect(axe_page.locator("#kb-suggest-header .kb-badge--internal").first).to_be_visible()
    found += _blocking(axe_page, axe_script, "internal header search open", inject=False)
    axe_page.goto(agents.url + "/internal/search-results/?q=refund")
    expect(axe_page.locator(".kb-result .kb-badge--internal").first).to_be_visible()
    found += _blocking(axe_page, axe_script, "internal search results", inject=True)
    assert not found, "\n".join(found)


UNLABELLED = """() => [...document.querySelectorAll("input, select, textarea, button")]
  .filter(el => el.type !== "hidden" && el.getClientRects().length > 0
                && !el.closest("[aria-hidden=true]"))
  .filter(el => {
    const by = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean)
      .map(id => document.getElementById(id)).filter(Boolean).map(n => n.textContent).join("");
    const own = el.tagName === "BUTTON" ? el.textContent : "";
    const labels = [...(el.labels || [])].map(l => l.textContent).join("");
    return !(by + own + labels + (el.getAttribute("aria-label") || "")
             + (el.getAttribute("title") || "")).trim();
  })
  .map(el => el.outerHTML.slice(0, 120))"""


@pytest.mark.parametrize(
    ("path", "step"),
    [
        ("/", _suggestions_open),
        ("/billing/invoices-and-payments/failed-payments/", _rating_reasons_open),
        ("/contact/", _contact_errors),
        ("/search-results/?q=refund", None),
    ],
    ids=["home", "article", "contact", "results"],
)
def test_every_visible_form_control_has_a_name(
    page: Page, portal: Portal, path: str, step: Step
) -> None:
    page.goto(portal.url + path)
    # the results page is ready once its API results are in; the others once they have a title
    ready = ".kb-result" if path.startswith("/search-results/") else "h1"
    expect(page.locator(ready).first).to_be_visible()
    if step is not None:
        step(page)
    controls = page.locator("input:visible, select:visible, textarea:visible, button:visible")
    assert controls.count() >= 2
    assert page.evaluate(UNLABELLED) == []


def tab_to(page: Page, target: Locator, limit: int = 40) -> None:
    """Press Tab until ``target`` has focus; every stop on the way must be visible."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
        visible = page.evaluate(
            "() => { const el = document.activeElement;"
            " return el === document.body || el.getClientRects().length > 0"
            " && !el.closest('[aria-hidden=true]'); }"
        )
        assert visible, "Tab landed on an invisible control"
    expect(target).to_be_focused()


def test_contact_form_by_keyboard_alone(page: Page, portal: Portal) -> None:
    page.goto(portal.url + "/contact/")
    expect(page.locator("form[data-kb-contact]")).to_be_visible()
    page.keyboard.press("Tab")  # from the top of the page, like a keyboard user
    for label, value in CONTACT_FIELDS.items():
        field = page.get_by_label(label, exact=True)
        tab_to(page, field)
        page.keyboard.type(value)
        if label == "Email address":  # the topic comes next: choose it with the arrow keys
            topic = page.get_by_label("Topic")
            tab_to(page, topic)
            page.keyboard.press("ArrowDown")
            page.keyboard.press("ArrowDown")
            expect(topic).not_to_have_value("")
    send = page.get_by_role("button", name="Send request")
    tab_to(page, send)
    page.keyboard.press("Space")

    status = page.locator("[data-kb-contact-status]")
    expect(status).to_contain_text("Your reference number is KB-")
    reference = status.locator("strong").inner_text()
    assert re.fullmatch(r"KB-[2-9A-Z]{6}", reference)
    rows = portal.rows(
        "SELECT subject, topic FROM contact_requests WHERE reference = ?", (reference,)
    )
    assert [r["subject"] for r in rows] == [CONTACT_FIELDS["Subject"]]
    assert rows[0]["topic"]  # chosen with the arrow keys

    again = page.get_by_role("button", name="Send another request")
    tab_to(page, again)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Your name")).to_be_focused()


def test_tab_from_the_header_search_goes_on_to_the_page(page: Page, portal: Portal) -> None:
    """Tab out of the header search, suggestions open or not, lands on a control of the page:
    never on Material's results scroll box, an empty focusable DIV that read "Type to start
    searching" to a screen reader (the suggestions are reached with the arrow keys)."""
    page.goto(portal.url + "/")
    for typed in ("", "refnd"):
        expect(page.locator("html")).to_have_attribute("data-kb-search", "api")
        box = page.locator("#kb-q-header")
        box.click()
        box.fill("")
        if typed:
            box.press_sequentially(typed)
            expect(page.locator("#kb-suggest-header [role=option]").first).to_be_visible()
        box.press("Tab")
        landed = page.evaluate(
            "() => { const el = document.activeElement; return [el.tagName, el.className]; }"
        )
        assert "md-search__scrollwrap" not in landed[1], landed
        assert landed[0] in ("A", "INPUT", "BUTTON", "SELECT", "TEXTAREA", "BODY"), landed
        page.keyboard.press("Escape")
