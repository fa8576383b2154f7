"""The answer card in a real Chromium: above the results, first in the header and home lists
(keyboard reachable, announced), above the contact form's suggestions; none for a keyword, none
in Material's static fallback; its text is text, and it looks like a help center's card at
1280 and 390 px (screenshots in test-artifacts/answer-*.png)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote_plus

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, Portal, wait_settled

ARTICLE = "/billing/plans/change-plan/"
QUESTION = "how do i download an invoice?"  # a card with a margin over the threshold
TITLE = "Find and download invoices"
ARTICLE_ID = "invoices"
KEYWORD = "refund"


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"answer-{name}.png"))


def api_answer(page: Page, portal: Portal, q: str) -> dict[str, Any]:
    """What /api/search answers (over real HTTP), to hold the page against; returns once its
    log row is written (the store buffers them), so the page's own rows come after it."""
    before = last_search(portal)
    found: dict[str, Any] = page.request.get(portal.url + "/api/search", params={"q": q}).json()
    assert portal.wait_rows("SELECT id FROM searches WHERE raw_query = ? AND id > ?", (q, before))
    return found


def last_search(portal: Portal) -> int:
    n: int = portal.rows("SELECT coalesce(max(id), 0) AS n FROM searches")[0]["n"]
    return n


def cited(portal: Portal, card: dict[str, Any]) -> str:
    return portal.url + card["url"] + (f"#{card['anchor']}" if card["anchor"] else "")


def header(page: Page) -> Any:
    return page.locator("#kb-q-header")


def test_results_page_shows_the_cited_answer_above_the_results(page: Page, portal: Portal) -> None:
    card = api_answer(page, portal, QUESTION)["answer"]
    assert card is not None and card["title"] == TITLE
    page.goto(portal.url + "/search-results/")
    box = page.get_by_role("combobox", name="Search the help center")
    box.fill(QUESTION)
    box.press("Enter")  # the results page's own box: typed, then searched
    answer = page.locator(".kb-answer")
    expect(answer.locator("figcaption")).to_have_text(f"From {TITLE}:")
    link = answer.get_by_role("link", name=TITLE)
    expect(link).to_have_attribute("href", cited(portal, card))
    # a line of the card's text is a paragraph: the invoice steps read as three steps
    lines = card["text"].split("\n")
    assert [line[:3] for line in lines] == ["1. ", "2. ", "3. "]
    expect(answer.locator("blockquote p")).to_have_text(lines)
    # above the results, which follow unchanged
    expect(page.locator(".kb-results .kb-answer + .kb-result-list")).to_have_count(1)
    expect(page.locator(".kb-result").first).to_contain_text(TITLE)
    shot(page, "results-1280")
    before = portal.rows("SELECT count(*) AS n FROM clicks")[0]["n"]
    link.click()
    expect(page).to_have_url(cited(portal, card))
    assert portal.wait_rows(
        "SELECT id FROM clicks WHERE query = ? AND article_id = ? AND position = 0 AND id > ?",
        (QUESTION, ARTICLE_ID, before),
    )


TABLE_QUESTION = "why was my card declined"  # a card of a table's rows, under its header


def test_a_card_of_table_rows_is_laid_out_as_a_table(page: Page, portal: Portal) -> None:
    """The card quoting the failed-payments reasons showed "Reason shown · What it usually
    means" as a sentence above each row's cells glued with "·", and the header list clipped it
    after one row: its rows are now a small table under their header row, on the results page
    and in the header's list."""
    card = api_answer(page, portal, TABLE_QUESTION)["answer"]
    assert card is not None and card["lines"][:2] == ["header", "row"], card
    text = card["text"].split("\n")
    page.goto(portal.url + "/search-results/?q=" + quote_plus(TABLE_QUESTION))
    table = page.locator(".kb-answer table.kb-answer__table")
    expect(table.locator("thead th")).to_have_text(text[0].split(" · "))
    rows = [t for t, kind in zip(text, card["lines"], strict=True) if kind == "row"]
    expect(table.locator("tr:not(.kb-answer__more) td").first).to_have_text(rows[0].split(" · ")[0])
    expect(table.locator("tr:has(td):not(.kb-answer__more)")).to_have_count(len(rows))
    expect(page.locator(".kb-answer blockquote > p")).to_have_count(card["lines"].count("text"))
    if "more" in card["lines"]:
        expect(table.locator(".kb-answer__more")).to_have_text("…")
    shot(page, "table-1280")
    page.goto(portal.url + ARTICLE)
    header(page).click()
    header(page).press_sequentially(TABLE_QUESTION, delay=20)
    option = page.locator("#kb-suggest-header-answer")
    expect(option.locator("thead th")).to_have_text(text[0].split(" · "))
    shot(page, "table-header-1280")


