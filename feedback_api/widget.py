"""Widget blueprint: what the embeddable help widget (``/widget.js``) asks the API for.

``GET /api/widget`` gives the panel its labels, rating scale and the suggestions for the place
the host page says the visitor is (``data-kb-context``, ``KB.open({category, query})`` or a
``widget.contexts`` pattern matching the host page); ``GET /api/widget/articles/<id>`` the
body of one public article as the portal renders it, for reading inside the panel.

Who may call: ``install_origin_check`` refuses any ``/api/`` request whose ``Origin`` is
neither the portal's own nor in ``api.cors_origins`` / ``widget.allowed_origins`` (403 in the
one error shape), so a page elsewhere can neither read answers nor add events. Events the
widget sends carry ``source: widget`` and ``host`` (the host page's origin and path);
``event_origin`` keeps ``host``'s origin honest with the browser's ``Origin`` header.
"""

from __future__ import annotations

import fnmatch
import html
import logging
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from flask import Blueprint, Flask, Response, jsonify, request

from feedback_api.catalog import redirect_key
from feedback_api.errors import ApiError, not_found_page
from feedback_api.portal import index_file, locate
from feedback_api.schemas import Sourced, WidgetParams, parse_args
from feedback_api.security import Origins
from feedback_api.services import Services, services
from kb_core.config import SiteConfig
from kb_core.manifest import ManifestArticle

log = logging.getLogger(__name__)

bp = Blueprint("widget", __name__)

_REFUSED = "This site may not call the help center API: its origin is not allowed."
_NOT_FOUND = "There is nothing at this address."
_START, _END = b'<article class="md-content__inner md-typeset">', b"</article>"
_SUGGESTED = 5
_SCRIPT_MAX_AGE = 3600  # as the portal's other unhashed files: a new build reaches hosts in an hour
_HREF = re.compile(r'<a\s[^>]*?\bhref="([^"]*)"', re.IGNORECASE)
_PERMALINK = re.compile(r"^/a/([^/]+)/?$")


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def install_origin_check(app: Flask, config: SiteConfig, origins: Origins) -> None:
    """Refuse ``/api/`` requests sent by a page whose origin is not allowed (403). The
    refusal itself may be read by that page (it says only that the origin is not allowed), so
    the widget can tell its site owner why, rather than report the help center unreachable;
    the server's log says which setting lets it in, once per origin."""
    own = _origin_of(config.site.url)
    told: set[str] = set()

    @app.before_request
    def _check_origin() -> None:
        origin = request.headers.get("Origin")
        allowed = {o.lower() for o in origins.current()}
        if origin is None or not request.path.startswith("/api/") or "*" in allowed:
            return
        origin = origin.rstrip("/").lower()
        if origin in allowed or origin in (own, _origin_of(request.host_url)):
            return
        if request.method == "OPTIONS":
            return  # the preflight answers without CORS headers; the browser stops there
        if origin not in told and len(told) < 100:
            told.add(origin)
            log.warning(
                "refused API calls from origin %r: to embed the widget there, add it to "
                "widget.allowed_origins in site_config.yml (read again within a second)",
                origin,
            )
        raise ApiError(403, _REFUSED, headers={"Access-Control-Allow-Origin": origin})


def event_origin(event: Sourced) -> tuple[str | None, str | None]:
    """``(source, host)`` to store with an event: the host's origin is the browser's word."""
    if event.source is None:
        return None, None
    host = event.host
    origin = request.headers.get("Origin")
    if host and origin and origin != "null" and _origin_of(host) != origin.lower():
        host = origin.rstrip("/") + (urlsplit(host).path or "/")
    return event.source, host[:500] if host else None


def _place(s: Services, params: WidgetParams) -> dict[str, str] | None:
    """The category or query the panel opens with: explicit first, then the host's pattern."""
    categories = {a.category for a in s.build.catalog.articles.values()}
    if params.category or params.query:
        return {"category": params.category or "", "query": params.query or ""}
    if params.context:
        if params.context in categories:
            return {"category": params.context, "query": ""}
        return {"category": "", "query": params.context}
    if params.host:
        for ctx in s.config.widget.contexts:
            if fnmatch.fnmatchcase(params.host, ctx.match):
                return {"category": ctx.category, "query": ctx.query}
    return None


def _card(s: Services, a: ManifestArticle, lang: str | None = None) -> dict[str, str]:
    url = s.build.catalog_for(lang).paths.get(a.id) or s.build.catalog.paths[a.id]
    return {"id": a.id, "title": a.title, "url": url, "summary": a.summary}


