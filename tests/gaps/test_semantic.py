"""Grouping by sentence meaning: average linkage, hand-checked groups, and the vector cache.

The encoder is the shipped one (kb_core.semantic); stores are filled through the real API.
"""

from __future__ import annotations

import logging
import random
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from flask import Flask

from feedback_api import shutdown
from kb_core.config import SiteConfig
from kb_core.semantic import encoder
from kb_reports.gaps import semantic as sem
from kb_reports.gaps.grouping import Grouper
from kb_reports.gaps.report import GapReport, build_report
from kb_store import vectors as vector_cache
from kb_store.tables import query_vectors
from tests.gaps.conftest import BufferedClient, Visitor, api_app
from tests.gaps.test_grouping import SYNONYMS

# -- average linkage ------------------------------------------------------------------------


def naive_average_linkage(rows: np.ndarray, threshold: float) -> list[set[int]]:
    """Textbook agglomerative clustering: merge the two clusters with the highest mean
    pairwise cosine while it reaches the threshold."""
    clusters = [{i} for i in range(len(rows))]
    sim = rows @ rows.T
    while len(clusters) > 1:
        best, pair = -np.inf, (0, 0)
        for a in range(len(clusters)):
            for b in range(a + 1, len(clusters)):
                s = np.mean([sim[i, j] for i in clusters[a] for j in clusters[b]])
                if s > best:
                    best, pair = s, (a, b)
        if best < threshold:
            break
        a, b = pair
        clusters[a] |= clusters.pop(b)
    return clusters


@pytest.mark.parametrize("seed", range(5))
def test_average_linkage_is_the_textbook_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((4, 8))
    rows = centres[rng.integers(0, 4, 30)] + 0.8 * rng.standard_normal((30, 8))
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    roots = sem.average_linkage(rows.astype(np.float32), [1] * 30, 0.3)
    got: dict[int, set[int]] = {}
    for i, r in enumerate(roots):
        got.setdefault(r, set()).add(i)
    expected = naive_average_linkage(rows, 0.3)
    assert sorted(map(sorted, got.values())) == sorted(map(sorted, expected))
    assert 1 < len(expected) < 30  # the case is not trivial


def test_groups_enter_as_sums_and_sizes() -> None:
    # two queries far closer to each other than to anything else merge first; entered as one
    # group (their vector sum, size 2) they must end in the same clusters
    rng = np.random.default_rng(1)
    rows = rng.standard_normal((12, 6)).astype(np.float32)
    rows[1] = rows[0] + 0.05 * rows[1]
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    singles = sem.average_linkage(rows, [1] * 12, 0.2)
    grouped = sem.average_linkage(np.vstack([rows[0] + rows[1], rows[2:]]), [2] + [1] * 10, 0.2)
    members = [{0, 1}] + [{i} for i in range(2, 12)]

    def clusters(roots: list[int], sets: list[set[int]]) -> set[frozenset[int]]:
        out: dict[int, set[int]] = {}
        for r, m in zip(roots, sets, strict=True):
            out.setdefault(r, set()).update(m)
        return {frozenset(c) for c in out.values()}

    assert clusters(grouped, members) == clusters(singles, [{i} for i in range(12)])
    assert len(set(singles)) < 11  # something merged besides the pair


def test_apart_pairs_never_share_a_cluster() -> None:
    rows = np.array([[1.0, 0.0], [0.99, 0.14], [0.98, 0.2]], dtype=np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    assert sem.average_linkage(rows, [1, 1, 1], 0.5) == [0, 0, 0]
    roots = sem.average_linkage(rows, [1, 1, 1], 0.5, apart=[(0, 2)])
    assert roots[0] != roots[2]


def test_groups_past_the_limit_join_their_closest_cluster() -> None:
    rows = np.array(
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.9, 0.1, 0.0], [0.0, 0.0, 1.0], [0.1, 0.9, 0.0]],
        dtype=np.float32,
    )
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    everything = sem.join_groups(rows, [1] * 5, 0.5, limit=10)
    assert everything == [0, 1, 0, 3, 1]
    assert sem.join_groups(rows, [1] * 5, 0.5, limit=2) == everything  # 2, 3, 4 come after
    assert sem.join_groups(rows, [1] * 5, 0.5, apart=[(0, 2)], limit=2) == [0, 1, 2, 3, 1]


# -- hand-checked groups ----------------------------------------------------------------------

