"""Titles ``kb gaps`` proposes keep the capitals of proper nouns and acronyms: as the KB's own
titles, summaries, keywords and headings spell a word, else as a searcher typed it
(kb_reports.gaps.casing). The example KB writes "QuickBooks", "SSO", "iPhone", "ID", "Google",
"REST API" and its role names ("Managers")."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb_reports.gaps.articles import PublishedArticles
from kb_reports.gaps.casing import Casing
from kb_reports.gaps.topic import Topic
from kb_reports.gaps.words import readable_title


@pytest.fixture(scope="module")
def texts(site_build: Path) -> list[str]:
    return PublishedArticles.load(site_build).texts()


@pytest.mark.parametrize(
    ("query", "typed", "title"),
    [
        # the KB's spelling
        ("quickbooks desktop", (), "QuickBooks desktop"),
        ("sso login loop", (), "SSO login loop"),
        ("face id on iphone", (), "Face ID on iPhone"),
        ("why cant i see my hours", (), "Why cant I see my hours"),
        ("managers cant approve timesheets", (), "Managers cant approve timesheets"),
        ("connect google calendar", (), "Connect Google calendar"),
        ("rest api limits", (), "REST API limits"),  # "REST" beside "API", as the KB has it
        ("rest breaks", (), "Rest breaks"),  # a common word: not "REST breaks"
        ("contact us", (), "Contact us"),
        ("quickbooks online payroll", (), "QuickBooks online payroll"),  # "Online" once: no
        # a searcher's spelling
        ("apple pay", ("apple pay", "Apple Pay"), "Apple Pay"),
        ("ios widget", ("iOS widget",), "iOS widget"),  # not "IOS widget"
        ("how do i connect slack", ("How do I connect Slack",), "Connect Slack"),
        ("do you integrate with slack", ("Do you integrate with Slack?",), "Integrate with Slack"),
        ("dark mode", ("DARK MODE",), "Dark mode"),  # shouting is no spelling
        ("reset password", ("How To Reset My Password",), "Reset password"),  # Title Case
        ("tip pooling", ("Tip pooling",), "Tip pooling"),
        ("contact us", ("contact US",), "Contact us"),
        ("sepa", ("SEPA",), "SEPA"),
        ("sepa", (), "Sepa"),  # "SEPA" is only in an article's body, which is not read
    ],
)
def test_title_spelling(texts: list[str], query: str, typed: tuple[str, ...], title: str) -> None:
    assert readable_title(query, None, Topic(texts), Casing(texts), typed) == title


def test_a_word_the_kb_capitalises_once_keeps_its_case_only_in_capitals(
    texts: list[str],
) -> None:
    casing = Casing(texts)
    assert casing.title("owners and admins") == "Owners and admins"  # once each in the KB
    assert casing.title("scim provisioning") == "SCIM provisioning"
