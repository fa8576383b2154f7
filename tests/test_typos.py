"""Typos and compounds (kb_core.search.spell): words typed apart that the articles join, a word
typed as one that they write apart, and swapped letters. Real Whoosh indexes built in tmp_path
from a handful of articles, searched through the Searcher."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb_builder.index.fields import Section
from kb_builder.index.writer import build_index
from kb_core.search.searcher import Searcher
from kb_core.search.spell import Vocabulary, distance
from tests.test_search import doc, ids

DOCS = [
    doc(
        "duck-player",
        "About Duck Player",
        "Duck Player shows YouTube videos without targeted ads. Open a video and Duck Player "
        "plays it in a private player.",
    ),
    doc(
        "duck-addresses",
        "Private Duck Addresses",
        "A duck address forwards email to your inbox without trackers.",
    ),
    doc("media", "Media settings", "Choose the player for music and the volume of videos."),
    doc(
        "smarter-encryption",
        "Smarter Encryption",
        "Smarter Encryption upgrades a link to its encrypted version when the site supports it.",
    ),
    doc(
        "tracking",
        "Web tracking protections",
        "We block trackers. See https://example.com/smarter-encryption for the details.",
    ),
    doc(
        "privacy",
        "How we protect your privacy",
        "Tracker blocking, Smarter Encryption and Duck Addresses work together.",
    ),
    doc(
        "browser",
        "The browser",
        "The browser blocks trackers and uses Smarter Encryption on every site.",
    ),
    doc(
        "payments",
        "Update your payment method",
        "Add a card or change the payment method for your plan.",
        category="Billing",
    ),
    doc("meant", "What your plan meant", "The old plan meant fewer seats.", category="Billing"),
    doc(
        "reset-password",
        "Reset your password",
        "Forgot your password? Open the sign in page and choose Forgot password.",
    ),
    doc("word", "Invite a friend", "Tell a friend: pass the word along and invite them."),
    doc(
        "sign-in",
        "Sign in with Google",
        "Use your Google account to sign in. Do it twice to link the accounts.",
    ),
    doc("vpn", "VPN servers", "Our VPN has servers in many countries.", category="Privacy"),
]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    where = tmp_path_factory.mktemp("typos") / "ix"
    build_index(DOCS, where)
    return Searcher(where)


def test_a_word_the_articles_write_apart_is_split(searcher: Searcher) -> None:
    resp = searcher.search("duckplayer")
    assert [r.id for r in resp.results][:1] == ["duck-player"]
    # both words are needed: "duck" alone or "player" alone is not what was asked
    assert {r.id for r in resp.results} == {"duck-player"}
    assert not resp.corrected and resp.did_you_mean is None  # not a guess at the letters


def test_a_joined_word_only_a_link_has_also_looks_for_the_words_apart(
    searcher: Searcher,
) -> None:
    # "smarter-encryption" in a URL indexes "smarterencryption" for one article; the article
    # about it, and two more, write "Smarter Encryption"
    found = ids(searcher, "smarterencryption")
    assert found[0] == "smarter-encryption"
    assert set(found) == {"smarter-encryption", "tracking", "privacy", "browser"}


def test_a_known_word_is_not_split(searcher: Searcher) -> None:
    # "pass" and "word" are both words the articles have, but "password" is typed and known
    assert "word" not in ids(searcher, "password")
    assert ids(searcher, "password")[0] == "reset-password"


def test_words_typed_apart_find_the_joined_word(searcher: Searcher) -> None:
    assert ids(searcher, "pass word reset")[0] == "reset-password"
    assert ids(searcher, "duck player")[0] == "duck-player"


def test_an_unknown_half_of_a_joined_word_is_not_taken_for_a_typo(searcher: Searcher) -> None:
    resp = searcher.search("pay ment method")
    assert resp.results[0].id == "payments"
    # "ment" is one letter from "meant", but it is the second half of "payment"
    assert resp.did_you_mean is None and not resp.corrected
    assert "meant" not in [r.id for r in resp.results]


def test_a_word_with_a_stop_word_half_is_split(searcher: Searcher) -> None:
    # no article says "signin" (nor "sign-in"), nor a word a letter from it
    resp = searcher.search("signin")
    assert [r.id for r in resp.results][:1] == ["sign-in"]
    assert not resp.corrected


@pytest.mark.parametrize(
    ("query", "expected", "fixed"),
    [
        ("paswrod reset", "reset-password", "password reset"),  # a swap and a missing letter
        ("vnp servers", "vpn", "vpn servers"),  # a swap in a three-letter word
        ("udck player", "duck-player", "duck player"),  # the first two letters swapped
    ],
)
def test_swapped_letters_are_corrected(
    searcher: Searcher, query: str, expected: str, fixed: str
) -> None:
    resp = searcher.search(query)
    assert resp.results[0].id == expected
    assert resp.corrected and resp.did_you_mean == fixed


def test_a_correction_counts_less_than_what_was_typed(searcher: Searcher) -> None:
    typed = searcher.search("vpn servers").results[0]
    fixed = searcher.search("vnp servers").results[0]
    assert typed.id == fixed.id == "vpn" and fixed.score < typed.score


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [
        ("paswrod", "password"),  # swapped and one letter missing
        ("passwrod", "password"),
        ("refnud", "refund"),
        ("invocie", "invoice"),
        ("rpivacy", "privacy"),  # the first two letters swapped
        ("vnp", "vpn"),
        ("fro", None),  # a three-letter word takes a swap only, and only of a known word
        ("vpm", None),  # not a swap
        ("pqssword", "password"),  # a neighbouring key, as before
        ("invoise", "invoice"),  # a letter for the same sound, written by ear
        ("subskribe", "subscribe"),
        ("fishing", "phishing"),  # "ph" written "f" by ear, first letter included
        ("fone", "phone"),
        ("grafs", "graphs"),
        ("phinish", "finish"),  # and "f" written "ph"
    ],
)
def test_transpositions_count_as_one_edit(
    tmp_path: Path, typed: str, corrected: str | None
) -> None:
    words = "password refund invoice privacy vpn subscribe phishing phone graphs finish fine"
    path = tmp_path / "vocabulary.txt"
    path.write_text("".join(f"{w}\t5\n" for w in words.split()), encoding="utf-8")
    assert Vocabulary(path).nearest(typed) == corrected


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("duckplayer", ("duck", "player")),
        ("emailprotection", ("email", "protection")),
        ("signin", ("sign", "in")),  # a stop word half, when nothing better
        ("password", None),  # "pass" + "word" are not both in this vocabulary
        ("duckin", ("duck", "in")),
        ("inin", None),  # two stop words
    ],
)
def test_a_split_uses_the_vocabulary(
    tmp_path: Path, word: str, parts: tuple[str, str] | None
) -> None:
    path = tmp_path / "vocabulary.txt"
    words = "duck player email protection sign pass"
    path.write_text("".join(f"{w}\t5\n" for w in words.split()), encoding="utf-8")
    assert Vocabulary(path).split(word, frozenset({"in", "the"})) == parts


def test_edit_distance_counts_a_swap_as_one() -> None:
    assert distance("refnud", "refund") == 1
    assert distance("kitten", "sitting") == 3
    assert distance("", "abc") == distance("abc", "") == 3


_WORDS = st.text("abcd", max_size=8)


@given(_WORDS, _WORDS, st.integers(0, 3))
def test_a_bounded_distance_is_the_distance_or_one_past_its_bound(a: str, b: str, k: int) -> None:
    """``kb check``'s "did you mean" asks only whether two names are within k edits: the band
    it fills gives the true distance up to k, and k + 1 for anything further."""
    full = distance(a, b)
    assert distance(a, b, within=k) == (full if full <= k else k + 1)
    assert full == distance(b, a)


def test_a_joined_word_some_articles_have_is_looked_for_apart_where_many_write_it(
    tmp_path: Path,
) -> None:
    # "filedownloads" is in three script names; "file downloads" in the article about them
    # and in many others: more articles than RARE_JOINED have the joined word, and still far
    # fewer than write it apart
    scripts = [
        doc(f"script-{i}", f"Script variant {i}", "Load script.filedownloads.js for tracking.")
        for i in range(3)
    ]
    apart = [
        doc(f"export-{i}", f"Export {i}", f"Each file {i} downloads as a CSV, with tracking.")
        for i in range(9)
    ]
    about = doc(
        "file-downloads-tracking",
        "File downloads tracking",
        "Count the file downloads of your site: which file, how many downloads.",
    )
    build_index([*scripts, *apart, about], tmp_path / "ix")
    with Searcher(tmp_path / "ix") as searcher:
        assert ids(searcher, "filedownloads tracking")[0] == "file-downloads-tracking"


def test_a_corrected_query_earns_the_phrase_bonus_of_its_corrected_words(tmp_path: Path) -> None:
    # the heading "Fingerprinting protection" is said word for word by the query as corrected,
    # as it would be by the query typed right
    docs = [
        doc(
            "tracking-protections",
            "Web tracking protections",
            "We block trackers.",
            sections=(
                Section("fingerprinting", "Fingerprinting protection", "We limit what sites see."),
            ),
        ),
        doc(
            "browsing-privacy",
            "Protection from fingerprinting",
            "Fingerprinting is tracking by your device. Our protection against fingerprinting "
            "and protection against trackers keep fingerprinting away.",
        ),
    ]
    build_index(docs, tmp_path / "ix")
    with Searcher(tmp_path / "ix") as searcher:
        assert ids(searcher, "fingerprinting protection")[0] == "tracking-protections"
        resp = searcher.search("fingerprinting protecton")
        assert resp.did_you_mean == "fingerprinting protection"
        assert [r.id for r in resp.results][0] == "tracking-protections"


def test_a_joined_word_whose_words_no_article_has_together_finds_each_word(
    tmp_path: Path,
) -> None:
    # "shortdomain": "short" and "domain" are index words, but no article has both ("a
    # shorter domain name"): the word finds the articles "short domain" typed apart finds
    docs = [
        doc("short-domain", "A shorter domain name", "Our domain is ddg.gg, two letters less."),
        doc("short-links", "Short links", "Share a short link to a search."),
        doc("other", "Other settings", "Choose a theme."),
    ]
    build_index(docs, tmp_path / "ix")
    with Searcher(tmp_path / "ix") as searcher:
        assert set(ids(searcher, "short domain")) == {"short-domain", "short-links"}
        assert set(ids(searcher, "shortdomain")) == {"short-domain", "short-links"}
