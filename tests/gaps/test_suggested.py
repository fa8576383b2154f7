"""Requests sent without reading anything, whose subject search answers: the article exists and
the contact form suggested it, so ``kb gaps`` says what its title or summary lacks rather than
"write" (kb_reports.gaps.subjects); whose subject it has no confident answer for: the articles
the form suggested, and the article to write, titled after the subject, in the language of the
portal it was sent from. Real API, real SQLite store, real build and search; then ``kb gaps``
as a real process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb_core.config import SiteConfig
from kb_reports.gaps.model import Action
from kb_reports.gaps.report import build_report
from tests.gaps.conftest import ROOT, Visitor, api_client, kb_gaps

CHARGED = "I was charged twice this month"
SLACK = "Do you have a Slack integration"  # no article: search is not confident
IMPROVE = (
    "1 Billing and invoices request came without reading any article, though search "
    "answers \u201cI was charged twice this month\u201d with \u201cGet a refund\u201d "
    "(billing/invoices-and-payments/refunds.md), which the contact form suggested: it was "
    "not opened. Make its title or summary say \u201ccharged twice\u201d."
)
RESET = "Reset my password please"
SAID = (
    "1 Account and sign-in request came without reading any article, though search "
    "answers \u201cReset my password please\u201d with \u201cReset your password\u201d "
    "(account/sign-in-and-security/reset-password.md), which the contact form suggested: it "
    "was not opened, though its title and summary already say \u201cReset my password\u201d. "
    "Its title and summary need nothing; read the requests for what the article lacks."
)
WRITE = (  # it said "write or link the article for the most asked questions, e.g. …"
    "1 Integrations and API request came without reading any article, and search has no "
    "confident answer for \u201cDo you have a Slack integration\u201d: the contact form "
    "suggested \u201cSend hours to payroll\u201d, \u201cUse the Tandem API\u201d and "
    "\u201cSee your shifts in Google, Outlook or Apple Calendar\u201d, none about it. Write a "
    "new article, e.g. \u201cSlack integration\u201d, that answers it."
)
DEVIS = "Devis pour 200 salariés"  # on /fr/: the sentence model cannot judge French
DEVIS_WRITE = (
    "1 Something else request came without reading any article, and the French portal's "
    "search has no confident answer for \u201cDevis pour 200 salariés\u201d: the contact form "
    "suggested \u201cVérifier et valider les feuilles de temps\u201d as no exact match. If it "
    "answers it, make its title or summary say \u201cDevis pour 200 salariés\u201d; else write "
    "a new article and its French translation, e.g. \u201cDevis pour 200 salariés\u201d, that "
    "answers it."
)
PROBE = "<script>alert(1)</script>"  # no word to search for
UNJUDGED = (
    "1 Scheduling request came without reading any article, e.g. \u201c<script>alert(1)"
    "</script>\u201d, with no subject search can look up: read them for the article they needed."
)


@pytest.fixture(scope="module")
def store(
    tmp_path_factory: pytest.TempPathFactory, site_build: Path, config_path: Path
) -> Iterator[str]:
    with api_client(tmp_path_factory, "suggested", site_build, config_path) as (url, client):
        Visitor(client, "10.9.0.1").contact("Billing and invoices", CHARGED)
        Visitor(client, "10.9.0.2").contact("Integrations and API", SLACK)
        Visitor(client, "10.9.0.3").contact("Account and sign-in", RESET)
        Visitor(client, "10.9.0.4").contact("Something else", DEVIS, lang="fr")
        Visitor(client, "10.9.0.5").contact("Scheduling", PROBE)
        yield url


@pytest.fixture
def actions(store: str, config: SiteConfig, site_build: Path) -> dict[str, Action]:
    """The report of the last 7 days on the store: each escalation topic's action."""
    report = build_report(
        config,
        database_url=store,
        build_dir=site_build,
        content_dir=ROOT / "content",
        since="7d",
    )
    return {e.topic: e.action for e in report.escalations}


def test_an_answered_subject_asks_to_improve_the_suggested_article(
    actions: dict[str, Action],
) -> None:
    billing = actions["Billing and invoices"]
    assert (billing.kind, billing.article_id, billing.text) == ("improve", "refunds", IMPROVE)
    # "this month" is when it happened, "I was" the sender: the article should say what
    assert billing.terms == ("charged twice",) and billing.queries == (CHARGED,)


def test_an_unanswered_subject_names_what_the_form_suggested_and_what_to_write(
    actions: dict[str, Action],
) -> None:
    slack = actions["Integrations and API"]
    assert (slack.kind, slack.article_id, slack.text) == ("write", None, WRITE)
    assert (slack.title, slack.queries) == ("Slack integration", (SLACK,))
    devis = actions["Something else"]
    assert (devis.kind, devis.title, devis.text) == ("write", DEVIS, DEVIS_WRITE)
    probe = actions["Scheduling"]
    assert (probe.kind, probe.title, probe.text) == ("check", None, UNJUDGED)


def test_an_article_that_already_says_the_subject_is_not_told_to_say_it(
    actions: dict[str, Action],
) -> None:
    """Its title and summary hold every word asked: no phrase to add (it used to quote the
    whole subject, 'please' included, as what they should say)."""
    account = actions["Account and sign-in"]
    assert (account.kind, account.article_id, account.terms) == ("improve", "reset-password", ())
    assert account.text == SAID


def test_kb_gaps_process(store: str, config_path: Path, site_build: Path) -> None:
    res = kb_gaps(store, config_path, site_build)
    assert res.returncode == 0, res.stderr
    actions = {e["topic"]: e["action"] for e in json.loads(res.stdout)["escalations"]}
    assert actions["Billing and invoices"]["text"] == IMPROVE
    assert actions["Integrations and API"]["text"] == WRITE
    assert actions["Account and sign-in"]["text"] == SAID
    assert actions["Something else"]["text"] == DEVIS_WRITE
    assert actions["Scheduling"]["text"] == UNJUDGED
