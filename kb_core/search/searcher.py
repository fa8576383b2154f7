"""Whoosh search index: build it from articles and query it.

Shared by the build, the CLI and ``feedback_api``: imports neither mkdocs nor Flask.

One Whoosh document per article. Ranking is BM25F over separately weighted fields (title,
keywords, headings, summary, body, category), plus the title on its own, with stemming, stop
words and question boilerplate removed; a phrase bonus when neighbouring query words appear
together in the title or summary, or when the query says one of an article's keywords word for
word; synonyms applied at query time; spelling correction only for words the index has never
seen, and only when the correction looks like a typo. A hit opens at the section that
matched the words its title lacks (``url#anchor``), chosen when results are shown: one result
per article by construction. Prefix matching is for :meth:`Searcher.suggest` only.

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
import shutil
import tempfile
import threading
import uuid
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh.reading import IndexReader

from kb_core.errors import IndexUnavailable
from kb_core.search import schema as search_index
from kb_core.search.rank import RankedHit, Ranker
from kb_core.search.spell import Vocabulary
from kb_core.search.text import Analyzer, QueryPlanner, normalize_query
from kb_core.semantic import Meanings, encoder

__all__ = [
    "Hit",
    "IndexDoc",
    "Searcher",
    "SearchResponse",
    "Section",
    "Suggestion",
    "build_index",
    "normalize_query",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Section:
    """A heading of an article, searchable on its own so a hit can point at ``url#anchor``."""

    anchor: str
    title: str
    text: str
    level: int = 2


@dataclass(frozen=True)
class IndexDoc:
    """What the index needs to know about one article (built from the loaded content)."""

    id: str
    title: str
    url: str  # site-relative, e.g. "billing/refunds/" (no leading slash)
    category: str  # display path, e.g. "Billing › Invoices"
    category_slug: str  # top-level folder, used by the category filter
    summary: str
    body: str  # plain text, Markdown removed
    source: str  # path relative to the content dir
    visibility: str = "public"
    keywords: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    sections: tuple[Section, ...] = field(default_factory=tuple)


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


@dataclass(frozen=True)
class SearchResponse:
    query: str
    normalized: str  # the query after normalize_query(), for logging and grouping
    total: int
    results: list[Hit]
    did_you_mean: str | None = None
    corrected: bool = False  # typo correction was applied to find these results
    # How sure the ranking is (kb_core.search.confidence); below its threshold the search
    # is unanswered: "not an exact match" to the visitor, a gap in the log.
    confidence: float = 0.0
    answered: bool = False
    coverage: tuple[float, ...] = ()  # the signals of the best hits, for benchmarks
    meaning: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Suggestion:
    id: str
    title: str
    url: str


def build_index(
    docs: Iterable[IndexDoc],
    index_dir: Path,
    *,
    language: str = "en",
    procs: int = 1,
    limitmb: int = 256,
    stats: Sequence[search_index.DocStats] | None = None,
    source: dict[str, Any] | None = None,
    vectors: np.ndarray | None = None,
) -> int:
    """Write a fresh index of ``docs`` to ``index_dir``; return the number of articles.

    The index is built in a temporary directory beside ``index_dir`` and swapped in at the
    end, so readers never see half an index. ``stats`` are the documents'
    :func:`~kb_core.search.schema.doc_stats` when the caller has them; ``source`` (its
    ``digests``, one per document, and anything else that decides the index's content) lets a
    later :func:`patch_index` replace only what changed. ``vectors`` (one row per document,
    from :mod:`kb_core.semantic`) let searches rerank by meaning. Raises OSError, or
    BuildError for duplicate ids.
    """
    index_dir = Path(index_dir)
    docs = list(docs)
    if stats is None:
        stats = [search_index.doc_stats(language, d) for d in docs]
    state = dict(source or {})
    state["digests"] = dict(zip((d.id for d in docs), state.get("digests", ()), strict=False))
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.new-", dir=index_dir.parent))
    try:
        search_index.write(docs, stats, tmp, language, procs, limitmb, state)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _finish(tmp, index_dir, docs, language, vectors)
    log.info("search index: %d articles written to %s", len(docs), index_dir)
    return len(docs)


