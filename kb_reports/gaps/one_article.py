"""Gaps that ask for one new article: in other words ("Integrate with Slack" for the searches,
"Slack integration" for the requests), or on two portals ("bitcoin" on the English portal,
"payer en bitcoin" on the French one: *Bitcoin* and its French translation, not two
articles).

Two titles are one topic when the stems of their topic words are the same. Across languages
words differ, so a title of another language is the topic of a default-language one when
they are the same after the site's synonyms, or share a word no published article has (the
word that made both searches fail, "bitcoin"), and no other default-language title shares as
many of its words ("payer en bitcoin": *Pay with bitcoin*, not *Bitcoin*, through the
synonyms [pay, payer]).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from kb_reports.gaps.articles import PublishedArticles
from kb_reports.gaps.model import EscalationTopic, FailedGroup
from kb_reports.gaps.terms import STOP_WORDS, stem, terms_of_text, words_of
from kb_reports.gaps.words import FILLER

__all__ = ["join_portals", "known_terms", "same_across", "topic_terms"]

MIN_WORD = 3  # a shared word shorter than this says nothing of a topic ("en", "de")


def topic_terms(title: str) -> frozenset[str]:
    """The stems of a proposed title's words that say its topic ("Slack integration" and
    "Integrate with Slack": integr, slack)."""
    return frozenset(terms_of_text(title) - FILLER) or frozenset([title.lower()])


def known_terms(catalog: PublishedArticles | None) -> set[str]:
    """The stems of every word the published articles' titles, summaries and keywords say."""
    if catalog is None:
        return set()
    return {stem(w) for text in catalog.texts() for w in words_of(text)}


def same_across(a: Iterable[str], b: Iterable[str], known: set[str]) -> bool:
    """Whether two topics of different languages (stems, synonyms made canonical) are one:
    the same, or sharing a real word no article has."""
    x, y = set(a), set(b)
    if x and x == y:
        return True
    return any(len(t) >= MIN_WORD and t not in STOP_WORDS and t not in known for t in x & y)


def join_portals(
    groups: Sequence[FailedGroup],
    escalations: Sequence[EscalationTopic],
    default: str,
    catalog: PublishedArticles | None,
    analyse: Callable[[str], Iterable[str]] | None = None,
) -> None:
    """A failed-search group of another language's portal that asks for a new article on the
    topic of a default-language group's new article asks for that one and its translation:
    its action takes that title (``--stub`` then writes the translation beside that draft),
    and the default-language group's says the translation is wanted too; so does a request's
    subject that asked for the other language's title. ``analyse`` reads a
    search as the default language's grouping does (synonyms made canonical: "payer" is
    "pay")."""
    from kb_core.i18n import language_name
    from kb_reports.gaps.words import quote

    known = known_terms(catalog)
    renamed: dict[frozenset[str], str] = {}  # another language's title -> the article's
    writes = [g for g in groups if g.action and g.action.kind == "write" and g.action.title]
    own = [g for g in writes if g.language in (None, default)]
    for g in writes:
        if g.language in (None, default) or g.action is None:
            continue
        if g.stub and g.action.title:  # drafted: finished, not asked for again
            renamed[topic_terms(g.label)] = g.action.title
            continue
        mine = _terms(g, analyse)
        shared = {
            e.key: len(mine & theirs)
            for e in own
            if same_across(mine, theirs := _terms(e, analyse), known)
        }
        most = max(shared.values(), default=0)
        same = [e for e in own if shared.get(e.key) == most]
        if len(same) != 1:
            continue  # none, or two topics hold as many of its words: which one is not known
        (e,) = same
        assert e.action is not None and e.action.title is not None
        renamed[topic_terms(g.action.title or g.label)] = e.action.title
        name = language_name(g.language or "", "en")
        shown = ", ".join(quote(q) for q, _ in g.queries[:3])
        title = e.action.title
        # the article's folder is the English group's: what its searchers read and wrote about
        g.topics = g.topics or e.topics
        g.read_after = g.read_after or e.read_after
        draft = f" (the draft {e.stub})" if e.stub else ""
        g.action = replace(
            g.action,
            text=f"Write {quote(title)}{draft} and its {name} translation: the {name} portal "
            f"found nothing for {shown}, and failed-search group #{e.rank} asks for that "
            "article.",
            title=title,
        )
        if f"{name} translation" not in e.action.text:
            e.action = replace(
                e.action,
                text=f"{e.action.text} Translate it into {name} too: the {name} portal found "
                f"nothing for {shown} (failed-search group #{g.rank}).",
            )
    for esc in escalations:
        actions = []
        for a in esc.actions:
            asked = renamed.get(topic_terms(a.title)) if a.kind == "write" and a.title else None
            if asked is not None and a.title is not None:
                # the article it asks for, not the subject it quotes
                text = a.text.replace(f"e.g. {quote(a.title)}", f"e.g. {quote(asked)}")
                a = replace(a, title=asked, text=text)
            actions.append(a)
        esc.action, esc.actions = actions[0], actions


def _terms(g: FailedGroup, analyse: Callable[[str], Iterable[str]] | None) -> set[str]:
    """A group's topic: its title's stems and its searches' (synonyms made canonical)."""
    assert g.action is not None and g.action.title is not None
    out = set(topic_terms(g.action.title))
    for q, _ in g.queries:
        out |= set(analyse(q)) if analyse else terms_of_text(q) - FILLER
    return out
