"""The widget turned off: `kb build` (a real process) removes the scripts an earlier build
published, and the app answers 404 for them even from a build that still holds them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from feedback_api import create_app, shutdown
from kb_core.config import load_config
from tests.apps import BufferedClient
from tests.conftest import ROOT

KB = Path(sys.executable).with_name("kb")
SCRIPTS = ("widget.js", "widget-panel.js")


def _config(tmp: Path, enabled: bool) -> Path:
    data = yaml.safe_load((ROOT / "site_config.yml").read_text(encoding="utf-8"))
    data["widget"] = {"enabled": enabled}
    path = tmp / f"site_config_{'on' if enabled else 'off'}.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _build(config: Path, out: Path) -> None:
    res = subprocess.run(
        [str(KB), "build", "--content", str(ROOT / "content"), "--config", str(config)]
        + ["--output", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]


def _status(build: Path, config: Path, tmp: Path) -> dict[str, int]:
    app = create_app(
        {
            "TESTING": True,
            "BUILD_DIR": str(build),
            "SITE_CONFIG": load_config(config)[0],
            "DATABASE_URL": f"sqlite:///{tmp / 'kb.sqlite3'}",
            "OUTBOX_WORKER": False,
        }
    )
    app.test_client_class = BufferedClient
    try:
        client = app.test_client()
        paths = [f"/{name}" for name in SCRIPTS] + ["/api/widget"]
        return {p: client.get(p).status_code for p in paths}
    finally:
        shutdown(app)


def test_a_disabled_widget_leaves_no_scripts_and_answers_404(tmp_path: Path) -> None:
    if not KB.exists():
        pytest.skip(f"{KB} is not installed (pip install -e .)")
    on, off = _config(tmp_path, True), _config(tmp_path, False)
    out = tmp_path / "build"
    _build(on, out)
    assert all((out / "public" / name).is_file() for name in SCRIPTS)
    assert _status(out, on, tmp_path) == {
        "/widget.js": 200,
        "/widget-panel.js": 200,
        "/api/widget": 200,
    }
    # turned off before the next build: the app refuses the scripts the old build still holds
    assert _status(out, off, tmp_path) == {
        "/widget.js": 404,
        "/widget-panel.js": 404,
        "/api/widget": 404,
    }
    _build(off, out)
    assert [name for name in SCRIPTS if (out / "public" / name).exists()] == []
    assert (out / "public" / "index.html").is_file()  # the rest of the site is still there
    assert _status(out, off, tmp_path)["/widget.js"] == 404
