"""The writer's, the agent's and the browsing customer's journeys in a real Chromium.

writer: `kb new` -> edit -> `kb check` -> `kb build` under the running app -> the article is
        live, searchable (even with a typo), listed in its category, and has its permalink.
agent:  /internal/ -> token sign-in (a wrong token first) -> the header's ranked search finds an
        internal article -> open it -> sign out -> /internal/ asks for the token again.
customer: home -> category -> section -> article (crumbs lead back); FAQ: expand a question,
        follow it to its article. (Search, rating and contact journeys: test_search_journey,
        test_rating_widget, test_contact_form.)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ARTIFACTS, ROOT, Portal, agents_portal

KB = str(Path(sys.executable).parent / "kb")
TOKEN = "journey-agent-token-" + "t" * 24


@dataclass(frozen=True)
class Site:
    url: str
    content: Path
    config: Path
    build: Path

    def kb(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [KB, *args, "--content", str(self.content), "--config", str(self.config)]
        return subprocess.run(
            command, cwd=self.content.parent, capture_output=True, text=True, timeout=300
        )


@pytest.fixture
def site(built_site: Path, tmp_path: Path) -> Iterator[Site]:
    """A copy of the example (content and build) served by the real app, with an agent token."""
    content, build = tmp_path / "content", tmp_path / "build"
    shutil.copytree(ROOT / "content", content)
    shutil.copytree(built_site, build)
    with agents_portal(build, tmp_path, TOKEN) as served:
        yield Site(served.url, content, tmp_path / "site_config.yml", build)


def search(page: Page, site: Site, q: str) -> None:
    page.goto(site.url + "/")
    box = page.get_by_role("main").get_by_role("combobox", name="Search the help center")
    box.fill(q)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search-results/\?q="))
    expect(page.locator(".kb-results__summary")).not_to_be_empty()  # the results have come


def test_writer_publishes_an_article_that_is_live_and_searchable(page: Page, site: Site) -> None:
    title = "Export timesheets to Zorblax"
    search(page, site, "zorblax")
    expect(page.locator(".kb-result")).to_have_count(0)  # not yet written

    created = site.kb("new", title, "--category", "time-tracking")
    assert created.returncode == 0, created.stderr
    path = site.content / "time-tracking" / "export-timesheets-to-zorblax.md"
    assert path.is_file(), created.stdout
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "One sentence saying what the reader will be able to do.",
        "Send approved timesheets to Zorblax payroll in one click.",
    )
    for placeholder, written in {
        "Start with the answer in one or two sentences.": (
            "Open Timesheets, select the approved weeks and choose Export to Zorblax."
        ),
        "First step.": "Open Timesheets and select the approved weeks.",
        "Second step.": "Choose Export to Zorblax.",
        "Describe the most common problem and its fix.": (
            "Nothing arrives in Zorblax? Check that the weeks are approved."
        ),
        "visibility: draft": "visibility: public",  # `kb new` starts a draft: publish it
    }.items():
        text = text.replace(placeholder, written)
    path.write_text(text, encoding="utf-8")

    checked = site.kb("check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    built = site.kb("build", "--output", str(site.build), "-q")
    assert built.returncode == 0, built.stdout + built.stderr

    # the running app follows the new build by itself
    for q in ("zorblax", "zorblx payroll"):
        search(page, site, q)
        expect(page.locator(".kb-result").first).to_contain_text(title, timeout=15_000)
    page.locator(".kb-result").first.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("article")).to_contain_text("choose Export to Zorblax")
    expect(page.locator("section[data-kb-rating]")).to_be_visible()

    page.goto(site.url + "/time-tracking/")
    expect(page.get_by_role("article").get_by_role("link", name=title)).to_be_visible()
    page.goto(site.url + "/a/export-timesheets-to-zorblax")
    expect(page).to_have_url(re.compile(r"/time-tracking/export-timesheets-to-zorblax/$"))


def test_agent_signs_in_searches_internal_articles_and_signs_out(page: Page, site: Site) -> None:
    refused: list[str] = []  # the internal portal must work under its CSP too
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto(site.url + "/internal/")
    expect(page).to_have_url(re.compile(r"/internal/login\?next=/internal/$"))
    token = page.get_by_label("Agent token")
    token.fill("not-the-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()

    page.get_by_label("Agent token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/internal/$"))
    expect(page.get_by_text("Internal knowledge base: for agents only")).to_be_visible()

    expect(page.locator("html")).to_have_attribute("data-kb-search", "api")  # the agents' search
    header = page.locator("#kb-q-header")
    header.click()
    header.press_sequentially("refund approval")
    hit = page.locator("#kb-suggest-header [role=option]").filter(has_text="Refund approval policy")
    expect(hit).to_be_visible()
    hit.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Refund approval policy")
    expect(page).to_have_url(re.compile(r"/internal/.+/refund-approval-policy/"))

    # the public portal and its search never show it
    page.goto(site.url + "/search-results/?q=refund+approval+policy")
    expect(page.locator(".kb-results__summary")).to_be_visible()
    expect(page.locator(".kb-result", has_text="Refund approval policy")).to_have_count(0)

    page.goto(site.url + "/internal/")
    page.get_by_role("button", name="Sign out").click()
    page.goto(site.url + "/internal/agent-playbooks/refund-approval-policy/")
    expect(page).to_have_url(re.compile(r"/internal/login\?next="))
    expect(page.get_by_label("Agent token")).to_be_visible()
    assert refused == []


# The session's portal is shared with the other browser tests: these journeys stay off the
# articles whose rows those tests count (invoices, change-plan, manage-sessions, refunds).
def test_customer_browses_category_section_article_and_the_faq(page: Page, portal: Portal) -> None:
    page.goto(portal.url + "/")
    page.get_by_role("link", name=re.compile(r"^Billing")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Billing")
    page.get_by_role("heading", level=2).get_by_role("link", name="Invoices and payments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoices and payments")
    page.get_by_role("article").get_by_role("link", name="Failed payments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Failed payments")
    expect(page).to_have_url(re.compile(r"/billing/invoices-and-payments/failed-payments/$"))
    crumbs = page.get_by_role("navigation", name=re.compile("readcrumb"))
    crumbs.get_by_role("link", name="Billing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Billing")

    page.goto(portal.url + "/faq/")
    question = page.locator("details.kb-faq__item").first
    answer = question.get_by_role("link", name=re.compile(r"^Read the full answer: "))
    expect(answer).to_be_hidden()
    question.locator("summary").press("Enter")  # a disclosure, opened from the keyboard
    expect(answer).to_be_visible()
    title = (answer.inner_text()).removeprefix("Read the full answer: ")
    answer.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


PAGE_KINDS = {
    "home": "/",
    "category": "/billing/",
    "article": "/billing/plans/cancel-subscription/",
    "faq": "/faq/",
    "contact": "/contact/",
    "results": "/search-results/?q=refnd",
    "404": "/no/such/page/",
}


@pytest.mark.parametrize("width", [390, 1280])
def test_every_page_kind_fits_the_screen(browser: Browser, portal: Portal, width: int) -> None:
    """Each page kind at phone and desktop width: a screenshot to look at; none scrolls sideways."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 844}, locale="en-US")
    page = context.new_page()
    try:
        for kind, path in PAGE_KINDS.items():
            page.goto(portal.url + path)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            if kind == "results":
                expect(page.locator(".kb-result").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / f"page-{kind}-{width}.png"), full_page=True)
            sizes = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert sizes[0] <= sizes[1], f"{kind} scrolls sideways at {width}px: {sizes}"
        if width == 390:  # the menu, open, on an article
            page.goto(portal.url + PAGE_KINDS["article"])
            page.locator('label.md-header__button[for="__drawer"]').click()
            expect(page.locator(".md-sidebar--primary nav")).to_be_in_viewport()
            page.wait_for_function(  # the drawer slides in; photograph it once it is all in
                "() => document.querySelector('.md-sidebar--primary')"
                ".getBoundingClientRect().left >= 0"
            )
            page.screenshot(path=str(ARTIFACTS / "page-menu-390.png"))
    finally:
        context.close()


