"""Gaps that ask for one new article on two portals ("bitcoin" on the English one, "payer en
bitcoin" on the French one) are one action, and ``--stub`` writes one article and its
translation, in the folder of the topic its searchers wrote to support under."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kb_reports.gaps.articles import PublishedArticles
from kb_reports.gaps.folders import draft_folder, topic_folder
from kb_reports.gaps.loop import write_stub
from kb_reports.gaps.model import Action, FailedGroup, StubStatus, window_for
from kb_reports.gaps.one_article import join_portals
from kb_reports.gaps.report import GapReport
from kb_reports.gaps.sections import next_action_lines
from kb_reports.gaps.words import quote
from tests.gaps.conftest import ROOT

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _group(rank: int, label: str, title: str, language: str, **fields: Any) -> FailedGroup:
    which = " and its French translation" if language == "fr" else ""
    action = Action("write", f"Write a new article{which}, e.g. {quote(title)}.", title=title)
    base: dict[str, Any] = {
        "previous": 0,
        "searches": 3,
        "visitors": 2,
        "first_seen": NOW,
        "last_seen": NOW,
        "new": True,
        "examples": [],
        "contacted": 0,
        "queries": [(label, 3)],
        "action": action,
        "language": language,
        "portal": language if language != "en" else None,
    }
    return FailedGroup(rank, label, label, **{**base, **fields})


def _report(groups: list[FailedGroup]) -> GapReport:
    return GapReport(NOW, "30d", window_for("30d", NOW), {}, groups, [], [], [], [], [], [], [], {})


@pytest.fixture(scope="module")
def catalog(site_build: Path) -> PublishedArticles:
    return PublishedArticles.load(site_build)


def test_a_french_gap_on_an_english_gap_s_topic_asks_for_its_translation(
    catalog: PublishedArticles,
) -> None:
    """They were two next actions: *Bitcoin*, and *Payer en bitcoin* and its translation
    (two English drafts once stubbed)."""
    english = _group(1, "bitcoin", "Bitcoin", "en")
    french = _group(2, "payer en bitcoin", "Payer en bitcoin", "fr")
    join_portals([english, french], [], "en", catalog)
    assert french.action is not None and french.action.title == "Bitcoin"
    assert french.action.text.startswith("Write “Bitcoin” and its French translation")
    assert english.action is not None and "Translate it into French too" in english.action.text
    [line] = next_action_lines(_report([english, french]))
    assert line.endswith("(failed searches #1, #2)")


@pytest.mark.parametrize(
    ("french_label", "french_title"),
    [
        ("payer par virement", "Payer par virement"),  # "pay" is a word the articles have
        ("annuler bitcoin facture", "Annuler bitcoin facture"),  # two English topics hold it
    ],
)
def test_a_french_gap_sharing_no_topic_stays_its_own(
    catalog: PublishedArticles, french_label: str, french_title: str
) -> None:
    english = _group(1, "pay with bitcoin", "Pay with bitcoin", "en")
    other = _group(3, "bitcoin invoice", "Bitcoin invoice", "en")
    french = _group(2, french_label, french_title, "fr")
    groups = [english, french] if "virement" in french_label else [english, other, french]
    join_portals(groups, [], "en", catalog)
    assert french.action is not None and french.action.title == french_title


@pytest.mark.parametrize(
    ("topic", "folder"),
    [
        ("Billing and invoices", "billing/invoices-and-payments"),
        ("Integrations and API", "integrations"),
        ("Account and sign-in", "account/sign-in-and-security"),
        ("Something else", None),
    ],
)
def test_the_folder_of_a_contact_topic(topic: str, folder: str | None) -> None:
    found = topic_folder(topic, ROOT / "content")
    assert (found.as_posix() if found else None) == folder


def test_a_draft_goes_where_its_searchers_wrote_to_support(catalog: PublishedArticles) -> None:
    """ "Pay with bitcoin" went to time-tracking/: "pay" is in *Approve timesheets* ("pay
    period"), the word-closest article; its searchers wrote under "Billing and invoices"."""
    group = _group(1, "pay with bitcoin", "Pay with bitcoin", "en")
    assert draft_folder(group, ROOT / "content", catalog) == Path("time-tracking")
    group.topics = [("Billing and invoices", 1)]
    assert draft_folder(group, ROOT / "content", catalog) == Path("billing/invoices-and-payments")


def test_a_translation_s_stub_goes_beside_the_drafted_article(
    tmp_path: Path, catalog: PublishedArticles
) -> None:
    """``--stub 1`` then ``--stub 2`` wrote two English drafts on one topic, the second with
    the French id ``payer-en-bitcoin``."""
    english = _group(1, "bitcoin", "Bitcoin", "en", topics=[("Billing and invoices", 1)])
    french = _group(2, "payer en bitcoin", "Payer en bitcoin", "fr")
    join_portals([english, french], [], "en", catalog)
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    [draft] = write_stub(english, content, catalog, default="en")
    assert draft == content / "billing/invoices-and-payments/bitcoin.md"
    stub = StubStatus(
        "billing/invoices-and-payments/bitcoin.md",
        "bitcoin",
        "Bitcoin",
        "bitcoin",
        ["bitcoin"],
        False,
        None,
    )
    written = write_stub(french, content, catalog, default="en", drafts=[stub])
    assert written == [content / "billing/invoices-and-payments/bitcoin.fr.md"]
    assert sorted(p.name for p in content.rglob("*bitcoin*")) == ["bitcoin.fr.md", "bitcoin.md"]


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("drafts/payslip.md", "the draft drafts/payslip.md"),
        (
            "billing/bitcoin.fr.md",
            "the drafts billing/bitcoin.md and its French translation billing/bitcoin.fr.md",
        ),
        (
            "billing/bitcoin.md",
            "the drafts billing/bitcoin.md and its French translation billing/bitcoin.fr.md",
        ),
    ],
)
def test_a_translation_s_draft_is_named_with_its_article_s(path: str, said: str) -> None:
    """After ``--stub 2`` the report said "Finish the draft …payer-en-bitcoin.fr.md" and never
    named the English draft written with it."""
    from kb_reports.gaps.actions import _drafts

    stubs = [
        StubStatus(p, p.split("/")[-1].split(".")[0], "T", "g", [], False, None)
        for p in ("drafts/payslip.md", "billing/bitcoin.md", "billing/bitcoin.fr.md")
    ]
    stub = next(s for s in stubs if s.path == path)
    assert _drafts(stub, stubs) == said