def patch_index(
    docs: Sequence[IndexDoc],
    index_dir: Path,
    *,
    language: str,
    stats: Sequence[search_index.DocStats],
    source: dict[str, Any],
    vectors: np.ndarray | None = None,
) -> bool:
    """Update the index in ``index_dir`` to ``docs`` by replacing the articles that changed
    since it was written (see :func:`build_index`); False when a fresh index should be built.

    The update runs on a copy made of hard links (Whoosh writes new files and never rewrites
    one), which is swapped in whole, as a fresh index would be.
    """
    index_dir = Path(index_dir)
    if not (index_dir / search_index.STATE_FILE).is_file():
        return False
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.new-", dir=index_dir.parent))
    try:
        patched = _patch_copy(index_dir, tmp, docs, stats, language, source)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if not patched:
        shutil.rmtree(tmp, ignore_errors=True)
        return False
    _finish(tmp, index_dir, docs, language, vectors)
    log.info("search index: %s updated in place of a full rebuild", index_dir)
    return True


def _patch_copy(
    index_dir: Path,
    tmp: Path,
    docs: Sequence[IndexDoc],
    stats: Sequence[search_index.DocStats],
    language: str,
    source: dict[str, Any],
) -> bool:
    """:func:`search_index.patch` on a hard-linked copy of ``index_dir`` in ``tmp``; False
    also when the index is damaged (it fails in many ways): a fresh one then replaces it."""
    # Whoosh leaves a file open when it cannot read an index; it is released with the
    # exception, inside this block, so its ResourceWarning stays quiet.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            link_tree(index_dir, tmp)
            return search_index.patch(docs, stats, tmp, language, source)
        except Exception as e:
            why = f"{type(e).__name__}: {e}"  # not the exception: it holds Whoosh's open files
            log.warning("search index %s not updated (%s); rebuilding it", index_dir, why)
            return False


def link_tree(src: Path, dst: Path) -> None:
    """Fill the empty directory ``dst`` with hard links to the files of index ``src``."""
    for p in src.iterdir():
        if p.is_file() and not p.name.endswith("LOCK"):
            os.link(p, dst / p.name)


def _finish(
    tmp: Path,
    index_dir: Path,
    docs: Sequence[IndexDoc],
    language: str,
    vectors: np.ndarray | None,
) -> None:
    """Add the title vectors and the meta file to the new index in ``tmp`` and swap it in
    for ``index_dir``; ``tmp`` is removed if that fails."""
    try:
        (tmp / Meanings.FILE).unlink(missing_ok=True)  # a patched copy links the old one
        if vectors is not None:
            Meanings.save(tmp, [d.id for d in docs], vectors)
        _write_meta(tmp, language, len(docs))
        _swap_in(tmp, index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write_meta(where: Path, language: str, articles: int) -> None:
    meta = {"format": search_index.FORMAT, "language": language, "articles": articles}
    search_index.replace_text(where / search_index.META_FILE, json.dumps(meta))


def _swap_in(new: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


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
        a server's first searches do not wait for them. A one-shot command leaves it off: it
        must not start work it will not wait for (a thread still inside onnxruntime when the
        interpreter exits aborts the process)."""
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
        planner = QueryPlanner(Analyzer(str(meta.get("language", "en"))), self._synonyms)
        vocabulary = Vocabulary(where / search_index.VOCAB_FILE)
        if self._warm:  # "did you mean" needs it even without typo tolerance
            self._warming.append(vocabulary.warm_up())
        meanings = Meanings.load(where)
        if meanings is None:
            return ix, Ranker(planner, vocabulary)
        if self._warm:  # load the model now, not in the first search
            loading = threading.Thread(target=encoder, name="kb-encoder", daemon=True)
            loading.start()
            self._warming.append(loading)
        with ix.reader() as reader:
            rows = meanings.rows(reader)
        return ix, Ranker(planner, vocabulary, meanings, rows)

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
            normalized=ranked.normalized,
            total=ranked.total,
            results=hits,
            did_you_mean=ranked.did_you_mean,
            corrected=ranked.corrected,
            confidence=ranked.confidence,
            answered=ranked.answered,
            coverage=tuple(ranked.coverage),
            meaning=None if ranked.meaning is None else tuple(ranked.meaning),
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
    )
