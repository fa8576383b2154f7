"""Gap advice a writer can act on: the hand-checked situations of ``advice_cases.yml``, each
played through the real API into a real SQLite store, each with its exact expected action;
then ``kb gaps`` as a real process on that store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb_core.config import SiteConfig
from kb_reports.gaps.report import GapReport, build_report
from tests.gaps.advice import Case, advised, load_cases, play
from tests.gaps.conftest import ROOT, api_client, kb_gaps

CASES = load_cases()


@pytest.fixture(scope="module")
def store(
    tmp_path_factory: pytest.TempPathFactory, site_build: Path, config_path: Path
) -> Iterator[str]:
    with api_client(tmp_path_factory, "advice", site_build, config_path) as (url, client):
        play(client, CASES)
        yield url


@pytest.fixture(scope="module")
def report(store: str, config: SiteConfig, site_build: Path) -> GapReport:
    return build_report(
        config,
        database_url=store,
        build_dir=site_build,
        content_dir=ROOT / "content",
        since="7d",
        limit=1000,
    )


def test_enough_situations() -> None:
    assert len(CASES) >= 25
    assert {c.split for c in CASES} == {"train", "test"}
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_advice(report: GapReport, case: Case) -> None:
    assert advised(report, case) == case.expect


def test_no_bad_advice_anywhere(report: GapReport) -> None:
    texts = [g.action.text for g in [*report.failed, *report.weak] if g.action]
    texts += [e.action.text for e in report.escalations]
    joined = "\n".join(texts)
    for bad in ("Zzqqxx", "Refnd", "\u201cRefnd\u201d", "[them, theme]", "Asdfgh"):
        assert bad not in joined
    assert any("noise" in n and "zzqqxx" in n for n in report.notes)


def test_kb_gaps_process(store: str, config_path: Path, site_build: Path) -> None:
    res = kb_gaps(store, config_path, site_build, "--limit", "100")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    weak = {w["label"]: w["action"] for w in data["weak_searches"]}
    assert weak["refnd"]["kind"] == "improve" and weak["refnd"]["article_id"] == "refunds"
    assert "search corrects it to \u201crefund\u201d" in weak["refnd"]["text"]
    failed = {f["label"]: f["action"] for f in data["failed_searches"]}
    assert failed["dark mode"]["title"] == "Dark mode"  # "dark theme" is in its group
    assert "zzqqxx" not in failed


def test_a_new_article_is_titled_as_the_visitor_typed_it() -> None:
    """The log keeps a query normalised ("cant"); the advice quotes and titles it as typed."""
    from kb_reports.gaps.actions import _write

    logged = "my boss cant see my hours"
    action = _write(logged, [logged], None, ["My boss can't see my hours?"])
    assert action.title == "My boss can't see my hours"
    assert action.text == (
        "Write a new article, e.g. “My boss can't see my hours”, that answers "
        "“My boss can't see my hours?”."
    )
    assert _write(logged, [logged]).title == "My boss cant see my hours"  # nothing typed kept


def test_weak_search_advice_never_asks_for_words_the_article_already_shows(
    report: GapReport,
) -> None:
    """An article whose title already says what was searched is not made "recognisable" by
    the searched words: a typo corrected by search gets the word as typed as a keyword; an
    exact match gets its summary checked."""
    weak = {w.label: w.action for w in report.weak if w.action}
    typo = weak["passwrd"]
    assert (typo.kind, typo.terms) == ("add-keyword", ("passwrd",))
    assert typo.text.startswith("Add \u201cpasswrd\u201d, as searchers typed it, to the keywords")
    exact = weak["publish a schedule"]
    assert exact.kind == "improve" and "Check the summary of" in exact.text