def test_a_keyword_search_shows_no_card(page: Page, portal: Portal) -> None:
    assert api_answer(page, portal, KEYWORD)["answer"] is None
    page.goto(portal.url + "/search-results/?q=" + KEYWORD)
    expect(page.locator(".kb-result").first).to_be_visible()
    expect(page.locator(".kb-answer")).to_have_count(0)
    page.goto(portal.url + ARTICLE)
    header(page).click()
    header(page).press_sequentially(KEYWORD, delay=30)
    expect(page.locator("#kb-suggest-header [role=option]").first).to_contain_text("Get a refund")
    assert portal.wait_rows("SELECT id FROM searches WHERE raw_query = ?", (KEYWORD,))
    # the settled search's answer is in (the visit remembers it, with no card): still no card
    page.wait_for_function(f"() => {KEYWORD!r} in JSON.parse(sessionStorage['kb.cards'] || '{{}}')")
    expect(page.locator("#kb-suggest-header-answer")).to_have_count(0)


def test_header_card_is_the_first_option_announced_and_reachable_by_keyboard(
    page: Page, portal: Portal
) -> None:
    card = api_answer(page, portal, QUESTION)["answer"]
    before = last_search(portal)
    clicks = portal.rows("SELECT coalesce(max(id), 0) AS n FROM clicks")[0]["n"]
    page.goto(portal.url + ARTICLE)
    expect(page.locator("html")).to_have_attribute("data-kb-search", "api")
    box = header(page)
    box.click()
    box.press_sequentially(QUESTION, delay=20)
    options = page.locator("#kb-suggest-header [role=option]")
    option = page.locator("#kb-suggest-header-answer")
    expect(options.first).to_have_id("kb-suggest-header-answer")  # once the query settled
    expect(option).to_contain_text(f"From {TITLE}:")
    # each step of the card on a line of its own (they were one run-on line: "1. Go … 2. Find")
    lines = option.locator(".kb-option__line")
    expect(lines).to_have_text(card["text"].split("\n"))
    tops = [box["y"] for box in (lines.nth(i).bounding_box() for i in range(2))]
    assert tops[1] > tops[0], tops
    status = page.locator(".kb-header-results [role=status]")
    expect(status).to_have_text(re.compile(rf"^An answer from “{TITLE}”, and \d+ articles? found"))
    # the articles past that count are set apart under "Other articles that might help"
    matching = int(re.findall(r"(\d+) articles? found", status.inner_text())[0])
    articles = page.locator("#kb-suggest-header [role=option]:not(#kb-suggest-header-answer)")
    assert articles.count() > matching, "the example lists weaker articles too"
    more = page.locator("#kb-suggest-header .kb-option--more")
    expect(more).to_have_count(1)
    expect(more).to_have_attribute("data-more", "Other articles that might help")
    expect(articles.nth(matching)).to_have_class(re.compile(r"\bkb-option--more\b"))
    expect(box).to_have_attribute("aria-expanded", "true")
    shot(page, "header-1280")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "kb-suggest-header-answer")
    expect(option).to_have_attribute("aria-selected", "true")
    box.press("ArrowDown")  # then the articles, in their order
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    box.press("ArrowUp")
    box.press("Enter")
    expect(page).to_have_url(cited(portal, card))
    # this click's own row (an earlier test clicked the same card); the search it follows was
    # queued before it, so is written by now
    assert portal.wait_rows(
        "SELECT id FROM clicks WHERE query = ? AND article_id = ? AND position = 0 AND id > ?",
        (QUESTION, ARTICLE_ID, clicks),
    )
    logged = portal.rows(
        "SELECT answered FROM searches WHERE raw_query = ? AND id > ?", (QUESTION, before)
    )
    assert [r["answered"] for r in logged] == [1]  # the card came with the one log request


def test_home_box_shows_the_card_and_the_visit_remembers_it(page: Page, portal: Portal) -> None:
    q = "how long do web sessions last?"  # a card from a section: url#anchor
    card = api_answer(page, portal, q)["answer"]
    assert card is not None
    before = last_search(portal)
    page.goto(portal.url + "/")
    box = page.get_by_role("combobox", name="Search the help center")
    box.press_sequentially(q, delay=20)
    option = page.get_by_role("option", name=re.compile(r"^From " + re.escape(card["title"])))
    expect(option).to_be_visible()
    shot(page, "home-1280")
    box.press("Enter")  # the box logged it: the results page asks unlogged, the card is kept
    answer = page.locator(".kb-answer")
    expect(answer.get_by_role("link", name=card["title"])).to_have_attribute(
        "href", cited(portal, card)
    )
    assert (
        len(portal.rows("SELECT id FROM searches WHERE raw_query = ? AND id > ?", (q, before))) == 1
    )


