"""'Was this article helpful?' in a real browser, by mouse and by keyboard alone.

The portal fixture is shared by the session, and every page has the same visitor token (same
address and browser), so each test rates its own article.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Portal

SAVED_NO = "Thanks, your answer is saved. Tell us what went wrong, if you like."


def _votes(portal: Portal, article_id: str) -> list[tuple[object, ...]]:
    rows = portal.rows(
        "SELECT value, reason, revision FROM ratings WHERE article_id = ?", (article_id,)
    )
    return [tuple(r) for r in rows]


def test_no_without_a_reason_is_stored(page: Page, portal: Portal) -> None:
    page.goto(portal.url + "/billing/invoices-and-payments/vat-and-tax-ids/")
    rating = page.locator("section[data-kb-rating]")
    revision = rating.get_attribute("data-revision")
    rating.get_by_role("button", name="No").click()
    expect(rating.get_by_role("status")).to_have_text(SAVED_NO)
    page.goto(portal.url + "/faq/")  # the reader leaves without giving a reason
    assert _votes(portal, "vat-and-tax-ids") == [(0, None, revision)]


def test_a_reason_and_a_change_of_mind_update_the_one_vote(page: Page, portal: Portal) -> None:
    page.goto(portal.url + "/billing/invoices-and-payments/invoices/")
    rating = page.locator("section[data-kb-rating]")
    revision = rating.get_attribute("data-revision")
    yes, no = rating.get_by_role("button", name="Yes"), rating.get_by_role("button", name="No")
    reasons = rating.get_by_role("group", name="What went wrong?")
    expect(reasons).to_be_hidden()
    expect(no).to_have_attribute("aria-pressed", "false")

    no.click()
    expect(reasons).to_be_visible()
    expect(no).to_have_attribute("aria-pressed", "true")
    expect(yes).to_have_attribute("aria-pressed", "false")
    expect(rating.get_by_role("status")).to_have_text(SAVED_NO)
    reasons.get_by_label("It's out of date").check()
    reasons.get_by_label("Anything else? (optional)").fill("The PDF button moved.")
    reasons.get_by_role("button", name="Send feedback").click()
    expect(rating.get_by_role("status")).to_have_text("Thanks for your feedback!")
    expect(reasons).to_be_hidden()
    assert _votes(portal, "invoices") == [(0, "It's out of date: The PDF button moved.", revision)]

    # the chosen answer is visible, not only announced: the pressed button is filled
    pressed = no.evaluate("b => getComputedStyle(b).backgroundColor")
    assert pressed != yes.evaluate("b => getComputedStyle(b).backgroundColor")

    expect(yes).to_be_enabled()  # the reader can change their mind
    yes.click()
    expect(yes).to_have_attribute("aria-pressed", "true")
    expect(no).to_have_attribute("aria-pressed", "false")
    expect(rating.get_by_role("status")).to_have_text("Thanks for your feedback!")
    assert _votes(portal, "invoices") == [(1, None, revision)]

    page.reload()  # the answer on this revision is remembered, and still changeable
    expect(yes).to_have_attribute("aria-pressed", "true")
    expect(rating.get_by_role("status")).to_have_text(
        "You answered “Yes”. You can change your answer."
    )
    expect(no).to_be_enabled()


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
    status = page.locator("section[data-kb-rating]").get_by_role("status")
    expect(status).to_have_text(SAVED_NO)
    page.keyboard.press("Tab")
    expect(reasons.get_by_label("Anything else? (optional)")).to_be_focused()
    page.keyboard.type("Too many steps.")
    page.keyboard.press("Tab")
    expect(reasons.get_by_role("button", name="Send feedback")).to_be_focused()
    page.keyboard.press("Enter")

    expect(status).to_have_text("Thanks for your feedback!")
    expect(status).to_be_focused()  # not lost on <body> when the reasons were hidden
    assert [r[:2] for r in _votes(portal, "manage-sessions")] == [(0, "Too many steps.")]
