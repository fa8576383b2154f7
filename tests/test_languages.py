"""A help center in several languages: the content model, `kb check`, and real builds.

Translations sit beside their article (``refunds.fr.md``). The small KB here holds a translated
article, one left untranslated (it falls back), an internal French translation of a public
article, and an internal article translated internally; its git history makes one translation
older than its article.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback_api import create_app, shutdown
from kb_builder.build import build_site
from kb_builder.load import load_and_check
from kb_core.config import WIDGET_LABELS, SiteConfig, load_config, parse_config
from kb_core.errors import ConfigError
from kb_core.i18n import SHIPPED, catalog, keys
from kb_core.search.text.analysis import Analyzer
from kb_store.store import Store
from tests.conftest import git, write

KB = Path(sys.executable).with_name("kb")


def kb(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the installed `kb` as a process in ``cwd``, ``env`` added to the environment."""
    return subprocess.run(
        [KB, *args], cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True
    )


CONFIG = """site:
  name: Multi
  url: https://help.example.com
  description: Answers for Multi customers.
  languages:
    - en
    - code: fr
      strings:
        site.description: Réponses pour les clients de Multi.
search:
  synonyms:
    en: [[refund, money back]]
    fr: [[remboursement, argent rendu]]
api:
  agent_tokens:  # the token is agent-secret-token
    - name: test
      sha256: 66b9c7999ecc590bcb9ef3e3435ed1caf72da9c20abdcbcb9dec9ab66f8576e5
"""


def fr_config(**site: object) -> SiteConfig:
    config, _ = parse_config({"site": {"languages": ["en", "fr"], **site}})
    return config


