"""The `kb` commands a writer runs: init, new, build, search (init and new as a writer runs
them, in real processes: tests/test_writers.py)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kb_cli.main import main


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def test_help_lists_every_command(runner: CliRunner) -> None:
    res = runner.invoke(main, ["--help"])
    assert res.exit_code == 0
    for name in ["build", "check", "init", "new", "search", "serve", "outbox", "gaps"]:
        assert f"  {name}" in res.output


def test_init_refuses_a_folder_with_files(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("keep me")
    res = runner.invoke(main, ["init", str(tmp_path)])
    assert res.exit_code == 1 and "is not empty" in res.output


@pytest.mark.parametrize("category", ["../outside", "/etc"])
def test_new_stays_inside_the_content_folder(
    runner: CliRunner, tmp_path: Path, category: str
) -> None:
    res = runner.invoke(
        main, ["new", "T", "--category", category, "--content", str(tmp_path / "content")]
    )
    assert res.exit_code == 2
    assert "must be a folder inside the content folder" in res.output


def test_search_without_a_build_says_what_to_do(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(main, ["search", "x", "--output", str(tmp_path / "nothing")])
    assert res.exit_code == 2  # an error, as grep's: 1 is only "nothing found"
    assert "kb build" in res.output
    assert "Traceback" not in res.output


def test_serve_answers_from_a_relative_build_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kb build && kb serve` as the README runs them: paths relative to the working folder."""
    from feedback_api import create_app
    from kb_builder.build import build_site
    from kb_core.config import SiteConfig

    content = tmp_path / "content"
    content.mkdir()
    (content / "guide.md").write_text("---\ntitle: Guide\nsummary: s\n---\nHello.\n")
    build_site(content, SiteConfig(), tmp_path / "build")
    monkeypatch.chdir(tmp_path)
    app = create_app(
        {
            "TESTING": True,
            "BUILD_DIR": "build",
            "OUTBOX_WORKER": False,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'kb.sqlite3'}",
        }
    )
    client = app.test_client()
    with client.get("/") as home, client.get("/guide/") as guide:
        assert home.status_code == 200 and guide.status_code == 200
        assert b"Hello." in guide.data


def test_every_option_says_what_it_does() -> None:
    """`kb COMMAND --help` explains each option (kb outbox --config, kb search --limit and
    every --format had none)."""
    ctx = click.Context(main)

    def undocumented(cmd: click.Command, path: str) -> list[str]:
        if isinstance(cmd, click.Group):
            return [
                found
                for name in cmd.list_commands(ctx)
                for found in undocumented(cmd.get_command(ctx, name), f"{path} {name}")  # type: ignore[arg-type]
            ]
        return [
            f"{path} {p.opts[0]}"
            for p in cmd.params
            if isinstance(p, click.Option) and not p.hidden and not p.help
        ]

    assert undocumented(main, "kb") == []
