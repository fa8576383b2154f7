"""Flask apps for tests: a buffered test client and an app factory that shuts down every app it
made. ``tests/api`` and ``tests/agents`` each build their ``make_app`` fixture on it; ``app`` and
``client`` (in tests/conftest.py) use whichever ``make_app`` the folder has."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback_api import create_app, shutdown
from kb_core.config import SiteConfig

AppFactory = Callable[..., Flask]


class BufferedClient(FlaskClient):
    """A test client that reads each response fully, so no served file stays open."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


def database_first(request: pytest.FixtureRequest) -> None:
    """Set up the test's ``db_url`` (if it asks for one) before its apps, so it is torn down
    after every app is shut down: a PostgreSQL schema dropped while an app's threads still
    held it deadlocked (``DROP SCHEMA … CASCADE`` against their open transactions)."""
    if "db_url" in request.fixturenames:
        request.getfixturevalue("db_url")


def app_factory(
    base: dict[str, Any], default_config: Callable[[], SiteConfig]
) -> Iterator[AppFactory]:
    """Yield a factory of apps on ``base`` settings (``config`` replaces ``default_config()``,
    keywords override settings); every app made is shut down afterwards."""
    apps: list[Flask] = []

    def factory(config: SiteConfig | None = None, **settings: Any) -> Flask:
        app = create_app(base | {"SITE_CONFIG": config or default_config()} | settings)
        app.test_client_class = BufferedClient
        apps.append(app)
        return app

    yield factory
    for app in apps:
        shutdown(app)
