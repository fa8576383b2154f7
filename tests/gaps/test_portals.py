"""How ``kb gaps`` groups and judges searches on a site of two languages: each portal's apart,
in its own language (kb_reports.gaps.portals); one group per topic, whatever circumstances
its searches carry (the grouper reads each search's topic, kb_reports.gaps.topic); one piece
of advice per article a topic's requests point at; titles spelt as the KB and the searchers
spell them. Real API (the French portal by ``lang=fr``), real SQLite store, the built example;
``kb gaps`` as a process."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.gaps.conftest import Visitor, api_client, kb_gaps

# (query, portal language, searches); every one found nothing, or nothing confident
FAILED = [
    ("payer en bitcoin hier", "fr", 3),
    ("L'appli plante au démarrage", "fr", 2),  # logged "l'appli plante au démarrage"
    ("how do I pay with bitcoin", None, 3),
    ("tip pooling", None, 2),
    ("tip pooling this month", None, 2),  # below min_searches on its own
    ("tip pooling", "fr", 4),  # English on /fr/: its own group, the same advice
    ("xqzkvw", None, 1),  # noise, on both portals
    ("xqzkvw", "fr", 1),
    ("face id", None, 2),
    ("Face ID", None, 1),
    ("quickbooks desktop", None, 2),
]
# found something, never opened: weak once a group has weak_min_searches (5)
WEAK = [
    ("refund", None, 5),
    ("remboursement", "fr", 5),  # answered on /fr/ by the untranslated *Get a refund*
    ("charged twice", None, 3),
    ("charged twice this month", None, 3),  # 3 + 3: one weak group, never two of 3
]
POINTER = "Bonjour, je n'arrive pas à pointer depuis hier"  # the French *Pointer à l'arrivée…*
RESET = "Reset my password please"  # *Reset your password*


@pytest.fixture(scope="module")
def store(
    tmp_path_factory: pytest.TempPathFactory, site_build: Path, config_path: Path
) -> Iterator[str]:
    with api_client(tmp_path_factory, "portals", site_build, config_path) as (url, client):
        n = 0
        for rows, answered in ((FAILED, False), (WEAK, True)):
            for q, lang, times in rows:
                for _ in range(times):
                    n += 1
                    reply = client.get(
                        "/api/search",
                        query_string={"q": q, **({"lang": lang} if lang else {})},
                        environ_base={"REMOTE_ADDR": f"10.8.{n // 250}.{n % 250}"},
                    ).get_json()
                    assert reply["answered"] == answered, (q, lang, reply["answered"])
        # a click elsewhere: the window judges weak searches by their clicks
        Visitor(client, "10.9.0.1").click("refund policy", "refunds")
        # one Scheduling request on each portal, each answered by another article
        Visitor(client, "10.9.0.2").contact("Scheduling", POINTER, lang="fr")
        Visitor(client, "10.9.0.3").contact("Scheduling", RESET)
        yield url


@pytest.fixture(scope="module")
def report(store: str, config_path: Path, site_build: Path) -> dict[str, Any]:
    res = kb_gaps(store, config_path, site_build)
    assert res.returncode == 0, res.stderr
    data: dict[str, Any] = json.loads(res.stdout)
    return data


def _holding(groups: list[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    return [g for g in groups if any(q == query for q, _ in g["queries"])]


def test_each_portal_s_failed_searches_are_grouped_apart(report: dict[str, Any]) -> None:
    (french,) = _holding(report["failed_searches"], "payer en bitcoin hier")
    (english,) = _holding(report["failed_searches"], "how do i pay with bitcoin")
    assert french is not english
    assert (french["portal"], french["language"]) == ("fr", "fr")
    assert french["key"].startswith("fr:")
    assert [q for q, _ in french["queries"]] == ["payer en bitcoin hier"]
    # grouped apart, one article: the English group's and its translation
    assert french["action"]["title"] == "Pay with bitcoin"
    assert french["action"]["text"].startswith(
        "Write “Pay with bitcoin” and its French translation"
    )
    assert (english["portal"], english["action"]["title"]) == ("en", "Pay with bitcoin")


def test_each_portal_s_weak_searches_are_judged_apart(report: dict[str, Any]) -> None:
    (french,) = _holding(report["weak_searches"], "remboursement")
    (english,) = _holding(report["weak_searches"], "refund")
    assert french is not english
    assert [q for q, _ in french["queries"]] == ["remboursement"]
    assert french["searches"] == 5 and french["portal"] == "fr"
    # its searchers were shown the English article on /fr/: translate it
    assert (french["action"]["kind"], french["action"]["article_id"]) == ("translate", "refunds")
    assert english["searches"] == 5 and english["portal"] == "en"
    assert english["action"]["kind"] == "improve"


def test_a_topic_s_searches_are_one_group_whatever_their_circumstances(
    report: dict[str, Any],
) -> None:
    (tips,) = [g for g in _holding(report["failed_searches"], "tip pooling") if g["portal"] == "en"]
    assert dict(map(tuple, tips["queries"])) == {"tip pooling": 2, "tip pooling this month": 2}
    assert tips["action"]["title"] == "Tip pooling"
    (charged,) = _holding(report["weak_searches"], "charged twice")
    assert dict(map(tuple, charged["queries"])) == {
        "charged twice": 3,
        "charged twice this month": 3,
    }
    assert charged["reason"] == "results never clicked"


def test_the_same_advice_from_two_portals_is_one_next_action(report: dict[str, Any]) -> None:
    # English searches for tip pooling on both portals: two groups (each portal's apart), one
    # article to write, so one next action naming both
    groups = _holding(report["failed_searches"], "tip pooling")
    assert sorted(g["portal"] for g in groups) == ["en", "fr"]
    assert {g["action"]["title"] for g in groups} == {"Tip pooling"}
    tips = [a for a in report["next_actions"] if a["action"]["title"] == "Tip pooling"]
    assert [a["ranks"] for a in tips] == [sorted(g["rank"] for g in groups)]
    assert tips[0]["action"]["queries"] == ["tip pooling", "tip pooling this month"]
    titles = [a["action"]["title"] for a in report["next_actions"] if a["action"]["title"]]
    assert len(titles) == len(set(titles))


def test_noise_is_named_once_whatever_portals_it_was_typed_on(report: dict[str, Any]) -> None:
    (note,) = [n for n in report["notes"] if "left out as noise" in n]
    assert note.startswith("2 failed searches with no real word in them (e.g. \u201cxqzkvw\u201d)")


def test_french_titles_and_quotes_keep_the_elided_words_as_typed(report: dict[str, Any]) -> None:
    # the French portal logs an elided word as typed, in lower case ("l'appli"); advice quotes
    # the search as typed
    (crash,) = _holding(report["failed_searches"], "l'appli plante au démarrage")
    assert crash["action"]["title"] == "L'appli plante au démarrage"
    assert crash["action"]["text"] == (
        "Write a new article and its French translation, e.g. \u201cL'appli plante au "
        "démarrage\u201d, that answers \u201cL'appli plante au démarrage\u201d."
    )


def test_titles_keep_the_capitals_of_the_kb_and_the_searchers(report: dict[str, Any]) -> None:
    titles = {g["label"]: g["action"]["title"] for g in report["failed_searches"]}
    assert titles["face id"] == "Face ID"  # one searcher typed it so
    assert titles["quickbooks desktop"] == "QuickBooks desktop"  # the KB writes it so


def test_every_article_a_topic_s_requests_point_at_gets_its_advice(
    report: dict[str, Any], store: str, config_path: Path, site_build: Path
) -> None:
    (topic,) = [e for e in report["escalations"] if e["topic"] == "Scheduling"]
    got = {(a["kind"], a["source"]): a["queries"] for a in topic["actions"]}
    assert got == {
        ("improve", "time-tracking/clock-in-and-out.fr.md"): [POINTER],
        ("improve", "account/sign-in-and-security/reset-password.md"): [RESET],
    }
    assert topic["action"] == topic["actions"][0]
    md = kb_gaps(store, config_path, site_build, fmt="md").stdout
    lines = md.splitlines()
    row = next(line for line in lines if "| Scheduling |" in line)
    assert row.endswith("| 2 actions, listed under the table |")
    # a Markdown list under the table, one item per article ("(1) … (2) …" in the cell read
    # badly); the texts have no Markdown syntax to escape
    at = lines.index(f"Actions of escalation #{topic['rank']}, Scheduling:")
    assert lines[at + 1 : at + 4] == [
        "",
        *(f"{i}. {a['text']}" for i, a in enumerate(topic["actions"], 1)),
    ]
    rows = csv.DictReader(io.StringIO(kb_gaps(store, config_path, site_build, fmt="csv").stdout))
    sources = {r["source"] for r in rows if r["section"] == "escalations"}
    assert sources == {
        "time-tracking/clock-in-and-out.fr.md",
        "account/sign-in-and-security/reset-password.md",
    }
