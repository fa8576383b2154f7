"""Which gaps make the next actions at the top of ``kb gaps``, and which are joined."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kb_reports.gaps.model import Action, EscalationTopic, FailedGroup, GapReport, window_for
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


def report(*escalations: EscalationTopic, failed: list[FailedGroup] | None = None) -> GapReport:
    return GapReport(
        generated_at=NOW,
        since="30d",
        window=window_for("30d", NOW),
        totals={},
        failed=failed or [],
        weak=[],
        unhelpful=[],
        escalations=list(escalations),
        stale=[],
        stubs=[],
        daily=[],
        category_helpfulness=[],
        counts={},
    )


def failed_group(
    key: str, label: str, searches: int, action: Action, contacted: int = 0
) -> FailedGroup:
    """Failed-search group #1, new since yesterday: ``searches`` searches of ``label`` by as
    many visitors, ``contacted`` of whom then wrote to support."""
    return FailedGroup(
        1,
        key,
        label,
        searches,
        0,
        searches,
        NOW - timedelta(days=1),
        NOW,
        True,
        [(label, searches)],
        [],
        contacted,
        action,
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


def test_an_escalation_s_other_subjects_are_not_its_group_s_article() -> None:
    """A topic after failed searches asks for their group's article first, then for what its
    other requests' subjects need: those were joined with the group's article too ("(failed
    search #1, escalations #1, #1, #1)"), and the articles they asked for were never listed."""
    bitcoin = Action("write", "Write a new article, e.g. “Bitcoin”.", title="Bitcoin")
    group = failed_group("bitcoin", "bitcoin", 3, bitcoin, contacted=1)
    first = Action("write", "Write an article answering “bitcoin” (…).", title="Bitcoin")
    devis = Action("write", "… “Devis pour 200 salariés” …", title="Devis pour 200 salariés")
    e = EscalationTopic(
        1, "Billing", 3, 3, 3, 1, [("bitcoin", 1)], ["Devis"], first, [first, devis], "bitcoin"
    )
    lines = next_action_lines(report(e, failed=[group]))
    assert lines == [
        "Write a new article, e.g. “Bitcoin”. (failed search #1, escalation #1)",
        "… “Devis pour 200 salariés” … (escalation #1)",
    ]


def test_a_search_and_a_request_asking_for_one_article_in_other_words_are_one_line() -> None:
    """The searches "do you integrate with Slack" want *Integrate with Slack*, the requests
    "Do you have a Slack integration" *Slack integration*: one article to write, and one line
    (they were two, the README promising matching actions join)."""
    slack = Action(
        "write", "Write a new article, e.g. “Integrate with Slack”.", title="Integrate with Slack"
    )
    group = failed_group("integr slack", "do you integrate with slack", 2, slack)
    asked = Action(
        "write", "… e.g. “Slack integration”, that answers it.", title="Slack integration"
    )
    other = Action("write", "… e.g. “Slack pricing”, that answers it.", title="Slack pricing")
    e = EscalationTopic(1, "Integrations and API", 3, 3, 3, 0, [], ["Slack"], asked, [asked, other])
    lines = next_action_lines(report(e, failed=[group]))
    assert lines == [
        "Write a new article, e.g. “Integrate with Slack”. (failed search #1, escalation #1)",
        "… e.g. “Slack pricing”, that answers it. (escalation #1)",
    ]
