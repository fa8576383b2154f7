"""What the panel shows the reader, in Chromium, as the portal shows it: the answer they gave
a rating (filled, with a tick), the topic list's prompt in their language, the article's title
in the header while its own is out of sight, and section headings below the title's size."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.widget.conftest import Site
from tests.widget.test_widget import open_panel

LOOK = """el => { const s = getComputedStyle(el), tick = getComputedStyle(el, "::before");
  return [s.backgroundColor, s.color, tick.content]; }"""


def _looks(button: Locator) -> list[str]:
    return list(button.evaluate(LOOK))


def test_the_chosen_rating_is_filled_and_ticked(page: Page, widget_site: Site) -> None:
    """Not an outline that reads as a focus ring: the chosen button is filled in the panel's
    accent and starts with a tick, the other stays as it was, focus elsewhere or not."""
    w = open_panel(page, widget_site)
    page.evaluate("KB.open({article: 'reset-password'})")
    article = w.locator(".kb-article")
    yes, no = article.get_by_role("button", name="Yes"), article.get_by_role("button", name="No")
    unpressed = _looks(yes)
    accent = w.locator(".kb-head").evaluate("el => getComputedStyle(el).backgroundColor")
    no.click()
    expect(no).to_have_attribute("aria-pressed", "true")
    page.locator("h1").click()  # focus leaves the panel: no focus ring either way
    background, colour, tick = _looks(no)
    assert background == accent != unpressed[0]
    assert colour != unpressed[1]
    assert tick.startswith('"✓')
    assert _looks(yes) == unpressed and unpressed[2] == "none"
    yes.click()
    expect(yes).to_have_attribute("aria-pressed", "true")
    assert _looks(yes)[0] == accent and _looks(no) == unpressed


def test_the_topic_list_starts_with_a_prompt(page: Page, widget_site: Site) -> None:
    """As the portal's contact form: "Choose a topic…", not an empty line, in each language."""
    w = open_panel(page, widget_site)
    w.get_by_role("button", name="Contact support").click()
    first = w.get_by_label("Topic").locator("option").first
    expect(first).to_have_text("Choose a topic…")
    expect(first).to_have_attribute("value", "")
    french = page.context.new_page()  # a new tab: the panel does not reopen at the form
    french.goto(widget_site.url + "/fr.html")
    w = french.locator("[data-kb-widget]")
    w.get_by_role("button", name="Aide").click()
    w.get_by_role("button", name="Contacter le support").click()
    first = w.get_by_label("Sujet", exact=True).locator("option").first
    expect(first).to_have_text("Choisissez un sujet…")


def test_an_article_opened_at_a_section_names_itself_in_the_header(
    page: Page, widget_site: Site
) -> None:
    """Opened at its nearest section the article's own title is scrolled away: the header says
    it then, and "Help" again once the title is in sight or the reader leaves the article."""
    w = open_panel(page, widget_site)
    header = w.locator(".kb-head h2")
    page.evaluate("KB.open({article: 'refunds'})")
    article = w.locator(".kb-article")
    expect(article.locator(".kb-title")).to_have_text("Get a refund")
    expect(header).to_have_text("Help")  # the title is in sight at the top
    article.get_by_role("link", name="Change your plan").click()  # names a section
    expect(article.locator("#kb-a-adding-and-removing-people")).to_be_in_viewport()
    expect(header).to_have_text("Change your plan or billing cycle")
    expect(w.get_by_role("dialog")).to_have_accessible_name("Change your plan or billing cycle")
    w.locator(".kb-body").evaluate("el => { el.scrollTop = 0; }")
    expect(header).to_have_text("Help")
    article.locator("#kb-a-adding-and-removing-people").scroll_into_view_if_needed()
    expect(header).to_have_text("Change your plan or billing cycle")
    w.get_by_role("button", name="Back").click()  # to the refunds article, at its top
    expect(article.locator(".kb-title")).to_have_text("Get a refund")
    expect(header).to_have_text("Help")
    article.get_by_role("link", name="Change your plan").click()
    expect(header).to_have_text("Change your plan or billing cycle")
    w.get_by_role("button", name="Back").click()
    w.get_by_role("button", name="Back").click()  # home: the search box
    expect(w.get_by_role("searchbox")).to_be_visible()
    expect(header).to_have_text("Help")


def test_section_headings_are_smaller_than_the_article_title(page: Page, widget_site: Site) -> None:
    w = open_panel(page, widget_site)
    page.evaluate("KB.open({article: 'change-plan'})")
    article = w.locator(".kb-article")
    expect(article.locator(".kb-title")).to_be_visible()
    sizes = article.evaluate(
        """el => [...el.querySelectorAll("h2, h3, h4, h5, h6")].map(
             h => [h.classList.contains("kb-title"), parseFloat(getComputedStyle(h).fontSize)])"""
    )
    title = [size for is_title, size in sizes if is_title]
    sections = [size for is_title, size in sizes if not is_title]
    assert len(title) == 1 and sections, sizes
    assert max(sections) < title[0], sizes


# Where the focused field and its label are, and the top of the panel's scrolling body.
FOCUSED = """el => {
  const label = el.getRootNode().querySelector(`label[for="${el.id}"]`);
  return { field: el.getBoundingClientRect().toJSON(),
           label: label.getBoundingClientRect().toJSON(),
           top: el.closest(".kb-body").getBoundingClientRect().top };
}"""


def test_on_a_phone_the_contact_form_keeps_labels_and_the_reference_whole(
    page: Page, widget_site: Site
) -> None:
    """At 375 px, a field focused as it stood half out of the panel's body at the top (the
    missing name, on Enter in the email field of a form scrolled a little) came to rest at
    the body's top edge with its label scrolled off; and the reference broke at its hyphen
    ("KB-" / "CHJAU7")."""
    page.set_viewport_size({"width": 375, "height": 700})
    w = open_panel(page, widget_site)
    w.get_by_role("button", name="Contact support").click()
    w.get_by_label("Topic").select_option("Billing and invoices")
    w.get_by_label("Subject").press_sequentially("I want a refund of my payment", delay=5)
    # the articles suggested under it make the form longer than the panel
    expect(w.get_by_text("These articles might answer your question:")).to_be_visible()
    w.get_by_label("How can we help?").fill("I was charged twice this month.")
    name, email = w.get_by_label("Your name"), w.get_by_label("Email address")
    # the name's top 10 px above the body's: its label out of sight, the email field in it
    name.evaluate(
        """el => { const body = el.closest(".kb-body");
          const above = el.getBoundingClientRect().top - body.getBoundingClientRect().top;
          body.scrollTop += above + 10; }"""
    )
    email.fill("ann@example.com")
    email.press("Enter")
    expect(name).to_be_focused()
    seen = name.evaluate(FOCUSED)
    assert seen["label"]["top"] >= seen["top"], seen
    name.fill("Ann")
    w.get_by_role("button", name="Send").click()
    reference = w.locator(".kb-ref strong")
    expect(reference).to_have_text(re.compile(r"^KB-"), timeout=15_000)
    assert reference.evaluate("e => e.getClientRects().length") == 1
