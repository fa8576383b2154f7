"""Text handling for search: analysis into index terms, query normalisation, query plans
(boilerplate, synonyms) and highlighted snippets.

Used by the ``search*`` modules only; imports neither mkdocs nor Flask. Analysis is plain
Python rather than a Whoosh analyzer chain: one regex pass and a per-word cache make it about
thirty times faster to index, and the same code analyses queries.
"""

from __future__ import annotations

import bisect
import html
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from whoosh.lang import has_stemmer, has_stopwords, stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

from kb_core.search.languages import COMMON_WORD_ZIPF, languages_of, zipf

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

# Query-only boilerplate: phrases people wrap around what they look for. Removed from queries
# (never from the index), matched on whole words of the normalised query.
_BOILERPLATE = re.compile(
    r"\b(?:"
    r"is there (?:a|any) (?:way|method|option|setting)s?(?: to| of| for| that)?"
    r"|is it (?:possible|feasible)(?: to| for me to)?"
    r"|(?:i|we) (?:would|d) like to|id like to"
    r"|(?:i|we) (?:want|wanted|need|needed|wish|am trying|m trying|was trying) to"
    r"|(?:does|do) (?:anyone|anybody|someone|somebody|you) know(?: of| how to| how| if| whether)?"
    r"|any (?:idea|ideas|tips|suggestions)(?: on| about| how to| how)?"
    r"|what(?: is|s) the (?:best|easiest|quickest|simplest|fastest|proper|right) way(?: to| of)?"
    r"|(?:please )?(?:help me|tell me how to|show me how to)|please|thanks|thank you"
    r"|(?:kind|sort) of"
    r")\b"
)

# Query-only filler: conversational words that say nothing about the subject. Dropped from a
# query when it has other words. "kind" and "sort" are filler only before "of" (boilerplate
# above): "sort by date", "what kind of data".
FILLER_WORDS = frozenset(
    """actually really just bit somehow maybe perhaps possibly probably anyway
    anyone anybody someone somebody something anything everything thing things stuff
    able way ways also still even much quite rather pretty ok okay hi hello hey
    thanks thank please question""".split()
)

LANGUAGE_TAG = ":"  # between a language and a term of its text in a query plan: "en:invoic"
READ_AS = "="  # starts a term of a word as itself, not as its stem: "=planning" (SharedWords)
_WORD_RE = re.compile(r"\w+(?:['.-]\w+)*")
_DELIMS = re.compile(r"['._-]+")
_INNER_DELIMS = re.compile(r"(?<=\w)['._-]+(?=\w)")
_QUERY_JUNK = re.compile(r"[^\w\s.+#'-]+")
_QUERY_WORD = re.compile(r"\w+(?:[-'.+#]+\w+)*[+#]*")
MAX_CLAUSES = 32  # words of a query that count; the rest only cost time
_MAX_WORD = 40  # longer "words" are hashes, URLs, base64: not worth indexing


def fold(text: str) -> str:
    """NFKC, lower case, accents removed, typographic apostrophes made plain."""
    text = unicodedata.normalize("NFKC", text).lower()
    return text if text.isascii() else text.replace("’", "'").translate(accent_map)


def normalize_query(q: str) -> str:
    """Lower-case, NFKC-normalise and strip punctuation and extra spaces from a query."""
    text = unicodedata.normalize("NFKC", q).lower().replace("’", "'")
    words = _QUERY_WORD.findall(_QUERY_JUNK.sub(" ", text))
    cleaned = (w.replace("'", "").strip(".-") for w in words)
    return " ".join(w for w in cleaned if w)


