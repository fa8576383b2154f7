"""Translations in the content: which files are translations, of which article, and how current.

A translation sits beside its article with the language before ``.md``: ``refunds.md`` (the
site's default language) and ``refunds.fr.md``, ``refunds.de.md`` (the suffix convention of
mkdocs-static-i18n). A category's title and description translate in ``_category.fr.yml``, its
intro in ``index.fr.md``. A translation shares its article's id and URL (under ``/fr/``); it has
its own visibility and publishing window, and is never more visible than its article.

Imports neither mkdocs nor Flask.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import frontmatter
import yaml

from kb_builder import compat
from kb_builder.articles import (
    CATEGORY_FILE,
    INTRO_FILES,
    Article,
    Category,
    KnowledgeBase,
    slug_for,
)
from kb_builder.gitinfo import History
from kb_builder.nearest import near_name
from kb_core.config import SiteConfig
from kb_core.errors import Problem

_SUFFIX = re.compile(r"^(?P<stem>.+)\.(?P<code>[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?)\.md$")
_STRICTNESS = {"public": 0, "internal": 1, "draft": 2}


def suffix_language(name: str, codes: Iterable[str]) -> tuple[str, str] | None:
    """(stem, language) of a file named for one of ``codes`` ('refunds.fr.md'), else None."""
    m = _SUFFIX.match(name)
    if m is None:
        return None
    code = m.group("code").replace("_", "-")
    found = next((c for c in codes if c.lower() == code.lower()), None)
    return (m.group("stem"), found) if found else None


def is_intro_translation(source: str, codes: Iterable[str]) -> bool:
    """Whether a content path is a category intro in another language ('x/index.fr.md')."""
    found = suffix_language(source.rsplit("/", 1)[-1], codes)
    return found is not None and found[0] + ".md" in INTRO_FILES


def split_translations(
    articles: list[Article], config: SiteConfig, problems: list[Problem]
) -> tuple[list[Article], list[Article]]:
    """(articles in the default language, translations); each file's ``lang`` is set.

    A translation's slug is its article's ('refunds.fr.md' -> 'refunds'). With one language,
    every file is an article, as it always was.
    """
    default = config.site.language
    if len(config.site.codes) < 2:
        for a in articles:
            a.lang = default
        return articles, []
    sources: list[Article] = []
    translations: list[Article] = []
    for a in articles:
        name = a.source.rsplit("/", 1)[-1]
        found = suffix_language(name, config.site.codes)
        if found is None:
            a.lang = default
            sources.append(a)
            continue
        stem, code = found
        if code == default:
            msg = (
                f"a file in the default language ({default}) has no language suffix: "
                f"rename it {stem}.md"
            )
            problems.append(Problem(a.where, 1, "error", msg, "translation"))
            continue
        a.lang, a.slug = code, slug_for(stem)
        a.original = a.source[: -len(name)] + stem + ".md"
        translations.append(a)
    return sources, translations


def link_translations(
    sources: list[Article], translations: list[Article], problems: list[Problem]
) -> list[Article]:
    """Give each translation its article's id; the translations that have an article.

    A translation without its article, or whose ``id:`` names another article, is an error:
    the portal would have no page to fall back on, or one permalink would mean two articles.
    A translation is never more visible than its article (a warning says so when it asks to be).
    One without ``related:`` of its own lists its article's related articles (its language's
    portal shows each in that language where it is translated, else the original).
    """
    by_source = {a.source: a for a in sources}
    kept: list[Article] = []
    seen: set[tuple[str, str]] = set()
    translated = {(t.original, t.lang) for t in translations}
    for t in translations:
        src = by_source.get(t.original)
        if src is None:
            msg = (
                f"translation ({t.lang}) of a missing article: add {t.original} in the default "
                "language first; the portal shows it where the translation is missing"
            )
            near = near_name(t.original, by_source)  # the default-language article
            if (
                near is not None and (near, t.lang) not in translated
            ):  # a slip of the file name, more likely than a new article
                folder, _, name = near.rpartition("/")
                renamed = f"{folder}/" * bool(folder) + f"{name[:-3]}.{t.lang}.md"
                msg = (
                    f"translation ({t.lang}) of a missing article: there is no {t.original}; "
                    f"if it translates {near}, rename it {renamed}; else add {t.original} in "
                    "the default language first"
                )
            problems.append(Problem(t.where, 1, "error", msg, "translation"))
            continue
        if t.explicit_id and t.id != src.id:
            msg = (
                f"id '{t.id}' differs from its article's ('{src.id}' in {src.where}); a "
                "translation shares its article's id: remove the line or make them agree"
            )
            problems.append(Problem(t.where, t.line_of("id"), "error", msg, "translation"))
            continue
        if (src.source, t.lang) in seen:  # refunds.fr.md and refunds.FR.md on a case-keeping disk
            msg = f"a second {t.lang} translation of {src.where}"
            problems.append(Problem(t.where, 1, "error", msg, "translation"))
            continue
        seen.add((src.source, t.lang))
        t.id, t.explicit_id = src.id, src.explicit_id
        t.category_path, t.aliases = src.category_path, list(src.aliases)
        if "related" not in t.meta.model_fields_set:  # 'related: []' says: none
            t.inherited_related = tuple(src.meta.related)
        if _STRICTNESS[t.visibility] < _STRICTNESS[src.visibility]:
            msg = (
                f"visibility {t.visibility} but its article is {src.visibility}: the translation "
                f"stays {src.visibility}"
            )
            where, line = t.where, t.line_of("visibility")
            problems.append(Problem(where, line, "warning", msg, "translation-visibility"))
            t.visibility = src.visibility
        kept.append(t)
    return kept


def link_targets(
    articles: Iterable[Article], translations: Iterable[Article], codes: Iterable[str]
) -> dict[str, Article]:
    """What each relative ``.md`` link names: an article's file, a translation's, or a
    translation not written yet ('invoices.fr.md' -> invoices.md, whose page stands in for it
    in the French portal)."""
    found = {t.source: t for t in translations}
    for a in articles:
        found[a.source] = a
        stem = a.source[: -len(".md")] if a.source.endswith(".md") else a.source
        for code in codes:
            found.setdefault(f"{stem}.{code}.md", a)
    return found


def load_category_texts(
    root: Path, categories: dict[tuple[str, ...], Category], codes: tuple[str, ...]
) -> list[Problem]:
    """Fill each category's ``translations`` from ``_category.<code>.yml`` and
    ``index.<code>.md`` beside its ``_category.yml``."""
    problems: list[Problem] = []
    if len(codes) < 2:
        return problems
    for cat in categories.values():
        folder = _folder(root, cat.path)
        if folder is None:
            continue
        for code in codes[1:]:
            texts: dict[str, str] = {}
            meta = folder / CATEGORY_FILE.replace(".yml", f".{code}.yml")
            if meta.is_file() and not meta.is_symlink():
                texts.update(_category_texts(meta, problems))
            for name in INTRO_FILES:
                intro = folder / name.replace(".md", f".{code}.md")
                if intro.is_file() and not intro.is_symlink():
                    try:
                        body = frontmatter.loads(intro.read_text(encoding="utf-8")).content
                        texts["intro"] = compat.to_mkdocs(body)
                    except Exception as exc:  # a broken intro costs the intro, never the build
                        msg = f"intro skipped: {exc}"
                        problems.append(Problem(intro.as_posix(), 0, "warning", msg, "intro"))
                    break
            if texts:
                cat.translations[code] = texts
    return problems


def _folder(root: Path, path: tuple[str, ...]) -> Path | None:
    """The folder of a category (its path is made of slugs, the folder of names)."""
    here = root
    for slug in path:
        match = [p for p in here.iterdir() if p.is_dir() and slug_for(p.name) == slug]
        if not match:
            return None
        here = match[0]
    return here


def _category_texts(path: Path, problems: list[Problem]) -> dict[str, str]:
    where = path.as_posix()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError, ValueError) as exc:
        problems.append(Problem(where, 0, "error", f"unreadable: {exc}", "category"))
        return {}
    if not isinstance(data, dict):
        problems.append(Problem(where, 1, "error", "must be a mapping", "category"))
        return {}
    out: dict[str, str] = {}
    for key, value in data.items():
        if key in ("title", "description") and isinstance(value, (str, int, float)):
            out[str(key)] = str(value)
        else:
            msg = (
                f"{key}: only title and description translate; order, icon and visibility "
                f"come from {CATEGORY_FILE}"
            )
            problems.append(Problem(where, 1, "warning", msg, "unknown-key"))
    return out


def outdated_translations(kb: KnowledgeBase, hist: History) -> list[Problem]:
    """Mark each translation whose article changed in git after it did; a warning for each."""
    problems: list[Problem] = []
    for t in kb.translations:
        mine, theirs = hist.files.get(t.source), hist.files.get(t.original)
        if mine is None or theirs is None or theirs.order <= mine.order:
            continue
        t.outdated = True
        msg = (
            f"translation may be outdated: {t.original} changed in git after it "
            f"({theirs.revision[:7]}, {theirs.updated.isoformat()}); update the translation"
        )
        problems.append(Problem(t.where, 1, "warning", msg, "translation-outdated"))
    return problems


def withhold_translations(kb: KnowledgeBase, at: datetime) -> list[Article]:
    """Take the translations outside their window at ``at``, or of a withheld article, out of
    ``kb.translations`` (their article then stands in for them); return them."""
    live = {a.id for a in kb.articles}
    out = [t for t in kb.translations if t.window(at) != "live" or t.id not in live]
    if out:
        gone = {id(t) for t in out}
        kb.translations = [t for t in kb.translations if id(t) not in gone]
    return out
