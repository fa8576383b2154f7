"""Fixtures of the ``kb gaps`` suite: the shipped example KB built once, and a store filled
through the real API (Flask test client, real SQLite file, real search index).

The scenario (``visits``) is what customers of the example Tandem help center might do; the
tests know it by heart. Visitors differ by client address, as in production, where the
visitor token is a salted hash of address and user agent.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient

from feedback_api import create_app, shutdown
from kb_builder.build import BuildReport
from kb_core.config import SiteConfig, load_config
from tests.apps import BufferedClient

ROOT = Path(__file__).resolve().parents[2]
KB = Path(sys.executable).with_name("kb")


def kb_gaps(
    database_url: str, config_path: Path, site_build: Path, *extra: str, fmt: str = "json"
) -> subprocess.CompletedProcess[str]:
    """`kb gaps --format FMT` of the last 7 days as a process, on the example's build and
    content, over the store at ``database_url``, running this checkout's code."""
    return subprocess.run(
        [
            str(KB),
            "gaps",
            "--config",
            str(config_path),
            "--build-dir",
            str(site_build),
            "--content",
            str(ROOT / "content"),
            "--since",
            "7d",
            "--format",
            fmt,
            *extra,
        ],
        env={"KB_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# Added to the shipped configuration: lets "btc" and "crypto" join the "bitcoin" group.
EXTRA_SYNONYMS = ["bitcoin", "btc", "crypto", "cryptocurrency"]
GENEROUS = {"rate_limit": "10000/minute", "write_rate_limit": "10000/minute"}
XSS = "<script>alert(1)</script>"
XSS_REASON = "<img src=x onerror=alert(2)>"
# Markup around words search answers with confidence: a weak search, not a failed one.
XSS_SEARCH = f"refund policy {XSS}"


@pytest.fixture(scope="session")
def config_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped site_config.yml plus a synonym group and generous rate limits."""
    data = yaml.safe_load((ROOT / "site_config.yml").read_text(encoding="utf-8"))
    data.setdefault("search", {}).setdefault("synonyms", []).append(EXTRA_SYNONYMS)
    data.setdefault("api", {}).update(GENEROUS)
    path = tmp_path_factory.mktemp("config") / "site_config.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def config(config_path: Path) -> SiteConfig:
    return load_config(config_path)[0]


@pytest.fixture(scope="session")
def site_build(example_build: tuple[Path, BuildReport]) -> Path:
    """The example KB in content/, built once per session by the real pipeline (shared with
    the build tests; synonyms apply at query time, so the extra group needs no own build)."""
    return example_build[0]


@dataclass
class Visitor:
    """One customer of the portal: a client address, and what the API told them."""

    client: FlaskClient
    address: str
    searched: list[tuple[str, int]] = field(default_factory=list)

    def _env(self) -> dict[str, str]:
        return {"REMOTE_ADDR": self.address}

    def search(self, q: str, lang: str | None = None) -> int:
        """Search the portal of ``lang`` (None: the default language's); the results' count."""
        return int(self.reply(q, lang)["total"])

    def reply(self, q: str, lang: str | None = None) -> dict[str, Any]:
        """Search the portal of ``lang`` (None: the default language's); the API's reply."""
        args = {"q": q, **({"lang": lang} if lang else {})}
        resp = self.client.get("/api/search", query_string=args, environ_base=self._env())
        assert resp.status_code == 200, resp.get_data(as_text=True)
        found: dict[str, Any] = resp.get_json()
        self.searched.append((q, int(found["total"])))
        return found

    def click(self, q: str, article_id: str) -> None:
        body = {"query": q, "id": article_id, "position": 0}
        resp = self.client.post("/api/events/click", json=body, environ_base=self._env())
        assert resp.status_code == 204, resp.get_data(as_text=True)

    def view(self, article_id: str) -> None:
        resp = self.client.post(
            "/api/events/view", json={"id": article_id}, environ_base=self._env()
        )
        assert resp.status_code == 204, resp.get_data(as_text=True)

    def rate(self, article_id: str, revision: str, value: int, reason: str | None = None) -> None:
        body: dict[str, Any] = {"article_id": article_id, "revision": revision, "value": value}
        if reason:
            body["reason"] = reason
        resp = self.client.post("/api/ratings", json=body, environ_base=self._env())
        assert resp.status_code in (200, 201), resp.get_data(as_text=True)

    def contact(
        self, topic: str, subject: str, viewed: tuple[str, ...] = (), lang: str | None = None
    ) -> str:
        """Send a request from the contact form of the portal of ``lang``."""
        body = {
            "name": "A customer",
            "email": "customer@example.com",
            "topic": topic,
            "subject": subject,
            "message": "Please help.",
            "elapsed_ms": 20_000,
            "context": {
                "searches": [{"q": q, "hits": n} for q, n in self.searched],
                "viewed": list(viewed),
            },
        }
        url = f"/api/contact?lang={lang}" if lang else "/api/contact"
        resp = self.client.post(url, json=body, environ_base=self._env())
        assert resp.status_code == 201, resp.get_data(as_text=True)
        return str(resp.get_json()["reference"])


@dataclass
class Scenario:
    app: Flask
    database_url: str
    manifest_revision: dict[str, str]
    visitors: dict[str, Visitor]


def _revision(app: Flask, article_id: str) -> str:
    return str(app.extensions["kb"].build.catalog.articles[article_id].revision)


@contextmanager
def api_client(
    tmp_path_factory: pytest.TempPathFactory, name: str, site_build: Path, config_path: Path
) -> Iterator[tuple[str, FlaskClient]]:
    """A new SQLite store (in a folder named after ``name``) and a client of the real API on
    it, each log row written at once: (its URL, the client). The API is shut down after."""
    url = f"sqlite:///{tmp_path_factory.mktemp(name) / 'kb.sqlite3'}"
    app = api_app(url, site_build, config_path)
    app.test_client_class = BufferedClient
    try:
        yield url, app.test_client()
    finally:
        shutdown(app)


def api_app(url: str, site_build: Path, config_path: Path, flush: float = 0) -> Flask:
    """The real API on the store at ``url``; ``flush`` 0 writes each log row at once (the
    tests read next), more buffers them as in production."""
    return create_app(
        {
            "TESTING": True,
            "BUILD_DIR": str(site_build),
            "SITE_CONFIG": str(config_path),
            "DATABASE_URL": url,
            "OUTBOX_WORKER": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "EVENTLOG_FLUSH_SECONDS": flush,
        }
    )


@pytest.fixture(scope="session")
def scenario(
    tmp_path_factory: pytest.TempPathFactory, site_build: Path, config_path: Path
) -> Iterator[Scenario]:
    """A store filled through the API with the searches, ratings and requests below."""
    db = tmp_path_factory.mktemp("store") / "kb.sqlite3"
    url = f"sqlite:///{db}"
    app = api_app(url, site_build, config_path)
    app.test_client_class = BufferedClient
    client = app.test_client()
    v = {
        name: Visitor(client, f"10.0.0.{i}")
        for i, name in enumerate(
            ["v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13"], 1
        )
    }
    refunds_rev = _revision(app, "refunds")

    # The "bitcoin" group: variants, a synonym, a typo; v1 then writes to support.
    assert v["v1"].search("bitcoin") == 0
    assert v["v1"].search("bitcoins") == 0
    v["v1"].contact("Billing and invoices", "Can I pay with bitcoin?")
    assert v["v2"].search("Bitcoin") == 0
    assert v["v2"].search("btc") == 0
    assert v["v3"].search("bitcion") == 0
    v["v3"].view("update-payment-method")  # two of them read this after finding nothing
    assert v["v4"].search("crypto") == 0
    v["v4"].view("update-payment-method")
    # The "payslip" group: nobody reads anything afterwards.
    assert v["v5"].search("payslip") == 0
    assert v["v6"].search("Payslip") == 0
    assert v["v6"].search("payslips") == 0
    # Below min_searches (2): not listed.
    assert v["v7"].search("slack") == 0
    # Markup typed into the search box: a failed group, a weak search and a request subject.
    assert v["v8"].search("<script>") == 0
    assert v["v11"].search("<SCRIPT>") == 0
    for name in ("v8", "v9", "v10", "v11", "v12"):
        assert v[name].search(XSS_SEARCH) > 0
    v["v9"].contact("Scheduling", XSS)  # searched, found results, read nothing
    # Someone who clicked a result, read it, and still wrote: self-service was tried.
    assert v["v10"].search("refund") > 0
    v["v10"].click("refund", "refunds")
    v["v10"].view("refunds")
    v["v10"].contact("Billing and invoices", "Refund for last month", viewed=("refunds",))
    # A request straight away, without searching or reading anything.
    v["v13"].contact("Scheduling", "Shift swap broken")
    # Ratings: "refunds" was liked in an earlier revision, and is disliked now.
    for name in ("v1", "v2", "v3"):
        v[name].rate("refunds", "0000000old", 1)
    v["v4"].rate("refunds", refunds_rev, 0, "It's out of date")
    v["v5"].rate("refunds", refunds_rev, 0, "It's out of date")
    v["v6"].rate("refunds", refunds_rev, 0, XSS_REASON)
    v["v7"].rate("refunds", refunds_rev, 1)
    v["v8"].rate("change-plan", _revision(app, "change-plan"), 1)
    yield Scenario(app, url, {"refunds": refunds_rev}, v)
    shutdown(app)
