"""The answer card's sentence vectors, each encoded once per process while it is among the
most recently used."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from kb_core.semantic import Encoder

SENTENCES_KEPT = 4_096  # sentence vectors a process keeps, the least recently used dropped (6 MB)


class _Kept:
    """One encoder's sentence vectors by text, least recently used first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.vectors: OrderedDict[str, np.ndarray] = OrderedDict()


_KEPT: weakref.WeakKeyDictionary[Encoder, _Kept] = weakref.WeakKeyDictionary()
_KEPT_LOCK = threading.Lock()


def sentence_vectors(encoder: Encoder, texts: Sequence[str]) -> np.ndarray:
    """``encoder.encode(texts)``, each text encoded once per process while it stays among the
    ``SENTENCES_KEPT`` most recently used: the questions people ask land on the same popular
    articles, whose few candidate sentences cost a card most of its time (about 5 ms each).
    The same vectors as encoding them again: the model reads one text at a time."""
    with _KEPT_LOCK:
        kept = _KEPT.get(encoder)
        if kept is None:
            kept = _KEPT[encoder] = _Kept()
    found: dict[str, np.ndarray] = {}
    with kept.lock:
        for text in texts:
            vector = kept.vectors.get(text)
            if vector is not None:
                kept.vectors.move_to_end(text)
                found[text] = vector
    missing = [t for t in dict.fromkeys(texts) if t not in found]
    if missing:
        fresh = encoder.encode(missing)
        with kept.lock:
            for text, vector in zip(missing, fresh, strict=True):
                found[text] = kept.vectors[text] = vector
            while len(kept.vectors) > SENTENCES_KEPT:
                kept.vectors.popitem(last=False)
    return np.stack([found[t] for t in texts])