def test_a_french_gap_joins_the_english_gap_sharing_most_of_its_words(
    catalog: PublishedArticles,
) -> None:
    """Through [pay, payer], "payer en bitcoin" says more of *Pay with bitcoin* than of
    *Bitcoin* ("bitcoin" and "crypto payments"): that article's translation."""
    from kb_reports.gaps.grouping import Grouper

    analyse = Grouper([["pay", "payer"]]).analyse
    bitcoin = _group(1, "bitcoin", "Bitcoin", "en")
    pay = _group(2, "pay with bitcoin", "Pay with bitcoin", "en")
    french = _group(3, "payer en bitcoin", "Payer en bitcoin", "fr")
    join_portals([bitcoin, pay, french], [], "en", catalog, analyse)
    assert french.action is not None and french.action.title == "Pay with bitcoin"
    join_portals(
        [bitcoin, pay, (alone := _group(3, "payer en bitcoin", "X", "fr"))], [], "en", catalog
    )
    assert alone.action is not None and alone.action.title == "X"  # without the synonyms: a tie


def test_kb_gaps_stub_writes_one_article_and_its_translation(
    tmp_path_factory: pytest.TempPathFactory, site_build: Path, config_path: Path
) -> None:
    """The reviewer's run, as processes: "bitcoin" on /, "payer en bitcoin" on /fr/, a
    Billing request; ``kb gaps --stub 1`` then ``--stub 2`` wrote ``time-tracking/`` drafts
    of two English articles, and the report named only the French file."""
    from tests.gaps.conftest import Visitor, api_client, kb_gaps

    with api_client(tmp_path_factory, "one-article", site_build, config_path) as (url, client):
        v = [Visitor(client, f"10.9.0.{i}") for i in range(1, 6)]
        for visitor in v[:3]:
            assert visitor.search("bitcoin") == 0
        v[0].contact("Billing and invoices", "Can I pay with bitcoin?")
        for visitor in v[3:]:
            visitor.search("payer en bitcoin", "fr")
    content = tmp_path_factory.mktemp("one-article-content") / "content"
    shutil.copytree(ROOT / "content", content)
    for rank in ("1", "2"):
        res = kb_gaps(url, config_path, site_build, "--content", str(content), "--stub", rank)
        assert res.returncode == 0, res.stderr
    assert sorted(p.relative_to(content).as_posix() for p in content.rglob("*bitcoin*")) == [
        "billing/invoices-and-payments/bitcoin.fr.md",
        "billing/invoices-and-payments/bitcoin.md",
    ]
    # the other way round: the translation's first, then its English group finds its draft
    other = tmp_path_factory.mktemp("one-article-other") / "content"
    shutil.copytree(ROOT / "content", other)
    first = kb_gaps(url, config_path, site_build, "--content", str(other), "--stub", "2")
    assert first.returncode == 0, first.stderr
    again = kb_gaps(url, config_path, site_build, "--content", str(other), "--stub", "1")
    assert again.returncode == 1 and "already has a draft" in again.stderr
    assert sorted(p.relative_to(other).as_posix() for p in other.rglob("*bitcoin*")) == [
        "billing/invoices-and-payments/bitcoin.fr.md",
        "billing/invoices-and-payments/bitcoin.md",
    ]
    res = kb_gaps(url, config_path, site_build, "--content", str(content), fmt="text")
    assert res.returncode == 0, res.stderr
    text = " ".join(res.stdout.split())
    assert (
        "Finish the drafts billing/invoices-and-payments/bitcoin.md and its French translation "
        "billing/invoices-and-payments/bitcoin.fr.md (still a draft); it answers “bitcoin”. "
        "(failed searches #1, #2, escalation #1)"
    ) in text
