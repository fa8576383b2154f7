"""The FAQ page in a real browser: each question opens to its answer, not a summary."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Portal


def test_the_faq_shows_answers(page: Page, portal: Portal) -> None:
    page.goto(portal.url + "/faq/")
    money = page.locator("details.kb-faq__item", has_text="Can I get my money back?")
    answer = money.locator(".kb-faq__answer")
    expect(answer).to_be_hidden()
    money.locator("summary").click()
    expect(answer).to_be_visible()
    expect(answer).to_contain_text("Yes, in these cases:")
    expect(answer.get_by_role("listitem").first).to_contain_text("30-day money-back guarantee")
    expect(money).not_to_contain_text("When Tandem refunds a payment, how to ask for one")

    cost = page.locator("details.kb-faq__item", has_text="How much does Tandem cost?")
    cost.locator("summary").click()
    expect(cost.locator(".kb-faq__answer")).to_contain_text("$4 per user per month")
    expect(cost.locator(".kb-faq__answer")).to_contain_text("$8 per user per month")

    time_off = page.locator("details.kb-faq__item", has_text="How do I request time off?")
    time_off.locator("summary").click()  # no faq_answer: the steps of the matching section
    steps = time_off.locator(".kb-faq__answer ol > li")
    expect(steps.first).to_contain_text("In the app, tap Requests")
    full = time_off.get_by_role("link", name="Read the full answer: Availability and time off")
    full.click()
    expect(page.locator("h1")).to_have_text("Availability and time off")
