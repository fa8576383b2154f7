"""The escalations' advice counts each kind of request it names, in the number its count takes
("1 … request", "2 … requests"; kb_reports.gaps.escalations)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kb_reports.gaps.escalations import escalation_topics
from kb_reports.gaps.words import Vocabulary
from kb_store.reports import ContactRow

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)


def _request(i: int, searches: list[dict[str, Any]]) -> ContactRow:
    context = {"searches": searches, "viewed": [], "viewed_articles": []}
    return ContactRow(i, NOW, f"v{i}", "Integrations and API", f"Subject {i}", context)


def test_the_action_counts_only_the_requests_after_a_failed_search() -> None:
    # one request after a search with no exact match, four that neither read nor searched:
    # "5 request(s) came after searches that found nothing" overstated it fivefold
    unanswered = {"q": "slack integration", "hits": 8, "answered": False}
    rows = [_request(1, [unanswered]), *(_request(i, []) for i in range(2, 6))]
    [topic] = escalation_topics(rows, [], None, Vocabulary(["slack", "integration"]))
    assert (topic.without_self_service, topic.found_nothing, topic.read_nothing) == (5, 1, 5)
    assert topic.action.text == (
        "Write an article answering “slack integration”: 1 Integrations and API request "
        "came after searches that found nothing, 4 more without reading any article."
    )


def test_requests_all_after_failed_searches_say_nothing_more() -> None:
    rows = [_request(i, [{"q": "slack integration", "hits": 0}]) for i in (1, 2)]
    [topic] = escalation_topics(rows, [], None, Vocabulary(["slack", "integration"]))
    assert topic.action.text == (
        "Write an article answering “slack integration”: 2 Integrations and API requests "
        "came after searches that found nothing."
    )
