"""kb_core.search.postings reads Whoosh's posting blocks through the Whoosh 3 codec's private
attributes (no public API reads a block at a time). Whoosh-Reloaded is pinned in
pyproject.toml; these tests fail when an upgrade changes those internals, or when what they
give differs from the public one-posting-at-a-time API."""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher
from whoosh.fields import ID, Schema
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader

from kb_core.search.postings import arrays, blocks, docset
from kb_core.search.schema import TermWeights

ROOT = Path(__file__).resolve().parents[1]
TERMS = ["common", "even", "odd", "rare", "absent"]


def public(reader: IndexReader, fieldname: str, term: str) -> list[tuple[int, float]]:
    """The postings as Whoosh's public matcher API gives them (deleted documents skipped)."""
    if (fieldname, term) not in reader:
        return []
    m = reader.postings(fieldname, term)
    found = []
    while m.is_active():
        found.append((m.id(), round(m.weight(), 4)))
        m.next()
    return found


def by_blocks(reader: IndexReader, fieldname: str, term: str) -> list[tuple[int, float]]:
    return [
        (d, round(w, 4))
        for ids, weights in blocks(reader, fieldname, term)
        for d, w in zip(ids, weights, strict=True)
    ]


def terms(i: int) -> dict[str, float]:
    found = {"common": 1 + i / 100, "even" if i % 2 == 0 else "odd": 0.5 + i / 1000}
    if i == 7:
        found["rare"] = 2.5  # one posting: Whoosh inlines it, read the public way
    return found


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexReader]:
    """Two segments of small posting blocks (so terms span several), the first with
    replaced documents hidden behind Whoosh's deleted-documents filter."""
    where = tmp_path_factory.mktemp("postings")
    schema = Schema(id=ID(stored=True, unique=True), terms=TermWeights())
    ix = whoosh_index.create_in(str(where), schema, indexname="kb")
    codec = W3Codec(blocklimit=4, compression=0)
    with ix.writer(codec=codec) as w:
        for i in range(30):
            w.add_document(id=f"a{i}", terms=terms(i))
    w = ix.writer(codec=codec)
    for i in (3, 8, 9, 20):
        w.delete_by_term("id", f"a{i}")
    for i in range(30, 45):
        w.add_document(id=f"a{i}", terms=terms(i))
    w.commit(merge=False)
    r = ix.reader()
    yield r
    r.close()
    ix.close()


def test_the_index_exercises_blocks_segments_and_deletions(reader: IndexReader) -> None:
    leaves = list(reader.leaf_readers())
    assert len(leaves) == 2
    first, _ = leaves[0]
    assert first.deleted_docs_set == frozenset({3, 8, 9, 20})
    m = first.postings("terms", "common")
    assert isinstance(m, FilterMatcher)
    assert isinstance(m.child, W3LeafMatcher)


def test_the_private_attributes_read_are_there(reader: IndexReader) -> None:
    leaf, _ = next(iter(reader.leaf_readers()))
    m = leaf.postings("terms", "common").child
    for name in ("_read_data", "_read_ids", "_read_weights", "_next_block", "is_active"):
        assert callable(getattr(m, name, None)), name
    assert hasattr(m, "_ids") and hasattr(m, "_weights") and not m._byteids
    m._read_data()
    deltas = list(m._data[0])  # blocks() undoes the delta coding itself
    m._read_ids()
    m._read_weights()
    assert list(m._ids) == [0, 1, 2, 3]  # blocklimit 4
    assert deltas == [0, 1, 1, 1]
    assert len(m._weights) == 4


@pytest.mark.parametrize("term", TERMS)
def test_blocks_give_what_the_public_api_gives(reader: IndexReader, term: str) -> None:
    expected = public(reader, "terms", term)
    assert by_blocks(reader, "terms", term) == expected
    assert docset(reader, "terms", term) == {d for d, _ in expected}
    ids, weights = arrays(reader, "terms", term)
    assert ids.dtype == np.int64 and weights.dtype == np.float64
    assert [
        (d, round(w, 4)) for d, w in zip(ids.tolist(), weights.tolist(), strict=True)
    ] == expected


def test_blocks_skip_replaced_documents_and_count_later_segments(reader: IndexReader) -> None:
    found = dict(by_blocks(reader, "terms", "common"))
    ids = {reader.stored_fields(d)["id"] for d in found}
    assert ids == {f"a{i}" for i in range(45)} - {"a3", "a8", "a9", "a20"}
    assert all(
        w == round(1 + int(reader.stored_fields(d)["id"][1:]) / 100, 4) for d, w in found.items()
    )


def test_whoosh_is_pinned_to_the_version_tested() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pin = re.search(r'"Whoosh-Reloaded==([^"]+)"', pyproject)
    assert pin, "Whoosh-Reloaded must be pinned: kb_core.search.postings reads its internals"
    assert importlib.metadata.version("Whoosh-Reloaded") == pin.group(1)
