"""Fixtures of the feedback API suite: a small real build, real stores, real apps.

The build (a few portal pages, a manifest and a real Whoosh index) is made once per session.
PostgreSQL runs against the server on 127.0.0.1:5432 in a schema of its own, and is skipped,
with the reason shown, when the server is unreachable.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from kb_builder.index.fields import IndexDoc, Section
from kb_builder.index.writer import build_index
from kb_core.config import SiteConfig, parse_config
from kb_store.store import Store
from kb_store.tables import metadata
from tests.apps import AppFactory, app_factory, database_first

INLINE_SCRIPT = "__md_scope=new URL('.',location)"
CONTENT_SCRIPT = "window.__pwned = 1"
ARTICLES: list[dict[str, Any]] = [
    {
        "id": "refunds",
        "title": "Request a refund",
        "url": "billing/refunds/",
        "category": "billing",
        "category_title": "Billing",
        "summary": "How to get your money back for an annual plan.",
        "revision": "abc123",
        "aliases": ["billing/money-back.md", "/billing/old-refunds/"],
        "body": "Refunds are paid to the original card within ten days. Annual plans only.",
        "sections": [("eligibility", "Who can get a refund", "Annual plans bought in 30 days.")],
    },
    {
        "id": "change-plan",
        "title": "Change your plan",
        "url": "billing/plans/change-plan/",
        "category": "billing",
        "category_title": "Billing › Plans",
        "summary": "Upgrade or downgrade at any time.",
        "revision": "def456",
        "aliases": [],
        "body": "Open Settings, then Billing, and pick a new plan. Upgrades apply at once.",
        "sections": [],
    },
    {
        "id": "reset-password",
        "title": "Reset your password",
        "url": "account/reset-password/",
        "category": "account",
        "category_title": "Account",
        "summary": "Get back into your account when you forgot the password.",
        "revision": "0a0b0c",
        "aliases": [],
        "body": "Click 'Forgot password' on the sign-in page and follow the email we send.",
        "sections": [("email", "The reset email", "It arrives within five minutes.")],
    },
]


def _page(title: str, extra: str = "") -> str:
    # As the build writes a page: its own inline script declared in the head's CSP <meta>;
    # the script in the body stands for one that came from content and is never declared.
    digest = base64.b64encode(hashlib.sha256(INLINE_SCRIPT.encode()).digest()).decode()
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="script-src '
        f"'self' 'sha256-{digest}'\"><title>{title}</title>"
        f"<script>{INLINE_SCRIPT}</script>"
        '<script src="/assets/javascripts/bundle.0123abcd.min.js"></script>'
        f"</head><body><h1>{title}</h1>{extra}<script>{CONTENT_SCRIPT}</script></body></html>"
    )


def index_docs() -> list[IndexDoc]:
    """The index documents of ``ARTICLES``."""
    return [
        IndexDoc(
            id=a["id"],
            title=a["title"],
            url=a["url"],
            category=a["category_title"],
            category_slug=a["category"],
            summary=a["summary"],
            body=a["body"],
            source=a["url"].rstrip("/") + ".md",
            sections=tuple(Section(anchor, title, text) for anchor, title, text in a["sections"]),
        )
        for a in ARTICLES
    ]


def write_build(root: Path, extra: Sequence[IndexDoc] = ()) -> Path:
    """Write a tiny build directory like `kb build` makes, its index holding ``extra`` too
    (not in its manifest); return it."""
    public = root / "public"
    pages = {
        "index.html": _page("Help Center"),
        "404.html": _page("Page not found", "<p>kb-404-page</p>"),
        "search/search_index.json": '{"docs": []}',
        "assets/javascripts/bundle.0123abcd.min.js": "console.log('portal');",
        "assets/stylesheets/main.css": "body{}",
        "billing/index.html": _page("Billing"),
    }
    for a in ARTICLES:
        pages[a["url"] + "index.html"] = _page(a["title"], f"<p>{a['body']}</p>")
    for rel, text in pages.items():
        (public / rel).parent.mkdir(parents=True, exist_ok=True)
        (public / rel).write_text(text, encoding="utf-8")
    secret = root / "internal" / "secret-runbook" / "index.html"
    secret.parent.mkdir(parents=True)
    secret.write_text("<p>internal-only-secret</p>", encoding="utf-8")
    manifest = {
        "format": 1,
        "built_at": "2025-01-01T00:00:00Z",
        "site": {"name": "Help Center", "url": "http://127.0.0.1:8000"},
        "articles": [
            {k: v for k, v in a.items() if k not in ("body", "sections")}
            | {"category_path": [a["category"]], "visibility": "public", "source": a["url"]}
            for a in ARTICLES
        ],
        "categories": [],
        "redirects": {
            "billing/old-plans/": "billing/plans/change-plan/",
            "evil/": "https://evil.example/",
            "evil2/": "//evil.example/x",
        },
    }
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    docs = [*index_docs(), *extra]
    build_index(docs, root / "index" / "public")
    return root


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_build(tmp_path_factory.mktemp("build"))


def site_config(**sections: Any) -> SiteConfig:
    """A SiteConfig from partial sections, e.g. ``site_config(api={"rate_limit": "5/minute"})``."""
    config, _ = parse_config(json.loads(json.dumps(sections)), "test")
    return config


GENEROUS = {"rate_limit": "10000/minute", "write_rate_limit": "10000/minute"}


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    s.migrate()
    yield s
    s.close()


@pytest.fixture
def make_app(
    request: pytest.FixtureRequest, build_dir: Path, tmp_path: Path
) -> Iterator[AppFactory]:
    """Create apps on a SQLite file in tmp_path (or ``DATABASE_URL=``); shut down afterwards."""
    database_first(request)
    yield from app_factory(
        {
            "TESTING": True,
            "BUILD_DIR": str(build_dir),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'kb.sqlite3'}",
            "OUTBOX_WORKER": False,
            "RATELIMIT_STORAGE_URI": "memory://",
        },
        lambda: site_config(api=GENEROUS),
    )


def rows(app_or_store: Flask | Store, table: str) -> list[dict[str, Any]]:
    """Every row of a store table, as dicts, in insertion order (queued log rows written first)."""
    if isinstance(app_or_store, Store):
        store = app_or_store
    else:
        app_or_store.extensions["kb"].events.flush()
        store = app_or_store.extensions["kb"].store
    t = metadata.tables[table]
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(t).order_by(t.c.id))]
