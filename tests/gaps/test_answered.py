"""A failed-search group the current build answers (rule "answered now"): after its searches
failed, a writer published an article that answers them and rebuilt. The report must not ask
for that article again, in any format: the group asks to check the article, the escalation of
its searchers too, and neither is a next action. Real API on the example build (where the
searches fail), a real rebuild of the example with the two new articles, ``kb gaps`` as a
process over it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kb_builder.build import build_site
from kb_core.config import SiteConfig
from tests.conftest import TODAY
from tests.gaps.conftest import ROOT, Visitor, api_client, kb_gaps

BADGE = """---
title: Use a badge reader
summary: Connect a badge reader to a Tandem kiosk so employees clock in by tapping a badge.
tags: [time-tracking]
keywords: [badge, badge reader, rfid]
owner: time-tracking-team
---

A badge reader lets employees clock in and out by tapping a badge on the kiosk tablet.

## Connect the badge reader

Plug the reader into the kiosk tablet, then turn on **Badge sign-in** in the kiosk settings.
"""
REFUNDS_FR = """---
title: Obtenir un remboursement
summary: Quand Tandem rembourse un paiement, et comment demander un remboursement.
keywords: [remboursement, être remboursé]
---

Tandem rembourse les offres annuelles annulées dans les **30 jours** suivant le paiement.

## Demander un remboursement

Ouvrez **Paramètres › Facturation › Factures** et choisissez **Demander un remboursement**.
"""
# (query, portal, searches): none is answered on the example as shipped
SEARCHES = [
    ("badge reader", None, 3),
    ("comment obtenir un remboursement", "fr", 3),
    ("pay with bitcoin", None, 3),  # still unanswered: still a next action
    ("asdfgh", None, 2),  # noise
    ("fuseau horaire", "fr", 1),  # one topic, said two ways: "de" is no topic word
    ("changer de fuseau horaire", "fr", 1),
]


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory, config: SiteConfig) -> tuple[Path, Path]:
    """The example's content with the two articles added, built: (content, build)."""
    root = tmp_path_factory.mktemp("answered")
    content = root / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "hardware").mkdir()
    (content / "hardware" / "badge-reader.md").write_text(BADGE, encoding="utf-8")
    refunds = content / "billing" / "invoices-and-payments" / "refunds.fr.md"
    refunds.write_text(REFUNDS_FR, encoding="utf-8")
    build_site(content, config, root / "build", today=TODAY)
    return content, root / "build"


@pytest.fixture(scope="module")
def store(
    tmp_path_factory: pytest.TempPathFactory, site_build: Path, config_path: Path
) -> Iterator[str]:
    with api_client(tmp_path_factory, "answered-store", site_build, config_path) as (url, client):
        n = 0
        for q, lang, times in SEARCHES:
            for _ in range(times):
                n += 1
                reply = Visitor(client, f"10.7.0.{n}").reply(q, lang)
                assert reply["answered"] is False, q  # found nothing, or nothing confident
        badge = Visitor(client, "10.7.1.1")  # found nothing, then wrote to support
        assert badge.search("badge reader") == 0
        badge.contact("Time tracking and timesheets", "Tap to clock in")
        yield url


def report(store: str, config_path: Path, rebuilt: tuple[Path, Path], fmt: str) -> str:
    content, build = rebuilt
    res = kb_gaps(store, config_path, build, "--content", str(content), fmt=fmt)
    assert res.returncode == 0, res.stderr
    return res.stdout


@pytest.fixture(scope="module")
def data(store: str, config_path: Path, rebuilt: tuple[Path, Path]) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(report(store, config_path, rebuilt, "json"))
    return found


def group(data: dict[str, Any], query: str) -> dict[str, Any]:
    [g] = [g for g in data["failed_searches"] if any(q == query for q, _ in g["queries"])]
    return g


@pytest.mark.parametrize(
    ("query", "title", "source"),
    [
        ("badge reader", "Use a badge reader", "hardware/badge-reader.md"),
        (
            "comment obtenir un remboursement",
            "Obtenir un remboursement",
            "billing/invoices-and-payments/refunds.fr.md",
        ),
    ],
)
def test_answered_group_asks_to_check(
    data: dict[str, Any], query: str, title: str, source: str
) -> None:
    g = group(data, query)
    assert (g["loop"]["checked"], g["loop"]["found"]) == (1, 1)
    assert g["answered_by"] == title
    assert g["action"]["kind"] == "check" and g["action"]["source"] == source
    assert g["action"]["text"] == (
        f"Now answered by “{title}” ({source}): check it answers “{query}”."
    )
    assert all(
        g["rank"] not in a["ranks"] for a in data["next_actions"] if a["section"] == "failed"
    )


