"""Section vectors: every article's lead and sections, encoded for search by meaning.

An article's lead (its title, summary and opening text) and each of its sections (a heading and
its text) get a vector from :class:`kb_core.section_encoder.SectionEncoder`, the cheap
student of the sentence model: a tokenizer pass and a mean of table rows, about a thousand
times cheaper than the model. Each vector is kept with its text's digest, so the next build
encodes only the texts it has not seen. They are saved with the title vectors
(:class:`kb_core.semantic.Meanings`), one file per index, so the public index never holds an
internal article's vector.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from kb_builder.index.fields import IndexDoc, Section
from kb_core.section_encoder import SECTION_TEXT_CHARS, SectionEncoder
from kb_core.semantic import DIMENSIONS, SectionsToSave, section_key


def section_texts(doc: IndexDoc) -> list[tuple[str, str]]:
    """(anchor, text) of the article's lead (anchor "") and of each of its sections.

    Every section's vector comes from the cheap encoder, a question heading's too: question
    headings ("What happens if I exceed my pageview limit?") given a vector of their own by
    the sentence model, as one more section of their article, lost help-center training
    queries at hit@1 (336 -> 335 of 435); with their cosine scaled by 0.75 to 0.85 they won
    one (337), at 0.7 none: noise. Of the 235 training queries whose answer has a question
    heading, the model's nearest question heading lies in the answer for 140, mostly queries
    the ranking already answers first; the nearest heading points at the answer of 12 queries
    whose first hit is wrong, and at another article, at a cosine above 0.6, for 36 whose
    first hit is right."""
    lead = " ".join(p for p in (f"{doc.title}.", doc.summary, doc.body) if p)
    parts = [("", lead[:SECTION_TEXT_CHARS])]
    for s in _with_text(doc):
        parts.append((s.anchor, f"{s.title}. {s.text}"[:SECTION_TEXT_CHARS]))
    return parts


def _with_text(doc: IndexDoc) -> list[Section]:
    """The sections of ``doc`` that get a vector: those with text."""
    return [s for s in doc.sections if s.text.strip()]


def section_vectors(
    docs: Sequence[IndexDoc], known: Mapping[bytes, np.ndarray] | None = None
) -> SectionsToSave:
    """The sections of ``docs``, grouped by document in their order, their vectors made as
    :meth:`~kb_core.semantic.Meanings.save` writes them; a text whose vector is in ``known``
    (by :func:`~kb_core.semantic.section_key`: an earlier build's) is not encoded again.

    The texts are encoded a chunk at a time, and their vectors written a block at a time:
    a large knowledge base's 100,000 texts and their vectors (75 MB at cpp-docs, as float16)
    are never all held at once.
    """
    known = known or {}
    rows: list[int] = []
    anchors: list[str] = []
    for row, doc in enumerate(docs):
        here = ["", *(s.anchor for s in _with_text(doc))]  # the lead's, then its sections'
        anchors += here
        rows += [row] * len(here)
    keys = np.zeros(len(rows), dtype="S16")
    return SectionsToSave(np.array(rows, dtype=np.int64), anchors, _blocks(docs, known, keys), keys)


def _blocks(
    docs: Sequence[IndexDoc], known: Mapping[bytes, np.ndarray], keys: np.ndarray
) -> Iterator[np.ndarray]:
    """The float16 vectors of the sections of ``docs`` in order, a block of rows at a time,
    each block yielded once its texts are encoded; ``keys`` gets each text's key meanwhile.
    The encoder takes the texts it must encode ``SectionEncoder.CHUNK`` at a time."""
    encoder = SectionEncoder()
    block = np.zeros((SectionsToSave.BLOCK, DIMENSIONS), dtype=np.float16)
    filled = 0  # rows of block made or waiting for todo
    todo: list[tuple[int, str]] = []  # (place in block, text) of the texts to encode

    def finish() -> np.ndarray:
        nonlocal filled
        if todo:
            block[[i for i, _ in todo]] = encoder.encode([t for _, t in todo], dtype=np.float16)
            todo.clear()
        done, filled = block[:filled].copy(), 0
        return done

    i = 0
    for doc in docs:
        for _anchor, text in section_texts(doc):
            key = keys[i] = section_key(text)
            found = known.get(key)
            if found is None:
                todo.append((filled, text))
            else:
                block[filled] = found
            filled += 1
            i += 1
            if len(todo) == SectionEncoder.CHUNK or filled == len(block):
                yield finish()
    if filled:
        yield finish()
