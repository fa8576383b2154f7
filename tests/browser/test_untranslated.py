"""An English article the French portal shows untranslated says so after its title ("en
anglais"), in the results page, the header's list and the contact form's suggestions; a French
article says nothing. Screenshots in test-artifacts/untranslated-*.png."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, Portal

MARK = "en anglais"


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"untranslated-{name}.png"))


def test_the_results_page_marks_english_articles_on_fr(page: Page, portal: Portal) -> None:
    page.goto(portal.url + "/fr/search-results/?q=remboursement")
    english = page.locator(".kb-result__title", has_text="Get a refund")
    expect(english.locator(".kb-badge--language")).to_have_text(MARK)
    shot(page, "results")
    page.goto(portal.url + "/fr/search-results/?q=pointer+arrivée")
    french = page.locator(".kb-result__title", has_text="Pointer à l'arrivée et au départ")
    expect(french).to_be_visible()
    expect(french.locator(".kb-badge--language")).to_have_count(0)


def test_the_header_list_marks_english_articles_on_fr(page: Page, portal: Portal) -> None:
    page.goto(portal.url + "/fr/")
    expect(page.locator("html")).to_have_attribute("data-kb-search", "api")
    box = page.locator("#kb-q-header")
    box.click()
    box.press_sequentially("remboursement", delay=20)
    option = page.locator("#kb-suggest-header [role=option]", has_text="Get a refund")
    expect(option.locator(".kb-badge--language")).to_have_text(MARK)
    shot(page, "header")


def test_the_contact_suggestions_mark_english_articles_on_fr(page: Page, portal: Portal) -> None:
    page.goto(portal.url + "/fr/contact/")
    page.locator("#kb-f-subject").press_sequentially("remboursement", delay=20)
    link = page.locator("[data-kb-deflect] li", has_text="Get a refund")
    expect(link.locator(".kb-badge--language")).to_have_text(MARK)
    shot(page, "contact")


def test_english_articles_carry_no_mark_on_the_english_portal(page: Page, portal: Portal) -> None:
    page.goto(portal.url + "/search-results/?q=refund")
    expect(page.locator(".kb-result").first).to_be_visible()
    expect(page.locator(".kb-badge--language")).to_have_count(0)
