"""What ``create_app`` wires together, reachable from views as ``services()``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from feedback_api.catalog import BuildState
from feedback_api.eventlog import EventLog
from feedback_api.outbox import Forwarder, OutboxWorker, Policy
from feedback_api.ratelimit import RateLimits
from feedback_api.visitor import Visitors
from kb_core.config import SiteConfig
from kb_store.store import Store


@dataclass
class Services:
    """The app's collaborators: configuration, build, store, limiter and outbox."""

    config: SiteConfig
    build: BuildState
    store: Store
    events: EventLog
    visitors: Visitors
    limiter: RateLimits
    forwarder: Forwarder
    policy: Policy
    channels: list[str]
    contact_model: type[Any]
    rating_model: type[Any]
    worker: OutboxWorker | None = None


def services() -> Services:
    """The current app's services (inside a request or app context)."""
    found: Services = current_app.extensions["kb"]
    return found
