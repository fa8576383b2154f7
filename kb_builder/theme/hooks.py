"""MkDocs hooks of the kb-portal theme (loaded by path through ``hooks:`` in mkdocs.yml).

- Gives every template the site-wide data (``kb``) written by the build.
- Replaces Material's whole-site navigation with a sidebar of the page's own category: a help
  center's sidebar should show where you are, and rendering the full nav into every page made
  build time grow with the square of the article count.
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
import re
from typing import Any

from markupsafe import Markup, escape
from mkdocs.utils import get_relative_url

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
    if not config.extra.get("kb_trust_raw_html"):
        page.content = clean_html(page.content or "")
    if isinstance(meta.get("title"), str) and not isinstance(meta["title"], Markup):
        meta["kb_title"] = meta["title"]  # as text, for the page's JSON config
    for key in ("title", "description"):
        if isinstance(meta.get(key), str):
            meta[key] = escape(meta[key])  # page.title reads meta["title"]
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
