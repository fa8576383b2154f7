"""From loaded articles to search documents, and the Whoosh indexes kept up to date with them.

A document is computed again only when its article changed, and an index is written again only
when one of its documents (or the search code) changed: the cache lives in ``build/.work``.

The build's main process makes the documents; the index worker writes the indexes and encodes
the titles. What only the worker needs (numpy, Whoosh's writer, the sentence model) is imported
by the functions that need it: the main process starts its workers sooner without them, and the
worker imports them while the main process is still loading the content (:func:`warm_up`).
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from kb_builder.articles import Article, KnowledgeBase
from kb_builder.buildcache import Cache, digest, release_memory
from kb_builder.index.fields import DocStats, IndexDoc, Section, doc_stats
from kb_builder.index.hubs import is_hub
from kb_builder.plaintext import aside_texts, plain_text
from kb_core.errors import BuildError

if TYPE_CHECKING:
    import numpy as np

    from kb_builder.index.writer import Vectors

log = logging.getLogger(__name__)

DOCS_CACHE = "docs.cache"  # in build/.work
STATS_CACHE = "index-stats.cache"
VECTORS_CACHE = "title-vectors.cache"
# Above this many articles the index waits for the titles' encoding before it writes: its
# largest moment (all the documents and section vectors) would otherwise meet the encoding
# process's and the renderers' (cpp-docs, 9,746 articles: 947 -> 1,032 MB summed at the peak).
OVERLAP_MAX = 3000


def warm_up() -> None:
    """Import what writing the indexes and encoding the titles need: run by the index worker
    as it starts, while the build's main process loads the content."""
    import kb_builder.index.writer  # noqa: F401  (numpy, Whoosh's writer)
    import kb_core.semantic  # noqa: F401


def to_index_doc(a: Article, kb: KnowledgeBase) -> IndexDoc:
    titles = [
        kb.categories[a.category_path[:i]].title
        for i in range(1, len(a.category_path) + 1)
        if a.category_path[:i] in kb.categories
    ]
    lines = a.markdown.split("\n")
    sections: list[Section] = []
    heads = [h for h in a.headings if h.level >= 2]
    for i, h in enumerate(heads):
        start = h.line - a.body_line + 1
        end = heads[i + 1].line - a.body_line if i + 1 < len(heads) else len(lines)
        text = plain_text("\n".join(lines[start:end]), a.lang)
        sections.append(Section(h.anchor, h.title, text, h.level))
    body = plain_text(a.markdown, a.lang)
    return IndexDoc(
        id=a.id,
        title=a.title,
        url=a.url,
        category=" › ".join(titles),
        category_slug=a.category_path[0] if a.category_path else "",
        summary=a.summary,
        body=body,
        source=a.source,
        visibility=a.visibility,
        keywords=tuple(a.meta.keywords),
        tags=tuple(a.meta.tags),
        sections=tuple(sections),
        asides=tuple(aside_texts(a.markdown, a.lang)),
        language=a.lang,
        hub=is_hub(a.markdown, a.source, len(body.split())),
    )


def index_docs(
    articles: list[Article], kb: KnowledgeBase, cache: Cache
) -> tuple[list[IndexDoc], list[str]]:
    """``to_index_doc`` of every article (taken from the cache when its inputs are the same),
    and the cache key of each."""
    out, keys = [], []
    for a in articles:
        titles = tuple(
            kb.categories[a.category_path[:i]].title
            for i in range(1, len(a.category_path) + 1)
            if a.category_path[:i] in kb.categories
        )
        heads = tuple((h.anchor, h.title, h.level, h.line) for h in a.headings)
        key = digest(
            (a.id, a.title, a.url, titles, a.category_path, a.summary, a.markdown, a.source)
            + (a.visibility, tuple(a.meta.keywords), tuple(a.meta.tags), heads, a.body_line)
            + (a.lang,)
        )
        doc = cache.get(key, None)
        if not isinstance(doc, IndexDoc):
            doc = to_index_doc(a, kb)
            cache.put(key, None, doc)
        out.append(doc)
        keys.append(key)
    return out, keys


def search_entries(docs: list[IndexDoc]) -> Iterator[dict[str, str]]:
    """Entries of Material's static search index: one per article and one per section, made
    as they are written (:func:`~kb_builder.assemble.write_entries`)."""
    for d in docs:
        intro = d.body
        if d.sections:  # the text before the first section heading
            cut = intro.find(d.sections[0].title)
            intro = intro[:cut] if cut >= 0 else intro
        yield {"location": d.url, "title": d.title, "text": f"{d.summary} {intro}".strip()}
        for s in d.sections:
            yield {"location": f"{d.url}#{s.anchor}", "title": s.title, "text": s.text}


def _read(stamp: Path) -> str:
    try:
        return stamp.read_text()
    except OSError:
        return ""


