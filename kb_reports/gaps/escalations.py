"""Escalations for ``kb gaps``: contact requests sent without self-service, by topic.

A request counts when its sender read no article, or searched and found nothing, before
writing; the portal records both in the request's context (the visitor's session), so no
pass over the search log is needed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kb_core.search.person import asks_for_person
from kb_reports.gaps.actions import EXAMPLES, quote
from kb_reports.gaps.grouping import Grouping
from kb_reports.gaps.model import Action, EscalationTopic, FailedGroup
from kb_reports.gaps.terms import words_of
from kb_reports.gaps.words import Vocabulary, readable_title
from kb_store.reports import ContactRow

__all__ = ["answered", "escalation_topics", "plain_query", "searched_before"]


@dataclass
class _Topic:
    requests: int = 0
    read_nothing: int = 0
    found_nothing: int = 0
    queries: Counter[str] = field(default_factory=Counter)
    subjects: list[str] = field(default_factory=list)


def answered(item: dict[str, Any]) -> bool:
    """Whether a search a contact request's context lists found a confident answer: an
    unanswered one (``answered: false``) counts as finding nothing, like the log's rows."""
    hits = item.get("hits")
    return isinstance(hits, int) and hits > 0 and item.get("answered") is not False


def plain_query(query: str) -> str:
    """A query as its lower-case words: context (as typed) and log (normalised) agree."""
    return " ".join(words_of(query))


def searched_before(c: ContactRow) -> list[tuple[str, bool]]:
    """(plain query, found a confident answer) of each search a contact request's context
    lists, in order; a search that asked for a person ("talk to a human") is left out: it was
    offered the form, so it neither found nothing nor found an article (as in the log)."""
    return [
        (plain_query(item["q"]), answered(item))
        for item in c.context.get("searches") or ()
        if isinstance(item, dict)
        and isinstance(item.get("q"), str)
        and not asks_for_person(item["q"], c.language or "en")
    ]


def escalation_topics(
    contact_rows: Sequence[ContactRow],
    failed: Sequence[FailedGroup],
    grouping: Grouping | None,
    vocab: Vocabulary,
) -> list[EscalationTopic]:
    """Contact requests sent without reading anything, or after finding nothing, by topic;
    ``grouping`` (of the failed searches) names the group a topic's top search is in."""
    topics: dict[str, _Topic] = {}
    total: Counter[str] = Counter()
    for c in contact_rows:
        topic = c.topic or "(no topic)"
        total[topic] += 1
        read = bool(c.context.get("viewed") or c.context.get("viewed_articles"))
        searched = [(q, int(found)) for q, found in searched_before(c)]
        found_nothing = bool(searched) and all(h == 0 for _, h in searched)
        if read and not found_nothing:
            continue
        t = topics.setdefault(topic, _Topic())
        t.requests += 1
        t.read_nothing += not read
        t.found_nothing += found_nothing
        t.queries.update({q for q, h in searched if h == 0 and q and not vocab.is_noise(q)})
        if c.subject and c.subject not in t.subjects:
            t.subjects.append(c.subject)
    rank_of = {g.key: g.rank for g in failed}
    out = []
    for topic, t in topics.items():
        top = sorted(t.queries.items(), key=lambda kv: (-kv[1], kv[0]))[:EXAMPLES]
        if top:
            key = grouping.key_of(top[0][0]) if grouping else None
            see = f" (failed-search group #{rank_of[key]})" if key in rank_of else ""
            # the others of the topic read nothing and searched nothing that failed
            others = t.requests - t.found_nothing
            rest = f", {others} more without reading any article" if others else ""
            action = Action(
                "write",
                f"Write an article answering {quote(top[0][0])}{see}: {t.found_nothing} "
                f"{topic} request(s) came after searches that found nothing{rest}.",
                title=readable_title(top[0][0]),
                queries=tuple(q for q, _ in top),
            )
        else:
            asked = f", e.g. {quote(t.subjects[-1][:80])}" if t.subjects else ""
            action = Action(
                "write",
                f"{t.requests} {topic} request(s) came without reading any article: write "
                f"or link the article for the most asked questions{asked}.",
            )
        out.append(
            EscalationTopic(
                rank=0,
                topic=topic,
                requests=total[topic],
                without_self_service=t.requests,
                read_nothing=t.read_nothing,
                found_nothing=t.found_nothing,
                failed_queries=top,
                subjects=[s[:120] for s in reversed(t.subjects[-3:])],
                action=action,
            )
        )
    out.sort(key=lambda e: (-e.without_self_service, e.topic))
    for rank, e in enumerate(out, 1):
        e.rank = rank
    return out
