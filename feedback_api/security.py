"""Response hardening: security headers and the CORS allowlist (rate limits: ``ratelimit``)."""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from flask import Flask, Response, request

from kb_core.config import SiteConfig, load_config

log = logging.getLogger(__name__)

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
# Material's search worker runs under the CSP its own script is served with; in a language
# other than English it imports lunr's stemmer for that language from the portal's assets.
WORKER_CSP = "default-src 'none'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'"


def is_search_worker(path: Path) -> bool:
    """Whether ``path`` is Material's search worker (``assets/javascripts/workers/*.js``),
    served with WORKER_CSP by the public and the internal portals alike."""
    return path.parent.name == "workers" and path.suffix == ".js"


_PAGE_CSP = (
    "default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# The build declares the hashes of a page's own inline scripts in a CSP <meta> at the top of
# its <head> (kb_builder/theme/hooks.py); scripts that came from content are never among them.
_DECLARED = re.compile(rb'<meta http-equiv="Content-Security-Policy" content="([^"]*)"')
_HASH = re.compile(rb"'sha256-[A-Za-z0-9+/]+={0,2}'")
_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def page_csp(html: bytes) -> str:
    """A CSP for one portal page: its own scripts, and the inline ones the build declared.

    Material puts a few small inline scripts in every page (scope, palette); the build hashes
    those, and never a script from an article, into the page's first CSP ``<meta>``. Only the
    head is read: content cannot put a declaration there. A page without one runs no inline
    script.
    """
    end = html.find(b"</head>")
    declared = _DECLARED.search(html, 0, end if end >= 0 else 0)
    hashes = _HASH.findall(declared.group(1)) if declared else []
    return _PAGE_CSP.format(hashes="".join(" " + h.decode() for h in hashes))


@functools.lru_cache(maxsize=2048)
def cached_page_csp(path: str, mtime_ns: int, size: int) -> str:
    """``page_csp`` of a file, cached until the file changes."""
    return page_csp(Path(path).read_bytes())


def _allowed_origin(origins: Sequence[str]) -> str | None:
    origin = request.headers.get("Origin")
    if not origin or not origins:
        return None
    if "*" in origins:
        return "*"
    return origin if origin.rstrip("/") in origins else None


def allowed_origins(config: SiteConfig) -> tuple[str, ...]:
    """Origins besides the portal's own that may call the API: ``api.cors_origins`` and the
    sites that embed the widget (``widget.allowed_origins``)."""
    found = [o.rstrip("/") for o in (*config.api.cors_origins, *config.widget.allowed_origins)]
    return tuple(dict.fromkeys(found))


class Origins:
    """The origins that may call the API (:func:`allowed_origins`), read again from
    ``site_config.yml`` when the file changes (looked at once a second at most): a site owner
    who adds their site to ``widget.allowed_origins`` need not restart the server, as a new
    build needs none. A file that no longer loads keeps the origins it gave last. ``extra``
    origins are allowed whatever the file says (`kb serve --widget-demo`'s page)."""

    def __init__(self, config: SiteConfig, path: Path | None, extra: tuple[str, ...] = ()) -> None:
        self._extra = tuple(o.rstrip("/") for o in extra)
        self.origins = self._allowed(config)
        self._path = path
        self._stamp = self._stat()
        self._looked = time.monotonic()
        self._lock = threading.Lock()

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = self._path.stat() if self._path is not None else None
        except OSError:
            return None
        return None if st is None else (st.st_mtime_ns, st.st_size)

    def current(self) -> tuple[str, ...]:
        if self._path is None or time.monotonic() - self._looked < 1.0:
            return self.origins
        with self._lock:
            self._looked = time.monotonic()
            stamp = self._stat()
            if stamp == self._stamp:
                return self.origins
            self._stamp = stamp
            try:
                config, _ = load_config(self._path)
            except Exception as exc:  # a config being edited: keep what worked
                log.warning(
                    "%s: not re-read (%s); the allowed origins stay as they were", self._path, exc
                )
                return self.origins
            if self._allowed(config) != self.origins:
                log.warning("allowed origins now: %s", ", ".join(self._allowed(config)) or "none")
            self.origins = self._allowed(config)
            return self.origins

    def _allowed(self, config: SiteConfig) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*allowed_origins(config), *self._extra)))


def install_headers(app: Flask, origins_now: Origins) -> None:
    """Add CORS answers for the API and security headers to every response."""

    @app.before_request
    def _preflight() -> Response | None:
        if request.method != "OPTIONS" or not request.path.startswith("/api/"):
            return None
        response = Response(status=204)
        if _allowed_origin(origins_now.current()):
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = "600"
        return response

    @app.after_request
    def _headers(response: Response) -> Response:
        # One pass over the headers: every lookup in werkzeug's Headers scans the whole list.
        present = {name.lower() for name in response.headers.keys()}
        added = [(k, v) for k, v in _HEADERS.items() if k.lower() not in present]
        if "content-security-policy" not in present:
            added.append(("Content-Security-Policy", API_CSP))
        if request.is_secure:
            added.append(("Strict-Transport-Security", "max-age=31536000"))
        if request.path.startswith("/api/"):
            allowed = _allowed_origin(origins_now.current())
            if allowed:
                added.append(("Access-Control-Allow-Origin", allowed))
                added.append(("Access-Control-Expose-Headers", "Retry-After"))
            if "vary" in present:
                response.vary.add("Origin")
            else:
                added.append(("Vary", "Origin"))
            if "cache-control" not in present:
                added.append(("Cache-Control", "no-store"))
        response.headers.extend(added)
        return response
