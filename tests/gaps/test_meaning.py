"""Word meaning learned from the search log: vectors, and the groups they join or keep apart."""

from __future__ import annotations

import csv
import random
from collections import Counter
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from kb_core.search.searcher import normalize_query
from kb_reports.gaps.grouping import Grouper
from kb_reports.gaps.meaning import WordVectors, merge_groups
from kb_reports.gaps.quality import scores

BANKING77 = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "banking77"


@cache
def synthetic_log() -> tuple[str, ...]:
    """Two topics in different words: "parcel"/"package" with "lost"/"missing", and
    "invoice"/"receipt" with "wrong"/"incorrect", each topic with its own context words."""
    rng = random.Random(1)
    context = [f"x{i}q" for i in range(600)]
    log = []
    for _ in range(1500):
        a, b = rng.sample(context[:300], 2)
        log.append(f"{rng.choice(['parcel', 'package'])} {rng.choice(['lost', 'missing'])} {a} {b}")
        a, b = rng.sample(context[300:], 2)
        log.append(
            f"{rng.choice(['invoice', 'receipt'])} {rng.choice(['wrong', 'incorrect'])} {a} {b}"
        )
    return tuple(log)


def groups_of(
    counts: dict[str, int],
    log: Sequence[str],
    confirm: float | None = None,
    meaning: float | None = None,
) -> list[list[str]]:
    grouping = Grouper(confirm=confirm, meaning=meaning).group(counts, log=log)
    return sorted(sorted(g.queries) for g in grouping.groups)


COUNTS = {"parcel lost": 5, "package missing": 3, "invoice wrong": 4, "receipt incorrect": 2}


def test_words_used_alike_get_similar_vectors() -> None:
    grouper = Grouper()
    vectors = WordVectors.learn(grouper.analyse(q) for q in synthetic_log())
    assert vectors is not None
    parcel, package, invoice = (
        vectors.embed([grouper.analyse(w)[0]]) for w in ("parcel", "package", "invoice")
    )
    assert parcel @ package > 0.6
    assert abs(parcel @ invoice) < 0.1


def test_log_joins_groups_that_mean_the_same() -> None:
    apart = [[q] for q in sorted(COUNTS)]
    assert groups_of(COUNTS, []) == apart  # no shared word, no log: nothing to go by
    assert groups_of(COUNTS, synthetic_log()) == [
        ["invoice wrong", "receipt incorrect"],
        ["package missing", "parcel lost"],
    ]
    assert groups_of(COUNTS, synthetic_log(), meaning=0.99) == apart


def test_negated_query_stays_apart_from_its_meaning() -> None:
    counts = {"package missing": 3, "parcel not lost": 2}
    assert groups_of(counts, synthetic_log()) == [["package missing"], ["parcel not lost"]]


def test_vectors_must_confirm_a_word_overlap() -> None:
    # "parcel lost" and "parcel lost invoice" share most of their weight; only meaning
    # tells them apart, when the confirmation is strict enough
    counts = {"parcel lost": 5, "parcel lost invoice": 1}
    together = [["parcel lost", "parcel lost invoice"]]
    assert groups_of(counts, []) == together
    assert groups_of(counts, synthetic_log(), confirm=0.0, meaning=0.99) == together
    assert groups_of(counts, synthetic_log(), confirm=0.99, meaning=0.99) == [
        ["parcel lost"],
        ["parcel lost invoice"],
    ]


def test_too_small_a_log_teaches_nothing() -> None:
    assert WordVectors.learn([("parcel", "lost"), ("package", "missing")]) is None
    assert groups_of(COUNTS, ["parcel lost", "package missing"]) == [[q] for q in sorted(COUNTS)]


def test_merge_groups_follows_leaders_and_negation() -> None:
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    near = np.array([0.9, 0.1])
    assert merge_groups([a, b, near], [False, False, False], 0.9) == [0, 1, 0]
    assert merge_groups([a, b, near], [False, False, True], 0.9) == [0, 1, 2]
    assert merge_groups([a, b, near], [False, False, False], 0.999) == [0, 1, 2]


@pytest.mark.skipif(not BANKING77.is_dir(), reason="banking77 corpus not in ../shared/corpora")
def test_banking77_test_split_floor_with_meaning() -> None:
    """Learning from the log (train split as history, test queries unlabelled) joins more of
    each intent while groups stay pure. The figures (bench/gaps_bench.py) are 0.813 purity
    and 0.352 inverse purity; words alone reach 0.295."""
    data = {}
    for split in ("train", "test"):
        with open(BANKING77 / "banking_data" / f"{split}.csv", newline="", encoding="utf-8") as f:
            data[split] = [(normalize_query(r["text"]), r["category"]) for r in csv.DictReader(f)]
    log = [q for q, _ in data["train"] + data["test"]]
    grouping = Grouper().group(Counter(q for q, _ in data["test"]), log=log)
    key_of = {q: g.key for g in grouping.groups for q in g.queries}
    got = scores((key_of[q], intent) for q, intent in data["test"])
    assert got.purity >= 0.8
    assert got.inverse_purity >= 0.33
