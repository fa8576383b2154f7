"""A portal in another language than the default: its index holds its own articles and the
default language's text of the others, each analysed as its language (kb_core.search.schema,
kb_core.search.languages). Real Whoosh indexes built in tmp_path."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index

from kb_builder.index.fields import IndexDoc
from kb_builder.index.writer import build_index
from kb_core.config import load_config
from kb_core.search.languages import languages_of
from kb_core.search.schema import INDEX_NAME, other_languages
from kb_core.search.searcher import Searcher
from kb_core.search.text.analysis import Analyzer, normalize_query
from tests.conftest import ROOT


def doc(id: str, title: str, body: str, language: str, **kw: object) -> IndexDoc:
    return IndexDoc(
        id=id,
        title=title,
        url=f"fr/{id}/",
        category="Aide",
        category_slug="aide",
        summary=str(kw.pop("summary", "")),
        body=body,
        source=f"{id}.md",
        language=language,
        **kw,  # type: ignore[arg-type]
    )


DOCS = [
    doc(
        "approve-timesheets",
        "Valider les feuilles de temps",
        "Un responsable valide chaque feuille de temps avant la paie. Pour valider une "
        "feuille, ouvrez-la et cliquez sur Valider.",
        "fr",
    ),
    doc(
        "refunds",
        "Remboursements",
        "Demandez un remboursement sous 30 jours depuis l'application.",
        "fr",
    ),
    doc(  # the untranslated ones: English text
        "vat-and-tax-ids",
        "VAT and tax IDs",
        "Enter a valid tax ID and we leave VAT off the invoice. The ID must be valid in "
        "your country.",
        "en",
    ),
    doc(
        "failed-payments",
        "Failed payments",
        "Your card was billed twice? The second charge is a hold that your bank releases. "
        "The mobile applications show the same invoices.",
        "en",
    ),
    doc(
        "new-features",
        "What's new",
        "Each feature we release is listed here, with the date of the release.",
        "en",
    ),
]


def french_index(
    tmp_path_factory: pytest.TempPathFactory, docs: list[IndexDoc], name: str
) -> Iterator[Searcher]:
    """A searcher of a French index built of ``docs``."""
    where = tmp_path_factory.mktemp(name) / "index"
    build_index(docs, where, language="fr")
    with Searcher(where) as s:
        yield s


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    yield from french_index(tmp_path_factory, DOCS, "fr")


def ids(searcher: Searcher, query: str) -> list[str]:
    return [h.id for h in searcher.search(query).results]


def test_a_french_word_does_not_find_english_text_that_stems_alike(searcher: Searcher) -> None:
    """The French "valider" and the English "valid" are both "valid" to either stemmer;
    "valider" is a French word, so it looks in the French text only (it found the VAT
    article's "valid tax ID" too)."""
    assert ids(searcher, "valider") == ["approve-timesheets"]
    assert ids(searcher, "valid") == ["vat-and-tax-ids"]  # and an English word in English text


def test_english_text_is_analysed_in_english(searcher: Searcher) -> None:
    """The English stemmer makes "billing" and "billed" one word (the French one did not),
    and English stop words are stop words of English text ("the" was indexed in French)."""
    found = searcher.search("billing")
    assert [h.id for h in found.results] == ["failed-payments"]
    assert "<mark>billed</mark>" in found.results[0].snippet
    assert ids(searcher, "the") == []
    assert sorted(ids(searcher, "invoices")) == ["failed-payments", "vat-and-tax-ids"]


def test_a_word_of_both_languages_finds_the_text_of_both(searcher: Searcher) -> None:
    assert sorted(ids(searcher, "application")) == ["failed-payments", "refunds"]
    assert ids(searcher, "remboursements") == ["refunds"]


def test_typos_are_corrected_but_a_french_word_is_not_an_english_typo(searcher: Searcher) -> None:
    facture = searcher.search("facture")
    assert (facture.did_you_mean, facture.results) == (None, [])  # not "feature"
    typo = searcher.search("invoicse")
    assert (typo.did_you_mean, typo.corrected) == ("invoice", True)
    assert sorted(h.id for h in typo.results) == ["failed-payments", "vat-and-tax-ids"]


def test_a_french_typo_is_corrected_to_a_synonym_no_article_says(tmp_path: Path) -> None:
    """ "remboursement" is a synonym of "refund" in site_config.yml, and no French article
    says it: "remboursment" was no word the index knew nor near one, so found nothing (and
    kb gaps left it out as noise); the synonyms' words are words to correct to."""
    docs = [doc("refunds", "Get a refund", "Ask for a refund within 30 days.", "en"), DOCS[0]]
    build_index(docs, tmp_path, language="fr")
    for synonyms, found in (([("refund", "remboursement")], ["refunds"]), ([], [])):
        with Searcher(tmp_path, synonyms=synonyms) as s:
            typo = s.search("remboursment")
            assert [h.id for h in typo.results] == found
            assert typo.did_you_mean == ("remboursement" if found else None)
            assert typo.corrected is bool(found)


def test_an_index_of_one_language_has_its_fields_only(tmp_path: Path) -> None:
    """The default language's index is written as before: no fields for other languages."""
    build_index([doc(d.id, d.title, d.body, "en") for d in DOCS[2:]], tmp_path, language="en")
    ix = whoosh_index.open_dir(str(tmp_path), indexname=INDEX_NAME)
    assert other_languages(ix.schema) == [] and "language" not in ix.schema
    ix.close()
    with Searcher(tmp_path) as s:
        assert [h.id for h in s.search("billing").results] == ["failed-payments"]


@pytest.mark.parametrize(
    ("word", "languages"),
    [
        ("valider", ["fr"]),
        ("facture", ["fr"]),
        ("invoices", ["en"]),
        ("the", ["en"]),
        ("planning", ["fr", "en"]),
        ("application", ["fr", "en"]),
        ("gmail", ["fr", "en"]),
        ("xqzv", ["fr", "en"]),
        # accents typed: the other language may write the word without them
        ("vérification", ["fr", "en"]),  # English "verification"
        ("téléphone", ["fr", "en"]),
        ("sécurité", ["fr"]),  # "securite": no English word
        ("numéro", ["fr"]),
    ],
)
def test_the_languages_a_word_is_in(word: str, languages: list[str]) -> None:
    assert languages_of(word, ["fr", "en"]) == languages


SHARED = [
    doc("plans", "Plans and pricing", "Compare the plans. Every plan has a free trial.", "en"),
    doc(
        "schedule",
        "Create a schedule",
        "Add shifts for the week and publish them.",
        "en",
        keywords=("shift planning",),
    ),
    doc("busy", "Busy weeks", "When the shop is busy, add more shifts.", "en"),
    doc("export", "Export your data", "Download an export of your data.", "en"),
    doc("mobile", "Mobile app", "The mobile applications show your shifts.", "en"),
]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    yield from french_index(tmp_path_factory, SHARED, "fr-shared")


def test_a_word_of_both_languages_finds_itself_in_english_text_not_its_english_stem(
    shared: Searcher,
) -> None:
    """The French "planning" (a work schedule) is "plan" to the English stemmer: it found
    the English "plans" of the pricing article. A common French word that the English
    stemmer makes another word of finds itself in English text, singular or plural
    ("plannings" too; "business" is no longer "busy")."""
    assert ids(shared, "planning") == ids(shared, "plannings") == ["schedule"]
    assert ids(shared, "business") == []
    assert ids(shared, "application") == ids(shared, "applications") == ["mobile"]
    # words the two stemmers read alike keep the English stem's words
    assert ids(shared, "exporter") == ["export"]  # the French verb: "export" to either
    assert ids(shared, "plans") == ["plans", "schedule"]


def test_paiement_is_not_paie(searcher: Searcher) -> None:
    """Snowball made "pai" of "paiement" (payment) as of "paie" (payroll): "paiement refusé"
    found the article about validating timesheets before payroll."""
    assert ids(searcher, "paiement") == ids(searcher, "paiements") == []
    assert ids(searcher, "paie") == ["approve-timesheets"]


def test_payer_is_not_paie(searcher: Searcher) -> None:
    """Snowball made "pai" of "payer" (to pay) as of "paie" (payroll): "payer ma facture" found
    the article about validating timesheets before payroll."""
    assert ids(searcher, "payer") == ids(searcher, "payez") == []
    assert "approve-timesheets" not in ids(searcher, "payer ma facture")


def test_a_feminine_or_plural_participle_finds_its_verb(searcher: Searcher) -> None:
    """Accents folded, Snowball read "validées" as a word in -e ("valide"): "feuilles validées"
    did not find the article that says "valider" and "valide"."""
    assert ids(searcher, "validées") == ids(searcher, "validée") == ["approve-timesheets"]
    assert ids(searcher, "feuilles de temps validées") == ["approve-timesheets"]


RUN_TOGETHER = [
    doc(
        "overtime",
        "Heures supplémentaires",
        "Au-delà de 8 heures par jour, un bon taux le soir. Touchez cinq fois le logo. Le pointage "
        "mobile enregistre votre position.",
        "fr",
    ),
    doc("sessions", "Sessions", "Where you sign in, and how to sign out.", "en"),
]


@pytest.fixture(scope="module")
def run_together(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    yield from french_index(tmp_path_factory, RUN_TOGETHER, "fr-run-together")


@pytest.mark.parametrize("word", ["bonjour", "bonsoir", "parfois", "Parfois"])
def test_a_french_word_is_not_two_run_together(run_together: Searcher, word: str) -> None:
    """A real French word no article says is not cut into two they say: "bonjour" found the
    article saying "bon" and "jour" (confidence 1.0), "parfois" the one saying "fois"."""
    assert ids(run_together, word) == []


def test_words_run_together_are_still_split_on_a_french_portal(run_together: Searcher) -> None:
    assert ids(run_together, "pointagemobile") == ["overtime"]
    assert ids(run_together, "signin") == ["sessions"]  # English: at a stop word, as before


@pytest.mark.parametrize(
    ("language", "text", "terms"),
    [
        # French: the elided word is a word apart, and a stop word ("j'ai" was "jai")
        ("fr", "l'application", ["appliqu"]),
        ("fr", "L’Application", ["appliqu"]),
        ("fr", "j'ai oublié mon mot de passe", ["oubl", "mot", "pass"]),
        ("fr", "qu’il s'est connecté d'abord", ["connect", "abord"]),
        ("fr", "jusqu'à lorsqu'on puisqu'elle quoiqu'ils m'envoie t'a n'est c'est", ["envoi"]),
        ("fr", "aujourd'hui", ["aujourd", "hui", "aujourdhui"]),  # no elided word: as before
        ("fr", "quelqu'un", ["quelqu", "quelquun"]),
        # English as before: its apostrophes join, "l'" included
        ("en", "don't", ["not"]),
        ("en", "it's", []),
        ("en", "o'clock", ["clock", "oclock"]),
        ("en", "l'application", ["applic", "lapplic"]),
    ],
)
def test_french_elided_words_are_words_apart(language: str, text: str, terms: list[str]) -> None:
    assert Analyzer(language).terms(text) == terms


def test_a_query_sets_french_elided_words_apart_in_french_only() -> None:
    assert normalize_query("J’ai oublié l'appli", ["fr"]) == "j ai oublié l appli"
    assert normalize_query("J’ai oublié l'appli") == "jai oublié lappli"
    assert normalize_query("don't it's o'clock", ["en"]) == "dont its oclock"


@pytest.fixture(scope="module")
def elided(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    docs = [
        doc("push", "Notifications", "Ouvrez votre application et touchez Notifications.", "fr"),
        doc("refunds", "Remboursements", "Demandez-le depuis l’application mobile.", "fr"),
        doc("install", "Install the app", "The application is free on every plan.", "en"),
    ]
    yield from french_index(tmp_path_factory, docs, "elided")


@pytest.mark.parametrize("query", ["l'application", "l’application", "application"])
def test_an_elided_article_finds_the_word_it_leans_on(elided: Searcher, query: str) -> None:
    """ "l'application" found only the text that said "l'application" (its one term was
    "lapplication"), and marked nothing; it is "application" now, in French and English
    text alike, and the snippets mark the word ("l’" is no part of it)."""
    found = elided.search(query)
    assert sorted(h.id for h in found.results) == ["install", "push", "refunds"]
    snippets = {h.id: h.snippet for h in found.results}
    assert "votre <mark>application</mark> et" in snippets["push"]
    assert "l’<mark>application</mark> mobile" in snippets["refunds"]
    assert "<mark>application</mark> is free" in snippets["install"]


def test_a_typo_after_an_elided_article_is_corrected_and_shown_as_typed(elided: Searcher) -> None:
    """ "did you mean" writes the elided article as typed: "l'application", never the
    "l application" searched."""
    found = elided.search("l’aplication")
    assert (found.did_you_mean, found.corrected) == ("l'application", True)
    assert sorted(h.id for h in found.results) == ["install", "push", "refunds"]


@pytest.fixture(scope="module")
def french_portal(example_build: tuple[Path, Any]) -> Iterator[Searcher]:
    """The shipped example's French portal index (3 articles translated, 32 in English)."""
    config, _ = load_config(ROOT / "site_config.yml")
    where = example_build[0] / "index" / "fr" / "public"
    with Searcher(where, synonyms=config.synonyms_for("fr")) as s:
        yield s


@pytest.mark.parametrize(
    "query", ["j'ai oublié mon mot de passe", "J’ai oublié mon mot de passe", "mot de passe oublié"]
)
def test_a_french_sentence_with_an_elided_pronoun_is_answered(
    french_portal: Searcher, query: str
) -> None:
    """ "j'ai oublié mon mot de passe" was not answered (confidence 0.27) while "mot de passe
    oublié" was: its "j'ai" was the word "jai", which no article says."""
    found = french_portal.search(query)
    assert found.answered and found.results[0].id == "reset-password", found
    # searched as "j ai" (test_a_query_sets_french_elided_words_apart_in_french_only), logged
    # as typed
    assert found.normalized.split()[:2] in (["j'ai", "oublié"], ["mot", "de"])


def test_a_word_few_french_articles_lack_is_no_match_alone(french_portal: Searcher) -> None:
    """ "mot de passe oublié" counted 3 articles found ("3 articles trouvés") and was answered
    by *Clock in and out* (0.73): "oublié" weighed as rare among all 35 articles, though 2 of
    the 3 French ones say it ("oubli de pointage"). *Reset your password* (shown in English)
    answers it, and is the one match."""
    found = french_portal.search("mot de passe oublié")
    assert found.answered and found.results[0].id == "reset-password"
    assert not found.lone[0] and found.lone[1:3] == (True, True)
    assert [h.id for h in found.results[1:3]] == ["clock-in-and-out", "approve-timesheets"]
    assert found.weak[1:3] == (True, True)
    assert found.matches == 1
    # what those articles are about still finds them, and counts them
    forgot = french_portal.search("j'ai oublié de pointer")
    assert forgot.answered and forgot.results[0].id == "clock-in-and-out"
    assert forgot.matches == 1 and not forgot.weak[0]
    pointage = french_portal.search("oubli de pointage")
    assert [h.id for h in pointage.results[: pointage.matches]] == [
        "clock-in-and-out",
        "approve-timesheets",
    ]


@pytest.mark.parametrize(
    "query",
    [
        "je voudrais un remboursement depuis hier",
        "Bonjour, je voudrais un remboursement depuis hier",
        "Bonjour, j’aimerais un remboursement s'il vous plaît",
    ],
)
def test_a_french_request_s_circumstances_weigh_nothing(
    french_portal: Searcher, query: str
) -> None:
    """ "je voudrais un remboursement depuis hier" was unanswered (0.0): "voudrais" and "hier",
    which no article says, outweighed "remboursement", so *Get a refund* held one light word
    of four ('lone'). With "Bonjour, " it was answered (0.327) only by the runner-up,
    *Overtime and break rules*, holding "bon jour" and "depuis". Greetings, wanting and the day
    it happened say nothing of what is asked: *Get a refund* answers all of it."""
    found = french_portal.search(query)
    assert found.answered and found.results[0].id == "refunds", found
    assert not found.lone[0] and found.coverage[0] == max(found.coverage)
    assert found.matches == 1


def test_a_french_request_s_circumstances_leave_what_no_article_says(
    french_portal: Searcher,
) -> None:
    """What is left is judged as before: no article is about paying in bitcoin."""
    found = french_portal.search("Bonjour, je voudrais payer en bitcoin depuis hier")
    assert found.total and not found.answered


def test_a_search_keeps_its_elided_words_as_typed_for_the_log(french_portal: Searcher) -> None:
    """The log's query (``normalized``, what ``kb gaps`` groups and shows) wrote "j'ai oublié"
    as "j ai oublié", the words set apart for analysis."""
    found = french_portal.search("J’ai oublié l'appli")
    assert found.normalized == "j'ai oublié l'appli"
    assert normalize_query("J’ai oublié l'appli", ["fr", "en"], elided=True) == (
        "j'ai oublié l'appli"
    )
    assert normalize_query("Qu’est-ce qu'il faut, aujourd'hui ?", ["fr"], elided=True) == (
        "qu'est-ce qu'il faut aujourdhui"
    )
    # English apostrophes go as before, on either portal
    assert normalize_query("don't it's l'app", ["en"], elided=True) == "dont its lapp"
    assert french_portal.search("don't").normalized == "dont"


@pytest.mark.parametrize(
    "query",
    [
        "Changer la langue de l'application",
        "renommer un site",
        "taux horaire différent pour chaque site",
    ],
)
def test_a_word_every_french_article_says_is_no_evidence_for_one(
    french_portal: Searcher, query: str
) -> None:
    """ "Changer la langue de l'application" was answered (0.574) by *Règles d'heures
    supplémentaires et de pauses*, which says "changer" (its rules) and "s'applique" (the stem
    of "application"), though no article is about the app's language: "application" (as
    "site", of a place) is in all 3 French articles, but weighed as rare among all 35, as the
    32 in English never say it, and outweighed "langue", which none says. A French article's
    words weigh as they are rare among the French articles; the first hit stays first."""
    found = french_portal.search(query)
    assert found.results and not found.answered, found


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("exporter mes données", "export-your-data"),
        ("code de vérification ne marche pas", "verification-code-not-working"),
        ("changer mon adresse e-mail", "change-email"),
    ],
)
def test_an_english_article_s_words_weigh_as_among_the_english_ones(
    french_portal: Searcher, query: str, expected: str
) -> None:
    """An article shown in English weighs the typed words its text could say as they are
    rare among the English articles: "exporter" is in 2 of the 3 French articles (an
    export to payroll) but 6 of 32 English ones, and *Export your data* still answers."""
    found = french_portal.search(query)
    assert found.answered and found.results[0].id == expected, found


@pytest.mark.parametrize("query", ["jamais", "rien"])
def test_a_negation_alone_is_no_evidence(french_portal: Searcher, query: str) -> None:
    """French negations ("pas", "jamais", "rien", "aucun") are the term "not", as English's
    are; "not" is in most articles, so a search of a negation alone was answered (1.0) by any
    article saying one. A negation modifies the words it goes with: alone, or with words a
    hit lacks, it matches nothing."""
    found = french_portal.search(query)
    assert found.results and not found.answered, found.confidence
    assert found.matches <= 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("les notifications n'arrivent pas", "notifications-not-arriving"),
        ("code de vérification ne marche pas", "verification-code-not-working"),
    ],
)
def test_a_negation_with_an_article_s_words_still_finds_it(
    french_portal: Searcher, query: str, expected: str
) -> None:
    """A negation counts with the words it goes with: the article reporting the problem is
    first."""
    assert french_portal.search(query).results[0].id == expected


