"""One list of the words that frame a French request (kb_core.search.text.framing), read by the
search, which drops them from a query, and by kb gaps, which drops them from what it quotes:
what one of them knew to drop, the other drops too."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kb_core.search.text.analysis import Analyzer
from kb_core.search.text.plan import QueryPlanner
from kb_reports.gaps.portals import group_language
from kb_reports.gaps.topic import Topic
from kb_store.reports import QueryDetail


@pytest.mark.parametrize(
    ("request_", "subject"),
    [
        # the search's list had these, kb gaps' did not
        ("est-ce qu'il est possible de payer par virement", "payer par virement"),
        ("Merci pour votre réponse", "votre réponse"),
        ("Nous souhaitons inviter notre équipe, merci d'avance", "inviter notre équipe"),
        ("Pourriez-vous m'aider pour exporter la paie", "exporter la paie"),
        # kb gaps' had these, the search's did not
        ("je veux un remboursement urgent", "un remboursement"),
        ("puis-je télécharger mes factures", "télécharger mes factures"),
        ("pouvez-vous annuler mon abonnement", "annuler mon abonnement"),
        # both had these
        ("Bonjour, je voudrais un remboursement depuis hier", "un remboursement"),
        ("Bonsoir, est-ce que je peux annuler mon abonnement ?", "annuler mon abonnement"),
        ("bonjour carte cadeau s'il vous plaît", "carte cadeau"),
        # kb gaps dropped what opens a request (framing.LEAD), the search did not
        ("comment annuler mon abonnement", "annuler mon abonnement"),
        ("Bonjour, comment est-ce que je peux annuler mon abonnement ?", "annuler mon abonnement"),
        ("comment faire pour exporter mes données", "exporter mes données"),
        ("j'ai besoin d'aide pour exporter la paie", "exporter la paie"),
        ("j'ai été facturé deux fois", "facturé deux fois"),
        ("comment notifications", "notifications"),  # a word of both: the portal's language
        ("comment", "comment"),  # never every word
    ],
)
def test_search_and_gaps_drop_the_same_french_framing(request_: str, subject: str) -> None:
    planner = QueryPlanner(Analyzer("fr"), others=["en"])
    assert " ".join(planner.plan(request_).words) == subject
    assert Topic().phrase(request_, "fr") == subject


@pytest.mark.parametrize(
    ("portal", "others", "query", "words"),
    [
        # "comment" is an English word: an English query keeps it, on either portal
        ("fr", ["en"], "comment settings", "comment settings"),
        ("fr", ["en"], "comment moderation for shifts", "comment moderation for shifts"),
        ("en", [], "comment on a shift", "comment on a shift"),
        ("en", [], "comment annuler mon abonnement", "comment annuler mon abonnement"),
        # and an English query on the French portal drops English boilerplate instead
        ("fr", ["en"], "is there a way to export my timesheets", "export my timesheets"),
    ],
)
def test_comment_is_dropped_from_french_queries_only(
    portal: str, others: list[str], query: str, words: str
) -> None:
    planner = QueryPlanner(Analyzer(portal), others=others)
    assert " ".join(planner.plan(query).words) == words
    # kb gaps reads such a search as English (group_language), and quotes the same words
    details = [QueryDetail(query, ((query, 1),), datetime.now(UTC), datetime.now(UTC))]
    language = group_language(details, ["en", "fr"], portal)
    if language == "en":
        assert Topic().phrase(query, language) == words
