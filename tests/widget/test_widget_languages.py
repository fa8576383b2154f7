"""The widget on a French host page (``<html lang="fr-FR">``), in Chromium: the launcher and the
panel speak French, searches go to the French index, and articles open in their French text
(the example's time-tracking category is translated)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS
from tests.widget.conftest import Site


def test_the_widget_on_a_french_page_speaks_french(page: Page, widget_site: Site) -> None:
    page.goto(widget_site.url + "/fr.html")
    w = page.locator("[data-kb-widget]")
    w.get_by_role("button", name="Aide").click()
    expect(w.get_by_role("dialog", name="Aide")).to_be_visible()
    box = w.get_by_role("searchbox", name="Rechercher dans le centre d'aide")
    expect(box).to_have_attribute("placeholder", "Décrivez votre question")
    box.press_sequentially("pointages", delay=5)
    result = w.locator(".kb-results .kb-list li").first
    expect(result).to_contain_text("Pointer à l'arrivée et au départ")
    result.get_by_role("link").first.click()
    # the article's own title (opened at a section, the header names the article too)
    title = w.locator(".kb-article .kb-title")
    expect(title).to_have_text("Pointer à l'arrivée et au départ")
    expect(w.get_by_role("button", name="Oui")).to_be_visible()
    searched = widget_site.portal.wait_rows(
        "SELECT language, source FROM searches WHERE raw_query = ?", ("pointages",)
    )
    assert [tuple(r) for r in searched] == [("fr", "widget")]  # French failed searches apart


def test_the_widget_on_an_english_page_stays_english(page: Page, widget_site: Site) -> None:
    page.goto(widget_site.url + "/index.html")
    w = page.locator("[data-kb-widget]")
    w.get_by_role("button", name="Help").click()
    expect(w.get_by_role("dialog", name="Help")).to_be_visible()
    expect(w.get_by_role("searchbox", name="Search the help center")).to_be_visible()
    expect(w.get_by_role("dialog")).not_to_have_text(re.compile("Rechercher"))


def test_the_french_widget_marks_english_articles(page: Page, widget_site: Site) -> None:
    """An English article the French panel lists untranslated says so: "en anglais"."""
    page.goto(widget_site.url + "/fr.html")
    w = page.locator("[data-kb-widget]")
    w.get_by_role("button", name="Aide").click()
    box = w.get_by_role("searchbox", name="Rechercher dans le centre d'aide")
    box.press_sequentially("remboursement", delay=5)
    refund = page.get_by_role("link", name="Get a refund", exact=True)
    english = w.locator(".kb-results .kb-list li").filter(has=refund)
    expect(english.locator(".kb-lang")).to_have_text("en anglais")
    page.screenshot(path=str(ARTIFACTS / "widget-fr-untranslated.png"))
    box.fill("")
    box.press_sequentially("pointages", delay=5)
    french = w.locator(".kb-results .kb-list li").first
    expect(french).to_contain_text("Pointer à l'arrivée et au départ")
    expect(french.locator(".kb-lang")).to_have_count(0)
