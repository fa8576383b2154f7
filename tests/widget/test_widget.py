"""The help widget on a customer's page from another origin, in a real Chromium: the one tag,
search, reading, rating, contact, stored events, isolation, strict CSP, refused origins."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_accessibility import axe_script, run_axe  # noqa: F401 (a fixture)
from tests.widget.conftest import INCIDENT, Site

REFUND_Q = "how do I get a refund"


def widget(page: Page) -> Locator:
    return page.locator("[data-kb-widget]")


def open_panel(page: Page, site: Site, path: str = "/index.html") -> Locator:
    page.goto(site.url + path)
    w = widget(page)
    w.get_by_role("button", name="Help").click()
    expect(w.get_by_role("dialog", name="Help")).to_be_visible()
    return w


def search(w: Locator, text: str) -> None:
    box = w.get_by_role("searchbox", name="Search the help center")
    box.fill("")
    box.press_sequentially(text, delay=5)
    expect(w.locator(".kb-results .kb-list li").first).to_be_visible()


def send_contact(w: Locator, name: str, email: str, topic: str, text: str) -> str:
    """Fill in the widget's open contact form, send it, and return the reference it shows."""
    w.get_by_label("Your name").fill(name)
    w.get_by_label("Email address").fill(email)
    w.get_by_label("Topic").select_option(topic)
    w.get_by_label("How can we help?").fill(text)
    w.get_by_role("button", name="Send").click()
    return sent_reference(w)


def sent_reference(w: Locator) -> str:
    reference = w.locator(".kb-ref strong")
    expect(reference).to_have_text(re.compile(r"^KB-[2-9A-HJ-NP-Z]{6}$"), timeout=15_000)
    said = reference.inner_text()
    panel = w.locator(":has(> .kb-ref)")  # the form the reference replaced
    assert panel.inner_text().count(said) == 1  # the reference line says it, the message not
    return said


def test_one_tag_one_global_no_cookies_panel_loaded_on_click(page: Page, widget_site: Site) -> None:
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(widget_site.url + "/index.html")
    launcher = widget(page).get_by_role("button", name="Help")
    expect(launcher).to_be_visible()
    assert not [u for u in requested if "widget-panel.js" in u or "/api/" in u]
    bare = page.context.new_page()
    bare.goto(widget_site.url + "/bare.html")
    baseline = set(bare.evaluate("Object.keys(window)"))
    bare.close()
    assert set(page.evaluate("Object.keys(window)")) - baseline == {"KB"}
    launcher.click()
    expect(widget(page).get_by_role("dialog")).to_be_visible()
    assert [u for u in requested if u.endswith("/widget-panel.js")]
    search(widget(page), "refund")
    assert set(page.evaluate("Object.keys(window)")) - baseline == {"KB"}
    assert page.evaluate("document.cookie") == ""
    assert page.evaluate("localStorage.length") == 0
    cookies = page.context.cookies()
    assert cookies == []


def test_a_card_of_table_rows_is_a_table_in_the_panel(page: Page, widget_site: Site) -> None:
    """The panel lays a card's table rows out as the portal does (the same answer.js, inlined
    into the panel): a header row of cells, then a row of cells per quoted row."""
    w = open_panel(page, widget_site)
    search(w, "why was my card declined")
    table = w.locator(".kb-answer table.kb-answer__table")
    expect(table.locator("thead th")).to_have_text(["Reason shown", "What it usually means"])
    expect(table.locator("td").first).to_have_text("Your card was declined.")


