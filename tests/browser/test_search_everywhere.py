"""One ranking in every search box, in a real Chromium: the header on an article page (typos,
meaning, keyboard, one log row per settled query, Material's static search as the fallback),
the results page's wording, and the contact form's suggestions and deflection trail."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, ROOT, Portal, _serve

ARTICLE = "/billing/plans/change-plan/"
CARD = """---
title: When will my card arrive?
summary: How long a new kiosk badge card takes to reach you, and what to do if it hasn't.
keywords: [badge card, card delivery, replacement card]
---

## Delivery times

A new kiosk badge card is posted within two business days and usually arrives in five to seven.

## Still waiting?

If your card hasn't arrived after ten business days, order a replacement under **People › Badges**.
"""


def header(page: Page) -> Any:
    return page.locator("#kb-q-header")


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"search-{name}.png"))


@pytest.mark.parametrize(
    ("typo", "title"), [("refnd", "Get a refund"), ("passwrd", "Reset your password")]
)
def test_header_typo_on_an_article_page_shows_our_results_as_typed(
    page: Page, portal: Portal, typo: str, title: str
) -> None:
    page.goto(portal.url + ARTICLE)
    expect(page.locator("html")).to_have_attribute("data-kb-search", "api")
    header(page).click()
    header(page).press_sequentially(typo, delay=60)
    first = page.locator("#kb-suggest-header [role=option]").first
    expect(first).to_contain_text(title)
    expect(page.locator(".kb-header-results [role=status]")).to_have_text(
        re.compile(r"\d+ articles? found")
    )
    expect(page.locator("[data-md-component=search-result]")).to_be_hidden()
    shot(page, f"header-{typo}")


def test_header_keyboard_and_one_log_row_per_settled_query(page: Page, portal: Portal) -> None:
    before = portal.rows("SELECT coalesce(max(id), 0) AS n FROM searches")[0]["n"]
    page.goto(portal.url + ARTICLE)
    box = header(page)
    box.click()
    box.press_sequentially("refnd", delay=80)
    options = page.locator("#kb-suggest-header [role=option]")
    expect(options.first).to_contain_text("Get a refund")
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", "kb-suggest-header")
    # typing paused: the query settles and is logged once, its prefixes never
    assert portal.wait_rows(
        "SELECT id FROM searches WHERE raw_query = 'refnd' AND id > ?", (before,)
    )
    box.press("ArrowDown")
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", "kb-suggest-header-1")
    box.press("ArrowUp")
    expect(options.first).to_have_attribute("aria-selected", "true")
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("ArrowDown")  # reopens
    expect(options.nth(1)).to_be_visible()
    box.press("ArrowDown")
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/billing/plans/cancel-subscription/"))  # the 2nd
    assert portal.wait_rows("SELECT id FROM clicks WHERE query = 'refnd' AND position = 1")
    typed = portal.rows(
        "SELECT raw_query FROM searches WHERE id > ? AND raw_query IN ('ref', 'refn', 'refnd')",
        (before,),
    )
    assert [r["raw_query"] for r in typed] == ["refnd"]


@pytest.mark.parametrize("key", ["/", "s", "f"])
def test_materials_search_keys_open_our_header_search(page: Page, portal: Portal, key: str) -> None:
    """Material's keys for its search focus the input it found at load, which ours replaced:
    they did nothing at all on the portal."""
    page.goto(portal.url + ARTICLE)
    expect(page.locator("html")).to_have_attribute("data-kb-search", "api")
    page.keyboard.press(key)
    expect(header(page)).to_be_focused()
    expect(header(page)).to_have_value("")  # the key opens search; it is not typed
    page.keyboard.type("refnd", delay=40)
    expect(page.locator("#kb-suggest-header [role=option]").first).to_contain_text("Get a refund")
    page.keyboard.press("Escape")
    page.goto(portal.url + "/contact/")
    subject = page.locator("form [name=subject]")
    subject.click()
    subject.press_sequentially(f"a {key} b", delay=40)  # typed in a field, it is a letter
    expect(subject).to_have_value(f"a {key} b")
    expect(header(page)).not_to_be_focused()


def test_what_is_typed_before_the_api_answers_is_kept(page: Page, portal: Portal) -> None:
    """The header is Material's until the API answers its first call: letters typed into it
    meanwhile carry over to ours, which searches them and keeps the focus."""

    held: list[Any] = []  # the API's first answer, held back until the letters are typed
    page.route(re.compile(r"/api/suggest\?q=(&|$)"), lambda route: held.append(route))
    page.goto(portal.url + ARTICLE)
    expect(page.locator("html")).to_have_attribute("data-kb-search", "static")
    page.locator("[data-md-component=search-query]").click()
    page.keyboard.type("refnd", delay=40)
    assert len(held) == 1
    held[0].continue_()
    expect(page.locator("html")).to_have_attribute("data-kb-search", "api")
    expect(header(page)).to_be_focused()
    expect(header(page)).to_have_value("refnd")
    expect(page.locator("#kb-suggest-header [role=option]").first).to_contain_text("Get a refund")
    page.keyboard.type("s")
    expect(header(page)).to_have_value("refnds")


def test_header_falls_back_to_material_when_the_api_is_unreachable(
    page: Page, static_portal: Portal
) -> None:
    page.goto(static_portal.url + ARTICLE)
    expect(page.locator("html")).to_have_attribute("data-kb-search", "static")
    box = page.locator("[data-md-component=search-query]")
    box.click()
    box.press_sequentially("invoice", delay=40)
    expect(page.locator(".md-search-result__item").first).to_be_visible()
    expect(page.locator("#kb-suggest-header")).to_have_count(0)


def test_results_page_says_what_it_searched_and_offers_the_words_typed(
    page: Page, portal: Portal
) -> None:
    page.goto(portal.url + "/search-results/?q=refnd")
    note = page.locator(".kb-results__dym")
    expect(note).to_contain_text("Showing results for refund (searched for “refnd”)")
    expect(page.locator(".kb-results__summary")).to_have_text(re.compile(r"\d+ articles? found"))
    shot(page, "results-refnd")
    note.get_by_role("link", name="Search for “refnd” instead").click()
    expect(page).to_have_url(re.compile(r"\?q=refnd&correct=0$"))
    expect(page.locator(".kb-results__summary")).to_have_text("No articles found for “refnd”")
    expect(page.locator(".kb-results__dym")).to_have_count(0)  # no second correction offered


def test_off_topic_search_is_not_an_exact_match_and_logged_unanswered(
    page: Page, portal: Portal
) -> None:
    page.goto(portal.url + "/search-results/?q=pay+with+bitcoin")
    expect(page.locator(".kb-results__summary")).to_have_text(
        "No exact match for “pay with bitcoin”. These articles are the closest:"
    )
    [row] = portal.wait_rows(
        "SELECT answered, hits FROM searches WHERE raw_query = 'pay with bitcoin'"
    )
    assert row["answered"] == 0 and row["hits"] > 0


def test_contact_subject_suggests_the_article_with_its_summary_and_records_deflection(
    page: Page, portal: Portal
) -> None:
    # this session's other tests write contact events too: judge only the rows after this
    before = portal.rows("SELECT coalesce(max(id), 0) AS n FROM contact_events")[0]["n"]
    page.goto(portal.url + "/contact/")
    page.get_by_label("Subject").press_sequentially("I was charged twice and want my money back")
    deflect = page.locator("[data-kb-deflect]")
    link = deflect.get_by_role("link", name="Get a refund")
    expect(link).to_be_visible()
    expect(deflect).to_contain_text("how long the money takes")  # the summary
    shot(page, "contact-suggestions")
    link.click()
    expect(page).to_have_url(re.compile(r"/refunds/"))
    after = "SELECT article_id FROM contact_events WHERE kind = ? AND id > ?"
    opened = portal.wait_rows(after, ("opened", before))
    assert [r["article_id"] for r in opened] == ["refunds"]
    assert portal.wait_rows(after, ("started", before))


def test_an_answered_contact_subject_lists_only_the_articles_that_match_it(
    page: Page, portal: Portal
) -> None:
    """ "my card was declined" listed *Open shifts and shift swaps* third (its "decline a
    request"): an answered subject now lists the articles the search counts as matches, as the
    header's list sets the weaker ones apart; a subject with no exact match still lists three."""
    subject = "my card was declined"
    found = page.request.get(portal.url + "/api/suggest", params={"q": subject, "limit": 3}).json()
    assert found["answered"] and 0 < found["matches"] < len(found["suggestions"]) == 3, found
    page.goto(portal.url + "/contact/")
    page.get_by_label("Subject").press_sequentially(subject, delay=20)
    links = page.locator("[data-kb-deflect] ul li a")
    strong = [r["title"] for r in found["suggestions"][: found["matches"]]]
    expect(links).to_have_text(strong)
    expect(page.locator("[data-kb-deflect]")).not_to_contain_text("Open shifts and shift swaps")
    page.get_by_label("Subject").fill("")
    page.get_by_label("Subject").press_sequentially("slack integration", delay=20)
    expect(page.locator("[data-kb-deflect] p").first).to_contain_text("Not an exact match")
    expect(links).to_have_count(3)


@pytest.fixture(scope="session")
def card_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """The example KB plus one article, *When will my card arrive?*, served with the API."""
    from werkzeug.serving import make_server

    import feedback_api
    from kb_builder.build import build_site
    from kb_core.config import load_config

    content = tmp_path_factory.mktemp("card") / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "billing" / "invoices-and-payments" / "card-delivery.md").write_text(CARD)
    config, problems = load_config(ROOT / "site_config.yml")
    out = content.parent / "build"
    build_site(content, config, out, config_problems=problems)
    db = content.parent / "kb.sqlite3"
    app = feedback_api.create_app(
        {
            "BUILD_DIR": str(out),
            "SITE_CONFIG": str(ROOT / "site_config.yml"),
            "DATABASE_URL": f"sqlite:///{db}",
            "OUTBOX_WORKER": False,
            "TESTING": True,
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    stop = _serve(server)
    yield Portal(f"http://127.0.0.1:{server.server_port}", db)
    stop()
    feedback_api.shutdown(app)


def test_header_ranks_by_meaning_as_typed(page: Page, card_portal: Portal) -> None:
    page.goto(card_portal.url + ARTICLE)
    header(page).click()
    header(page).press_sequentially("still waiting on my new card", delay=30)
    first = page.locator("#kb-suggest-header [role=option]").first
    expect(first).to_contain_text("When will my card arrive?")
    shot(page, "header-card")
