"""Which gaps make the next actions at the top of ``kb gaps``, and which are joined."""

from __future__ import annotations

from datetime import UTC, datetime

from kb_reports.gaps.model import Action, EscalationTopic, GapReport, window_for
from kb_reports.gaps.sections import next_action_lines

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def escalation(rank: int, topic: str) -> EscalationTopic:
    """A topic whose requests read nothing, and that search answers with no article."""
    action = Action(
        "write",
        f"2 {topic} requests came without reading any article: write or link the article for "
        "the most asked questions.",
    )
    return EscalationTopic(rank, topic, 2, 2, 2, 0, [], ["Help"], action)


def report(*escalations: EscalationTopic) -> GapReport:
    return GapReport(
        generated_at=NOW,
        since="30d",
        window=window_for("30d", NOW),
        totals={},
        failed=[],
        weak=[],
        unhelpful=[],
        escalations=list(escalations),
        stale=[],
        stubs=[],
        daily=[],
        category_helpfulness=[],
        counts={},
    )


def test_actions_naming_nothing_are_never_joined() -> None:
    """Two topics' "write or link the article" name no article and no title: they ask for
    different things, so each keeps its line (they were one line, the second topic lost)."""
    lines = next_action_lines(report(escalation(1, "Billing"), escalation(2, "Scheduling")))
    assert lines == [
        "2 Billing requests came without reading any article: write or link the article for "
        "the most asked questions. (escalation #1)",
        "2 Scheduling requests came without reading any article: write or link the article "
        "for the most asked questions. (escalation #2)",
    ]
