"""`kb outbox` and `kb serve` (the click commands of kb_cli.serve)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb_cli.serve import outbox, url_port_warning
from tests.api.conftest import AppFactory, site_config
from tests.api.servers import WebhookServer, free_port, wait_for
from tests.api.test_outbox import FORM, deliver, forwarding
from tests.conftest import ROOT


def _config_file(tmp_path: Path, webhook_url: str) -> Path:
    path = tmp_path / "site_config.yml"
    path.write_text(f"contact:\n  webhook_url: {webhook_url}\n", encoding="utf-8")
    return path


def test_outbox_lists_and_retries(make_app: AppFactory, tmp_path: Path) -> None:
    hook = WebhookServer(status=500).start()
    try:
        db = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
        app = make_app(site_config(contact=forwarding(webhook_url=hook.url)), DATABASE_URL=db)
        reference = app.test_client().post("/api/contact", json=FORM).get_json()["reference"]
        deliver(app)  # the helpdesk answers 500: the delivery waits for its retry
        args = ["--config", str(_config_file(tmp_path, hook.url)), "--database-url", db]
        runner = CliRunner()

        listed = runner.invoke(outbox, [*args, "--format", "json"])
        assert listed.exit_code == 0, listed.output
        [row] = json.loads(listed.output)["deliveries"]
        assert (row["reference"], row["channel"], row["status"], row["attempts"]) == (
            reference,
            "webhook",
            "pending",
            1,
        )
        assert row["last_error"] == "webhook answered HTTP 500"

        table = runner.invoke(outbox, args)
        assert table.exit_code == 0
        assert reference in table.output and "pending" in table.output

        still_down = runner.invoke(outbox, [*args, "--retry"])
        assert still_down.exit_code == 1
        assert f"{reference} via webhook: failed" in still_down.output

        hook.status = 200
        retried = runner.invoke(outbox, [*args, "--retry", "--format", "json"])
        assert retried.exit_code == 0, retried.output
        report = json.loads(retried.output)
        assert report["attempted"] == [
            {
                "id": row["id"],
                "reference": reference,
                "ok": True,
                "error": None,
                "channel": "webhook",
            }
        ]
        assert report["deliveries"] == []
        assert len(hook.received) == 3
        empty = runner.invoke(outbox, args)
        assert "The outbox is empty" in empty.output
    finally:
        hook.stop()


def test_serve_runs_the_portal_and_api(build_dir: Path, tmp_path: Path) -> None:
    """It serves, and says that its site.url (the default, :8000) is not where it serves."""
    port = free_port()
    command = [
        sys.executable,
        "-c",
        "from kb_cli.serve import serve; serve()",
        "--port",
        str(port),
        "--build-dir",
        str(build_dir),
    ]
    env = {
        "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),  # this checkout's kb_cli, whichever one is installed
    }
    process = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                with urllib.request.urlopen(base + "/api/health", timeout=1) as r:
                    return bool(r.status == 200)
            except OSError:
                return False

        assert wait_for(up, timeout=20), "kb serve did not answer"
        with urllib.request.urlopen(base + "/api/search?q=refund", timeout=5) as r:
            assert json.load(r)["results"][0]["url"] == "/billing/refunds/"
        with urllib.request.urlopen(base + "/billing/refunds/", timeout=5) as r:
            assert b"Request a refund" in r.read()
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    here = f"http://127.0.0.1:{port}"
    warning = (
        "warning: site.url http://127.0.0.1:8000 (the default; no site config) is not this "
        f"server ({here}/): links from kb link and /api/articles point there; set site.url: "
        f"{here} to link here"
    )
    assert warning in out.decode().splitlines()


@pytest.mark.parametrize(
    ("url", "host", "port", "warned"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1", 8150, "http://127.0.0.1:8150/"),
        ("http://localhost:8000/help", "0.0.0.0", 9000, "http://127.0.0.1:9000/"),
        ("http://[::1]:8000", "::1", 8001, "http://[::1]:8001/"),
        ("http://127.0.0.1", "127.0.0.1", 8000, "http://127.0.0.1:8000/"),  # port 80
        ("http://127.0.0.1:8150", "127.0.0.1", 8150, None),  # the port served
        ("http://localhost", "127.0.0.1", 80, None),
        ("https://help.example.com", "127.0.0.1", 8000, None),  # production: meant to differ
        ("http://10.0.0.5:8000", "0.0.0.0", 8150, None),  # another machine's address
    ],
)
def test_serve_warns_when_site_url_is_a_local_address_on_another_port(
    url: str, host: str, port: int, warned: str | None
) -> None:
    said = url_port_warning(url, host, port, "site_config.yml")
    if warned is None:
        assert said is None
    else:
        assert said is not None and said.startswith(f"warning: site.url {url} in site_config.yml")
        assert f"is not this server ({warned})" in said and "\n" not in said
