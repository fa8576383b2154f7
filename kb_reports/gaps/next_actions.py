"""The next actions at the top of a ``kb gaps`` report: which gaps come first, and which are one.

A rule of its own, apart from the report's shapes (``gaps_model``): the text, Markdown and HTML
reports list these lines (``gaps_sections``), the JSON report their sections and ranks
(``gaps_render``).
"""

from __future__ import annotations

from dataclasses import replace

from kb_reports.gaps.model import Action, GapReport
from kb_reports.gaps.one_article import topic_terms

# (the (section, rank) of each gap an action comes from, the action)
NextAction = tuple[tuple[tuple[str, int], ...], Action]


def next_actions(report: GapReport) -> list[NextAction]:
    """What to do first: the top gaps of each section, (the (section, rank) of each gap
    it comes from, action).

    Missing answers come first (failed searches, then escalations), then answers that do
    not work (unhelpful articles, weak searches), then upkeep (stale articles). Within a
    section the ranking is the section's own. Gaps that ask for the same thing (English
    searches on two portals that both want *Pay with bitcoin* written; an escalation asking
    for the article of its failed-search group) are one action, worded as the first, with
    every gap it comes from and all their queries. A failed-search group its searches are
    answered now and a "check" are done: never a next action.
    """
    open_groups = [g for g in report.failed if not g.answered_by]
    picks: list[tuple[str, int, Action | None]] = [
        *(("failed", g.rank, g.action) for g in open_groups[:3]),
        *(("escalations", e.rank, a) for e in report.escalations[:2] for a in e.actions),
        *(("unhelpful", u.rank, u.action) for u in report.unhelpful[:2]),
        *(("weak", w.rank, w.action) for w in report.weak[:2]),
        *(("stale", s.rank, s.action) for s in report.stale[:1]),
    ]
    of_group = {g.key: g.action for g in open_groups[:3] if g.action}
    # an escalation's first action asks what its failed-search group asks; the others are
    # its other requests' subjects, each its own thing to do
    asks = {id(e.action): of_group.get(e.group or "") for e in report.escalations[:2]}
    out: dict[object, NextAction] = {}
    for section, rank, a in picks:
        if a is None or a.kind == "check":
            continue
        group_action = asks.get(id(a)) if section == "escalations" else None
        if group_action is not None and group_action.kind == a.kind == "write":
            a_key = group_action  # "write the article of failed-search group #1"
        else:
            a_key = a
        same: object = (a_key.kind, a_key.title, a_key.article_id, a_key.source, a_key.terms)
        if a_key.kind == "write" and a_key.title:
            # a new article on one topic, titled in other words ("Integrate with Slack" for
            # the searches, "Slack integration" for the requests), or its draft and its
            # translation's: one article to write
            same = ("write", topic_terms(a_key.title))
        if not (a.title or a.article_id or a.source or a.terms):
            same = (section, rank, a.text)  # nothing names what it asks: its own line
        if same not in out:
            out[same] = (((section, rank),), a)
            continue
        gaps, first = out[same]
        if (section, rank) in gaps:  # a topic's request asking what its group asks
            continue
        queries = tuple(dict.fromkeys(first.queries + a.queries))
        out[same] = ((*gaps, (section, rank)), replace(first, queries=queries))
    return list(out.values())
