"""Escalations for ``kb gaps``: contact requests sent without self-service, by topic.

A request counts when its sender read no article, or searched and found nothing, before
writing; the portal records both in the request's context (the visitor's session), so no
pass over the search log is needed.

A topic whose requests came after searches that found nothing asks for the article those
searches lack (or what their failed-search group asks: ``gaps_report``). Requests that read
nothing and searched nothing that failed are judged by their subjects, searched again as the
contact form searched them (:mod:`kb_reports.gaps.subjects`): an article search answers them
with must say what they asked; one it shows without a confident answer, when it is about them,
needs a section or a keyword; else there is an article to write, titled after the subject.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kb_core.search.person import asks_for_person
from kb_reports.gaps.model import Action, EscalationTopic, FailedGroup, counted
from kb_reports.gaps.subjects import Subjects
from kb_reports.gaps.terms import words_of
from kb_reports.gaps.words import EXAMPLES, Vocabulary, quote, readable_title
from kb_store.reports import ContactRow

__all__ = ["answered", "escalation_topics", "plain_query", "searched_before"]

# (query, its portal's language or None) -> the key of its failed-search group, or None
KeyOf = Callable[[str, str | None], str | None]


@dataclass
class _Topic:
    requests: int = 0
    read_nothing: int = 0
    found_nothing: int = 0
    queries: Counter[str] = field(default_factory=Counter)
    # each failed query's portal language and spellings, as its searchers typed it
    typed: dict[str, tuple[str | None, list[str]]] = field(default_factory=dict)
    subjects: list[str] = field(default_factory=list)
    asked: list[tuple[str, str | None]] = field(default_factory=list)  # (subject, language)
    languages: Counter[str | None] = field(default_factory=Counter)  # of its requests


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
    return [(plain_query(q), found) for q, found in _searches(c)]


def _searches(c: ContactRow) -> list[tuple[str, bool]]:
    """(query as typed, found a confident answer) of :func:`searched_before`."""
    return [
        (item["q"], answered(item))
        for item in c.context.get("searches") or ()
        if isinstance(item, dict)
        and isinstance(item.get("q"), str)
        and not asks_for_person(item["q"], c.language or "en")
    ]


def escalation_topics(
    contact_rows: Sequence[ContactRow],
    failed: Sequence[FailedGroup],
    key_of: KeyOf | None,
    vocab: Vocabulary,
    subjects: Subjects | None = None,
) -> list[EscalationTopic]:
    """Contact requests sent without reading anything, or after finding nothing, by topic;
    ``key_of`` names the failed-search group a topic's top search is in; ``subjects`` judges
    the subjects of requests that read nothing (search, as the contact form ran it)."""
    topics: dict[str, _Topic] = {}
    total: Counter[str] = Counter()
    for c in contact_rows:
        topic = c.topic or "(no topic)"
        total[topic] += 1
        read = bool(c.context.get("viewed") or c.context.get("viewed_articles"))
        typed = _searches(c)
        searched = [(plain_query(q), int(found)) for q, found in typed]
        found_nothing = bool(searched) and all(h == 0 for _, h in searched)
        if read and not found_nothing:
            continue
        t = topics.setdefault(topic, _Topic())
        t.requests += 1
        t.languages[c.language] += 1
        t.read_nothing += not read
        t.found_nothing += found_nothing
        failed_now = {q for q, h in searched if h == 0 and q and not vocab.is_noise(q)}
        t.queries.update(failed_now)
        for raw, _ in typed:
            plain = plain_query(raw)
            if plain in failed_now:
                t.typed.setdefault(plain, (c.language, []))[1].append(raw)
        if c.subject and c.subject not in t.subjects:
            t.subjects.append(c.subject)
        if c.subject and not read and not any(h == 0 for _, h in searched):
            t.asked.append((c.subject, c.language))
    rank_of = {g.key: g.rank for g in failed}
    out = []
    for topic, t in topics.items():
        key: str | None = None
        top = sorted(t.queries.items(), key=lambda kv: (-kv[1], kv[0]))[:EXAMPLES]
        if top:
            language, spellings = t.typed.get(top[0][0], (None, []))
            key = key_of(top[0][0], language) if key_of else None
            see = f" (failed-search group #{rank_of[key]})" if key in rank_of else ""
            # the others of the topic read nothing and searched nothing that failed
            others = t.requests - t.found_nothing
            rest = f", {others} more without reading any article" if others else ""
            title = readable_title(top[0][0], language, vocab.topic, vocab.casing, spellings)
            eg = f", e.g. {quote(title)}," if title.lower() != top[0][0] else ""
            actions = [
                Action(
                    "write",
                    f"Write an article{eg} answering {quote(top[0][0])}{see}: "
                    f"{counted(t.found_nothing, f'{topic} request')} came after searches that "
                    f"found nothing{rest}.",
                    title=title,
                    queries=tuple(q for q, _ in top),
                ),
                # the others' subjects, each with its own fix
                *(subjects.actions(t.asked, topic) if subjects else ()),
            ]
        else:
            actions = subjects.actions(t.asked, topic) if subjects else []
            actions = actions or [_unjudged(t, topic, subjects)]
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
                action=actions[0],
                actions=actions,
                group=key if key in rank_of else None,
            )
        )
    out.sort(key=lambda e: (-e.without_self_service, e.topic))
    for rank, e in enumerate(out, 1):
        e.rank = rank
    return out


def _unjudged(t: _Topic, topic: str, subjects: Subjects | None) -> Action:
    """The action of a topic whose requests read nothing and whose subjects cannot be judged:
    search could not be run, or no subject says anything to search for ("<script>")."""
    asked = f", e.g. {quote(t.subjects[-1][:80])}" if t.subjects else ""
    came = f"{counted(t.requests, f'{topic} request')} came without reading any article{asked}"
    if subjects is None or subjects.search is None:
        return Action(
            "write",
            f"{came}: without the build's search index the report cannot tell whether an "
            "article answers them; write one that does, or link it where they ask.",
        )
    return Action(
        "check",
        f"{came}, with no subject search can look up: read them for the article they needed.",
    )
