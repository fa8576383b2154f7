"""`kb gaps` counts the widget apart from the portal: its searches, failed searches, contact
requests and deflection, and the host pages where its searches failed. A store filled through
the real API (SQLite file and PostgreSQL), read by `kb gaps` as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from feedback_api import shutdown
from kb_cli.gaps import gaps
from tests.apps import BufferedClient
from tests.gaps.conftest import ROOT, Scenario, api_app

KB = Path(sys.executable).with_name("kb")
BILLING = "https://app.example.com/billing/invoices"
SETTINGS = "https://app.example.com/settings"


@dataclass
class Customer:
    client: FlaskClient
    address: str
    host: str | None = None  # the widget's host page; None: the portal

    def _where(self) -> dict[str, str]:
        return {"source": "widget", "host": self.host} if self.host else {}

    def _env(self) -> dict[str, str]:
        return {"REMOTE_ADDR": self.address}

    def search(self, q: str) -> bool:
        got = self.client.get(
            "/api/search", query_string={"q": q, **self._where()}, environ_base=self._env()
        )
        assert got.status_code == 200, got.get_data(as_text=True)
        return bool(got.get_json()["answered"])

    def contact_event(self, kind: str, article_id: str | None = None) -> None:
        body: dict[str, Any] = {"kind": kind, **self._where()}
        if article_id:
            body["id"] = article_id
        sent = self.client.post("/api/events/contact", json=body, environ_base=self._env())
        assert sent.status_code == 204, sent.get_data(as_text=True)

    def contact(self, subject: str) -> None:
        body = {
            "name": "A customer",
            "email": "customer@example.com",
            "topic": "Billing and invoices",
            "subject": subject,
            "message": "Please help.",
            "elapsed_ms": 20_000,
            **self._where(),
        }
        sent = self.client.post("/api/contact", json=body, environ_base=self._env())
        assert sent.status_code == 201, sent.get_data(as_text=True)


@pytest.fixture
def store(db_url: str, site_build: Path, config_path: Path) -> str:
    """Portal and widget traffic through the API: two host pages, one deflected visit."""
    app = api_app(db_url, site_build, config_path)
    app.test_client_class = BufferedClient
    client = app.test_client()
    try:
        portal = Customer(client, "10.1.0.1")
        assert portal.search("refund")
        assert not portal.search("bitcoin")
        portal.contact_event("started")
        portal.contact("Can I pay with bitcoin?")
        w1, w2, w3 = (Customer(client, f"10.2.0.{i}", BILLING) for i in (1, 2, 3))
        assert not w1.search("payslip")
        w1.contact_event("started")
        w1.contact_event("opened", "refunds")  # read a suggestion, sent nothing: deflected
        assert not w2.search("payslips")
        assert w2.search("refund")
        w2.contact_event("started")
        w2.contact("Where is my payslip?")
        assert not w3.search("crypto")
        w4 = Customer(client, "10.2.0.4", SETTINGS)
        assert not w4.search("xylophone lessons")
        assert not w4.search("qwfpgjluy")  # keyboard mashing: not a gap, not listed
        assert w4.search("reset password")
    finally:
        shutdown(app)
    return db_url


def _gaps(
    database_url: str, config_path: Path, site_build: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    command = [str(KB), "gaps", "--config", str(config_path), "--build-dir", str(site_build)]
    command += ["--content", str(ROOT / "content"), "--since", "7d", *args]
    env = {**os.environ, "KB_DATABASE_URL": database_url, "COLUMNS": "200"}
    res = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    return res


def test_json_counts_the_widget_apart(store: str, config_path: Path, site_build: Path) -> None:
    data = json.loads(_gaps(store, config_path, site_build, "--format", "json").stdout)
    t = data["totals"]
    assert (t["searches"], t["failed_searches"], t["contact_requests"]) == (9, 6, 2)
    widget = {k: t[k] for k in t if k.startswith("widget_")}
    assert widget == {
        "widget_searches": 7,
        "widget_failed_searches": 5,
        "widget_contact_requests": 1,
    }
    assert data["sources"] == [
        {
            "source": "portal",
            "searches": 2,
            "failed_searches": 1,
            "contact_requests": 1,
            "contact_started": 1,
            "suggestions_opened": 0,
            "abandoned_after_reading": 0,
        },
        {
            "source": "widget",
            "searches": 7,
            "failed_searches": 5,
            "contact_requests": 1,
            "contact_started": 2,
            "suggestions_opened": 1,
            "abandoned_after_reading": 1,
        },
    ]
    assert data["widget_pages"] == [
        {
            "rank": 1,
            "host": BILLING,
            "failed": 3,
            "searches": 4,
            "visitors": 3,
            "queries": [["crypto", 1], ["payslip", 1], ["payslips", 1]],
        },
        {
            "rank": 2,
            "host": SETTINGS,
            "failed": 1,
            "searches": 3,
            "visitors": 1,
            "queries": [["xylophone lessons", 1]],
        },
    ]
    assert data["counts"]["widget_pages"] == 2


def test_markdown_text_and_html_show_the_widget(
    store: str, config_path: Path, site_build: Path, tmp_path: Path
) -> None:
    md = _gaps(store, config_path, site_build, "--format", "md", "--limit", "1").stdout
    assert (
        "- Widget: 7 searches, found nothing: 5 (71%); contact requests sent: 1; 1 visitor-day "
        "read a suggestion and sent nothing (deflected); host pages with failed searches: 2\n"
    ) in md
    # the form's trail counts visitor-days, the requests one by one: the lines say which
    assert "- Searches: 9, found nothing: 6 (66.7%); contact requests sent: 2; " in md
    assert (
        "- Contact form: 3 visitor-days started a request (a visitor counts once a day), "
        "1 suggested article opened, 1 visitor-day read a suggestion and sent nothing "
        "(deflected)\n"
    ) in md
    assert "\n## Portal and widget\n" in md
    assert "| portal | 2 | 1 (50%) | 1 | 1 | 0 | 0 |" in md
    assert "| widget | 7 | 5 (71%) | 1 | 2 | 1 | 1 |" in md
    assert "\n## Widget pages where searches failed\n\nTop 1 of 2.\n" in md
    assert f"| 1 | {BILLING} | 3 | 4 | 3 | crypto (1), payslip (1), payslips (1) |" in md
    assert SETTINGS not in md  # cut by --limit 1
    text = _gaps(store, config_path, site_build).stdout
    assert "Widget: 7 searches, found nothing: 5 (71%)" in text
    assert "qwfpgjluy" not in text.split("Widget pages where searches failed")[1]
    assert "Portal and widget" in text
    assert "Widget pages where searches failed" in text and BILLING in text and SETTINGS in text
    html = tmp_path / "gaps.html"
    _gaps(store, config_path, site_build, "--format", "html", "--output", str(html))
    page = html.read_text(encoding="utf-8")
    assert 'id="portal-and-widget"' in page and 'id="widget-pages"' in page
    assert BILLING in page


def test_no_widget_sections_without_widget_traffic(
    scenario: Scenario, config_path: Path, site_build: Path
) -> None:
    base = ["--config", str(config_path), "--build-dir", str(site_build), "--since", "7d"]
    base += ["--content", str(ROOT / "content"), "--format", "md"]
    res = CliRunner().invoke(gaps, base, env={"KB_DATABASE_URL": scenario.database_url})
    assert res.exit_code == 0, res.output
    assert "Portal and widget" not in res.stdout and "Widget:" not in res.stdout
    assert "## Failed searches" in res.stdout
