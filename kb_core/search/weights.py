"""What each typed clause weighs as evidence that a hit answers the query (its idf, as a share
of the query's), and which clauses are distinctive, for :mod:`kb_core.search.confidence`.

Apart from confidence because an index of several languages' texts weighs a clause per
language: a hit's words are weighed among the articles written in its language
(``ClauseWeights``), which the ranking does not do (it counts idf among all articles).

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
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from whoosh.reading import IndexReader

from kb_core.search.schema import document_frequency
from kb_core.search.text.plan import LANGUAGE_TAG, Clause, language_tag

# A typed word held by at least this share of the articles is not distinctive (the product's
# own name): see kb_core.search.confidence. On the training sets 0.8 and 0.9 differ by one
# off-topic search ("does duckduckgo have a student discount?": "duckduckgo" is in 84%).
UBIQUITOUS = 0.8


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
