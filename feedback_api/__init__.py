"""feedback_api: the live half of the portal, a Flask app serving ``build/public`` and a JSON API.

Layering rule: this package reads the build's output (``build/``) through ``kb_core``
(``config``, ``errors``, ``manifest``, ``link``, ``search.searcher``) and ``kb_store``, none of
which import mkdocs or Flask. It never imports the build pipeline (``kb_builder``); a test
checks that creating the app leaves ``mkdocs`` out of ``sys.modules``.

Shape (flaskr): ``create_app`` wires one blueprint per concern (``search``, ``ratings``,
``contact``, ``portal``, ``health``, ``agents``, ``internal_search``); views validate
(``schemas``), make one store or search call, and answer JSON; all SQL lives in ``store``
(schema steps in ``migrations``); the outbox forwards contact requests (``outbox``); ``errors``
gives every failure one JSON shape.

Docstrings: one line saying what a public function does and what it raises.
"""

from __future__ import annotations

import atexit
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from feedback_api import (
    agents,
    contact,
    errors,
    health,
    internal_search,
    portal,
    ratings,
    search,
    widget,
)
from feedback_api.bodylimit import ChunkedBodyLimit
from feedback_api.catalog import BuildState
from feedback_api.eventlog import EventLog
from feedback_api.outbox import Forwarder, OutboxWorker, Policy, channels
from feedback_api.ratelimit import RateLimits
from feedback_api.schemas import contact_model, rating_model
from feedback_api.security import Origins, install_headers
from feedback_api.services import Services
from feedback_api.visitor import Visitors
from kb_core.config import SiteConfig, load_config
from kb_store.store import Store

__all__ = ["create_app"]

log = logging.getLogger(__name__)

_ENV = {
    "BUILD_DIR": "KB_BUILD_DIR",
    "SITE_CONFIG": "KB_SITE_CONFIG",
    "DATABASE_URL": "KB_DATABASE_URL",
    "RATELIMIT_STORAGE_URI": "KB_RATELIMIT_STORAGE",
    "OUTBOX_WORKER": "KB_OUTBOX_WORKER",
    "PROXY_COUNT": "KB_PROXY_COUNT",
}


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _settings(test_config: Mapping[str, Any] | None) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "BUILD_DIR": "build",
        "SITE_CONFIG": "site_config.yml" if Path("site_config.yml").exists() else None,
        "DATABASE_URL": None,
        "RATELIMIT_STORAGE_URI": None,
        "OUTBOX_WORKER": None,
        "OUTBOX_POLL_SECONDS": 5.0,
        "OUTBOX_BACKOFF_BASE": 30.0,
        "OUTBOX_BACKOFF_MAX": 3600.0,
        "OUTBOX_MAX_ATTEMPTS": 10,
        "OUTBOX_TIMEOUT": 15.0,
        "EVENTLOG_FLUSH_SECONDS": 0.2,
        "PROXY_COUNT": 0,
        "EXTRA_ORIGINS": (),
    }
    settings.update({key: os.environ[env] for key, env in _ENV.items() if os.environ.get(env)})
    settings.update(test_config or {})
    if settings["OUTBOX_WORKER"] is None:
        settings["OUTBOX_WORKER"] = not settings.get("TESTING", False)
    return settings


