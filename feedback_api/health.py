"""Health blueprint: index, store and outbox state; and the OpenAPI description of the API."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from feedback_api.api_doc import openapi_document, served_document

__all__ = ["bp", "openapi_document"]  # openapi_document: readers import it from here
from feedback_api.services import services
from kb_store.migrations import LATEST
from kb_store.store import StoreError

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)

_STALE_OUTBOX_SECONDS = 3600


@bp.get("/api/openapi.json")
def openapi() -> Response:
    """The OpenAPI document, with this site's contact fields, topics and rating scale."""
    extensions = current_app.extensions
    document = extensions.get("kb_openapi")
    if document is None:
        document = extensions["kb_openapi"] = served_document(services().config)
    return jsonify(document)


def _index() -> dict[str, Any]:
    build = services().build
    catalog = build.catalog
    try:
        build.searcher()
    except Exception:
        return {"ok": False, "error": build.index_error, "articles": len(catalog.articles)}
    return {
        "ok": catalog.loaded,
        "articles": len(catalog.articles),
        "built_at": catalog.built_at,
        **({"error": catalog.error} if catalog.error else {}),
    }


def _store() -> dict[str, Any]:
    store = services().store
    try:
        version = store.schema_version()
    except StoreError as exc:
        return {"ok": False, "dialect": store.dialect, "error": str(exc)}
    events = services().events
    ok = version == LATEST
    result: dict[str, Any] = {
        "ok": ok,
        "dialect": store.dialect,
        "schema_version": version,
        "queued_events": events.waiting,
    }
    if not ok:
        result["error"] = f"schema version {version}, expected {LATEST}"
    elif events.last_error:
        result["ok"] = False
        result["error"] = f"search logs cannot be written: {events.last_error}"
    return result


def _outbox() -> dict[str, Any]:
    s = services()
    try:
        summary = s.store.outbox_summary()
    except Exception as exc:
        log.warning("health: outbox unreadable: %s", exc)
        return {"ok": False, "error": "the outbox cannot be read"}
    # A helpdesk outage is reported, not fatal: pulling every instance out of the load
    # balancer would turn a forwarding delay into a portal outage.
    warnings = []
    if summary["failed"]:
        warnings.append(f"{summary['failed']} deliveries failed; run `kb outbox --retry`")
    age = summary["oldest_undelivered_seconds"]
    if age is not None and age > _STALE_OUTBOX_SECONDS:
        warnings.append(f"a request has waited {int(age)} s for delivery")
    worker = s.worker
    return {
        "ok": worker is None or worker.alive,
        "channels": s.channels,
        "worker": None if worker is None else ("running" if worker.alive else "stopped"),
        **summary,
        **({"warnings": warnings} if warnings else {}),
    }


@bp.get("/api/health")
def health() -> tuple[Response, int]:
    """200 when index, store and outbox are usable, else 503 with the same report."""
    report = {"index": _index(), "store": _store(), "outbox": _outbox()}
    failing = [name for name, part in report.items() if not part["ok"]]
    status = 503 if failing else 200
    body: dict[str, Any] = {"status": status, "ok": not failing, **report}
    if failing:
        body["error"] = "Unhealthy: " + ", ".join(failing) + "."
    return jsonify(body), status
