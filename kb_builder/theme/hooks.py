"""MkDocs hooks of the kb-portal theme (loaded by path through ``hooks:`` in mkdocs.yml).

- Gives every template the site-wide data (``kb``) written by the build.
- Replaces Material's whole-site navigation with a sidebar of the page's own category: a help
  center's sidebar should show where you are, and rendering the full nav into every page made
  build time grow with the square of the article count.
- Leaves the static search index to the build, which already has every section's text.
"""

from __future__ import annotations

import functools
import html
import json
import os
from typing import Any

from mkdocs.utils import get_relative_url

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
    _state["sidebar"] = {}
    _state["strings"] = {}  # translations of the config's language
    # Material's search plugin re-parses every rendered page to build its index. The build
    # already has each section's plain text and writes the same index format itself
    # (kb_builder/render.py), so the per-page handler is dropped: about 15% of build time.
    search = config.plugins.get("material/search")
    handlers = config.plugins.events.get("page_context", [])
    config.plugins.events["page_context"] = [
        h for h in handlers if getattr(h, "__self__", None) is not search
    ]
    return config


def on_env(env: Any, config: Any, files: Any) -> Any:
    # Compiling Material's templates costs about a second per build; keep the compiled code.
    from jinja2 import FileSystemBytecodeCache

    cache = config.extra.get("kb_jinja_cache")
    if cache:
        os.makedirs(cache, exist_ok=True)
        env.bytecode_cache = FileSystemBytecodeCache(cache)
    env.globals["kb_translate"] = _translate  # overrides/partials/language.html
    return env


def _translate(key: str, lang_t: Any, fallback_t: Any) -> str:
    """Material's ``lang.t(key) or fallback.t(key) or key``, remembered for the build."""
    strings: dict[str, str] = _state["strings"]
    if key not in strings:
        strings[key] = str(lang_t(key)) or str(fallback_t(key)) or key
    return strings[key]


def on_template_context(context: dict[str, Any], template_name: str, config: Any) -> Any:
    context["kb"] = _state["data"]  # static templates such as 404.html
    return context


def _sidebar(section_key: str, page_url: str) -> str:
    """HTML of the page's category: its sections, and the articles of the page's section."""
    data = _state["data"]
    sections = data.get("sections", {})
    if section_key not in sections:
        return ""
    top_key = section_key.split("/")[0]
    cache_key = (section_key, page_url.count("/"))
    cached = _state["sidebar"].get(cache_key)
    if cached is None:
        top = sections[top_key]
        parts = [
            '<nav class="md-nav md-nav--primary kb-sidebar" aria-label="'
            f'{html.escape(top["title"])} articles">',
            f'<div class="md-nav__title kb-sidebar__title">'
            f'<a href="{{URL:{top["url"]}}}">{html.escape(top["title"])}</a></div>',
            '<ul class="md-nav__list">',
        ]
        parts += _section_items(sections, top_key, section_key, 0)
        parts.append("</ul></nav>")
        cached = "".join(parts)
        _state["sidebar"][cache_key] = cached
    pieces = cached.split("{URL:")  # placeholders become links relative to this page
    rendered = [pieces[0]]
    for piece in pieces[1:]:
        url, rest = piece.split("}", 1)
        rel = html.escape(get_relative_url(url, page_url), quote=True)
        current = ' aria-current="page" data-kb-current' if url == page_url else ""
        rendered.append(rel + '"' + current + rest[1:] if current else rel + rest)
    return "".join(rendered)


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
            f'href="{{URL:{sec["url"]}}}">All {len(sec["articles"])} articles</a></li>'
        )
    return items


def on_page_context(context: dict[str, Any], page: Any, config: Any, nav: Any) -> dict[str, Any]:
    meta = page.meta or {}
    # prev/next follow MkDocs' alphabetical file order, which means nothing to a reader and
    # would tie each page's output to its neighbours (and to how the build was split).
    page.previous_page = page.next_page = None
    context["kb"] = _state["data"]
    section = meta.get("kb_section") or ""
    context["kb_sidebar"] = _sidebar(section, page.url) if section else ""
    return context


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
