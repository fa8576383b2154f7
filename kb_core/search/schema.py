"""The search index format: its file names, its version, and the Whoosh field types that
hold each article's term weights (BM25F), which Whoosh unpickles whenever an index is opened.

The index is written by :mod:`kb_builder.index.writer` and read by
:mod:`kb_core.search.searcher`; imports neither mkdocs nor Flask.

Scores are computed at build time. For every term of an article the index stores its BM25F
weight, ``w = t * (K1 + 1) / (t + K1)`` where ``t`` sums the term's frequency in each field
(title, keywords, headings, summary, category, body) times the field's weight, each
normalised by the field's length against the average. A query then only adds ``idf * w``
over the postings of its terms: no positions, no per-document lengths to read, which is
what keeps a pure-Python engine within a few milliseconds at ten thousand articles.

An index holds the articles of one portal, each in its own language's fields: ``terms`` and
``title_terms`` for the portal's language, ``terms_en`` and ``title_terms_en`` for the English
text of the articles a French portal shows untranslated (one field per language, each analysed
with its language's stemmer and stop words, as Whoosh gives each field its own analysis). A
query term of another language than the index's is tagged with it (``en:invoic``): see
:func:`fields_of`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from whoosh import formats
from whoosh.fields import FieldType

from kb_core.search.text.analysis import Analyzer, SharedWords
from kb_core.search.text.plan import LANGUAGE_TAG

INDEX_NAME = "kb"
META_FILE = "kb_search.json"
VOCAB_FILE = "kb_vocabulary.txt"
FORMAT = 14  # bump when analysis or weights change: old indexes then ask for a rebuild
HUB = "1"  # the term of the "hub" field that marks a landing page (kb_builder.index.hubs)
SUGGEST_PREFIX = 20  # the suggest field holds each title word's first 1-20 characters

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

    def __init__(self, language: str, average: Mapping[str, float], reader: str = "") -> None:
        """``reader``: the index's language, for the fields of another language's text: its
        words that are words of that language too are also indexed as themselves
        (:class:`~kb_core.search.text.analysis.SharedWords`)."""
        super().__init__()
        self.language = language
        self.reader = reader
        self.average = dict(average)
        self.field_weights, self.field_b, self.k1 = dict(FIELD_WEIGHTS), dict(FIELD_B), K1

    def counts(self, text: str) -> Counter[str]:
        """The terms of ``text`` (and its shared words', if any) and their frequencies."""
        analyzer = cached_analyzer(self.language)
        words = Counter(analyzer.words(text))
        counts = analyzer.counts(words)
        if self.reader:
            counts.update(cached_shared(self.language, self.reader).counts(words))
        return counts

    def weights(self, value: Any) -> Mapping[str, float]:
        tf: dict[str, float] = {}
        for name, text in value.items():
            if not text:
                continue
            b = self.field_b[name]
            norm = self.field_weights[name] / (1 - b + b * len(text.split()) / self.average[name])
            for term, n in self.counts(text).items():
                tf[term] = tf.get(term, 0.0) + n * norm
        return {t: _saturate(f, self.k1) for t, f in tf.items()}


class TitleWeights(BM25FWeights):
    """The BM25 weight of every term of an article's title alone."""

    def weights(self, value: Any) -> Mapping[str, float]:
        title = value["title"]
        norm = 1 / (1 - TITLE_B + TITLE_B * len(title.split()) / self.average["title"])
        return {t: _saturate(n * norm, TITLE_K1) for t, n in self.counts(title).items()}


WEIGHTS, TITLE = "terms", "title_terms"  # the fields of the index's own language


def field_suffix(language: str) -> str:
    """What the names of ``language``'s fields end with: ``terms_en``, ``terms_pt_br``."""
    return "_" + language.lower().replace("-", "_")


def fields_of(term: str) -> tuple[str, str, str]:
    """(weights field, title field, term as indexed) of a query term: ``invoic`` is in
    ``terms`` and ``title_terms``, ``en:invoic`` is ``invoic`` in ``terms_en`` and
    ``title_terms_en`` (English text in another language's index)."""
    language, tag, bare = term.partition(LANGUAGE_TAG)
    if not tag:
        return WEIGHTS, TITLE, term
    suffix = field_suffix(language)
    return WEIGHTS + suffix, TITLE + suffix, bare


def document_frequency(reader: Any, term: str) -> int:
    """How many articles hold a query term (tagged with its language or not), in its fields."""
    field, _, bare = fields_of(term)
    return int(reader.doc_frequency(field, bare))


def text_shares(meta: Mapping[str, Any], others: Sequence[str]) -> dict[str, float] | None:
    """In an index of several languages' texts (``others``: those besides its own), each
    one's share of its articles by the tag of its terms ("" the index's own, "en:"), from its
    meta file's ``texts`` (articles by language); None for an index of one language, or
    one written without them."""
    counts = meta.get("texts")
    articles = meta.get("articles") or 0
    if not others or not isinstance(counts, dict) or articles <= 0:
        return None
    shares = {o + LANGUAGE_TAG: int(counts.get(o, 0)) / articles for o in others}
    return {"": max(0.0, 1.0 - sum(shares.values())), **shares}


def other_languages(schema: Any) -> list[str]:
    """The languages an index holds text of besides its own (its ``terms_<code>`` fields)."""
    return [
        f.language
        for name, f in schema.items()
        if name.startswith(WEIGHTS + "_") and isinstance(f, BM25FWeights)
    ]


_ANALYZERS: dict[tuple[str, bool], Analyzer] = {}


def cached_analyzer(language: str, *, stop: bool = True) -> Analyzer:
    """One :class:`Analyzer` per language (and stop-word choice) for the whole process."""
    if (language, stop) not in _ANALYZERS:
        _ANALYZERS[language, stop] = Analyzer(language, stop=stop)
    return _ANALYZERS[language, stop]


_SHARED: dict[tuple[str, str], SharedWords] = {}


def cached_shared(language: str, reader: str) -> SharedWords:
    """One :class:`SharedWords` of ``language``'s text and ``reader``'s for the process."""
    if (language, reader) not in _SHARED:
        _SHARED[language, reader] = SharedWords(cached_analyzer(language), cached_analyzer(reader))
    return _SHARED[language, reader]


def _saturate(tf: float, k1: float) -> float:
    return round(tf * (k1 + 1) / (tf + k1), 4)
