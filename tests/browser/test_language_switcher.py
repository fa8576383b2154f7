"""The example in two languages, in Chromium: the switcher, the fallback notice, French search,
and permanent links that follow the browser's language (the example's time-tracking category
is translated into French; every other article shows in French's portal in English)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import Portal

CLOCK_EN = "/time-tracking/clock-in-and-out/"
CLOCK_FR = "/fr/time-tracking/clock-in-and-out/"
REFUNDS = "/billing/invoices-and-payments/refunds/"


def switch_to(page: Page, language: str) -> None:
    """Open Material's language selector (it opens on hover or focus) and pick a language."""
    page.locator(".md-select").hover()
    page.get_by_role("link", name=language, exact=True).click()


def test_the_switcher_leads_to_the_same_article_in_the_other_language(
    page: Page, portal: Portal
) -> None:
    page.goto(portal.url + CLOCK_EN)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    switch_to(page, "Français")
    expect(page).to_have_url(portal.url + CLOCK_FR)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pointer à l'arrivée et au départ")
    expect(page.get_by_role("heading", name="Cet article vous a-t-il été utile ?")).to_be_visible()
    expect(page.locator("[data-kb-fallback]")).to_have_count(0)
    # the sidebar and crumbs are French too: the category's title is translated
    expect(page.locator(".kb-crumbs")).to_contain_text("Suivi du temps")
    switch_to(page, "English")
    expect(page).to_have_url(portal.url + CLOCK_EN)
    expect(page.get_by_role("heading", level=1)).to_have_text("Clock in and out")


def test_an_untranslated_article_shows_in_french_with_a_notice(page: Page, portal: Portal) -> None:
    page.goto(portal.url + REFUNDS)
    switch_to(page, "Français")
    expect(page).to_have_url(portal.url + "/fr" + REFUNDS)  # never a 404
    notice = page.locator("[data-kb-fallback]")
    expect(notice).to_contain_text("Cet article n'est pas encore disponible en français.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Get a refund")
    expect(page.locator("div[lang=en] h1")).to_have_text("Get a refund")
    # the portal around it speaks French
    expect(page.get_by_role("button", name="Oui")).to_be_visible()
    expect(page.locator(".kb-crumbs")).to_contain_text("Centre d'aide")


def test_french_search_finds_the_french_article_by_another_form_of_its_words(
    page: Page, portal: Portal
) -> None:
    """'pointages' is nowhere in the article; the French stemmer makes it 'pointag', as it
    makes 'pointage' in 'Pointage › Historique', and the French index answers."""
    page.goto(portal.url + "/fr/")
    box = page.get_by_role("combobox", name="Rechercher dans le centre d'aide")
    box.press_sequentially("pointages")
    option = page.get_by_role("option", name=re.compile("^Pointer à l'arrivée et au départ"))
    expect(option).to_be_visible()
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/fr/search-results/\?q=pointages$"))
    results = page.locator("[data-kb-results]")
    expect(results.locator(".kb-results__summary")).to_have_text(re.compile(r"articles? trouvés?"))
    results.get_by_role("link", name="Pointer à l'arrivée et au départ").first.click()
    expect(page).to_have_url(re.compile(re.escape(portal.url + CLOCK_FR) + "(#.*)?$"))


def test_a_permanent_link_follows_the_browsers_language(browser: Any, portal: Portal) -> None:
    for locale, landing in (("fr-FR", CLOCK_FR), ("en-GB", CLOCK_EN), ("de-DE", CLOCK_EN)):
        context = browser.new_context(locale=locale)
        try:
            page = context.new_page()
            page.goto(portal.url + "/a/clock-in-and-out")
            expect(page).to_have_url(portal.url + landing)
        finally:
            context.close()


def test_a_permanent_link_from_the_french_portal_stays_in_french(
    page: Page, portal: Portal
) -> None:
    """The visitor's browser says English, but they are reading the French portal."""
    page.goto(portal.url + "/fr/")
    page.evaluate(
        "() => { const a = document.createElement('a'); a.href = '/a/approve-timesheets';"
        " a.id = 'kb-test-link'; a.textContent = 'x'; document.body.append(a); }"
    )
    page.locator("#kb-test-link").click()
    expect(page).to_have_url(portal.url + "/fr/time-tracking/approve-timesheets/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vérifier et valider les feuilles de temps"
    )


def test_the_french_contact_form_sends_a_french_request(page: Page, portal: Portal) -> None:
    """A French visitor reads the site's own texts in French (announcement, response time,
    topics: site.languages' strings) and picks a French topic; support gets the configured
    topic and the request's language."""
    page.goto(portal.url + "/fr/contact/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Contacter le support")
    expect(page.locator("main")).to_contain_text("Nous répondons sous 4 heures ouvrées")
    expect(page.get_by_text("Nouveau : les rappels de poste par SMS")).to_be_visible()
    page.get_by_label("Votre nom").fill("Ana Martin")
    page.get_by_label("Adresse e-mail").fill("ana@example.com")
    page.get_by_label("Sujet").select_option("Suivi du temps et feuilles de temps")
    page.get_by_label("Objet").fill("J'ai oublié de pointer hier")
    page.get_by_label("Comment pouvons-nous vous aider ?").fill("Comment corriger mon pointage ?")
    page.get_by_role("button", name="Envoyer la demande").click()
    status = page.locator("[data-kb-contact-status]")
    expect(status).to_contain_text("Votre numéro de référence est KB-")
    reference = status.locator("strong").inner_text()
    rows = portal.wait_rows(
        "SELECT topic, language FROM contact_requests WHERE reference = ?", (reference,)
    )
    assert [(r["topic"], r["language"]) for r in rows] == [("Time tracking and timesheets", "fr")]
