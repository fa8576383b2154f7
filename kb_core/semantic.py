"""Sentence vectors: what a query or a title means, beyond the words it uses.

The model is sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), exported once by
bench/export_minilm_onnx.py to an int8 ONNX file with its mean pooling and normalisation
inside, so a text becomes a unit vector of ``DIMENSIONS`` floats and the dot product of two
is their cosine. It runs under onnxruntime on the CPU with one thread per encoder: about
2 ms for a short query here, 4,500 tokens a second.

Search uses it to rerank lexical candidates by their titles and keywords
(kb_core/search/searcher.py);
``kb gaps`` uses it to group failed searches that mean the same thing
(kb_reports/gaps/grouping.py).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).parent / "models" / "minilm"
DIMENSIONS = 384
MAX_TOKENS = 128  # longer texts are cut: titles and queries are far shorter
MODEL_NAME = "all-MiniLM-L6-v2 int8"


class Encoder:
    """Turns texts into unit vectors. Safe to share between threads."""

    def __init__(self, model_dir: Path = MODEL_DIR, *, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer: Any = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._lock = threading.Lock()  # the tokenizer's settings are shared state
        self.encoded = 0  # texts encoded so far (benchmarks and tests read it)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit row per text, in order (float32, ``len(texts)`` x ``DIMENSIONS``).

        Texts go through the model one at a time. Batches of texts of one token count (no
        padding) take a third less time a text, but int8 quantisation scales each input by
        its largest value, batch and all, so a text's vector would depend on the texts batched
        with it: 2,993 of 3,000 titles' vectors changed, by up to 0.046 in a coordinate."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for i, text in enumerate(texts):
            with self._lock:  # one by one: encode_batch starts a thread pool, unsafe to fork
                ids = np.array([self._tokenizer.encode(text).ids], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
            out[i] = self._session.run(None, feed)[0][0]
        self.encoded += len(texts)
        return out

    def encode_one(self, text: str) -> np.ndarray:
        vector: np.ndarray = self.encode([text])[0]
        return vector


_loading = threading.Lock()
_loaded: Encoder | None = None


def encoder() -> Encoder:
    """This process's encoder, loaded on first use (about 0.2 s)."""
    global _loaded
    with _loading:
        if _loaded is None:
            _loaded = Encoder()
        return _loaded


def forget_encoder() -> None:
    """Let this process's encoder go (a build worker done with it frees about 60 MB)."""
    global _loaded
    with _loading:
        _loaded = None


def _forget_after_fork() -> None:
    # A forked build worker must not inherit a lock another thread held at the fork, nor an
    # onnxruntime session made in its parent: it loads its own.
    global _loading, _loaded
    _loading, _loaded = threading.Lock(), None


os.register_at_fork(after_in_child=_forget_after_fork)


_blas_limit = threading.Lock()
_blas_limited = False


def one_blas_thread() -> None:
    """Limit this process's BLAS (numpy's OpenBLAS, or whichever it loaded) to one thread,
    from now on; a second call does nothing.

    For processes that search: their BLAS work is matrix-vector products (a query against
    every section or title, a few MB), too small for threads to share, and OpenBLAS's
    threads, which spin a while after each, take a core from the next search on a busy
    two-core machine (bench/search_eval.py --speed). Responses are the same bit for bit."""
    global _blas_limited
    with _blas_limit:
        if not _blas_limited:
            threadpool_limits(limits=1, user_api="blas")
            _blas_limited = True


SECTIONS_MODEL = MODEL_DIR / "sections.npz"