def meaning_text(doc: IndexDoc | Article) -> str:
    """What an article's vector encodes: its title, and its keywords (the words customers use
    for it, which writers put there); the text itself is too long to encode at build speed.

    Not the summary: the summary in this text ("title. summary; keywords") lost help-center
    training queries at hit@1 (336 -> 332 of 435; stackfaq group 0 unchanged at 594 of
    625), and so did a second vector of the summary whose cosine counts with the title's
    (the larger of the two, the summary's at 0.9: 334; a 0.3 share of it: 332); the summary
    reaches search through the lead's section vector (:mod:`kb_builder.index.sections`). It
    would also double the encoding: cpp-docs' 9,746 titles take 28 s of CPU, with their
    summaries 65 s."""
    keywords = doc.keywords if isinstance(doc, IndexDoc) else doc.meta.keywords
    return f"{doc.title}; {', '.join(keywords)}" if keywords else doc.title


def encode_titles(texts: list[str], work: Path, salt: str) -> None:
    """Start encoding the :func:`meaning_text` of each article that the title vectors' cache
    lacks, and saving the cache; :func:`titles_encoded` waits for it.

    The build runs this in the index worker as soon as the content is loaded. The model runs in
    a child process forked for it, so its memory (the model, onnxruntime's library and arenas:
    about 80 MB) leaves with that child instead of staying in the worker; and this returns at
    once, so the worker writes the Whoosh indexes on the other core while the child encodes,
    and waits for the titles only where their vectors are saved (:func:`update_indexes`; up to
    ``OVERLAP_MAX`` articles). Should the child fail, :func:`update_indexes` encodes what the
    cache lacks itself.
    """
    global _encoding

    def encode() -> None:
        known = Cache(work / VECTORS_CACHE, salt)
        encode_missing(texts, known)
        known.save()

    titles_encoded()  # one child at a time: both save the same cache
    if not hasattr(os, "fork"):
        encode()
        let_model_go()
        return
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child leaves by os._exit, unseen by coverage)
        code = 1
        try:
            encode()
            code = 0
        finally:
            os._exit(code)
    _encoding = pid


_encoding: int | None = None  # the child of encode_titles until titles_encoded waits for it


def titles_encoded() -> None:
    """Wait until the titles that :func:`encode_titles` started encoding are in the cache
    (at once when none are on their way)."""
    global _encoding
    pid, _encoding = _encoding, None
    if pid is None:
        return
    _, status = os.waitpid(pid, 0)
    if status:
        log.warning("encoding the titles failed (status %d): the index worker retries", status)


def title_vectors(docs: list[IndexDoc], cache: Cache) -> np.ndarray:
    """Each article's :func:`meaning_text` as a sentence vector (:mod:`kb_core.semantic`),
    encoding only the texts ``cache`` does not hold: a few milliseconds each."""
    import numpy as np

    from kb_core.semantic import DIMENSIONS

    texts = [meaning_text(doc) for doc in docs]
    encode_missing(texts, cache)
    out = np.zeros((len(docs), DIMENSIONS), dtype=np.float32)
    for i, text in enumerate(texts):
        out[i] = _cached_vector(cache, text)
    return out


def encode_missing(texts: Iterable[str], cache: Cache) -> None:
    """Put into ``cache`` the sentence vector of each of ``texts`` it lacks (float16, as the
    index keeps them): the model runs only on those, once each."""
    from kb_core.semantic import MODEL_NAME, encoder

    todo = [t for t in dict.fromkeys(texts) if _cached_vector(cache, t) is None]
    if todo:
        for text, vector in zip(todo, encoder().encode(todo), strict=True):
            cache.put(text, MODEL_NAME, vector.astype("float16"))


def let_model_go() -> None:
    """Free the sentence model and hand its memory back to the system: an index worker
    done encoding has documents and indexes to hold next."""
    from kb_core.semantic import forget_encoder

    forget_encoder()
    gc.collect()
    release_memory()


def _cached_vector(cache: Cache, text: str) -> np.ndarray | None:
    import numpy as np

    from kb_core.semantic import DIMENSIONS, MODEL_NAME

    found = cache.get(text, MODEL_NAME)
    return found if isinstance(found, np.ndarray) and found.shape == (DIMENSIONS,) else None


