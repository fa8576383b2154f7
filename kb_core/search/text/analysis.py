"""Text into index terms: folded, split into words, stop words dropped, stemmed; and query
normalisation.

Analysis is plain Python rather than a Whoosh analyzer chain: one regex pass and a per-word
cache make it about thirty times faster to index, and the same code analyses queries.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

from whoosh.lang import has_stemmer, has_stopwords, stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

from kb_core.search.languages import COMMON_WORD_ZIPF, zipf

# Function words and the words of question boilerplate ("how do I", "can I", "what is").
# Deliberately kept: out, off, up, down, all, not, no, new, back, over, only, same (they tell
# "log out" from "log in", "turn off" from "turn on", "money back" from "money", "see only
# archived mail" from "see archived mail").
ENGLISH_STOP_WORDS = frozenset(
    """a about above after again against am an and any are as at be because been before being
    below between both but by can could did do does doing during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself
    just me might more most must my myself of on once or other ought our ours ourselves own
    shall she should so some such than that the their theirs them themselves then there
    these they this those through to too under until very was we were what when where which
    while who whom whose why will with would you your yours yourself yourselves
    don dont doesn doesnt didn didnt isn isnt aren arent wasn wasnt weren werent cant couldn
    couldnt won wont wouldn wouldnt shouldn shouldnt haven havent hasn hasnt hadn hadnt
    im ive id ll ve re""".split()
)

# Negations, apostrophe or not: all index and query as "not", so "can't log in" finds what
# "cannot sign in" or "not able to log in" says. People report a problem with them.
ENGLISH_NEGATIONS = frozenset(
    """cant cannot couldnt dont doesnt didnt isnt arent wasnt werent wont wouldnt shouldnt
    havent hasnt hadnt""".split()
)
NOT = "not"  # the term of every negation, in each language's text
NOT_A_NEGATION = "note"  # the term of a word other than "not" that stems as "not" (see _term)
# ... and in other languages the words that negate, read as "not" as English's are: "les
# notifications n'arrivent pas" reports a problem, as "notifications aren't arriving" does,
# and finds the article titled so (the index's "ne ... pas" were stop words, and said nothing)
NEGATIONS: Mapping[str, frozenset[str]] = {
    "en": ENGLISH_NEGATIONS,
    "fr": frozenset("pas jamais rien aucun aucune".split()),
}

READ_AS = "="  # starts a term of a word as itself, not as its stem: "=planning" (SharedWords)
_WORD_RE = re.compile(r"\w+(?:['.-]\w+)*")
DELIMS = re.compile(r"['._-]+")  # inside a word ("e-mail", "wi-fi"): its parts are words too
_QUERY_JUNK = re.compile(r"[^\w\s.+#'-]+")
_QUERY_WORD = re.compile(r"\w+(?:[-'.+#]+\w+)*[+#]*")
_MAX_WORD = 40  # longer "words" are hashes, URLs, base64: not worth indexing

# Words a language elides before a vowel, its apostrophe in their last letter's place:
# French "l'application", "j'ai", "qu'il", "jusqu'à" (Lucene's ElisionFilter list; Whoosh has
# none). Each is a word apart, and a stop word: "l'application" is "application" to search,
# as "j'ai" is the stop word "ai" (it was the word "lapplication", which only that spelling
# said, and "jai", which no text says). Other apostrophes join as before ("aujourd'hui",
# and in English "don't", "it's", "o'clock").
ELIDED: Mapping[str, frozenset[str]] = {
    "fr": frozenset("c d j l m n s t qu jusqu quoiqu lorsqu puisqu".split()),
}
_ELIDED_ALTERNATION = {
    language: "|".join(sorted(words, key=len, reverse=True)) for language, words in ELIDED.items()
}
_ELISION = {lang: re.compile(rf"\b({w})'(?=\w)") for lang, w in _ELIDED_ALTERNATION.items()}
_APART = {lang: re.compile(rf"\b({w}) (?=[^\W\d_])") for lang, w in _ELIDED_ALTERNATION.items()}


def fold(text: str) -> str:
    """NFKC, lower case, accents removed, typographic apostrophes made plain."""
    text = unicodedata.normalize("NFKC", text).lower()
    return text if text.isascii() else text.replace("’", "'").translate(accent_map)


def split_elisions(text: str, language: str) -> str:
    """Lower-case ``text`` (typographic apostrophes made plain) with ``language``'s elided
    words set apart from the word after them: French "l'application" is "l application"."""
    elision = _ELISION.get(language)
    return elision.sub(r"\1 ", text) if elision is not None and "'" in text else text


def join_elisions(text: str, languages: Iterable[str]) -> str:
    """A :func:`normalize_query` text with the elided words of ``languages`` written as they
    are ("l application" is "l'application" again): what "did you mean" shows."""
    for language in languages:
        apart = _APART.get(language)
        text = apart.sub(r"\1'", text) if apart is not None else text
    return text


def normalize_query(q: str, languages: Iterable[str] = (), *, elided: bool = False) -> str:
    """Lower-case, NFKC-normalise and strip punctuation and extra spaces from a query; the
    elided words of ``languages`` set apart (:func:`split_elisions`), or with ``elided``
    kept as typed, apostrophe and all ("j'ai oublié"): what the log keeps of a search (the
    words apart are for analysis; a content lead reads what the customer typed)."""
    text = unicodedata.normalize("NFKC", q).lower().replace("’", "'")
    kept = [_ELISION[language] for language in languages if language in _ELISION]
    if not elided:
        for language in languages:
            text = split_elisions(text, language)
        kept = []
    words = _QUERY_WORD.findall(_QUERY_JUNK.sub(" ", text))
    cleaned = (_without_apostrophes(w, kept).strip(".-") for w in words)
    return " ".join(w for w in cleaned if w)


def _without_apostrophes(word: str, elisions: Sequence[re.Pattern[str]]) -> str:
    """``word`` without its apostrophes, but that of an elided word it starts with (by one of
    ``elisions``): "jai", "j'ai"."""
    if "'" not in word:
        return word
    for elision in elisions:
        m = elision.match(word)
        if m is not None:
            return word[: m.end()] + word[m.end() :].replace("'", "")
    return word.replace("'", "")


# Words Whoosh's lists lack: articles and the words of question boilerplate ("comment ...",
# "pourquoi ...", "quels sont les ..."), as ENGLISH_STOP_WORDS has "how", "why" and "the".
_MORE_STOP_WORDS = {
    "fr": "les ils elles comment pourquoi quand quel quelle quels quelles cet cette cela".split()
    + sorted(ELIDED["fr"]),
    "de": "warum wann".split(),
    "es": "cuales".split(),
}


# French: Snowball takes "-ement" off a noun wherever it is, and one left with no syllable
# ("paiement", payment: "pai") falls in with the short words of that stem ("paie", payroll):
# "paiement refusé" found the timesheet articles. As Porter's rule for a suffix has it, the
# stem must keep a vowel then a consonant ("remboursement" is still "rembours", as
# "rembourser"; "logement" is "log"); else the word is its own term, in the singular.
_SYLLABLE = re.compile(r"[aeiouy][^aeiouy]")
_DERIVED = {"fr": ("ment", "ments")}
# French: Snowball writes the "y" of a verb in -yer as "i" once it took a verb ending off
# ("payer", "payez", "payant": "pai"), so that they meet the present tense written with i
# ("il paie"); but the nouns of that stem meet them too, "paie" (payroll), "emploi" (a job),
# "essai" (a trial), "loi" (law, for "loyer", rent): "payer ma facture" found the timesheet
# articles. And accents are folded before stemming, so Snowball never reads "payé" as a
# participle: it leaves "pay", the "y" kept ("envoyé", "employé" alike). A semivowel y stays
# a y: a verb in -yer is its participles' stem, not its nouns' in -i (what it loses are the
# present-tense forms written with i, "il paie", "il envoie").
_SEMIVOWEL_Y = frozenset({"fr"})
# French: and Snowball reads a participle in -ée, -ées, its accents folded ("validée",
# "validées": "validee"), as a word in -e, and stems it "valide", apart from its verb ("valider",
# "validez", "validé", "validés": "valid"): "heures validées" did not find "valider". A word
# in -ee or -ees stems as its masculine, the participle "validé" ("valide").
_PARTICIPLE_ENDINGS: Mapping[str, tuple[str, ...]] = {"fr": ("ees", "ee")}
# ... but not the nouns in -ée that are no participle of a verb of their meaning, nor those
# whose stem meets another word's ("donnée", data, is not "donner", to give, nor "entrée"
# "entre", between, nor "durée" "dur", hard, nor "coordonnées", contact details, "coordonner");
# nor "pays" (a country), which the semivowel y made "payer": each is its own term, in the
# singular.
_OWN_TERMS = {
    "fr": frozenset(
        """annee journee idee entree donnee coordonnee duree musee lycee trophee fusee poupee
        epee cheminee chaussee vallee maree lignee puree denree contree mosquee araignee
        allee randonnee coree guinee crimee pays""".split()
    )
}
# French: Snowball keeps the "i" of a verb in -ifier only where a verb ending follows
# ("modifier", "modifiant": "modifi"), and takes it off every other form ("modifié",
# "modifiez", "modification": "modif"): "fiche modifiée" did not find "modifier". Every stem
# in -ifi loses its i. (Other verbs in -ier keep apart from their participles: a stem in -i
# is as often a noun's, "fichier", file, whose "fich" would be "fiche".)
_IFIER = frozenset({"fr"})


def stemmer(language: str) -> Callable[[str], str] | None:
    """The stemmer of ``language`` (None when Whoosh has none), keeping whole the words
    whose stem would lose their meaning (:data:`_DERIVED`, :data:`_OWN_TERMS`),
    French's semivowel y (:data:`_SEMIVOWEL_Y`), and a French participle in -ée with its verb
    (:data:`_PARTICIPLE_ENDINGS`, :data:`_IFIER`)."""
    if not has_stemmer(language):
        return None
    stem: Callable[[str], str] = stemmer_for_language(language)
    derived = _DERIVED.get(language)
    semivowel = language in _SEMIVOWEL_Y
    participles = _PARTICIPLE_ENDINGS.get(language, ())
    own = _OWN_TERMS.get(language, frozenset())
    ifier = language in _IFIER
    if derived is None and not semivowel and not participles and not own and not ifier:
        return stem

    def kept_whole(word: str) -> str:
        if word in own:
            return word
        if word[-1:] == "s" and word[:-1] in own:
            return word[:-1]
        if word.endswith(participles):
            word = word.removesuffix("s")[:-1]
        found = stem(word)
        if derived and word.endswith(derived) and not _SYLLABLE.search(found):
            return word.removesuffix("s")
        if semivowel and found.endswith("i") and word[: len(found)] == found[:-1] + "y":
            return found[:-1] + "y"
        if ifier and found.endswith("ifi"):
            return found[:-1]
        return found

    return kept_whole


def stop_words(language: str) -> frozenset[str]:
    """The stop words for a language: ours for English, Whoosh's list otherwise, folded as the
    words they are compared with are ("à", "été" and "où" stop "a", "ete" and "ou")."""
    if language == "en":
        return ENGLISH_STOP_WORDS
    words = stopwords_for_language(language) if has_stopwords(language) else ()
    return frozenset(fold(w) for w in (*words, *_MORE_STOP_WORDS.get(language, ())))


def analysis_language(code: str) -> str:
    """The language whose stemmer and stop words analyse ``code``'s text: en-US is English."""
    return code.lower().replace("_", "-").split("-")[0]


