"""The portal on a phone (390 px) and on a desktop (1280 px), in a real Chromium.

The menu drawer leads everywhere from every page; the H1 is the strongest heading and is not
repeated; no empty dark strip frames the page; titles, dates and the home page read well at
390 px. The screenshots of every page kind at both widths are taken in test_journeys.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.conftest import Portal, serve_folder
from tests.conftest import TODAY
from tests.proof.procs import proof_config

PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=900)
SITE = "Tandem Help Center"
ARTICLE = "/billing/plans/cancel-subscription/"  # its first section is titled like the article
CATEGORIES = [
    "Getting started",
    "Your account",
    "Billing",
    "Scheduling",
    "Time tracking",
    "Integrations",
    "Mobile app",
    "Security and privacy",
    "Troubleshooting",
]


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A page in a phone-sized context (390 x 844, touch)."""
    context = browser.new_context(viewport=PHONE, has_touch=True, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, "uncaught JavaScript errors:\n" + "\n".join(errors)


@pytest.fixture(scope="module")
def plain_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example built with no announcement, on a static host: the page frame as it is bare."""
    from kb_builder.build import build_site
    from kb_core.config import load_config
    from tests.browser.conftest import ROOT

    tmp = tmp_path_factory.mktemp("plain")
    config, problems = load_config(proof_config(tmp / "site_config.yml", site={"announcement": ""}))
    assert not config.site.announcement
    build_site(ROOT / "content", config, tmp / "build", config_problems=problems, today=TODAY)
    with serve_folder(tmp / "build" / "public") as url:
        yield url


def open_menu(page: Page, site: str = SITE) -> Any:
    """Open the drawer with the header's menu button; return the drawer's navigation."""
    page.locator('label.md-header__button[for="__drawer"]').click()
    menu = page.locator(".md-sidebar--primary").get_by_role("navigation", name=site)
    expect(menu).to_be_in_viewport()
    return menu


def test_mobile_menu_leads_from_an_article_to_the_faq_and_to_contact(
    phone: Page, portal: Portal
) -> None:
    phone.goto(portal.url + ARTICLE)
    menu = open_menu(phone)
    links = menu.get_by_role("link")
    # Home, every category, FAQ and Contact, and the article's own category opened out
    for name in ["Home", *CATEGORIES, "FAQ", "Contact support", "Plans", "Invoices and payments"]:
        expect(links.filter(has_text=re.compile(rf"^{re.escape(name)}\s*\d*$"))).to_be_visible()
    expect(menu.locator("[aria-current=page]")).to_have_text("Cancel your subscription")
    menu.get_by_role("link", name="FAQ", exact=True).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Frequently asked questions")

    # the FAQ page hides the sidebar on wide screens; on a phone its menu is all there
    menu = open_menu(phone)
    expect(menu.get_by_role("link", name="Billing", exact=True)).to_be_visible()
    menu.get_by_role("link", name="Contact support", exact=True).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Contact support")

    open_menu(phone).get_by_role("link", name="Home", exact=True).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("How can we help?")
    open_menu(phone).get_by_role("link", name="Scheduling", exact=True).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Scheduling")


def test_mobile_menu_on_the_404_page_leads_home(phone: Page, portal: Portal) -> None:
    phone.goto(portal.url + "/billing/no-such-page/")
    open_menu(phone).get_by_role("link", name="Billing", exact=True).click()
    expect(phone).to_have_url(portal.url + "/billing/")


def test_desktop_sidebar_shows_only_the_pages_category(page: Page, portal: Portal) -> None:
    page.goto(portal.url + ARTICLE)
    sidebar = page.locator(".md-sidebar--primary")
    expect(sidebar.get_by_role("link", name="Billing", exact=True)).to_be_visible()
    expect(sidebar.get_by_role("link", name="Plans", exact=False).first).to_be_visible()
    for name in ("Home", "Scheduling", "FAQ", "Contact support"):
        expect(sidebar.get_by_role("link", name=name, exact=True)).to_be_hidden()
    page.goto(portal.url + "/faq/")  # a page without a category has no sidebar at all
    expect(page.locator(".md-sidebar--primary")).to_be_hidden()


_CONTRAST = """el => {
  const rgba = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map(v => v / 255)
      .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  let bg = null;
  for (let n = el; n && !bg; n = n.parentElement) {
    const c = rgba(getComputedStyle(n).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0)) bg = c.slice(0, 3);
  }
  bg = bg || [255, 255, 255];
  const [r, g, b, a = 1] = rgba(getComputedStyle(el).color);
  const fg = [r, g, b].map((v, i) => v * a + bg[i] * (1 - a));
  const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}"""


@pytest.mark.parametrize("path", ["/", "/billing/", ARTICLE, "/faq/", "/contact/"])
def test_h1_is_the_strongest_heading_and_has_accessible_contrast(
    page: Page, portal: Portal, path: str
) -> None:
    page.goto(portal.url + path)
    h1 = page.locator("article h1")
    expect(h1).to_have_count(1)
    weight = int(h1.evaluate("el => getComputedStyle(el).fontWeight"))
    h2_weights = page.locator("article h2").evaluate_all(
        "els => els.map(el => Number(getComputedStyle(el).fontWeight))"
    )
    assert weight >= max(h2_weights, default=0) and weight >= 600, (weight, h2_weights)
    contrast = h1.evaluate(_CONTRAST)
    assert contrast >= 7, f"H1 contrast {contrast:.2f}:1 (Material's 54% black gives 4.6:1)"


def test_article_heading_repeating_the_title_is_shown_once(page: Page, portal: Portal) -> None:
    page.goto(portal.url + ARTICLE)
    headings = page.locator("article").locator("h1, h2, h3").all_inner_texts()
    texts = [re.sub(r"\W+", " ", h).strip().casefold() for h in headings]
    assert texts.count("cancel your subscription") == 1, headings
    assert page.locator("article h1").inner_text() == "Cancel your subscription"
    toc = page.locator(".md-sidebar--secondary").get_by_role("link")
    expect(toc.first).to_have_text("What happens when you cancel")
    # a link to the dropped heading's section still lands on the steps
    page.goto(portal.url + ARTICLE + "#cancel-your-subscription")
    expect(page.locator("#cancel-your-subscription")).to_have_count(1)
    expect(page.get_by_text("Click Cancel subscription at the bottom")).to_be_in_viewport()


_BOTTOM_BACKGROUNDS = """() => {
  window.scrollTo(0, document.documentElement.scrollHeight);
  const out = [];
  const h = window.innerHeight, w = window.innerWidth;
  for (const y of [h - 1, h - 8, h - 16, h - 24]) for (const x of [2, w / 2, w - 20]) {
    let bg = "rgba(0, 0, 0, 0)";
    for (let n = document.elementFromPoint(x, y); n; n = n.parentElement) {
      bg = getComputedStyle(n).backgroundColor;
      if (!/rgba\\(.*, 0\\)$/.test(bg) && bg !== "transparent") break;
    }
    out.push(bg);
  }
  return out;
}"""


def _dark(css_color: str) -> bool:
    r, g, b, *a = (float(v) for v in re.findall(r"[\d.]+", css_color))
    return (not a or a[0] > 0.5) and (0.2126 * r + 0.7152 * g + 0.0722 * b) < 128


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
@pytest.mark.parametrize("path", ["/", ARTICLE, "/contact/"])
def test_no_dark_strip_above_the_header_or_below_the_page(
    browser: Browser, plain_portal: str, viewport: ViewportSize, path: str
) -> None:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        page.goto(plain_portal + path)
        header = page.locator("header.md-header")
        assert header.bounding_box()["y"] == 0  # type: ignore[index]
        expect(page.locator(".md-banner")).to_have_count(0)
        # the header is the first thing painted from the top edge: nothing dark above it
        top = page.evaluate("() => document.elementFromPoint(5, 0).closest('header') !== null")
        assert top, "something other than the header is at the top edge"
        backgrounds = page.evaluate(_BOTTOM_BACKGROUNDS)
        assert not [c for c in backgrounds if _dark(c)], backgrounds
    finally:
        context.close()


def test_the_announcement_banner_still_shows_when_set(page: Page, portal: Portal) -> None:
    page.goto(portal.url + "/")
    expect(page.locator(".md-banner")).to_contain_text("text-message shift reminders")


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/", SITE),
        ("/billing/", f"Billing - {SITE}"),
        (ARTICLE, f"Cancel your subscription - {SITE}"),
        ("/faq/", f"Frequently asked questions - {SITE}"),
        ("/contact/", f"Contact support - {SITE}"),
        ("/no/such/page/", f"Page not found - {SITE}"),
    ],
)
def test_document_title_names_the_page_then_the_site(
    page: Page, portal: Portal, path: str, title: str
) -> None:
    page.goto(portal.url + path)
    expect(page).to_have_title(title)


def test_updated_date_is_written_for_people(page: Page, portal: Portal) -> None:
    page.goto(portal.url + ARTICLE)
    when = page.locator(".kb-meta time")
    iso = when.get_attribute("datetime")
    assert iso and re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso), iso
    day = date.fromisoformat(iso)
    expect(when).to_have_text(f"{day:%B} {day.day}, {day.year}")  # site.language: en
    expect(page.locator(".kb-meta")).to_contain_text(f"Updated {day:%B}")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "November 22, 2026"),
        ("de", "22. November 2026"),
        ("fr", "22 novembre 2026"),
        ("pt-BR", "22 de novembro de 2026"),
        ("xx-unknown", "2026-11-22"),  # a language Babel does not know keeps the ISO date
    ],
)
def test_date_filter_writes_the_sites_language(language: str, expected: str) -> None:
    from kb_builder.theme.hooks import _human_date

    assert _human_date("2026-11-22", language) == expected


def test_home_at_390_keeps_the_placeholder_and_the_contact_button_whole(
    phone: Page, portal: Portal
) -> None:
    phone.goto(portal.url + "/")
    box = phone.get_by_role("main").get_by_role("combobox", name="Search the help center")
    placeholder = box.get_attribute("placeholder")
    assert placeholder
    # the placeholder's width in the input's own font, against the room inside the input
    need, room = box.evaluate(
        """el => {
          const s = getComputedStyle(el);
          const ctx = document.createElement("canvas").getContext("2d");
          ctx.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
          const pad = parseFloat(s.paddingLeft) + parseFloat(s.paddingRight);
          return [ctx.measureText(el.placeholder).width, el.clientWidth - pad];
        }"""
    )
    assert need <= room, f"placeholder needs {need:.0f}px, the input has {room:.0f}px"
    assert box.evaluate("el => el.scrollWidth <= el.clientWidth")

    cta = phone.locator(".kb-cta")
    button = cta.get_by_role("link", name="Contact support")
    expect(button).to_be_visible()
    lines = button.evaluate(
        """el => {
          const r = document.createRange(); r.selectNodeContents(el);
          const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
          return {rects: el.getClientRects().length, lines: tops.size,
                  left: el.getBoundingClientRect().left,
                  textLeft: el.parentElement.getBoundingClientRect().left};
        }"""
    )
    assert lines["rects"] == 1 and lines["lines"] == 1, lines  # never broken inside
    assert lines["left"] == lines["textLeft"], lines  # on a line of its own, not beside text


def test_a_new_category_reaches_the_menu_of_pages_left_unbuilt(
    phone: Page, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """An incremental build re-renders every article's menu when the list of categories changes."""
    from kb_builder.build import build_site
    from kb_core.config import SiteConfig
    from tests.conftest import write

    tmp = tmp_path_factory.mktemp("menu")
    content, out = tmp / "content", tmp / "build"
    write(content, "alpha/one.md", "---\ntitle: One\nsummary: s\n---\nText one.\n")
    write(content, "beta/two.md", "---\ntitle: Two\nsummary: s\n---\nText two.\n")
    build_site(content, SiteConfig(), out, today=TODAY)
    write(content, "gamma/three.md", "---\ntitle: Three\nsummary: s\n---\nText three.\n")
    report = build_site(content, SiteConfig(), out, today=TODAY)
    assert report.incremental
    with serve_folder(out / "public") as url:
        phone.goto(url + "/alpha/one/")
        menu = open_menu(phone, "Help Center")
        for name in ("Alpha", "Beta", "Gamma"):
            expect(menu.get_by_role("link", name=name, exact=True)).to_be_visible()


def test_the_search_status_line_is_as_wide_as_the_list_it_heads(
    phone: Page, portal: Portal
) -> None:
    """On a phone the button goes under the box: the "1 article found" line and the list under
    it span the box's width alike, with no stray border beside the line."""
    phone.goto(portal.url + "/")
    phone.locator("#kb-q-home").press_sequentially("reset password", delay=5)
    status, listbox = (
        phone.locator(".kb-search .kb-suggest__status"),
        phone.locator("#kb-suggest-home"),
    )
    expect(status).to_have_text(re.compile(r"articles? found$"))
    expect(listbox).to_be_visible()
    edges = "el => { const r = el.getBoundingClientRect(); return [r.left, r.right]; }"
    assert status.evaluate(edges) == listbox.evaluate(edges)
    assert listbox.evaluate(edges) == phone.locator("#kb-q-home").evaluate(edges)
