"""Widget tests: the help widget embedded in host pages served from another origin.

The example is built once and served by the real app (portal + API) on one loopback port; a
plain HTTP server on a second port plays the customer's site (another origin), whose pages add
the one script tag. ``widget.allowed_origins`` names that second origin only, so the same host
pages opened as ``localhost`` (a third origin) are refused by the API. A second app on the same
build, whose support is never staffed today and which has an incident notice, serves the host's
``offline.html``; a third, on a hard-linked copy of the build whose widget.js was made with
``widget.color: amber`` (dark text), serves ``amber.html``.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ROOT, Portal, _serve, built_site  # noqa: F401 (a fixture)

HOSTILE_CSS = """
* { color: rgb(255, 0, 0) !important; font-family: serif !important;
    font-size: 31px !important; letter-spacing: 3px !important; }
div, button { background: rgb(0, 255, 0) !important; border: 9px dashed blue !important; }
[data-kb-widget] { display: none !important; opacity: 0 !important; }
input { height: 2px !important; }
"""


def host_page(portal: str, *, extra_head: str = "", context: str = "", lang: str = "en") -> str:
    """A customer's page with the one tag: a form field to start from, and a help button."""
    ctx = f' data-kb-context="{context}"' if context else ""
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Shop</title>'
        f"{extra_head}</head><body><main><h1>Checkout</h1>"
        '<label for="coupon">Coupon</label> <input id="coupon">'
        '<p><button id="host-button" type="button">Pay</button></p></main>'
        f'<script src="{portal}/widget.js" data-kb{ctx} async></script></body></html>'
    )


class _Host(SimpleHTTPRequestHandler):
    csp: dict[str, str] = {}

    def end_headers(self) -> None:
        policy = self.csp.get(self.path.split("?")[0])
        if policy:
            self.send_header("Content-Security-Policy", policy)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Site:
    """The customer's site: its origin, and the same pages under a refused origin."""

    def __init__(self, port: int, portal: Portal, offline: Portal, amber: Portal) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.refused_url = f"http://localhost:{port}"
        self.portal = portal
        self.offline = offline  # the help center of offline.html: support is not staffed
        self.amber = amber  # the help center of amber.html: widget.color amber


INCIDENT = "Sign-in is slow for some customers; we're working on it."
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _never_today(now: datetime) -> tuple[str, ...]:
    """Every weekday but today's and tomorrow's (UTC): support is offline whenever the test runs,
    even across midnight."""
    skip = {DAYS[now.weekday()], DAYS[(now + timedelta(days=1)).weekday()]}
    return tuple(d for d in DAYS if d not in skip)


def _app_server(build: Path, config: Any, db: Path) -> tuple[Portal, Any, Callable[[], None]]:
    from werkzeug.serving import make_server

    import feedback_api

    app = feedback_api.create_app(
        {
            "BUILD_DIR": str(build),
            "SITE_CONFIG": config,
            "DATABASE_URL": f"sqlite:///{db}",
            "OUTBOX_WORKER": False,
            "EVENTLOG_FLUSH_SECONDS": 0,
            "TESTING": True,
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    return Portal(f"http://127.0.0.1:{server.server_port}", db), app, _serve(server)


def _recoloured_build(build: Path, config: Any, to: Path) -> Path:
    """A hard-linked copy of ``build`` whose widget files are made for ``config``."""
    from kb_builder.widget import widget_files

    shutil.copytree(build, to, copy_function=os.link)
    for name, data in widget_files(config).items():
        (to / "public" / name).unlink()  # a new file: the shared one stays as it was
        (to / "public" / name).write_bytes(data)
    return to


@pytest.fixture(scope="session")
def widget_site(
    built_site: Path,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Site]:
    """The app on one port, allowing only the host site on a second port to embed the widget."""
    import feedback_api
    from kb_core.config import load_config

    pages = tmp_path_factory.mktemp("host-site")
    handler = type("Host", (_Host,), {"csp": {}})
    host = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(pages)))
    stop_host = _serve(host)
    origin = f"http://127.0.0.1:{host.server_address[1]}"

    config, _ = load_config(ROOT / "site_config.yml")
    widget = config.widget.model_copy(
        update={"allowed_origins": (origin,), "contexts": config.widget.contexts}
    )
    config = config.model_copy(update={"widget": widget})
    store = tmp_path_factory.mktemp("widget-store")
    portal, app, stop = _app_server(built_site, config, store / "kb.sqlite3")
    hours = config.contact.hours.model_copy(
        update={"timezone": "UTC", "days": _never_today(datetime.now(UTC))}
    )
    closed = config.contact.model_copy(update={"hours": hours, "incident": INCIDENT})
    offline, offline_app, stop_offline = _app_server(
        built_site, config.model_copy(update={"contact": closed}), store / "offline.sqlite3"
    )
    amber_config = config.model_copy(
        update={"widget": widget.model_copy(update={"color": "amber"})}
    )
    amber_build = _recoloured_build(built_site, amber_config, store / "amber-build")
    amber, amber_app, stop_amber = _app_server(amber_build, amber_config, store / "amber.sqlite3")
    help_origin = portal.url
    (pages / "offline.html").write_text(host_page(offline.url), encoding="utf-8")
    (pages / "amber.html").write_text(host_page(amber.url), encoding="utf-8")
    (pages / "index.html").write_text(host_page(help_origin), encoding="utf-8")
    (pages / "fr.html").write_text(host_page(help_origin, lang="fr-FR"), encoding="utf-8")
    (pages / "billing.html").write_text(host_page(help_origin, context="billing"), "utf-8")
    hostile = f"<style>{HOSTILE_CSS}</style>"
    (pages / "hostile.html").write_text(host_page(help_origin, extra_head=hostile), "utf-8")
    (pages / "bare.html").write_text("<!doctype html><title>Bare</title><p>no widget", "utf-8")
    (pages / "strict.html").write_text(host_page(help_origin), encoding="utf-8")
    handler.csp["/strict.html"] = (
        f"default-src 'none'; script-src {help_origin}; connect-src {help_origin}; "
        f"img-src {help_origin}"
    )
    yield Site(host.server_address[1], portal, offline, amber)
    stop()
    stop_offline()
    stop_amber()
    stop_host()
    for one in (app, offline_app, amber_app):
        feedback_api.shutdown(one)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh context and page; fails the test on a JavaScript exception or CSP refusal."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield page
    context.close()
    assert not errors, "uncaught JavaScript errors or CSP refusals:\n" + "\n".join(errors)
