"""The French stemmer (kb_core.search.text.analysis.stemmer): Snowball, accents folded first,
with the words whose stem would lose their meaning kept whole and the forms of one verb made one
term. Each table: the words of ``same`` are one term, and none of ``other`` is that term."""

from __future__ import annotations

import pytest

from kb_core.search.text.analysis import Analyzer


def assert_one_term(same: list[str], other: list[str]) -> None:
    french = Analyzer("fr")
    terms = {tuple(french.terms(w)) for w in same}
    assert len(terms) == 1, {w: french.terms(w) for w in same}
    others = {w: french.terms(w) for w in other}
    assert not terms & {tuple(t) for t in others.values()}, others


@pytest.mark.parametrize(
    ("same", "other"),
    [
        (["paiement", "paiements"], ["paie", "paies", "payer"]),  # a stem of no syllable: whole
        (["remboursement", "remboursements", "rembourser", "remboursé"], []),  # stem kept
        (["abonnement", "abonner", "abonnés"], []),
        (["logement", "loger"], []),  # "log": a syllable
        (["facture", "factures", "facturation"], []),
    ],
)
def test_french_stems_keep_a_syllable(same: list[str], other: list[str]) -> None:
    assert_one_term(same, other)


@pytest.mark.parametrize(
    ("same", "other"),
    [
        # a verb in -yer and its participles (accents folded: "payé" was "pay", "payer" "pai")
        (["payer", "payez", "payé", "payés", "payant"], ["paie", "paies", "paiement"]),
        (["employer", "employé", "employés", "employez"], ["emploi", "emplois"]),
        (["essayer", "essayez", "essayé"], ["essai", "essais"]),
        (["envoyer", "envoyez", "envoyé"], ["envoi"]),
        (["loyer"], ["loi"]),  # rent, law
        # a y inside a stem is as before
        (["moyen", "moyens"], []),
        (["crayon", "crayons"], []),
    ],
)
def test_a_french_verb_in_yer_is_not_its_noun_in_i(same: list[str], other: list[str]) -> None:
    assert_one_term(same, other)


@pytest.mark.parametrize(
    ("same", "other"),
    [
        # feminine and plural participles in -ée, -ées were "valide", "paye", "envoye"
        (["valider", "validez", "validé", "validés", "validée", "validées", "validation"], []),
        (["payer", "payé", "payée", "payées"], ["paie", "pays"]),  # "pays", a country
        (["envoyer", "envoyée", "envoyées"], ["envoi"]),
        (["employé", "employée", "employées"], ["emploi"]),
        (["annuler", "annulé", "annulée", "annulation"], []),
        (["facturer", "facturé", "facturée", "facturées", "facture"], []),
        (["porter", "porté", "portée", "porte"], []),
        (["créer", "créé", "créée", "créées", "créés"], []),  # "-éée" too
        (["lier", "lié", "liée", "liées"], []),
        # verbs in -ifier: "modifier" was "modifi", every other form "modif"
        (["modifier", "modifié", "modifiée", "modifiez", "modification", "modifiant"], []),
        (["vérifier", "vérifié", "vérifiées", "vérifiez", "vérification"], []),
        (["notifier", "notifiée", "notification", "notifications"], []),
        # nouns in -ée that are no participle of their verb's meaning: their own term
        (["donnée", "données"], ["donner", "donné", "don", "donne"]),  # data, to give
        (["entrée", "entrées"], ["entre", "entrer", "entré"]),  # an entry, between
        (["durée", "durées"], ["dur", "durant", "durer"]),  # duration, hard, during
        (["coordonnées"], ["coordonner", "coordonné"]),  # contact details, to coordinate
        (["année", "années"], ["an", "ans", "anne"]),
        (["journée", "journées"], ["jour", "journal"]),
        (["idée", "idées"], ["id", "ide"]),
    ],
)
def test_a_french_participle_in_ee_is_its_verb(same: list[str], other: list[str]) -> None:
    assert_one_term(same, other)


def test_a_word_stemmed_as_not_is_no_negation() -> None:
    """ "note", "noter", "notez" stem as "not" in French, the negations' term: each is "note"
    (as English's "notes" is), and "pas" and English "not" stay "not"."""
    french, english = Analyzer("fr"), Analyzer("en")
    assert {french.word_terms(w) for w in ("note", "noter", "notez", "notes")} == {("note",)}
    assert french.word_terms("pas") == english.word_terms("not") == ("not",)
    assert english.word_terms("notes") == ("note",)
