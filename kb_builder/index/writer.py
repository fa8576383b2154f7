"""Writing the search index: a fresh one, or the old one patched where articles changed.

The write side of :mod:`kb_core.search`: what goes into a document is in
:mod:`kb_builder.index.fields`, the format (file names, field types) in
:mod:`kb_core.search.schema`. An index is written in a temporary directory beside its place
and swapped in whole, so readers (:class:`kb_core.search.searcher.Searcher`) never see half
of one.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import tempfile
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec

from kb_builder.buildcache import release_memory
from kb_builder.index.fields import (
    DocStats,
    IndexDoc,
    average_lengths,
    doc_stats,
    document,
    parts,
    schema,
    text_language,
)
from kb_builder.index.sections import section_vectors
from kb_core.errors import BuildError
from kb_core.search.schema import (
    FIELD_WEIGHTS,
    FORMAT,
    INDEX_NAME,
    META_FILE,
    VOCAB_FILE,
    cached_analyzer,
    other_languages,
)
from kb_core.semantic import Meanings

log = logging.getLogger(__name__)

STATE_FILE = "kb_documents.json"  # what the index was built from, for _patch()
POSTING_BLOCK = 512
KEEP_ALL_WORDS_BELOW = 2_000  # articles; above, the vocabulary drops one-off body words
PATCH_DRIFT = 0.01  # patch an index only while no average field length moved more than this
PATCH_SHARE = 0.1  # ... and while at most this share of its articles was replaced

# An index's title vectors, or a function giving them: called once its Whoosh files are written
# (the build's title vectors may be on their way from another process meanwhile).
Vectors = np.ndarray | Callable[[], np.ndarray]


def build_index(
    docs: Iterable[IndexDoc],
    index_dir: Path,
    *,
    language: str = "en",
    procs: int = 1,
    limitmb: int = 256,
    stats: Sequence[DocStats] | None = None,
    source: dict[str, Any] | None = None,
    vectors: Vectors | None = None,
) -> int:
    """Write a fresh index of ``docs`` to ``index_dir``; return the number of articles.

    The index is built in a temporary directory beside ``index_dir`` and swapped in at the
    end, so readers never see half an index. ``stats`` are the documents'
    :func:`~kb_builder.index.fields.doc_stats` when the caller has them; ``source`` (its
    ``digests``, one per document, and anything else that decides the index's content) lets a
    later :func:`patch_index` replace only what changed. ``vectors`` (one row per document,
    from :mod:`kb_core.semantic`, or a function giving them) let searches rerank by meaning.
    Raises OSError, or BuildError for duplicate ids.
    """
    index_dir = Path(index_dir)
    docs = list(docs)
    if stats is None:
        stats = [doc_stats(language, d) for d in docs]
    state = dict(source or {})
    state["digests"] = dict(zip((d.id for d in docs), state.get("digests", ()), strict=False))
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.new-", dir=index_dir.parent))
    try:
        _write(docs, stats, tmp, language, procs, limitmb, state)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    # Whoosh's buffers (the postings of every article) go back to the system before the
    # section vectors are made: the index worker would hold both at its largest moment.
    gc.collect()
    release_memory()
    _finish(tmp, index_dir, docs, language, vectors)
    log.info("search index: %d articles written to %s", len(docs), index_dir)
    return len(docs)


def patch_index(
    docs: Sequence[IndexDoc],
    index_dir: Path,
    *,
    language: str,
    stats: Sequence[DocStats],
    source: dict[str, Any],
    vectors: Vectors | None = None,
) -> bool:
    """Update the index in ``index_dir`` to ``docs`` by replacing the articles that changed
    since it was written (see :func:`build_index`); False when a fresh index should be built.

    The update runs on a copy made of hard links (Whoosh writes new files and never rewrites
    one), which is swapped in whole, as a fresh index would be.
    """
    index_dir = Path(index_dir)
    if not (index_dir / STATE_FILE).is_file():
        return False
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.new-", dir=index_dir.parent))
    try:
        patched = _patch_copy(index_dir, tmp, docs, stats, language, source)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if not patched:
        shutil.rmtree(tmp, ignore_errors=True)
        return False
    _finish(tmp, index_dir, docs, language, vectors)
    log.info("search index: %s updated in place of a full rebuild", index_dir)
    return True


def _patch_copy(
    index_dir: Path,
    tmp: Path,
    docs: Sequence[IndexDoc],
    stats: Sequence[DocStats],
    language: str,
    source: dict[str, Any],
) -> bool:
    """:func:`_patch` on a hard-linked copy of ``index_dir`` in ``tmp``; False
    also when the index is damaged (it fails in many ways): a fresh one then replaces it."""
    # Whoosh leaves a file open when it cannot read an index; it is released with the
    # exception, inside this block, so its ResourceWarning stays quiet.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            link_tree(index_dir, tmp)
            return _patch(docs, stats, tmp, language, source)
        except Exception as e:
            why = f"{type(e).__name__}: {e}"  # not the exception: it holds Whoosh's open files
            log.warning("search index %s not updated (%s); rebuilding it", index_dir, why)
            return False


def link_tree(src: Path, dst: Path) -> None:
    """Fill the empty directory ``dst`` with hard links to the files of index ``src``."""
    for p in src.iterdir():
        if p.is_file() and not p.name.endswith("LOCK"):
            os.link(p, dst / p.name)


def _finish(
    tmp: Path,
    index_dir: Path,
    docs: Sequence[IndexDoc],
    language: str,
    vectors: Vectors | None,
) -> None:
    """Add the title vectors and the meta file to the new index in ``tmp`` and swap it in
    for ``index_dir``; ``tmp`` is removed if that fails."""
    try:
        (tmp / Meanings.FILE).unlink(missing_ok=True)  # a patched copy links the old one
        if vectors is not None:
            # the titles first: encoding them in another process overlapped the Whoosh write,
            # and that process has left (with its memory) before the sections are encoded
            titles = vectors() if callable(vectors) else vectors
            known = Meanings.kept_sections(index_dir)  # the last build's, by their text
            Meanings.save(tmp, [d.id for d in docs], titles, section_vectors(docs, known))
        _write_meta(tmp, language, docs)
        _swap_in(tmp, index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write_meta(where: Path, language: str, docs: Sequence[IndexDoc]) -> None:
    """The meta file: the index's format and language, its number of articles and, of those
    whose text is in another language (:func:`text_language`), how many each has."""
    meta: dict[str, Any] = {"format": FORMAT, "language": language, "articles": len(docs)}
    index_language = cached_analyzer(language).language
    texts = Counter(o for d in docs if (o := text_language(index_language, d)))
    if texts:
        meta["texts"] = dict(sorted(texts.items()))
    replace_text(where / META_FILE, json.dumps(meta))


def _swap_in(new: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


def _write(
    docs: Sequence[IndexDoc],
    stats: Sequence[DocStats],
    where: Path,
    language: str,
    procs: int,
    limitmb: int,
    state: dict[str, Any],
) -> None:
    """Write the Whoosh index and the vocabulary of ``docs`` into the empty directory ``where``.

    ``state`` (saved with the index) says what it was built from, for :func:`_patch`.
    """
    analyzer = cached_analyzer(language)
    average = average_lengths(stats)
    others = sorted({o for d in docs if (o := text_language(analyzer.language, d))})
    ix = whoosh_index.create_in(str(where), schema(language, average, others), indexname=INDEX_NAME)
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


def _patch(
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
    analyzer = cached_analyzer(language)
    languages = {text_language(analyzer.language, docs[i]) for i in changed} - {None}
    if not languages <= set(other_languages(ix.schema)):  # a language it has no fields for
        ix.close()
        return False
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