# The rest of a small help center's log: the vectors are centred on the log's mean, as the
# report centres them on the window's searches.
BACKGROUND = (
    "how do i change my password",
    "where can i find my invoice",
    "why was my payment declined",
    "how to cancel my order",
    "my account is locked",
    "how do i contact support",
    "how long does delivery take",
    "can i change my email address",
    "how to update my billing details",
    "the app keeps crashing",
    "how do i delete my account",
    "how to add a new user",
    "i forgot my username",
    "how do i export my data",
    "what are your opening hours",
    "how to change the language",
    "how do i upgrade my plan",
    "can i get a discount",
    "why is my bill so high",
    "where do i download the app",
    "how to enable two factor authentication",
    "what fees do you charge",
    "how do i report a problem",
    "how to print a receipt",
)


def groups_with_meaning(queries: list[str]) -> list[list[str]]:
    counts: dict[str, int] = {}
    for q in queries:
        counts[q] = counts.get(q, 0) + 1
    texts = sorted(set(queries) | set(BACKGROUND))
    vectors = sem.QueryVectors.of(dict(zip(texts, encoder().encode(texts), strict=True)))
    grouping = Grouper(SYNONYMS, known_words=("password",)).group(counts, vectors=vectors)
    return sorted(sorted(g.queries) for g in grouping.groups)


MEANING_CASES = [
    pytest.param(
        [
            "refund",
            "refunds",
            "Refund",
            "refnd",
            "money back",
            "reimbursement",
            "get my money back",
        ],
        [
            [
                "Refund",
                "get my money back",
                "money back",
                "refnd",
                "refund",
                "refunds",
                "reimbursement",
            ]
        ],
        id="words-still-join-spellings-typos-synonyms",
    ),
    pytest.param(
        [
            "my card hasnt arrived",
            "still waiting for my new card",
            "when will my card arrive",
            "where is my card",
            "cancel my subscription",
            "cancel subscription",
            "cancel a transfer",
        ],
        [
            ["cancel a transfer"],
            ["cancel my subscription", "cancel subscription"],
            [
                "my card hasnt arrived",
                "still waiting for my new card",
                "when will my card arrive",
                "where is my card",
            ],
        ],
        id="only-meaning-joins-these-and-cancelling-what-matters",
    ),
    pytest.param(
        ["log in", "login", "sign in", "can't log in", "cant sign in"],
        [["can't log in", "cant sign in"], ["log in", "login", "sign in"]],
        id="a-topic-and-its-negation-stay-apart",
    ),
    pytest.param(
        ["payslip", "where is my payslip", "bitcoin", "pay with crypto", "venmo", "zelle"],
        [
            ["bitcoin"],
            ["pay with crypto"],
            ["payslip", "where is my payslip"],
            ["venmo"],
            ["zelle"],
        ],
        id="different-things-stay-apart",
    ),
    pytest.param(
        ["reset password", "how do I reset my password?", "pasword reset", "forgot my password"],
        [["forgot my password", "how do I reset my password?", "pasword reset", "reset password"]],
        id="forgot-is-reset-in-other-words",
    ),
    pytest.param(
        ["lost card", "card lost", "stolen card", "card arrival", "card not arrived"],
        [["card arrival", "card lost", "card not arrived", "lost card", "stolen card"]],
        # A known miss, kept visible: at the cut tuned on banking77 (purity 0.76 on its test
        # split), a card that never came and a card that went missing read alike. banking77
        # itself files "lost" and "stolen" under one intent; "arrival" is another.
        id="known-miss-arrival-joins-lost",
    ),
]


@pytest.mark.parametrize(("queries", "expected"), MEANING_CASES)
def test_exact_groups_with_meaning(queries: list[str], expected: list[list[str]]) -> None:
    assert groups_with_meaning(queries) == sorted(sorted(g) for g in expected)


def test_grouping_with_meaning_is_deterministic() -> None:
    queries = [
        "my card hasnt arrived",
        "still waiting for my new card",
        "cancel my subscription",
        "cancel a transfer",
        "refund",
        "refunds",
        "money back",
        "log in",
        "cant log in",
    ]
    texts = sorted(set(queries) | set(BACKGROUND))
    vectors = dict(zip(texts, encoder().encode(texts), strict=True))
    counts = {q: 1 + i % 3 for i, q in enumerate(queries)}

    def run(order: list[tuple[str, int]], names: list[str]) -> list[tuple[str, tuple[str, ...]]]:
        qv = sem.QueryVectors.of({n: vectors[n] for n in names})
        grouping = Grouper(SYNONYMS).group(dict(order), vectors=qv)
        return [(g.key, g.queries) for g in grouping.groups]

    expected = run(list(counts.items()), texts)
    for seed in range(3):
        items, names = list(counts.items()), list(texts)
        random.Random(seed).shuffle(items)
        random.Random(seed).shuffle(names)
        assert run(items, names) == expected


# -- the report, and its vector cache ---------------------------------------------------------

# What the example KB (a scheduling app) has no article for; the first three share at most
# one word pairwise ("vet", "appointment"), so only their meaning can join them.
FAILED = (
    "vet appointment for my dog",
    "book a vet for my puppy",
    "veterinary appointment",
    "bitcoin",
    "bitcoin",
)


