"""Section vectors at build time: the cheap student of the sentence model
(:mod:`kb_core.semantic`).

A section's vector is the mean of its WordPiece tokens' rows in a learnt table
(``kb_core/models/minilm/sections.npz``, made by bench/train_section_encoder.py), landing near
the vector the sentence model gives the same text, so queries encoded by the model meet
sections in one space. Search reads the vectors the build wrote
(:class:`kb_core.semantic.Sections`).
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kb_core.semantic import DIMENSIONS, MAX_TOKENS, MODEL_DIR, SECTIONS_MODEL

SECTION_TEXT_CHARS = 700  # of a section (heading and text) that its vector reads
_WORD = re.compile(r"[^ \t\n\r]+")  # what SectionEncoder.token_ids tokenizes at a time


class SectionEncoder:
    """The document side's cheap encoder: a section's vector is the mean of its WordPiece
    tokens' rows in a table, learnt (by bench/train_section_encoder.py) so that it lands
    near the vector the sentence model gives the same text. Queries are still encoded by the
    sentence model; the two meet in one space. About a thousand times cheaper than the model,
    so every section of a large knowledge base gets a vector at build time.
    """

    def __init__(self, path: Path = SECTIONS_MODEL) -> None:
        from tokenizers import Tokenizer

        with open(path, "rb") as f, np.load(f, allow_pickle=False) as saved:
            tokens = saved["tokens"].astype(np.int64)
            scale = saved["scale"].astype(np.float32)
            self._table = saved["table"].astype(np.float32) * scale[:, None]
            self._bias = saved["bias"].astype(np.float32)
        self._column = np.full(int(tokens.max()) + 1, -1, dtype=np.int64)
        self._column[tokens] = np.arange(len(tokens))
        self._tokenizer: Any = Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._words: dict[str, array[int]] = {}  # a word's ids (token_ids)

    def encode(self, texts: Sequence[str], dtype: Any = np.float32) -> np.ndarray:
        """One unit row per text (``len(texts)`` x ``DIMENSIONS``, float32 unless ``dtype``
        says otherwise: a build keeps float16, half the memory, as it saves them)."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=dtype)
        for start in range(0, len(texts), self.CHUNK):
            out[start : start + self.CHUNK] = self._chunk(texts[start : start + self.CHUNK])
        return out

    CHUNK = 256  # texts made unit at once

    WORDS_KEPT = 200_000  # words whose tokens an encoder remembers (about 25 MB at most)

    def token_ids(self, text: str) -> array[int]:
        """The WordPiece ids of ``text`` as the tokenizer gives them, without [CLS] and [SEP]
        and cut where it cuts (``MAX_TOKENS`` with them).

        The tokenizer runs on each word (what lies between spaces, tabs and line breaks) once
        per encoder, not on every text that has it: those four are word boundaries in BERT's
        normalizer and pre-tokenizer alike, and nothing else in its tokenization reaches
        across one, so the ids are the same (tests/test_semantic.py compares them). A help
        center repeats its words: the tokenizer's time falls to a fifth or less.
        """
        words = self._words
        if len(words) > self.WORDS_KEPT:
            words.clear()
        ids = array("H")  # the vocabulary's 30,522 ids fit 16 bits
        room = MAX_TOKENS - 2
        for word in _WORD.findall(text):
            found = words.get(word)
            if found is None:
                tokens = self._tokenizer.encode(word, add_special_tokens=False).ids
                found = words[word] = array("H", tokens)
            ids += found
            if len(ids) >= room:
                return ids[:room]
        return ids

    def _chunk(self, texts: Sequence[str]) -> np.ndarray:
        column = self._column
        lengths = np.zeros(len(texts), dtype=np.int64)
        rows: list[np.ndarray] = []
        for i, text in enumerate(texts):
            ids = np.frombuffer(self.token_ids(text), dtype=np.uint16).astype(np.int64)
            lengths[i] = len(ids)
            known = column[ids[ids < len(column)]]
            rows.append(known[known >= 0])
        sums = row_sums(self._table, rows)
        vectors = sums / np.maximum(lengths, 1)[:, None] + self._bias
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: np.ndarray = (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)
        return unit


PAIRWISE_BLOCK = 128  # NumPy's pairwise summation adds this many values in one run at most


def row_sums(table: np.ndarray, rows: Sequence[np.ndarray]) -> np.ndarray:
    """For each array of row numbers in ``rows``, the sum of those rows of ``table`` (0 for
    none), bit for bit ``np.add.reduceat(table[r], [0], axis=0)[0]``: the order the section
    vectors were always made in, for a chunk of texts at once.

    NumPy's reduction keeps the first row and adds to it the pairwise sum of the others
    (``pairwise_sum`` in numpy/_core/src/umath/loops_utils.h.src): under 8 of them, one after
    another from 0; else eight running sums (each of every eighth row), combined as
    ((0+1)+(2+3))+((4+5)+(6+7)), then what is left one by one. The same additions are made
    here a token position at a time across the chunk's texts (a few MB of token rows at a
    time, never a whole chunk's): one text at a time, the Python loop cost twice what the
    sums do (tests/test_semantic.py compares the two on every length).
    Texts of more than ``PAIRWISE_BLOCK`` + 1 rows (NumPy splits those in halves) are summed
    by ``reduceat`` itself.
    """
    out = np.zeros((len(rows), table.shape[1]), dtype=table.dtype)
    counts = np.array([len(r) for r in rows], dtype=np.int64)
    for long in np.flatnonzero(counts > PAIRWISE_BLOCK + 1).tolist():
        out[long] = np.add.reduceat(table[rows[long]], [0], axis=0)[0]
        counts[long] = 0
    # longest first: the texts that take part in an addition are always a leading slice
    order = np.argsort(-counts, kind="stable")
    counts = counts[order]
    texts = int(np.count_nonzero(counts))
    if not texts:
        return out
    at = np.zeros((texts, int(counts[0])), dtype=np.int64)  # row numbers, padded
    for i in range(texts):
        at[i, : counts[i]] = rows[order[i]]
    rest = counts[:texts] - 1  # the rows added to the first; at[:, 1 + k] is the k-th of them
    sums = table[at[:, 0]]
    many = int(np.count_nonzero(rest >= 8))
    if many:
        body = rest[:many] - rest[:many] % 8  # the rows the eight running sums take
        runs = table[at[:many, 1:9]]  # (texts, 8, columns)
        for k in range(8, int(body[0]), 8):
            now = int(np.count_nonzero(body > k))
            runs[:now] += table[at[:now, 1 + k : 9 + k]]
        r = [runs[:, j] for j in range(8)]
        acc = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        left = rest[:many] - body
        for k in range(int(left.max())):
            some = np.flatnonzero(left > k)
            acc[some] += table[at[some, 1 + body[some] + k]]
        sums[:many] += acc
    few = slice(many, int(np.count_nonzero(rest >= 1)))
    if few.stop > few.start:
        acc = np.zeros((few.stop - few.start, table.shape[1]), dtype=table.dtype)
        for k in range(int(rest[few.start])):
            now = int(np.count_nonzero(rest[few] > k))
            acc[:now] += table[at[few.start : few.start + now, 1 + k]]
        sums[few] += acc
    out[order[:texts]] = sums
    return out