def test_search_read_and_rate_store_widget_events(page: Page, widget_site: Site) -> None:
    w = open_panel(page, widget_site)
    search(w, REFUND_Q)
    # the words settle: the logged search, with the answer card when it has one
    expect(w.locator(".kb-answer")).to_be_visible()
    expect(w.locator(".kb-answer")).to_contain_text("refund")
    w.locator(".kb-results .kb-list a", has_text="Get a refund").first.click()
    article = w.locator(".kb-article")
    expect(article.get_by_role("heading", name="Get a refund", exact=True)).to_be_focused()
    for href in article.locator("a[href]").evaluate_all("els => els.map(e => e.href)"):
        assert re.match(r"^(https?|mailto|tel):", href), href
    link = article.get_by_role("link", name="Open in help center")
    expect(link).to_have_attribute(
        "href", widget_site.portal.url + "/billing/invoices-and-payments/refunds/"
    )
    article.get_by_role("button", name="Yes").click()
    expect(article.get_by_role("status")).to_have_text("Thanks for your feedback!")

    host = widget_site.url + "/index.html"
    rows = widget_site.portal.wait_rows(
        "SELECT source, host FROM ratings WHERE article_id = 'refunds' AND source = 'widget'"
    )
    assert [tuple(r) for r in rows] == [("widget", host)]
    searches = widget_site.portal.wait_rows(
        "SELECT raw_query, source, host FROM searches WHERE raw_query = ?", (REFUND_Q,)
    )
    assert [tuple(r) for r in searches] == [(REFUND_Q, "widget", host)]
    clicks = widget_site.portal.wait_rows("SELECT source FROM clicks WHERE article_id = 'refunds'")
    assert {r[0] for r in clicks} == {"widget"}
    views = widget_site.portal.wait_rows(
        "SELECT src FROM article_views WHERE article_id = 'refunds' AND src = 'widget'"
    )
    assert views


def test_contact_suggestions_are_the_articles_that_match(page: Page, widget_site: Site) -> None:
    """As on the portal: an answered subject lists the articles the search counts as matches,
    not the weaker ones after them ("my card was declined": not *Open shifts and shift swaps*)."""
    w = open_panel(page, widget_site)
    w.get_by_role("button", name="Contact support").click()
    w.get_by_label("Subject").press_sequentially("my card was declined", delay=5)
    expect(w.get_by_text("These articles might answer your question:")).to_be_visible()
    links = w.get_by_text("These articles might answer your question:").locator("xpath=..//a")
    expect(links.first).to_have_text("Failed payments")
    expect(links).to_have_count(2)


def test_contact_with_suggestions_and_a_reference(page: Page, widget_site: Site) -> None:
    w = open_panel(page, widget_site)
    w.get_by_role("button", name="Contact support").click()
    expect(
        w.get_by_text(re.compile("Support hours: Mon, Tue, Wed, Thu, Fri 08:00"))
    ).to_be_visible()
    expect(w.get_by_text(re.compile(r"We're (online|offline) now"))).to_be_visible()
    w.get_by_label("Your name").fill("Wanda Widget")
    w.get_by_label("Email address").fill("wanda@example")  # no top-level domain
    w.get_by_label("Topic").select_option("Billing and invoices")
    w.get_by_label("Subject").press_sequentially("I want a refund of my payment", delay=5)
    expect(w.get_by_text("These articles might answer your question:")).to_be_visible()
    w.get_by_label("How can we help?").fill("I was charged twice this month.")
    w.get_by_role("button", name="Send").click()
    expect(
        w.get_by_text("Please enter a valid email address, like name@example.com.")
    ).to_be_visible()
    expect(w.get_by_label("Email address")).to_be_focused()
    w.get_by_label("Email address").fill("wanda@example.com")
    w.get_by_role("button", name="Send").click()
    ref = sent_reference(w)
    # the response time is said above the form: the thank-you does not say it again
    expect(w.get_by_text("We've received your request.")).to_be_visible()
    said = re.match(r"We answer (.+?)\.$", w.get_by_text(re.compile("^We answer ")).inner_text())
    assert said, "the panel says the response time above the form"
    panel = w.get_by_role("dialog").inner_text()
    assert panel.count(said[1]) == 1, panel
    rows = widget_site.portal.rows(
        "SELECT source, host, subject FROM contact_requests WHERE reference = ?", (ref,)
    )
    host = widget_site.url + "/index.html"
    assert [tuple(r) for r in rows] == [("widget", host, "I want a refund of my payment")]
    # events are written a moment after the reply: wait for each kind, not for any row
    for kind in ("started", "sent"):
        assert widget_site.portal.wait_rows(
            "SELECT id FROM contact_events WHERE source = 'widget' AND host = ? AND kind = ?",
            (host, kind),
        ), kind


