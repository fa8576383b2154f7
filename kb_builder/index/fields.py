"""An article as the search index takes it: the document (:class:`IndexDoc`), the texts BM25F
weighs apart, its statistics, and the Whoosh fields written for it.

The field types and the index format live in :mod:`kb_core.search.schema`, the read side;
this module and :mod:`kb_builder.index.writer` are all that writes an index.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from whoosh.fields import ID, STORED, Schema

from kb_builder.buildcache import plain_pickle
from kb_core.search.schema import (
    FIELD_WEIGHTS,
    HUB,
    SUGGEST_PREFIX,
    TITLE,
    WEIGHTS,
    BM25FWeights,
    TermWeights,
    TitleWeights,
    cached_analyzer,
    field_suffix,
)
from kb_core.search.text.analysis import Analyzer, analysis_language, phrase_terms, spellable
from kb_core.search.text.snippets import clip
from kb_core.search.text.tables import without_labels

STORED_TEXT_CHARS = 2_000  # of the text, and SECTION_CHARS of each section, for snippets
SECTION_CHARS = 1_000

_PARTS = re.compile(r"[-'._]+")


@plain_pickle
@dataclass(frozen=True, slots=True)  # tens of thousands in a build
class Section:
    """A heading of an article, searchable on its own so a hit can point at ``url#anchor``."""

    anchor: str
    title: str
    text: str
    level: int = 2


@plain_pickle
@dataclass(frozen=True, slots=True)
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
    asides: tuple[str, ...] = ()  # plain text of its admonitions (notes, tips, warnings)
    # the language its text is in ("" or the index's: the index's own); another portal shows
    # the default language's text of the articles it lacks a translation of
    language: str = ""
    hub: bool = False  # a landing page (kb_builder.index.hubs): the ranking discounts it


def schema(
    language: str = "en",
    average: Mapping[str, float] | None = None,
    others: Sequence[str] = (),
) -> Schema:
    """The index schema: term weights, title prefixes for suggest, category, stored data;
    term weights of each of the ``others`` languages' texts in fields of their own
    (:func:`~kb_core.search.schema.fields_of`), and the language of each such text."""
    average = average or dict.fromkeys(FIELD_WEIGHTS, 1.0)
    found = Schema(
        id=ID(stored=True, unique=True, sortable=True),  # sortable: a column, docnum -> id
        terms=BM25FWeights(language, average),
        title_terms=TitleWeights(language, average),
        complete=TermWeights(),
        category_slug=ID(stored=True),
        hub=ID(),  # "1" for a landing page, absent otherwise: the set is one posting list
        title=STORED,
        url=STORED,
        category=STORED,
        summary=STORED,
        source=STORED,
        visibility=STORED,
        text=STORED,
        sections=STORED,
        phrases=STORED,
        asides=STORED,
    )
    for other in others:
        found.add(WEIGHTS + field_suffix(other), BM25FWeights(other, average, language))
        found.add(TITLE + field_suffix(other), TitleWeights(other, average, language))
    if others:
        found.add("language", STORED)
    return found


def text_language(index_language: str, doc: IndexDoc) -> str | None:
    """The language of ``doc``'s text (as analysed) when it is another than the index's
    (``index_language``, as analysed), else None."""
    other = analysis_language(doc.language) if doc.language else index_language
    return other if other != index_language else None


def parts(doc: IndexDoc) -> dict[str, str]:
    """The texts of an article that BM25F weighs separately."""
    return {
        "title": doc.title,
        "keywords": " ".join((*doc.keywords, *doc.tags)),
        "headings": "\n".join(s.title for s in doc.sections),
        "summary": doc.summary,
        "category": doc.category,
        "body": without_labels(doc.body),  # a table's header words count once
    }


@plain_pickle
@dataclass(frozen=True, slots=True)
class DocStats:
    """What the index keeps of an article besides its postings: the length of each field
    (for the averages BM25F normalises by) and its words (for the typo vocabulary)."""

    lengths: tuple[int, ...]  # in the order of FIELD_WEIGHTS
    words: tuple[str, ...]  # spellable words, each once
    prominent: tuple[str, ...]  # of them, those in the title, keywords, headings or summary


def doc_stats(language: str, doc: IndexDoc) -> DocStats:
    analyzer = cached_analyzer(language)
    texts = parts(doc)
    prominent = " ".join(texts[k] for k in ("title", "keywords", "headings", "summary"))
    # interned: a large knowledge base repeats the same words across thousands of articles
    return DocStats(
        tuple(len(texts[name].split()) for name in FIELD_WEIGHTS),
        tuple(map(sys.intern, spellable({w for t in texts.values() for w in analyzer.words(t)}))),
        tuple(map(sys.intern, spellable(set(analyzer.words(prominent))))),
    )


def average_lengths(stats: Sequence[DocStats]) -> dict[str, float]:
    """Average length in words of each field, for BM25F's length normalisation."""
    n = max(1, len(stats))
    totals = [sum(column) for column in zip(*(s.lengths for s in stats), strict=True)]
    totals = totals or [0] * len(FIELD_WEIGHTS)
    return {name: max(1.0, t / n) for name, t in zip(FIELD_WEIGHTS, totals, strict=True)}


def suggest_prefixes(analyzer: Analyzer, doc: IndexDoc) -> dict[str, float]:
    """Every leading 1-20 characters of every word of the title and keywords, weighted for
    ranking suggestions: the title's first word, then its other words, then keywords; a
    shorter title a little higher."""
    title = analyzer.words(doc.title)
    shorter = 0.02 * (10 - min(len(title), 10))
    weighted = [(w, (2.0 if i == 0 else 1.5) + shorter) for i, w in enumerate(title)]
    weighted += [(w, 1.0 + shorter) for k in doc.keywords for w in analyzer.words(k)]
    prefixes: dict[str, float] = {}
    for word, weight in weighted:
        for part in {word, *(p for p in _PARTS.split(word) if p)}:
            for i in range(1, min(len(part), SUGGEST_PREFIX) + 1):
                if weight > prefixes.get(part[:i], 0.0):
                    prefixes[part[:i]] = weight
    return prefixes


def document(analyzer: Analyzer, doc: IndexDoc, texts: dict[str, str]) -> dict[str, Any]:
    """The Whoosh fields of one article (``analyzer``: the index's), its text in its
    language's fields."""
    other = text_language(analyzer.language, doc)
    suffix = field_suffix(other) if other else ""
    fields = {
        "id": doc.id,
        WEIGHTS + suffix: texts,
        TITLE + suffix: texts,
        "complete": suggest_prefixes(analyzer, doc),
        "category_slug": doc.category_slug,
        "title": doc.title,
        "url": doc.url,
        "category": doc.category,
        "summary": doc.summary,
        "source": doc.source,
        "visibility": doc.visibility,
        "text": clip(doc.body, STORED_TEXT_CHARS),
        "sections": [(s.anchor, s.title, clip(s.text, SECTION_CHARS)) for s in doc.sections],
        "phrases": keyword_phrases(other or analyzer.language, doc),
        "asides": list(doc.asides),
    }
    if other:
        fields["language"] = other
    if doc.hub:
        fields["hub"] = HUB
    return fields


def keyword_phrases(language: str, doc: IndexDoc) -> list[str]:
    """The article's keywords of two words or more, as :func:`phrase_terms`: a query that
    says one of them word for word ranks the article higher."""
    keys = cached_analyzer(language, stop=False)
    found = (phrase_terms(keys, k) for k in doc.keywords)
    return list(dict.fromkeys(p for p in found if " " in p))
