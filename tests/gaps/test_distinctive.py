"""A one-word failed search joins the group of the longer failed searches it is the
distinctive word of ("bitcoin" and "pay with bitcoin": one topic, both counted), unless two
topics hold that word ("bitcoin refund" too) or it is a word the articles have ("pay").
The word pass alone (``Grouper``), then ``kb gaps``' report on the real API, store and build."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedback_api import shutdown
from kb_core.config import SiteConfig
from kb_reports.gaps.grouping import Grouper
from kb_reports.gaps.report import build_report
from kb_reports.gaps.topic import Topic
from tests.apps import BufferedClient
from tests.gaps.conftest import ROOT, Visitor, api_app

# words the articles have: what a failed search's distinctive word is not
KNOWN = ("pay", "payment", "refund", "card", "subscription", "cancel")


def groups(counts: dict[str, int]) -> list[tuple[str, tuple[str, ...], int]]:
    """(label, queries in order, searches) of each group, by words alone."""
    grouping = Grouper(known_words=KNOWN, topic=Topic()).group(counts)
    return [(g.label, g.queries, g.count) for g in grouping.groups]


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        pytest.param(
            {"bitcoin": 2, "pay with bitcoin": 3},
            [("pay with bitcoin", ("pay with bitcoin", "bitcoin"), 5)],
            id="the-word-joins-the-longer-search",
        ),
        pytest.param(
            {"bitcoin": 4, "how do i pay with bitcoin": 2},
            [("how do i pay with bitcoin", ("how do i pay with bitcoin", "bitcoin"), 6)],
            id="the-longer-search-names-the-topic-however-often-the-word-is-searched",
        ),
        pytest.param(
            {"bitcoin": 2, "bitcoin refund": 3, "pay with bitcoin": 3},
            [
                ("pay with bitcoin", ("pay with bitcoin",), 3),
                ("bitcoin refund", ("bitcoin refund",), 3),
                ("bitcoin", ("bitcoin",), 2),
            ],
            id="two-topics-hold-the-word-it-stays-apart",
        ),
        pytest.param(
            {"pay": 2, "pay with bitcoin": 3},
            [("pay with bitcoin", ("pay with bitcoin",), 3), ("pay", ("pay",), 2)],
            id="a-word-of-the-articles-is-not-distinctive",
        ),
        pytest.param(
            {"bitcoin": 2, "can't pay with bitcoin": 3},
            [
                ("can't pay with bitcoin", ("can't pay with bitcoin",), 3),
                ("bitcoin", ("bitcoin",), 2),
            ],
            id="a-problem-is-not-the-word-s-how-to",
        ),
    ],
)
def test_a_one_word_search_joins_the_one_longer_topic_it_is_the_distinctive_word_of(
    counts: dict[str, int], expected: list[tuple[str, tuple[str, ...], int]]
) -> None:
    assert groups(counts) == expected


# failed searches the example KB has no article for, around the ones looked at: with these,
# meaning left "bitcoin" and "how do I pay with bitcoin" two groups
BACKGROUND = [
    *("dark theme", "dark mode", "payslip", "pto accrual", "ios widget", "cancel my order pls"),
    *("gift card", "company logo", "deactivate", "quickbooks desktop", "face id", "w2 form"),
    *("language settings", "mileage tracking", "zapier not syncing", "tip pooling"),
    *("referral program", "tips report", "slack", "timecard", "paternity"),
]


def _report(
    searches: dict[str, int],
    tmp_path: Path,
    site_build: Path,
    config_path: Path,
    config: SiteConfig,
) -> list[tuple[str, list[tuple[str, int]], int, str | None]]:
    """Each failed-search group of ``kb gaps``' report on a store that the API filled with
    ``searches`` (each by a visitor of its own): label, queries, searches, title to write."""
    url = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    app = api_app(url, site_build, config_path)
    app.test_client_class = BufferedClient
    client = app.test_client()
    n = 0
    try:
        for q, times in {**dict.fromkeys(BACKGROUND, 2), **searches}.items():
            for _ in range(times):
                n += 1
                Visitor(client, f"10.7.{n // 250}.{n % 250}").search(q)
    finally:
        shutdown(app)
    report = build_report(
        config, database_url=url, build_dir=site_build, content_dir=ROOT / "content", since="7d"
    )
    return [
        (g.label, g.queries, g.searches, g.action.title if g.action else None)
        for g in report.failed_all
        if any("bitcoin" in q for q, _ in g.queries)
    ]


def test_kb_gaps_lists_bitcoin_under_pay_with_bitcoin(
    tmp_path: Path, site_build: Path, config_path: Path, config: SiteConfig
) -> None:
    """On the example, "bitcoin" and "how do I pay with bitcoin" were two gaps, "Bitcoin"
    first; a writer wants one article, "Pay with bitcoin", for both."""
    searches = {"bitcoin": 4, "how do I pay with bitcoin": 3}
    assert _report(searches, tmp_path, site_build, config_path, config) == [
        (
            "how do i pay with bitcoin",
            [("how do i pay with bitcoin", 3), ("bitcoin", 4)],
            7,
            "Pay with bitcoin",
        )
    ]


def test_kb_gaps_keeps_a_word_of_two_topics_apart(
    tmp_path: Path, site_build: Path, config_path: Path, config: SiteConfig
) -> None:
    """ "bitcoin invoice" holds "bitcoin" too: which topic it belongs to is not known."""
    searches = {"bitcoin": 4, "how do I pay with bitcoin": 3, "bitcoin invoice": 3}
    found = _report(searches, tmp_path, site_build, config_path, config)
    pay = [queries for label, queries, _, _ in found if label == "how do i pay with bitcoin"]
    assert pay == [[("how do i pay with bitcoin", 3)]]
    assert sum(n for _, _, n, _ in found) == 10  # every search listed, "bitcoin" apart
