"""A help center in several languages: the content model, `kb check`, and real builds.

Translations sit beside their article (``refunds.fr.md``). The small KB here holds a translated
article, one left untranslated (it falls back), an internal French translation of a public
article, and an internal article translated internally; its git history makes one translation
older than its article.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kb_builder.load import load_and_check
from kb_core.config import SiteConfig, parse_config
from kb_core.errors import ConfigError
from kb_core.i18n import SHIPPED, catalog, keys
from tests.conftest import write

KB = Path(sys.executable).with_name("kb")
GIT = [
    "git",
    "-c",
    "user.email=t@example.com",
    "-c",
    "user.name=Test",
    "-c",
    "commit.gpgsign=false",
]

CONFIG = """site:
  name: Multi
  url: https://help.example.com
  languages: [en, fr]
search:
  synonyms:
    en: [[refund, money back]]
    fr: [[remboursement, argent rendu]]
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
    assert catalog("it")["search.button"] == "Search"  # no catalog: English
    config, _ = parse_config(
        {"site": {"languages": ["en", {"code": "fr", "strings": {"search.button": "Chercher"}}]}}
    )
    assert config.strings("fr")["search.button"] == "Chercher"
    assert config.strings("fr")["rating.yes"] == "Oui"
    assert config.strings()["search.button"] == "Search"


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


def test_without_languages_a_suffix_is_part_of_the_name(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write(content, "billing/refunds.fr.md", article("Refunds fr", "x"))
    kb, problems = load_and_check(content, SiteConfig())
    assert problems == [] and kb.translations == []
    assert [a.source for a in kb.articles] == ["billing/refunds.fr.md"]


def git(repo: Path, *args: str) -> None:
    subprocess.run([*GIT, *args], cwd=repo, check=True, capture_output=True)


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
    run = subprocess.run([KB, "check", "--strict"], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 1, run.stderr
    out = run.stdout + run.stderr
    assert "content/billing/refunds.fr.md:1: warning: translation may be outdated: " in out
    assert "billing/refunds.md changed in git after it (" in out
    assert "invoices.fr.md" not in out
    write(content, "billing/refunds.fr.md", article("Remboursements", "Sous 60 jours."))
    git(tmp_path, "commit", "-qam", "translated again")
    run = subprocess.run([KB, "check", "--strict"], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
