"""Query plans: a raw query as clauses of index terms, with question boilerplate and
filler removed, synonym groups applied, and each word looked for in the text of every
language the index holds."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from kb_core.search.languages import languages_of
from kb_core.search.text import framing
from kb_core.search.text.analysis import (
    DELIMS,
    NOT,
    READ_AS,
    Analyzer,
    SharedWords,
    analysis_language,
    fold,
    normalize_query,
    phrase_terms,
    split_elisions,
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

# French queries' boilerplate: what frames a request rather than saying what it is about
# (greetings, thanks and pleas, wanting, asking whether one may or for help, and the day it
# happened, anywhere; "comment", "j'ai besoin de", "je" at its start: framing.LEAD), the lists
# kb gaps reads too (kb_core.search.text.framing). Matched on whole words, folded, of the
# normalised query (elided words apart: "j aimerais", "s il vous plaît").
_FRENCH_BOILERPLATE = framing.anywhere(
    "|".join((framing.POLITE, framing.WANT, framing.ASK, framing.DAY))
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
_INNER_DELIMS = re.compile(r"(?<=\w)['._-]+(?=\w)")
MAX_CLAUSES = 32  # words of a query that count; the rest only cost time


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
        self.headings: dict[str, tuple[str, ...]] = {}  # a heading's phrase (evidence.py)
        self.tag = tag  # what this planner's terms start with in a plan: "" or "en:"
        # Synonym groups; each phrase is matched by its terms including stop words ("log in"),
        # and "two-factor" is also "two factor" and "twofactor". Each group's alternatives
        # by its place in ``synonyms``; those with two keys or more are matched. A phrase of
        # one word is matched as that word, singular or plural, not by its stem: "bill" is
        # "bills", never "billing" (:func:`same_word`); the words of a longer phrase say
        # what it is about, so "logged in" and "logging in" are "log in".
        self._groups: list[tuple[int, list[tuple[tuple[str, ...], str]]]] = []
        self._group_terms: list[list[tuple[str, ...]]] = []
        # in a portal of several languages a group of one key is matched too: "install" and
        # "installer" stem alike in French as in English, and the group carries the French
        # word to the English text of the untranslated articles (it is a French word only)
        several = any(analysis_language(o) != analyzer.language for o in others)
        for g, group in enumerate(synonyms):
            entries: list[tuple[tuple[str, ...], str]] = []
            terms_of: list[tuple[str, ...]] = []
            for phrase in group:
                folded = split_elisions(fold(phrase), analyzer.language)  # "l'appli": 2 words
                spaced = DELIMS.sub(" ", folded)
                joined = _INNER_DELIMS.sub("", folded)
                for form in dict.fromkeys((spaced, joined)):
                    key, terms = tuple(self.keys.terms(form)), tuple(analyzer.terms(form))
                    if key:
                        entries.append((key, form if len(key) == 1 else ""))
                        terms_of.append(terms or key)
            self._group_terms.append(list(dict.fromkeys(terms_of)))
            if len({key for key, _ in entries}) > 1 or (several and entries):
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
        self.languages = [p.analyzer.language for p in self._planners]  # the index's first
        self.stop_words = frozenset().union(*(p.analyzer.stop_words for p in self._planners))

    @property
    def tags(self) -> list[str]:
        """What the terms of each language start with in a plan: "" (the index's), "en:"."""
        return [p.tag for p in self._planners]

    def plan(self, query: str) -> QueryPlan:
        # a French elided word is a word apart in any language's text ("l'app": "l app")
        normalized = normalize_query(query, self.languages)
        language = self.typed_in(normalized.split())
        stripped = _without_boilerplate(normalized, language)
        content = [w for w in stripped if w not in FILLER_WORDS or language != "en"]
        words = content or stripped or normalized.split()
        plan = QueryPlan(normalized, words)
        keys = [[tuple(p.keys.terms(DELIMS.sub(" ", w))) for w in words] for p in self._planners]
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

    def typed_in(self, words: Sequence[str]) -> str:
        """The language a query of ``words`` is typed in, whose boilerplate it drops: the one
        language of the index's every word of it may be a word of ("comment settings" on the
        French portal is English: "comment" stays a word), else the index's ("comment
        annuler", "comment notifications"), as kb gaps reads a search typed on a portal."""
        if not self.others:
            return self.analyzer.language
        shared = set(self.languages)
        for word in words:
            shared &= set(languages_of(word, self.languages))
        return shared.pop() if len(shared) == 1 else self.analyzer.language

    def word(self, word: str) -> list[tuple[str, ...]]:
        """A word's alternatives: "wi-fi" is the phrase "wi fi" or the word "wifi"; in each
        language ``word`` may be a word of, none when it is a stop word of one of them."""
        if not self.others:
            return self._word(word)
        languages = languages_of(word, [p.analyzer.language for p in self._planners])
        its = [p for p in self._planners if p.analyzer.language in languages]
        if any(p.analyzer.negates(fold(word)) for p in its):  # "pas" is "not" in English too
            return [alt for p in self._planners for alt in p._tagged([(NOT,)])]
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

    def terms_in(self, language: str | None) -> Callable[[str], tuple[str, ...]]:
        """The index terms of one folded word of a text in ``language`` (None, or one the
        index does not hold: the index's): that language's only, as the index has them, not
        every language's (:meth:`word_terms`). On the French portal, the English stemmer
        makes "pay" of "pays" (a country): a French text's "pays" is no "payer"."""
        for p in self._planners:
            if p.analyzer.language == language:
                return p.analyzer.word_terms
        return self.analyzer.word_terms

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

    def says_nothing(self, word: str) -> bool:
        """Whether folded ``word`` says nothing alone: a stop word (:meth:`is_stop_word`) that
        is no negation in a language it may be a word of ("cant" is "not")."""
        if not self.is_stop_word(word):
            return False
        mine = [p.analyzer for p in self._planners]
        if self.others:
            languages = languages_of(word, [a.language for a in mine])
            mine = [a for a in mine if a.language in languages]
        return not any(a.word_terms(word) for a in mine)

    def said(self, query: str) -> dict[str | None, str]:
        """The query as :func:`phrase_terms`, space-padded, by language (the index's: None)."""
        said: dict[str | None, str] = {None: f" {phrase_terms(self.keys, query)} "}
        for p in self.others:
            said[p.analyzer.language] = f" {phrase_terms(p.keys, query)} "
        return said

    def _word(self, word: str) -> list[tuple[str, ...]]:
        folded = fold(word)
        parts = [p for p in DELIMS.split(folded) if p]
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


def _without_boilerplate(normalized: str, language: str) -> list[str]:
    """The words of a normalised query without the boilerplate of its language."""
    if language == "en":
        return _BOILERPLATE.sub(" ", normalized).split()
    if language == "fr":
        return framing.unled(framing.unframed(normalized.split(), _FRENCH_BOILERPLATE))
    return normalized.split()


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


def shown_words(clause: Clause) -> list[str | tuple[str, ...]]:
    """A clause's words as the snippets' WordFinder takes them: a phrase of a synonym group
    ("money back" for "refund"), and the words typed when they are several (a synonym's
    phrase, or two words an article may write as one: "sign in", "signin"), as a tuple,
    shown only together."""
    typed = fold(clause.surface).split()
    phrases = (tuple(untagged(t) for t in alt) for alt in clause.alternatives)
    return [
        *([tuple(typed)] if len(typed) > 1 else typed),
        *(p[0] if len(p) == 1 else p for p in phrases),
    ]


def untagged(term: str) -> str:
    """A term without its language tag (or :data:`READ_AS`): "en:invoic" is "invoic",
    "en:=planning" is "planning"."""
    return term.rpartition(LANGUAGE_TAG)[2].removeprefix(READ_AS)
