"""The internal portal's search boxes in a real Chromium: an agent signs in, and the header, the
home box and the results page rank public and internal articles with the agents' search
(/internal/api/...); both kinds of result open (no 404), nothing is logged as a customer's
search, and Material's static search is still the fallback when that search is unreachable."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, Portal, sign_in_agent

POLICY = "Refund approval policy"
POLICY_PATH = "/internal/agent-playbooks/refund-approval-policy/"
REFUNDS = "Get a refund"
REFUNDS_PATH = "/billing/invoices-and-payments/refunds/"


def failures(page: Page) -> list[str]:
    """Every answer of 400 or more the page gets from now on (a 404 result link among them)."""
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return failed


def header_search(page: Page, q: str) -> Any:
    """Type ``q`` into the header's box (ours, once the agents' search answered); its options."""
    expect(page.locator("html")).to_have_attribute("data-kb-search", "api")
    box = page.locator("#kb-q-header")
    box.click()
    box.press_sequentially(q, delay=40)
    return page.locator("#kb-suggest-header [role=option]")


def test_header_ranks_public_and_internal_articles_and_both_open(
    page: Page, agents: Portal
) -> None:
    failed = failures(page)
    sign_in_agent(page, agents, "/internal/agent-playbooks/escalation-matrix/")
    options = header_search(page, "refund approval")
    expect(options.first).to_contain_text(POLICY)
    expect(options.first.locator(".kb-badge--internal")).to_have_text("Internal")
    expect(options.filter(has_text=REFUNDS)).to_have_count(1)
    expect(options.filter(has_text=REFUNDS).locator(".kb-badge--internal")).to_have_count(0)
    expect(page.locator(".kb-header-results [role=status]")).to_have_text(
        re.compile(r"\d+ articles? found")
    )
    # the agents' ranking, as their endpoint gives it (the page's own cookie signs it)
    ranked = page.request.get(
        agents.url + "/internal/api/suggest", params={"q": "refund approval", "limit": 6}
    ).json()
    shown = options.evaluate_all("(lis) => lis.map((li) => li.dataset.id)")
    assert shown == [s["id"] for s in ranked["suggestions"]]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "internal-header-search.png"))

    options.filter(has_text=REFUNDS).click()  # a public article: the public portal's page
    expect(page).to_have_url(re.compile(re.escape(REFUNDS_PATH) + "(#.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(REFUNDS)

    page.go_back()
    expect(page).to_have_url(re.compile(r"/internal/agent-playbooks/escalation-matrix/$"))
    options = header_search(page, "refund approval")
    options.filter(has_text=POLICY).click()  # an internal one: the internal portal's
    expect(page).to_have_url(re.compile(re.escape(POLICY_PATH) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(POLICY)

    # a question settles into the cited answer card, from the internal article's section
    header_search(page, "how do I process an approved refund in backstage")
    card = page.locator("#kb-suggest-header-answer")
    expect(card).to_contain_text(POLICY)
    href = card.get_attribute("data-href") or ""
    assert href.endswith(POLICY_PATH + "#process-the-refund"), href
    assert failed == []

    # none of it was a customer's search: the one row is the customers' own, made afterwards
    sentinel = page.request.get(agents.url + "/api/search", params={"q": "zzsentinelzz"})
    assert sentinel.ok
    assert agents.wait_rows("SELECT id FROM searches WHERE raw_query = 'zzsentinelzz'")
    assert [r["raw_query"] for r in agents.rows("SELECT raw_query FROM searches")] == [
        "zzsentinelzz"
    ]
    assert agents.rows("SELECT id FROM clicks") == []


def test_enter_opens_the_internal_results_page_whose_results_open(
    page: Page, agents: Portal
) -> None:
    failed = failures(page)
    sign_in_agent(page, agents)
    box = page.get_by_role("main").get_by_role("combobox", name="Search the help center")
    box.fill("refund")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/internal/search-results/\?q=refund$"))
    results = page.locator(".kb-result")
    internal = results.filter(has_text=POLICY)
    expect(internal.locator(".kb-badge--internal")).to_have_text("Internal")
    expect(page.locator(".kb-results__summary")).to_have_text(re.compile(r"\d+ articles? found"))
    results.get_by_role("link", name=REFUNDS, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(REFUNDS)
    expect(page).to_have_url(re.compile(re.escape(REFUNDS_PATH) + "(#.*)?$"))
    page.go_back()
    internal.get_by_role("link", name=POLICY).click()
    expect(page).to_have_url(re.compile(re.escape(POLICY_PATH) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(POLICY)
    assert failed == []


def test_the_header_falls_back_to_material_when_the_agents_search_is_down(
    page: Page, agents: Portal
) -> None:
    sign_in_agent(page, agents)
    page.route("**/internal/api/**", lambda route: route.abort())
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-kb-search", "static")
    box = page.locator("[data-md-component=search-query]")
    box.click()
    box.press_sequentially("refund approval", delay=40)
    hit = page.locator(".md-search-result__item").filter(has_text=POLICY)
    expect(hit.first).to_be_visible()
    expect(page.locator("#kb-suggest-header")).to_have_count(0)
    hit.first.locator("a").first.click()
    expect(page).to_have_url(re.compile(re.escape(POLICY_PATH)))
    expect(page.get_by_role("heading", level=1)).to_have_text(POLICY)