class Meanings:
    """An index's vectors (``kb_vectors.npz``): each article's title vector, looked up by
    article id, and the vectors of its sections (:class:`SectionEncoder`).

    Written by the build next to the Whoosh files; a search compares the query's vector with
    the titles of its lexical candidates and with every section (:mod:`kb_core.search.rerank`).
    An article's sections are stored together, in its row order: the first is its lead (title,
    summary and opening text, anchor ""), then one per heading.
    """

    FILE = "kb_vectors.npz"

    def __init__(
        self,
        ids: Sequence[str],
        vectors: np.ndarray,
        sections: Sections | None = None,
    ) -> None:
        self.row = {k: i for i, k in enumerate(ids)}
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.sections = sections

    @classmethod
    def load(cls, index_dir: Path) -> Meanings | None:
        """The vectors saved in ``index_dir``, or None when the index has none (an index built
        with ``search.semantic: false``, or by an older version)."""
        where = index_dir / cls.FILE
        try:
            with open(where, "rb") as f, np.load(f, allow_pickle=False) as saved:
                ids = [str(k) for k in saved["ids"]]
                sections = None
                if "section_vectors" in saved:  # their keys are the next build's business
                    sections = Sections(
                        saved["section_rows"],
                        saved["section_anchors"],
                        saved["section_vectors"].astype(np.float32),
                    )
                found = cls(ids, saved["vectors"], sections)
        except FileNotFoundError:
            return None
        except Exception as e:  # a damaged file fails in the many ways unzipping can
            log.warning(
                "%s is unreadable (%s: %s); searching by words only", where, type(e).__name__, e
            )
            return None
        shapes = [found.vectors.shape == (len(found.row), DIMENSIONS)]
        if found.sections is not None:
            shapes.append(found.sections.fits(len(found.row)))
        if not all(shapes):
            log.warning("%s holds vectors of the wrong shape; searching by words only", where)
            return None
        return found

    @staticmethod
    def save(
        where: Path, ids: Sequence[str], vectors: np.ndarray, sections: SectionsToSave | None = None
    ) -> None:
        """Write ``kb_vectors.npz`` into ``where``: the section vectors as they come, a block
        at a time (:class:`SectionsToSave`), so they are never all held at once."""
        from kb_core.npz import NpzWriter  # zipfile: what searches need not import at start

        with NpzWriter(where / Meanings.FILE) as npz:
            npz.add("ids", np.array(list(ids), dtype=str))
            npz.add("vectors", vectors.astype(np.float16))
            if sections is None:
                return
            count = len(sections.rows)
            npz.add("section_rows", sections.rows.astype(np.int32))
            anchors = sections.anchors
            width = max(1, max(map(len, anchors), default=1))  # np.array(anchors, dtype=str)'s
            step = SectionsToSave.BLOCK
            blocks = (anchors[i : i + step] for i in range(0, count, step))
            npz.add_blocks("section_anchors", (count,), f"<U{width}", blocks)
            npz.add_blocks("section_vectors", (count, DIMENSIONS), np.float16, sections.blocks)
            if sections.keys is not None:  # complete once the last block of vectors has come
                npz.add("section_keys", sections.keys)
                npz.add("section_model", np.array(section_model_id()))

    @classmethod
    def kept_sections(cls, index_dir: Path) -> dict[bytes, np.ndarray]:
        """The section vectors an index holds by :func:`section_key` (float16, as saved),
        for the next build to reuse; empty when it holds none, or none made by this
        encoder."""
        try:
            with open(index_dir / cls.FILE, "rb") as f, np.load(f, allow_pickle=False) as saved:
                if "section_keys" not in saved or "section_model" not in saved:
                    return {}
                if str(saved["section_model"]) != section_model_id():
                    return {}
                keys, vectors = saved["section_keys"], saved["section_vectors"]
        except FileNotFoundError:
            return {}
        except Exception as e:  # a damaged file: encode everything again
            log.warning("%s: section vectors not reused (%s: %s)", index_dir, type(e).__name__, e)
            return {}
        if len(keys) != len(vectors):
            return {}
        return dict(zip((bytes(k) for k in keys), vectors, strict=True))

    def rows(self, reader: Any) -> np.ndarray:
        """For each document number of the Whoosh ``reader``, its row here (-1: none), read
        from the index's ``id`` column once, not from stored fields at every search."""
        column = reader.column_reader("id")
        return np.array(
            [self.row.get(column[d], -1) for d in range(reader.doc_count_all())], dtype=np.int64
        )

    def similarity(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Cosine of ``query`` with the titles in ``rows`` (0.0 where a row is -1)."""
        found = self.vectors[np.maximum(rows, 0)] @ query
        return np.where(rows >= 0, found, 0.0)


@functools.cache
def section_model_id() -> str:
    """What section vectors were made with: a digest of the encoder's table, so vectors kept
    from an earlier build are reused only while the encoder is the same."""
    return hashlib.sha1(SECTIONS_MODEL.read_bytes()).hexdigest()[:16]


def section_key(text: str) -> bytes:
    """The key a section's vector is kept under between builds: a digest of its text."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


@dataclass
class SectionsToSave:
    """An index's sections on their way into ``kb_vectors.npz`` (:meth:`Meanings.save`): as
    in :class:`Sections`, with their float16 vectors coming as ``blocks`` of rows, in order,
    as they are made. ``keys``, when given, may be filled in as the blocks come."""

    rows: np.ndarray
    anchors: Sequence[str]
    blocks: Iterable[np.ndarray]
    keys: np.ndarray | None = None

    BLOCK = 4096  # rows made and written at a time


class Sections:
    """The section vectors of an index: ``rows[i]`` is the article row of section ``i``,
    ``anchors[i]`` its anchor ("" for an article's lead), grouped by article in row order;
    ``keys[i]`` (:func:`section_key`) lets the next build reuse the vector of a text it has.

    Above :data:`EXACT_SECTIONS` sections and three times :data:`COARSE_ARTICLES` articles,
    :meth:`best` first compares the query with each article's centroid (the mean of its
    section vectors) and then with every section of the :data:`COARSE_ARTICLES` nearest
    articles only: one pass over the articles, not over every section, which keeps a search
    by meaning within milliseconds at 100,000 sections.
    """

    EXACT_SECTIONS = 20_000
    COARSE_ARTICLES = 1_000

    def __init__(
        self,
        rows: np.ndarray,
        anchors: Sequence[str],
        vectors: np.ndarray,
        keys: np.ndarray | None = None,
    ) -> None:
        self.rows = np.asarray(rows, dtype=np.int64)
        self.anchors = [str(a) for a in anchors]
        # float32 to search (numpy's float16 products are slow); a build's float16 stays so
        given = np.asarray(vectors)
        self.vectors = given if given.dtype == np.float16 else given.astype(np.float32, copy=False)
        self.keys = keys
        # where each article's sections start (every article has at least its lead)
        self.starts = np.flatnonzero(np.r_[True, self.rows[1:] != self.rows[:-1]])
        self.ends = np.r_[self.starts[1:], len(self.rows)]
        self._centroids: np.ndarray | None = None

    @property
    def centroids(self) -> np.ndarray:
        """Each article's mean section vector, made unit (computed once, at first use)."""
        if self._centroids is None:
            sums = np.add.reduceat(self.vectors, self.starts, axis=0) if len(self.rows) else None
            if sums is None:
                self._centroids = np.zeros((0, DIMENSIONS), dtype=np.float32)
            else:
                norms = np.linalg.norm(sums, axis=1, keepdims=True)
                self._centroids = (sums / np.where(norms > 0, norms, 1.0)).astype(np.float32)
        return self._centroids

    def fits(self, articles: int) -> bool:
        n = len(self.rows)
        return (
            self.vectors.shape == (n, DIMENSIONS)
            and len(self.anchors) == n
            and len(self.starts) == articles
            and bool(np.all(self.rows[self.starts] == np.arange(articles)))
        )

    def nearest_in(self, query: np.ndarray, row: int) -> int:
        """The section of article ``row`` nearest ``query``."""
        start = int(self.starts[row])
        end = int(self.starts[row + 1]) if row + 1 < len(self.starts) else len(self.rows)
        return start + int(np.argmax(self.vectors[start:end] @ query))

    def best(
        self, query: np.ndarray, rows: Sequence[int] | np.ndarray = (), *, lead: float = 1.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """For every article row: its best section's cosine with ``query``, and that section;
        each lead's cosine counts ``lead`` times (a search that already compares the query
        with the titles weighs the lead, which holds the title and summary, down).

        Above :data:`EXACT_SECTIONS` sections, exact only for ``rows`` and the articles whose
        centroid is nearest ``query``; every other article gets -1.0 (and its lead)."""
        if len(self.rows) <= self.EXACT_SECTIONS or len(self.starts) <= 3 * self.COARSE_ARTICLES:
            return self._exact(query, lead)  # coarse would read most of the sections anyway
        articles = len(self.starts)
        near = self.centroids @ query
        depth = min(self.COARSE_ARTICLES, articles)
        chosen = np.argpartition(-near, depth - 1)[:depth] if depth else near[:0].astype(int)
        wanted = np.asarray(rows, dtype=np.int64)
        wanted = wanted[(wanted >= 0) & (wanted < articles)]
        chosen = np.unique(np.concatenate([chosen, wanted]))
        lengths = self.ends[chosen] - self.starts[chosen]
        # the sections of the chosen articles, in order: each start plus 0..length-1
        offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        picked = np.repeat(self.starts[chosen], lengths) + offsets
        cosine = self.vectors[picked] @ query
        group = np.r_[0, np.cumsum(lengths)[:-1]]
        if lead != 1.0:
            cosine[group] *= lead  # each chosen article's first section is its lead
        top = np.full(articles, -1.0, dtype=np.float32)
        top[chosen] = np.maximum.reduceat(cosine, group)
        which = self.starts.copy()
        owner = np.repeat(np.arange(len(chosen)), lengths)
        hit = cosine == top[chosen][owner]
        first = np.flatnonzero(hit)
        keep = np.r_[True, owner[first][1:] != owner[first][:-1]]
        which[chosen[owner[first][keep]]] = picked[first[keep]]
        return top, which

    def _exact(self, query: np.ndarray, lead: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        cosine = self.vectors @ query
        if lead != 1.0:
            cosine[self.starts] *= lead
        top = np.maximum.reduceat(cosine, self.starts)
        # the first section of each article reaching its top: argmax within each group
        hit = cosine == top[self.rows]
        first = np.flatnonzero(hit)
        owner = self.rows[first]
        keep = np.r_[True, owner[1:] != owner[:-1]]
        which = np.empty(len(self.starts), dtype=np.int64)
        which[owner[keep]] = first[keep]
        return top, which
