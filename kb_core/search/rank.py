"""Query evaluation for :mod:`kb_core.search.searcher`: scores from the postings, typo
correction and compounds (:mod:`.corrections`), the query's evidence in each candidate
(:mod:`.evidence`), meaning's reordering (:mod:`.rerank`), the hits and their sections
(:mod:`.hits`), confidence (judged by :mod:`.judge`), the answer card and snippets, and
as-you-type suggestions.

Imports neither mkdocs nor Flask. Works on one borrowed Whoosh reader per call.

The postings hold each article's BM25F weight per term (see :mod:`kb_core.search.schema`),
so a search adds ``idf * weight`` over the postings of its terms, reading them a block at a
time. Whoosh's matcher tree does the same work one posting at a time, about ten times slower.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
from whoosh.reading import IndexReader

from kb_core.search import confidence as search_confidence
from kb_core.search import corrections, judge
from kb_core.search import weights as search_weights
from kb_core.search.answer import card as search_answer
from kb_core.search.evidence import (
    HEADING_MATCH_QUERY,
    HEADING_WORDS,
    HUB_LEXICAL,
    heading_share,
    proximity,
)
from kb_core.search.hits import Ranked, named, open_at, ranked_hit
from kb_core.search.postings import arrays, docset
from kb_core.search.rerank import ByMeaning
from kb_core.search.schema import HUB, document_frequency, fields_of
from kb_core.search.scores import Scores
from kb_core.search.spell import Vocabulary
from kb_core.search.suggest import complete_last, suggest
from kb_core.search.text.analysis import join_elisions
from kb_core.search.text.finder import WordFinder
from kb_core.search.text.plan import QueryPlan, QueryPlanner, shown_words
from kb_core.search.text.snippets import snippet
from kb_core.semantic import Meanings, encoder

log = logging.getLogger(__name__)

RERANK_DEPTH = 12  # articles whose title and summary are checked for phrases
# BM25's idf flattened: a word common across the knowledge base ("gmail", "invoice") still
# says which articles are about it. 1.0 is plain BM25.
IDF_EXPONENT = 0.6
TITLE_WEIGHT = 1.0  # of a query word's score in the title alone, added to its BM25F score
CORRECTED_WEIGHT = 0.8  # a spelling correction counts a little less than what was typed


class Frequencies:
    """The document frequencies of a search's terms (the "terms" field), each read from the
    index once: a search asks for the same few a dozen times (compounds, typos, scores,
    confidence), and each read is a hashed look-up in every segment."""

    def __init__(self, reader: IndexReader) -> None:
        self._reader = reader
        self._known: dict[str, int] = {}

    def __call__(self, term: str) -> int:
        n = self._known.get(term)
        if n is None:
            n = self._known[term] = document_frequency(self._reader, term)
        return n


class Ranker:
    """Everything that turns a query into ranked hits, given an open Whoosh reader."""

    def __init__(
        self,
        planner: QueryPlanner,
        vocabulary: Vocabulary,
        meanings: Meanings | None = None,
        rows: np.ndarray | None = None,
        live: np.ndarray | None = None,
        texts: dict[str, float] | None = None,
    ) -> None:
        self.planner = planner
        # in an index of two languages' texts, each one's share of the articles, by the tag
        # of its terms ("" the index's, "en:"): what a typed word weighs as evidence
        self.texts = texts
        self.vocabulary = vocabulary
        self.meanings = meanings  # the articles' vectors (None: words only)
        self.rows = rows  # each Whoosh document number's row in meanings (-1: none)
        self.by_meaning = ByMeaning(meanings, rows, live)

    # ------------------------------------------------------------------ search

    def search(
        self,
        reader: IndexReader,
        query: str,
        *,
        limit: int,
        category: str | None,
        typos: bool,
        prefix: bool = False,
    ) -> Ranked:
        plan = self.planner.plan(query)
        if not plan.clauses:
            return Ranked(plan.normalized, 0)
        words = len(plan.clauses)  # as typed: compounds and corrections add clauses
        frequency = Frequencies(reader)
        if prefix:
            complete_last(reader, plan, frequency, self.planner.tags)
        corrections.compounds(plan, self.planner, self.vocabulary, frequency)
        fixes = corrections.typos(plan, self.planner, self.vocabulary, frequency)
        did_you_mean = " ".join(fixes.get(w, w) for w in plan.normalized.split()) or None
        if did_you_mean:  # "l'application", as typed, not the "l application" searched
            did_you_mean = join_elisions(did_you_mean, self.planner.languages)
        corrected = typos and corrections.apply(plan, self.planner, fixes, frequency)
        # what meaning reads: the query as corrected, when it was (the sentence model reads
        # "chnage my fowarding address" as something else than "change my forwarding address")
        read_as = did_you_mean if corrected and did_you_mean else query
        covered: list[Scores] = []
        scores = self.scores(reader, plan, covered, frequency)
        allowed = docset(reader, "category_slug", category) if category else None
        if allowed is not None:
            scores = scores.only(allowed)
        top = scores.largest(max(limit, RERANK_DEPTH))
        # snippets mark whole words ("app" is not "appear"), and stop words only within a
        # phrase of their clause: the analysers say what they are
        terms, stop = self.planner.word_terms, self.planner.says_nothing
        finder = WordFinder([shown_words(c) for c in plan.clauses], terms, stop)
        stored = {d: reader.stored_fields(d) for d, _ in top}
        # the phrases the query says as corrected: "fingerprinting protecton" says the heading
        # "Fingerprinting protection" as the query typed right would
        said = self.planner.said(read_as)
        shares = (  # a query of one or two words gets no section evidence: skip the weights
            search_weights.clause_weights(reader, plan.clauses[:words], frequency)
            if words >= HEADING_MATCH_QUERY
            else []
        )
        # the share of the query a heading says, of the lexical candidates (whose stored
        # fields are read anyway: those meaning adds from deeper count 0, as reading theirs
        # cost 1 ms a search at cpp-docs and changed no training query)
        headed = {d: heading_share(stored[d], finder, shares) for d, _ in top}
        plain = sorted(
            ((s + proximity(stored[d], finder, said, self.planner), d) for d, s in top),
            reverse=True,
        )
        # landing pages, less those the query names: empty in most knowledge bases
        hubs = _unnamed(docset(reader, "hub", HUB), stored, finder, words)
        ranked = sorted(
            (
                ((s + HEADING_WORDS * headed[d]) * (HUB_LEXICAL if d in hubs else 1.0), d)
                for s, d in plain
            ),
            reverse=True,
        )
        lexical = [s for s, _ in plain[:2]]  # by words, for the answer card
        ranked, anchors, vector, encoded = self.by_meaning.reorder(
            read_as,
            plain,
            ranked,
            scores,
            allowed,
            words=words,
            keywords=_keywords_only(plan, self.planner.stop_words),
            marks=(headed, hubs),
            typed=(shares, covered),
        )
        for _, d in ranked[:limit]:  # meaning may have brought in articles from deeper
            if d not in stored:
                stored[d] = reader.stored_fields(d)
        hits = [
            ranked_hit(stored[d], score, finder, len(plan.clauses), anchors.get(d))
            for score, d in ranked[:limit]
        ]
        found = Ranked(
            plan.normalized,
            max(len(scores), len(ranked)),
            hits,
            did_you_mean if fixes else None,
            corrected and bool(scores),
            scores=[s for s, _ in ranked],
        )
        if ranked:
            typed = plan.clauses[:words]
            # each hit's words weighed among the articles written in its language
            weights = search_weights.ClauseWeights(reader, typed, frequency, self.texts, stored)
            distinct = search_weights.distinctive(reader, typed, frequency)
            judged = [d for _, d in ranked[: search_confidence.DEPTH]]
            for d in judged:
                if d not in stored:
                    stored[d] = reader.stored_fields(d)
            apart = judge.apart(
                self.planner, [stored[d] for d in judged], typed, finder, covered, distinct, judged
            )
            vector = judge.judge(
                self.meanings,
                self.rows,
                read_as,
                vector,
                weights,
                (covered, distinct, apart),
                ranked,
                found,
                encoded,
            )
            if self.meanings is None:  # words only: which hits they are no evidence for
                shown = [d for _, d in ranked]  # past the limit too: the count of matches
                found.weak = judge.weak(weights, covered, shown, typed, distinct)
            if vector is not None and not anchors:
                self.by_meaning.open_at(vector, found, finder, len(plan.clauses))
            if found.answered and not prefix and self._cards(query):
                vector = vector if vector is not None else encoded
                vector = vector if vector is not None else encoder().encode_one(read_as)
                found.answer = self._card(query, vector, finder, weights.pooled, found, lexical)
                best = found.hits[0]  # its link opens where its card quotes, unless the
                # heading of the section it opens at says words its title lacks ("tax ID")
                if found.answer and not named(best, finder, len(plan.clauses)):
                    open_at(best, found.answer.anchor)
        readers: dict[str | None, WordFinder] = {}  # each hit's words read in its language
        for hit in found.hits:  # words, or the summary
            language = hit.fields.get("language")
            if language not in readers:
                readers[language] = finder.reading(self.planner.terms_in(language))
            marks = readers[language]
            hit.snippet = snippet(hit.text, marks, otherwise=hit.fields.get("summary") or "")
        return found

    def _cards(self, query: str) -> bool:
        """Whether ``query`` may get an answer card: a question, and an index with vectors."""
        return self.meanings is not None and search_answer.question_like(query)

    def _card(
        self,
        query: str,
        vector: np.ndarray | None,
        finder: WordFinder,
        weights: list[float],
        found: Ranked,
        lexical: list[float],
    ) -> search_answer.Answer | None:
        """The answer card from the best hit, when it reaches the card threshold and the search
        is not unsure of its article (:func:`search_answer.unsure`, from ``lexical``, the two
        best scores by words)."""
        if vector is None:
            vector = encoder().encode_one(query)
        if search_answer.unsure(vector, lexical, self.meanings, [h.fields for h in found.hits]):
            return None
        best = found.hits[0]
        made = search_answer.card(
            query, vector, encoder(), best.fields, best.anchor, finder, weights, found.confidence
        )
        return made if made and made.score >= search_answer.CARD_THRESHOLD else None

    def scores(
        self,
        reader: IndexReader,
        plan: QueryPlan,
        covered: list[Scores] | None = None,
        frequency: Frequencies | None = None,
    ) -> Scores:
        """Each matching article's score: the sum over clauses of idf x BM25F weight; with
        ``covered``, each clause's articles are appended to it."""
        frequency = frequency or Frequencies(reader)
        total_docs = reader.doc_count_all()  # with replaced ones: their postings count in n
        scores = Scores(total_docs)
        for clause in plan.clauses:
            boost = CORRECTED_WEIGHT if clause.corrected else 1.0
            if len(clause.alternatives) == 1 and len(clause.alternatives[0]) == 1:
                term = clause.alternatives[0][0]
                part = self._term(reader, term, boost, total_docs, frequency)
            else:  # the clause counts its best alternative; a phrase needs all its words
                terms = [
                    [self._term(reader, t, boost, total_docs, frequency) for t in alt]
                    for alt in clause.alternatives
                ]
                part = Scores.best_of(total_docs, (Scores.all_of(alt) for alt in terms))
                if not len(part):  # "shortdomain": no article says both, so each word alone
                    part = Scores.best_of(total_docs, (t for alt in terms for t in alt))
            if covered is not None:
                covered.append(part)
            scores.add(part)
        return scores

    @staticmethod
    def _term(
        reader: IndexReader, term: str, boost: float, total_docs: int, frequency: Frequencies
    ) -> Scores:
        """A term's score in every article that has it: its BM25F weight, then its BM25
        weight in the title alone, each times the term's idf."""
        n = frequency(term)
        if not n:
            return Scores(total_docs)
        idf = boost * math.log(1 + (total_docs - n + 0.5) / (n + 0.5)) ** IDF_EXPONENT
        found = []
        weights_field, title_field, bare = fields_of(term)
        for fieldname, factor in ((weights_field, idf), (title_field, idf * TITLE_WEIGHT)):
            ids, weights = arrays(reader, fieldname, bare)
            found.append((ids, factor * weights))
        return Scores.of_fields(total_docs, found)

    # ------------------------------------------------------------------ suggest

    def suggest(self, reader: IndexReader, prefix: str, *, limit: int) -> list[dict[str, Any]]:
        """Articles whose title or keywords have words starting with each typed word."""
        return suggest(reader, self.planner.stop_words, prefix, limit=limit)


def _unnamed(
    hubs: set[int], stored: dict[int, dict[str, Any]], finder: WordFinder, words: int
) -> set[int]:
    """The landing pages of ``hubs`` the query does not name: a lexical candidate's
    (``stored``) whose title holds every one of the ``words`` typed clauses is named."""
    if not hubs:
        return hubs
    typed = set(range(words))
    return {
        d
        for d in hubs
        if d not in stored or not typed <= finder.clauses_in(stored[d].get("title", ""))
    }


def _keywords_only(plan: QueryPlan, stop_words: frozenset[str]) -> bool:
    """Whether the query (as normalised) holds no stop word: keywords, not a sentence."""
    return not any(word in stop_words for word in plan.normalized.split())
