"""Fixtures of the agents suite: the shipped example really built, real apps on real SQLite.

The build is the session-wide ``example_build`` (``tests/conftest.py``: ``build_site`` on
``content/`` with ``site_config.yml``). Apps get the example's own configuration plus one agent
token, a fixed session key (so two apps can share a session, as instances behind a load balancer
do), generous API limits and a small sign-in limit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from kb_builder.build import BuildReport
from kb_core.config import SiteConfig, load_config
from tests.apps import AppFactory, app_factory, database_first

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "kb-agent-7f3c1e9a0b2d4c6e8f1a3b5c7d9e0f2a"
OTHER_TOKEN = "kb-agent-0000000000000000000000000000000b"  # configured too, another desk
SECRET_KEY = "test-session-key-" + "0123456789abcdef" * 2
MARKER = "INTERNAL-ONLY"
BASE_URL = "http://127.0.0.1:8000"  # site.url of the shipped example
GENEROUS = {"rate_limit": "10000/minute", "write_rate_limit": "10000/minute"}


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def agent_config(tokens: tuple[str, ...] = (TOKEN, OTHER_TOKEN), **api: Any) -> SiteConfig:
    """The example's site_config.yml with ``tokens`` as agent tokens and ``api`` overrides."""
    base, _ = load_config(ROOT / "site_config.yml")
    settings = GENEROUS | {"login_rate_limit": "1000/minute"} | api
    data = base.model_dump(mode="json")
    data["api"] |= settings | {
        "agent_tokens": [
            {"name": f"desk-{i}", "sha256": sha(t), "scopes": ["internal"]}
            for i, t in enumerate(tokens)
        ]
    }
    return SiteConfig.model_validate(data)


@pytest.fixture(scope="session")
def build(example_build: tuple[Path, BuildReport]) -> Path:
    return example_build[0]


@pytest.fixture(scope="session")
def internal_articles(build: Path) -> list[dict[str, Any]]:
    data = json.loads((build / "manifest.internal.json").read_text(encoding="utf-8"))
    articles: list[dict[str, Any]] = data["articles"]
    assert articles, "the example has internal articles"
    return articles


@pytest.fixture(scope="session")
def public_articles(build: Path) -> list[dict[str, Any]]:
    articles: list[dict[str, Any]] = json.loads(
        (build / "manifest.json").read_text(encoding="utf-8")
    )["articles"]
    return articles


@pytest.fixture
def make_app(request: pytest.FixtureRequest, build: Path, tmp_path: Path) -> Iterator[AppFactory]:
    """Apps on one SQLite file in tmp_path; every app made is shut down afterwards."""
    database_first(request)
    yield from app_factory(
        {
            "TESTING": True,
            "BUILD_DIR": str(build),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'kb.sqlite3'}",
            "OUTBOX_WORKER": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "EVENTLOG_FLUSH_SECONDS": 0,
            "SECRET_KEY": SECRET_KEY,
        },
        agent_config,
    )


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_in(client: FlaskClient, token: str = TOKEN, next_path: str = "/internal/") -> Any:
    return client.post("/internal/login", data={"token": token, "next": next_path})