def _site_config(value: Any) -> SiteConfig:
    if isinstance(value, SiteConfig):
        return value
    config, problems = load_config(value)
    for problem in problems:
        log.warning("%s", problem)
    return config


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the portal and API app; raises ConfigError or StoreError when it cannot start.

    ``test_config`` keys (else environment, else defaults): BUILD_DIR, SITE_CONFIG (path or a
    SiteConfig), DATABASE_URL, RATELIMIT_STORAGE_URI, OUTBOX_WORKER, OUTBOX_POLL_SECONDS,
    OUTBOX_BACKOFF_BASE, OUTBOX_BACKOFF_MAX, OUTBOX_MAX_ATTEMPTS, EVENTLOG_FLUSH_SECONDS
    (0 writes search/click/view rows synchronously), PROXY_COUNT, EXTRA_ORIGINS (origins allowed
    for this run besides the config's: `kb serve --widget-demo`'s page), TESTING.
    """
    settings = _settings(test_config)
    config = _site_config(settings["SITE_CONFIG"])
    app = Flask(__name__, static_folder=None)
    app.config.update(settings)
    app.config["MAX_CONTENT_LENGTH"] = config.api.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    if not app.config.get("TESTING") and not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    # a chunked body gets a length before werkzeug sees it, so the limit above applies to it
    app.wsgi_app = ChunkedBodyLimit(app.wsgi_app, config.api.max_body_bytes)  # type: ignore[method-assign]
    if int(settings["PROXY_COUNT"]):
        n = int(settings["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    store = Store(settings["DATABASE_URL"] or config.database_url)
    visitors = Visitors(store)
    # a worker (re)started during a database outage serves reads and migrates once it can
    store.migrate(defer_if_unreachable=True)
    visitors.salt_or_stand_in()  # today's salt now, so that reads survive a later outage
    build = BuildState(
        # absolute: Flask resolves relative file paths against the package, not the cwd
        Path(settings["BUILD_DIR"]).resolve(),
        synonyms=config.synonyms_for(),
        typo_tolerance=config.search.typo_tolerance,
        languages=config.site.codes,
        language_synonyms={code: config.synonyms_for(code) for code in config.site.codes},
    )
    storage = settings["RATELIMIT_STORAGE_URI"] or config.api.rate_limit_storage
    config_file = settings["SITE_CONFIG"]
    origins = Origins(
        config,
        Path(config_file) if isinstance(config_file, str | Path) else None,
        extra=tuple(settings["EXTRA_ORIGINS"]),
    )
    install_headers(app, origins)  # before the limiter: a CORS preflight is never counted
    widget.install_origin_check(app, config, origins)  # nor a call from a page that may not
    limiter = RateLimits(visitors.limit_key, config.api.rate_limit, storage)
    limiter.init_app(app)
    policy = Policy(
        backoff_base=float(settings["OUTBOX_BACKOFF_BASE"]),
        backoff_max=float(settings["OUTBOX_BACKOFF_MAX"]),
        max_attempts=int(settings["OUTBOX_MAX_ATTEMPTS"]),
    )
    services = Services(
        config=config,
        build=build,
        store=store,
        events=EventLog(
            store,
            flush_seconds=float(settings["EVENTLOG_FLUSH_SECONDS"]),
            meaning=config.semantic_search,
        ),
        visitors=visitors,
        limiter=limiter,
        forwarder=Forwarder(config, timeout=float(settings["OUTBOX_TIMEOUT"])),
        policy=policy,
        channels=channels(config.contact),
        contact_model=contact_model(config.contact, config.topic_names()),
        rating_model=rating_model(config.ratings.scale),
    )
    app.extensions["kb"] = services

    errors.register(app)
    for blueprint in (search.bp, ratings.bp, contact.bp, health.bp, widget.bp, portal.bp):
        app.register_blueprint(blueprint)
    limiter.exempt(health.bp)
    for endpoint in ("ratings.rate", "contact.contact"):
        limiter.add(endpoint, config.api.write_rate_limit)
    agents.init_app(app, services)  # /api/articles and the internal portal behind a sign-in
    internal_search.init_app(app, services)  # its search boxes, for signed-in agents only

    if not services.channels and config.contact.enabled:
        log.warning("contact forwarding is not configured: requests are stored, not forwarded")
    if _flag(settings["OUTBOX_WORKER"]) and services.channels:
        worker = OutboxWorker(
            store, services.forwarder, policy, poll=float(settings["OUTBOX_POLL_SECONDS"])
        )
        worker.start()
        services.worker = worker
        atexit.register(worker.stop)
    return app


def shutdown(app: Flask) -> None:
    """Stop the outbox worker and release the store and the index (tests, clean exits)."""
    services: Services = app.extensions["kb"]
    if services.worker is not None:
        services.worker.stop()
    services.events.close()
    services.build.close()
    agents.close(app)
    services.store.close()
