"""The `kb` commands a writer runs: init, new, build, search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb_builder.cli import main


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def test_help_lists_every_command(runner: CliRunner) -> None:
    res = runner.invoke(main, ["--help"])
    assert res.exit_code == 0
    for name in ["build", "check", "init", "new", "search", "serve", "outbox", "gaps"]:
        assert f"  {name}" in res.output


def test_init_then_new_then_build_then_search(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = tmp_path / "acme-kb"
    res = runner.invoke(main, ["init", str(kb)])
    assert res.exit_code == 0, res.output
    monkeypatch.chdir(kb)
    assert runner.invoke(main, ["check"]).exit_code == 0
    res = runner.invoke(main, ["new", "Export your invoices", "--category", "billing"])
    assert res.exit_code == 0, res.output
    article = kb / "content" / "billing" / "export-your-invoices.md"
    assert article.is_file() and (kb / "content" / "billing" / "_category.yml").is_file()
    text = article.read_text()
    assert 'title: "Export your invoices"' in text and "id: export-your-invoices" in text
    again = runner.invoke(main, ["new", "Export your invoices", "--category", "billing"])
    assert again.exit_code == 1 and "already exists" in again.output
    res = runner.invoke(main, ["build"])
    assert res.exit_code == 0, res.output
    assert "Built 2 public and 0 internal article(s)" in res.output
    assert (kb / "build" / "public" / "billing" / "export-your-invoices" / "index.html").is_file()
    res = runner.invoke(main, ["search", "export invoices", "--format", "json"])
    assert res.exit_code == 0, res.output
    top = json.loads(res.stdout)["results"][0]
    assert top["id"] == "export-your-invoices"
    assert top["url"] == "/billing/export-your-invoices/"
    assert top["source"] == "content/billing/export-your-invoices.md"
    assert set(top) >= {"id", "title", "url", "source"}


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
    assert res.exit_code == 1
    assert "kb build" in res.output
    assert "Traceback" not in res.output


def test_serve_answers_from_a_relative_build_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kb build && kb serve` as the README runs them: paths relative to the working folder."""
    from feedback_api import create_app
    from kb_builder.build import build_site
    from kb_builder.config import SiteConfig

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
