"""A French search on a portal that shows most articles in English, untranslated: what
carries a French query's words to the English text (kb_core.search.languages,
kb_core.search.text.plan). Real Whoosh indexes built in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kb_builder.index.writer import build_index
from kb_core.search.searcher import Searcher
from tests.test_search_languages import doc, ids

DOCS = [
    doc(  # the one French article: it says the query's other words
        "clock-in",
        "Code PIN de la borne",
        "Installez l'application mobile sur la tablette, saisissez votre code PIN et touchez "
        "Pointer. Les notifications de l'application mobile vous rappellent votre service.",
        "fr",
        keywords=("code PIN", "code de la borne"),
    ),
    doc(
        "verification-code",
        "Two-step verification codes don't work",
        "If the code from your authenticator is rejected, check the time on your phone.",
        "en",
    ),
    doc(
        "install-app",
        "Install the mobile app",
        "Install the app from the App Store or Google Play and sign in.",
        "en",
    ),
    doc(
        "choose-notifications",
        "Choose your notifications",
        "Notifications by push, notifications by email: choose which notifications reach "
        "you, and turn notifications off for quiet hours.",
        "en",
    ),
    doc(
        "notifications-not-arriving",
        "Notifications aren't arriving",
        "When notifications stop, check your phone's settings.",
        "en",
    ),
]
SYNONYMS = [("install", "installer")]  # stem alike in French as in English


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    where = tmp_path_factory.mktemp("fr-to-en") / "index"
    build_index(DOCS, where, language="fr")
    with Searcher(where, synonyms=SYNONYMS) as s:
        yield s


def test_an_accented_word_finds_the_english_word_written_without_accents(
    portal: Searcher,
) -> None:
    """ "vérification" (wordfreq: 0.0 in English with its accents, 3.7 without) was a French
    word only: the French article's "code" came before the English verification codes."""
    assert ids(portal, "code de vérification")[0] == "verification-code"


def test_a_synonym_group_whose_words_stem_alike_carries_them_to_the_english_text(
    portal: Searcher,
) -> None:
    """[install, installer] is one stem in French as in English: the group was never matched,
    and "installer" (a French word only) never reached the English text."""
    assert "install-app" in ids(portal, "installer")
    assert ids(portal, "installer l'app")[0] == "install-app"


def test_a_french_negation_is_an_english_one(portal: Searcher) -> None:
    """ "n'arrivent pas" reports a problem as "aren't arriving" does: "pas" was a stop word,
    and the article about choosing notifications came first."""
    assert ids(portal, "notifications")[0] == "choose-notifications"
    assert ids(portal, "les notifications n'arrivent pas")[0] == "notifications-not-arriving"
    assert ids(portal, "les notifications ne marchent jamais")[0] == "notifications-not-arriving"
