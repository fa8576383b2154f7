"""Escalations for ``kb gaps``: contact requests sent without self-service, by topic.

A request counts when its sender read no article, or searched and found nothing, before
writing; the portal records both in the request's context (the visitor's session), so no
pass over the search log is needed.

Requests that read nothing and searched nothing that failed are judged by their subjects: the
contact form suggests articles for the subject as it is typed (not recorded: the report
searches the subjects again). When search answers them with an article, the article exists
and was passed over: its title or summary must say what the senders asked ("I was charged
twice this month" was told to write an article while *Get a refund*, with a row for being
charged twice, was the form's first suggestion). What it should say is the subject's topic,
without the sender's circumstances ("charged twice", not "charged twice this month":
:mod:`kb_reports.gaps.topic`). Subjects of one topic that search answers with different
articles give each article its advice ("Reset my password please" and a French "je n'arrive
pas à pointer", both sent as *Account and sign-in*). Only when search answers none is there an
article to write.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kb_core.search.person import asks_for_person
from kb_core.search.text.analysis import analysis_language, fold, stop_words
from kb_reports.gaps.actions import EXAMPLES, quote
from kb_reports.gaps.articles import PublishedArticles
from kb_reports.gaps.model import Action, EscalationTopic, FailedGroup, counted
from kb_reports.gaps.terms import NEGATIONS, NOT, STOP_WORDS, stem, words_of
from kb_reports.gaps.topic import word_spans
from kb_reports.gaps.words import FILLER, Vocabulary, readable_title
from kb_store.reports import ContactRow

__all__ = ["Answer", "answered", "escalation_topics", "plain_query", "searched_before"]

# (text, its portal's language or None) -> the article search answers it with, confidently
Answer = Callable[[str, str | None], str | None]
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
    answer: Answer | None = None,
    catalog: PublishedArticles | None = None,
    portals: Mapping[str, PublishedArticles] | None = None,
) -> list[EscalationTopic]:
    """Contact requests sent without reading anything, or after finding nothing, by topic;
    ``key_of`` names the failed-search group a topic's top search is in; ``answer`` (search,
    with ``catalog``'s articles) says which article answers a subject; ``portals``: the
    articles as each other language's portal shows them."""
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
                )
            ]
        else:
            actions = _suggested(t, topic, vocab, answer, catalog, portals or {})
            asked = f", e.g. {quote(t.subjects[-1][:80])}" if t.subjects else ""
            actions = actions or [
                Action(
                    "write",
                    f"{counted(t.requests, f'{topic} request')} came without reading any "
                    f"article: write or link the article for the most asked questions{asked}.",
                )
            ]
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


def _suggested(
    t: _Topic,
    topic: str,
    vocab: Vocabulary,
    answer: Answer | None,
    catalog: PublishedArticles | None,
    portals: Mapping[str, PublishedArticles],
) -> list[Action]:
    """What to do when search answers the subjects of requests that read nothing with
    articles: for each article (the one answering most of them first, then the latest asked),
    make its title or summary say what they asked, as the request's portal shows it (its
    translation; translate it when it shows it untranslated). None when it answers none."""
    if answer is None or catalog is None:
        return []
    found: dict[str, list[tuple[str, str | None]]] = {}
    for subject, language in reversed(t.asked):  # the latest first
        if vocab.is_noise(subject):
            continue
        article = answer(subject, language)
        if article is not None and article in catalog.articles:
            found.setdefault(article, []).append((subject, language))
    ranked = sorted(found.items(), key=lambda kv: -len(kv[1]))  # stable: the latest on a tie
    return [_improve(a, asked, topic, vocab, catalog, portals) for a, asked in ranked]


def _improve(
    article_id: str,
    asked: Sequence[tuple[str, str | None]],
    topic: str,
    vocab: Vocabulary,
    catalog: PublishedArticles,
    portals: Mapping[str, PublishedArticles],
) -> Action:
    """Make one article say what the requests it answers (``asked``: subject and portal
    language, the latest first) asked for, on the portal of the latest."""
    subject, language = asked[0]
    portal = portals.get(language) if language else None
    a = (portal.articles.get(article_id) if portal else None) or catalog.articles[article_id]
    n = len(asked)
    said = _unsaid(subject, f"{a.title} {a.summary}", vocab, language)
    untranslated = portal is not None and bool(a.language) and a.language != language
    if untranslated and language:
        from kb_core.i18n import language_name

        name = language_name(language, "en")
        said = said or vocab.topic.phrase(subject, language)
        todo = (
            f"it was not opened: the {name} portal shows it untranslated. Translate it into "
            f"{name}, its title or summary saying {quote(said)}."
        )
    elif said:
        todo = f"it was not opened. Make its title or summary say {quote(said)}."
    else:  # every word is there already: the request needed more than they say
        todo = (
            "it was not opened, though its title and summary already say "
            f"{quote(vocab.topic.phrase(subject, language))}. Its title and summary need "
            "nothing; read the requests for what the article lacks."
        )
    return Action(
        "translate" if untranslated else "improve",
        f"{counted(n, f'{topic} request')} came without reading any article, though search answers "
        f"{quote(subject[:80])} with {quote(a.title)} ({a.source}), which the contact "
        f"form suggested: {todo}",
        article_id=a.id,
        source=a.source,
        terms=(said,) if said else (),
        queries=tuple(s for s, _ in asked[:EXAMPLES]),
    )


# A summary names a problem in a few words: a subject's topic of up to this many content words
# is quoted whole; a longer one only from the first to the last word the article lacks.
PHRASE_WORDS = 4
_PARTICLES = frozenset({"in", "on"})  # stop words that end a phrase: "log in", "clock in"


def _term(word: str) -> str:
    return NOT if word in NEGATIONS else stem(word)


def _unsaid(subject: str, shown: str, vocab: Vocabulary, language: str | None = None) -> str:
    """What ``shown`` (an article's title and summary) should say for the sender of
    ``subject`` to recognise it: the subject's topic, as typed, from its first to its last
    content word (a negation is one, and "can't" says what "doesn't" does), or only the
    stretch of it ``shown`` lacks when it is long; '' when ``shown`` lacks none of them."""
    phrase = vocab.topic.phrase(subject, language)
    spans = [(s, e, words_of(phrase[s:e])[0]) for s, e in word_spans(phrase)]
    have = {_term(w) for w in words_of(shown) if w not in STOP_WORDS}
    # English: ours (a negation is content); another language: its search's ("un", "à")
    code = analysis_language(language or "en")
    stop = STOP_WORDS | FILLER | (stop_words(code) if code != "en" else frozenset())
    content = [i for i, (_, _, w) in enumerate(spans) if w not in stop and fold(w) not in stop]
    lacking = [i for i in content if _term(spans[i][2]) not in have]
    if not lacking:
        return ""
    chosen = content if len(content) <= PHRASE_WORDS else lacking
    first, last = chosen[0], chosen[-1]
    while last + 1 < len(spans) and spans[last + 1][2] in _PARTICLES:
        last += 1
    return phrase[spans[first][0] : spans[last][1]]
