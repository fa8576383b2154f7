"""The contact form in a real browser: deflection, validation, drafts, reference, outages."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ARTIFACTS, Portal

FIELDS = {
    "Your name": "Ada Lovelace",
    "Email address": "ada@example.com",
    "Subject": "I want my money back",
    "How can we help?": "I paid for a yearly plan twice this month.",
}


def fill_form(page: Page) -> None:
    for label, value in FIELDS.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Topic").select_option("Billing and invoices")


def test_request_with_deflection_gets_a_reference_and_is_stored(page: Page, portal: Portal) -> None:
    # what the visitor searched and read first travels with the request
    page.goto(portal.url + "/search-results/?q=refnd")
    expect(page.locator(".kb-result").first).to_be_visible()
    page.goto(portal.url + "/billing/invoices-and-payments/refunds/")
    page.get_by_role("link", name="Contact support").last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact support")
    expect(page.locator("[data-kb-hours-status]")).to_have_text(
        re.compile(r"^We're (online now\.|offline now; we'll reply when we're back\.)$")
    )

    fill_form(page)
    deflect = page.locator("[data-kb-deflect]")
    expect(deflect.get_by_role("link", name="Get a refund")).to_be_visible()
    page.get_by_role("button", name="Send request").click()

    status = page.locator("[data-kb-contact-status]")
    expect(status).to_contain_text("Your reference number is KB-")
    reference = status.locator("strong").inner_text()
    assert re.fullmatch(r"KB-[2-9A-Z]{6}", reference)
    assert status.inner_text().count(reference) == 1  # said once, on its own line
    expect(page.get_by_label("Subject", exact=True)).to_be_hidden()  # the reference stands alone
    assert page.evaluate("localStorage.getItem('kb.contactDraft')") is None
    again = page.get_by_role("button", name="Send another request")
    said = status.locator("p").last.bounding_box()
    button = again.bounding_box()
    assert said and button and button["y"] - (said["y"] + said["height"]) >= 8  # not cramped
    again.click()
    expect(page.get_by_label("Your name")).to_be_focused()
    expect(page.get_by_label("Subject", exact=True)).to_have_value("")

    rows = portal.rows(
        "SELECT email, topic, subject, fields, context FROM contact_requests WHERE reference = ?",
        (reference,),
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row["email"], row["topic"], row["subject"]) == (
        "ada@example.com",
        "Billing and invoices",
        "I want my money back",
    )
    assert json.loads(row["fields"])["message"] == FIELDS["How can we help?"]
    context = json.loads(row["context"])
    [searched] = context["searches"]
    assert searched["q"] == "refnd" and searched["hits"] > 0 and searched["answered"] is True
    assert context["viewed"] == ["refunds"]


def test_a_search_with_no_exact_match_travels_with_the_request_as_unanswered(
    page: Page, portal: Portal
) -> None:
    # "No exact match": articles share a word with it, but kb gaps counts it as finding nothing
    # (and the contact after it as an escalation after a failed search) only if it knows
    page.goto(portal.url + "/search-results/?q=slack%20integration")
    expect(page.get_by_text("No exact match for “slack integration”")).to_be_visible()
    page.goto(portal.url + "/contact/")
    fill_form(page)
    page.get_by_role("button", name="Send request").click()
    status = page.locator("[data-kb-contact-status]")
    expect(status).to_contain_text("Your reference number is KB-")
    reference = status.locator("strong").inner_text()
    [row] = portal.rows("SELECT context FROM contact_requests WHERE reference = ?", (reference,))
    [searched] = json.loads(row["context"])["searches"]
    assert searched["q"] == "slack integration"
    assert searched["hits"] > 0
    assert searched["answered"] is False


def test_invalid_fields_are_explained_and_focused(page: Page, portal: Portal) -> None:
    page.goto(portal.url + "/contact/")
    page.get_by_label("Email address").fill("ada@example")
    page.get_by_role("button", name="Send request").click()

    name = page.get_by_label("Your name")
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#kb-e-name")).to_have_text("Please fill in this field.")
    expect(page.locator("#kb-e-email")).to_have_text(
        "Please enter a valid email address, like name@example.com."
    )
    expect(page.locator("#kb-e-topic")).to_have_text("Please choose an option.")
    name.fill("Ada")
    expect(name).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#kb-e-name")).to_be_hidden()
    assert not portal.rows("SELECT 1 FROM contact_requests WHERE email = ?", ("ada@example",))


# The focused field, its label and Material's sticky header, where they are on the screen.
IN_VIEW = """() => {
  const field = document.activeElement;
  const label = document.querySelector(`label[for="${field.id}"]`);
  return { field: field.getBoundingClientRect().toJSON(),
           label: label.getBoundingClientRect().toJSON(),
           header: document.querySelector(".md-header").getBoundingClientRect().bottom,
           height: innerHeight };
}"""


def test_an_invalid_field_is_focused_below_the_header_with_its_label(
    browser: Browser, portal: Portal
) -> None:
    """On a phone (375 px) Send focused the first invalid field at the top of the screen,
    under Material's sticky header (field at -0.5 px, header 0-48 px), its label scrolled
    off. Focused from below, a field stops under the header with its label in sight."""
    context = browser.new_context(viewport={"width": 375, "height": 700}, locale="en-US")
    phone = context.new_page()
    phone.goto(portal.url + "/contact/")
    cases = [("Your name", {"Email address": "ann@example"})]
    # and a field half-way down, sent from the bottom of the page
    cases.append(("Email address", FIELDS | {"Email address": "ann@example"}))
    for invalid, values in cases:
        for label, value in values.items():
            phone.get_by_label(label, exact=True).fill(value)
        if invalid != "Your name":
            phone.get_by_label("Topic").select_option("Billing and invoices")
        phone.get_by_role("button", name="Send request").click()
        expect(phone.get_by_label(invalid, exact=True)).to_be_focused()
        seen = phone.evaluate(IN_VIEW)
        assert seen["label"]["top"] >= seen["header"], (invalid, seen)
        assert seen["field"]["bottom"] <= seen["height"], (invalid, seen)
    context.close()


def test_the_reference_never_breaks_at_its_hyphen(browser: Browser, portal: Portal) -> None:
    """ "KB-" / "CHJAU7" on two lines of a phone is a number nobody reads back right."""
    context = browser.new_context(viewport={"width": 320, "height": 700}, locale="en-US")
    phone = context.new_page()
    phone.goto(portal.url + "/contact/")
    fill_form(phone)
    phone.get_by_role("button", name="Send request").click()
    reference = phone.locator("[data-kb-contact-status] strong")
    expect(reference).to_have_text(re.compile(r"^KB-"))
    assert reference.evaluate("e => e.getClientRects().length") == 1
    context.close()


def test_draft_is_restored_after_a_reload(page: Page, portal: Portal) -> None:
    page.goto(portal.url + "/contact/")
    page.get_by_label("Subject", exact=True).fill("Overtime is wrong")
    page.get_by_label("How can we help?").fill("Line one\nLine two")
    page.get_by_label("Topic").select_option("Time tracking and timesheets")
    page.reload()
    expect(page.get_by_label("Subject", exact=True)).to_have_value("Overtime is wrong")
    expect(page.get_by_label("How can we help?")).to_have_value("Line one\nLine two")
    expect(page.get_by_label("Topic")).to_have_value("Time tracking and timesheets")


def test_api_down_keeps_the_text_and_offers_mailto(page: Page, static_portal: Portal) -> None:
    page.goto(static_portal.url + "/contact/")
    fill_form(page)
    page.get_by_role("button", name="Send request").click()

    status = page.locator("[data-kb-contact-status]")
    expect(status).to_contain_text("We couldn't send your request")
    mailto = status.get_by_role("link", name="email it to support@tandem.example")
    href = mailto.get_attribute("href") or ""
    parts = urlsplit(href)
    assert (parts.scheme, parts.path) == ("mailto", "support@tandem.example")
    query = parse_qs(parts.query)
    assert query["subject"] == ["I want my money back"]
    assert "Ada Lovelace" in query["body"][0]
    assert FIELDS["How can we help?"] in query["body"][0]
    for label, value in FIELDS.items():
        expect(page.get_by_label(label, exact=True)).to_have_value(value)

    page.reload()  # and the draft survives the failed attempt
    expect(page.get_by_label("How can we help?")).to_have_value(FIELDS["How can we help?"])


def test_support_hours_status_follows_the_support_time_zone(page: Page, portal: Portal) -> None:
    # Support works Mon-Fri 08:00-18:00 Europe/Dublin (UTC+0 in November, UTC+1 in summer).
    cases = [
        ("2026-11-25T10:00:00Z", "We're online now."),  # Wednesday 10:00 in Dublin
        ("2026-11-25T18:30:00Z", "We're offline now; we'll reply when we're back."),
        ("2026-11-29T10:00:00Z", "We're offline now; we'll reply when we're back."),  # Sunday
        ("2026-07-01T07:30:00Z", "We're online now."),  # 08:30 Irish summer time
    ]
    for when, expected in cases:
        page.clock.set_fixed_time(when)
        page.goto(portal.url + "/contact/")
        expect(page.locator("[data-kb-hours-status]")).to_have_text(expected)


def test_the_thank_you_does_not_repeat_the_response_time(page: Page, portal: Portal) -> None:
    """The page says "We answer within 4 business hours on Business, …" above the form; the
    thank-you said it again ("Thank you, we have received your request; we answer within 4
    business hours…"). Once sent, the page says the response time once."""
    page.goto(portal.url + "/contact/")
    fill_form(page)
    page.get_by_role("button", name="Send request").click()
    status = page.locator("[data-kb-contact-status]")
    expect(status).to_contain_text("Your reference number is KB-")
    expect(status).to_contain_text("We've received your request.")
    page.screenshot(path=str(ARTIFACTS / "contact-sent.png"))
    said = re.match(r"We answer (.+?)\. ", page.locator(".kb-hours").inner_text())
    assert said, "the page says the response time above the form"
    text = page.locator("article").inner_text()
    assert text.count(said[1]) == 1, text