WORDS_KEPT = 500_000  # a word cache is emptied when it grows past this many words


def remembered(
    cache: dict[str, tuple[str, ...]], word: str, make: Callable[[str], tuple[str, ...]]
) -> tuple[str, ...]:
    """``make(word)``, kept in ``cache`` (a per-process word cache, emptied when it grows
    past :data:`WORDS_KEPT` words)."""
    found = cache.get(word)
    if found is None:
        if len(cache) > WORDS_KEPT:
            cache.clear()
        found = cache[word] = make(word)
    return found


class Analyzer:
    """Text to index terms: folded, split into words, stop words dropped, stemmed.

    A word with inner punctuation gives its parts and the joined form: "e-mail" gives
    "mail" and "email", "wi-fi" gives "wi", "fi" and "wifi".
    """

    def __init__(self, language: str = "en", *, stop: bool = True) -> None:
        language = analysis_language(language)
        self.language = language
        self.stop_words = stop_words(language) if stop else frozenset()
        self._negations = NEGATIONS.get(language, frozenset())
        self._stem = stemmer(language)
        self._cache: dict[str, tuple[str, ...]] = {}

    def __getstate__(self) -> dict[str, object]:
        return {"language": self.language, "stop": bool(self.stop_words)}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(str(state["language"]), stop=bool(state["stop"]))  # type: ignore[misc]

    def words(self, text: str) -> list[str]:
        """The folded words of ``text``, its elided words apart (:func:`split_elisions`)."""
        return _WORD_RE.findall(split_elisions(fold(text), self.language))

    def negates(self, word: str) -> bool:
        """Whether folded ``word`` is a negation of the language (:data:`NEGATIONS`)."""
        return word in self._negations

    def word_terms(self, word: str) -> tuple[str, ...]:
        """The index terms of one folded word (empty for a stop word)."""
        return remembered(self._cache, word, self._analyze)

    def _analyze(self, word: str) -> tuple[str, ...]:
        parts = [p for p in DELIMS.split(word) if p]
        if len(parts) == 1:
            return self._term(parts[0])
        terms = [t for p in parts for t in self._term(p)]
        return tuple(dict.fromkeys([*terms, *self._term("".join(parts))]))

    def _term(self, word: str) -> tuple[str, ...]:
        if word in self._negations:
            return (NOT,)
        if len(word) < 2 or len(word) > _MAX_WORD or word in self.stop_words:
            return ()
        term = self._stem(word) if self._stem and not word.isdigit() else word
        # a word that is no negation is never the negations' term: French Snowball makes "not"
        # of "note", "noter", "notez", so "pas" found (and marked) them
        return (NOT_A_NEGATION,) if term == NOT and word != NOT else (term,)

    def terms(self, text: str) -> list[str]:
        """The index terms of ``text``, in order."""
        return [t for w in self.words(text) for t in self.word_terms(w)]

    def counts(self, words: Counter[str]) -> Counter[str]:
        """Term frequencies, from the frequencies of the words."""
        counts: Counter[str] = Counter()
        for word, n in words.items():
            for t in self.word_terms(word):
                counts[t] += n
        return counts


