"""Grouping of failed queries by words: hand-checked query sets and their exact groups.

This is the word pass alone (``Grouper.group`` without sentence vectors): what ``kb gaps``
falls back to when no encoder loads, and the first pass before meaning joins groups. The
groups ``kb gaps`` makes with its encoder are hand-checked in ``test_semantic.py``.
"""

from __future__ import annotations

import random

import pytest

from kb_reports.gaps.grouping import Grouper, one_edit

SYNONYMS = (
    ("refund", "money back", "reimbursement"),
    ("sign in", "log in", "login"),
    ("cancel", "unsubscribe"),
)


def groups_of(queries: list[str], known: tuple[str, ...] = ()) -> list[list[str]]:
    grouper = Grouper(SYNONYMS, known_words=known)
    counts: dict[str, int] = {}
    for q in queries:
        counts[q] = counts.get(q, 0) + 1
    return sorted(sorted(g.queries) for g in grouper.group(counts).groups)


CASES = [
    pytest.param(
        [
            "refund",
            "refund",
            "refund",
            "refunds",
            "Refund",
            "refnd",
            "money back",
            "reimbursement",
            "get my money back",
        ],
        [
            [
                "Refund",
                "get my money back",
                "money back",
                "refnd",
                "refund",
                "refunds",
                "reimbursement",
            ]
        ],
        id="spelling-plural-case-typo-synonyms",
    ),
    pytest.param(
        ["reset password", "password reset", "how do I reset my password?", "Reset Password"],
        [["Reset Password", "how do I reset my password?", "password reset", "reset password"]],
        id="word-order-and-question-words",
    ),
    pytest.param(
        ["log in", "login", "sign in", "can't log in", "cant sign in"],
        [["can't log in", "cant sign in"], ["log in", "login", "sign in"]],
        id="synonym-phrase-with-a-stop-word-and-negation",
    ),
    pytest.param(
        ["lost card", "card lost", "stolen card", "card arrival", "card not arrived"],
        [["card arrival", "card not arrived"], ["card lost", "lost card"], ["stolen card"]],
        id="similar-merge-different-stay-apart",
    ),
    pytest.param(
        [
            "cancel subscription",
            "unsubscribe",
            "cancelling my subscription",
            "subscription cancel",
            "how do i cancel",
        ],
        [
            ["cancel subscription", "cancelling my subscription", "subscription cancel"],
            ["how do i cancel", "unsubscribe"],
        ],
        id="stems-and-synonyms",
    ),
    pytest.param(
        ["how do i", "the", "how do i"],
        [["how do i"], ["the"]],
        id="only-stop-words-still-group-exactly",
    ),
    pytest.param(
        ["pasword reset", "password reset"],
        [["password reset", "pasword reset"]],
        id="typo-of-a-published-word",
    ),
    pytest.param(
        ["cancel card", "cancel card", "cancel card", "cancel"],
        [["cancel"], ["cancel card"]],
        id="a-vaguer-query-stays-apart",
    ),
    pytest.param(
        ["why is my refund still pending?", "Pending refunds", "refund pending yet"],
        [["Pending refunds", "refund pending yet", "why is my refund still pending?"]],
        id="question-boilerplate-and-filler",
    ),
]


@pytest.mark.parametrize(("queries", "expected"), CASES)
def test_exact_groups(queries: list[str], expected: list[list[str]]) -> None:
    assert groups_of(queries, known=("password",)) == sorted(sorted(g) for g in expected)


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("How do I reset my password?", ("reset", "password")),
        ("why is my card still not here yet", ("card", "not")),
        ("I can't see the transfer I made yesterday", ("not", "see", "transfer", "made")),
        ("Can you tell me why my top-up was declined?", ("top", "up", "declin")),
        ("how do i", ("how", "do", "i")),
    ],
)
def test_analyse_drops_boilerplate_and_filler(query: str, terms: tuple[str, ...]) -> None:
    assert Grouper().analyse(query) == terms


def test_typos_need_a_much_more_common_word() -> None:
    # "chang" and "charg" are both common: neither is a typo of the other
    counts = {"change card": 40, "charge card": 50}
    assert len(Grouper().group(counts).groups) == 2


def test_grouping_is_deterministic() -> None:
    queries = [
        f"{w} {x}"
        for w in ("card", "refund", "pin", "transfer")
        for x in ("arrival", "arrivals", "declined", "declind", "pending", "status", "fee")
    ]
    counts = {q: 1 + i % 3 for i, q in enumerate(queries)}
    expected = [(g.key, g.queries) for g in Grouper().group(counts).groups]
    items = list(counts.items())
    for seed in range(3):
        random.Random(seed).shuffle(items)
        got = [(g.key, g.queries) for g in Grouper().group(dict(items)).groups]
        assert got == expected


def test_key_of_places_other_spellings() -> None:
    grouping = Grouper(SYNONYMS).group({"refund": 3, "refund status": 2})
    assert grouping.key_of("REFUNDS") == "refund"
    assert grouping.key_of("money back") == "refund"
    assert grouping.key_of("something else") is None


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("refnd", "refund", True),  # deletion
        ("refuund", "refund", True),  # insertion
        ("refumd", "refund", True),  # substitution
        ("refnud", "refund", True),  # transposition
        ("efund", "refund", False),  # the first letter is kept
        ("rfenud", "refund", False),  # two edits
        ("refund", "refund", False),
    ],
)
def test_one_edit(a: str, b: str, expected: bool) -> None:
    assert one_edit(a, b) is expected


def test_a_grouper_with_a_topic_reads_each_search_without_its_circumstances() -> None:
    """ "charged twice this month" is "charged twice" with a when: one key, both listed."""
    from kb_reports.gaps.topic import Topic

    counts = {"charged twice": 3, "i was charged twice this month": 2, "tip pooling": 1}
    plain = Grouper(SYNONYMS).group(counts, merge=False).groups
    assert len(plain) == 3  # without the topic: "month" makes a key of its own
    groups = Grouper(SYNONYMS, topic=Topic()).group(counts, merge=False).groups
    assert [(g.key, g.queries) for g in groups] == [
        ("charg-twice", ("charged twice", "i was charged twice this month")),
        ("pool-tip", ("tip pooling",)),
    ]
    # in French too, with that portal's rule
    french = Grouper((), topic=Topic(), language="fr")
    assert french.analyse("payer en bitcoin hier") == french.analyse("payer en bitcoin")
