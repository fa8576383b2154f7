"""Suggested actions of ``kb gaps``: what a writer should do about each gap, and why.

Every action is one sentence for people plus the fields a script needs (article, source file,
proposed title, terms to add, queries to answer). Kinds: ``write`` a new article,
``add-keyword`` to an existing one, ``add-synonym`` to ``search.synonyms``, ``rewrite``
(unhelpful articles) and ``review`` (stale ones; both built in ``gaps``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from .gaps_articles import Catalog, TermIndex, proposed_title
from .gaps_grouping import Grouper, words_of
from .gaps_model import Action, FailedGroup, StubStatus, WeakGroup

log = logging.getLogger(__name__)

EXAMPLES = 5  # queries and spellings shown per group
READ_AFTER_SHARE = 0.2  # share of a group's visitors who must read one article to suggest it


def quote(text: str) -> str:
    """Text in curly quotes, as the report's sentences quote searches and titles."""
    return f"\u201c{text}\u201d"


def suggest(
    catalog: Catalog,
    grouper: Grouper,
    typo_queries: set[str],
    failed: Sequence[FailedGroup],
    weak: Sequence[WeakGroup],
    stubs: Sequence[StubStatus],
) -> None:
    """Attach a suggested action to each failed and weak group given.

    Failed searches, in this order of evidence: a draft already written for them (finish
    it); an article that visitors read after finding nothing (add the searched words to its
    keywords); a searched word one letter or an ending away from an article's word (add a
    synonym); else write a new article, titled after the most searched query without typos.
    Weak searches: make the article whose words match best recognisable, or write one.
    """
    terms = TermIndex(catalog)
    stub_of: dict[str, StubStatus] = {}
    for s in stubs:
        for q in s.queries:
            stub_of.setdefault(q, s)
    for g in failed:
        clean = [q for q, _ in g.queries if q not in typo_queries] or [g.label]
        stub = next((stub_of[q] for q, _ in g.queries if q in stub_of), None)
        if stub is not None:
            g.stub = stub.path
            state = "published" if stub.published else "still a draft"
            g.action = Action(
                "write",
                f"Finish the draft {stub.path} ({state}); it answers {quote(g.label)}.",
                article_id=stub.article_id,
                source=stub.path,
                title=stub.title,
                queries=tuple(clean[:EXAMPLES]),
            )
            continue
        top = g.read_after[0] if g.read_after else None
        if top and top[1] >= 2 and top[1] >= READ_AFTER_SHARE * g.visitors:
            a = catalog.articles.get(top[0])
            if a is not None:
                g.action = Action(
                    "add-keyword",
                    f"Add {quote(clean[0])} to the keywords of {quote(a.title)} "
                    f"({a.source}): {top[1]} of {g.visitors} visitors who found nothing "
                    "read it next.",
                    article_id=a.id,
                    source=a.source,
                    terms=tuple(clean[:3]),
                )
                continue
        near = terms.near_miss(w for q in clean for w in words_of(q))
        if near is not None:
            a = near.article
            g.action = Action(
                "add-synonym",
                f"Add [{near.article_word}, {near.searched}] to search.synonyms in "
                f"site_config.yml (or {quote(near.searched)} to the keywords of "
                f"{quote(a.title)}, {a.source}).",
                article_id=a.id,
                source=a.source,
                terms=(near.article_word, near.searched),
            )
            continue
        title = proposed_title(clean[0])
        shown = ", ".join(quote(q) for q in clean[:3])
        g.action = Action(
            "write",
            f"Write a new article, e.g. {quote(title)}, that answers {shown}.",
            title=title,
            queries=tuple(clean[:EXAMPLES]),
        )
    for w in weak:
        best = terms.best(grouper.analyse(w.label))
        if best is not None:
            w.action = Action(
                "add-keyword",
                f"Make {quote(best.title)} ({best.source}) recognisable for "
                f"{quote(w.label)}: use the searched words in its title, summary or "
                "keywords, or write the article that is missing.",
                article_id=best.id,
                source=best.source,
                terms=(w.label,),
            )
        else:
            title = proposed_title(w.label)
            w.action = Action(
                "write",
                f"Write an article that answers {quote(w.label)}, e.g. {quote(title)}.",
                title=title,
                queries=tuple(q for q, _ in w.queries[:EXAMPLES]),
            )