def host_language(s: Services, asked: str | None) -> str:
    """The site language nearest the host page's (``data-kb-lang`` or its ``<html lang>``):
    the same code, else the same base language ('fr-CA' -> 'fr'), else the default."""
    codes = s.config.site.codes
    wanted = (asked or "").strip().replace("_", "-").lower()
    for code in codes:
        if code.lower() == wanted:
            return code
    return next((c for c in codes if c.split("-")[0].lower() == wanted.split("-")[0]), codes[0])


@bp.route("/widget.js", methods=["GET", "HEAD"])
@bp.route("/widget-panel.js", methods=["GET", "HEAD"])
def script() -> Response:
    """The widget's scripts from the build, or 404 while ``widget.enabled`` is false (a build
    made before it was turned off may still hold them)."""
    s = services()
    target, is_dir = locate(s.build.public_dir, request.path.lstrip("/"))
    if not s.config.widget.enabled or target is None or is_dir:
        return not_found_page()
    # read whole (about 30 KB), not streamed: no file stays open for a client that stops reading
    response = Response(target.read_bytes(), mimetype="text/javascript")
    response.cache_control.public = True
    response.cache_control.max_age = _SCRIPT_MAX_AGE
    response.add_etag()
    response.make_conditional(request)  # 304 for a matching If-None-Match, in place
    return response


@bp.get("/api/widget")
def describe() -> Response:
    """The panel's labels and settings, and suggestions for the host page's place."""
    s = services()
    if not s.config.widget.enabled:
        raise ApiError(404, _NOT_FOUND)
    params = parse_args(WidgetParams)
    place = _place(s, params)
    lang = host_language(s, params.lang)
    known = s.build.catalog_for(lang).articles
    suggestions: list[dict[str, str]] = []
    if place and place["category"]:
        featured = [i for i in s.config.site.featured if i in known]
        pool = [known[i] for i in featured] + sorted(known.values(), key=lambda a: a.title.lower())
        picked = dict.fromkeys(a.id for a in pool if a.category == place["category"])
        suggestions = [_card(s, known[i], lang) for i in list(picked)[:_SUGGESTED]]
    return jsonify(
        site={"name": s.config.site.name, "url": s.config.site.url},
        lang=lang,  # the panel searches and reads in it
        labels=s.config.widget_texts(lang),
        ratings={"scale": s.config.ratings.scale, "reasons": list(s.config.ratings.reasons)},
        contact=s.config.contact.enabled,
        place=place,
        suggestions=suggestions,
    )


def article_body(page: bytes) -> str:
    """The rendered article inside a portal page (``article.md-content__inner``), as HTML."""
    start = page.find(_START)
    end = page.rfind(_END)
    if start < 0 or end < start:
        return ""
    return page[start + len(_START) : end].decode("utf-8", "replace").strip()


def article_links(
    s: Services, body: str, page_path: str, lang: str | None = None
) -> dict[str, str]:
    """``{path: article id}`` for the body's links to public articles (current paths, old
    paths and permanent links), so the panel opens those inside itself."""
    ids = {path: i for i, path in s.build.catalog_for(lang).paths.items()}
    ids |= {path: i for i, path in s.build.catalog.paths.items()}
    own = urlsplit(s.config.site.url)
    found: dict[str, str] = {}
    for href in _HREF.findall(body):
        parts = urlsplit(urljoin(page_path, html.unescape(href)))
        if parts.netloc and (parts.scheme, parts.netloc) != (own.scheme, own.netloc):
            continue  # another site
        if parts.scheme not in ("", "http", "https"):
            continue
        path = parts.path or page_path
        permalink = _PERMALINK.match(path)
        if permalink and permalink.group(1) in s.build.catalog.articles:
            found[path] = permalink.group(1)
            continue
        current = path if path in ids else s.build.catalog.redirects.get(redirect_key(path))
        if current in ids:
            found[path] = ids[current]
    return found


@bp.get("/api/widget/articles/<path:article_id>")
def article(article_id: str) -> Response:
    """One public article for the panel: title, URL, revision and its rendered body."""
    s = services()
    lang = host_language(s, request.args.get("lang"))
    catalog = s.build.catalog_for(lang)
    found = catalog.articles.get(article_id) if s.config.widget.enabled else None
    if found is None:
        raise ApiError(404, _NOT_FOUND)
    path = catalog.paths[found.id]
    directory, is_dir = locate(s.build.public_dir, path.strip("/"))
    page = index_file(directory) if directory is not None and is_dir else None
    if page is None:
        raise ApiError(404, _NOT_FOUND)
    body_html = article_body(page.read_bytes())
    body: dict[str, Any] = {
        "id": found.id,
        "title": found.title,
        "url": path,
        "revision": found.revision,
        "category": found.category,
        "html": body_html,
        "links": article_links(s, body_html, path, lang),
    }
    return jsonify(body)
