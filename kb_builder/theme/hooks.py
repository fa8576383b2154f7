"""MkDocs hooks of the kb-portal theme (loaded by path through ``hooks:`` in mkdocs.yml).

- Gives every template the site-wide data (``kb``) written by the build.
- Replaces Material's whole-site navigation with a sidebar of the page's own category: a help
  center's sidebar should show where you are, and rendering the full nav into every page made
  build time grow with the square of the article count. On phones that nav is the menu drawer,
  so it also lists Home, every category, the FAQ and Contact (wide screens hide those).
- Writes dates for people in the portal's language, and drops an article's first heading when
  it only repeats the title.
- In a site of several languages, gives each page its language switcher (the same page in
  each language; hreflang links are the sitemaps', see ``_LanguageSelector``) and the
  portal's strings (``kb_t``).
- Leaves the static search index to the build, which already has every section's text.
- Keeps content inert: front-matter values reach Material's templates escaped, page bodies pass
  the sanitiser (unless ``content.trust_raw_html``), and each page declares in a CSP ``<meta>``
  the hashes of the portal's own inline scripts only, which the server's CSP header repeats.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import os
import posixpath
import re
from datetime import date
from typing import Any

from markupsafe import Markup, escape

from kb_builder.sanitize import clean_html

_state: dict[str, Any] = {"data": {}, "sidebar": {}, "strings": {}}


def _icons_dir() -> str:
    import material

    return os.path.join(os.path.dirname(material.__file__), "templates", ".icons")


def on_config(config: Any) -> Any:
    with open(config.extra["kb_data"], encoding="utf-8") as f:
        data = json.load(f)
    icons = _icons_dir()
    for cat in data.get("categories", []):  # an unknown icon name must not break the build
        if not os.path.isfile(os.path.join(icons, cat["icon"] + ".svg")):
            cat["icon"] = "material/folder-outline"
    _state["data"] = data
    # Material prints these unescaped (<title>, header, meta description); Markup is escaped
    # once here and never again by the templates' own "| e".
    config["site_name"] = escape(config["site_name"])
    config["site_description"] = escape(config["site_description"] or "")
    _state["sidebar"] = {}
    logo = (config.theme.get("icon") or {}).get("logo") or "material/library"
    try:
        with open(os.path.join(icons, logo + ".svg"), encoding="utf-8") as f:
            _state["logo"] = f.read()
    except OSError:
        _state["logo"] = ""
    _state["strings"] = {}  # translations of the config's language
    _state["lang"] = config.extra.get("kb_lang") or config.theme["language"]
    if config.extra.get("alternate"):  # pages the hooks do not see (404) ask the same way
        config.extra["alternate"] = LANGUAGE_SELECTOR
    # Material's search plugin re-parses every rendered page to build its index. The build
    # already has each section's plain text and writes the same index format itself
    # (kb_builder/render.py), so the per-page handler is dropped: about 15% of build time.
    search = config.plugins.get("material/search")
    handlers = config.plugins.events.get("page_context", [])
    config.plugins.events["page_context"] = [
        h for h in handlers if getattr(h, "__self__", None) is not search
    ]
    # Each part's sitemap would list only its own pages: the build writes the portal's
    # (kb_builder/assemble.py), so no part renders one.
    config.theme.static_templates.discard("sitemap.xml")
    return config


def on_env(env: Any, config: Any, files: Any) -> Any:
    # Compiling Material's templates costs about a second per build; keep the compiled code.
    from jinja2 import FileSystemBytecodeCache

    cache = config.extra.get("kb_jinja_cache")
    if cache:
        os.makedirs(cache, exist_ok=True)
        env.bytecode_cache = FileSystemBytecodeCache(cache)
    env.globals["kb_translate"] = _translate  # overrides/partials/language.html
    env.globals["kb_t"] = kb_t
    language = config.extra.get("kb_lang") or config.theme["language"]
    env.filters["kb_date"] = functools.partial(_human_date, language=language)
    return env


def kb_t(key: str, **values: Any) -> Markup:
    """A portal string in the portal's language, its ``{name}`` placeholders filled in, as
    HTML-escaped text (apostrophes kept as typed: the templates quote attributes with ")."""
    text = str((_state["data"].get("t") or {}).get(key, key))
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return Markup(html.escape(text, quote=False).replace('"', "&quot;"))


@functools.lru_cache(maxsize=4096)
def _human_date(value: str, language: str) -> str:
    """An ISO date as people write it in ``language`` ("November 22, 2026"); else unchanged."""
    from babel import Locale, UnknownLocaleError
    from babel.dates import format_date

    try:
        day = date.fromisoformat(str(value)[:10])
        return str(format_date(day, format="long", locale=Locale.parse(language, sep="-")))
    except (ValueError, TypeError, UnknownLocaleError):
        return str(value)


def _translate(key: str, lang_t: Any, fallback_t: Any) -> str:
    """Material's ``lang.t(key) or fallback.t(key) or key``, remembered for the build."""
    strings: dict[str, str] = _state["strings"]
    if key == "language":  # <html lang>: the portal's own code (Material may know only its base)
        return str(_state.get("lang") or lang_t(key))
    if key not in strings:
        strings[key] = str(lang_t(key)) or str(fallback_t(key)) or key
    return strings[key]


def on_template_context(context: dict[str, Any], template_name: str, config: Any) -> Any:
    context["kb"] = _state["data"]  # static templates such as 404.html
    if template_name == "404.html":  # served at any path: its links start from the site root
        base = context.get("base_url") or "/"
        context["kb_sidebar"] = _nav("", "", config.site_name, base.rstrip("/") + "/")
        _alternates(config, "", base.rstrip("/") + "/")
        context["kb_switch"] = _state.get("switch", [])
    return context


class _LanguageSelector:
    """What ``extra.alternate`` holds in a site of several languages: truthy, so Material's
    header draws the selector (our partials/alternate.html, from ``kb_switch``), and not
    iterable, so Material's base.html writes no ``<link rel="alternate">`` into the head.

    Material's script fetches ``sitemap.xml`` beside every such link, taking each for a
    language's root: with a link per page in each language (what hreflang wants), every page
    asked for ``<page>/sitemap.xml`` in each language and got 404s. Crawlers get the same
    hreflang links, as full URLs, from the sitemaps (kb_builder/assemble.py), one of the
    three ways search engines read them; the switcher links each page in each language."""

    def __bool__(self) -> bool:
        return True


LANGUAGE_SELECTOR = _LanguageSelector()


def _alternates(config: Any, page_url: str, base: str = "") -> None:
    """Point the language switcher at this page in each language (an article not translated
    shows there in the default language, with a notice)."""
    data = _state["data"]
    languages = data.get("languages") or []
    if not languages:
        return
    here = data.get("prefix") or ""
    switch = []
    for x in languages:
        target = x["prefix"] + page_url
        if base:  # the 404 page, served at any path: the other language's home, from the root
            root = base[: len(base) - len(here)] if here and base.endswith(here) else base
            href = root + x["prefix"]
        else:
            href = relative_url(target or "./", here + page_url)
        current = x["code"] == data.get("lang")
        switch.append({"code": x["code"], "label": x["label"], "href": href, "current": current})
    config.extra["alternate"] = LANGUAGE_SELECTOR
    _state["switch"] = switch


@functools.lru_cache(maxsize=65536)
def _url_parts(path: str) -> tuple[str, ...]:
    """A path's parts as MkDocs' ``get_relative_url`` normalises them ('..' resolved, never
    above the root, the leading slash ignored)."""
    if not path.startswith("/"):
        path = "/" + path
    path = posixpath.normpath(path)[1:]
    return tuple(path.split("/")) if path else ()


def relative_url(url: str, other: str) -> str:
    """``mkdocs.utils.get_relative_url(url, other)``, each path's normalisation remembered.

    The sidebar links each page to the same few dozen URLs (about 80 links a page), and MkDocs'
    function normalises both paths again for every link: remembering them (and each link's
    escaped text, below) takes a third off the sidebar's time. Same results
    (tests/test_build.py compares the two).
    """
    dirname, _, basename = other.rpartition("/")
    if "." in basename:  # a file: links start from its folder
        other = dirname
    other_parts, dest_parts = _url_parts(other), _url_parts(url)
    common = 0
    for a, b in zip(other_parts, dest_parts, strict=False):
        if a != b:
            break
        common += 1
    relurl = "/".join(("..",) * (len(other_parts) - common) + dest_parts[common:]) or "."
    return relurl + "/" if url.endswith("/") else relurl


_escaped = functools.lru_cache(maxsize=65536)(functools.partial(html.escape, quote=True))


def _nav(section_key: str, page_url: str, site_name: str, base: str | None = None) -> str:
    """HTML of the navigation drawer: the site's pages and every category, the page's one open.

    Wide screens show only the open category (kb.css): a sidebar of where you are. On a phone
    the same nav is the menu, so it must also lead home, to the other categories, FAQ and
    Contact. ``base`` makes links absolute (the 404 page is served at any path).
    """
    data = _state["data"]
    sections = data.get("sections", {})
    key = section_key if section_key in sections else ""
    cache_key = (key, site_name)
    cached = _state["sidebar"].get(cache_key)
    if cached is None:  # placeholders become links relative to each page
        pieces = _nav_template(sections, key, site_name).split("{URL:")
        cached = (pieces[0], [piece.split("}", 1) for piece in pieces[1:]])
        _state["sidebar"][cache_key] = cached
    head, links = cached
    rendered = [head]
    for url, rest in links:
        if base is not None:
            href = base + url
        else:  # "./" rather than "": home links end in a slash like every other page
            href = relative_url(url or "./", page_url)
        rel = _escaped(href)
        here = url == page_url and base is None
        current = ' aria-current="page" data-kb-current' if here else ""
        rendered.append(rel + '"' + current + rest[1:] if current else rel + rest)
    return "".join(rendered)


def _nav_template(sections: dict[str, Any], key: str, site_name: str) -> str:
    data = _state["data"]
    top_url = sections[key.split("/")[0]]["url"] if key else None
    name = str(escape(site_name))  # config.site_name may already be Markup
    parts = [
        f'<nav class="md-nav md-nav--primary kb-sidebar" aria-label="{name}">',
        # Material's drawer title: the logo leads home, the rest of the bar closes the drawer
        f'<label class="md-nav__title kb-sidebar__site" for="__drawer">'
        f'<a href="{{URL:}}" class="md-nav__button md-logo" aria-label="{name}">'
        f"{_state['logo']}</a>{name}</label>",
        '<ul class="md-nav__list">',
        _top_item("", _text("nav.home", "Home")),
    ]
    for cat in data.get("categories", []):
        if cat["url"] != top_url:
            parts.append(_top_item(cat["url"], cat["title"]))
            continue
        parts.append(
            '<li class="md-nav__item kb-sidebar__category">'
            f'<a class="md-nav__link kb-sidebar__title" href="{{URL:{cat["url"]}}}">'
            f'<span class="md-ellipsis">{html.escape(cat["title"])}</span></a>'
            '<ul class="md-nav__list">'
        )
        parts += _section_items(sections, key.split("/")[0], key, 0)
        parts.append("</ul></li>")
    if data.get("tree") == "public":  # the internal portal has neither page
        parts.append(_top_item("faq/", _text("nav.faq", "FAQ")))
        if (data.get("contact") or {}).get("enabled"):
            parts.append(_top_item("contact/", _text("nav.contact", "Contact support")))
    parts.append("</ul></nav>")
    return "".join(parts)


def _text(key: str, english: str) -> str:
    """A portal string as plain text (the nav escapes it), English without a portal's strings."""
    return english if "t" not in _state["data"] else html.unescape(kb_t(key))


def _top_item(url: str, title: str) -> str:
    return (
        f'<li class="md-nav__item kb-sidebar__top"><a class="md-nav__link" href="{{URL:{url}}}">'
        f'<span class="md-ellipsis">{html.escape(title)}</span></a></li>'
    )


def _section_items(sections: dict[str, Any], key: str, open_key: str, depth: int) -> list[str]:
    sec = sections[key]
    items: list[str] = []
    for child in sec["children"]:
        c = sections[child]
        expanded = open_key == child or open_key.startswith(child + "/")
        items.append(
            f'<li class="md-nav__item kb-sidebar__section">'
            f'<a class="md-nav__link" href="{{URL:{c["url"]}}}">'
            f'<span class="md-ellipsis">{html.escape(c["title"])}</span>'
            f'<span class="kb-count">{c["count"]}</span></a>'
        )
        if expanded:
            items.append('<ul class="md-nav__list">')
            items += _section_items(sections, child, open_key, depth + 1)
            items.append("</ul>")
        items.append("</li>")
    shown = sec["articles"][:60]
    for a in shown:
        items.append(
            f'<li class="md-nav__item"><a class="md-nav__link" href="{{URL:{a["url"]}}}">'
            f'<span class="md-ellipsis">{html.escape(a["title"])}</span></a></li>'
        )
    if len(sec["articles"]) > len(shown):
        items.append(
            f'<li class="md-nav__item"><a class="md-nav__link kb-more" '
            f'href="{{URL:{sec["url"]}}}">'
            f"{kb_t('nav.all_articles', count=len(sec['articles']))}</a></li>"
        )
    return items


def on_page_context(context: dict[str, Any], page: Any, config: Any, nav: Any) -> dict[str, Any]:
    meta = page.meta or {}
    # prev/next follow MkDocs' alphabetical file order, which means nothing to a reader and
    # would tie each page's output to its neighbours (and to how the build was split).
    page.previous_page = page.next_page = None
    context["kb"] = _state["data"]
    if not config.extra.get("kb_trust_raw_html"):
        page.content = clean_html(page.content or "")
    if isinstance(meta.get("title"), str) and not isinstance(meta["title"], Markup):
        meta["kb_title"] = meta["title"]  # as text, for the page's JSON config
    for key in ("title", "description"):
        if isinstance(meta.get(key), str):
            meta[key] = escape(meta[key])  # page.title reads meta["title"]
    context["kb_sidebar"] = _nav(meta.get("kb_section") or "", page.url, config.site_name)
    _alternates(config, page.url)
    context["kb_switch"] = _state.get("switch", [])
    if meta.get("kb_fallback") and _state["data"].get("tree") == "public":
        # the default language's page is the one to index: this one repeats its text
        first = _state["data"]["languages"][0]["prefix"]
        page.canonical_url = str(_state["data"]["site"]["url"]).rstrip("/") + "/" + first + page.url
    return context


_HEADING = re.compile(r"<h([1-6])\b([^>]*)>(.*?)</h\1>", re.S)
_ID = re.compile(r'\sid="([^"]*)"')
_TAG = re.compile(r"<[^>]+>")


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", html.unescape(_TAG.sub("", text)).casefold()))


def on_page_content(content: str, page: Any, config: Any, files: Any) -> str:
    """Drop an article's first heading when it only repeats the title (the page's H1).

    The title stays the H1: it names the page for crumbs, search results and screen readers.
    The heading's id stays as an anchor, so links to that section still land.

    The page's Markdown goes here: MkDocs holds every page of a part until the last is written,
    and nothing needs its Markdown once it is HTML ("", not None: a page's title needs text).
    """
    page.markdown = ""
    if (page.meta or {}).get("kb_kind") != "article":
        return content
    first = _HEADING.search(content)
    if not first or first.group(1) != "2":
        return content
    if _words(first.group(3)) != _words(page.title or ""):  # the permalink's ¶ is no word
        return content
    found = _ID.search(first.group(2))
    anchor = f'<span id="{found.group(1)}"></span>' if found else ""
    items = page.toc.items
    for i, item in enumerate(items):
        if found and item.id == found.group(1):  # its subsections move up a level in the contents
            items[i : i + 1] = item.children
            break
    return content[: first.start()] + anchor + content[first.end() :]


def on_pre_page(page: Any, config: Any, files: Any) -> Any:
    # this page only; MkDocs' classes stay unpatched
    page.read_source = functools.partial(_read_source, page, page.read_source)
    return page


def _read_source(page: Any, read_source: Any, config: Any) -> None:
    """Read the page, parsing the JSON front matter the build writes without a YAML parser.

    JSON is YAML, so the result is what MkDocs would find; YAML parsing was 5% of the build.
    Anything else goes to MkDocs' own ``read_source``.
    """
    source = page.file.content_string
    end = source.find("\n---\n", 4) if source.startswith("---\n{") else -1
    if end > 0 and "\n" not in source[4:end]:
        try:
            meta = json.loads(source[4:end])
        except ValueError:
            meta = None
        if isinstance(meta, dict):
            page.markdown, page.meta = source[end + 5 :].lstrip("\n"), meta
            return
    read_source(config)


_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_NOT_JS = re.compile(r"\bsrc\s*=|\btype\s*=\s*[\"']?application/(?:ld\+)?json", re.IGNORECASE)
CSP_META = (
    '<meta http-equiv="Content-Security-Policy" content="script-src \'self\'{hashes}; '
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'\">"
)


def script_hashes(output: str, skip: tuple[int, int] = (0, 0)) -> list[str]:
    """CSP hashes of the inline JavaScript in ``output``, leaving out what lies in ``skip``."""
    found = {
        "'sha256-" + base64.b64encode(hashlib.sha256(m.group(2).encode()).digest()).decode() + "'"
        for m in _SCRIPT.finditer(output)
        if not _NOT_JS.search(m.group(1)) and not skip[0] <= m.start() < skip[1]
    }
    return sorted(found)


def with_csp_meta(output: str, hashes: list[str]) -> str:
    """``output`` with a CSP ``<meta>`` allowing ``hashes``, first in its head after the charset."""
    meta = CSP_META.format(hashes="".join(" " + h for h in hashes))
    at = output.find('<meta charset="utf-8">')
    at = at + len('<meta charset="utf-8">') if at >= 0 else output.find("<head>") + len("<head>")
    return output[:at] + meta + output[at:]


def on_post_page(output: str, page: Any, config: Any) -> str:
    # The body is the only part of a page that content wrote: a script in it is never allowed,
    # not even when raw HTML is trusted.
    body = page.content or ""
    start = output.find(body) if body else -1
    skip = (start, start + len(body)) if start >= 0 else (0, 0)
    return with_csp_meta(output, script_hashes(output, skip))


def on_post_template(output: str, template_name: str, config: Any) -> str:
    if not template_name.endswith(".html"):
        return output
    return with_csp_meta(output, script_hashes(output))  # 404.html: nothing in it from content
