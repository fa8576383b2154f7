"""Query evaluation for :mod:`kb_core.search.searcher`: scores from the postings, proximity rerank,
typo correction, section anchors and snippets of the hits, and as-you-type suggestions.

Imports neither mkdocs nor Flask. Works on one borrowed Whoosh reader per call.

The postings hold each article's BM25F weight per term (see :mod:`kb_core.search.schema`),
so a search adds ``idf * weight`` over the postings of its terms, reading them a block at a
time. Whoosh's matcher tree does the same work one posting at a time, about ten times slower.
"""

from __future__ import annotations

import heapq
import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from whoosh.reading import IndexReader

from kb_core.search import answer as search_answer
from kb_core.search import confidence as search_confidence
from kb_core.search.postings import arrays, docset
from kb_core.search.schema import HUB, document_frequency, fields_of
from kb_core.search.scores import Scores
from kb_core.search.spell import Vocabulary, common_word, join_apart, split_joined
from kb_core.search.suggest import suggest
from kb_core.search.text import (
    Clause,
    QueryPlan,
    QueryPlanner,
    WordFinder,
    fold,
    phrase_terms,
    remembered,
    snippet,
    untagged,
)
from kb_core.semantic import Meanings, encoder

log = logging.getLogger(__name__)

RERANK_DEPTH = 12  # articles whose title and summary are checked for phrases
# Bonus when two neighbouring query words appear in this order, at most about two words apart,
# in the title or the summary.
PHRASE_IN_TITLE = 1.0
PHRASE_IN_SUMMARY = 0.5
# Bonus for each of an article's keywords of two words or more that the query says word for
# word: writers put the phrases customers use there ("can't log in", "locked out").
KEYWORD_PHRASE = 2.0
# The same bonus when the query says one of an article's section headings word for word, stop
# words included ("why can't I see the billing page?" holds "Can't see the billing page?"),
# and the heading has HEADING_MIN_WORDS words or more besides stop words: a writer's heading
# is a phrase customers use too. Without it a near-exact heading counted as a few words of
# the headings field, and the rerank by meaning could put another article first.
HEADING_PHRASE = KEYWORD_PHRASE
HEADING_MIN_WORDS = 2
# Section evidence: the share of the query (each typed word weighed by its idf) that one of an
# article's section headings says and its title does not, for a heading holding
# HEADING_MATCH_MIN typed words or more. A long FAQ or troubleshooting page answers many
# questions, one a heading ("Stats stopped after migrating or cloning your WordPress site"),
# and BM25F reads all its headings as one long field, so a heading saying nearly the whole
# query counted for little against a short article sharing two of its words. The share adds
# HEADING_WORDS to the lexical score and, when meaning reorders the candidates,
# HEADING_MEANING to the fused one (where a lexical score counts for 1 - SEMANTIC_WEIGHT;
# of the RERANK_DEPTH lexical candidates).
# Whether the ranking is unsure (SEMANTIC_GATE) is judged without it: the heading reorders
# what the words found, and must not keep meaning from looking. Chosen on the training sets
# (stackfaq group 0, bench/queries/search_train, typos_train, answers_train, search_train2,
# the example's). Words the article's title holds count nothing here (the title scores
# them already), or a page with a heading "Custom properties for events" would gain on the
# article titled "Custom properties"; two-word queries get nothing: tried, they lost
# "sites api" to a page with a heading of those words, and a heading they say word for
# word gets HEADING_PHRASE.
HEADING_MATCH_MIN = 2
HEADING_MATCH_QUERY = 3  # typed words: a two-word query's heading is a phrase (HEADING_PHRASE)
HEADING_WORDS = 1.0
HEADING_MEANING = 0.2
SECTION_SCAN_CHARS = 4_000  # of section text read to find the section a hit should open at
# BM25's idf flattened: a word common across the knowledge base ("gmail", "invoice") still
# says which articles are about it. 1.0 is plain BM25.
IDF_EXPONENT = 0.6
TITLE_WEIGHT = 1.0  # of a query word's score in the title alone, added to its BM25F score
CORRECTED_WEIGHT = 0.8  # a spelling correction counts a little less than what was typed
# Meaning (kb_core.semantic): for a query of SEMANTIC_MIN_WORDS words or more (after stop
# words) whose runner-up scores at least SEMANTIC_GATE of its top hit, the lexical ranking is
# unsure, and its best SEMANTIC_DEPTH candidates are reordered by (1 - w) * score / top score
# + w * cosine(query, title and keywords), w = SEMANTIC_WEIGHT. Keyword queries ("linker
# error") and confident rankings are left alone and cost no encoding (about 2 ms a query).
# Chosen on stackfaq group 0; checked on held-out queries for two other help centers
# (bench/search_eval.py), where reranking keyword queries too would gain one query in 70.
SEMANTIC_GATE = 0.8
SEMANTIC_MIN_WORDS = 3
SEMANTIC_DEPTH = 30
SEMANTIC_WEIGHT = 0.8
# A confident lexical ranking of such a query is reordered by meaning too when meaning is sure
# of one candidate: the title nearest the query reaches MEANING_LEAD_FLOOR and leads the next
# of the SEMANTIC_DEPTH candidates by MEANING_LEAD (a long question paraphrasing a title
# whose words the body of another article happens to share), and the reordering changes the
# top hit (else the ranking, its confidence and its card stay as the words made them). Costs
# the query's encoding, which the confidence or the card then reuse.
MEANING_LEAD = 0.08
MEANING_LEAD_FLOOR = 0.6
# Sections by meaning (kb_core.semantic.Sections): when meaning reorders a ranking, the
# articles whose best section is nearest the query join the candidates (SECTION_DEPTH of
# them, at a cosine of SECTION_FLOOR or more), and an article's fused score adds its best
# section's cosine times SECTION_WEIGHT, less SECTION_WEIGHT_PER_WORD for each word past
# SEMANTIC_MIN_WORDS (never below 0): a long question is a paraphrase of a title more than of
# a passage. With no lexical match at all, meaning alone may show articles whose best section
# reaches MEANING_ONLY_FLOOR: such a search is never "answered" (its coverage is nil), so it
# stays a gap, but it is no longer "found nothing".
SECTION_DEPTH = 10
SECTION_FLOOR = 0.45
SECTION_WEIGHT = 0.5
SECTION_WEIGHT_PER_WORD = 0.05
# An article's lead (its title, summary and opening text) counts LEAD_SECTION times its cosine
# among its sections: the title's own cosine is fused already, and a lead counted in full
# lets overview and landing pages, whose summaries touch every subject of their category,
# outrank the article whose section answers (chosen on the training sets: stackfaq group 0,
# bench/queries/answers_train, search_train, typos_train; 0.8-1.0 tried).
LEAD_SECTION = 0.9
MEANING_ONLY_FLOOR = 0.6
# A query of keywords only, no stop word ("search widget android"), names what it wants:
# meaning reorders it from KEYWORDS_MIN_WORDS words on (questions and descriptions from
# SEMANTIC_MIN_WORDS). Chosen on the training sets: duckduckgo-help's short queries 15 -> 17
# of 19, nothing else changed.
KEYWORDS_MIN_WORDS = 4
# Words break a near-tie of meaning: when meaning reorders the candidates and its first two
# are within WORDS_TIE_GAP of each other (in fused units, where a title's cosine counts
# SEMANTIC_WEIGHT), the runner-up goes first if it holds WORDS_TIE_SHARE more of the query
# (each typed word weighed by its idf: the share search_confidence.coverage measures) than
# the first. Sibling articles ("Traffic spikes", "Bot traffic filtering") sit that close by
# meaning, and the one lacking half of what the customer typed ("bounce rate") is rarely
# the answer. Chosen on the training sets (stackfaq group 0, bench/queries/search_train,
# search_train2, typos_train, answers_train, tandem.csv): 5 of the help centers' training
# queries first instead of second, none lost; a continuous coverage bonus lost stackfaq
# paraphrases, which share few words with their answer.
WORDS_TIE_GAP = 0.05
WORDS_TIE_SHARE = 0.4
# Landing pages (kb_builder.index.hubs: an index page, or one mostly of links to articles)
# introduce the articles that answer, and their short text and broad title hold the words of
# every question of their category. Among the lexical candidates a hub's score counts
# HUB_LEXICAL of itself, so an article scoring more than that share of it comes first; when
# meaning reorders the candidates, a hub's fused score loses HUB_MEANING (its title and lead
# are near every question of the category). A hub whose title holds every typed word is what
# the query names ("duck player", "c language reference") and keeps its score: without that
# rule, cpp-docs' 70 hubs (Microsoft Learn's lists of links) were found first by their own
# titles 16 times in 70 instead of 62. Chosen on the training sets (duckduckgo-help, the only
# one with hubs: 28 of its 261 articles): 0.4-0.6 and 0.05-0.2 gain the same top hits and
# lose none; 0.3 loses "youtube videos show ads and recommendations".
HUB_LEXICAL = 0.5
HUB_MEANING = 0.1
COMPLETIONS = 5  # index terms an unfinished last word stands for, as the visitor types


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


