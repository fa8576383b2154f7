"""Incremental index updates: a patched index answers as a freshly built one would.

Real Whoosh indexes in tmp_path, compared with fresh builds of the same documents.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

from kb_builder.buildcache import digest
from kb_builder.index.fields import IndexDoc, Section, doc_stats
from kb_builder.index.writer import STATE_FILE, build_index, patch_index
from kb_core.search.searcher import Searcher

WORDS = (
    "invoice refund password account billing export calendar shift schedule team payroll "
    "report timesheet overtime holiday manager location mobile notification email sync "
    "integration widget booking reminder permission admin owner plan upgrade trial"
).split()
QUERIES = [
    "refund invoice",
    "reset password",
    "export payroll report",
    "mobile notification",
    "holiday schedule for team",
    "upgrade plan trial",
    "quokka",
    "booking widget reminder",
    "shift overtime",
    "admin permission",
]


def corpus(n: int = 200, seed: int = 7) -> list[IndexDoc]:
    rnd = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ren", "tas", "vo", "pel", "dur", "si", "ban"]
    filler = ["".join(rnd.sample(syllables, 3)) for _ in range(600)]
    docs = []
    for i in range(n):
        title = " ".join(rnd.sample(WORDS, 3)).capitalize()
        words = [rnd.choice(WORDS) for _ in range(rnd.randint(4, 12))]
        words += [rnd.choice(filler) for _ in range(rnd.randint(40, 120))]
        rnd.shuffle(words)
        body = " ".join(words)
        head = " ".join(rnd.sample(WORDS, 2)).capitalize()
        docs.append(
            IndexDoc(
                id=f"a{i}",
                title=title,
                url=f"c{i % 5}/a{i}/",
                category=f"Category {i % 5}",
                category_slug=f"c{i % 5}",
                summary=" ".join(rnd.sample(WORDS, 6)),
                body=body,
                source=f"c{i % 5}/a{i}.md",
                keywords=tuple(rnd.sample(WORDS, 2)),
                sections=(Section(head.lower().replace(" ", "-"), head, body[:200]),),
            )
        )
    return docs


def source(docs: list[IndexDoc], salt: str = "code-1") -> dict[str, object]:
    return {"salt": salt, "language": "en", "digests": [digest(d) for d in docs]}


def build(docs: list[IndexDoc], where: Path, salt: str = "code-1") -> None:
    stats = [doc_stats("en", d) for d in docs]
    build_index(docs, where, stats=stats, source=source(docs, salt))


def patch(docs: list[IndexDoc], where: Path, salt: str = "code-1") -> bool:
    stats = [doc_stats("en", d) for d in docs]
    return patch_index(docs, where, language="en", stats=stats, source=source(docs, salt))


def answers(where: Path) -> dict[str, list[tuple[str, float]]]:
    with Searcher(where) as s:
        return {q: [(h.id, h.score) for h in s.search(q, limit=10).results] for q in QUERIES}


def assert_same_answers(patched: Path, fresh: Path) -> None:
    """The same articles found, each scored within 2% of a fresh build: the weights of a
    patched index use the averages it was built with, and replaced articles still count in
    its document frequencies (so near ties may swap)."""
    got, want = answers(patched), answers(fresh)
    for q in QUERIES:
        assert [i for i, _ in got[q][:1]] == [i for i, _ in want[q][:1]], q
        fresh_scores = dict(want[q])
        shared = [(i, s) for i, s in got[q] if i in fresh_scores]
        assert len(shared) >= len(got[q]) - 2, q  # at the cut-off, near ties may swap
        for i, score in shared:
            assert score == pytest.approx(fresh_scores[i], rel=0.02), (q, i)


def test_an_edited_article_is_replaced_in_place(tmp_path: Path) -> None:
    docs = corpus()
    build(docs, tmp_path / "ix")
    with Searcher(tmp_path / "ix") as open_searcher:
        assert open_searcher.search("quokka").results == []
        docs[17] = replace(docs[17], body=docs[17].body + " A quokka ate the invoice.")
        assert patch(docs, tmp_path / "ix")
        # a searcher that was open before sees the new article, and the vocabulary has its word
        assert [h.id for h in open_searcher.search("quokka").results] == ["a17"]
        assert open_searcher.search("quoka").did_you_mean == "quokka"
    state = json.loads((tmp_path / "ix" / STATE_FILE).read_text())
    assert state["replaced"] == 1
    build(docs, tmp_path / "fresh")
    assert_same_answers(tmp_path / "ix", tmp_path / "fresh")
    assert not list(tmp_path.glob(".ix*"))  # no temporary directories left behind


def test_removed_and_added_articles(tmp_path: Path) -> None:
    docs = corpus()
    build(docs, tmp_path / "ix")
    gone = docs.pop(40)
    docs.append(replace(docs[3], id="new-one", url="c0/new-one/", title="Quokka payroll export"))
    assert patch(docs, tmp_path / "ix")
    with Searcher(tmp_path / "ix") as s:
        found = {h.id for q in QUERIES for h in s.search(q, limit=50).results}
        assert gone.id not in found
        assert s.search("quokka").results[0].id == "new-one"
        assert s.search("payroll", category="c0", limit=200).total == sum(
            1 for d in docs if d.category_slug == "c0" and "payroll" in repr(d).lower()
        )
    build(docs, tmp_path / "fresh")
    assert_same_answers(tmp_path / "ix", tmp_path / "fresh")


def test_a_patch_is_refused_when_a_fresh_index_is_needed(tmp_path: Path) -> None:
    docs = corpus()
    build(docs, tmp_path / "ix")
    before = sorted(p.name for p in (tmp_path / "ix").iterdir())
    assert not patch(docs, tmp_path / "ix", salt="code-2")  # other code or settings
    # many articles replaced: stale document frequencies would pile up
    many = [replace(d, body=d.body + " quokka") if i % 4 == 0 else d for i, d in enumerate(docs)]
    assert not patch(many, tmp_path / "ix")
    # one article much longer: every article's length normalisation moves
    longer = [replace(docs[0], body=docs[0].body + " refund" * 3000), *docs[1:]]
    assert not patch(longer, tmp_path / "ix")
    assert sorted(p.name for p in (tmp_path / "ix").iterdir()) == before  # nothing touched
    assert not patch(docs, tmp_path / "missing")


def test_replacements_accumulate_until_a_rebuild(tmp_path: Path) -> None:
    docs = corpus()
    build(docs, tmp_path / "ix")
    for i in range(20):  # 10% of the articles, one build at a time
        docs[i] = replace(docs[i], body=docs[i].body + " quokka")
        assert patch(docs, tmp_path / "ix")
    docs[20] = replace(docs[20], body=docs[20].body + " quokka")
    assert not patch(docs, tmp_path / "ix")  # the 21st: time for a fresh index
    build(docs, tmp_path / "ix")
    assert json.loads((tmp_path / "ix" / STATE_FILE).read_text())["replaced"] == 0


def test_a_damaged_index_is_rebuilt_not_patched(tmp_path: Path) -> None:
    docs = corpus()
    build(docs, tmp_path / "ix")
    for seg in (tmp_path / "ix").glob("*.seg"):
        seg.write_bytes(b"not a segment")
    docs[5] = replace(docs[5], body=docs[5].body + " quokka")
    assert not patch(docs, tmp_path / "ix")  # refused, not raised: the caller builds afresh
    assert not list(tmp_path.glob(".ix*"))
    build(docs, tmp_path / "ix")
    with Searcher(tmp_path / "ix") as s:
        assert [h.id for h in s.search("quokka").results] == ["a5"]
