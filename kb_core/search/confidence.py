"""How sure a search is that its results answer the query, and the threshold below which it
counts as unanswered (shown as "not an exact match", logged as a gap).

Two signals of the best ``DEPTH`` hits: *coverage*, the share of the typed words (each
weighted by its idf, so "bitcoin" outweighs "pay") that the article contains, and *meaning*,
the cosine of the query's sentence vector with the article's title and keywords (when the
index has vectors). A hit's confidence is ``(coverage + MEANING_WEIGHT * meaning) / (1 +
MEANING_WEIGHT)``; the search's is its best hit's. A hit that holds every typed word makes
the search answered without encoding it (on the query sets, every such search reaches the
threshold with meaning too, bar none), so keyword searches cost no model time.

The weight and both thresholds are chosen by ``bench/confidence_eval.py`` on the training
halves of the query sets in ``bench/queries`` (on-topic sets, and off-topic searches for the
example KB): the threshold that marks the most off-topic searches unanswered while marking at
most 5% of on-topic ones. On the held-out halves, never tuned on: 86.7% of 30 off-topic
searches unanswered, 6.5% of 93 on-topic ones (1.2% of the 81 whose answer search ranks in its
top 3); words only 56.7% and 7.5%.

Words that say nothing about which article answers are no evidence (issue: "connect tandem to
slack", and on the French portal, words only, "mode sombre" and "application apple watch",
counted as answered though no article is about Slack, dark mode or a watch). *Distinctive*
words are the typed words fewer than ``UBIQUITOUS`` of the articles hold; the others (the
product's own name, "Tandem" in all 36 articles, "DuckDuckGo" in 218 of 261) are treated like
stop words for this decision:

- A hit that holds none of the query's distinctive words adds no confidence, by words or by
  meaning: "connect tandem to slack" was answered by the cosine of the query with the title
  *What is Tandem?* (0.58), which shares only the product's name with it. (Articles found by
  meaning alone hold no word either: such a search is never answered, as rerank.py says.)
- Without meaning (an index without vectors: the languages the sentence model does not read),
  a hit holding one distinctive word of two or more, lighter than the ones it lacks, adds no
  confidence either ("mode sombre": "mode" is in 6 of 35 articles, "sombre" in none): one
  common word matched is no sign that the article is about the query. With meaning, the model
  judges such a hit ("looker studio": a connector article for the data studio), so it counts.

Words held apart are no evidence either (issue: "delete a shift" was answered, confidence 1.0,
by *Delete your account or workspace*, which says "delete" and "schedule", a synonym of "shift"
in the example's site_config.yml, only in a list of what deleting a workspace removes; the
runner-up, *Shifts don't appear in my calendar*, says "delete" only of calendar events). A hit
holding all of the query's distinctive words, two or more, that never holds two of them together
(in its title, a heading, a keyword phrase, its summary, its title with its summary, or one line
of its text) adds nothing by
words: only meaning speaks for it (``apart``). A word met only through a synonym counts for this
where the hit says the synonym in its title, a heading or a keyword phrase (*Clock in and out*
for "punch in"), never in passing in its text. On the training sets (the example's tandem.csv,
off-topic training rows, answers_train and typos_train, search_train, search_train2, typos_train
and answers_train of both help centers: 566 on-topic, 56 off-topic searches) nothing changed:
on-topic unanswered 7, off-topic unanswered 32, hits and answer cards the same; six searches we
wrote for near misses of the example (product words, no answer) 0 -> 2 unanswered ("delete a
shift", "how do i delete a shift"). "remove a shift from the schedule" stays answered: its third
hit, *Open shifts and shift swaps*, holds "shift" and is near it by meaning (0.367, threshold
0.355).

A portal in another language than the default holds few articles in its own language and the
rest in the default one (kb_core.search.schema): the example's French portal, 3 of 35. A word of
that language alone ("oublié") can only be in those few, so counted among all 35 it weighed as
a rare word though two of the three French articles say it ("oubli de pointage"); "mot de passe
oublié" was answered by *Clock in and out* (confidence 0.73, by "oubli" alone) while *Reset your
password* (shown in English, "password" is a synonym) was lone, and the portal counted all three
as matches ("3 articles trouvés"). A clause's weight is its idf among the articles whose text
could hold it (each language's share of the index, from its meta file: ``texts``): "oublié"
weighs 0.32 of that query, "mot de passe" 0.68, so the time-tracking articles are lone and
*Reset your password* answers (0.68). Ranking still counts idf among all articles (a word of
the visitor's language ranks its translated articles first), and an index of one language is
weighed as before.

Weighed so alone, "Bonjour, je voudrais un remboursement depuis hier" went unanswered (0.327 ->
0.093): it had been answered only by its runner-up, *Overtime and break rules*, which holds
"bon jour" (the word split) and "depuis", words most French articles say; *Get a refund* held
"remboursement", outweighed by "voudrais" and "hier", which no article says, and was lone
either way (as it was, 0.0, without "Bonjour, "). Such words say how the visitor asks, not
what: a French query's greetings, wanting, asking and the day it happened are no clauses
(kb_core.search.text.plan), as English question boilerplate is not, and both requests are
answered by *Get a refund* alone (1.0).

Weighed so, a word the visitor's language shares with the default one ("application",
"site", "service") counted as rare among all 35 articles, because the 32 in English never say
it, even in a French article, though all 3 French ones say it; while a word of the visitor's
language only weighed among those 3, so one no article says ("langue") weighed less than it.
"Changer la langue de l'application" was answered (0.574) by *Règles d'heures supplémentaires et
de pauses*: "changer" (its rules) and "s'applique" (the French stem of "application"). A hit's
words are weighed among the articles written in its language, where that language's text
could hold them (``ClauseWeights``): in a French article, "application" weighs as a word of all
3 (0.05 of that query), "langue" as one of none (0.78), and the search is a gap (0.225); in an
English one, "exporter" weighs as 6 of the 32 English articles say it, not as 2 of the 3 French
ones do (*Export your data* still answers "exporter mes données"). A clause its language's text
cannot hold (a French word in an English article) weighs as before. The ranking is unchanged.
On the French portal's training sets (bench/unanswered_eval.py --french: fr_train, 40 on-topic,
and bench/queries/offtopic/near_miss_fr.csv, 27 near misses written for this before the change),
off-topic unanswered 11 -> 18 of 27, on-topic 4 of 40 unchanged (the same four): unanswered
precision 0.733 -> 0.818, recall 0.407 -> 0.667. An index of one language is weighed as before.

A single keyword an article holds ("refund", "invoice") is the whole query: answered as before.
On the training sets (the example's off-topic and on-topic training rows, search_train,
typos_train and answers_train; the words-only figures with the same index read without
meaning): with meaning, off-topic unanswered 31 -> 32 of 56, on-topic unanswered 6 of 421
unchanged; words only, off-topic 24 -> 29 of 56, on-topic 3 -> 4 of 421 ("looker studio").
bench/confidence_eval.py's training halves at the shipped thresholds: with meaning unchanged
(83.3% / 4.3%); words only, off-topic 56.7% -> 66.7%, on-topic 4.3% -> 5.3% (one search of
94). Its words-only pick moved from 0.272 to 0.09 (same 66.7%, on-topic 3.2%); 0.279 is kept:
on the training sets above it marks 29 off-topic searches of 56 unanswered where 0.09 marks 24
(on-topic 4 and 2 of 421), and the pick leans on bench/queries/corpus rows.

The best hit's confidence is measured on the first hit's own words: a hit ranked below it
counts its words only as far as the first's go (``below_first``), unless the ranking nearly ties
the two (its score at least ``NEAR_TIE`` of the first's, rerank.SEMANTIC_GATE's value: either
could be first). Issue: "merge two accounts" was answered, confidence 1.0 and without asking
meaning, by *Turn on two-step verification* ("two", "account"), because its third hit, *Create
your workspace*, holds every word ("Two workspaces ... can't be merged"); a customer reads the
first hit, and its card, as the answer. "The first's words" are all it holds, together or apart
(``apart``): a first hit holding every word only apart (*How To Use the Non-JavaScript Version*
for "lite version") lets a lower hit that holds them together count, as before. Meaning still
counts for every hit of the ``DEPTH``. On the training sets (bench/unanswered_eval.py: the
example's tandem.csv even rows, typos_train, answers_train, off-topic training rows and
bench/queries/offtopic/near_miss.csv, 20 near misses written for this before the change; the
help centers' search_train, search_train2, typos_train and answers_train; stackfaq group 0),
with meaning, off-topic unanswered 38 -> 41 of 76 and on-topic 12 of 1,125 unchanged (unanswered
precision 0.760 -> 0.774, recall 0.500 -> 0.539); words only (an index without vectors) 30 -> 34
and 29 -> 34 (0.508 -> 0.500, 0.395 -> 0.447): three of the five are compounds typed apart ("time
zone"), whose joined word the first hit holds and coverage does not count. The ranking is
unchanged (a search now asking meaning opens its hits at their nearest sections, as all such
do); of the answer cards, one right card of stackfaq group 0 (47 -> 46 of 625) went below its
threshold with its confidence (1.0 -> 0.73); the example's, answers_train's and ``kb eval``'s
unchanged.
bench/confidence_eval.py's training halves at the shipped rule: with meaning, off-topic 83.3%
unchanged, on-topic 5.3% -> 6.4% (one search of 94, its answer first, a hit below it at 0.79 of
its score); words only, off-topic 66.7% -> 76.7%, on-topic 6.4% -> 8.5%.

A negation ("can't", and on the French portal "pas", "jamais", "rien", "aucun": all the term
"not") modifies the words it goes with: it counts toward a hit's distinctive words only with
another of them (``held``), never alone, and a query's negation is no evidence alone even where
it is in most articles (``negated``: "jamais" and "rien" alone were answered, 1.0, on /fr/, by
any article saying a negation). Its weight still counts in the coverage of a hit holding the
words it goes with ("les notifications n'arrivent pas"). A word that stems as "not" and is no
negation (French "note", "noter") is another term (kb_core.search.text.analysis).

A word that no judged hit holds, that other articles do, and that weighs at least
``ORPHAN_SHARE`` of the query, leaves each judged hit holding one other distinctive word no
evidence, by words or by meaning (``orphaned``): "how do i print my schedule" was answered
(0.404) by *Open shifts and shift swaps*, the model putting *Create and publish a schedule*
near it (0.54), though the three best hold "schedule" only and "print" (said of backup codes
and invoices) weighs 0.87. A word no article holds is left to meaning ("looker studio": the
connector's article says "studio"; words only, such a hit is lone already). On the training
sets (bench/unanswered_eval.py, with bench/queries/offtopic/near_miss.csv's 5 rows and
near_miss_fr.csv's 4 rows added before the change), see bench/HISTORY.md.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Container, Mapping, Sequence
from typing import Any

from whoosh.reading import IndexReader

from kb_core.search.schema import document_frequency
from kb_core.search.scores import Scores
from kb_core.search.text.analysis import NOT
from kb_core.search.text.finder import WordFinder
from kb_core.search.text.plan import LANGUAGE_TAG, Clause, language_tag, untagged

DEPTH = 3  # hits whose confidence is measured
WHOLE = 1.0 - 1e-9  # coverage of a hit holding every typed word: answered, no model needed
MEANING_WEIGHT = 2.0
THRESHOLD = 0.355  # with meaning; chosen by bench/confidence_eval.py
WORDS_ONLY_THRESHOLD = 0.279  # an index without vectors: coverage alone
# A typed word held by at least this share of the articles is not distinctive (the product's
# own name): see the module docstring. On the training sets 0.8 and 0.9 differ by one
# off-topic search ("does duckduckgo have a student discount?": "duckduckgo" is in 84%).
UBIQUITOUS = 0.8
LONE_SHARE = 0.5  # a lone distinctive word weighing less than this is no evidence, words only
# A word no judged hit holds and another article does, weighing at least this share of the
# query, leaves the hits holding one other word only no evidence, with meaning too: "print" in
# "how do i print my schedule" (0.87). On the training sets such words on-topic weighed 0.50 to
# 0.60 ("does duckduckgo give my data to the police": 0.55), where meaning judges right.
ORPHAN_SHARE = 2 / 3
# A hit ranked below the first counts its own words only where the ranking nearly ties it with
# the first: its score at least this share of the first's (rerank.SEMANTIC_GATE's value, where
# the ranking counts as unsure); see ``below_first``.
NEAR_TIE = 0.8


def _held(frequency: Callable[[str], int], clause: Clause) -> dict[str, int]:
    """How many articles of each language's text hold the clause (its commonest alternative
    there, all of its words), by language tag ("" the index's, "en:"), given each term's
    document frequency."""
    found: dict[str, int] = {}
    for alt in clause.alternatives:
        language = language_tag(alt)
        found[language] = max(found.get(language, 0), min(map(frequency, alt)))
    return found


def _frequency(frequency: Callable[[str], int], clause: Clause) -> int:
    """How many articles hold the clause; in an index of two languages' texts, the sum of
    each language's (an article is in one)."""
    return sum(_held(frequency, clause).values())


def clause_weights(
    reader: IndexReader,
    clauses: Sequence[Clause],
    frequency: Callable[[str], int] | None = None,
    texts: Mapping[str, float] | None = None,
    language: str | None = None,
) -> list[float]:
    """Each typed clause's idf, as a share of their sum; a word no article has weighs most.
    ``frequency``: a term's document frequency, when the search has them already; ``texts``:
    in an index of two languages' texts, each language's share of the articles, by tag ("":
    the index's, "en:"): a clause is then as rare as it is among the articles whose text
    could hold it, or, for an article written in ``language`` (a tag), among the articles
    written in it, when that language's text could hold the clause (see the module
    docstring)."""
    total_docs = reader.doc_count_all()
    if frequency is None:
        frequency = functools.partial(document_frequency, reader)
    weights = []
    for clause in clauses:
        held = _held(frequency, clause)
        n = sum(held.values())
        docs: float = total_docs
        if texts and language in held:
            n, docs = held[language], total_docs * texts.get(language, 0.0)
        elif texts:
            docs = total_docs * sum(texts.get(tag, 0.0) for tag in held)
        docs = max(n, docs)
        weights.append(math.log(1 + (docs - n + 0.5) / (n + 0.5)))
    total = sum(weights) or 1.0
    return [w / total for w in weights]


class ClauseWeights:
    """The typed clauses' weights (:func:`clause_weights`) for each article, by the language
    it is written in, in an index of several languages' texts (``texts``); the same for all
    in an index of one (``texts`` None). ``stored``: the stored fields of the documents read
    so far, by number (those it reads are added)."""

    def __init__(
        self,
        reader: IndexReader,
        clauses: Sequence[Clause],
        frequency: Callable[[str], int],
        texts: Mapping[str, float] | None,
        stored: dict[int, Any],
    ) -> None:
        self.clauses = clauses
        self.pooled = clause_weights(reader, clauses, frequency, texts)  # whatever the article
        self._weigh = functools.partial(clause_weights, reader, clauses, frequency, texts)
        self._reader, self._texts, self._stored = reader, texts, stored
        self._by_language: dict[str, list[float]] = {}

    def __len__(self) -> int:
        return len(self.pooled)

    def __call__(self, doc: int) -> list[float]:
        if not self._texts:
            return self.pooled
        if doc not in self._stored:
            self._stored[doc] = self._reader.stored_fields(doc)
        language = self._stored[doc].get("language")  # set on another language's articles
        tag = f"{language}{LANGUAGE_TAG}" if language else ""
        if tag not in self._by_language:
            self._by_language[tag] = self._weigh(tag)
        return self._by_language[tag]


def negations(clauses: Sequence[Clause]) -> set[int]:
    """The typed clauses (by position) that are a negation ("can't", French "pas"): each of
    their alternatives is the term ``NOT`` alone."""
    return {
        i
        for i, clause in enumerate(clauses)
        if clause.alternatives
        and all(tuple(map(untagged, alt)) == (NOT,) for alt in clause.alternatives)
    }


def distinctive(
    reader: IndexReader,
    clauses: Sequence[Clause],
    frequency: Callable[[str], int] | None = None,
) -> set[int]:
    """The typed clauses (by position) that fewer than ``UBIQUITOUS`` of the articles hold."""
    total_docs = reader.doc_count_all()
    if frequency is None:
        frequency = functools.partial(document_frequency, reader)
    return {
        i
        for i, clause in enumerate(clauses)
        if _frequency(frequency, clause) < UBIQUITOUS * total_docs
    }


def orphaned(
    weights: Callable[[int], Sequence[float]] | Sequence[float],
    covered: Sequence[Scores],
    docs: Sequence[int],
    among: set[int],
    holds: Sequence[int],
) -> list[bool]:
    """For each of ``docs`` (the judged hits, holding ``holds`` of the clauses ``among``,
    the distinctive ones), whether it holds one of them only and lacks one that weighs at
    least ``ORPHAN_SHARE`` of the query in it (``weights``, the clauses' or a document's),
    that no judged hit holds and another article does: see the module docstring."""
    of = weights if callable(weights) else lambda _d: weights
    lacked = {
        i
        for i, has in enumerate(covered)
        if i in among and len(has) and not any(d in has for d in docs)
    }
    return [
        n == 1 and any(w >= ORPHAN_SHARE for i, w in enumerate(of(d)) if i in lacked)
        for d, n in zip(docs, holds, strict=True)
    ]


def held(
    covered: Sequence[Container[int]],
    docs: Sequence[int],
    among: set[int],
    negating: Container[int] = (),
) -> list[int]:
    """For each of ``docs``, how many of the clauses ``among`` (distinctive ones) it holds;
    ``covered`` is each clause's set of articles, in clause order. A negation (``negating``)
    modifies the words it goes with: it counts only with another of them, none alone."""
    counts = []
    for d in docs:
        found = [i for i, has in enumerate(covered) if i in among and d in has]
        plain = sum(1 for i in found if i not in negating)
        counts.append(len(found) if plain else 0)
    return counts


def below_first(covers: Sequence[float], scores: Sequence[float], first: float) -> list[float]:
    """The hits' coverage as evidence for the search, in rank order with their ranking
    ``scores``: a hit below the first counts its words only as far as the first's go
    (``first``: its coverage, its words held apart or not), unless its score is at least
    ``NEAR_TIE`` of the first's (see the module docstring)."""
    return [
        c if i == 0 or (i < len(scores) and scores[i] >= NEAR_TIE * scores[0]) else min(c, first)
        for i, c in enumerate(covers)
    ]


def discount(
    covers: Sequence[float],
    meaning: Sequence[float] | None,
    holds: Sequence[int],
    distinct: int,
    orphan: Sequence[bool] = (),
    negated: bool = False,
) -> tuple[list[float], list[float] | None, list[bool]]:
    """The hits' signals as evidence, given how many of the query's ``distinct`` distinctive
    words each ``holds``: a hit holding none of them has neither coverage nor meaning (when
    the query has any); and whether each is *lone*, one distinctive word of two or more and
    lighter than ``LONE_SHARE`` (no evidence without meaning: see ``confidence``); and a hit
    ``orphan`` (see ``orphaned``) is no evidence either, by words or by meaning."""
    # (a query's negation alone, however common, is no evidence either: ``negated``)
    blind = [(distinct > 0 or negated) and n == 0 for n in holds]
    covers = [0.0 if b else c for c, b in zip(covers, blind, strict=False)]
    if meaning is not None:
        meaning = [0.0 if b else m for m, b in zip(meaning, blind, strict=False)]
    lone = [
        distinct >= 2 and n == 1 and c < LONE_SHARE for c, n in zip(covers, holds, strict=False)
    ]
    if orphan:  # hits lacking the query's heaviest word, held elsewhere: no evidence
        lone = [a or o for a, o in zip(lone, orphan, strict=False)]
        if meaning is not None:
            meaning = [0.0 if o else m for m, o in zip(meaning, orphan, strict=False)]
    return covers, meaning, lone


def no_evidence(
    covers: Sequence[float], holds: Sequence[int], distinct: int, negated: bool = False
) -> list[bool]:
    """For each hit (its ``coverage`` and how many of the query's ``distinct`` distinctive
    words it ``holds``; ``negated``: the query has a negation), whether its words are no
    evidence that it answers, without meaning (see ``discount``): it holds none of the
    distinctive words, or is lone."""
    covers, _, lone = discount(covers, None, holds, distinct, negated=negated)
    return [c <= 0.0 or a for c, a in zip(covers, lone, strict=True)]


def _units(fields: Mapping[str, Any]) -> tuple[list[str], int]:
    """A hit's stored texts one by one: first where it names what it is about (its title,
    section headings and keyword phrases), then its summary, its title with its summary (a
    listing shows them as one: *How to contact us*, "Reach our support team" is together about
    "contact support"), and each line of its text, of its sections' texts and of its notes;
    and how many are of the first kind."""
    sections = fields.get("sections") or ()
    title, summary = fields.get("title", ""), fields.get("summary", "")
    naming = [title, *(h for _, h, _ in sections), *fields.get("phrases", ())]
    texts = [fields.get("text", ""), *(t for _, _, t in sections), *fields.get("asides", ())]
    lines = [line for text in texts for line in text.split("\n") if line.strip()]
    return [*naming, summary, f"{title} · {summary}", *lines], len(naming)


def apart(
    fields: Mapping[str, Any],
    finder: WordFinder,
    typed: WordFinder | None,
    distinct: set[int],
    synonyms: set[int],
) -> bool:
    """Whether a hit holding all of the query's ``distinct`` clauses (two or more) holds no two
    of them together, in one title, heading, keyword phrase, summary or line of its text
    (``finder``: the query's clauses), counting a clause of ``synonyms`` only where the hit
    says the typed word itself (``typed``: those words only) unless a synonym of it is in its
    title, a heading or a keyword phrase. False when the stored text, which is cut, does not
    show every such clause (no judgement)."""
    units, naming = _units(fields)
    found = finder.clauses_in_each(units, distinct)
    if set().union(*found) != distinct:
        return False
    weak: set[int] = set()
    if typed is not None and distinct & synonyms:
        said = set().union(*typed.clauses_in_each(units, distinct & synonyms))
        named = set().union(*found[:naming])
        weak = (distinct & synonyms) - said - named
    return all(len(clauses - weak) < 2 for clauses in found)


def coverage(
    weights: Callable[[int], Sequence[float]] | Sequence[float],
    covered: Sequence[Container[int]],
    docs: Sequence[int],
) -> list[float]:
    """For each of ``docs``, the weight of the typed clauses whose articles include it
    (``weights``: the clauses', or a document's, as :class:`ClauseWeights` gives them)."""
    of = weights if callable(weights) else lambda _d: weights
    return [sum(w for w, has in zip(of(d), covered, strict=False) if d in has) for d in docs]


def confidence(
    covers: Sequence[float], meaning: Sequence[float] | None, lone: Sequence[bool] = ()
) -> float:
    """The best hit's confidence, from ``coverage`` and (or None) ``meaning`` in rank order;
    without meaning, a ``lone`` hit (see ``discount``) counts nothing."""
    if not covers:
        return 0.0
    if meaning is None:
        alone = list(lone) + [False] * (len(covers) - len(lone))
        return max((0.0 if a else c for c, a in zip(covers, alone, strict=True)), default=0.0)
    return max(
        (c + MEANING_WEIGHT * max(0.0, m)) / (1 + MEANING_WEIGHT)
        for c, m in zip(covers, meaning, strict=False)
    )


def answered(value: float, *, with_meaning: bool) -> bool:
    """Whether a search of confidence ``value`` counts as answered."""
    return value >= (THRESHOLD if with_meaning else WORDS_ONLY_THRESHOLD)