# Words Whoosh's lists lack: articles and the words of question boilerplate ("comment ...",
# "pourquoi ...", "quels sont les ..."), as ENGLISH_STOP_WORDS has "how", "why" and "the".
_MORE_STOP_WORDS = {
    "fr": "les ils elles comment pourquoi quand quel quelle quels quelles cet cette cela".split(),
    "de": "warum wann".split(),
    "es": "cuales".split(),
}


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
        self._negations = ENGLISH_NEGATIONS if language == "en" else frozenset()
        self._stem = stemmer_for_language(language) if has_stemmer(language) else None
        self._cache: dict[str, tuple[str, ...]] = {}

    def __getstate__(self) -> dict[str, object]:
        return {"language": self.language, "stop": bool(self.stop_words)}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(str(state["language"]), stop=bool(state["stop"]))  # type: ignore[misc]

    def words(self, text: str) -> list[str]:
        return _WORD_RE.findall(fold(text))

    def word_terms(self, word: str) -> tuple[str, ...]:
        """The index terms of one folded word (empty for a stop word)."""
        return remembered(self._cache, word, self._analyze)

    def _analyze(self, word: str) -> tuple[str, ...]:
        parts = [p for p in _DELIMS.split(word) if p]
        if len(parts) == 1:
            return self._term(parts[0])
        terms = [t for p in parts for t in self._term(p)]
        return tuple(dict.fromkeys([*terms, *self._term("".join(parts))]))

    def _term(self, word: str) -> tuple[str, ...]:
        if word in self._negations:
            return ("not",)
        if len(word) < 2 or len(word) > _MAX_WORD or word in self.stop_words:
            return ()
        return (self._stem(word),) if self._stem and not word.isdigit() else (word,)

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
    return " ".join(keys.terms(_DELIMS.sub(" ", normalize_query(text))))


def spellable(words: Iterable[str]) -> set[str]:
    """The words a spelling correction may suggest: letters only, 3-24 of them."""
    return {w for w in words if 3 <= len(w) <= 24 and w.isalpha()}


# --------------------------------------------------------------------------- query plans


@dataclass
class Clause:
    """One thing the query asks for: a word, or a synonym group's alternatives."""

    surface: str  # what the person typed, for "did you mean" and highlighting
    alternatives: list[tuple[str, ...]]  # each a sequence of index terms (1 = term, >1 = phrase)
    corrected: bool = False
    synonyms: bool = False  # the alternatives are a synonym group's, the typed words one of them


@dataclass
class QueryPlan:
    normalized: str
    words: list[str]  # the query's words after boilerplate removal
    clauses: list[Clause] = field(default_factory=list)