def update_index(
    docs: list[IndexDoc],
    index_dir: Path,
    language: str,
    salt: str,
    stamp: Path,
    stats: Cache,
    vectors: Vectors | None = None,
    keys: list[str] | None = None,
) -> tuple[str, str]:
    """Bring the index in ``index_dir`` up to date with ``docs``: nothing to do when ``stamp``
    says it holds exactly them, only the changed articles replaced when few changed, a fresh
    index otherwise. ``stats`` caches each document's statistics between builds; ``vectors``
    (one row per document, :func:`title_vectors`, or a function giving them), when given, go
    with the index for semantic reranking. ``keys``, when given, are the documents' keys in
    the documents cache (:func:`index_docs`): a digest of what each was made from, so they
    stand for the documents' own digests (9,740 documents: 1.2 s less).

    Returns the key of what the index holds, and what was done: "unchanged", "updated" or
    "rebuilt". Raises what :func:`~kb_builder.index.writer.build_index` raises.
    """
    from kb_builder.index.writer import build_index, patch_index

    digests = list(keys) if keys is not None else [digest(d) for d in docs]
    semantic = vectors is not None
    key = digest((salt, language, semantic, digests))
    if index_dir.is_dir() and _read(stamp) == key:
        for d in digests:  # still this index's: kept for the build that changes one of them
            stats.get(d, language)
        return key, "unchanged"
    stamp.unlink(missing_ok=True)  # a build that dies half-way must not look current
    counts = []
    for doc, d in zip(docs, digests, strict=True):
        found = stats.get(d, language)
        if not isinstance(found, DocStats):
            found = doc_stats(language, doc)
            stats.put(d, language, found)
        counts.append(found)
    source = {"salt": salt, "language": language, "semantic": semantic, "digests": digests}
    done = "updated"
    if not patch_index(
        docs, index_dir, language=language, stats=counts, source=source, vectors=vectors
    ):
        # Whoosh buffers postings up to limitmb before it writes a run: bounded for huge KBs.
        limitmb = 256 if len(docs) < 5000 else 64
        build_index(
            docs,
            index_dir,
            language=language,
            limitmb=limitmb,
            stats=counts,
            source=source,
            vectors=vectors,
        )
        done = "rebuilt"
    stamp.write_text(key)
    return key, done


def copy_index(src: Path, dst: Path, key: str, stamp: Path) -> None:
    """Make ``dst`` a copy of the index in ``src`` (built from ``key``), unless it is one.

    The copy is made of hard links: index files are replaced, never rewritten.
    """
    from kb_builder.index.writer import link_tree

    key = "copy:" + key
    if dst.is_dir() and _read(stamp) == key:
        return
    stamp.unlink(missing_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    link_tree(src, tmp)
    shutil.rmtree(dst, ignore_errors=True)
    tmp.rename(dst)
    stamp.write_text(key)


def update_indexes(
    public: list[IndexDoc] | list[str],
    internal: list[IndexDoc] | list[str],
    root: Path,
    work: Path,
    language: str,
    salt: str,
    semantic: bool = False,
) -> str:
    """Bring the public index and the agents' index (public and internal) up to date; return
    what was done to the public one (see :func:`update_index`). With ``semantic``, the indexes
    carry their articles' title vectors.

    The documents come as they are, or as their keys in the saved documents cache (the caller
    then need not keep a copy of them while the indexes build).
    """
    cache = Cache(work / DOCS_CACHE, salt) if str in map(type, public + internal) else None
    keys = [d for d in public + internal if isinstance(d, str)]
    if len(keys) < len(public) + len(internal):
        keys = []  # documents given as they are: their digests are worked out from them
    pub = [_doc(cache, d) for d in public]
    both = pub + [_doc(cache, d) for d in internal]
    del cache
    root.mkdir(parents=True, exist_ok=True)
    if len(both) > OVERLAP_MAX:
        titles_encoded()
    found: list[np.ndarray] = []

    def vectors() -> np.ndarray:
        """The title vectors of ``both``, asked for once an index's Whoosh files are written:
        :func:`encode_titles` may be encoding them meanwhile."""
        if not found:
            titles_encoded()
            known = Cache(work / VECTORS_CACHE, salt)
            found.append(title_vectors(both, known))
            known.save()
            let_model_go()
        return found[0]

    stats = Cache(work / STATS_CACHE, salt)
    try:
        key, done = update_index(
            pub,
            root / "public",
            language,
            salt,
            work / "index-public.key",
            stats,
            (lambda: vectors()[: len(pub)]) if semantic else None,
            keys[: len(pub)] or None,
        )
        if len(both) > len(pub):  # agents search both trees in one index
            update_index(
                both,
                root / "internal",
                language,
                salt,
                work / "index-internal.key",
                stats,
                vectors if semantic else None,
                keys or None,
            )
        else:  # no internal articles: the agents' index is the public one
            copy_index(root / "public", root / "internal", key, work / "index-internal.key")
        stats.save()
    finally:
        titles_encoded()  # the child's cache is the next build's, whether or not this used it
    return done


def _doc(cache: Cache | None, item: IndexDoc | str) -> IndexDoc:
    if isinstance(item, IndexDoc):
        return item
    doc = cache.get(item, None) if cache is not None else None
    if not isinstance(doc, IndexDoc):
        raise BuildError("the search documents cache changed while the build was running")
    return doc
