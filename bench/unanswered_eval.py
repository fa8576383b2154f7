"""Precision and recall of "unanswered" on the training sets, with meaning and words only.

    .venv/bin/python bench/unanswered_eval.py [--list] [--dump FILE]

A search is unanswered when its confidence is below the threshold (kb_core.search.confidence).
Off-topic searches (the KB has no answer) should be; on-topic ones should not. Precision =
off-topic unanswered / all unanswered; recall = off-topic unanswered / off-topic searches.

Training sets only (held-out ones are never read here): on the example KB in content/, the
even rows of ``tandem.csv``, ``typos_train/content.csv``, ``answers_train/tandem.csv`` (rows
without an expected article are off-topic), the ``train`` rows of ``offtopic/tandem.csv`` and
all of ``offtopic/near_miss.csv``; on the help centers in ../shared/corpora,
``search_train``, ``search_train2``, ``typos_train`` and ``answers_train`` (rows without an
expected article are off-topic); stackfaq group 0. Each search is run on an index with title
vectors (as ``kb build`` makes it) and on one without (words only).

The example's French portal is measured apart (``--french`` measures only it): a real build of
``content/`` (``kb build``), searched on its French index as ``kb search --lang fr`` searches
it, words only (the sentence model reads English only), with ``fr_train/content.csv``
(on-topic) and ``offtopic/near_miss_fr.csv`` (off-topic). Its figures are not in the totals.

``--dump FILE`` writes every search's results, scores, confidence and answer card as JSON
lines: two dumps are byte-identical when a change leaves search as it was.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import search_eval as se  # noqa: E402

QUERIES = BENCH / "queries"


@dataclass(frozen=True)
class Query:
    group: str
    query: str
    on_topic: bool


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _expected(rows: list[dict[str, str]], group: str) -> list[Query]:
    return [Query(group, r["query"], bool(r["expected"].strip())) for r in rows]


def example_queries() -> list[Query]:
    """The example KB's training searches."""
    queries = _expected(_csv(QUERIES / "tandem.csv")[::2], "tandem")
    queries += _expected(_csv(QUERIES / "typos_train" / "content.csv"), "typos_train")
    queries += _expected(_csv(QUERIES / "answers_train" / "tandem.csv"), "answers_train")
    off = [r for r in _csv(QUERIES / "offtopic" / "tandem.csv") if r["split"] == "train"]
    queries += [Query("offtopic", r["query"], False) for r in off]
    near = _csv(QUERIES / "offtopic" / "near_miss.csv")
    queries += [Query("near_miss", r["query"], False) for r in near]
    return queries


def corpus_queries(name: str) -> list[Query]:
    """A help center's training searches."""
    queries = []
    for folder in ("search_train", "search_train2", "typos_train", "answers_train"):
        path = QUERIES / folder / f"{name}.csv"
        if path.is_file():
            queries += _expected(_csv(path), folder)
    return queries


def stackfaq_queries() -> list[Query]:
    rows = _csv(se.CORPORA / "stackfaq" / "queries.csv")
    return [Query("group0", r["query"], True) for r in rows if r["group"] == "0"]


