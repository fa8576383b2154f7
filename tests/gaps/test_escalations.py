"""The escalations' advice counts each kind of request it names, in the number its count takes
("1 … request", "2 … requests"; kb_reports.gaps.escalations)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from kb_reports.gaps.escalations import escalation_topics
from kb_reports.gaps.model import Action, EscalationTopic, FailedGroup
from kb_reports.gaps.report import _as_their_group
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


def test_an_escalation_asks_what_its_failed_search_group_asks() -> None:
    """A group whose fix is a keyword (or a synonym, a translation) is no new article: the
    escalation of its searchers said "Write an article answering 'payg'" beside it."""
    keyword = Action(
        "add-keyword",
        "Add \u201cpayg\u201d to the keywords of \u201cPlans and pricing\u201d.",
        article_id="plans-and-pricing",
        terms=("payg",),
    )
    group = FailedGroup(
        rank=2,
        key="payg",
        label="payg",
        searches=3,
        previous=0,
        visitors=3,
        first_seen=datetime(2026, 1, 1, tzinfo=UTC),
        last_seen=None,
        new=True,
        queries=[("payg", 3)],
        examples=[],
        contacted=1,
        action=keyword,
    )
    written = Action("write", "Write an article answering \u201cpayg\u201d (…).", title="Payg")
    escalation = EscalationTopic(
        rank=1,
        topic="Billing",
        requests=1,
        without_self_service=1,
        read_nothing=1,
        found_nothing=1,
        failed_queries=[("payg", 1)],
        subjects=["payg?"],
        action=written,
        group="payg",
    )
    # another request's subject, searched again, with its own fix: it stays
    subject = Action("write", "… \u201cSlack integration\u201d …", title="Slack integration")
    escalation.actions = [written, subject]
    other = replace(escalation, group="bitcoin", action=written, actions=[written])
    _as_their_group([group], [escalation, other])
    assert escalation.action.kind == "add-keyword"
    assert escalation.actions == [escalation.action, subject]
    assert escalation.action.article_id == "plans-and-pricing"
    assert escalation.action.text == (
        "1 Billing request came after searches that found nothing (failed-search group #2): "
        "Add \u201cpayg\u201d to the keywords of \u201cPlans and pricing\u201d."
    )
    assert other.action is written  # its group is not listed: as it was
