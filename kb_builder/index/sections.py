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

from collections.abc import Mapping, Sequence

import numpy as np

from kb_builder.index.fields import IndexDoc
from kb_core.section_encoder import SECTION_TEXT_CHARS, SectionEncoder
from kb_core.semantic import DIMENSIONS, Sections, section_key


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
    for s in doc.sections:
        if s.text.strip():
            parts.append((s.anchor, f"{s.title}. {s.text}"[:SECTION_TEXT_CHARS]))
    return parts


def section_vectors(
    docs: Sequence[IndexDoc], known: Mapping[bytes, np.ndarray] | None = None
) -> Sections:
    """The :class:`Sections` of ``docs``, grouped by document in their order; a text whose
    vector is in ``known`` (by :func:`~kb_core.semantic.section_key`: an earlier build's) is
    not encoded again.

    Texts are encoded as they come, a chunk at a time, straight into the one float16 array
    that is saved (half the memory of float32): a large knowledge base's 100,000 texts and
    their vectors are never all held at once besides it.
    """
    known = known or {}
    count = sum(1 + sum(1 for s in doc.sections if s.text.strip()) for doc in docs)
    vectors = np.zeros((count, DIMENSIONS), dtype=np.float16)
    rows = np.zeros(count, dtype=np.int64)
    anchors: list[str] = []
    keys = np.zeros(count, dtype="S16")
    encoder = SectionEncoder()
    todo: list[tuple[int, str]] = []  # (place, text) of the texts to encode

    def encode() -> None:
        places = [i for i, _ in todo]
        vectors[places] = encoder.encode([t for _, t in todo], dtype=np.float16)
        todo.clear()

    i = 0
    for row, doc in enumerate(docs):
        for anchor, text in section_texts(doc):
            key = keys[i] = section_key(text)
            rows[i] = row
            anchors.append(anchor)
            found = known.get(key)
            if found is None:
                todo.append((i, text))
                if len(todo) == SectionEncoder.CHUNK:
                    encode()
            else:
                vectors[i] = found
            i += 1
    if todo:
        encode()
    return Sections(rows, anchors, vectors, keys)