def test_an_unanswered_search_is_sent_as_unanswered_with_the_request(
    page: Page, widget_site: Site
) -> None:
    # kb gaps counts a search with no confident answer as a failed one before a contact request
    w = open_panel(page, widget_site)
    with page.expect_response(lambda r: "/api/search?" in r.url):  # the words settle: logged
        search(w, "slack integration")
    w.get_by_role("button", name="Contact support").click()
    reference = send_contact(
        w,
        "Una Answered",
        "una@example.com",
        "Integrations and API",
        "Can shift changes be posted to Slack?",
    )
    [row] = widget_site.portal.rows(
        "SELECT context FROM contact_requests WHERE reference = ?", (reference,)
    )
    searched = json.loads(row["context"])["searches"]
    assert [(s["q"], s["answered"]) for s in searched] == [("slack integration", False)]
    assert searched[0]["hits"] > 0


def test_an_unanswered_search_says_no_exact_match_as_the_portal_does(
    page: Page, widget_site: Site
) -> None:
    """Below the confidence threshold the portal's results say "No exact match" above the
    closest articles; the panel says it too, and not once a search is answered."""
    w = open_panel(page, widget_site)
    with page.expect_response(lambda r: "/api/search?" in r.url):  # the words settle: logged
        search(w, "slack integration")
    note = w.locator(".kb-results .kb-no-exact")
    expect(note).to_have_text(
        "No exact match for “slack integration”. These articles are the closest:"
    )
    expect(note).to_be_visible()
    expect(w.locator(".kb-results .kb-list li").first).to_be_visible()
    with page.expect_response(lambda r: "/api/search?" in r.url):
        search(w, "refund")
    expect(w.locator(".kb-results .kb-list a", has_text="Get a refund").first).to_be_visible()
    expect(note).to_have_count(0)


def test_a_search_asking_for_a_person_is_offered_support_first(
    page: Page, widget_site: Site
) -> None:
    """A visitor who types "talk to a human" wants a person: the panel offers support above
    the articles, as the portal does (it said "No exact match"), and its button opens the
    contact form."""
    w = open_panel(page, widget_site)
    with page.expect_response(lambda r: "/api/search?" in r.url):
        search(w, "talk to a human")
    offer = w.locator(".kb-results > .kb-person")
    expect(offer).to_contain_text("Looking for a person? Our support team is here to help.")
    expect(w.locator(".kb-results > *").first).to_have_class("kb-person")
    expect(w.locator(".kb-results .kb-no-exact")).to_have_count(0)
    offer.get_by_role("button", name="Contact support").click()
    expect(w.get_by_label("How can we help?")).to_be_visible()


def test_a_person_asked_for_is_offered_one_contact_button(page: Page, widget_site: Site) -> None:
    """ "I need to talk to someone urgently" showed two "Contact support" buttons, the offer's
    and the home view's under the results: one is shown, and the home view's comes back for
    a search asking for no person."""
    w = open_panel(page, widget_site)
    with page.expect_response(lambda r: "/api/search?" in r.url):
        search(w, "I need to talk to someone urgently")
    expect(w.locator(".kb-results > .kb-person")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "widget-person.png"))
    expect(w.get_by_role("button", name="Contact support")).to_have_count(1)
    with page.expect_response(lambda r: "/api/search?" in r.url):
        search(w, REFUND_Q)
    expect(w.locator(".kb-results > .kb-person")).to_have_count(0)
    expect(w.get_by_role("button", name="Contact support")).to_have_count(1)


