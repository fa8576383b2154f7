"""Section vectors: every article's lead and sections, encoded for search by meaning.

An article's lead (its title, summary and opening text) and each of its sections (a heading and
its text) get a vector from :class:`kb_core.semantic.SectionEncoder`, the cheap student of the
sentence model: a tokenizer pass and a mean of table rows, about a thousand times cheaper than
the model. Each vector is kept with its text's digest, so the next build encodes only the
texts it has not seen. They are saved with the title vectors (:class:`kb_core.semantic.Meanings`),
one file per index, so the public index never holds an internal article's vector.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from kb_builder.index.fields import IndexDoc
from kb_core.semantic import (
    DIMENSIONS,
    SECTION_TEXT_CHARS,
    SectionEncoder,
    Sections,
    section_key,
)


def section_texts(doc: IndexDoc) -> list[tuple[str, str]]:
    """(anchor, text) of the article's lead (anchor "") and of each of its sections."""
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
    not encoded again."""
    known = known or {}
    rows: list[int] = []
    anchors: list[str] = []
    keys: list[bytes] = []
    todo: dict[bytes, str] = {}
    for row, doc in enumerate(docs):
        for anchor, text in section_texts(doc):
            key = section_key(text)
            rows.append(row)
            anchors.append(anchor)
            keys.append(key)
            if key not in known:
                todo[key] = text
    # float16, as they are saved: half the memory of a large knowledge base's 100,000 rows
    fresh = SectionEncoder().encode(list(todo.values()), dtype=np.float16)
    made = dict(zip(todo, fresh, strict=True))
    vectors = np.zeros((len(keys), DIMENSIONS), dtype=np.float16)
    for i, key in enumerate(keys):
        found = made.get(key)
        vectors[i] = found if found is not None else known[key]
    return Sections(np.array(rows, dtype=np.int64), anchors, vectors, np.array(keys, dtype="S16"))
