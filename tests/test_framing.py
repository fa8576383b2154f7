"""One list of the words that frame a French request (kb_core.search.text.framing), read by the
search, which drops them from a query, and by kb gaps, which drops them from what it quotes:
what one of them knew to drop, the other drops too."""

from __future__ import annotations

import pytest

from kb_core.search.text.analysis import Analyzer
from kb_core.search.text.plan import QueryPlanner
from kb_reports.gaps.topic import Topic


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
    ],
)
def test_search_and_gaps_drop_the_same_french_framing(request_: str, subject: str) -> None:
    planner = QueryPlanner(Analyzer("fr"), others=["en"])
    assert " ".join(planner.plan(request_).words) == subject
    assert Topic().phrase(request_, "fr") == subject