def test_no_page_asks_for_what_is_not_there(page: Page, site: Site) -> None:
    """Every request a page makes succeeds, in the public, French and internal portals (before:
    Material's script asked for sitemap.xml beside each hreflang link, a 404 under every page
    in each language), and no page has a script error."""
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(site.url + "/internal/")
    page.get_by_label("Agent token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/internal/$"))
    pages = (
        "/",
        "/billing/",
        "/billing/invoices-and-payments/refunds/",
        "/faq/",
        "/contact/",
        "/search-results/?q=refund",
        "/fr/",
        "/fr/billing/",
        "/fr/billing/invoices-and-payments/refunds/",
        "/internal/",
        "/internal/agent-playbooks/refund-approval-policy/",
        "/internal/fr/",
    )
    for path in pages:
        page.goto(site.url + path)
        page.wait_for_load_state("networkidle")
        expect(page.get_by_role("heading", level=1).first).to_be_visible()
    assert failed == []
    # the French internal search works: its worker may import lunr's French stemmer (before,
    # the agents' portal served the worker under the API's CSP, and the import failed); it is
    # the fallback there, when the agents' search cannot be reached
    page.route("**/internal/api/**", lambda route: route.abort())
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-kb-search", "static")
    header = page.locator("[data-md-component=search-query]")
    header.click()
    header.press_sequentially("refund")
    expect(page.locator(".md-search-result__item").first).to_be_visible()
    assert failed == []
