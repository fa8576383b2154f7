"""`kb gaps` as a command: every output format, the HTML page parsed, exit codes."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kb_cli.gaps import gaps
from kb_cli.main import main
from kb_reports.gaps.render import CSV_COLUMNS
from tests.gaps.conftest import ROOT, XSS, XSS_REASON, Scenario, kb_gaps


@pytest.fixture(scope="module")
def run(scenario: Scenario, config_path: Path, site_build: Path) -> object:
    def invoke(*args: str, cli: object = gaps, columns: int = 80) -> Result:
        base = [
            "--config",
            str(config_path),
            "--build-dir",
            str(site_build),
            "--content",
            str(ROOT / "content"),
            "--since",
            "7d",
        ]
        return CliRunner().invoke(
            cli,  # type: ignore[arg-type]
            [*(["gaps"] if cli is main else []), *base, *args],
            env={"KB_DATABASE_URL": scenario.database_url, "COLUMNS": str(columns)},
            catch_exceptions=False,
        )

    return invoke


def test_json(run: object) -> None:
    res = run("--format", "json")  # type: ignore[operator]
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert set(data) >= {
        "generated_at",
        "since",
        "window",
        "totals",
        "counts",
        "notes",
        "failed_searches",
        "weak_searches",
        "unhelpful_articles",
        "escalations",
        "stale_articles",
        "stubs",
        "daily",
        "category_helpfulness",
        "new_failed_groups",
    }
    first = data["failed_searches"][0]
    assert first["key"] == "bitcoin" and first["trend"] == "new" and first["rank"] == 1
    assert first["queries"][0] == ["bitcoin", 2]
    assert first["action"]["kind"] == "write" and first["action"]["title"] == "Bitcoin"
    assert first["first_seen"].endswith("Z") and first["loop"]["checked"] == 3
    assert data["unhelpful_articles"][0]["article"]["id"] == "refunds"
    assert data["new_failed_groups"] == ["bitcoin", "payslip", "script"]
    first_actions = [(a["section"], a["rank"]) for a in data["next_actions"]][:5]
    assert first_actions == [
        ("failed", 1),
        ("failed", 2),
        ("failed", 3),
        ("escalations", 1),
        ("unhelpful", 1),
    ]
    # escalation #2 (v1 found nothing for "bitcoin", then wrote) asks for group #1's article:
    # one line, not two of the five
    assert data["escalations"][1]["group"] == "bitcoin"
    assert data["next_actions"][0]["ranks"] == [1]
    assert data["next_actions"][0]["gaps"] == [
        {"section": "failed", "rank": 1},
        {"section": "escalations", "rank": 2},
    ]


def test_csv(run: object) -> None:
    res = run("--format", "csv")  # type: ignore[operator]
    assert res.exit_code == 0, res.output
    reader = csv.DictReader(io.StringIO(res.stdout))
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    rows = list(reader)
    sections = [r["section"] for r in rows]
    assert sections[:3] == ["failed", "failed", "failed"]
    assert {"weak", "unhelpful", "escalations"} <= set(sections)  # no example article is stale
    payslip = rows[1]
    assert (payslip["key"], payslip["searches"], payslip["action"]) == ("payslip", "3", "write")
    assert payslip["queries"] == "payslip; payslips"


def test_markdown(run: object) -> None:
    res = run("--format", "md")  # type: ignore[operator]
    assert res.exit_code == 0, res.output
    md = res.stdout
    for title in (
        "Failed searches",
        "Weak searches",
        "Unhelpful articles",
        "Escalations without self-service",
        "Stale articles",
    ):
        assert f"\n## {title}\n" in md
    assert "| # | Searches | Visitors | Trend |" in md
    assert "| 1 | 6 | 4 | new |" in md
    assert "\n## Next actions\n\n1. Write a new article, e.g. “Bitcoin”" in md


def test_text(run: object) -> None:
    res = run("--limit", "2", columns=400)  # type: ignore[operator]
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "Failed searches (top 2 of 3)" in out
    assert "1. Write a new article, e.g. “Bitcoin”" in out
    assert "(failed search #1, escalation #2)\n" in out
    assert "(escalation #2)" not in out
    assert XSS_REASON in out  # as typed: rich markup is never interpreted


class Page(HTMLParser):
    """Collects what the checks need from the report page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.ids: list[str] = []
        self.h2: list[str] = []
        self.urls: list[str] = []
        self.text: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in.append(tag)
        for name, value in attrs:
            if name == "id" and value:
                self.ids.append(value)
            if name in ("src", "href") and value:
                self.urls.append(value)

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in and self._in[-1] == "h2":
            self.h2.append(data.strip())