class QueryPlanner:
    """Turns a raw query into clauses of index terms, applying boilerplate and synonyms.

    With ``others``, the other languages whose text the index holds (the default language's,
    in a portal showing articles untranslated): a word is looked for in the text of each
    language it may be a word of (:func:`~kb_core.search.languages.languages_of`), analysed as
    that language's, and is no clause when it is a stop word of one of them; a synonym group
    holds in every language. Terms of another language than the index's are tagged with it
    (``en:invoic``: :func:`~kb_core.search.schema.fields_of`).
    """

    def __init__(
        self,
        analyzer: Analyzer,
        synonyms: Sequence[Sequence[str]] = (),
        others: Sequence[str] = (),
        *,
        tag: str = "",
    ) -> None:
        self.analyzer = analyzer
        self.keys = Analyzer(analyzer.language, stop=False)  # for phrases: stop words kept
        self.headings: dict[str, tuple[str, ...]] = {}  # a heading's phrase (rank.py)
        self.tag = tag  # what this planner's terms start with in a plan: "" or "en:"
        # Synonym groups; each phrase is matched by its terms including stop words ("log in"),
        # and "two-factor" is also "two factor" and "twofactor". Each group's alternatives
        # by its place in ``synonyms``; those with two keys or more are matched. A phrase of
        # one word is matched as that word, singular or plural, not by its stem: "bill" is
        # "bills", never "billing" (:func:`same_word`); the words of a longer phrase say
        # what it is about, so "logged in" and "logging in" are "log in".
        self._groups: list[tuple[int, list[tuple[tuple[str, ...], str]]]] = []
        self._group_terms: list[list[tuple[str, ...]]] = []
        for g, group in enumerate(synonyms):
            entries: list[tuple[tuple[str, ...], str]] = []
            terms_of: list[tuple[str, ...]] = []
            for phrase in group:
                spaced = _DELIMS.sub(" ", fold(phrase))
                joined = _INNER_DELIMS.sub("", fold(phrase))
                for form in dict.fromkeys((spaced, joined)):
                    key, terms = tuple(self.keys.terms(form)), tuple(analyzer.terms(form))
                    if key:
                        entries.append((key, form if len(key) == 1 else ""))
                        terms_of.append(terms or key)
            self._group_terms.append(list(dict.fromkeys(terms_of)))
            if len({key for key, _ in entries}) > 1:
                self._groups.append((g, entries))
        languages = dict.fromkeys(map(analysis_language, others))
        self.others = [
            QueryPlanner(Analyzer(o), synonyms, tag=o + LANGUAGE_TAG)
            for o in languages
            if o != analyzer.language
        ]
        # the words of each other language's text that are words of the index's language too
        self.shared: SharedWords | None = None
        for other in self.others:
            other.shared = SharedWords(other.analyzer, analyzer)
        self._planners = [self, *self.others]
        self.stop_words = frozenset().union(*(p.analyzer.stop_words for p in self._planners))

    @property
    def tags(self) -> list[str]:
        """What the terms of each language start with in a plan: "" (the index's), "en:"."""
        return [p.tag for p in self._planners]

    def plan(self, query: str) -> QueryPlan:
        normalized = normalize_query(query)
        english = self.analyzer.language == "en"
        stripped = (_BOILERPLATE.sub(" ", normalized) if english else normalized).split()
        content = [w for w in stripped if w not in FILLER_WORDS or not english]
        words = content or stripped or normalized.split()
        plan = QueryPlan(normalized, words)
        keys = [[tuple(p.keys.terms(_DELIMS.sub(" ", w))) for w in words] for p in self._planners]
        seen: set[tuple[tuple[str, ...], ...]] = set()
        i = 0
        while i < len(words):
            # the longest synonym phrase here in any language (the index's first, on a tie)
            found = (p._synonym_at(k, words, i) for p, k in zip(self._planners, keys, strict=True))
            synonym = max((f for f in found if f), key=lambda f: f[0], default=None)
            if synonym is None:
                length, alternatives = 1, self.word(words[i])
            else:
                length, alternatives = synonym[0], self._group_alternatives(synonym[1])
            clause = Clause(" ".join(words[i : i + length]), alternatives, synonyms=bool(synonym))
            i += length
            # a stop word gives no clause; the same word twice counts once
            if alternatives and tuple(alternatives) not in seen:
                seen.add(tuple(alternatives))
                plan.clauses.append(clause)
                if len(plan.clauses) == MAX_CLAUSES:  # a pasted page is not a question
                    break
        return plan

    def word(self, word: str) -> list[tuple[str, ...]]:
        """A word's alternatives: "wi-fi" is the phrase "wi fi" or the word "wifi"; in each
        language ``word`` may be a word of, none when it is a stop word of one of them."""
        if not self.others:
            return self._word(word)
        languages = languages_of(word, [p.analyzer.language for p in self._planners])
        alternatives: list[tuple[str, ...]] = []
        for p in self._planners:
            if p.analyzer.language in languages:
                mine = p._word(word)
                if not mine:
                    return []
                alternatives += p._tagged(p._itself(word, mine))
        return alternatives

    def phrase(self, words: Sequence[str]) -> list[tuple[str, ...]]:
        """``words`` as a phrase of terms, in each language (those with terms)."""
        found = ((p, tuple(t for w in words for t in p.analyzer.terms(w))) for p in self._planners)
        return [alt for p, terms in found if terms for alt in p._tagged([terms])]

    def word_terms(self, word: str) -> tuple[str, ...]:
        """The index terms of one folded word, in every language (untagged)."""
        if not self.others:
            return self.analyzer.word_terms(word)
        terms = (t for p in self._planners for t in p.analyzer.word_terms(word))
        return tuple(dict.fromkeys(terms))

    def is_stop_word(self, word: str) -> bool:
        """Whether ``word`` is a stop word of a language it may be a word of."""
        if not self.others:
            return word in self.analyzer.stop_words
        languages = languages_of(word, [p.analyzer.language for p in self._planners])
        return any(
            word in p.analyzer.stop_words
            for p in self._planners
            if p.analyzer.language in languages
        )

    def said(self, query: str) -> dict[str | None, str]:
        """The query as :func:`phrase_terms`, space-padded, by language (the index's: None)."""
        said: dict[str | None, str] = {None: f" {phrase_terms(self.keys, query)} "}
        for p in self.others:
            said[p.analyzer.language] = f" {phrase_terms(p.keys, query)} "
        return said

    def _word(self, word: str) -> list[tuple[str, ...]]:
        folded = fold(word)
        parts = [p for p in _DELIMS.split(folded) if p]
        if len(parts) < 2:
            terms = tuple(self.analyzer.terms(folded))
            return [terms] if terms else []
        alternatives = [tuple(t for p in parts for t in self.analyzer.terms(p))]
        alternatives.append(tuple(self.analyzer.terms("".join(parts))))
        return [a for a in dict.fromkeys(alternatives) if a]

    def _itself(self, word: str, mine: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
        """A word's alternatives in another language's text (``mine``: as that language
        analyses it), or the word itself, when it is a common word of the index's language
        whose stem is another in that language (:class:`SharedWords`): "planning" is not
        "plan"."""
        itself = self.shared.query_terms(fold(word)) if self.shared is not None else ()
        return [itself] if itself else mine

    def _tagged(self, alternatives: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
        if not self.tag:
            return alternatives
        return [tuple(self.tag + t for t in alt) for alt in alternatives]

    def _group_alternatives(self, group: int) -> list[tuple[str, ...]]:
        """Synonym group ``group``'s alternatives, in every language."""
        found = (alt for p in self._planners for alt in p._tagged(p._group_terms[group]))
        return list(dict.fromkeys(found))

    def _synonym_at(
        self, keys: list[tuple[str, ...]], words: list[str], i: int
    ) -> tuple[int, int] | None:
        """The longest synonym phrase starting at word ``i`` (``keys``: each word's key
        terms): (words used, its group)."""
        best: tuple[int, int] | None = None
        if not keys[i]:
            return None
        for g, group in self._groups:
            for key, word in group:
                if word and not same_word(fold(words[i]), word):
                    continue
                flat: tuple[str, ...] = ()
                n = i
                for n in range(i, len(keys)):
                    flat += keys[n]
                    if len(flat) >= len(key):
                        break
                if flat == key and (best is None or n + 1 - i > best[0]):
                    best = (n + 1 - i, g)
        return best


def same_word(word: str, synonym: str) -> bool:
    """Whether folded ``word`` is the one-word synonym ``synonym``, its plural ("bills",
    "factures", "bureaux", "replies") or its regular English past ("refunded", "cancelled",
    "emptied", "priced"), rather than another word of the same stem: a form in -ing often
    names something else ("billing", "setting", "meeting"), and "card" is no "car", nor
    "feed" a "fee"."""
    if not word.startswith(synonym[:-1]):
        return False
    endings = ["", "s", "es", "ed", synonym[-1:] + "ed"]
    if synonym.endswith("e") and len(synonym) > 3:  # "priced"; not "feed" for "fee"
        endings.append("d")
    if synonym.endswith(("au", "eu")):  # "bureaux", not "fax" for "fa"
        endings.append("x")
    if word in {synonym + ending for ending in endings}:
        return True
    return synonym.endswith("y") and word in (synonym[:-1] + "ies", synonym[:-1] + "ied")


def language_tag(alternative: tuple[str, ...]) -> str:
    """The language an alternative's terms are tagged with ("en:"), or "" (the index's)."""
    at = alternative[0].find(LANGUAGE_TAG)
    return alternative[0][: at + 1] if at >= 0 else ""


def untagged(term: str) -> str:
    """A term without its language tag (or :data:`READ_AS`): "en:invoic" is "invoic",
    "en:=planning" is "planning"."""
    return term.rpartition(LANGUAGE_TAG)[2].removeprefix(READ_AS)


# --------------------------------------------------------------------------- snippets


class WordFinder:
    """Finds the query's words in text: each match says which clause of the query it is.

    A word matches when it starts with one of the clause's stems or typed words: ranking
    counts "application" for "app". What a reader is shown as the query's words
    (:meth:`words`, the snippets' <mark>) is stricter, given ``terms`` (an analyser's
    ``word_terms``: a folded word's index terms): a whole word that is one of the clause's
    words or has one of its terms, so "app" marks "app" and "apps", never "appear" or
    "Apple".
    """

    def __init__(
        self,
        clauses: Sequence[Sequence[str]],
        terms: Callable[[str], Iterable[str]] | None = None,
    ) -> None:
        self._terms = terms
        self._owner: dict[str, int | None] = {}  # word -> the first clause it is a form of
        groups = []
        firsts: list[str] = []
        self._clause_of = [-1]  # regex group number -> clause number
        self._stems: list[tuple[str, ...]] = []
        self._each: list[re.Pattern[str] | None] = []
        for i, stems in enumerate(clauses):
            parts = sorted({s.lower() for s in stems if len(s) >= 2}, key=len, reverse=True)
            alternation = "|".join(re.escape(p) for p in parts)
            self._stems.append(tuple(parts))
            self._each.append(
                re.compile(rf"{_starts(parts)}\b(?:{alternation})") if parts else None
            )
            if parts:
                groups.append(f"({alternation})")
                self._clause_of.append(i)
                firsts.extend(parts)
        self.pattern = (
            re.compile(rf"{_starts(firsts)}\b(?:" + "|".join(groups) + r")\w*") if groups else None
        )

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, clause number) of every match."""
        if self.pattern is None:
            return []
        clause_of = self._clause_of
        return [
            (m.start(), m.end(), clause_of[m.lastindex or 0])
            for m in self.pattern.finditer(_lower(text))
        ]

    def words(self, text: str) -> list[tuple[int, int, int]]:
        """:meth:`find`'s matches that are whole words of their clause (see the class);
        all of them when no ``terms`` were given."""
        if self._terms is None or self.pattern is None:
            return self.find(text)
        owner, found = self._owner, []
        for m in self.pattern.finditer(_lower(text)):
            word = m.group()  # most are known: a look-up here, no call (the text is long)
            clause = owner[word] if word in owner else self._owner_of(word)
            if clause is not None:
                found.append((*m.span(), clause))
        return found

    def _owner_of(self, word: str) -> int | None:
        """The first clause whose typed words or terms ``word`` (whole, lower case) is a
        form of: the word itself, or one of its index terms."""
        if word not in self._owner:
            assert self._terms is not None
            forms = {word, fold(word), *self._terms(fold(word))}
            owners = (i for i, stems in enumerate(self._stems) if forms.intersection(stems))
            self._owner[word] = next(owners, None)
        return self._owner[word]

    def first(self, text: str) -> int | None:
        """Where the first match starts, if any (what :meth:`find` would list first)."""
        m = self.pattern.search(_lower(text)) if self.pattern is not None else None
        return None if m is None else m.start()

    def clauses_in(self, text: str) -> set[int]:
        """The clauses with a word in ``text``."""
        # Substring tests first: they are C-fast and rule out most clauses without a regex.
        lower = _lower(text)
        found = set()
        for i, (stems, each) in enumerate(zip(self._stems, self._each, strict=True)):
            if each is not None and any(s in lower for s in stems) and each.search(lower):
                found.add(i)
        return found

    def clauses_in_each(
        self, texts: Sequence[str], only: Iterable[int] | None = None
    ) -> list[set[int]]:
        """:meth:`clauses_in` of each text (of the clauses ``only`` names, if given).

        The texts are searched newline-joined: no stem holds a newline, and the newline
        before a text is a word boundary, as its start is. A clause none of whose stems is
        anywhere is skipped; else its regex jumps to the next text at each match."""
        if len(texts) < 2 and only is None:
            return [self.clauses_in(t) for t in texts]
        found: list[set[int]] = [set() for _ in texts]
        lowered = [_lower(t) for t in texts]
        joined = "\n".join(lowered)
        starts = list(itertools.accumulate((len(t) + 1 for t in lowered[:-1]), initial=0))
        for i in range(len(self._stems)) if only is None else sorted(only):
            each = self._each[i]
            if each is None or not any(s in joined for s in self._stems[i]):
                continue
            search, m = each.search, each.search(joined)
            while m is not None:  # one match a text is enough: on to the next text
                k = bisect.bisect_right(starts, m.start())
                found[k - 1].add(i)
                m = search(joined, starts[k]) if k < len(starts) else None
        return found

    def pairs_in(self, text: str, gap: int = 20) -> set[int]:
        """Clauses i whose words appear followed closely by those of clause i + 1."""
        found = self.find(text)
        return {
            a[2]
            for a, b in zip(found, found[1:], strict=False)
            if b[2] == a[2] + 1 and b[0] - a[1] <= gap
        }


def _starts(stems: Iterable[str]) -> str:
    """A lookahead for the first letters of ``stems``: what a match must start with, said
    first so the regex engine skips other positions fast (matches are the same)."""
    return "(?=[" + "".join(re.escape(c) for c in sorted({s[0] for s in stems})) + "])"


def _lower(text: str) -> str:
    lower = text.lower()
    if len(lower) != len(text):  # a few letters change length in lower case: keep offsets
        lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lower


# Between the cells of a table row in an article's plain text (kb_builder.content.plain_text):
# a row under a header names each cell's column (:func:`labelled`), "Paid by: Card · Time until
# you see the money: 5-10 business days"; the header row is its cells alone. A row quoted alone
# (a snippet, an answer card) then still says what "5-10 business days" is.
CELLS = " · "
# What ends a cell's label: ": ", and in French text a narrow no-break space before the colon
# ("Signalement\u202f: Départ manquant"), as French typography has it.
LABEL_MARKS = {"fr": "\u202f: "}
_LABEL_ENDS = (
    "?: \t\u00a0\u202f"  # left out of a header made a label ("Refund?", "Remboursement ?")
)


def label_mark(language: str) -> str:
    """What ends a table cell's label in text of ``language`` (a code: "fr", "fr-CA")."""
    return LABEL_MARKS.get(analysis_language(language or "en"), ": ")


def labelled(headers: Sequence[str], cells: Sequence[str], language: str = "en") -> str:
    """A table row as a line of text of ``language``: each cell after its column's header
    ("Refund?" labels "Refund: Yes", in French "Remboursement\u202f: Oui"), a cell under an
    empty header (a row's own label) and extra cells alone, empty cells left out."""
    mark = label_mark(language)
    labels = [h.rstrip(_LABEL_ENDS) for h in headers]
    labels += [""] * (len(cells) - len(labels))
    return CELLS.join(f"{h}{mark}{c}" if h else c for h, c in zip(labels, cells, strict=False) if c)


def unlabelled(header: str, row: str) -> str:
    """A row of :func:`labelled` without its labels, shown under its ``header`` line (the
    header row's cells, ``CELLS``-joined): a card quoting several rows shows the header once."""
    cells = [cell[len(label) :] for label, cell in _labels(header, row)]
    return row[: len(row) - len(row.lstrip())] + CELLS.join(cells)


def all_labelled(header: str, row: str) -> bool:
    """Whether every cell of ``row`` has its header's label: shown under its ``header`` line,
    each cell is in its column (not so for a row of a table whose first header is empty,
    "Price · Free: $0 · Team: $4", nor for a row with an empty cell)."""
    return all(label for label, _ in _labels(header, row))


def _labels(header: str, row: str) -> list[tuple[str, str]]:
    """(label and its mark, ": " or another language's, or "") and each cell of a row of
    :func:`labelled`."""
    marks = {": ", *LABEL_MARKS.values()}
    named = {h.strip().rstrip(_LABEL_ENDS) for h in header.split(CELLS)} - {""}
    labels = {h + mark for h in named for mark in marks}
    cells = row.lstrip().split(CELLS)
    return [(next((h for h in labels if c.startswith(h)), ""), c) for c in cells]


def without_labels(text: str) -> str:
    """``text`` with each table row :func:`unlabelled`, as the table's header row says what
    its cells are once: what the index weighs, so a table's header words count once, not once
    a row ("version" in a column "Minimum version" made a table of app versions outrank the
    article that answers "which SAML version does single sign-on support?")."""
    if CELLS not in text:
        return text
    lines = text.split("\n")
    header = ""
    for i, row in enumerate(table_lines(lines)):
        if row and (i == 0 or CELLS not in lines[i - 1]):
            header = lines[i].strip()
        elif row:
            lines[i] = unlabelled(header, lines[i])
    return "\n".join(lines)


def table_lines(lines: Sequence[str]) -> list[bool]:
    """Which of the lines of a plain text are a table's rows (its header row included): they
    hold ``CELLS``, as a line beside them does (a table has a header and a row at least)."""
    cells = [CELLS in line for line in lines]
    return [
        held and ((i > 0 and cells[i - 1]) or (i + 1 < len(cells) and cells[i + 1]))
        for i, held in enumerate(cells)
    ]


# Space after a full stop, question or exclamation mark, before a capital or a digit. Said
# space first, the mark behind it second: the regex engine then only stops at spaces.
_SENTENCE_END = re.compile(r"\s(?<=[.!?]\s)\s*(?=[\"“(]?[A-Z0-9])")
_MIN_SENTENCE_WORDS = 4  # shorter lines are headings, table headers, labels
_SENTENCE_MARK = re.compile(r"[.!?:)\"”]$")


_BLANKS = re.compile(r"[^\S\u00a0\u202f]+")  # blanks, not the no-break spaces


def collapse_blanks(line: str) -> str:
    """A line with its runs of blanks made one space and its ends stripped; a no-break space
    stays (French puts a narrow one before a colon: "Signalement\u202f: Départ manquant")."""
    return _BLANKS.sub(" ", line).strip()


def sentences(text: str, *, rows: bool = False) -> list[str]:
    """``text`` as sentences: its lines (paragraphs, list items, headings, table rows) split
    after a full stop, question or exclamation mark; with ``rows``, a table's row is one
    (:func:`table_lines`: its cells' sentences together, after their labels)."""
    # The lines with their spaces collapsed, newline-joined: then the only spaces are " "
    # inside a line and "\n" between lines, so one split of the whole finds the same sentence
    # ends as one split of each line (and some line ends, which are ends anyway).
    collapsed = [collapse_blanks(line) for line in text.splitlines()]
    if rows and CELLS in text:
        found: list[str] = []
        for line, row in zip(collapsed, table_lines(collapsed), strict=True):
            found += [line] if row else sentences(line)
        return [unit for unit in found if unit]
    lines = "\n".join(collapsed)
    return [unit for part in _SENTENCE_END.split(lines) for unit in part.split("\n") if unit]


def _prose(sentence: str) -> bool:
    """A real sentence, not a heading, a table header or a label."""
    return len(sentence.split()) >= _MIN_SENTENCE_WORDS and bool(_SENTENCE_MARK.search(sentence))


def snippet(text: str, finder: WordFinder, *, width: int = 200, otherwise: str = "") -> str:
    """An HTML-escaped excerpt of ``text`` made of whole sentences: the one with the most
    distinct query words, then those after it while they fit; matches in <mark>. A ``text``
    without any query word gives the excerpt of ``otherwise`` instead, if that is given."""
    excerpted = text[: 50 * width]
    if otherwise and len(excerpted) < len(text) and not finder.clauses_in(text):
        return snippet(otherwise, finder, width=width)
    units = sentences(excerpted, rows=True)
    # the query words of every sentence in one pass over them all, joined by newlines (they
    # are where ``text`` has any: only its spaces differ, and no stem holds one)
    matches = finder.words("\n".join(units)) if units else []
    if otherwise and not matches and len(excerpted) == len(text):
        return snippet(otherwise, finder, width=width)
    if not units:
        return ""
    if matches:
        starts = list(itertools.accumulate((len(u) + 1 for u in units[:-1]), initial=0))
        words: dict[int, set[int]] = {}  # sentence -> its clauses, sentences in order
        for start, _, clause in matches:
            words.setdefault(bisect.bisect_right(starts, start) - 1, set()).add(clause)
        # the sentence with most query words; a real sentence beats a heading or a label
        most = max(len(w) for w in words.values())
        tied = [i for i, w in words.items() if len(w) == most]
        best = next((i for i in tied if _prose(units[i])), tied[0])
    else:
        best = next((i for i, u in enumerate(units) if _prose(u)), 0)
    parts, size = [units[best]], len(units[best])
    for nxt in units[best + 1 :] if CELLS not in units[best] else ():  # a table row: alone
        if size + 1 + len(nxt) > width or not _prose(nxt) or CELLS in nxt:  # a heading, a label
            break
        parts.append(nxt)
        size += 1 + len(nxt)
    excerpt = " ".join(parts)
    lead = ""
    shown = finder.words(excerpt)
    first = shown[0][0] if shown else None
    if first is not None and first > width * 2 // 3:  # a long sentence: start near its match
        space = excerpt.find(" ", max(0, first - width // 4))
        excerpt, lead = excerpt[space + 1 :], "…"
    cut = len(excerpt) > width
    if cut:  # end at a word
        space = excerpt.rfind(" ", 0, width)
        excerpt = excerpt[: space if space > width // 2 else width]
    out: list[str] = [lead]
    pos = 0
    for m_start, m_end, _ in finder.words(excerpt):
        out.append(html.escape(excerpt[pos:m_start]))
        out.append("<mark>" + html.escape(excerpt[m_start:m_end]) + "</mark>")
        pos = m_end
    out.append(html.escape(excerpt[pos:]))
    out.append("…" if cut else "")
    return "".join(out)
