"""The widget's build: turned off, `kb build` (a real process) removes the scripts an earlier
build published, and the app answers 404 for them even from a build that still holds them; its
colours follow site.primary_color or widget.color with readable text; `kb serve --widget-demo`
refuses what it cannot do (the browser test of the demo is in tests/widget/test_demo.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from feedback_api import create_app, shutdown
from kb_builder.widget import (
    MATERIAL,
    SOFT_DARK,
    SOFT_LIGHT,
    WidgetColours,
    contrast,
    widget_colours,
    widget_files,
)
from kb_core.config import MATERIAL_COLORS, load_config, parse_config
from kb_core.errors import ConfigError
from tests.api.servers import free_port
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
        found = {p: client.get(p) for p in paths}
        launcher = found["/widget.js"]
        if launcher.status_code == 200:
            assert launcher.mimetype == "text/javascript"
            assert launcher.get_data() == (build / "public" / "widget.js").read_bytes()
            again = client.get("/widget.js", headers={"If-None-Match": launcher.headers["ETag"]})
            assert again.status_code == 304  # a host page's browser revalidates cheaply
        return {p: r.status_code for p, r in found.items()}
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


def _colours(**sections: object) -> WidgetColours:
    config, _ = parse_config(sections, "test")
    return widget_colours(config)


@pytest.mark.parametrize("name", MATERIAL_COLORS)
def test_every_palette_colour_keeps_text_readable(name: str) -> None:
    c = _colours(site={"primary_color": name})
    pairs = {
        "launcher": (c.accent, c.on_accent),
        "launcher hovered": (c.hover, c.on_accent),
        "link on the light panel": (c.link, SOFT_LIGHT),
        "dark panel header": (c.dark_accent, c.on_dark_accent),
        "link on the dark panel": (c.dark_link, SOFT_DARK),
    }
    low = {k: round(contrast(*v), 2) for k, v in pairs.items() if contrast(*v) < 4.5}
    assert low == {}


def test_the_palette_is_materials() -> None:
    assert set(MATERIAL) == set(MATERIAL_COLORS)


def test_colour_from_the_site_unless_the_widget_says_otherwise() -> None:
    teal = _colours(site={"primary_color": "teal"})
    # Material's teal (#009485) with white text is 3.8:1: darkened just enough, hue kept
    assert (teal.accent, teal.on_accent) == ("#008578", "#ffffff")
    amber = _colours(site={"primary_color": "teal"}, widget={"color": "amber"})
    assert (amber.accent, amber.on_accent) == ("#ffc105", "#1f1f1f")  # dark text, as Material
    brand = _colours(widget={"color": "#FFD700"})
    assert brand.on_accent == "#1f1f1f" and brand.accent == "#ffd700"
    navy = _colours(widget={"color": "#000080"})
    assert (navy.accent, navy.on_accent) == ("#000080", "#ffffff")
    # a palette Material does not know ("custom"): Material's default, indigo
    assert _colours(site={"primary_color": "custom"}) == _colours(site={"primary_color": "indigo"})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("tealish", "widget.color: not a Material palette name or #rrggbb: 'tealish'"),
        ("#abc", "widget.color: not a Material palette name or #rrggbb: '#abc'"),
    ],
)
def test_a_bad_widget_colour_is_named(value: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"widget": {"color": value}})
    assert [str(p) for p in caught.value.problems] == [f"site_config.yml: error: {message}"]


def test_the_built_launcher_carries_the_colours() -> None:
    config, _ = parse_config({"site": {"primary_color": "deep-orange"}})
    launcher = widget_files(config)["widget.js"].decode()
    assert "--kb-accent:" + widget_colours(config).accent + "!important;" in launcher
    assert "/*KB:colours*/" not in launcher


def _serve_demo(tmp_path: Path, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(KB), "serve", "--build-dir", str(tmp_path / "no-build"), "--config"]
    return subprocess.run(
        [*command, str(config), "--port", str(free_port()), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'kb.sqlite3'}"},
    )


def test_widget_demo_refusals_name_the_fix(tmp_path: Path) -> None:
    if not KB.exists():
        pytest.skip(f"{KB} is not installed (pip install -e .)")
    off = _serve_demo(tmp_path, _config(tmp_path, False), "--widget-demo")
    assert off.returncode == 1
    assert "--widget-demo needs the widget: widget.enabled is false" in off.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = _serve_demo(tmp_path, _config(tmp_path, True), "--widget-demo-port", str(port))
    assert busy.returncode == 1
    assert f"cannot serve the widget demo on port {port}" in busy.stderr
    assert "choose another with --widget-demo-port" in busy.stderr
