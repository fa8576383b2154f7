"""Writing the search index: schema, per-article term weights (BM25F), vocabulary.

Used by :func:`kb_core.search.searcher.build_index`; imports neither mkdocs nor Flask.

Scores are computed at build time. For every term of an article the index stores its BM25F
weight, ``w = t * (K1 + 1) / (t + K1)`` where ``t`` sums the term's frequency in each field
(title, keywords, headings, summary, category, body) times the field's weight, each
normalised by the field's length against the average. A query then only adds ``idf * w``
over the postings of its terms: no positions, no per-document lengths to read, which is
what keeps a pure-Python engine within a few milliseconds at ten thousand articles.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import formats
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import ID, STORED, FieldType, Schema

from kb_core.search.text import Analyzer, phrase_terms, spellable

if TYPE_CHECKING:
    from kb_core.search.searcher import IndexDoc

log = logging.getLogger(__name__)

INDEX_NAME = "kb"
META_FILE = "kb_search.json"
VOCAB_FILE = "kb_vocabulary.txt"
STATE_FILE = "kb_documents.json"  # what the index was built from, for patch()
FORMAT = 7  # bump when analysis or weights change: old indexes then ask for a rebuild
STORED_TEXT_CHARS = 2_000  # of the text, and SECTION_CHARS of each section, for snippets
SECTION_CHARS = 1_000
SUGGEST_PREFIX = 20  # the suggest field holds each title word's first 1-20 characters
POSTING_BLOCK = 512
KEEP_ALL_WORDS_BELOW = 2_000  # articles; above, the vocabulary drops one-off body words
PATCH_DRIFT = 0.01  # patch an index only while no average field length moved more than this
PATCH_SHARE = 0.1  # ... and while at most this share of its articles was replaced

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
        id=ID(stored=True, unique=True, sortable=True),  # sortable: a column, docnum -> id
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


@dataclass(frozen=True)
class DocStats:
    """What the index keeps of an article besides its postings: the length of each field
    (for the averages BM25F normalises by) and its words (for the typo vocabulary)."""

    lengths: tuple[int, ...]  # in the order of FIELD_WEIGHTS
    words: tuple[str, ...]  # spellable words, each once
    prominent: tuple[str, ...]  # of them, those in the title, keywords, headings or summary


def doc_stats(language: str, doc: IndexDoc) -> DocStats:
    analyzer = _analyzer(language)
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


def write(
    docs: Sequence[IndexDoc],
    stats: Sequence[DocStats],
    where: Path,
    language: str,
    procs: int,
    limitmb: int,
    state: dict[str, Any],
) -> None:
    """Write the Whoosh index and the vocabulary of ``docs`` into the empty directory ``where``.

    ``state`` (saved with the index) says what it was built from, for :func:`patch`.
    """
    from kb_core.errors import BuildError

    analyzer = _analyzer(language)
    average = average_lengths(stats)
    ix = whoosh_index.create_in(str(where), schema(language, average), indexname=INDEX_NAME)
    procs = procs if len(docs) >= 500 else 1  # starting processes costs more than it saves
    if procs > 1:
        writer = ix.writer(procs=procs, limitmb=limitmb, multisegment=True, codec=_codec())
    else:
        writer = ix.writer(limitmb=limitmb, codec=_codec())
    seen: set[str] = set()
    with writer:  # committed at the end, cancelled on any error
        for doc in docs:
            if doc.id in seen:
                raise BuildError(f"search index: two articles have the id {doc.id!r}")
            seen.add(doc.id)
            writer.add_document(**document(analyzer, doc, parts(doc)))
    ix.close()
    _write_vocabulary(stats, where)
    replace_text(where / STATE_FILE, json.dumps({**state, "replaced": 0}))


def patch(
    docs: Sequence[IndexDoc],
    stats: Sequence[DocStats],
    where: Path,
    language: str,
    state: dict[str, Any],
) -> bool:
    """Bring the index in ``where`` (a private copy: files are replaced, never rewritten) up to
    date with ``docs`` by replacing only the articles that changed; False, touching nothing,
    when a fresh index should be written instead.

    That is when the index was built from other code or settings, when an average field length
    moved by more than ``PATCH_DRIFT`` (every article's weights depend on them), or when the
    articles replaced since the index was written would exceed ``PATCH_SHARE`` of it (their old
    postings still count in the document frequencies until then). Within those bounds a score
    stays within 2% of a fresh build's (tests/test_index_patch.py).
    """
    try:
        old = json.loads((where / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    digests: list[str] = state["digests"]
    same_source = all(old.get(k) == v for k, v in state.items() if k != "digests")
    before = old.get("digests")
    if not same_source or not isinstance(before, dict) or not before:
        return False
    now = dict(zip((d.id for d in docs), digests, strict=True))
    if len(now) != len(docs):  # duplicate ids: the full build reports them
        return False
    changed = [i for i, d in enumerate(docs) if before.get(d.id) != digests[i]]
    removed = [k for k in before if k not in now]
    replaced = old.get("replaced", 0) + len(removed) + sum(docs[i].id in before for i in changed)
    if replaced > PATCH_SHARE * len(docs):
        return False
    ix = whoosh_index.open_dir(str(where), indexname=INDEX_NAME)
    built_with = ix.schema["terms"].average  # the averages every stored weight was made with
    average = average_lengths(stats)
    if max(abs(average[k] / built_with[k] - 1) for k in FIELD_WEIGHTS) > PATCH_DRIFT:
        ix.close()
        return False
    analyzer = _analyzer(language)
    with ix.writer(codec=_codec()) as writer:
        for key in removed:
            writer.delete_by_term("id", key)
        for i in changed:  # weighted with the index's averages: its schema carries them
            writer.update_document(**document(analyzer, docs[i], parts(docs[i])))
    ix.close()
    _write_vocabulary(stats, where)
    saved = {**state, "digests": now, "replaced": replaced}
    replace_text(where / STATE_FILE, json.dumps(saved))
    return True


def _codec() -> W3Codec:
    # Uncompressed, longer posting blocks: a search reads whole posting lists, and zlib plus
    # per-block overhead was a third of its time.
    return W3Codec(blocklimit=POSTING_BLOCK, compression=0)


def _write_vocabulary(stats: Sequence[DocStats], where: Path) -> None:
    """The words a typo may be corrected to, with the number of articles that have each.

    In a large knowledge base, words found in one article only (identifiers, typos in the
    text) are left out unless a title, heading, keyword or summary has them.
    """
    df: Counter[str] = Counter()
    keep: set[str] = set()
    for s in stats:
        df.update(s.words)
        keep.update(s.prominent)
    keep_all = len(stats) < KEEP_ALL_WORDS_BELOW
    vocab = sorted(w for w, n in df.items() if keep_all or n > 1 or w in keep)
    replace_text(where / VOCAB_FILE, "".join(f"{w}\t{df[w]}\n" for w in vocab))


def replace_text(path: Path, text: str) -> None:
    """Write ``path`` as a new file: an index copy shares its files with the live index."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
