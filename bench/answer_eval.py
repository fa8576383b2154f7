"""Measure the answer card (kb_core/search/answer/): precision and coverage.

    .venv/bin/python bench/answer_eval.py [--misses] [--no-held-out]

A card is right when the text shown answers the question: its article is one the query
expects and either its section's anchor is the one marked, or most (70%) of the marked
answer's words are in the card's text. Where a set marks no anchor (stackfaq: one answer
article per question, every section an answer to it), the article alone decides.
Precision = right cards / cards shown; coverage = cards shown / questions. Where sections are
judged, the count of cards from a right article that quote the right section (every card the
search could give, whatever its score) measures the choice of section apart from the article.

Training (the threshold is chosen here): bench/queries/answers_train/tandem.csv on the
example KB in content/, stackfaq group 0, and bench/queries/answers_train/<corpus>.csv for the
help centers (questions written apart from the held-out ones, some with no answer in the
corpus, where any card is wrong). The pick is the lowest threshold at which every training
set reaches PICK_PRECISION. Held out, never tuned on: bench/queries/answers/
<corpus>.csv (``query,expected,anchor,answer``) on ../shared/corpora/<corpus>, and stackfaq
group 1. Every card is computed without its threshold and the threshold applied here, so one
pass gives the whole precision/coverage curve.
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_eval import CORPORA, HELP_CENTERS, key, load_content_kb, load_corpus, ours  # noqa: E402

from kb_core.search.answer import card as search_answer  # noqa: E402
from kb_core.search.searcher import Searcher  # noqa: E402

QUERIES = ROOT / "bench" / "queries"
QUOTE_SHARE = 0.7  # of the marked answer's words that must be in the card's text
TARGET = 0.85
PICK_PRECISION = 0.9  # the threshold's rule on training sets: a margin over TARGET
_WORD = re.compile(r"\w+")


@dataclass
class Question:
    query: str
    expected: set[str]  # article keys (file names without extension)
    anchor: str  # '' when the set marks none
    quote: str


@dataclass
class Outcome:
    question: Question
    score: float | None  # the card's score, None: no card possible (not answered, no prose)
    right: bool
    shown: str
    quoted: bool = False  # the marked answer's words are in the card (a stricter test)
    ms: float = 0.0  # the search's time, card included
    article: bool = False  # the card's article is one expected (its section may not be)


def words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def judge(q: Question, searcher: Searcher) -> Outcome:
    start = time.perf_counter()
    found = searcher.search(q.query, limit=5)
    ms = (time.perf_counter() - start) * 1000
    card = found.answer
    if card is None:
        return Outcome(q, None, False, "", ms=ms)
    hit = next((h for h in found.results if h.id == card.id), None)
    article = key(hit.source) if hit else card.id
    right = article in q.expected
    quoted = words(q.quote)
    said = right and bool(quoted) and len(quoted & words(card.text)) >= QUOTE_SHARE * len(quoted)
    if right and (q.anchor or q.quote):
        right = (bool(q.anchor) and card.anchor == q.anchor) or said
    shown = f"{article}#{card.anchor}: {card.text}"
    return Outcome(q, card.score, right, shown, said, ms, article in q.expected)


def read_set(path: Path) -> list[Question]:
    with path.open(encoding="utf-8") as f:
        return [
            Question(
                r["query"],
                {key(w.strip() + ".md") for w in r["expected"].split("|")},
                (r.get("anchor") or "").strip(),
                (r.get("answer") or "").strip(),
            )
            for r in csv.DictReader(f)
        ]


def stackfaq(group: str) -> list[Question]:
    with (CORPORA / "stackfaq" / "queries.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["group"] == group]
    return [Question(r["query"], {key(r["article"])}, "", "") for r in rows]


def run(docs: list, questions: list[Question], synonyms: object = ()) -> list[Outcome]:
    with tempfile.TemporaryDirectory() as tmp:
        _rank, searcher = ours(docs, Path(tmp), synonyms=synonyms)
        with searcher:
            for q in questions[:3]:  # load the model and warm the caches before timing
                searcher.search(q.query)
            return [judge(q, searcher) for q in questions]


def curve(outcomes: list[Outcome], threshold: float) -> tuple[float, float, int]:
    shown = [o for o in outcomes if o.score is not None and o.score >= threshold]
    precision = sum(o.right for o in shown) / len(shown) if shown else 1.0
    return precision, len(shown) / max(1, len(outcomes)), len(shown)


def report(name: str, outcomes: list[Outcome], threshold: float, misses: bool) -> None:
    p, c, n = curve(outcomes, threshold)
    possible = sum(o.score is not None for o in outcomes)
    shown = [o for o in outcomes if o.score is not None and o.score >= threshold]
    quotes = [o.quoted for o in shown if o.question.quote]
    quoted = f"  quote in card={sum(quotes) / len(quotes):.3f}" if quotes else ""
    print(
        f"{name:<34} n={len(outcomes):>4}  cards={n:>4}  precision={p:.3f}  coverage={c:.3f}"
        f"  (answered+question: {possible}){quoted}"
    )
    if any(o.question.anchor or o.question.quote for o in outcomes):  # sections are judged
        sure = [o for o in outcomes if o.score is not None and o.article]
        print(
            f"{'':<34} right section, at any threshold, when the article is right: "
            f"{sum(o.right for o in sure)}/{len(sure)}"
        )
    ms = sorted(o.ms for o in outcomes)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    print(f"{'':<34} search with card: p50 {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms")
    if misses:
        for o in outcomes:
            if o.score is not None and o.score >= threshold and not o.right:
                print(
                    f"   WRONG {o.score:.3f} {o.question.query!r} want "
                    f"{sorted(o.question.expected)}#{o.question.anchor}\n"
                    f"         got {o.shown[:160]!r}"
                )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--misses", action="store_true", help="print the wrong cards shown")
    ap.add_argument("--no-held-out", action="store_true", help="training sets only")
    args = ap.parse_args()
    chosen = search_answer.CARD_THRESHOLD
    search_answer.CARD_THRESHOLD = -1.0  # every possible card; thresholds applied below

    example = load_content_kb()
    assert example is not None, "content/ is missing"
    faq_docs, _ = load_corpus(CORPORA / "stackfaq" / "articles")
    sets = {
        "tandem": run(example[0], read_set(QUERIES / "answers_train" / "tandem.csv"), example[1]),
        "faq0": run(faq_docs, stackfaq("0")),
    }
    corpus_docs = {}
    for name, root in HELP_CENTERS.items():  # help centers' training questions, when written
        path = QUERIES / "answers_train" / f"{name}.csv"
        if path.is_file() and root.is_dir():
            corpus_docs[name] = load_corpus(root)[0]
            sets[name] = run(corpus_docs[name], read_set(path))

    print(f"threshold sweep on the training sets ({', '.join(sets)}):")
    print(f"{'threshold':>10} " + " ".join(f"{n[:10] + ' P':>12} {'cov':>6}" for n in sets))
    pick = None
    for t in [x / 100 for x in range(30, 96, 2)]:
        cells = [curve(s, t) for s in sets.values()]
        if pick is None and all(p >= PICK_PRECISION for p, _, _ in cells):
            pick = t
        mark = "  <- chosen" if abs(t - chosen) < 1e-9 else ""
        print(f"{t:>10.2f} " + " ".join(f"{p:>12.3f} {c:>6.3f}" for p, c, _ in cells) + mark)
    print(
        f"\ntraining pick (lowest threshold where every training set reaches precision "
        f"{PICK_PRECISION}): {pick}; kb_core/search/answer/card.py holds {chosen}"
    )
    for name, outcomes in sets.items():
        report(f"{name} (training)", outcomes, chosen, args.misses)
    if args.no_held_out:
        return
    print("\nheld out (never tuned on):")
    report("stackfaq group 1", run(faq_docs, stackfaq("1")), chosen, args.misses)
    for name, root in HELP_CENTERS.items():
        path = QUERIES / "answers" / f"{name}.csv"
        if not path.is_file() or not root.is_dir():
            print(f"{name}: {path.relative_to(ROOT)} not present; skipped")
            continue
        docs = corpus_docs.get(name) or load_corpus(root)[0]
        report(f"{name} answers", run(docs, read_set(path)), chosen, args.misses)


if __name__ == "__main__":
    main()
