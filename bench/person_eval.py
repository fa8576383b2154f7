"""The rule that tells a search asking for a person (kb_core/search/person.py): precision and
recall on a labelled set, and what it flags among ordinary customer searches.

    .venv/bin/python bench/person_eval.py

``bench/queries/person/labelled.csv`` (query, language, asks) gives precision and recall, with
every miss and false alarm listed. The training query sets (search_train, typos_train,
answers_train and the example's eval/queries.csv: searches that each expect an article) should
not be flagged: each flagged one is printed, and a search there that asks for a person would
no longer count as answered by its article (the portal offers the contact form first).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb_core.search.person import asks_for_person  # noqa: E402

QUERIES = ROOT / "bench" / "queries"
ORDINARY = [
    *sorted((QUERIES / "search_train").glob("*.csv")),
    *sorted((QUERIES / "typos_train").glob("*.csv")),
    *sorted((QUERIES / "answers_train").glob("*.csv")),
    ROOT / "eval" / "queries.csv",
]


def report(path: Path) -> None:
    """Precision and recall of the rule on one labelled file, its errors listed."""
    with path.open(encoding="utf-8") as f:
        rows = [(r["query"], r["language"], r["asks"] == "1") for r in csv.DictReader(f)]
    tp = fp = fn = 0
    for query, language, asks in rows:
        said = asks_for_person(query, language)
        tp += said and asks
        fp += said and not asks
        fn += asks and not said
        if said != asks:
            print(f"  {'false alarm' if said else 'missed':11}  [{language}] {query}")
    asking = sum(1 for *_, a in rows if a)
    print(
        f"{path.relative_to(ROOT)}: {len(rows)} searches ({asking} ask for a person, "
        f"{len(rows) - asking} do not); precision {tp}/{tp + fp} = {tp / max(1, tp + fp):.1%}, "
        f"recall {tp}/{tp + fn} = {tp / max(1, tp + fn):.1%}"
    )


def main() -> None:
    for name in ("labelled", "check"):
        report(QUERIES / "person" / f"{name}.csv")
    for path in ORDINARY:
        with path.open(encoding="utf-8") as f:
            queries = [r["query"] for r in csv.DictReader(f)]
        flagged = [q for q in queries if asks_for_person(q)]
        print(f"{path.relative_to(ROOT)}: {len(flagged)} of {len(queries)} flagged")
        for q in flagged:
            print(f"  flagged: {q}")


if __name__ == "__main__":
    main()
