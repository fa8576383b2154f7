"""Meaning's say in a ranking: when the sentence model reorders the lexical candidates (the
gates), and how (their titles' and best sections' cosines with the query fused with their
scores, the articles whose sections are nearest joining them, words breaking a near-tie);
and the section a hit opens at by meaning: :class:`ByMeaning`, which
:class:`~kb_core.search.rank.Ranker` owns."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from kb_core.search import confidence as search_confidence
from kb_core.search.evidence import HEADING_MEANING, HUB_MEANING
from kb_core.search.hits import Ranked, ranked_hit
from kb_core.search.scores import Scores
from kb_core.search.text.finder import WordFinder
from kb_core.semantic import Meanings, encoder

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
# the query's encoding, which the confidence or the card then reuse. The lead is what says
# meaning is sure: a long or casual question sits far from every short title ("how tight is
# dropbox' security against attackers?" reaches *Can I trust Dropbox and similar services?*
# at 0.58, still leading every other title by MEANING_LEAD), so the floor only keeps out titles
# near nothing. Chosen on the training sets: 0.6 -> 0.4 gains 3 of stackfaq group 0 (0.5: 2),
# and 0.0-0.4 change nothing else (search_train, search_train2, typos_train).
MEANING_LEAD = 0.08
MEANING_LEAD_FLOOR = 0.4
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


class Reordered(NamedTuple):
    """A ranking as meaning left it (:meth:`ByMeaning.reorder`)."""

    ranked: list[tuple[float, int]]  # scores and documents, best first
    anchors: dict[int, str]  # the section meaning points at, by document
    vector: np.ndarray | None  # the query's vector, once meaning has reordered the ranking
    encoded: np.ndarray | None  # the query's vector, encoded to ask meaning whether it is sure


class ByMeaning:
    """The reordering by meaning of one index's rankings, which
    :class:`~kb_core.search.rank.Ranker` owns: from the articles' vectors (``meanings``; None:
    words only, and meaning never reorders), each Whoosh document number's row in them
    (``rows``, -1: none) and the index's live document numbers (``live``)."""

    def __init__(
        self,
        meanings: Meanings | None = None,
        rows: np.ndarray | None = None,
        live: np.ndarray | None = None,
    ) -> None:
        self.meanings = meanings
        self.rows = rows
        # each row's live document number (-1: none), for articles found by meaning alone
        self.docs = np.full(len(meanings.row) if meanings else 0, -1, dtype=np.int64)
        if rows is not None and live is not None and len(live):
            known = live[rows[live] >= 0]
            self.docs[rows[known]] = known

    def reorder(
        self,
        query: str,
        plain: list[tuple[float, int]],
        ranked: list[tuple[float, int]],
        scores: Scores,
        allowed: set[int] | None,
        *,
        words: int,
        keywords: bool,
        marks: tuple[dict[int, float], set[int]],
        typed: tuple[list[float], list[Scores]],
    ) -> Reordered:
        """``ranked`` (the lexical candidates with their evidence; ``plain``, without their
        headings' and landing pages' say) as meaning reorders it, with the query's vector
        (``query``: as it was corrected) and the section meaning points at in each article:
        when the words are unsure of their ranking or found nothing, or when meaning is sure
        of one candidate and that changes the top hit (see :meth:`_by_meaning` for ``scores``,
        ``allowed``, ``words``, ``marks`` and ``typed``). A query of ``keywords`` only, no stop
        word, is reordered from KEYWORDS_MIN_WORDS ``words`` on."""
        # meaning reorders questions and descriptions; keywords only when there are many
        reorder_from = KEYWORDS_MIN_WORDS if keywords else SEMANTIC_MIN_WORDS
        vector = None  # the query's vector, once meaning has reordered the ranking
        encoded = None  # the query's vector, encoded to ask meaning whether it is sure
        anchors: dict[int, str] = {}  # the section meaning points at, by document
        if self._unsure(words, plain, reorder_from) or self._meaning_only(words, ranked):
            vector = encoder().encode_one(query)
            ranked = self._by_meaning(vector, ranked, scores, allowed, anchors, words, marks, typed)
        elif self._may_lead(words, ranked, reorder_from):
            encoded = encoder().encode_one(query)
            pool = self._pool(ranked, scores)
            if self._meaning_leads(encoded, pool):  # taken only if it changes the top hit
                meant: dict[int, str] = {}
                reordered = self._by_meaning(
                    encoded, ranked, scores, allowed, meant, words, marks, typed, pool
                )
                if reordered[0][1] != ranked[0][1]:
                    vector, ranked = encoded, reordered
                    anchors.update(meant)
        return Reordered(ranked, anchors, vector, encoded)

    def open_at(self, vector: np.ndarray, found: Ranked, finder: WordFinder, clauses: int) -> None:
        """Hits that open at no section by their words open at their section nearest the
        query by meaning, when the query was encoded anyway (to judge it)."""
        sections = self.meanings.sections if self.meanings is not None else None
        if sections is None:
            return
        for i, hit in enumerate(found.hits):
            row = self.meanings.row.get(hit.fields.get("id", "")) if self.meanings else None
            if hit.anchor is None and row is not None:
                meant = sections.anchors[sections.nearest_in(vector, row)]
                if meant:  # no section matched its words: best_section need not look again
                    # (snippets are made last: none was cut from the text it opened at)
                    found.hits[i] = ranked_hit(
                        hit.fields, hit.score, finder, clauses, meant, (None, None)
                    )

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
