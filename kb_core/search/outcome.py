"""What a search tells the person who made it: answered or not, the contact form, the card.

One decision for every surface that shows a search: the portal's ``/api/search`` and
``/api/suggest`` (``feedback_api.search``), ``kb search``, and ``kb link`` with the agent API
(``kb_core.quote``). The ranking says how sure it is (``SearchResponse.answered``); this adds
what a query asking for a person means (:mod:`kb_core.search.person`): its words are no
evidence that an article answers it ("contact support" matched *Roles and permissions*, whose
text says "contact support", with full confidence), so it is answered, with its card, only by
an article whose title is itself about reaching a person ("How to contact us"). When the site
has its contact form, the form is offered first and the articles follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kb_core.search.answer.card import Answer
from kb_core.search.person import asks_for_person
from kb_core.search.searcher import SearchResponse

__all__ = ["Outcome", "card_dict", "contact_path", "search_outcome"]


@dataclass(frozen=True)
class Outcome:
    """How a search is shown and logged, besides its ranked results."""

    asks_for_person: bool  # the query asks to reach a person (kb_core.search.person)
    contact: bool  # it does, and the site has its contact form: offer the form first
    answered: bool  # confident, and (asking for a person) its first hit is about reaching one
    answer: Answer | None  # the card to show: none for a person-asking search left unanswered


def search_outcome(
    query: str, found: SearchResponse, *, language: str = "en", contact_form: bool = True
) -> Outcome:
    """Whether ``found`` answers ``query`` (read in ``language``), whether to offer the contact
    form (``contact_form``: the site has one), and the answer card to show."""
    asks = asks_for_person(query, language)
    answered = found.answered and found.total > 0
    if asks:
        first = found.results[0].title if found.results else ""
        answered = answered and asks_for_person(first, language)
    return Outcome(
        asks_for_person=asks,
        contact=asks and contact_form,
        answered=answered,
        answer=found.answer if answered or not asks else None,
    )


def contact_path(prefix: str = "") -> str:
    """The contact form's site path, in the default language's portal or ``prefix``'s
    ('fr/'), as the build makes it (``kb_builder.pages``: ``contact.md``)."""
    return f"/{prefix}contact/"


def card_dict(card: Answer, root: str = "/") -> dict[str, Any]:
    """The answer card as JSON: ``url`` is the article's site path under ``root``, its anchor
    apart (``anchor``), as ``/api/search`` answers it and ``kb search --format json`` prints it."""
    path, _, fragment = card.url.partition("#")
    return {
        "text": card.text,
        "id": card.id,
        "title": card.title,
        "url": root + path.lstrip("/"),
        "anchor": card.anchor or fragment,
        "score": round(card.score, 3),
        "lines": list(card.lines),
    }
