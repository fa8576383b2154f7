"""A search asking for a person in a real Chromium: "talk to a human" typed into the header
offers the contact form as the first option, reached by the keyboard; the results page puts the
way to support above the articles; an ordinary search holding such a word offers no contact
option. Screenshots in test-artifacts/contact-*.png."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, Portal

ARTICLE = "/billing/plans/change-plan/"


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"contact-{name}.png"))


def header_search(page: Page, portal: Portal, q: str) -> Any:
    """Type ``q`` into the header search of an article, as a visitor does; returns the box."""
    page.goto(portal.url + ARTICLE)
    expect(page.locator("html")).to_have_attribute("data-kb-search", "api")
    box = page.locator("#kb-q-header")
    box.click()
    box.press_sequentially(q, delay=20)
    return box


def test_talk_to_a_human_in_the_header_reaches_the_contact_form_first(
    page: Page, portal: Portal
) -> None:
    box = header_search(page, portal, "talk to a human")
    options = page.locator("#kb-suggest-header [role=option]")
    expect(options.first).to_have_id("kb-suggest-header-contact")
    expect(options.first).to_contain_text("Contact our support team")
    status = page.locator(".kb-header-results [role=status]")
    expect(status).to_have_text("You can contact our support team, or read the articles below.")
    # the articles still follow, set apart under their own heading
    expect(options.nth(1)).to_have_attribute("data-more", "Articles that might also help")
    page.wait_for_timeout(1200)  # the query settles and is logged (search.js SETTLE_MS)
    shot(page, "header-1280")
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", "kb-suggest-header-contact")
    box.press("Enter")
    expect(page).to_have_url(portal.url + "/contact/")
    expect(page.locator("form[data-kb-contact]")).to_be_visible()
    [logged] = portal.wait_rows(
        "SELECT contact, answered FROM searches WHERE raw_query = ? ORDER BY id DESC LIMIT 1",
        ("talk to a human",),
    )
    assert (logged["contact"], logged["answered"]) == (1, 0)


def test_the_results_page_puts_the_contact_form_above_the_articles(
    page: Page, portal: Portal
) -> None:
    page.goto(portal.url + "/search-results/?q=" + quote_plus("how do i contact support"))
    summary = page.locator(".kb-results__summary")
    expect(summary).to_have_text("Looking for a person? Our support team is here to help.")
    button = page.locator(".kb-results__contact a")
    expect(button).to_have_text("Contact support")
    # the way to support first, then the articles under their heading; no "No luck?" box
    expect(page.locator(".kb-results__contact + .kb-results__more")).to_have_text(
        "Articles that might also help"
    )
    expect(page.locator(".kb-result").first).to_be_visible()
    expect(page.locator("[data-kb-noresults]")).to_be_hidden()
    expect(page.locator("[data-kb-morehelp]")).to_be_hidden()  # it leads already
    shot(page, "results-1280")
    button.click()
    expect(page).to_have_url(portal.url + "/contact/")


def test_an_ordinary_search_with_such_a_word_offers_no_contact(page: Page, portal: Portal) -> None:
    header_search(page, portal, "change my email")
    options = page.locator("#kb-suggest-header [role=option]")
    expect(options.first).to_contain_text("Change your email address")
    expect(page.locator("#kb-suggest-header-contact")).to_have_count(0)


def test_a_person_asked_for_with_no_article_is_not_told_of_articles_below(
    page: Page, portal: Portal
) -> None:
    """ "i want to speak to someone" finds no article, only the contact option: the status
    said "…or read the articles below." over no articles. It says what is shown."""
    header_search(page, portal, "i want to speak to someone")
    options = page.locator("#kb-suggest-header [role=option]")
    expect(options.first).to_have_id("kb-suggest-header-contact")
    page.wait_for_timeout(1200)  # the query settles: nothing changes after
    expect(options).to_have_count(1)
    status = page.locator(".kb-header-results [role=status]")
    expect(status).to_have_text("You can contact our support team.")
    shot(page, "no-articles")