def test_a_french_text_s_words_are_marked_as_french_reads_them(french_portal: Searcher) -> None:
    """ "est-ce que je peux payer en bitcoin" showed *Règles d'heures supplémentaires et de
    pauses* with "pays" (a country) marked as "payer": the snippet read the French text's
    words with the English stemmer too, which makes "pay" of "pays". A French article's words
    are read in French: its "payés" (paid) is marked instead."""
    found = french_portal.search("est-ce que je peux payer en bitcoin")
    assert not found.answered
    marked = [
        m.lower()
        for hit in found.results
        if hit.id == "overtime-and-break-rules"
        for m in re.findall(r"<mark>(.*?)</mark>", hit.snippet)
    ]
    assert marked and "pays" not in marked, marked


def test_a_french_note_is_no_negation(french_portal: Searcher) -> None:
    """French Snowball makes "not" of "note", "noter" and "notez", the term every negation
    ("pas", "jamais") is: "mes employés ne voient pas le planning" marked the "note" of *Pointer
    à l'arrivée et au départ* as its "pas", and "ajouter une note" searched for negations. A
    word other than "not" is never the negations' term: a note is a note."""
    found = french_portal.search("mes employés ne voient pas le planning")
    marked = {
        m.lower() for hit in found.results for m in re.findall(r"<mark>(.*?)</mark>", hit.snippet)
    }
    assert not {m for m in marked if m.startswith("note")}, marked
    assert french_portal.search("ajouter une note").results[0].id == "clock-in-and-out"