def test_typed_text_survives_closing_and_reloading(page: Page, widget_site: Site) -> None:
    w = open_panel(page, widget_site)
    search(w, "change my password")
    page.keyboard.press("Escape")
    expect(w.get_by_role("dialog")).to_be_hidden()
    page.reload()
    widget(page).get_by_role("button", name="Help").click()
    box = widget(page).get_by_role("searchbox", name="Search the help center")
    expect(box).to_have_value("change my password")


def test_context_from_the_tag_and_from_kb_open(page: Page, widget_site: Site) -> None:
    w = open_panel(page, widget_site, "/billing.html")
    expect(w.get_by_role("heading", name="Suggested articles")).to_be_visible()
    expect(w.locator(".kb-results a", has_text="Get a refund")).to_be_visible()
    page.keyboard.press("Escape")
    page.evaluate("KB.open({query: 'reset my password'})")
    box = w.get_by_role("searchbox", name="Search the help center")
    expect(box).to_have_value("reset my password")
    expect(w.locator(".kb-results .kb-list a").first).to_be_visible()
    page.keyboard.press("Escape")
    page.evaluate("KB.open({article: 'refunds'})")
    expect(w.get_by_role("heading", name="Get a refund", exact=True)).to_be_visible()


_STYLES = """el => { const s = getComputedStyle(el);
  return [s.color, s.fontFamily, s.fontSize, s.letterSpacing, s.backgroundColor, s.borderTopWidth,
          s.height, s.display]; }"""


def _panel_styles(w: Locator) -> dict[str, Any]:
    search(w, "refund")
    return {
        name: w.locator(sel).first.evaluate(_STYLES)
        for name, sel in {
            "title": "#kb-w-title",
            "input": "#kb-w-q",
            "result": ".kb-results a",
            "panel": ".kb-panel",
            "close": ".kb-close",
        }.items()
    }


def test_hostile_host_stylesheet_does_not_change_the_panel(page: Page, widget_site: Site) -> None:
    plain = _panel_styles(open_panel(page, widget_site))
    page.evaluate("sessionStorage.clear()")
    hostile = _panel_styles(open_panel(page, widget_site, "/hostile.html"))
    # the host page itself did change
    assert page.locator("h1").evaluate("el => getComputedStyle(el).fontSize") == "31px"
    assert hostile == plain


def test_strict_host_csp_still_works(page: Page, widget_site: Site) -> None:
    w = open_panel(page, widget_site, "/strict.html")
    search(w, REFUND_Q)
    w.locator(".kb-results .kb-list a", has_text="Get a refund").first.click()
    expect(
        w.locator(".kb-article").get_by_role("heading", name="Get a refund", exact=True)
    ).to_be_visible()
    # the constructed stylesheet applied under style-src 'none'
    assert w.locator(".kb-panel").evaluate("el => getComputedStyle(el).position") == "fixed"


def test_an_origin_not_allowed_is_refused(page: Page, widget_site: Site) -> None:
    refused = widget_site.refused_url
    request = urllib.request.Request(
        widget_site.portal.url + "/api/search?q=refund&source=widget&host=" + refused + "/x",
        headers={"Origin": refused},
    )
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("a refused origin was answered")
    except urllib.error.HTTPError as exc:
        assert exc.code == 403
        body = json.loads(exc.read())
        assert set(body) == {"error", "status"} and body["status"] == 403
        # the refusal (and only it) is readable there, so the panel can say why
        assert exc.headers["Access-Control-Allow-Origin"] == refused
    warned: list[str] = []
    page.on("console", lambda m: warned.append(m.text) if m.type == "warning" else None)
    page.goto(refused + "/index.html")
    widget(page).get_by_role("button", name="Help").click()
    # it said "The help center can't be reached right now", as if it were down
    expect(widget(page).locator(".kb-error")).to_contain_text("its origin is not allowed")
    assert any(f"Add {refused} to widget.allowed_origins" in w for w in warned), warned
    rows = widget_site.portal.rows(
        "SELECT COUNT(*) FROM searches WHERE host LIKE ?", (refused + "%",)
    )
    assert rows[0][0] == 0


