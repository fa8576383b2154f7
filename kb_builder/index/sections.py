"""Section vectors: every article's lead and sections, encoded for search by meaning.

An article's lead (its title, summary and opening text) and each of its sections (a heading and
its text) get a vector from :class:`kb_core.semantic.SectionEncoder`, the cheap student of the
sentence model: a tokenizer pass and a mean of table rows, about a thousand times cheaper than
the model, so even a large knowledge base is encoded in seconds at every build and no cache is
needed. They are saved with the title vectors (:class:`kb_core.semantic.Meanings`), one file
per index, so the public index never holds an internal article's vector.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kb_builder.index.fields import IndexDoc
from kb_core.semantic import SECTION_TEXT_CHARS, SectionEncoder, Sections


def section_texts(doc: IndexDoc) -> list[tuple[str, str]]:
    """(anchor, text) of the article's lead (anchor "") and of each of its sections."""
    lead = " ".join(p for p in (f"{doc.title}.", doc.summary, doc.body) if p)
    parts = [("", lead[:SECTION_TEXT_CHARS])]
    for s in doc.sections:
        if s.text.strip():
            parts.append((s.anchor, f"{s.title}. {s.text}"[:SECTION_TEXT_CHARS]))
    return parts


def section_vectors(docs: Sequence[IndexDoc]) -> Sections:
    """The :class:`Sections` of ``docs``, grouped by document in their order."""
    rows: list[int] = []
    anchors: list[str] = []
    texts: list[str] = []
    for row, doc in enumerate(docs):
        for anchor, text in section_texts(doc):
            rows.append(row)
            anchors.append(anchor)
            texts.append(text)
    return Sections(np.array(rows, dtype=np.int64), anchors, SectionEncoder().encode(texts))
