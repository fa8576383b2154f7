"""Fixtures of the proof suite: the shipped example built once, gunicorn, PostgreSQL servers.

The shipped example comes from the session-wide ``example_build`` (tests/conftest.py). The
shared PostgreSQL (127.0.0.1:5432) is used only inside a schema each test creates and drops
(``db_url`` of tests/conftest.py); fault tests that stop the database start a private server
instead (``private_pg``). Each is skipped, with the reason shown, when it cannot run here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kb_builder.build import BuildReport
from tests.proof.figures import FIGURES
from tests.proof.procs import ROOT, Gunicorn, PrivatePostgres


@pytest.fixture(scope="session")
def built(example_build: tuple[Path, BuildReport]) -> Path:
    """The shipped example (content/ + site_config.yml), built by the real pipeline."""
    return example_build[0]


@pytest.fixture(scope="session")
def manifest(built: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((built / "manifest.json").read_text("utf-8"))
    return data


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[Callable[..., Gunicorn]]:
    """Start gunicorn servers (``factory(env, settings)``); every one is stopped afterwards."""
    servers: list[Gunicorn] = []

    def factory(env: dict[str, str], settings: dict[str, Any] | None = None) -> Gunicorn:
        work = tmp_path / f"gunicorn-{len(servers)}"
        work.mkdir()
        server = Gunicorn(work, env, settings or {})
        servers.append(server)
        return server.start()

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of this test's own (initdb, own port), destroyed afterwards."""
    try:
        server = PrivatePostgres()
        server.start()
    except (RuntimeError, OSError, FileNotFoundError) as exc:
        pytest.skip(f"cannot start a private PostgreSQL here: {exc}")
    yield server
    server.destroy()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    terminalreporter.section("proof figures")
    for key, value in FIGURES.items():
        terminalreporter.write_line(f"{key}: {value}")
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    (out / "proof-figures.json").write_text(json.dumps(FIGURES, indent=2), encoding="utf-8")
