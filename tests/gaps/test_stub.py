"""Closing the loop: `kb gaps --stub` writes a draft, `kb build` skips it, and the next
reports say whether the group's searches find it once it is published."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import frontmatter
import pytest
from click.testing import CliRunner, Result

from kb_builder.build import build_site
from kb_cli.gaps import gaps
from kb_core.config import SiteConfig
from kb_reports.gaps.articles import PublishedArticles
from kb_reports.gaps.loop import MARKER, write_stub
from kb_reports.gaps.report import FailedGroup, GapReport, build_report
from tests.gaps.conftest import ROOT, Scenario


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small knowledge base of its own (the billing category), so it can be rebuilt fast."""
    root = tmp_path_factory.mktemp("kb")
    shutil.copytree(ROOT / "content" / "billing", root / "content" / "billing")
    return root


def stub(scenario: Scenario, config_path: Path, site_build: Path, kb: Path, which: str) -> Result:
    return CliRunner().invoke(
        gaps,
        [
            "--config",
            str(config_path),
            "--build-dir",
            str(site_build),
            "--content",
            str(kb / "content"),
            "--since",
            "7d",
            "--stub",
            which,
        ],
        env={"KB_DATABASE_URL": scenario.database_url},
    )


def report(scenario: Scenario, config: SiteConfig, kb: Path) -> GapReport:
    return build_report(
        config,
        database_url=scenario.database_url,
        build_dir=kb / "build",
        content_dir=kb / "content",
        since="7d",
        now=datetime.now(UTC) + timedelta(minutes=1),
    )


def test_stub_build_publish_and_report(
    scenario: Scenario, config: SiteConfig, config_path: Path, site_build: Path, kb: Path
) -> None:
    res = stub(scenario, config_path, site_build, kb, "2")  # rank 2: "payslip"
    assert res.exit_code == 0, res.output
    path = kb / "content" / "drafts" / "payslip.md"  # no article is close: a drafts folder
    assert f"Wrote {path} (visibility: draft) for group #2 'payslip'" in res.stdout
    post = frontmatter.load(path)
    assert post["visibility"] == "draft" and post["title"] == "Payslip"
    assert post["id"] == "payslip" and post["keywords"] == ["payslips"]
    assert MARKER in post.content
    assert "- `payslip` (2 searches)\n- `payslips` (1 search)" in post.content

    # the same group again: refused, the draft untouched
    before = path.read_text(encoding="utf-8")
    again = stub(scenario, config_path, site_build, kb, "payslip")
    assert again.exit_code == 1 and "already has a draft: drafts/payslip.md" in again.stderr
    assert path.read_text(encoding="utf-8") == before

    # kb build skips the draft...
    built = build_site(kb / "content", config, kb / "build")
    assert (
        built.drafts_skipped == 1 and "payslip" not in PublishedArticles.load(kb / "build").articles
    )
    r = report(scenario, config, kb)
    [s] = r.stubs
    assert (s.path, s.group, s.published) == ("drafts/payslip.md", "payslip", False)
    assert s.loop is not None and (s.loop.checked, s.loop.found) == (2, 0)
    payslip = r.find_group("payslip")
    assert payslip is not None and payslip.stub == "drafts/payslip.md"
    assert payslip.action is not None and payslip.action.text.startswith(
        "Finish the draft drafts/payslip.md (still a draft)"
    )

    # ...until the writer publishes it: then its searches find it
    written = (
        before.replace("visibility: draft", "visibility: public")
        .replace(
            "One sentence saying what the reader will be able to do.",
            "Where to find your payslip.",
        )
        .replace(
            "Start with the answer in one or two sentences.",
            "Tandem does not issue payslips: your payroll provider does.",
        )
    )  # a writer replaces the template text: left in a public article it fails the build
    path.write_text(written, encoding="utf-8")
    build_site(kb / "content", config, kb / "build")
    r = report(scenario, config, kb)
    [s] = r.stubs
    assert s.published and s.loop is not None and (s.loop.checked, s.loop.found) == (2, 2)
    payslip = r.find_group("payslip")
    assert payslip is not None and payslip.loop is not None
    assert (payslip.loop.found, payslip.loop.top) == (2, "Payslip")


def _group(**fields: Any) -> FailedGroup:
    """A failed-search group first seen on 2026-01-01, searched 3 times by 2 visitors."""
    base: dict[str, Any] = {
        "rank": 1,
        "searches": 3,
        "previous": 0,
        "visitors": 2,
        "first_seen": datetime(2026, 1, 1, tzinfo=UTC),
        "last_seen": None,
        "new": True,
        "examples": [],
        "contacted": 0,
    }
    return FailedGroup(**{**base, **fields})


def test_write_stub_never_overwrites(tmp_path: Path) -> None:
    group = _group(key="zell", label="zelle", queries=[("zelle", 3)], examples=["Zelle"])
    target = tmp_path / "drafts" / "zelle.md"
    target.parent.mkdir()
    target.write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError, match="already exists"):
        write_stub(group, tmp_path, PublishedArticles())
    assert target.read_text(encoding="utf-8") == "mine"


def test_another_language_s_stub_is_a_translation_beside_its_original(tmp_path: Path) -> None:
    """A French-only article is refused (every page of another language falls back on the
    default one): a French group's draft is `<id>.fr.md`, beside the English `<id>.md` it
    needs, and `kb check` takes both as they are written."""
    import subprocess
    import sys

    group = _group(
        key="fr:fuseau-horaire",
        label="fuseau horaire",
        queries=[("fuseau horaire", 1), ("changer de fuseau horaire", 1)],
        language="fr",
        portal="fr",
    )
    content = tmp_path / "content"
    first, path = write_stub(group, content, PublishedArticles(), default="en")
    assert path == content / "drafts" / "fuseau-horaire.fr.md"
    assert first == content / "drafts" / "fuseau-horaire.md"
    original = frontmatter.loads((content / "drafts" / "fuseau-horaire.md").read_text("utf-8"))
    assert (original["id"], original["visibility"]) == ("fuseau-horaire", "draft")
    assert "fuseau-horaire.fr.md" in original.content
    assert MARKER in path.read_text("utf-8")  # the translation is the draft kb gaps follows
    (tmp_path / "site_config.yml").write_text("site:\n  languages: [en, fr]\n", "utf-8")
    kb = Path(sys.executable).with_name("kb")
    res = subprocess.run(
        [str(kb), "check"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "translation (fr) of a missing article" not in res.stdout + res.stderr
    # on the default language's portal, one draft as before
    english = _group(key="zone", label="time zone", queries=[("time zone", 2)], language="en")
    [written] = write_stub(english, content, PublishedArticles(), default="en")
    assert written.name == "time-zone.md"