def searched(
    corpus: str, docs: list[se.IndexDoc], queries: list[Query], **kw: object
) -> Iterator[tuple[str, Query, dict[str, object]]]:
    """Each query's outcome, with meaning and words only."""
    for semantic in (True, False):
        mode = "meaning" if semantic else "words"
        with tempfile.TemporaryDirectory() as tmp:
            _, searcher = se.ours(docs, Path(tmp), semantic=semantic, **kw)
            for q in queries:
                found = searcher.search(q.query, limit=10)
                card = found.answer
                yield (
                    mode,
                    q,
                    {
                        "corpus": corpus,
                        "mode": mode,
                        "group": q.group,
                        "query": q.query,
                        "results": [
                            [se.key(h.source), h.anchor, h.snippet, round(h.score, 6)]
                            for h in found.results
                        ],
                        "did_you_mean": found.did_you_mean,
                        "matches": found.matches,
                        "confidence": round(found.confidence, 6),
                        "answered": found.answered,
                        "answer": None
                        if card is None
                        else [card.id, card.anchor, card.text, round(card.score, 6)],
                    },
                )
            searcher.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--list", action="store_true", help="list the searches judged wrong")
    ap.add_argument("--dump", type=Path, help="write every search's outcome as JSON lines")
    ap.add_argument("--french", action="store_true", help="only the example's French portal")
    args = ap.parse_args()
    if args.french:
        french(args.list, args.dump)
        return
    loaded = se.load_content_kb()
    assert loaded is not None, "content/ (the example KB) is needed"
    docs, synonyms = loaded
    runs = [("tandem", docs, example_queries(), {"synonyms": synonyms})]
    for name, root in se.HELP_CENTERS.items():
        runs.append((name, se.load_corpus(root)[0], corpus_queries(name), {}))
    stackfaq = se.CORPORA / "stackfaq" / "articles"
    runs.append(("stackfaq", se.load_corpus(stackfaq)[0], stackfaq_queries(), {}))
    dump = args.dump.open("w", encoding="utf-8") if args.dump else None
    # (mode, corpus) -> [off-topic, off-topic unanswered, on-topic, on-topic unanswered]
    counts: dict[tuple[str, str], list[int]] = {}
    for corpus, corpus_docs, queries, kw in runs:
        for mode, q, outcome in searched(corpus, corpus_docs, queries, **kw):
            if dump:
                dump.write(json.dumps(outcome, ensure_ascii=False, sort_keys=True) + "\n")
            low = not outcome["answered"]
            row = counts.setdefault((mode, corpus), [0, 0, 0, 0])
            row[0 if not q.on_topic else 2] += 1
            row[1 if not q.on_topic else 3] += low
            if args.list and low == q.on_topic:
                kind = "on-topic unanswered" if q.on_topic else "off-topic answered"
                print(f"  {mode:7} {kind:19} {corpus}/{q.group}: {q.query}")
    if dump:
        dump.close()
    for mode in ("meaning", "words"):
        total = [0, 0, 0, 0]
        print(f"\n{mode}:")
        for (m, corpus), row in counts.items():
            if m != mode:
                continue
            total = [a + b for a, b in zip(total, row, strict=True)]
            print(
                f"  {corpus:16} off-topic unanswered {row[1]:3} of {row[0]:3}   "
                f"on-topic unanswered {row[3]:3} of {row[2]:3}"
            )
        print_figures(total)
    french(args.list, None)


def print_figures(counts: list[int]) -> None:
    """Unanswered precision and recall from [off-topic, off-topic unanswered, on-topic,
    on-topic unanswered]."""
    off, off_low, _, on_low = counts
    precision = off_low / max(1, off_low + on_low)
    recall = off_low / max(1, off)
    print(f"  unanswered precision {precision:.3f}, recall {recall:.3f}")


def french_queries() -> list[Query]:
    """The French portal's training searches: fr_train (on-topic), near_miss_fr (off-topic)."""
    queries = _expected(_csv(QUERIES / "fr_train" / "content.csv"), "fr_train")
    near = _csv(QUERIES / "offtopic" / "near_miss_fr.csv")
    return queries + [Query("near_miss_fr", r["query"], False) for r in near]


def french(listed: bool, dump_to: Path | None) -> None:
    """The example's French portal: a real build of content/, its French public index."""
    from kb_builder.build import build_site
    from kb_core.config import load_config
    from kb_core.search.searcher import Searcher

    config, problems = load_config(se.ROOT / "site_config.yml")
    counts = [0, 0, 0, 0]
    dump = dump_to.open("w", encoding="utf-8") if dump_to else None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "build"
        build_site(se.ROOT / "content", config, out, config_problems=problems)
        where = out / "index" / "fr" / "public"
        with Searcher(where, synonyms=config.synonyms_for("fr")) as searcher:
            for q in french_queries():
                found = searcher.search(q.query, limit=10)
                if dump:
                    outcome = {
                        "corpus": "fr",
                        "group": q.group,
                        "query": q.query,
                        "results": [[h.id, h.anchor, round(h.score, 6)] for h in found.results],
                        "confidence": round(found.confidence, 6),
                        "answered": found.answered,
                    }
                    dump.write(json.dumps(outcome, ensure_ascii=False, sort_keys=True) + "\n")
                low = not found.answered
                counts[0 if not q.on_topic else 2] += 1
                counts[1 if not q.on_topic else 3] += low
                if listed and low == q.on_topic:
                    kind = "on-topic unanswered" if q.on_topic else "off-topic answered"
                    top = found.results[0].id if found.results else "-"
                    print(f"  {kind:19} fr/{q.group}: {q.query} ({found.confidence:.3f}, {top})")
    if dump:
        dump.close()
    print("\nFrench portal (words only):")
    print(
        f"  {'fr':16} off-topic unanswered {counts[1]:3} of {counts[0]:3}   "
        f"on-topic unanswered {counts[3]:3} of {counts[2]:3}"
    )
    print_figures(counts)


if __name__ == "__main__":
    main()