def fill(app: Flask) -> set[str]:
    """Searches through the API; the distinct normalised queries it logged."""
    app.test_client_class = BufferedClient
    client = app.test_client()
    for i, q in enumerate(FAILED):
        assert Visitor(client, f"10.1.0.{i}").search(q) == 0, q
    assert Visitor(client, "10.1.0.9").search("refund") > 0
    return {*FAILED, "refund"}


def report(url: str, config: SiteConfig, site_build: Path, tmp: Path) -> GapReport:
    return build_report(
        config,
        database_url=url,
        build_dir=site_build,
        content_dir=tmp / "no-content",
        since="7d",
        check_index=False,
    )


def cached(url: str) -> set[str]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = {str(q) for (q,) in conn.execute(sa.select(query_vectors.c.query))}
    engine.dispose()
    return rows


def test_report_fills_the_cache_once_and_groups_by_meaning(
    db_url: str, site_build: Path, config_path: Path, config: SiteConfig, tmp_path: Path
) -> None:
    app = api_app(db_url, site_build, config_path)
    try:
        logged = fill(app)
    finally:
        shutdown(app)
    assert cached(db_url) == set(FAILED)  # the API encodes what found nothing as it logs it
    before = sem.STATS.encoded
    first = report(db_url, config, site_build, tmp_path)
    assert sem.STATS.encoded - before == 1  # "refund", which found something: the centre needs it
    assert cached(db_url) == logged
    before = sem.STATS.encoded
    second = report(db_url, config, site_build, tmp_path)
    assert sem.STATS.encoded == before  # a warm cache encodes nothing
    assert cached(db_url) == logged
    groups = [sorted(q for q, _ in g.queries) for g in second.failed_all]
    assert groups == [
        ["book a vet for my puppy", "vet appointment for my dog", "veterinary appointment"],
        ["bitcoin"],
    ]
    assert groups == [sorted(q for q, _ in g.queries) for g in first.failed_all]


@pytest.mark.postgres
def test_a_read_only_store_still_gets_its_report(
    pg_url: str,
    site_build: Path,
    config_path: Path,
    config: SiteConfig,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = pg_url
    app = api_app(url, site_build, config_path)
    try:
        fill(app)
    finally:
        shutdown(app)
    read_only = url + "%20-cdefault_transaction_read_only%3Don"
    before = sem.STATS.encoded
    with caplog.at_level(logging.WARNING, logger="kb_store.vectors"):
        got = report(read_only, config, site_build, tmp_path)
    assert len(got.failed_all) == 2
    assert "could not cache 1 query vectors" in caplog.text  # "refund"; the API did the rest
    assert cached(url) == set(FAILED)
    report(read_only, config, site_build, tmp_path)
    assert sem.STATS.encoded - before == 2  # nothing was kept: encoded again


def test_a_store_without_the_cache_table_is_read(tmp_path: Path) -> None:
    from kb_store.store import Store

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    store = Store(url)
    store.migrate(target=2)  # before the cache existed
    store.close()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert vector_cache.load_vectors(conn, {"refund"}) == {}
    engine.dispose()
    assert vector_cache.save_vectors(url, {"refund": np.zeros(384, dtype=np.float32)}) is False


def test_the_api_encodes_each_failed_query_once_as_it_logs(
    site_build: Path, config_path: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    app = api_app(url, site_build, config_path, flush=0.05)
    try:
        app.test_client_class = BufferedClient
        client = app.test_client()
        before = encoder().encoded
        for i in range(3):  # the same failed search from three visitors, and one that finds
            assert Visitor(client, f"10.2.0.{i}").search("bitcoin") == 0
        assert Visitor(client, "10.2.0.9").search("refund") > 0
        app.extensions["kb"].events.flush()
    finally:
        shutdown(app)
    assert cached(url) == {"bitcoin"}
    # once per distinct query, not per search: the confidence check encodes "bitcoin" once and
    # the gap log reuses that vector; "refund" has a hit holding every word, so no model at all
    assert encoder().encoded - before == 1


def test_failed_searches_are_logged_when_their_vectors_cannot_be(
    site_build: Path, config_path: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    app = api_app(url, site_build, config_path)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE query_vectors"))  # a cache gone wrong
        with caplog.at_level(logging.WARNING, logger="feedback_api.eventlog"):
            assert Visitor(app.test_client(), "10.3.0.1").search("bitcoin") == 0
        with engine.connect() as conn:
            logged = conn.execute(sa.text("SELECT query, hits FROM searches")).all()
    finally:
        shutdown(app)
        engine.dispose()
    assert [tuple(r) for r in logged] == [("bitcoin", 0)]
    assert "vectors not written" in caplog.text
