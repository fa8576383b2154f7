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

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

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

        Texts go through the model one at a time: batches would be no faster on the CPU, and
        int8 quantisation scales each input by its largest value, so a text's vector would
        depend on the texts batched (and padded) with it."""
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


class Meanings:
    """The title vectors of an index's articles (``kb_vectors.npz``), looked up by article id.

    Written by the build next to the Whoosh files; a search compares the query's vector with
    those of its lexical candidates (:mod:`kb_core.search.rank`).
    """

    FILE = "kb_vectors.npz"

    def __init__(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        self.row = {k: i for i, k in enumerate(ids)}
        self.vectors = np.asarray(vectors, dtype=np.float32)

    @classmethod
    def load(cls, index_dir: Path) -> Meanings | None:
        """The vectors saved in ``index_dir``, or None when the index has none (an index built
        with ``search.semantic: false``, or by an older version)."""
        where = index_dir / cls.FILE
        try:
            with open(where, "rb") as f, np.load(f, allow_pickle=False) as saved:
                found = cls([str(k) for k in saved["ids"]], saved["vectors"])
        except FileNotFoundError:
            return None
        except Exception as e:  # a damaged file fails in the many ways unzipping can
            log.warning(
                "%s is unreadable (%s: %s); searching by words only", where, type(e).__name__, e
            )
            return None
        if found.vectors.shape != (len(found.row), DIMENSIONS):
            log.warning(
                "%s holds vectors of shape %s; searching by words only", where, found.vectors.shape
            )
            return None
        return found

    @staticmethod
    def save(where: Path, ids: Sequence[str], vectors: np.ndarray) -> None:
        with open(where / Meanings.FILE, "wb") as f:
            np.savez(f, ids=np.array(list(ids), dtype=str), vectors=vectors.astype(np.float16))

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
