"""Writing the search index: schema, per-article term weights (BM25F), vocabulary.

Used by :func:`kb_builder.search.build_index`; imports neither mkdocs nor Flask.

Scores are computed at build time. For every term of an article the index stores its BM25F
weight, ``w = t * (K1 + 1) / (t + K1)`` where ``t`` sums the term's frequency in each field
(title, keywords, headings, summary, category, body) times the field's weight, each
normalised by the field's length against the average. A query then only adds ``idf * w``
over the postings of its terms: no positions, no per-document lengths to read, which is
what keeps a pure-Python engine within a few milliseconds at ten thousand articles.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import formats
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import ID, STORED, FieldType, Schema

from .search_text import Analyzer, phrase_terms, spellable

if TYPE_CHECKING:
    from .search import IndexDoc

log = logging.getLogger(__name__)

INDEX_NAME = "kb"
META_FILE = "kb_search.json"
VOCAB_FILE = "kb_vocabulary.txt"
FORMAT = 6  # bump when analysis or weights change: old indexes then ask for a rebuild
STORED_TEXT_CHARS = 2_000  # of the text, and SECTION_CHARS of each section, for snippets
SECTION_CHARS = 1_000
SUGGEST_PREFIX = 20  # the suggest field holds each title word's first 1-20 characters
POSTING_BLOCK = 512
KEEP_ALL_WORDS_BELOW = 2_000  # articles; above, the vocabulary drops one-off body words

# BM25F parameters: how much a word counts in each field, and how much each field's length
# matters (b). Tuned on stackfaq group 0 only (bench/search_eval.py).
FIELD_WEIGHTS = {
    "title": 3.0,
    "keywords": 2.5,
    "headings": 1.5,
    "summary": 1.5,
    "category": 1.0,
    "body": 1.0,
}
FIELD_B = {
    "title": 0.3,
    "keywords": 0.0,
    "headings": 0.5,
    "summary": 0.5,
    "category": 0.0,
    "body": 0.9,
}
K1 = 4.0
# The title on its own, as a second opinion: how well the query matches the question an
# article answers.
TITLE_K1 = 1.2
TITLE_B = 0.5


_PARTS = re.compile(r"[-'._]+")


class TermWeights(FieldType):  # type: ignore[misc]
    """An indexed field whose value is already a ``{term: weight}`` mapping.

    No analyzer and no positions: the weights are computed before the document is added.
    """

    def __init__(self) -> None:
        self.format = formats.Existence()
        self.analyzer = None
        # Scorable only so Whoosh keeps a length column: without one, writing each posting
        # asks the file system whether that column exists.
        self.scorable = True
        self.stored = False
        self.unique = False
        self.vector = None

    def weights(self, value: Any) -> Mapping[str, float]:
        return value  # type: ignore[no-any-return]

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        return ((t.encode("utf-8"), 1, float(w), b"") for t, w in self.weights(value).items())


class BM25FWeights(TermWeights):
    """The BM25F weight of every term of an article, from its parts (``{field: text}``).

    Computed when Whoosh indexes the document, so with ``procs`` > 1 the analysis runs in
    the indexing processes. The parameters travel with the schema, and stay in the index.
    """

    def __init__(self, language: str, average: Mapping[str, float]) -> None:
        super().__init__()
        self.language = language
        self.average = dict(average)
        self.field_weights, self.field_b, self.k1 = dict(FIELD_WEIGHTS), dict(FIELD_B), K1

    def weights(self, value: Any) -> Mapping[str, float]:
        analyzer = _analyzer(self.language)
        tf: dict[str, float] = {}
        for name, text in value.items():
            if not text:
                continue
            b = self.field_b[name]
            norm = self.field_weights[name] / (1 - b + b * len(text.split()) / self.average[name])
            for term, n in analyzer.counts(Counter(analyzer.words(text))).items():
                tf[term] = tf.get(term, 0.0) + n * norm
        return {t: _saturate(f, self.k1) for t, f in tf.items()}


class TitleWeights(BM25FWeights):
    """The BM25 weight of every term of an article's title alone."""

    def weights(self, value: Any) -> Mapping[str, float]:
        analyzer = _analyzer(self.language)
        title = value["title"]
        norm = 1 / (1 - TITLE_B + TITLE_B * len(title.split()) / self.average["title"])
        counts = analyzer.counts(Counter(analyzer.words(title)))
        return {t: _saturate(n * norm, TITLE_K1) for t, n in counts.items()}


_ANALYZERS: dict[tuple[str, bool], Analyzer] = {}


