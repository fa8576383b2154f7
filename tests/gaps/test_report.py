"""The report over a store filled through the real API: every section, as the scenario in
conftest.py predicts it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kb_core.config import SiteConfig
from kb_reports.gaps.report import GapReport, build_report
from tests.gaps.conftest import XSS, XSS_SEARCH, Scenario


@pytest.fixture(scope="module")
def report(scenario: Scenario, config: SiteConfig, site_build: Path) -> GapReport:
    return build_report(
        config,
        database_url=scenario.database_url,
        build_dir=site_build,
        content_dir=Path(__file__).resolve().parents[2] / "content",
        since="7d",
        now=datetime.now(UTC) + timedelta(minutes=1),
    )


def test_failed_searches_are_grouped_and_ranked(report: GapReport) -> None:
    groups = [(g.key, sorted(q for q, _ in g.queries), g.searches) for g in report.failed]
    assert groups == [
        ("bitcoin", ["bitcion", "bitcoin", "bitcoins", "btc", "crypto"], 6),
        ("payslip", ["payslip", "payslips"], 3),
        ("script", ["script"], 2),
    ]
    assert report.counts["failed_searches"] == 3  # "slack", searched once, is left out
    # ... and said to be: a writer sees that it was searched, and why it is not listed
    (rare,) = [n for n in report.notes if "not listed" in n]
    assert rare == (
        "1 failed search on topics seen only once is not listed (gaps.min_searches 2): "
        "\u201cslack\u201d"
    )


def test_failed_group_evidence(report: GapReport) -> None:
    g = report.failed[0]
    assert (g.rank, g.label, g.visitors, g.contacted) == (1, "bitcoin", 4, 1)
    assert g.new and g.trend == "new" and g.previous == 0
    assert g.first_seen <= g.last_seen  # type: ignore[operator]
    # spellings as typed, at most five, most typed first (all typed once here)
    assert g.examples == ["Bitcoin", "bitcion", "bitcoin", "bitcoins", "btc"]
    assert g.read_after == [("update-payment-method", 2)]
    assert g.loop is not None and (g.loop.checked, g.loop.found) == (3, 0)


def test_actions(report: GapReport) -> None:
    bitcoin, payslip, script = report.failed
    # two of the four visitors read "Update your payment method" after finding nothing, but
    # that article is not about bitcoin: the gap is a new article, not a keyword
    assert bitcoin.action is not None and bitcoin.action.kind == "write"
    assert bitcoin.action.title == "Bitcoin" and bitcoin.action.article_id is None
    assert bitcoin.action.queries[0] == "bitcoin"
    assert payslip.action is not None and payslip.action.kind == "write"
    assert payslip.action.title == "Payslip"
    assert payslip.action.queries == ("payslip", "payslips")
    assert script.action is not None


def test_weak_searches(report: GapReport) -> None:
    weak = {w.label: w for w in report.weak}
    xss = weak["refund policy script alert 1 script"]
    assert xss.searches == 5 and xss.clicks == 0 and xss.visitors == 5
    assert "results never clicked" in xss.reason
    assert XSS_SEARCH in xss.examples
    assert "refund" not in weak  # clicked


def test_unhelpful_articles(report: GapReport, scenario: Scenario) -> None:
    [u] = report.unhelpful
    assert u.article.id == "refunds"
    assert (u.votes, round(u.helpful, 2)) == (7, 0.57)  # the window's votes, both revisions
    assert (u.current_votes, u.current_helpful) == (4, 0.25)
    assert u.change == "worse after the last revision (100% -> 25%)"
    assert u.reasons[0] == ("It's out of date", 2)
    assert (
        u.action.kind == "rewrite" and u.action.source == "billing/invoices-and-payments/refunds.md"
    )
    # judged on the revision now published, which has enough ratings of its own
    assert "25% of 4 ratings of the current revision found it helpful" in u.action.text


def test_escalations_without_self_service(report: GapReport) -> None:
    topics = {e.topic: e for e in report.escalations}
    assert set(topics) == {"Billing and invoices", "Scheduling"}
    billing = topics["Billing and invoices"]
    # v1 searched and found nothing; v10 clicked and read an article first: not counted
    assert (billing.requests, billing.without_self_service, billing.found_nothing) == (2, 1, 1)
    assert [q for q, _ in billing.failed_queries] == ["bitcoin", "bitcoins"]
    assert "failed-search group #1" in billing.action.text
    scheduling = topics["Scheduling"]
    assert (scheduling.requests, scheduling.read_nothing, scheduling.found_nothing) == (2, 2, 0)
    assert XSS in scheduling.subjects


def test_stale_articles(report: GapReport) -> None:
    # the shipped example's review dates lie ahead (a first build is clean): none is stale
    # today, and the stale section says so rather than inventing one
    today = report.generated_at.date()
    catalog = report.catalog
    assert catalog is not None
    overdue = {a.id for a in catalog.articles.values() if a.review_by and a.review_by < today}
    assert {s.stale.article.id for s in report.stale} >= overdue
    assert all(s.action.kind == "review" for s in report.stale)


def test_totals_and_charts_data(report: GapReport) -> None:
    assert report.totals["searches"] >= 17
    assert report.totals["failed_searches"] == 12
    assert report.totals["contact_requests"] == 4
    assert report.index_available
    assert sum(d.failed for d in report.daily) == 12
    assert report.category_helpfulness[0][0] == "Billing"


def test_since_all_has_no_trend(scenario: Scenario, config: SiteConfig, site_build: Path) -> None:
    r = build_report(
        config,
        database_url=scenario.database_url,
        build_dir=site_build,
        content_dir=site_build / "none",
        since="all",
        check_index=False,
    )
    assert [g.key for g in r.failed] == ["bitcoin", "payslip", "script"]
    assert all(g.previous is None and g.trend == "" for g in r.failed)
    assert r.failed[0].loop is None
