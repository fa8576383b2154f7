"""Portal blueprint: the static portal from ``build/public``, permanent links and redirects.

Only ``build/public`` is ever served: paths are joined safely (no ``..``, no absolute paths,
no symlink escapes), so the internal portal next to it is unreachable. Redirect targets come
from the manifest and are always local paths, never another host.
"""

from __future__ import annotations

import logging
import re
import stat
from pathlib import Path

from flask import Blueprint, Response, request, send_file
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import PathConverter
from werkzeug.security import safe_join

from feedback_api.catalog import redirect_key
from feedback_api.errors import not_found_page
from feedback_api.languages import logged_language, path_language, visitor_language
from feedback_api.schemas import ViewEvent, parse_json
from feedback_api.security import WORKER_CSP, cached_page_csp, is_search_worker
from feedback_api.services import services
from kb_store.tables import view_row

log = logging.getLogger(__name__)

bp = Blueprint("portal", __name__)


class PortalPath(PathConverter):
    """A path outside /api/ and /internal/: the portal's GET catch-all never matches those.

    They belong to their blueprints (the internal portal behind a sign-in, never build/public),
    so a GET to a POST-only API route is werkzeug's 405 with the right ``Allow``, and an unknown
    API path is a JSON 404.
    """

    regex = r"(?!(?:api|internal)(?:/|$))[^/].*?"


# before the routes below: a rule finds its converter when it is added
@bp.record_once
def _converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters["portal_path"] = PortalPath


_HASHED_ASSET = re.compile(r"\.[0-9a-f]{8,}\.(min\.)?(js|css)$")
_YEAR = 365 * 24 * 3600


def _redirect(location: str, drop: str = "") -> Response:
    query = request.query_string.decode("latin-1")
    if drop and query:  # a parameter this redirect answered (?lang=): the page needs it no more
        query = "&".join(p for p in query.split("&") if p.split("=", 1)[0] != drop)
    if query:
        location += "?" + query
    response = Response(status=301)
    response.headers["Location"] = location
    return response


def _send(path: Path) -> Response:
    if path.suffix == ".html":
        stat = path.stat()
        response = send_file(path, mimetype="text/html", max_age=0)
        response.headers["Content-Security-Policy"] = cached_page_csp(
            str(path), stat.st_mtime_ns, stat.st_size
        )
        response.cache_control.no_cache = True
        return response
    hashed = _HASHED_ASSET.search(path.name) is not None
    response = send_file(path, max_age=_YEAR if hashed else 3600)
    if is_search_worker(path):
        response.headers["Content-Security-Policy"] = WORKER_CSP
    if hashed:
        response.cache_control.immutable = True
    return response


def locate(root: Path, path: str) -> tuple[Path | None, bool]:
    """The file or directory ``path`` names inside ``root``, and whether it is a directory.

    None for anything there is nothing to serve at: outside ``root``, missing, or a name the
    filesystem refuses (a segment over 255 bytes, a NUL byte), so no path can make a 500.
    """
    joined = safe_join(str(root), path) if path else str(root)
    if joined is None:
        return None, False
    target = Path(joined)
    try:
        target.resolve().relative_to(root.resolve())
        mode = target.stat().st_mode
    except (ValueError, OSError):
        return None, False
    if stat.S_ISDIR(mode):
        return target, True
    return (target, False) if stat.S_ISREG(mode) else (None, False)


def index_file(directory: Path) -> Path | None:
    """``directory``'s index.html when it is a regular file."""
    page = directory / "index.html"
    try:
        return page if stat.S_ISREG(page.stat().st_mode) else None
    except OSError:
        return None


@bp.route("/", defaults={"path": ""}, methods=["GET", "HEAD"])
@bp.route("/<portal_path:path>", methods=["GET", "HEAD"])
def page(path: str) -> Response:
    """Serve a portal file; a directory answers with its index.html; else redirect or 404."""
    s = services()
    # An old address (alias, rename) answers 301 here; its page in build/public is a meta-refresh
    # for static hosts. The catalog never lists an address that is an article's current one.
    moved = s.build.catalog.redirects.get(redirect_key(path)) if path else None
    if moved is not None:
        return _redirect(moved)
    lang = path_language(path)
    if lang is not None and path.split("/")[1:2] == ["a"]:  # /fr/a/<id>: that language's page
        found = s.build.catalog_for(lang).paths.get("/".join(path.split("/")[2:]).strip("/"))
        if found is not None:
            return _redirect(found)
    target, is_dir = locate(s.build.public_dir, path)
    if target is not None and is_dir:
        if path and not request.path.endswith("/"):
            return _redirect("/" + path.strip("/") + "/")
        target = index_file(target)
    if target is not None:
        return _send(target)
    return not_found_page()


@bp.get("/a/<path:article_id>")
def permalink(article_id: str) -> Response:
    """A permanent link: 301 to the article's current address; in a help center of several
    languages, 302 to it in the visitor's language (the answer depends on who asks)."""
    s = services()
    article_id = article_id.strip("/")
    path = s.build.catalog.paths.get(article_id)
    if path is None:
        return not_found_page()
    if len(s.config.site.codes) < 2:
        return _redirect(path)
    lang = visitor_language()
    response = _redirect(s.build.catalog_for(lang).paths.get(article_id, path), drop="lang")
    response.status_code = 302
    response.vary.update(("Accept-Language", "Referer"))
    response.cache_control.no_cache = True
    return response


@bp.post("/api/events/view")
def view() -> tuple[str, int]:
    """Record an article view; ``src`` says where the reader came from (e.g. 'agent')."""
    event = parse_json(ViewEvent)
    s = services()
    row = view_row(
        article_id=event.id, src=event.src, visitor=s.visitors.token(), language=logged_language()
    )
    s.events.add("views", row)
    return "", 204