def test_html_page(run: object, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    res = run("--format", "html", "--output", str(out))  # type: ignore[operator]
    assert res.exit_code == 0, res.output
    page = Page()
    page.feed(out.read_text(encoding="utf-8"))
    assert page.h2 == [
        "Summary",
        "Next actions",
        "Charts",
        "Failed searches",
        "Weak searches",
        "Unhelpful articles",
        "Escalations without self-service",
        "Stale articles",
    ]
    assert {
        "summary",
        "next-actions",
        "charts",
        "failed-searches",
        "weak-searches",
        "unhelpful-articles",
        "escalations",
        "stale-articles",
    } <= set(page.ids)
    # one table per section with rows; stale articles: none in the example
    assert page.tags.count("svg") == 2 and page.tags.count("table") == 4
    assert "main" in page.tags
    # self-contained: no scripts, no external assets, only in-page links
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    assert all(u.startswith("#") for u in page.urls)
    text = "".join(page.text)
    assert XSS in text and XSS_REASON in text and "<script>" in text
    assert "Searches and failed searches per day" in text
    assert "Helpfulness per category" in text


def test_html_default_file(run: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = run("--format", "html")  # type: ignore[operator]
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "gaps-report.html").exists()  # never into the current folder
    written = Path(res.stdout.removeprefix("Wrote ").strip())
    assert written.name == "gaps-report.html" and written.is_file()
    written.unlink()


def test_registered_in_kb(run: object) -> None:
    res = run("--format", "json", cli=main)  # type: ignore[operator]
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["failed_searches"][0]["key"] == "bitcoin"


def test_fail_if_new_gaps(run: object) -> None:
    res = run("--format", "json", "--fail-if-new-gaps")  # type: ignore[operator]
    assert res.exit_code == 1
    assert "3 new failed-search groups in the window: #1 'bitcoin'" in res.stderr
    assert json.loads(res.stdout)["counts"]["new_failed_groups"] == 3  # the report still prints


def test_missing_store(config_path: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(
        gaps,
        ["--config", str(config_path)],
        env={"KB_DATABASE_URL": f"sqlite:///{tmp_path / 'nowhere.sqlite3'}"},
    )
    assert res.exit_code == 1
    assert "no feedback store at" in res.stderr and "kb serve" in res.stderr
    assert not (tmp_path / "nowhere.sqlite3").exists()  # reading never creates a store


def test_unknown_stub_group(run: object) -> None:
    res = run("--stub", "99")  # type: ignore[operator]
    assert res.exit_code == 2
    assert "no failed-search group '99' in the window" in res.stderr


def test_markdown_escapes_what_visitors_typed(
    scenario: Scenario, config_path: Path, site_build: Path
) -> None:
    """A real `kb gaps --format md`, rendered by a real Markdown renderer: rating reasons,
    request subjects and searches typed as markup stay text."""
    import markdown

    res = kb_gaps(scenario.database_url, config_path, site_build, fmt="md")
    assert res.returncode == 0, res.stderr
    assert XSS_REASON in res.stdout.replace("&lt;", "<").replace("&gt;", ">")
    page = Page()
    page.feed(markdown.markdown(res.stdout, extensions=["tables"]))
    assert "script" not in page.tags and "img" not in page.tags
    text = "".join(page.text)
    assert XSS in text and XSS_REASON in text  # shown to the reader as typed
