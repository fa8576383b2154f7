"""Whoosh search index: query it (the build writes it: :mod:`kb_builder.index.writer`).

Shared by the build, the CLI and ``feedback_api``: imports neither mkdocs nor Flask.

One Whoosh document per article. Ranking is BM25F over separately weighted fields (title,
keywords, headings, summary, body, category), plus the title on its own, with stemming, stop
words and question boilerplate removed; a phrase bonus when neighbouring query words appear
together in the title or summary, or when the query says one of an article's keywords or
section headings word for word, and a bonus by the share of the query one section heading
says; synonyms applied at query time; spelling correction only for words the index has never
seen, and only when the correction looks like a typo. A hit opens
at the section that matched the words its title lacks (``url#anchor``), chosen when results
are shown: one result per article by construction. Prefix matching is for
:meth:`Searcher.suggest` only.

The BM25F weights are computed when the index is built, so a search only adds ``idf x
weight`` over the postings of its terms (see :mod:`kb_core.search.schema` and
:mod:`kb_core.search.rank`). Whoosh-Reloaded is the maintained fork of Whoosh (the
original's last release was 2016 and warns on current Pythons); we use its storage, segments
and multi-process writer, not its query machinery.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.reading import IndexReader

from kb_core.errors import IndexUnavailable
from kb_core.search import schema as search_index
from kb_core.search.answer.card import Answer
from kb_core.search.hits import RankedHit
from kb_core.search.languages import warm_up
from kb_core.search.rank import Ranker
from kb_core.search.spell import Vocabulary
from kb_core.search.text.analysis import Analyzer, fold, normalize_query
from kb_core.search.text.plan import QueryPlanner
from kb_core.semantic import Meanings, encoder, one_blas_thread

__all__ = [
    "Answer",
    "Hit",
    "Searcher",
    "SearchResponse",
    "Suggestion",
    "normalize_query",
]

log = logging.getLogger(__name__)

# A result matches well from this share of the best result's score up. Chosen on the training
# sets of the example (bench/queries/answers_train/tandem.csv, typos_train/content.csv: 67
# searches, bench/match_count.py): the expected article is among those counted at every
# share up to 0.6 and drops out at 0.7; 0.5 counts 2.3 articles on average (total: 22.1).
MATCH_SHARE = 0.5


@dataclass(frozen=True)
class Hit:
    """One search result: an article, pointing at its best-matching section if there is one."""

    id: str
    title: str
    url: str  # the article's url, with "#anchor" when ``anchor`` is set
    category: str
    category_slug: str
    summary: str
    snippet: str  # HTML: escaped text, matched words in <mark>
    source: str
    visibility: str
    anchor: str | None
    score: float
    # the language its text is in when not the index's: an untranslated article ("" if none)
    language: str = ""


@dataclass(frozen=True)
class SearchResponse:
    query: str
    # the query after normalize_query(), for logging and grouping: French elided words as
    # typed ("j'ai oublié"); set apart ("j ai") only where the words are analysed
    normalized: str
    total: int  # articles with any query word (or near it by meaning): 0 is "found nothing"
    results: list[Hit]
    did_you_mean: str | None = None
    corrected: bool = False  # typo correction was applied to find these results
    # How sure the ranking is (kb_core.search.confidence); below its threshold the search
    # is unanswered: "not an exact match" to the visitor, a gap in the log.
    confidence: float = 0.0
    answered: bool = False
    coverage: tuple[float, ...] = ()  # the signals of the best hits, for benchmarks
    meaning: tuple[float, ...] | None = None
    lone: tuple[bool, ...] = ()  # hits holding one lighter distinctive word of several
    # words only: hits (then the candidates past them) whose words are no evidence (matches)
    weak: tuple[bool, ...] = ()
    # every ranked candidate's score, best first: the hits' and those past the limit
    scores: tuple[float, ...] = ()
    # The answer card (kb_core.search.answer): a question's answering sentences, or None.
    answer: Answer | None = None

    @property
    def matches(self) -> int:
        """How many articles match the search well: those scoring at least MATCH_SHARE of
        the best, among the ranked candidates (``scores``), not only the ``results`` a limit
        kept (the header's list of 6 said "6 articles found" where the results page, listing
        10, said 8). What the portal counts ("3 articles found"): ``total``
        counts every article with any one of the words, mostly weak ones (a question of
        eight words finds nearly every article of a small site). In an index without
        meaning, the count ends before a hit (the first excepted) whose words are no evidence
        by the confidence rules (``weak``: it holds one lighter distinctive word of several,
        or none): on the French portal, "mot de passe oublié" found *Reset your password*
        and two articles saying only "oubli" (de pointage), and counted all three."""
        if not self.results:
            return 0
        scores = self.scores or tuple(h.score for h in self.results)
        floor = MATCH_SHARE * scores[0]
        n = sum(1 for s in scores if s >= floor) if floor > 0 else len(scores)
        return next((i for i in range(1, n) if i < len(self.weak) and self.weak[i]), n)


@dataclass(frozen=True)
class Suggestion:
    id: str
    title: str
    url: str


def _stamp(index_dir: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(index_dir)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns)


class Searcher:
    """Answers searches and suggestions from an index directory; safe to share across threads.

    Whoosh readers are not thread-safe, so each call borrows one from a pool (as many as
    calls run at once). When a new build is swapped into the directory, the next call opens
    it; calls still running finish on the old one.
    """

    def __init__(
        self,
        index_dir: Path,
        *,
        synonyms: Sequence[Sequence[str]] = (),
        typo_tolerance: bool = True,
        warm: bool = False,
    ) -> None:
        """Open the index in ``index_dir``; raises IndexUnavailable if missing or unreadable.

        ``warm`` prepares the spelling table and the sentence model in background threads, so
        a server's first searches do not wait for them; the model's thread is not a daemon, so
        a process exits only once it has loaded (:meth:`close` waits for them all). A one-shot
        command leaves it off: it must not start work it will not wait for."""
        self.index_dir = Path(index_dir)
        self.typo_tolerance = typo_tolerance
        self._warm = warm
        self._warming: list[threading.Thread] = []
        self._synonyms = synonyms
        self._lock = threading.Lock()
        self._idle: list[IndexReader] = []
        self._generation = 0
        self._closed = False
        self._stamp = _stamp(self.index_dir)
        one_blas_thread()  # a search's products are small: see one_blas_thread
        self._ix, self._ranker = self._open()

    def _open(self) -> tuple[whoosh_index.Index, Ranker]:
        where = self.index_dir
        error = ""
        # Whoosh leaves a file open when it cannot read an index; it is released when the
        # exception is, which happens inside this block, so its ResourceWarning stays quiet.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                meta = json.loads((where / search_index.META_FILE).read_text(encoding="utf-8"))
                if meta.get("format") != search_index.FORMAT:
                    raise ValueError(
                        f"index format {meta.get('format')!r}, expected {search_index.FORMAT}"
                    )
                ix = whoosh_index.open_dir(str(where), indexname=search_index.INDEX_NAME)
                with ix.reader() as reader:
                    reader.doc_count()
            except FileNotFoundError as e:
                error = f"search index {where} is missing ({e.filename}); run `kb build`"
            except Exception as e:  # whoosh reports a damaged index with many exception types
                error = (
                    f"search index {where} is unreadable ({type(e).__name__}: {e}); "
                    "run `kb build` to rebuild it"
                )
        if error:
            raise IndexUnavailable(error)
        # the other languages whose text it holds: the default language's, in a portal that
        # shows articles untranslated
        others = search_index.other_languages(ix.schema)
        planner = QueryPlanner(Analyzer(str(meta.get("language", "en"))), self._synonyms, others)
        if self._warm:  # spell.split_joined asks whether a typed word is a real word, too
            self._warming.append(warm_up([planner.analyzer.language, *others]))
        # a synonym's word no article says is no typo either, but a word to correct to
        # ("remboursment" on /fr/, whose articles say "refund")
        said = (fold(p) for group in self._synonyms for p in group)
        vocabulary = Vocabulary(where / search_index.VOCAB_FILE, also=said)
        if self._warm:  # "did you mean" needs it even without typo tolerance
            self._warming.append(vocabulary.warm_up())
        texts = search_index.text_shares(meta, others)
        meanings = Meanings.load(where)
        if meanings is None:
            return ix, Ranker(planner, vocabulary, texts=texts)
        if self._warm:  # load the model now, not in the first search
            # Not a daemon: the interpreter waits for it at exit. A daemon thread still inside
            # onnxruntime at exit is unwound from under it, which aborts the process (exit 134):
            # any process that made an app and left at once, without shutting it down, did.
            loading = threading.Thread(target=encoder, name="kb-encoder", daemon=False)
            loading.start()
            self._warming.append(loading)
        with ix.reader() as reader:
            rows = meanings.rows(reader)
            live = np.fromiter(reader.all_doc_ids(), dtype=np.int64)
        return ix, Ranker(planner, vocabulary, meanings, rows, live, texts)

    def _acquire(self) -> tuple[IndexReader, Ranker, int]:
        with self._lock:
            if self._closed:
                raise IndexUnavailable(f"search index {self.index_dir} has been closed")
            stamp = _stamp(self.index_dir)
            if stamp is not None and stamp != self._stamp:
                try:
                    ix, ranker = self._open()
                except IndexUnavailable as e:  # a build half-way through its swap: keep the old
                    log.warning("%s; still answering from the previous index", e)
                else:
                    log.info("search index %s changed; reopened it", self.index_dir)
                    for s in self._idle:
                        s.close()
                    self._ix, self._ranker, self._stamp = ix, ranker, stamp
                    self._idle, self._generation = [], self._generation + 1
            if self._idle:
                return self._idle.pop(), self._ranker, self._generation
            try:
                reader = self._ix.reader()
            except Exception as e:  # its files were deleted under us, and no new index yet
                raise IndexUnavailable(
                    f"search index {self.index_dir} is unreadable ({type(e).__name__}: {e})"
                ) from e
            return reader, self._ranker, self._generation

    def _release(self, reader: IndexReader, generation: int) -> None:
        with self._lock:
            if not self._closed and generation == self._generation:
                self._idle.append(reader)
                return
        reader.close()

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        category: str | None = None,
        prefix: bool = False,
        typos: bool | None = None,
    ) -> SearchResponse:
        """Rank articles for ``query`` (at most one result per article), best first; with
        ``prefix`` (a box being typed in), an unfinished last word is completed; ``typos=False``
        searches the words as typed, whatever ``typo_tolerance`` says."""
        reader, ranker, generation = self._acquire()
        try:
            ranked = ranker.search(
                reader,
                query,
                limit=max(1, limit),
                category=category,
                typos=self.typo_tolerance if typos is None else typos and self.typo_tolerance,
                prefix=prefix,
            )
        finally:
            self._release(reader, generation)
        hits = [_hit(r) for r in ranked.hits]
        return SearchResponse(
            query=query,
            normalized=normalize_query(query, ranker.planner.languages, elided=True),
            total=ranked.total,
            results=hits,
            did_you_mean=ranked.did_you_mean,
            corrected=ranked.corrected,
            confidence=ranked.confidence,
            answered=ranked.answered,
            coverage=tuple(ranked.coverage),
            meaning=None if ranked.meaning is None else tuple(ranked.meaning),
            lone=tuple(ranked.lone),
            weak=tuple(ranked.weak),
            scores=tuple(ranked.scores),
            answer=ranked.answer,
        )

    def suggest(self, prefix: str, *, limit: int = 8) -> list[Suggestion]:
        """Articles whose title or keywords have words starting with what was typed."""
        reader, ranker, generation = self._acquire()
        try:
            found = ranker.suggest(reader, prefix, limit=limit)
        finally:
            self._release(reader, generation)
        return [Suggestion(id=f["id"], title=f["title"], url=f["url"]) for f in found]

    def close(self) -> None:
        """Close every open Whoosh reader; later calls raise IndexUnavailable."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for s in idle:
            s.close()
        self._ix.close()
        for thread in self._warming:  # never leave one inside onnxruntime at exit
            thread.join()

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _hit(r: RankedHit) -> Hit:
    f = r.fields
    url = f"{f['url']}#{r.anchor}" if r.anchor else str(f["url"])
    return Hit(
        id=f["id"],
        title=f["title"],
        url=url,
        category=f.get("category", ""),
        category_slug=f.get("category_slug", ""),
        summary=f.get("summary", ""),
        snippet=r.snippet,
        source=f.get("source", ""),
        visibility=f.get("visibility", "public"),
        anchor=r.anchor,
        score=r.score,
        language=f.get("language", ""),
    )
