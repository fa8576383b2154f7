"""What "N articles found" counts: the results matching well (``SearchResponse.matches``).

    .venv/bin/python bench/match_count.py [--build DIR]

Builds the example KB (or reads ``--build``) and runs the example's training searches
(bench/queries/answers_train/tandem.csv and typos_train/content.csv) for each share of the best
result's score a result must reach to be counted: how often the expected article is among
those counted (of the answered searches that show it in the first 10), and how many articles
are counted on average, next to the API's ``total`` (every article with any word of the
search). MATCH_SHARE (kb_core/search/searcher.py) is chosen from these figures.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TRAINING = (
    ROOT / "bench" / "queries" / "answers_train" / "tandem.csv",
    ROOT / "bench" / "queries" / "typos_train" / "content.csv",
)
SHARES = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def _build(out: Path) -> Path:
    """A real build of the shipped example into ``out``."""
    from kb_builder.build import build_site
    from kb_core.config import load_config

    config, problems = load_config(ROOT / "site_config.yml")
    build_site(ROOT / "content", config, out, config_problems=problems)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", type=Path, help="an existing build of the example")
    args = ap.parse_args()
    from kb_core.search.searcher import MATCH_SHARE, Searcher

    with tempfile.TemporaryDirectory() as tmp:
        build = args.build or _build(Path(tmp) / "build")
        searcher = Searcher(build / "index" / "public")
        rows = []
        for path in TRAINING:
            with path.open(encoding="utf-8") as f:
                rows += [(r["query"], set(r["expected"].split("|"))) for r in csv.DictReader(f)]
        found = [(searcher.search(q, limit=10), expected) for q, expected in rows]
        searcher.close()
    shown = [(r, e) for r, e in found if r.answered and e & {h.id for h in r.results}]
    print(f"{len(rows)} training searches, {len(shown)} answered showing the expected article")
    print(f"total (any word): mean {statistics.mean(r.total for r, _ in found):.1f}")
    for share in SHARES:
        inside, counted = 0, 0
        for r, expected in shown:
            floor = share * r.results[0].score
            strong = {h.id for h in r.results if h.score >= floor}
            inside += bool(expected & strong)
            counted += len(strong)
        mark = "  <- MATCH_SHARE" if abs(share - MATCH_SHARE) < 1e-9 else ""
        print(
            f"share {share:.1f}: expected counted {inside}/{len(shown)} "
            f"({inside / len(shown):.3f}), mean count {counted / len(shown):.2f}{mark}"
        )


if __name__ == "__main__":
    main()
