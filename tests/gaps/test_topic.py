"""What a search or a request's subject is about, without the customer's circumstances
(kb_reports.gaps.topic): the phrases ``kb gaps`` quotes and the titles it proposes. The
example KB's own texts tell which time expressions are topics there."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb_reports.gaps.articles import PublishedArticles
from kb_reports.gaps.subjects import unsaid
from kb_reports.gaps.topic import Topic
from kb_reports.gaps.words import Vocabulary, readable_title


@pytest.fixture(scope="module")
def topic(site_build: Path) -> Topic:
    return Topic(PublishedArticles.load(site_build).texts())


@pytest.mark.parametrize(
    ("text", "language", "phrase"),
    [
        ("I was charged twice this month", None, "charged twice"),
        ("I can't log in since this morning, please help", "en", "can't log in"),
        ("My employees could not clock in yesterday", None, "My employees could not clock in"),
        ("Shift swap stuck again today", None, "Shift swap stuck"),
        ("hi how do i pay with bitcoin", None, "pay with bitcoin"),
        ("Can you please help me with my invoice from last week", None, "my invoice"),
        ("wi-fi clock in not working for 3 days now", None, "wi-fi clock in not working"),
        ("zapier not syncing since yesterday", None, "zapier not syncing"),
        ("hi, do you have a referral program?", None, "referral program"),
        # a yes-or-no question about the product asks for what it does
        ("Do you integrate with Slack?", None, "integrate with Slack"),
        ("does it work offline", None, "work offline"),
        ("cancel my order pls", None, "cancel my order"),
        # no circumstance: left as typed; a question stays a question
        ("why was I charged twice", None, "why was I charged twice"),
        ("change billing month", None, "change billing month"),
        ("monthly billing", None, "monthly billing"),
        ("how to", None, "how to"),
        # the KB says "copy last week" (create-and-publish-a-schedule): a topic here
        ("copy last week's schedule", None, "copy last week's schedule"),
        ("copy last weeks schedule", None, "copy last weeks schedule"),
        ("invoice from last week", None, "invoice"),
        # French, with the English rule as well
        ("J'ai été facturé deux fois ce mois-ci", "fr", "facturé deux fois"),
        ("bonjour carte cadeau s'il vous plaît", "fr", "carte cadeau"),
        (
            "Comment exporter mes feuilles de temps depuis lundi ?",
            "fr",
            "exporter mes feuilles de temps",
        ),
        ("payer en bitcoin hier", "fr", "payer en bitcoin"),
        ("payer en bitcoin hier", "en", "payer en bitcoin hier"),  # "hier" is French only
    ],
)
def test_phrase(topic: Topic, text: str, language: str | None, phrase: str) -> None:
    assert topic.phrase(text, language) == phrase


@pytest.mark.parametrize(
    ("query", "language", "title"),
    [
        ("Hi, how do I pay with bitcoin today?", None, "Pay with bitcoin"),
        ("my payslip from last month", None, "Payslip"),
        ("My boss can't see my hours?", None, "My boss can't see my hours"),
        ("slack integration this week", None, "Slack integration"),
        ("I need to set up face ID on my new phone", None, "Set up face ID on my new phone"),
        ("bonjour, je voudrais payer en bitcoin aujourd'hui", "fr", "Payer en bitcoin"),
        ("please help", None, "Please help"),  # nothing else: left whole
    ],
)
def test_readable_title(topic: Topic, query: str, language: str | None, title: str) -> None:
    assert readable_title(query, language, topic) == title


@pytest.mark.parametrize(
    ("subject", "shown", "say"),
    [
        ("I was charged twice this month", "Get a refund. When Tandem refunds", "charged twice"),
        (
            "I can't log in since this morning",
            "Reset your password. The email doesn't arrive",
            "can't log in",
        ),  # a negation says what "doesn't" does, but "log in" is new
        (
            "My employees could not clock in yesterday",
            "I can't clock in. Each error",
            "employees could not clock in",
        ),
        # a long subject: only the stretch the article lacks
        (
            "Hi, my invoice from yesterday has the wrong VAT number and the wrong company address",
            "Download invoices. Fix a wrong VAT number on an invoice",
            "company address",
        ),
        ("Reset my password please", "Reset your password", ""),
    ],
)
def test_what_the_article_should_say(subject: str, shown: str, say: str) -> None:
    assert unsaid(subject, shown, Vocabulary(())) == say