@dataclass
class RankedHit:
    fields: dict[str, Any]
    score: float
    anchor: str | None
    text: str  # what the snippet is cut from: the section opened at, else the article's
    snippet: str = ""  # made last (Ranker.search), once the hit's section is settled


@dataclass
class Ranked:
    normalized: str
    total: int
    hits: list[RankedHit] = field(default_factory=list)
    did_you_mean: str | None = None
    corrected: bool = False
    confidence: float = 0.0
    answered: bool = False
    # The confidence signals of the best hits, in rank order (see search_confidence).
    coverage: list[float] = field(default_factory=list)
    meaning: list[float] | None = None
    lone: list[bool] = field(default_factory=list)  # no evidence without meaning
    answer: search_answer.Answer | None = None


class Ranker:
    """Everything that turns a query into ranked hits, given an open Whoosh reader."""

    def __init__(
        self,
        planner: QueryPlanner,
        vocabulary: Vocabulary,
        meanings: Meanings | None = None,
        rows: np.ndarray | None = None,
        live: np.ndarray | None = None,
    ) -> None:
        self.planner = planner
        self.vocabulary = vocabulary
        self.meanings = meanings  # the articles' vectors (None: words only)
        self.rows = rows  # each Whoosh document number's row in meanings (-1: none)
        # each row's live document number (-1: none), for articles found by meaning alone
        self.docs = np.full(len(meanings.row) if meanings else 0, -1, dtype=np.int64)
        if rows is not None and live is not None and len(live):
            known = live[rows[live] >= 0]
            self.docs[rows[known]] = known

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
        # meaning reorders questions and descriptions; keywords only when there are many
        reorder_from = (
            KEYWORDS_MIN_WORDS
            if _keywords_only(plan, self.planner.stop_words)
            else SEMANTIC_MIN_WORDS
        )
        frequency = Frequencies(reader)
        if prefix:
            _complete_last(reader, plan, frequency, self.planner.tags)
        self._compounds(plan, frequency)
        fixes = self._corrections(plan, frequency)
        did_you_mean = " ".join(fixes.get(w, w) for w in plan.normalized.split()) or None
        corrected = typos and self._apply(plan, fixes)
        # what meaning reads: the query as corrected, when it was (the sentence model reads
        # "chnage my fowarding address" as something else than "change my forwarding address")
        read_as = did_you_mean if corrected and did_you_mean else query
        covered: list[Scores] = []
        scores = self.scores(reader, plan, covered, frequency)
        allowed = docset(reader, "category_slug", category) if category else None
        if allowed is not None:
            scores = scores.only(allowed)
        top = scores.largest(max(limit, RERANK_DEPTH))
        # snippets mark whole words ("app" is not "appear"): the analyser says what they are
        terms = self.planner.word_terms
        finder = WordFinder([_clause_words(c) for c in plan.clauses], terms)
        stored = {d: reader.stored_fields(d) for d, _ in top}
        # the phrases the query says as corrected: "fingerprinting protecton" says the heading
        # "Fingerprinting protection" as the query typed right would
        said = self.planner.said(read_as)
        shares = (  # a query of one or two words gets no section evidence: skip the weights
            search_confidence.clause_weights(reader, plan.clauses[:words], frequency)
            if words >= HEADING_MATCH_QUERY
            else []
        )
        # the share of the query a heading says, of the lexical candidates (whose stored
        # fields are read anyway: those meaning adds from deeper count 0, as reading theirs
        # cost 1 ms a search at cpp-docs and changed no training query)
        headed = {d: _heading_share(stored[d], finder, shares) for d, _ in top}
        plain = sorted(
            ((s + _proximity(stored[d], finder, said, self.planner), d) for d, s in top),
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
        vector = None  # the query's vector, once meaning has reordered the ranking
        encoded = None  # the query's vector, encoded to ask meaning whether it is sure
        anchors: dict[int, str] = {}  # the section meaning points at, by document
        if self._unsure(words, plain, reorder_from) or self._meaning_only(words, ranked):
            vector = encoder().encode_one(read_as)
            ranked = self._by_meaning(
                vector, ranked, scores, allowed, anchors, words, (headed, hubs), (shares, covered)
            )
        elif self._may_lead(words, ranked, reorder_from):
            encoded = encoder().encode_one(read_as)
            pool = self._pool(ranked, scores)
            if self._meaning_leads(encoded, pool):  # taken only if it changes the top hit
                meant: dict[int, str] = {}
                reordered = self._by_meaning(
                    encoded,
                    ranked,
                    scores,
                    allowed,
                    meant,
                    words,
                    (headed, hubs),
                    (shares, covered),
                    pool,
                )
                if reordered[0][1] != ranked[0][1]:
                    vector, ranked = encoded, reordered
                    anchors.update(meant)
        for _, d in ranked[:limit]:  # meaning may have brought in articles from deeper
            if d not in stored:
                stored[d] = reader.stored_fields(d)
        hits = [
            _hit(stored[d], score, finder, len(plan.clauses), anchors.get(d))
            for score, d in ranked[:limit]
        ]
        found = Ranked(
            plan.normalized,
            max(len(scores), len(ranked)),
            hits,
            did_you_mean if fixes else None,
            corrected and bool(scores),
        )
        if ranked:
            typed = plan.clauses[:words]
            weights = search_confidence.clause_weights(reader, typed, frequency)
            distinct = search_confidence.distinctive(reader, typed, frequency)
            judged = [d for _, d in ranked[: search_confidence.DEPTH]]
            for d in judged:
                if d not in stored:
                    stored[d] = reader.stored_fields(d)
            apart = self._apart(
                [stored[d] for d in judged], typed, finder, covered, distinct, judged
            )
            vector = self._judge(
                read_as, vector, weights, (covered, distinct, apart), ranked, found, encoded
            )
            if vector is not None and not anchors:
                self._open_at_meaning(vector, found, finder, len(plan.clauses))
            if found.answered and not prefix and self._cards(query):
                vector = vector if vector is not None else encoded
                vector = vector if vector is not None else encoder().encode_one(read_as)
                found.answer = self._card(query, vector, finder, weights, found, lexical)
        for hit in found.hits:  # words, or the summary
            hit.snippet = snippet(hit.text, finder, otherwise=hit.fields.get("summary") or "")
        return found

    def _open_at_meaning(
        self, vector: np.ndarray, found: Ranked, finder: WordFinder, clauses: int
    ) -> None:
        """Hits that open at no section by their words open at their section nearest the
        query by meaning, when the query was encoded anyway (to judge it)."""
        sections = self.meanings.sections if self.meanings is not None else None
        if sections is None:
            return
        for i, hit in enumerate(found.hits):
            row = self.meanings.row.get(hit.fields.get("id", "")) if self.meanings else None
            if hit.anchor is None and row is not None:
                meant = sections.anchors[sections.nearest_in(vector, row)]
                if meant:  # no section matched its words: _best_section need not look again
                    # (snippets are made last: none was cut from the text it opened at)
                    found.hits[i] = _hit(
                        hit.fields, hit.score, finder, clauses, meant, (None, None)
                    )

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

    def _apart(
        self,
        hits: list[dict[str, Any]],
        typed: list[Clause],
        finder: WordFinder,
        covered: list[Scores],
        distinct: set[int],
        top: list[int],
    ) -> list[bool]:
        """For each of the best ``hits`` (stored fields; documents ``top``), whether it holds
        every ``distinct`` typed clause, two or more, but none of them together
        (:func:`search_confidence.apart`): its words then count nothing toward confidence."""
        if len(distinct) < 2:
            return [False] * len(hits)
        holds = search_confidence.held(covered[: len(typed)], top, distinct)
        synonyms = {i for i, c in enumerate(typed) if c.synonyms}
        said = None  # the typed words of the clauses a synonym group widened
        if synonyms & distinct:
            stop = self.planner.is_stop_word
            said = WordFinder(
                [
                    [
                        t
                        for w in fold(c.surface).split()
                        if not stop(w)
                        for t in (w, *self.planner.word_terms(w))
                    ]
                    if c.synonyms
                    else []
                    for c in typed
                ]
            )
        return [
            n == len(distinct) and search_confidence.apart(f, finder, said, distinct, synonyms)
            for f, n in zip(hits, holds, strict=True)
        ]

    def _judge(
        self,
        query: str,
        vector: np.ndarray | None,
        weights: list[float],
        words: tuple[list[Scores], set[int], list[bool]],
        ranked: list[tuple[float, int]],
        found: Ranked,
        encoded: np.ndarray | None = None,
    ) -> np.ndarray | None:
        """Fill ``found``'s confidence from its best hits (see :mod:`.search_confidence`),
        given ``words``: each clause's set of articles, the distinctive clauses, and whether
        each hit holds them apart (:meth:`_apart`: its coverage counts nothing); the
        query's vector if it was needed (``encoded``, when the search has it already but
        meaning did not reorder with it: judged as if it had not been encoded)."""
        covered, distinct, apart = words
        top = [d for _, d in ranked[: search_confidence.DEPTH]]
        covers = search_confidence.coverage(weights, covered, top)
        covers = [0.0 if a else c for c, a in zip(covers, apart, strict=True)]
        # a hit holding every typed word is answered without the model: keywords cost nothing
        sure = vector is None and max(covers, default=0.0) >= search_confidence.WHOLE
        meaning = None
        if self.meanings is not None and self.rows is not None and not sure:
            if vector is None:
                vector = encoded if encoded is not None else encoder().encode_one(query)
            docs = np.array(top, dtype=np.int64)
            meaning = self.meanings.similarity(vector, self.rows[docs]).tolist()
        holds = search_confidence.held(covered[: len(weights)], top, distinct)
        found.coverage, found.meaning, found.lone = search_confidence.discount(
            covers, meaning, holds, len(distinct)
        )
        found.confidence = search_confidence.confidence(found.coverage, found.meaning, found.lone)
        found.answered = search_confidence.answered(
            found.confidence, with_meaning=found.meaning is not None
        )
        return vector

    def _unsure(self, words: int, ranked: list[tuple[float, int]], least: int) -> bool:
        """Whether meaning should reorder ``ranked``: a query of ``least`` ``words`` or more
        (a question or a description, or many keywords) whose runner-up scores close to its
        top hit."""
        return (
            self.meanings is not None
            and words >= least
            and len(ranked) > 1
            and ranked[1][0] >= SEMANTIC_GATE * ranked[0][0]
        )

    def _may_lead(self, words: int, ranked: list[tuple[float, int]], least: int) -> bool:
        """Whether meaning might be sure enough to reorder a confident ``ranked``
        (:meth:`_meaning_leads`): a query of ``least`` ``words`` or more with more than one
        candidate."""
        return self.meanings is not None and words >= least and len(ranked) > 1

    def _meaning_leads(self, query: np.ndarray, pool: list[tuple[float, int]]) -> bool:
        """Whether one title of ``pool`` is near ``query`` (MEANING_LEAD_FLOOR) and nearer
        than every other by MEANING_LEAD."""
        assert self.meanings is not None and self.rows is not None
        rows = self.rows[np.array([d for _, d in pool], dtype=np.int64)]
        cosine = np.sort(self.meanings.similarity(query, rows))
        return bool(cosine[-1] >= MEANING_LEAD_FLOOR and cosine[-1] - cosine[-2] >= MEANING_LEAD)

    @staticmethod
    def _pool(ranked: list[tuple[float, int]], scores: Scores) -> list[tuple[float, int]]:
        """``ranked`` and then the best of the other lexical candidates, SEMANTIC_DEPTH in all
        (or all of ``ranked``, if longer)."""
        have = {d for _, d in ranked}
        depth = max(len(ranked), SEMANTIC_DEPTH)
        deeper = scores.largest(depth)
        pool = ranked + sorted(((s, d) for d, s in deeper if d not in have), reverse=True)
        return pool[:depth]

    def _meaning_only(self, words: int, ranked: list[tuple[float, int]]) -> bool:
        """Whether a search the words found nothing for should ask the sections by meaning."""
        return (
            not ranked
            and words >= SEMANTIC_MIN_WORDS
            and self.meanings is not None
            and self.meanings.sections is not None
        )

    def _by_meaning(
        self,
        query: np.ndarray,
        ranked: list[tuple[float, int]],
        scores: Scores,
        allowed: set[int] | None,
        anchors: dict[int, str],
        words: int,
        marks: tuple[dict[int, float], set[int]],
        typed: tuple[list[float], list[Scores]],
        pool: list[tuple[float, int]] | None = None,
    ) -> list[tuple[float, int]]:
        """The best ``SEMANTIC_DEPTH`` candidates (``ranked`` with the lexical scores of those
        it lacks; ``pool``, when already made by :meth:`_pool`), and the articles whose
        sections are nearest ``query``, reordered by fusing each score with the cosines of the
        query and the article's title and keywords and its best section (weighed by the
        query's ``words``) and the share of the query one of its headings says (``marks``'
        first, by document; 0 when absent), less HUB_MEANING for a landing page (``marks``'
        second, the set of them); ties keep the lexical order, and a near-tie of the first
        two goes to the one holding much more of the query (``typed``: each typed clause's
        idf share and articles; see :func:`_words_break_tie`). ``anchors`` gets, for each
        candidate whose best section is not its lead, that section's anchor."""
        assert self.meanings is not None and self.rows is not None
        headed, hubs = marks
        pool = list(pool) if pool is not None else self._pool(ranked, scores)
        sections = self.meanings.sections
        best = which = None
        if sections is not None:
            candidates = self.rows[np.array([d for _, d in pool], dtype=np.int64)]
            best, which = sections.best(query, candidates, lead=LEAD_SECTION)
            floor = SECTION_FLOOR if pool else MEANING_ONLY_FLOOR
            inside = {d for _, d in pool}
            joined = 0
            for row in np.argsort(-best)[: SECTION_DEPTH * 3]:
                if best[row] < floor or joined == SECTION_DEPTH:
                    break
                d = int(self.docs[row])
                if d >= 0 and d not in inside and (allowed is None or d in allowed):
                    pool.append((scores.get(d, 0.0), d))
                    inside.add(d)
                    joined += 1
        if not pool:
            return []
        top = pool[0][0] or max(s for s, _ in pool) or 1.0
        docs = np.array([d for _, d in pool], dtype=np.int64)
        rows = self.rows[docs]
        cosine = self.meanings.similarity(query, rows).tolist()
        near = [0.0] * len(pool)
        if best is not None and which is not None and sections is not None:
            near = np.where(rows >= 0, best[np.maximum(rows, 0)], 0.0).tolist()
            for d, row in zip(docs.tolist(), rows.tolist(), strict=True):
                if row >= 0 and sections.anchors[which[row]]:
                    anchors[d] = sections.anchors[which[row]]
        section_weight = max(
            0.0, SECTION_WEIGHT - SECTION_WEIGHT_PER_WORD * (words - SEMANTIC_MIN_WORDS)
        )
        fused = [
            (
                (1 - SEMANTIC_WEIGHT) * s / top
                + SEMANTIC_WEIGHT * c
                + section_weight * n
                + HEADING_MEANING * headed.get(d, 0.0)
                - (HUB_MEANING if d in hubs else 0.0),
                -k,
                d,
            )
            for k, ((s, d), c, n) in enumerate(zip(pool, cosine, near, strict=True))
        ]
        fused.sort(reverse=True)
        return _words_break_tie([(f, d) for f, _, d in fused], *typed)

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

    def _compounds(self, plan: QueryPlan, frequency: Frequencies) -> None:
        """Words typed apart that the articles write as one ("log in", "back up"), and a
        word typed as one that they write apart ("duckplayer"); see :mod:`.spell`."""
        join_apart(plan, self.planner, frequency)
        split_joined(plan, self.planner, frequency, self.vocabulary)

    # ------------------------------------------------------------------ typos

    def _corrections(self, plan: QueryPlan, frequency: Frequencies) -> dict[str, str]:
        """Words of the query that the index has never seen, mapped to the nearest known word."""
        fixes: dict[str, str] = {}
        for clause in plan.clauses:
            word = fold(clause.surface)
            if " " in word or any(all(map(frequency, alt)) for alt in clause.alternatives):
                continue
            language = self.planner.analyzer.language
            if language != "en" and common_word(clause.surface, language):
                continue  # "facture" on /fr/: a word the articles lack, not a typo (spell.py)
            near = self.vocabulary.nearest(word)
            if near and self.planner.word(near):
                fixes[clause.surface] = near
        return fixes

    def _apply(self, plan: QueryPlan, fixes: dict[str, str]) -> bool:
        for clause in plan.clauses:
            fix = fixes.get(clause.surface)
            if fix:
                clause.alternatives = self.planner.word(fix)
                clause.surface, clause.corrected, clause.synonyms = fix, True, False
        return bool(fixes)

    # ------------------------------------------------------------------ suggest

    def suggest(self, reader: IndexReader, prefix: str, *, limit: int) -> list[dict[str, Any]]:
        """Articles whose title or keywords have words starting with each typed word."""
        return suggest(reader, self.planner.stop_words, prefix, limit=limit)


def _complete_last(
    reader: IndexReader, plan: QueryPlan, frequency: Frequencies, tags: list[str]
) -> None:
    """As the visitor types, a last word the index lacks ("refu", "passw") stands for the
    commonest index terms it begins (in the text of each language: ``tags``, see
    :class:`QueryPlanner`), before any spelling correction would."""
    last = plan.clauses[-1]
    word = fold(last.surface)
    if (
        len(word) < 2
        or " " in word
        or not plan.words
        or fold(plan.words[-1]) != word
        or any(all(map(frequency, alt)) for alt in last.alternatives)
    ):
        return
    found = []
    for tag in tags:
        field, _, bare = fields_of(tag + word)
        for t in reader.expand_prefix(field, bare):
            term = tag + (t if isinstance(t, str) else t.decode("utf-8"))
            found.append((frequency(term), term))
    if found:
        last.alternatives = [(t,) for _, t in heapq.nlargest(COMPLETIONS, found)]


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


def _clause_words(clause: Clause) -> list[str]:
    terms = (untagged(t) for alt in clause.alternatives for t in alt)
    return [*fold(clause.surface).split(), *terms]


def _proximity(
    fields: dict[str, Any],
    finder: WordFinder,
    said: dict[str | None, str],
    planner: QueryPlanner,
) -> float:
    """Bonus for neighbouring query words that appear together, in order, for keyword
    phrases the query (``said``: its phrase terms, space-padded, in each language of the
    index: :meth:`QueryPlanner.said`) contains, and for a section heading it contains."""
    in_title = finder.pairs_in(fields.get("title", ""))
    in_summary = finder.pairs_in(fields.get("summary", "")) - in_title
    text = said.get(fields.get("language")) or said[None]
    keywords = sum(1 for p in fields.get("phrases", ()) if f" {p} " in text)
    return (
        PHRASE_IN_TITLE * len(in_title)
        + PHRASE_IN_SUMMARY * len(in_summary)
        + KEYWORD_PHRASE * keywords
        + (HEADING_PHRASE if _says_heading(fields, text, planner) else 0.0)
    )


def _heading_share(fields: dict[str, Any], finder: WordFinder, shares: list[float]) -> float:
    """The share of the query (``shares``: each typed clause's idf share) that the article's
    section heading saying most of it says and its title does not, counting only headings
    holding HEADING_MATCH_MIN typed clauses or more; 0 for a query of fewer than
    HEADING_MATCH_QUERY typed clauses."""
    sections = fields.get("sections") or ()
    if len(shares) < HEADING_MATCH_QUERY or not sections:
        return 0.0
    typed = range(len(shares))
    titled = finder.clauses_in(fields.get("title", ""))
    best = 0.0
    for found in finder.clauses_in_each([h for _, h, _ in sections], typed):
        if len(found) >= HEADING_MATCH_MIN:
            best = max(best, sum(shares[i] for i in found - titled))
    return best


def _words_break_tie(
    fused: list[tuple[float, int]], shares: list[float], covered: list[Scores]
) -> list[tuple[float, int]]:
    """``fused`` (scores and articles, best first) with its first two articles trading places
    (the scores stay in order) when their scores are within WORDS_TIE_GAP and the second
    holds WORDS_TIE_SHARE more of the query than the first (``shares``: each typed clause's
    idf share, ``covered``: each clause's articles); unchanged without shares (a query of one
    or two words)."""
    if not shares or len(fused) < 2 or fused[0][0] - fused[1][0] >= WORDS_TIE_GAP:
        return fused
    (first, a), (second, b) = fused[:2]
    held = search_confidence.coverage(shares, covered, [a, b])
    if held[1] - held[0] < WORDS_TIE_SHARE:
        return fused
    return [(first, b), (second, a), *fused[2:]]


def _says_heading(fields: dict[str, Any], text: str, planner: QueryPlanner) -> bool:
    """Whether the query (``text``: its phrase terms, space-padded, in the article's language)
    says one of the article's section headings of HEADING_MIN_WORDS words or more (not
    counting stop words) word for word."""
    language = fields.get("language")
    mine = next((p for p in planner.others if p.analyzer.language == language), planner)
    stop = mine.analyzer.stop_words

    def phrase(heading: str) -> tuple[str, ...]:  # its phrase, when it has words enough
        terms = phrase_terms(mine.keys, heading)
        words = sum(1 for t in terms.split() if t not in stop)
        return (f" {terms} ",) if words >= HEADING_MIN_WORDS else ()

    for _, heading, _ in fields.get("sections") or ():
        # kept: the same articles' headings come up query after query (0.5 ms a search)
        found = remembered(mine.headings, heading, phrase)
        if found and found[0] in text:
            return True
    return False


def _hit(
    fields: dict[str, Any],
    score: float,
    finder: WordFinder,
    clauses: int,
    meant: str | None,
    best: tuple[str | None, str | None] | None = None,
) -> RankedHit:
    """A hit opening at the section whose heading or text holds the query words its title
    lacks, else at the section nearest the query by meaning (``meant``), if any; ``best``:
    what :func:`_best_section` gives, when known. Its snippet is left to make."""
    anchor, text = _best_section(fields, finder, clauses) if best is None else best
    if anchor is None and meant:
        text = next((t for a, _, t in fields.get("sections") or () if a == meant), None)
        anchor = meant if text is not None else None
    if text is None:
        text = fields.get("text", "")
    return RankedHit(fields, float(score), anchor, text)


def _best_section(
    fields: dict[str, Any], finder: WordFinder, clauses: int
) -> tuple[str | None, str | None]:
    """The section that matches the query words the title does not: (anchor, its text).

    Headings first (of headings holding as many of those words, the one holding more of the
    query's, then the one whose text holds more of those words); section texts are read, in
    order, only while no heading matched.
    """
    missing = set(range(clauses)) - finder.clauses_in(fields.get("title", ""))
    sections = fields.get("sections") or ()
    if not missing or not sections:
        return None, None
    in_headings = [
        len(found) for found in finder.clauses_in_each([h for _, h, _ in sections], missing)
    ]
    best = max(range(len(sections)), key=lambda i: in_headings[i])
    if in_headings[best]:
        tied = [i for i, n in enumerate(in_headings) if n == in_headings[best]]
        if len(tied) > 1:  # as many of the words the title lacks: the heading holding more
            # of the query's words ("Add a tax ID"), then the text holding more of those the
            # title lacks ("Sign out of a session", "Why was I signed out?": "keeps", "app")
            heads = finder.clauses_in_each([sections[i][1] for i in tied])
            texts = finder.clauses_in_each([sections[i][2] for i in tied], missing)
            best = tied[max(range(len(tied)), key=lambda k: (len(heads[k]), len(texts[k])))]
        return sections[best][0], sections[best][2]
    budget, read = SECTION_SCAN_CHARS, 0
    while read < len(sections) and budget > 0:
        budget -= len(sections[read][2])
        read += 1
    texts = finder.clauses_in_each([text for _, _, text in sections[:read]], missing)
    for (anchor, _, text), found in zip(sections, texts, strict=False):
        if found >= missing:
            return anchor, text
    return None, None
