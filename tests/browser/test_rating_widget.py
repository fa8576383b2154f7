"""'Was this article helpful?' in a real browser, by mouse and by keyboard alone."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import Portal


def test_not_helpful_with_a_reason_is_stored_and_thanked(page: Page, portal: Portal) -> None:
    page.goto(portal.url + "/billing/invoices-and-payments/invoices/")
    rating = page.locator("section[data-kb-rating]")
    revision = rating.get_attribute("data-revision")
    reasons = rating.get_by_role("group", name="What went wrong?")
    expect(reasons).to_be_hidden()

    rating.get_by_role("button", name="No").click()
    expect(reasons).to_be_visible()
    reasons.get_by_label("It's out of date").check()
    reasons.get_by_label("Anything else? (optional)").fill("The PDF button moved.")
    reasons.get_by_role("button", name="Send feedback").click()

    expect(rating.get_by_role("status")).to_have_text("Thanks for your feedback!")
    expect(rating.get_by_role("button", name="Yes")).to_be_disabled()
    rows = portal.rows(
        "SELECT value, reason, revision FROM ratings WHERE article_id = ?", ("invoices",)
    )
    assert [tuple(r) for r in rows] == [(0, "It's out of date: The PDF button moved.", revision)]

    page.reload()  # the vote on this revision is remembered
    expect(rating.get_by_role("status")).to_contain_text("Thanks for your feedback")
    expect(rating.get_by_role("button", name="No")).to_be_disabled()


def test_helpful_is_sent_at_once_and_an_agent_link_counts_as_a_share(
    page: Page, portal: Portal
) -> None:
    page.goto(portal.url + "/billing/plans/change-plan/?src=agent")
    rating = page.locator("section[data-kb-rating]")
    rating.get_by_role("button", name="Yes").click()
    expect(rating.get_by_role("status")).to_have_text("Thanks for your feedback!")
    expect(rating.get_by_role("group", name="What went wrong?")).to_be_hidden()
    rows = portal.rows("SELECT value FROM ratings WHERE article_id = ?", ("change-plan",))
    assert [r["value"] for r in rows] == [1]
    # other journeys in this session may have read the article too: count the agent's visit
    views = portal.wait_rows(
        "SELECT src FROM article_views WHERE article_id = ? AND src = 'agent'", ("change-plan",)
    )
    assert [v["src"] for v in views] == ["agent"]


def test_rating_works_with_tab_and_enter_only(page: Page, portal: Portal) -> None:
    page.goto(portal.url + "/account/sign-in-and-security/manage-sessions/")
    no = page.locator("section[data-kb-rating] button[data-value='0']")
    for _ in range(300):  # Tab through the page until the "No" button has focus
        if no.evaluate("b => b === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(no).to_be_focused()
    page.keyboard.press("Enter")

    reasons = page.get_by_role("group", name="What went wrong?")
    expect(reasons).to_be_visible()
    expect(reasons.get_by_role("radio").first).to_be_focused()  # focus moved into the reasons
    page.keyboard.press("Tab")
    expect(reasons.get_by_label("Anything else? (optional)")).to_be_focused()
    page.keyboard.type("Too many steps.")
    page.keyboard.press("Tab")
    expect(reasons.get_by_role("button", name="Send feedback")).to_be_focused()
    page.keyboard.press("Enter")

    status = page.locator("section[data-kb-rating]").get_by_role("status")
    expect(status).to_have_text("Thanks for your feedback!")
    expect(status).to_be_focused()  # not lost on <body> when the buttons were disabled
    rows = portal.rows(
        "SELECT value, reason FROM ratings WHERE article_id = ?", ("manage-sessions",)
    )
    assert [tuple(r) for r in rows] == [(0, "Too many steps.")]