def test_contact_form_shows_the_card_above_its_suggestions(page: Page, portal: Portal) -> None:
    card = api_answer(page, portal, QUESTION)["answer"]
    before = last_search(portal)
    events = portal.rows("SELECT coalesce(max(id), 0) AS n FROM contact_events")[0]["n"]
    page.goto(portal.url + "/contact/")
    subject = page.get_by_label("Subject")
    subject.fill(QUESTION)
    subject.press("Tab")  # the subject is written: the card answers it
    deflect = page.locator("[data-kb-deflect]")
    answer = deflect.locator(".kb-answer")
    expect(answer.locator("figcaption")).to_have_text(f"From {TITLE}:")
    expect(deflect.locator(".kb-deflect__answer + p + ul li").first).to_be_visible()
    shot(page, "contact-1280")
    subject.fill("")
    expect(answer).to_have_count(0)  # an edited subject drops the card it no longer matches
    subject.fill(QUESTION)
    subject.press("Tab")
    link = answer.get_by_role("link", name=TITLE)
    expect(link).to_have_attribute("href", cited(portal, card))
    link.click()
    expect(page).to_have_url(cited(portal, card))
    opened = portal.wait_rows(
        "SELECT article_id FROM contact_events WHERE kind = 'opened' AND id > ?", (events,)
    )
    assert [r["article_id"] for r in opened] == [ARTICLE_ID]
    assert page.evaluate("sessionStorage.getItem('kb.searches')") is None  # not the visit's
    # the card came from /api/suggest?complete=true: a contact subject is never a logged search
    # (a marker search written after it flushes whatever the page logged before, in order)
    api_answer(page, portal, "marker search")
    logged = portal.rows("SELECT raw_query FROM searches WHERE id > ?", (before,))
    assert [r["raw_query"] for r in logged] == ["marker search"]


@pytest.mark.parametrize("where", ["results", "header", "contact"])
def test_the_card_at_390_px(browser: Any, portal: Portal, where: str) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-US", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        if where == "results":
            page.goto(portal.url + "/search-results/?q=" + quote_plus(QUESTION))
            expect(page.locator(".kb-answer")).to_be_visible()
        elif where == "header":
            page.goto(portal.url + ARTICLE)
            expect(page.locator("html")).to_have_attribute("data-kb-search", "api")
            page.locator("label[for=__search]").first.click()  # the phone's search button
            header(page).press_sequentially(QUESTION, delay=20)
            expect(page.locator("#kb-suggest-header-answer")).to_be_visible()
        else:
            page.goto(portal.url + "/contact/")
            page.get_by_label("Subject").fill(QUESTION)
            page.get_by_label("Subject").press("Tab")
            page.locator("[data-kb-deflect]").scroll_into_view_if_needed()
            expect(page.locator("[data-kb-deflect] .kb-answer")).to_be_visible()
        # judged at rest: no transition (Material's search overlay, say) still under way
        wait_settled(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways ({width} px)"
        shot(page, f"{where}-390")
    finally:
        context.close()


def test_static_fallback_shows_no_card(page: Page, static_portal: Portal) -> None:
    page.goto(static_portal.url + "/search-results/?q=" + quote_plus(QUESTION))
    expect(page.locator(".kb-results__note")).to_be_visible()  # Material's quick results
    expect(page.locator(".md-search-result__item").first).to_be_visible()
    expect(page.locator(".kb-answer, [id$=-answer]")).to_have_count(0)


HOSTILE = {
    "text": '<img src=x onerror="window.pwned=1">Ask <b>us</b>.',
    "id": "refunds",
    "title": "<script>window.pwned=2</script>Get a refund",
    "url": "javascript:window.pwned=3//",
    "anchor": '"><svg onload=window.pwned=4>',
    "score": 0.9,
}


def test_a_hostile_card_is_shown_as_text(page: Page, portal: Portal) -> None:
    """The one stand-in in this file: a server bug's card, to prove the page never parses it."""

    def hostile(route: Any) -> None:
        found = route.fetch().json()
        route.fulfill(json={**found, "answer": HOSTILE})

    page.route(re.compile(r"/api/search\?"), hostile)
    page.goto(portal.url + "/search-results/?q=" + quote_plus(QUESTION))
    answer = page.locator(".kb-answer")
    expect(answer.locator("blockquote")).to_have_text(HOSTILE["text"])
    expect(answer.locator("cite")).to_have_text(HOSTILE["title"])
    assert answer.locator("img, b, script, svg").count() == 0
    href = answer.locator("a").get_attribute("href") or ""
    assert href.startswith(portal.url + "/")  # a path of the site, never a javascript: URL
    assert page.evaluate("window.pwned") is None
