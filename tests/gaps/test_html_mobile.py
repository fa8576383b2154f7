"""The HTML report as a writer opens it: written by a real `kb gaps` process next to the build,
then read in a real headless Chromium on a 390 px phone and a 1280 px desktop."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_accessibility import axe_script, run_axe
from tests.gaps.conftest import ROOT, Scenario, Visitor, api_client

KB = Path(sys.executable).with_name("kb")
__all__ = ["axe_script"]  # a fixture, used by name below


def write_html(
    database_url: str, config_path: Path, site_build: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """`kb gaps --format html` over the store at ``database_url``, run from an unrelated folder
    with no --output: the page it writes next to a copy of the build."""
    build = tmp_path_factory.mktemp("gapsbuild") / "build"
    shutil.copytree(site_build, build)
    elsewhere = tmp_path_factory.mktemp("cwd")
    res = subprocess.run(
        [
            str(KB),
            "gaps",
            "--config",
            str(config_path),
            "--build-dir",
            str(build),
            "--content",
            str(ROOT / "content"),
            "--since",
            "7d",
            "--format",
            "html",
        ],
        # this checkout's code: without it the venv's kb ran whichever checkout installed it
        env={
            "KB_DATABASE_URL": database_url,
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
        },
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    page = build / "gaps-report.html"
    assert res.stdout.strip() == f"Wrote {page.resolve()}"
    assert page.is_file() and not list(elsewhere.iterdir())  # nothing in the current folder
    return page


@pytest.fixture(scope="module")
def report_page(
    scenario: Scenario,
    config_path: Path,
    site_build: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """The HTML report of the gaps scenario."""
    return write_html(scenario.database_url, config_path, site_build, tmp_path_factory)


@pytest.mark.parametrize("width", [390, 1280])
def test_no_sideways_scroll_and_a_main_landmark(
    browser: Any, report_page: Path, width: int, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    page.goto(report_page.as_uri())
    scroll = page.evaluate("document.documentElement.scrollWidth")
    mains = page.get_by_role("main").count()
    page.screenshot(path=str(tmp_path / f"gaps-{width}.png"), full_page=True)
    context.close()
    assert scroll <= width, f"the page is {scroll} px wide at {width} px"
    assert mains == 1


def test_axe_clean(browser: Any, report_page: Path, axe_script: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(report_page.as_uri())
    page.add_script_tag(path=str(axe_script))
    violations = run_axe(page)
    context.close()
    assert violations == []


# Each table's cells, as a phone 375 px wide shows them: how far its box scrolls sideways (the
# cells out of sight), and the date cells of more than one line ("2026-" / "12-08").
PHONE_LAYOUT = """() => ({
  hidden: [...document.querySelectorAll('.table-wrap')]
    .map((w) => [w.getAttribute('aria-label'), w.scrollWidth - w.clientWidth])
    .filter(([, over]) => over > 0),
  dates: [...document.querySelectorAll('td')]
    .filter((td) => /^\\d{4}-\\d\\d-\\d\\d$/.test(td.textContent.trim()))
    .map((td) => {
      const range = document.createRange();
      range.selectNodeContents(td);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      return [td.textContent.trim(), tops.size];
    }),
})"""


def test_a_phone_sees_every_cell_and_dates_on_one_line(
    browser: Any, report_page: Path, tmp_path: Path
) -> None:
    """At 375 px a table of ten columns scrolled sideways in its box, the queries and the
    action out of sight, and "First seen" broke its date over three lines: each row is now a
    card of "header: value" lines, and a date never breaks."""
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto(report_page.as_uri())
    layout = page.evaluate(PHONE_LAYOUT)
    action = page.locator("#failed-searches td.action").first
    label = action.evaluate("td => getComputedStyle(td, '::before').content")
    page.screenshot(path=str(tmp_path / "gaps-375.png"), full_page=True)
    context.close()
    assert layout["hidden"] == []
    assert layout["dates"] and all(lines == 1 for _, lines in layout["dates"]), layout["dates"]
    assert label == '"Action"'  # each value says which column it is


# Two Scheduling requests sent without reading anything, each subject answered by another
# article: one escalation with two actions, one per article.
SUBJECTS = {
    "Reset my password please": "account/sign-in-and-security/reset-password.md",
    "Shift swap broken": "scheduling/open-shifts-and-swaps.md",
}
ESCALATION_ACTIONS = """() => [...document.querySelectorAll('#escalations tr')]
  .filter((tr) => tr.querySelector('td[data-label="Topic"]')?.textContent === 'Scheduling')
  .map((tr) => [...tr.querySelectorAll('td.action li')].map((li) => ({
    text: li.textContent,
    display: getComputedStyle(li).display,
    list: li.parentElement.tagName,
  })))"""


@pytest.fixture(scope="module")
def escalation_page(
    config_path: Path, site_build: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The HTML report of a store holding the two requests of ``SUBJECTS``."""
    with api_client(tmp_path_factory, "two-actions", site_build, config_path) as (url, client):
        for i, subject in enumerate(SUBJECTS, 1):
            Visitor(client, f"10.7.0.{i}").contact("Scheduling", subject)
        return write_html(url, config_path, site_build, tmp_path_factory)


@pytest.mark.parametrize("width", [375, 1280])
def test_an_escalation_s_actions_read_as_a_numbered_list(
    browser: Any, escalation_page: Path, width: int, tmp_path: Path
) -> None:
    """An escalation's actions, one per article its requests point at, were one paragraph of
    "(1) … (2) …" in their cell, a wall of text on a phone: each is now an item of a list."""
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    page.goto(escalation_page.as_uri())
    (items,) = page.evaluate(ESCALATION_ACTIONS)
    scroll = page.evaluate("document.documentElement.scrollWidth")
    page.locator("#escalations").screenshot(path=str(tmp_path / f"escalations-{width}.png"))
    context.close()
    assert [i["display"] for i in items] == ["list-item", "list-item"]
    assert [i["list"] for i in items] == ["OL", "OL"]
    sources = [next(s for s in SUBJECTS.values() if s in i["text"]) for i in items]
    assert sorted(sources) == sorted(SUBJECTS.values())  # one item per article
    assert all(i["text"].startswith("1 Scheduling request came") for i in items)
    assert not any("(1)" in i["text"] or "(2)" in i["text"] for i in items)
    assert scroll <= width, f"the page is {scroll} px wide at {width} px"


# Every word of every cell outside code, with the number of lines it is drawn on.
BROKEN_WORDS = """() => [...document.querySelectorAll('td')].flatMap((td) => {
  const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => n.parentElement.closest('code') ? NodeFilter.FILTER_REJECT
                                                       : NodeFilter.FILTER_ACCEPT,
  });
  const broken = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const m of node.data.matchAll(/[\\p{L}\\p{N}]+/gu)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  return broken;
})"""


@pytest.mark.parametrize("width", [375, 1280])
def test_no_word_is_broken_across_lines(
    browser: Any, escalation_page: Path, width: int, tmp_path: Path
) -> None:
    """Cells wrapped "anywhere", so on a desktop the Topic column was squeezed to "Sched" over
    "uling" and "invoic" over "es": a cell's words now wrap whole (code may still break)."""
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    page.goto(escalation_page.as_uri())
    broken = page.evaluate(BROKEN_WORDS)
    scroll = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(tmp_path / f"words-{width}.png"), full_page=True)
    context.close()
    assert broken == []
    assert scroll <= width, f"the page is {scroll} px wide at {width} px"