def _analyzer(language: str, *, stop: bool = True) -> Analyzer:
    if (language, stop) not in _ANALYZERS:
        _ANALYZERS[language, stop] = Analyzer(language, stop=stop)
    return _ANALYZERS[language, stop]


def schema(language: str = "en", average: Mapping[str, float] | None = None) -> Schema:
    """The index schema: term weights, title prefixes for suggest, category, stored data."""
    average = average or dict.fromkeys(FIELD_WEIGHTS, 1.0)
    return Schema(
        id=ID(stored=True, unique=True),
        terms=BM25FWeights(language, average),
        title_terms=TitleWeights(language, average),
        complete=TermWeights(),
        category_slug=ID(stored=True),
        title=STORED,
        url=STORED,
        category=STORED,
        summary=STORED,
        source=STORED,
        visibility=STORED,
        text=STORED,
        sections=STORED,
        phrases=STORED,
    )


def parts(doc: IndexDoc) -> dict[str, str]:
    """The texts of an article that BM25F weighs separately."""
    return {
        "title": doc.title,
        "keywords": " ".join((*doc.keywords, *doc.tags)),
        "headings": "\n".join(s.title for s in doc.sections),
        "summary": doc.summary,
        "category": doc.category,
        "body": doc.body,
    }


def average_lengths(docs: Sequence[IndexDoc]) -> dict[str, float]:
    """Average length in words of each field, for BM25F's length normalisation."""
    totals = Counter[str]()
    for doc in docs:
        for name, text in parts(doc).items():
            totals[name] += len(text.split())
    return {name: max(1.0, totals[name] / max(1, len(docs))) for name in FIELD_WEIGHTS}


def _saturate(tf: float, k1: float) -> float:
    return round(tf * (k1 + 1) / (tf + k1), 4)


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
    """The Whoosh fields of one article."""
    return {
        "id": doc.id,
        "terms": texts,
        "title_terms": texts,
        "complete": suggest_prefixes(analyzer, doc),
        "category_slug": doc.category_slug,
        "title": doc.title,
        "url": doc.url,
        "category": doc.category,
        "summary": doc.summary,
        "source": doc.source,
        "visibility": doc.visibility,
        "text": doc.body[:STORED_TEXT_CHARS],
        "sections": [(s.anchor, s.title, s.text[:SECTION_CHARS]) for s in doc.sections],
        "phrases": keyword_phrases(analyzer.language, doc),
    }


def keyword_phrases(language: str, doc: IndexDoc) -> list[str]:
    """The article's keywords of two words or more, as :func:`phrase_terms`: a query that
    says one of them word for word ranks the article higher."""
    keys = _analyzer(language, stop=False)
    found = (phrase_terms(keys, k) for k in doc.keywords)
    return list(dict.fromkeys(p for p in found if " " in p))


def write(docs: Sequence[IndexDoc], where: Path, language: str, procs: int, limitmb: int) -> None:
    """Write the Whoosh index and the vocabulary of ``docs`` into the empty directory ``where``."""
    from .errors import BuildError

    analyzer = _analyzer(language)
    ix = whoosh_index.create_in(
        str(where), schema(language, average_lengths(docs)), indexname=INDEX_NAME
    )
    procs = procs if len(docs) >= 500 else 1  # starting processes costs more than it saves
    # Uncompressed, longer posting blocks: a search reads whole posting lists, and zlib plus
    # per-block overhead was a third of its time.
    codec = W3Codec(blocklimit=POSTING_BLOCK, compression=0)
    if procs > 1:
        writer = ix.writer(procs=procs, limitmb=limitmb, multisegment=True, codec=codec)
    else:
        writer = ix.writer(limitmb=limitmb, codec=codec)
    df: Counter[str] = Counter()
    keep: set[str] = set()
    seen: set[str] = set()
    try:
        for doc in docs:
            if doc.id in seen:
                raise BuildError(f"search index: two articles have the id {doc.id!r}")
            seen.add(doc.id)
            texts = parts(doc)
            df.update(spellable(w for t in texts.values() for w in analyzer.words(t)))
            prominent = " ".join(texts[k] for k in ("title", "keywords", "headings", "summary"))
            keep.update(spellable(analyzer.words(prominent)))
            writer.add_document(**document(analyzer, doc, texts))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    ix.close()
    # The words a typo may be corrected to. In a large knowledge base, words found in one
    # article only (identifiers, typos in the text) are left out unless a title has them.
    keep_all = len(docs) < KEEP_ALL_WORDS_BELOW
    vocab = sorted(w for w, n in df.items() if keep_all or n > 1 or w in keep)
    lines = (f"{w}\t{df[w]}\n" for w in vocab)
    (where / VOCAB_FILE).write_text("".join(lines), encoding="utf-8")