class SharedWords:
    """The words of another language's text that are common words of the index's language
    too, and that the text's stemmer makes another word of: each is indexed in that text a
    second time as itself, in the singular (``=planning``: :meth:`terms`).

    In the French portal the English text of an untranslated article is analysed as English,
    and the English stemmer makes "plan" of "planning": a French visitor's "planning" (a work
    schedule) found "Plans and pricing". A query word of both languages that the two
    languages' stemmers read apart looks for itself in that text (:meth:`query_terms`): the
    word, singular or plural ("business", "applications"), not the other words its stem
    stands for in the other language ("plans" for "planning", "busy" for "business"). A word
    both stemmers read alike ("exporter" and "export" are "export" to either; "messages")
    keeps its stem's words, as does one the text's stemmer leaves whole ("date", "plans").
    """

    def __init__(self, text: Analyzer, index: Analyzer) -> None:
        self.text, self.index = text, index
        self._cache: dict[str, tuple[str, ...]] = {}

    def terms(self, word: str) -> tuple[str, ...]:
        """The term of one folded word of the text as itself ("=planning"), or none."""
        return remembered(self._cache, word, self._itself)

    def query_terms(self, word: str) -> tuple[str, ...]:
        """What one folded query word looks for in the text instead of its stem: itself
        (:meth:`terms`), when the index's stemmer reads it otherwise than the text's."""
        itself = self.terms(word)
        apart = self.index.word_terms(word) != self.text.word_terms(word)
        return itself if itself and apart else ()

    def _itself(self, word: str) -> tuple[str, ...]:
        if len(word) < 3 or not word.isalpha() or word in self.text.stop_words:
            return ()
        singular = word[:-1] if len(word) > 3 and word.endswith("s") else word
        if self.text.word_terms(word) == (singular,):
            return ()
        common = (zipf(w, self.index.language) or 0.0 for w in dict.fromkeys((word, singular)))
        if max(common) < COMMON_WORD_ZIPF:  # ("plannings" is rarer than "planning")
            return ()
        return (READ_AS + singular,)

    def counts(self, words: Counter[str]) -> Counter[str]:
        """The frequencies of the words' terms, from the frequencies of the words."""
        counts: Counter[str] = Counter()
        for word, n in words.items():
            for t in self.terms(word):
                counts[t] += n
        return counts


def phrase_terms(keys: Analyzer, text: str) -> str:
    """A phrase as its terms, stop words kept, space-separated: how an article's keywords
    are stored and the query is matched against them ("Can't log in" is "not log in")."""
    return " ".join(keys.terms(DELIMS.sub(" ", normalize_query(text, (keys.language,)))))


def spellable(words: Iterable[str]) -> set[str]:
    """The words a spelling correction may suggest: letters only, 3-24 of them."""
    return {w for w in words if 3 <= len(w) <= 24 and w.isalpha()}
