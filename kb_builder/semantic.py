"""Sentence vectors: what a query or a title means, beyond the words it uses.

The model is sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), exported once by
bench/export_minilm_onnx.py to an int8 ONNX file with its mean pooling and normalisation
inside, so a text becomes a unit vector of ``DIMENSIONS`` floats and the dot product of two
is their cosine. It runs under onnxruntime on the CPU with one thread per encoder: about
2.5 ms for a short query here, 4,500 tokens a second in batches.

Search uses it to rerank lexical candidates against article titles (kb_builder/search.py);
``kb gaps`` uses it to group failed searches that mean the same thing
(feedback_api/gaps_grouping.py).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

MODEL_DIR = Path(__file__).parent / "models" / "minilm"
DIMENSIONS = 384
MAX_TOKENS = 128  # longer texts are cut: titles and queries are far shorter
BATCH_TOKENS = 2_048  # padded tokens per batch when encoding many texts
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

    def _ids(self, texts: Sequence[str]) -> list[list[int]]:
        with self._lock:
            return [e.ids for e in self._tokenizer.encode_batch(list(texts))]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit row per text, in order (float32, ``len(texts)`` x ``DIMENSIONS``)."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        ids = self._ids(texts)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        start = 0
        while start < len(order):
            width = len(ids[order[start]])
            end = start + 1
            while end < len(order):
                width = max(width, len(ids[order[end]]))
                if width * (end - start + 1) > BATCH_TOKENS:
                    break
                end += 1
            batch = order[start:end]
            width = max(len(ids[i]) for i in batch)
            arr = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                arr[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1
            (vectors,) = self._session.run(None, {"input_ids": arr, "attention_mask": mask})
            out[batch] = vectors
            start = end
        return out

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


@cache
def encoder() -> Encoder:
    """This process's encoder, loaded on first use (about 0.2 s)."""
    return Encoder()