# --------------------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("site", "message"),
    [
        (
            {"languages": ["en", "fr"], "language": "de"},
            "site.languages: the default is 'en' but site.language is 'de'; remove "
            "site.language or make them agree",
        ),
        ({"languages": ["en", "en"]}, "site.languages: 'en' is listed twice"),
        (
            {"languages": [{"code": "fr", "default": True}, {"code": "en", "default": True}]},
            "site.languages: only one language can be the default (fr, en)",
        ),
        (
            {"languages": ["en", "f r"]},
            "site.languages.1.code: not a language code (like en, fr or pt-BR): 'f r'",
        ),
        (
            {"languages": [{"code": "fr", "strings": {"nope": "x"}}]},
            "site.languages.0.strings: unknown string 'nope'; see kb_core/locales/en.yml",
        ),
    ],
)
def test_bad_languages_are_named(site: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config({"site": site})
    assert [p.message for p in exc.value.problems] == [message]


def test_languages_name_the_default_and_keep_site_language() -> None:
    config = fr_config()
    assert (config.site.language, config.site.codes) == ("en", ("en", "fr"))
    assert (config.site.prefix("en"), config.site.prefix("fr")) == ("", "fr/")
    assert config.site.language_label("fr") == "Français"
    marked, _ = parse_config({"site": {"languages": ["en", {"code": "fr", "default": True}]}})
    assert (marked.site.language, marked.site.codes) == ("fr", ("fr", "en"))
    single, _ = parse_config({"site": {"language": "de"}})
    assert (single.site.language, single.site.codes) == ("de", ("de",))


def test_synonyms_by_language() -> None:
    config, _ = parse_config(
        {"site": {"languages": ["en", "fr"]}, "search": {"synonyms": {"fr": [["a", "b"]]}}}
    )
    assert config.synonyms_for("fr") == (("a", "b"),)
    assert config.synonyms_for("en") == config.synonyms_for() == ()
    flat, _ = parse_config(
        {"site": {"languages": ["en", "fr"]}, "search": {"synonyms": [["x", 2]]}}
    )
    assert flat.synonyms_for("fr") == flat.synonyms_for("en") == (("x", "2"),)
    with pytest.raises(ConfigError) as exc:
        parse_config({"site": {"languages": ["en"]}, "search": {"synonyms": {"it": [["a"]]}}})
    assert str(exc.value.problems[0].message) == (
        "search.synonyms: 'it' is not a language of the site (en)"
    )


def test_catalogs_ship_every_string_and_config_overrides_them() -> None:
    for code in SHIPPED:
        assert set(catalog(code)) == set(keys())
        assert sorted(_raw(code)) == sorted(keys()), f"{code}.yml lacks or adds keys"
    assert (
        catalog("fr")["notice.fallback"] == "Cet article n'est pas encore disponible en français."
    )
    assert catalog("fr-CA")["search.button"] == "Rechercher"
    english_widget = {k[7:]: v for k, v in catalog("en").items() if k.startswith("widget.")}
    assert english_widget == WIDGET_LABELS  # the widget's English texts, kept in step
    assert catalog("it")["search.button"] == "Search"  # no catalog: English
    config, _ = parse_config(
        {"site": {"languages": ["en", {"code": "fr", "strings": {"search.button": "Chercher"}}]}}
    )
    assert config.strings("fr")["search.button"] == "Chercher"
    assert config.strings("fr")["rating.yes"] == "Oui"
    assert config.strings()["search.button"] == "Search"


def test_each_catalog_links_the_topics_and_prompts_for_one_in_the_widget() -> None:
    """The no-results tips make a link of {topics} in every language, and the widget's topic
    list starts with the prompt the portal's contact form shows."""
    for code in SHIPPED:
        strings = catalog(code)
        assert strings["js.tips"].count("{topics}") == 1, code
        assert "{" not in strings["js.browse_topics"], code
        assert strings["widget.topic"] == strings["contact.choose_topic"], code


def test_texts_the_site_writes_are_translated_in_its_strings() -> None:
    """site.announcement, contact.incident, a written response time and written topics are in
    the default language; another language gives its own in site.languages[].strings, and the
    config warns (naming the key and the language) where one is missing."""
    fr = {"site.announcement": "Nouveau.", "contact.topic.Billing": "Facturation"}
    data = {
        "site": {
            "description": "Help for Acme customers.",
            "announcement": "New: reminders.",
            "languages": ["en", {"code": "fr", "strings": fr}],
        },
        "contact": {
            "response_time": "within 4 hours",
            "incident": "Payments are slow.",
            "topics": ["Billing", "Other"],
        },
    }
    config, warnings = parse_config(data)
    assert config.site_text("site.announcement", "New: reminders.", "fr") == "Nouveau."
    assert config.site_text("site.announcement", "New: reminders.") == "New: reminders."
    assert config.site_text("site.announcement", "", "fr") == ""  # outside its window
    contact = config.localized("fr")[0]
    assert contact["response_time"] == "within 4 hours"  # as written: no French given
    assert contact["topics"] == ["Facturation", "Other"]
    assert config.topic_names() == {"Facturation": "Billing"}  # what the API accepts too
    assert [w.message.split(" has ")[0] for w in warnings] == [
        "site.description",
        "contact.incident",
        "contact.response_time",
        "contact.topic.Other",
    ]
    assert "add 'contact.incident' to the strings of fr in site.languages" in warnings[1].message
    assert "French" in warnings[1].message
    plain, _ = parse_config({"site": {"languages": ["en", "fr"]}})
    assert plain.localized("fr")[0]["topics"][1] == "Facturation"  # the catalog's, by default
    with pytest.raises(ConfigError, match="unknown string 'site.nonsense'"):
        parse_config(
            {"site": {"languages": ["en", {"code": "fr", "strings": {"site.nonsense": "x"}}]}}
        )


def _raw(code: str) -> dict[str, str]:
    import yaml

    from kb_core.i18n import LOCALES

    data = yaml.safe_load((LOCALES / f"{code}.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


# --------------------------------------------------------------------------- the content model

ARTICLE = """---
title: {title}
summary: {summary}
{extra}---
## {heading}

{body}
"""


def article(title: str, body: str, summary: str = "One sentence.", extra: str = "") -> str:
    return ARTICLE.format(title=title, summary=summary, extra=extra, heading=title, body=body)


def test_translations_share_the_id_and_url_of_their_article(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write(content, "billing/refunds.md", article("Refunds", "Ask within 30 days."))
    write(content, "billing/refunds.fr.md", article("Remboursements", "Sous 30 jours."))
    write(content, "billing/invoices.md", article("Invoices", "In Settings.", extra="id: inv\n"))
    link = "Voir [factures](invoices.fr.md) et [remboursements](refunds.md)."
    write(content, "billing/invoices.fr.md", article("Factures", link))
    kb, problems = load_and_check(content, fr_config())
    assert [p for p in problems if p.severity == "error"] == []
    assert sorted(a.source for a in kb.articles) == ["billing/invoices.md", "billing/refunds.md"]
    tr = {t.source: t for t in kb.translations}
    assert {s: (t.id, t.lang, t.url) for s, t in tr.items()} == {
        "billing/refunds.fr.md": ("refunds", "fr", "billing/refunds/"),
        "billing/invoices.fr.md": ("inv", "fr", "billing/invoices/"),
    }


@pytest.mark.parametrize(
    ("files", "where", "message"),
    [
        (
            {"billing/orphan.fr.md": article("Orphelin", "Rien.")},
            "billing/orphan.fr.md:1",
            "translation (fr) of a missing article: add billing/orphan.md in the default "
            "language first; the portal shows it where the translation is missing",
        ),
        (  # a slip of the name: the article it translates is named
            {
                "billing/refunds.md": article("Refunds", "x"),
                "billing/refnds.fr.md": article("Remboursements", "x"),
            },
            "billing/refnds.fr.md:1",
            "translation (fr) of a missing article: there is no billing/refnds.md; if it "
            "translates billing/refunds.md, rename it billing/refunds.fr.md; else add "
            "billing/refnds.md in the default language first",
        ),
        (  # ... unless that article has its translation: then it is no slip of its name
            {
                "billing/refunds.md": article("Refunds", "x"),
                "billing/refunds.fr.md": article("Remboursements", "x"),
                "billing/refnds.fr.md": article("Remboursements", "x"),
            },
            "billing/refnds.fr.md:1",
            "translation (fr) of a missing article: add billing/refnds.md in the default "
            "language first; the portal shows it where the translation is missing",
        ),
        (
            {
                "billing/refunds.md": article("Refunds", "x", extra="id: refunds\n"),
                "billing/refunds.fr.md": article("Remboursements", "x", extra="id: other\n"),
            },
            "billing/refunds.fr.md:4",
            "id 'other' differs from its article's ('refunds' in {content}/billing/refunds.md); "
            "a translation shares its article's id: remove the line or make them agree",
        ),
        (
            {"billing/refunds.en.md": article("Refunds", "x")},
            "billing/refunds.en.md:1",
            "a file in the default language (en) has no language suffix: rename it refunds.md",
        ),
        (
            {"fr/welcome.md": article("Welcome", "x")},
            "fr/welcome.md:1",
            "URL /fr/welcome/ is inside the /fr/ portal of site.languages; rename the folder",
        ),
    ],
)
def test_translation_errors_name_file_and_line(
    tmp_path: Path, files: dict[str, str], where: str, message: str
) -> None:
    content = tmp_path / "content"
    for rel, text in files.items():
        write(content, rel, text)
    _, problems = load_and_check(content, fr_config())
    errors = [(f"{p.path}:{p.line}", p.message) for p in problems if p.severity == "error"]
    assert errors == [(f"{content.as_posix()}/{where}", message.format(content=content))]


def test_a_translation_is_never_more_visible_than_its_article(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write(content, "ops/runbook.md", article("Runbook", "x", extra="visibility: internal\n"))
    write(content, "ops/runbook.fr.md", article("Procédure", "x", extra="visibility: public\n"))
    kb, problems = load_and_check(content, fr_config())
    assert [t.visibility for t in kb.translations] == ["internal"]
    assert [(p.line, p.code) for p in problems] == [(4, "translation-visibility")]


def test_a_translation_without_related_lists_its_articles(tmp_path: Path) -> None:
    """A translation lists its article's related articles unless it writes its own
    ``related:`` (``[]``: none); `kb check` judges each file's own ids only."""
    content = tmp_path / "content"
    related = "related: [invoices, tips]\n"
    write(content, "billing/refunds.md", article("Refunds", "x", extra=related))
    write(content, "billing/refunds.fr.md", article("Remboursements", "x"))
    write(content, "billing/invoices.md", article("Invoices", "x", extra="related: [nope]\n"))
    write(content, "billing/invoices.fr.md", article("Factures", "x", extra="related: []\n"))
    write(content, "billing/tips.md", article("Tips", "x", extra="related: [refunds]\n"))
    write(content, "billing/tips.fr.md", article("Astuces", "x", extra="related: [invoices]\n"))
    kb, problems = load_and_check(content, fr_config())
    tr = {t.source: t.related for t in kb.translations}
    assert tr == {
        "billing/refunds.fr.md": ["invoices", "tips"],
        "billing/invoices.fr.md": [],
        "billing/tips.fr.md": ["invoices"],
    }
    assert [(p.path.rsplit("/", 1)[-1], p.code) for p in problems if p.severity == "error"] == [
        ("invoices.md", "unknown-related")
    ]


def test_without_languages_a_suffix_is_part_of_the_name(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write(content, "billing/refunds.fr.md", article("Refunds fr", "x"))
    kb, problems = load_and_check(content, SiteConfig())
    assert problems == [] and kb.translations == []
    assert [a.source for a in kb.articles] == ["billing/refunds.fr.md"]


def test_kb_check_lists_an_outdated_translation(tmp_path: Path) -> None:
    """The article's last commit is newer than its translation's: a warning with the file, and
    `kb check --strict` (as a process) fails on it; translating it again clears it."""
    write(tmp_path, "site_config.yml", CONFIG)
    content = tmp_path / "content"
    write(content, "billing/refunds.md", article("Refunds", "Ask within 30 days."))
    write(content, "billing/refunds.fr.md", article("Remboursements", "Sous 30 jours."))
    write(content, "billing/invoices.md", article("Invoices", "In Settings."))
    write(content, "billing/invoices.fr.md", article("Factures", "Dans Paramètres."))
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "both")
    write(content, "billing/refunds.md", article("Refunds", "Ask within 60 days."))
    git(tmp_path, "commit", "-qam", "longer window")
    run = kb("check", "--strict", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    out = run.stdout + run.stderr
    assert "content/billing/refunds.fr.md:1: warning: translation may be outdated: " in out
    assert "billing/refunds.md changed in git after it (" in out
    assert "invoices.fr.md" not in out
    write(content, "billing/refunds.fr.md", article("Remboursements", "Sous 60 jours."))
    git(tmp_path, "commit", "-qam", "translated again")
    run = kb("check", "--strict", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr


# --------------------------------------------------------------------------- real builds

SECRET = "zorglubinterne"  # only in internal French text
RUNBOOK_SECRET = "quuxprocedure"  # only in an internal article's internal French translation


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository with a bilingual KB, built once: a translated article (its translation
    committed before the article changed again; its related articles are the two others), an
    untranslated one, a public article whose French translation is internal, and an internal
    article translated internally."""
    root = tmp_path_factory.mktemp("bilingual")
    write(root, "site_config.yml", CONFIG)
    content = root / "content"
    write(content, "billing/_category.yml", "title: Billing\ndescription: Money matters.\n")
    write(content, "billing/_category.fr.yml", "title: Facturation\ndescription: L'argent.\n")
    write(
        content,
        "billing/refunds.md",
        article(
            "Refunds",
            "Ask for a refund within 30 days.",
            extra="faq: How do I get a refund?\nrelated: [invoices, tips]\n",
        ),
    )
    write(
        content,
        "billing/refunds.fr.md",
        article(
            "Remboursements",
            "Demandez un remboursement sous 30 jours dans votre application. Voir "
            "[les factures](invoices.fr.md).",
            summary="Obtenir un remboursement.",
            extra="faq: Comment obtenir un remboursement ?\n",
        ),
    )
    write(content, "billing/invoices.md", article("Invoices", "Invoices are under Settings."))
    write(
        content,
        "billing/tips.md",
        article("Billing tips", "Pay yearly to save.", extra="related: [refunds]\n"),
    )
    write(
        content,
        "billing/tips.fr.md",
        article("Astuces", f"Le mot {SECRET} reste entre nous.", extra="visibility: internal\n"),
    )
    write(content, "ops/_category.yml", "title: Operations\nvisibility: internal\n")
    write(content, "ops/runbook.md", article("Runbook", "Restart the frobnicator."))
    write(content, "ops/runbook.fr.md", article("Procédure", f"Relancer le {RUNBOOK_SECRET}."))
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "first")
    write(
        content,
        "billing/refunds.md",
        article(
            "Refunds",
            "Ask for a refund within 60 days.",
            extra="faq: How do I get a refund?\nrelated: [invoices, tips]\n",
        ),
    )
    git(root, "commit", "-qam", "a longer window")
    run = kb("build", cwd=root)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "/fr/: 1 article(s) translated, 2 shown untranslated." in run.stdout
    return root / "build"


def html(build: Path, rel: str) -> str:
    return (build / rel).read_text(encoding="utf-8")


def test_each_language_has_its_portal_with_the_same_slugs(site: Path) -> None:
    for rel in ("", "billing/", "billing/refunds/", "billing/invoices/", "faq/", "contact/"):
        assert (site / "public" / rel / "index.html").is_file(), rel
        assert (site / "public" / "fr" / rel / "index.html").is_file(), rel
    assert '<html lang="fr"' in html(site, "public/fr/billing/refunds/index.html")
    assert '<html lang="en"' in html(site, "public/billing/refunds/index.html")
    assert (site / "public/fr/a/refunds/index.html").is_file()
    assert not (site / "public/fr/widget.js").exists()  # one widget, at the site's root


def test_hreflang_links_name_the_languages_an_article_is_written_in(site: Path) -> None:
    """The sitemaps carry the hreflang links, as full URLs; page heads carry none: Material's
    script fetches sitemap.xml beside every <link rel="alternate">, a 404 under each page."""
    for page in ("billing/refunds/", "fr/billing/refunds/", "fr/", "internal/fr/"):
        head = html(site, f"{'' if page.startswith('internal') else 'public/'}{page}index.html")
        assert '<link rel="alternate"' not in head.split("</head>")[0], page
    fallback = html(site, "public/fr/billing/invoices/index.html")
    # a fallback repeats the default page's text: that page is the one to index
    base = "https://help.example.com"
    assert f'<link rel="canonical" href="{base}/billing/invoices/">' in fallback
    sitemap = html(site, "public/fr/sitemap.xml")
    entry = sitemap.split(f"<loc>{base}/fr/billing/refunds/</loc>")[1].split("</url>")[0]
    assert entry == (
        f'<xhtml:link rel="alternate" hreflang="en" href="{base}/billing/refunds/"/>'
        f'<xhtml:link rel="alternate" hreflang="fr" href="{base}/fr/billing/refunds/"/>'
        f'<xhtml:link rel="alternate" hreflang="x-default" href="{base}/billing/refunds/"/>'
    )
    untranslated = html(site, "public/sitemap.xml").split(f"<loc>{base}/billing/invoices/</loc>")
    assert 'hreflang="fr"' not in untranslated[1].split("</url>")[0]


def test_the_switcher_leads_to_the_same_page_in_each_language(site: Path) -> None:
    page = html(site, "public/fr/billing/refunds/index.html")
    assert 'href="../../../billing/refunds/" hreflang="en"' in page
    assert 'data-kb-lang="fr" aria-current="true">Français</a>' in page
    assert 'href="../../fr/billing/refunds/" hreflang="fr"' in html(
        site, "public/billing/refunds/index.html"
    )


def test_an_untranslated_article_falls_back_with_a_notice(site: Path) -> None:
    page = html(site, "public/fr/billing/invoices/index.html")
    assert "Cet article n'est pas encore disponible en français." in page
    assert "Vous lisez la version originale (anglais)." in page
    assert '<div lang="en">' in page and "Invoices are under Settings." in page
    nav = page.split('class="md-nav md-nav--primary kb-sidebar"')[1].split("</nav>")[0]
    assert "Facturation" in nav and "Invoices" in nav and "Remboursements" in nav
    assert "data-kb-fallback" not in html(site, "public/fr/billing/refunds/index.html")
    assert "data-kb-fallback" not in html(site, "public/billing/invoices/index.html")


def test_an_outdated_translation_says_so_with_a_link_to_the_original(site: Path) -> None:
    page = html(site, "public/fr/billing/refunds/index.html")
    assert "Cette traduction n'est peut-être plus à jour" in page
    assert '<a href="../../../billing/refunds/" hreflang="en">Lire l\'original</a>' in page
    manifest = json.loads((site / "manifest.fr.json").read_text(encoding="utf-8"))
    assert manifest["language"] == "fr"
    entries = {a["id"]: (a["url"], a["language"], a["title"]) for a in manifest["articles"]}
    assert entries["refunds"] == ("fr/billing/refunds/", "fr", "Remboursements")
    assert entries["invoices"] == ("fr/billing/invoices/", "en", "Invoices")


def related_links(page: str) -> list[tuple[str, str]]:
    """The related articles a page lists: (href, title)."""
    if 'class="kb-related"' not in page:
        return []
    section = page.split('class="kb-related"')[1].split("</section>")[0]
    return [
        (unescape(href), unescape(title))
        for href, title in re.findall(r'<li><a href="([^"]*)">([^<]*)</a>', section)
    ]


def test_a_translation_lists_its_articles_related_articles_in_its_language(site: Path) -> None:
    """*Refunds* lists *Invoices* and *Billing tips*; its French translation, without
    ``related:`` of its own, listed none. It lists the same articles, each as the French portal
    shows it: the original under /fr/ where it is not translated (there, *Billing tips* is
    translated for agents only), as links to it are; and the agents' French *Billing tips*
    (*Astuces*) lists *Refunds* as its translation, *Remboursements*."""
    assert related_links(html(site, "public/billing/refunds/index.html")) == [
        ("../invoices/", "Invoices"),
        ("../tips/", "Billing tips"),
    ]
    assert related_links(html(site, "public/fr/billing/refunds/index.html")) == [
        ("../invoices/", "Invoices"),
        ("../tips/", "Billing tips"),
    ]
    assert related_links(html(site, "public/billing/tips/index.html")) == [
        ("../refunds/", "Refunds")
    ]
    assert related_links(html(site, "internal/fr/billing/tips/index.html")) == [
        ("../refunds/", "Remboursements")
    ]


def test_a_translation_says_when_git_last_changed_it(site: Path) -> None:
    """A translated page carries its date as the default language's pages do (it had none)."""
    page = html(site, "public/fr/billing/refunds/index.html")
    assert '<p class="kb-meta">Mis à jour le <time datetime="' in page
    manifest = json.loads((site / "manifest.fr.json").read_text(encoding="utf-8"))
    assert all(a["updated"] for a in manifest["articles"])


def test_portal_strings_are_in_the_portal_language(site: Path) -> None:
    home = html(site, "public/fr/index.html")
    assert "Comment pouvons-nous vous aider ?" in home
    # the site's own description, as site.languages gives it in French: on the page and in
    # the meta description search engines show
    assert home.count("Réponses pour les clients de Multi.") == 2, home
    assert "Answers for Multi customers." not in home
    assert html(site, "public/index.html").count("Answers for Multi customers.") == 2
    assert 'placeholder="Décrivez votre problème ou votre question"' in home
    assert "Parcourir par thème" in home and "Facturation" in home
    page = html(site, "public/fr/billing/refunds/index.html")
    assert "Cet article vous a-t-il été utile ?" in page and ">Oui</button>" in page
    # the default rating reasons and contact topics, translated
    assert "Il n'a pas répondu à ma question" in unescape(page)
    config = json.loads(
        page.split('<script id="kb-config" type="application/json">')[1].split("<")[0]
    )
    assert config["lang"] == "fr" and config["t"]["searching"] == "Recherche en cours…"
    contact = html(site, "public/fr/contact/index.html")
    assert "Votre nom" in contact and "Envoyer la demande" in contact and "Facturation" in contact
    # the suggestions' lead, before the script sets it (it was English on every portal)
    assert "Ces articles pourraient répondre tout de suite" in unescape(contact)
    assert "Page introuvable" in html(site, "public/fr/404.html")
    faq = html(site, "public/fr/faq/index.html")
    assert "Questions fréquentes" in faq and "Comment obtenir un remboursement ?" in faq
    assert "How do I get a refund?" in html(site, "public/faq/index.html")
    assert "How can we help?" in html(site, "public/index.html")


def _public_files(build: Path) -> list[Path]:
    """Everything a build publishes or serves to customers: the public portals, the public
    indexes of every language, and the public manifests."""
    roots = [build / "public", build / "index" / "public", build / "index" / "fr" / "public"]
    files = [p for r in roots for p in r.rglob("*") if p.is_file()]
    return files + sorted(build.glob("manifest.json")) + sorted(build.glob("manifest.fr.json"))


@pytest.mark.parametrize("word", [SECRET, RUNBOOK_SECRET])
def test_internal_french_text_never_reaches_public_output(site: Path, word: str) -> None:
    files = _public_files(site)
    assert len(files) > 50
    leaks = [p for p in files if word.encode() in p.read_bytes()]
    assert leaks == []
    agents = list((site / "internal" / "fr").rglob("*.html"))  # agents do see it
    assert any(word.encode() in p.read_bytes() for p in agents)
    agents_index = site / "index" / "fr" / "internal"
    assert any(word.encode() in p.read_bytes() for p in agents_index.rglob("*") if p.is_file())


def test_the_public_french_portal_shows_the_public_text_of_an_internal_translation(
    site: Path,
) -> None:
    public = html(site, "public/fr/billing/tips/index.html")
    assert "Pay yearly to save." in public and "data-kb-fallback" in public
    internal = html(site, "internal/fr/billing/tips/index.html")
    assert SECRET in internal and "Astuces" in internal


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store") / "kb.sqlite3"


def portal_app(site: Path, store: Path) -> Flask:
    """The API serving the built site, its store a SQLite file, events written at once."""
    return create_app(
        {
            "TESTING": True,
            "BUILD_DIR": str(site),
            "SITE_CONFIG": str(site.parent / "site_config.yml"),
            "DATABASE_URL": f"sqlite:///{store}",
            "EVENTLOG_FLUSH_SECONDS": 0,
        }
    )


@pytest.fixture(scope="module")
def client(site: Path, store: Path) -> Iterator[FlaskClient]:
    app = portal_app(site, store)
    yield app.test_client()
    shutdown(app)


def rows(store: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(store) as conn:
        return conn.execute(sql).fetchall()


def found(client: FlaskClient, q: str, **headers: str) -> list[str]:
    params = f"q={q}"
    reply = client.get(f"/api/search?{params}", headers=headers)
    assert reply.status_code == 200, reply.json
    return [r["url"] for r in reply.json["results"]]


def test_french_questions_search_for_their_subject_words() -> None:
    """Articles and question words are stop words in French as "the" and "how" are in
    English, accented ones included (words are compared folded: "été" is "ete")."""
    fr = Analyzer("fr")
    subject = fr.terms("valider feuilles temps")
    assert fr.terms("Comment valider les feuilles de temps ?") == subject
    asked = "Pourquoi les feuilles de temps ont été validées à tort quand ?"
    assert fr.terms(asked) == fr.terms("feuilles temps validées tort")


def test_french_search_finds_stemmed_forms(client: FlaskClient) -> None:
    """'remboursements' finds the article that says 'remboursement': the French stemmer."""
    assert found(client, "remboursements&lang=fr") == ["/fr/billing/refunds/"]
    assert found(client, "rembourser&lang=fr") == ["/fr/billing/refunds/"]
    assert found(client, "remboursements") == []  # the English index has no French words
    # the page's language when the request names none
    assert found(client, "remboursements", Referer="http://localhost/fr/billing/") == [
        "/fr/billing/refunds/"
    ]


def test_each_language_searches_its_own_synonyms_and_fallbacks(client: FlaskClient) -> None:
    assert found(client, "argent rendu&lang=fr") == ["/fr/billing/refunds/"]
    assert found(client, "money back") == ["/billing/refunds/"]
    # an article with no French text is searched in its default-language text, in French's portal
    assert found(client, "invoices settings&lang=fr") == ["/fr/billing/invoices/"]
    assert found(client, f"{SECRET}&lang=fr") == []


def test_an_unknown_language_is_refused_in_the_error_shape(client: FlaskClient) -> None:
    reply = client.get("/api/search?q=refund&lang=it")
    assert reply.status_code == 400
    assert reply.json == {
        "error": "lang: not a language of this help center (en, fr).",
        "status": 400,
        "field": "lang",
    }
    assert client.get("/api/suggest?q=refund&lang=de").status_code == 400


@pytest.mark.parametrize(
    ("headers", "location"),
    [
        ({}, "/billing/refunds/"),
        ({"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}, "/fr/billing/refunds/"),
        ({"Accept-Language": "de-DE,en;q=0.8"}, "/billing/refunds/"),
        ({"Accept-Language": "de, fr;q=0.5"}, "/fr/billing/refunds/"),
        # the portal the visitor is in wins over the browser's language
        ({"Referer": "http://localhost/fr/faq/", "Accept-Language": "en"}, "/fr/billing/refunds/"),
        ({"Referer": "http://localhost/billing/", "Accept-Language": "fr"}, "/billing/refunds/"),
        # a page on another site says nothing about this one's portals
        ({"Referer": "https://mail.example.com/fr/", "Accept-Language": "en"}, "/billing/refunds/"),
    ],
)
def test_permalinks_go_to_the_visitors_language(
    client: FlaskClient, headers: dict[str, str], location: str
) -> None:
    reply = client.get("/a/refunds", headers=headers)
    assert (reply.status_code, reply.headers["Location"]) == (302, location)
    assert {"Accept-Language", "Referer"} <= set(reply.vary)


def test_language_permalinks_and_404(client: FlaskClient) -> None:
    assert client.get("/a/refunds?lang=fr").headers["Location"] == "/fr/billing/refunds/"
    reply = client.get("/fr/a/invoices")
    assert (reply.status_code, reply.headers["Location"]) == (301, "/fr/billing/invoices/")
    lost = client.get("/fr/no-such-page/")
    assert lost.status_code == 404 and "Page introuvable" in lost.text
    assert "couldn't find that page" in client.get("/no-such-page/").text
    with client.get("/fr/billing/refunds/") as page:  # a file response: closed after use
        assert page.status_code == 200 and '<html lang="fr"' in page.text


def test_kb_link_answers_from_a_language_portal(site: Path) -> None:
    """`kb link --lang fr` (a process): the French index, links to the French pages."""
    run = kb("link", "remboursements", "--lang", "fr", "--format", "text", cwd=site.parent)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[:2] == [
        "Remboursements",
        "https://help.example.com/fr/a/refunds?src=agent",
    ]
    bad = kb("link", "x", "--lang", "it", cwd=site.parent)
    assert bad.returncode == 2 and "'it' is not a language of the site (en, fr)" in bad.stderr


def test_kb_search_and_kb_eval_search_a_language_portal(site: Path, tmp_path: Path) -> None:
    """`kb search --lang fr` and `kb eval --lang fr` (processes): the French index and pages."""
    run = kb("search", "remboursements", "--lang", "fr", "--format", "json", cwd=site.parent)
    assert run.returncode == 0, run.stderr
    assert [r["url"] for r in json.loads(run.stdout)["results"]] == ["/fr/billing/refunds/"]
    english = kb("search", "remboursements", "--format", "json", cwd=site.parent)
    assert json.loads(english.stdout)["results"] == []
    golden = tmp_path / "golden.fr.csv"
    golden.write_text("query,expected\nremboursements,refunds\nrembourser,billing/refunds.fr.md\n")
    floor = ("--fail-under", "hit@1=1")
    scored = kb("eval", str(golden), "--lang", "fr", "--format", "json", *floor, cwd=site.parent)
    assert scored.returncode == 0, scored.stdout + scored.stderr
    assert json.loads(scored.stdout)["hit@1"] == 1.0
    bad = kb("search", "x", "--lang", "it", cwd=site.parent)
    assert bad.returncode == 2 and "'it' is not a language of the site (en, fr)" in bad.stderr


def test_a_french_elided_article_is_no_part_of_the_word_searched(
    site: Path, client: FlaskClient
) -> None:
    """ "l'application" (or "l’application") was searched as the word "lapplication", which
    only a text saying "l'application" holds: the French refunds article says "votre
    application". `kb search --lang fr` (a process) and /api/search?lang=fr find it, and mark
    the word."""
    run = kb("search", "l'application", "--lang", "fr", "--format", "json", cwd=site.parent)
    assert run.returncode == 0, run.stdout + run.stderr
    assert [r["url"].split("#")[0] for r in json.loads(run.stdout)["results"]] == [
        "/fr/billing/refunds/"
    ]
    reply = client.get("/api/search", query_string={"q": "L’application", "lang": "fr"})
    body = reply.get_json()
    assert reply.status_code == 200 and body is not None, body
    (hit,) = body["results"]
    assert hit["url"].split("#")[0] == "/fr/billing/refunds/"
    assert "votre <mark>application</mark>" in hit["snippet"]


def test_the_agent_api_answers_in_a_language(client: FlaskClient) -> None:
    reply = client.get("/api/articles?q=remboursements&lang=fr")
    assert reply.status_code == 200
    assert [(r["title"], r["url"]) for r in reply.json["results"]] == [
        ("Remboursements", "https://help.example.com/fr/a/refunds?src=agent")
    ]
    # internal French text only with a token, from the agents' French index
    assert client.get(f"/api/articles?q={SECRET}&lang=fr").json["results"] == []
    token = {"Authorization": "Bearer agent-secret-token"}
    found = client.get(f"/api/articles?q={SECRET}&lang=fr", headers=token).json["results"]
    assert [(r["id"], r["visibility"]) for r in found] == [("tips", "internal")]
    one = client.get("/api/articles/invoices?lang=fr").json
    assert (one["url"], one["language"]) == (
        "https://help.example.com/fr/a/invoices?src=agent",
        "en",
    )
    assert client.get("/api/articles/refunds?lang=xx").status_code == 400


FR_PAGE = {"Referer": "http://localhost/fr/billing/refunds/"}


def test_searches_ratings_and_contact_requests_carry_the_language(
    client: FlaskClient, store: Path
) -> None:
    """Each event is stored with the language of the portal it came from: searches (failed
    searches in French), ratings (per language and revision: a translation's revision is its
    own), contact requests (support answers in the visitor's language) and their thanks."""
    client.get("/api/search?q=introuvablezz&lang=fr")
    client.get("/api/search?q=introuvablezz")
    assert rows(
        store, "SELECT language, answered FROM searches WHERE raw_query='introuvablezz'"
    ) == [
        ("fr", 0),
        ("en", 0),
    ]
    fr_page = html_page(client, "/fr/billing/refunds/")
    en_page = html_page(client, "/billing/refunds/")
    for page, headers in ((fr_page, FR_PAGE), (en_page, {})):
        revision = page.split('data-revision="')[1].split('"')[0]
        vote = {"article_id": "refunds", "revision": revision, "value": 1}
        assert client.post("/api/ratings", json=vote, headers=headers).status_code == 201
    votes = rows(store, "SELECT language, revision FROM ratings WHERE article_id='refunds'")
    assert sorted(v[0] for v in votes) == ["en", "fr"]
    assert len({v[1] for v in votes}) == 2  # the translation's revision and the article's
    form = {
        "name": "Ana",
        "email": "ana@example.com",
        "topic": "Billing",
        "subject": "Remboursement",
        "message": "Bonjour, je voudrais un remboursement.",
        "website": "",
        "elapsed_ms": 45_000,
    }
    sent = client.post(
        "/api/contact", json=form, headers={"Referer": "http://localhost/fr/contact/"}
    )
    assert sent.status_code == 201
    reference = sent.json["reference"]
    assert sent.json["message"] == (
        "Merci, nous avons bien reçu votre demande ; nous répondons sous un jour ouvré."
    )
    stored = rows(store, f"SELECT language FROM contact_requests WHERE reference='{reference}'")
    assert stored == [("fr",)]


def test_calls_from_another_origin_name_their_language(client: FlaskClient, store: Path) -> None:
    """The widget's calls come from the host page (no Referer on this site) and name their
    language: ?lang=fr gives the contact form in French and stores the request as French."""
    described = client.get("/api/contact?lang=fr").json
    assert described["topics"] == ["Compte", "Facturation", "Problème technique", "Autre"]
    assert described["response_time"] == "sous un jour ouvré"
    assert client.get("/api/contact").json["topics"][1] == "Billing"
    assert client.get("/api/contact?lang=it").status_code == 400
    form = {
        "name": "Ana",
        "email": "ana@example.com",
        "topic": "Facturation",
        "subject": "Remboursement",
        "message": "Bonjour, je voudrais un remboursement.",
        "website": "",
        "elapsed_ms": 45_000,
    }
    sent = client.post("/api/contact?lang=fr", json=form)
    assert sent.status_code == 201
    assert sent.json["message"].startswith("Merci, nous avons bien reçu")
    reference = sent.json["reference"]
    stored = rows(
        store, f"SELECT language, topic FROM contact_requests WHERE reference='{reference}'"
    )
    assert stored == [("fr", "Billing")]  # the topic support routes on, whatever the language
    form["topic"] = "Fakturierung"
    refused = client.post("/api/contact?lang=fr", json=form)
    assert refused.status_code == 400 and refused.json["field"] == "topic"


def html_page(client: FlaskClient, path: str) -> str:
    with client.get(path) as page:
        return page.text


def test_a_forwarded_request_says_its_language() -> None:
    from datetime import UTC, datetime

    from feedback_api.outbox import email_message, payload
    from kb_store.tables import ContactRequest

    config = fr_config()
    fields = {"email": "ana@example.com", "subject": "Remboursement", "message": "Bonjour"}
    when = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    request = ContactRequest(1, "ABC123", when, "v", fields, {}, "fr")
    assert payload(config, request)["language"] == "fr"
    mail = email_message(config, request)
    assert mail["Content-Language"] == "fr"
    assert "Language: French (fr)" in mail.get_content()
    plain = ContactRequest(1, "ABC123", when, "v", fields, {})
    assert "language" not in payload(config, plain)
    assert "Language:" not in email_message(config, plain).get_content()


def kb_gaps(site: Path, store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`kb gaps --since all ARGS` as a process on the built ``site``, reading ``store``."""
    return kb(
        "gaps", "--since", "all", *args, cwd=site.parent, KB_DATABASE_URL=f"sqlite:///{store}"
    )


def test_kb_gaps_lists_each_language_and_what_it_lacks(
    client: FlaskClient, store: Path, site: Path
) -> None:
    """`kb gaps` (a process): failed searches in French apart, and the untranslated article
    French visitors read most (a translated one is not listed)."""
    for _ in range(2):
        client.get("/api/search?q=carte cadeau&lang=fr")
        client.get("/api/search?q=facturezzz&lang=fr")  # noise: no failed query to read about
    for _ in range(3):
        assert (
            client.post("/api/events/view", json={"id": "invoices"}, headers=FR_PAGE).status_code
            == 204
        )
    client.post("/api/events/view", json={"id": "refunds"}, headers=FR_PAGE)
    client.post("/api/events/view", json={"id": "invoices"})  # an English reader
    run = kb_gaps(site, store, "--format", "json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    french = next(x for x in data["languages"] if x["language"] == "fr")
    assert ["carte cadeau", 2] in french["failed_queries"]
    assert "facturezzz" not in {q for q, _ in french["failed_queries"]}
    assert data["untranslated"] == [
        {
            "rank": 1,
            "language": "fr",
            "article_id": "invoices",
            "title": "Invoices",
            "views": 3,
            "visitors": 1,
        }
    ]
    text = kb_gaps(site, store)
    assert text.returncode == 0, text.stderr
    assert "Searches by language" in text.stdout
    assert "Untranslated articles read most in another language" in text.stdout


def test_kb_gaps_groups_failed_searches_in_their_language(
    client: FlaskClient, store: Path, site: Path
) -> None:
    """`kb gaps` (a process): French failed searches form a French group, asked for as a French
    article; English ones stay English; and a French search the French portal answers now
    (its article published since) is found by the 'now found' check, in the French index (the
    English one does not answer it)."""
    for _ in range(2):
        assert client.get("/api/search?q=colis perdu&lang=fr").json["results"] == []
        assert client.get("/api/search?q=lost parcel").json["results"] == []
    db = Store(f"sqlite:///{store}")
    try:  # two French searches that found nothing before the French article existed
        for visitor in ("early-1", "early-2"):
            db.log_search(
                query="remboursements",
                raw_query="Remboursements",
                hits=0,
                category=None,
                corrected=False,
                visitor=visitor,
                language="fr",
            )
    finally:
        db.close()
    run = kb_gaps(site, store, "--format", "json")
    assert run.returncode == 0, run.stderr
    groups = {g["label"]: g for g in json.loads(run.stdout)["failed_searches"]}
    parcel = groups["colis perdu"]
    assert parcel["language"] == "fr"
    assert parcel["action"]["text"].startswith(
        "Write a new article and its French translation, e.g. “Colis perdu”"
    )
    lost = groups["lost parcel"]
    assert lost["language"] == "en"
    assert "French" not in lost["action"]["text"]
    refunds = groups["remboursements"]
    assert refunds["language"] == "fr"
    assert refunds["loop"] == {
        "checked": 1,
        "found": 1,
        "top": "Remboursements",
        "top_id": "refunds",
    }
    # answered now: nothing left to write, only the article to check ("answered now")
    assert refunds["answered_by"] == "Remboursements" and refunds["action"]["kind"] == "check"
    md = kb_gaps(site, store, "--format", "md")
    assert md.returncode == 0, md.stderr
    assert "| # | Language | Searches | Visitors |" in md.stdout
    assert f"| {parcel['rank']} | fr | 2 |" in md.stdout
    assert f"| {lost['rank']} | en | 2 |" in md.stdout


def test_a_french_failed_search_is_logged_and_shown_as_typed(site: Path, tmp_path: Path) -> None:
    """ "J’ai perdu mon colis" on /fr/ was logged, and shown by `kb gaps` (a process), as
    "j ai perdu mon colis": the elided "j'" set apart, as search analyses it. The log keeps
    it as typed, normalised as ever (lower case, the typographic apostrophe plain), and the
    advice quotes the search as typed."""
    store = tmp_path / "kb.sqlite3"
    app = portal_app(site, store)
    try:
        client = app.test_client()
        for visitor in ("10.3.0.1", "10.3.0.2"):
            reply = client.get(
                "/api/search",
                query_string={"q": "J’ai perdu mon colis", "lang": "fr"},
                environ_base={"REMOTE_ADDR": visitor},
            )
            assert reply.status_code == 200 and reply.json["results"] == []
    finally:
        shutdown(app)
    assert (
        rows(store, "SELECT query, raw_query FROM searches")
        == [("j'ai perdu mon colis", "J’ai perdu mon colis")] * 2
    )
    run = kb_gaps(site, store, "--format", "json")
    assert run.returncode == 0, run.stderr
    [group] = json.loads(run.stdout)["failed_searches"]
    assert (group["label"], group["queries"]) == (
        "j'ai perdu mon colis",
        [["j'ai perdu mon colis", 2]],
    )
    assert group["language"] == "fr"
    # its advice quotes it as the customer typed it
    assert group["action"]["text"].endswith("that answers \u201cJ\u2019ai perdu mon colis\u201d.")


def test_a_missing_language_index_skips_its_groups_with_a_note(site: Path, tmp_path: Path) -> None:
    """Without build/index/fr/public the French groups are not checked and the report says
    why; the default language's index still answers."""
    from kb_reports.gaps.loop import LoopChecker

    shutil.copytree(site / "index" / "public", tmp_path / "index" / "public")
    config, _ = load_config(site.parent / "site_config.yml")
    checker = LoopChecker.open(tmp_path, config)
    try:
        assert checker.check(["refund"]).found == 1
        assert checker.check(["remboursements"], language="fr").checked == 0
        assert checker.shown("remboursements", "fr") == (None, None)
        assert checker.searcher_for("fr") is None
        [note] = checker.notes
        assert note.endswith("; the 'now found' check for the fr groups is skipped")
    finally:
        checker.close()


def test_the_widget_speaks_the_host_pages_language(client: FlaskClient, site: Path) -> None:
    """/api/widget answers in the site language nearest the host page's (fr-CA: fr; de, which
    the site lacks: the default), the panel then reads that language's articles, and the
    launcher carries each language's text."""
    french = client.get("/api/widget?lang=fr-CA").json
    assert french["lang"] == "fr"
    assert (french["labels"]["close"], french["labels"]["helpful"]) == (
        "Fermer l'aide",
        "Cet article vous a-t-il été utile ?",
    )
    other = client.get("/api/widget?lang=de").json
    assert (other["lang"], other["labels"]["close"]) == ("en", "Close help")
    read = client.get("/api/widget/articles/refunds?lang=fr").json
    assert (read["title"], read["url"]) == ("Remboursements", "/fr/billing/refunds/")
    assert "Sous 30 jours" in read["html"] or "sous 30 jours" in read["html"]
    launcher = (site / "public" / "widget.js").read_text(encoding="utf-8")
    assert 'const LABELS = {"fr": "Aide"};' in launcher
    assert '|| "Help";' in launcher


def test_a_new_translation_is_no_unchanged_search_index(tmp_path: Path) -> None:
    """`kb build` said "search index unchanged" after a translation was added, though the
    French portal's index now finds it: the summary spoke of the default language's index
    alone. It gives what was done to the most changed of the languages' indexes."""
    content, out = tmp_path / "content", tmp_path / "build"
    write(content, "billing/refunds.md", article("Refunds", "Ask within 30 days."))
    write(content, "billing/invoices.md", article("Invoices", "In Settings."))
    assert build_site(content, fr_config(), out).index == "rebuilt"
    assert build_site(content, fr_config(), out).index == "unchanged"
    write(content, "billing/refunds.fr.md", article("Remboursements", "Sous 30 jours."))
    assert build_site(content, fr_config(), out).index != "unchanged"