def test_answered_escalation_asks_to_check(data: dict[str, Any]) -> None:
    badge = group(data, "badge reader")
    [e] = [e for e in data["escalations"] if e["topic"] == "Time tracking and timesheets"]
    assert e["group"] == badge["key"] and e["action"]["kind"] == "check"
    assert e["action"]["text"] == (
        "1 Time tracking and timesheets request came after searches that found nothing "
        f"(failed-search group #{badge['rank']}), now answered by “Use a badge reader”: "
        "check it answers what they asked."
    )
    # what is still unanswered; nothing asks for the answered articles, nor to check them
    titles = [(a["action"]["kind"], a["action"]["title"]) for a in data["next_actions"]]
    assert titles == [("write", "Pay with bitcoin"), ("write", "Fuseau horaire")]
    assert data["counts"]["answered_now"] == 2


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_answered_in_every_format(
    store: str, config_path: Path, rebuilt: tuple[Path, Path], fmt: str
) -> None:
    out = report(store, config_path, rebuilt, fmt)
    if fmt == "html":
        out = (rebuilt[1] / "gaps-report.html").read_text(encoding="utf-8")
    assert "Now answered by “Use a badge reader” (hardware/badge-reader.md)" in out
    assert "Badge reader" not in out.replace("“Badge reader”", "")  # no title proposed
    assert "Obtenir un remboursement”, that answers" not in out
    assert "2 answered now" in out


def test_languages_table_leaves_noise_out(data: dict[str, Any]) -> None:
    """As the groups do (a note says so): "asdfgh" is no failed query to read about."""
    [en] = [x for x in data["languages"] if x["language"] == "en"]
    assert en["failed_searches"] == 9  # every search counts, as in the totals
    assert "asdfgh" not in {q for q, _ in en["failed_queries"]}
    assert [q for q, _ in en["failed_queries"]] == [
        "badge reader",
        "pay with bitcoin",
    ]


def test_french_topic_said_two_ways_is_one_group(data: dict[str, Any]) -> None:
    """French searches are read with French stop words and stemmer: "changer de fuseau
    horaire" is "fuseau horaire" with a verb, not a topic of its own."""
    g = group(data, "fuseau horaire")
    assert g["portal"] == "fr" and g["searches"] == 2
    assert {q for q, _ in g["queries"]} == {"fuseau horaire", "changer de fuseau horaire"}


def test_no_stub_for_an_answered_group(
    store: str, config_path: Path, rebuilt: tuple[Path, Path], data: dict[str, Any]
) -> None:
    badge = group(data, "badge reader")
    content, build = rebuilt
    res = kb_gaps(store, config_path, build, "--content", str(content), "--stub", badge["key"])
    assert res.returncode == 1
    assert res.stderr == (
        f"Error: group {badge['key']!r} is answered now by “Use a badge reader”: no draft "
        "written; check that article answers its searches\n"
    )
    assert not list(content.rglob("badge-reader-*.md")) and not (content / "drafts").exists()


def test_fail_if_new_gaps_passes_over_the_groups_answered_now(
    store: str, config_path: Path, rebuilt: tuple[Path, Path]
) -> None:
    """The pull request that adds their articles passes the check that asked for them: only
    the groups still open fail it ("pay with bitcoin", "fuseau horaire")."""
    content, build = rebuilt
    res = kb_gaps(
        store, config_path, build, "--content", str(content), "--fail-if-new-gaps", fmt="json"
    )
    assert res.returncode == 1
    failing = res.stderr.strip().splitlines()[-1]
    assert failing.startswith("2 new failed-search groups in the window: "), failing
    assert "bitcoin" in failing and "fuseau horaire" in failing
    assert "badge" not in failing and "remboursement" not in failing
    listed = json.loads(res.stdout)["new_failed_groups"]
    assert len(listed) == 2 and not any("badge" in key for key in listed)