def test_keyboard_only_journey(page: Page, widget_site: Site) -> None:
    page.goto(widget_site.url + "/index.html")
    expect(widget(page).get_by_role("button", name="Help")).to_be_visible()
    page.locator("#host-button").focus()
    page.keyboard.press("Tab")
    launcher = widget(page).get_by_role("button", name="Help")
    expect(launcher).to_be_focused()
    page.keyboard.press("Enter")
    w = widget(page)
    box = w.get_by_role("searchbox", name="Search the help center")
    expect(box).to_be_focused()
    page.keyboard.type("refund", delay=5)
    first = w.locator(".kb-results .kb-list a").first
    expect(first).to_be_visible()
    # Tab goes round inside the panel, never out to the page
    for _ in range(25):
        page.keyboard.press("Tab")
        assert page.evaluate(
            "document.activeElement && document.activeElement.hasAttribute('data-kb-widget')"
        )
    while not first.evaluate("el => el.getRootNode().activeElement === el"):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(w.locator(".kb-article h3")).to_be_focused()
    page.keyboard.press("Escape")
    expect(w.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_be_focused()
    # opened by the page's own control: focus goes back there
    page.locator("#host-button").focus()
    page.evaluate("KB.open({})")
    expect(box).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#host-button")).to_be_focused()


def test_dark_scheme_and_reduced_motion(browser: Any, widget_site: Site) -> None:
    context = browser.new_context(color_scheme="dark", reduced_motion="reduce")
    page = context.new_page()
    try:
        w = open_panel(page, widget_site)
        styles = w.locator(".kb-panel").evaluate(
            "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).animationName]"
        )
        assert styles == ["rgb(22, 27, 34)", "none"]
    finally:
        context.close()


def test_axe_on_the_open_panel(
    page: Page,
    widget_site: Site,
    axe_script: Path,  # noqa: F811
) -> None:
    checked: dict[str, list[dict[str, Any]]] = {}

    def audit(state: str) -> None:
        page.add_script_tag(path=str(axe_script))
        checked[state] = [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]

    page.goto(widget_site.url + "/index.html")
    expect(widget(page).get_by_role("button", name="Help")).to_be_visible()
    audit("launcher")
    w = open_panel(page, widget_site)
    search(w, REFUND_Q)
    expect(w.locator(".kb-answer")).to_be_visible()
    audit("results")
    w.locator(".kb-results .kb-list a", has_text="Get a refund").first.click()
    expect(w.locator(".kb-article h3")).to_be_focused()
    w.get_by_role("button", name="No").click()
    audit("article, reasons open")
    w.get_by_role("button", name="Back").click()
    w.get_by_role("button", name="Contact support").click()
    w.get_by_role("button", name="Send").click()
    expect(w.get_by_text("Please correct the fields marked above.")).to_be_visible()
    audit("contact, errors shown")
    assert checked == {state: [] for state in checked}


def test_links_open_articles_in_the_panel_and_other_sites_in_a_new_tab(
    page: Page, widget_site: Site
) -> None:
    w = open_panel(page, widget_site)
    host_url = page.url
    page.evaluate("KB.open({article: 'refunds'})")
    article = w.locator(".kb-article")
    expect(article.get_by_role("heading", name="Get a refund", exact=True)).to_be_focused()
    link = article.get_by_role("link", name="Change your plan")
    expect(link).not_to_have_attribute("target", "_blank")
    link.click()
    expect(
        article.get_by_role("heading", name="Change your plan or billing cycle", exact=True)
    ).to_be_focused()
    assert page.url == host_url  # the host page stayed where it was
    views = widget_site.portal.wait_rows(
        "SELECT src FROM article_views WHERE article_id = 'change-plan' AND src = 'widget'"
    )
    assert views
    # the link named a section: the panel scrolled to it
    section = article.locator("#kb-a-adding-and-removing-people")
    expect(section).to_be_in_viewport()
    w.get_by_role("button", name="Back").click()  # back to the article the link was in
    expect(article.get_by_role("heading", name="Get a refund", exact=True)).to_be_focused()
    w.get_by_role("button", name="Back").click()
    expect(w.get_by_role("searchbox", name="Search the help center")).to_be_visible()

    page.context.route(
        "https://tandem.example/**", lambda route: route.fulfill(body="<p>privacy notice</p>")
    )
    page.evaluate("KB.open({article: 'privacy-and-data-protection'})")
    external = w.locator(".kb-article").get_by_role("link", name="privacy notice")
    expect(external).to_have_attribute("target", "_blank")
    expect(external).to_have_attribute("rel", "noopener")
    with page.context.expect_page() as opened:
        external.click()
    popup = opened.value
    popup.wait_for_load_state()
    assert popup.url == "https://tandem.example/legal/privacy"
    assert popup.evaluate("window.opener") is None
    assert page.url == host_url


def test_a_rating_is_remembered_for_the_visit(page: Page, widget_site: Site) -> None:
    w = open_panel(page, widget_site)
    page.evaluate("KB.open({article: 'reset-password'})")
    article = w.locator(".kb-article")
    expect(article.get_by_role("heading", name="Reset your password", exact=True)).to_be_visible()
    article.get_by_role("button", name="No").click()
    expect(article.get_by_role("status")).to_have_text("Thanks for your feedback!")
    w.get_by_role("button", name="Back").click()
    page.evaluate("KB.open({article: 'reset-password'})")
    expect(article.get_by_role("heading", name="Reset your password", exact=True)).to_be_visible()
    expect(article.get_by_role("status")).to_have_text("Thanks for your feedback!")
    expect(article.get_by_role("button", name="No")).to_have_count(0)
    page.reload()  # the visit goes on: still thanked, not asked
    page.evaluate("KB.open({article: 'reset-password'})")
    article = widget(page).locator(".kb-article")
    expect(article.get_by_role("heading", name="Reset your password", exact=True)).to_be_visible()
    expect(article.get_by_role("status")).to_have_text("Thanks for your feedback!")
    expect(article.get_by_role("button", name="Yes")).to_have_count(0)
    # another article still asks
    page.evaluate("KB.open({article: 'refunds'})")
    expect(article.get_by_role("button", name="Yes")).to_be_visible()
    assert page.evaluate("localStorage.length") == 0 and page.context.cookies() == []
    votes = widget_site.portal.rows(
        "SELECT value FROM ratings WHERE article_id = 'reset-password' AND source = 'widget'"
    )
    assert [r[0] for r in votes] == [0]


def test_contact_offline_with_the_subject_from_the_search(page: Page, widget_site: Site) -> None:
    w = open_panel(page, widget_site, "/offline.html")
    search(w, "refund for my annual plan")
    w.get_by_role("button", name="Contact support").click()
    expect(w.get_by_role("alert")).to_have_text(INCIDENT)
    expect(w.get_by_text("We're offline now; we'll reply when we're back.")).to_be_visible()
    expect(w.get_by_text("We're online now.")).to_have_count(0)
    expect(
        w.get_by_text(re.compile(r"^We answer within 4 business hours on Business"))
    ).to_be_visible()
    expect(w.get_by_text(re.compile(r"^Support hours: .* 08:00–18:00 \(UTC\)$"))).to_be_visible()
    subject = w.get_by_label("Subject")
    expect(subject).to_have_value("refund for my annual plan")
    # suggestions for the subject it came with, before anything is typed
    expect(w.get_by_text("These articles might answer your question:")).to_be_visible()
    reference = send_contact(
        w,
        "Olive Offline",
        "olive@example.com",
        "Billing and invoices",
        "Can I still get my money back?",
    )
    rows = widget_site.offline.rows(
        "SELECT subject, source FROM contact_requests WHERE reference = ?", (reference,)
    )
    assert [tuple(r) for r in rows] == [("refund for my annual plan", "widget")]
    # once sent, a new request starts from the search again, not from the old draft
    w.get_by_role("button", name="Back").click()
    search(w, "change plan")
    w.get_by_role("button", name="Contact support").click()
    expect(w.get_by_label("Subject")).to_have_value("change plan")


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_launcher_colour_follows_the_palette_and_stays_readable(
    page: Page,
    widget_site: Site,
    axe_script: Path,  # noqa: F811
) -> None:
    from kb_builder.widget import widget_colours
    from kb_core.config import load_config
    from tests.widget.conftest import ROOT

    paint = "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]"
    teal = widget_colours(load_config(ROOT / "site_config.yml")[0])  # site.primary_color: teal
    page.goto(widget_site.url + "/index.html")
    launcher = widget(page).get_by_role("button", name="Help")
    assert launcher.evaluate(paint) == [_rgb(teal.accent), _rgb(teal.on_accent)]
    assert teal.accent != "#00695c"  # not the stylesheet's fallback

    page.goto(widget_site.url + "/amber.html")  # widget.color: amber, dark text
    launcher = widget(page).get_by_role("button", name="Help")
    assert launcher.evaluate(paint) == ["rgb(255, 193, 5)", "rgb(31, 31, 31)"]
    found: dict[str, list[dict[str, Any]]] = {}
    page.add_script_tag(path=str(axe_script))
    found["launcher"] = run_axe(page)
    launcher.click()
    w = widget(page)
    head = w.locator(".kb-head")
    assert head.evaluate(paint) == ["rgb(255, 193, 5)", "rgb(31, 31, 31)"]
    search(w, "refund")
    page.add_script_tag(path=str(axe_script))
    found["panel"] = run_axe(page)
    serious = {
        k: [v for v in vs if v["impact"] in ("serious", "critical")] for k, vs in found.items()
    }
    assert serious == {"launcher": [], "panel": []}


_NOTE_STYLE = """el => { const s = getComputedStyle(el);
  const t = getComputedStyle(el.querySelector('.admonition-title'));
  return {edge: s.borderLeftWidth, colour: s.borderLeftColor, tint: s.backgroundColor,
          panel: getComputedStyle(el.closest('.kb-panel')).backgroundColor,
          title: Number(t.fontWeight)}; }"""


def test_notes_and_warnings_look_like_notes_in_the_panel(page: Page, widget_site: Site) -> None:
    """An article's admonitions (Material's ``!!! note`` and ``!!! warning``) show as notes:
    a coloured edge by kind on a tint of it, the title in bold (before: plain paragraphs,
    "Note" a line of ordinary text)."""
    w = open_panel(page, widget_site)
    styles = {}
    for article, kind in (("install-the-mobile-app", "note"), ("create-your-workspace", "warning")):
        page.evaluate(f"KB.open({{article: '{article}'}})")
        note = w.locator(f".kb-article .admonition.{kind}").first
        expect(note).to_be_visible()
        expect(note.locator(".admonition-title")).to_be_visible()
        styles[kind] = note.evaluate(_NOTE_STYLE)
        page.keyboard.press("Escape")
    for kind, style in styles.items():
        assert style["edge"] == "4px", (kind, style)
        assert style["tint"] != style["panel"], (kind, style)
        assert style["title"] >= 600, (kind, style)
    assert styles["note"]["colour"] != styles["warning"]["colour"]
