"""How often ``kb gaps`` advises the right action, on hand-checked gap situations.

    .venv/bin/python bench/gaps_advice_eval.py          # the shipped thresholds
    .venv/bin/python bench/gaps_advice_eval.py --sweep  # the thresholds tried on the train part
    .venv/bin/python bench/gaps_advice_eval.py --groups # and every group and topic, as advised

Builds the example KB, fills a real SQLite store through the real API (Flask test client) with
the situations of tests/gaps/advice_cases.yml, runs the report and prints, per split, the share
of situations whose action is exactly the expected one, then every miss. ``--sweep`` reruns
the advice over a grid of ``gaps_advisor`` thresholds and prints the train share of each:
thresholds are chosen on the train part only; the test part is held out.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from datetime import date
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from feedback_api import create_app, shutdown  # noqa: E402
from kb_builder.build import build_site  # noqa: E402
from kb_core.config import load_config  # noqa: E402
from kb_reports.gaps import advisor as gaps_advisor  # noqa: E402
from kb_reports.gaps import words as gaps_words  # noqa: E402
from kb_reports.gaps.report import build_report  # noqa: E402
from tests.gaps.advice import advised, load_cases, play  # noqa: E402
from tests.gaps.conftest import GENEROUS, BufferedClient  # noqa: E402


def score(report_of, cases):  # type: ignore[no-untyped-def]
    report = report_of()
    out = {}
    for split in ("train", "test"):
        mine = [c for c in cases if c.split == split]
        got = [(c, advised(report, c)) for c in mine]
        out[split] = (sum(a == c.expect for c, a in got), len(mine), got)
    return out


def dump(report):  # type: ignore[no-untyped-def]
    """Every failed and weak group (portal, searches, action) and escalation topic's actions."""
    for name, section in (("failed", report.failed), ("weak", report.weak)):
        for g in section:
            portal = getattr(g, "portal", None) or g.language
            queries = ", ".join(f"{q} ({n})" for q, n in g.queries)
            said = g.action.text if g.action else "-"
            print(f"{name} #{g.rank} [{portal}] {queries}\n    {said}")
    for e in report.escalations:
        for a in getattr(e, "actions", None) or [e.action]:
            print(f"escalation #{e.rank} {e.topic}: {a.text}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--groups", action="store_true", help="print every group and its action")
    args = ap.parse_args()
    cases = load_cases()
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        data = yaml.safe_load((ROOT / "site_config.yml").read_text(encoding="utf-8"))
        data.setdefault("api", {}).update(GENEROUS)
        cfg_path = t / "site_config.yml"
        cfg_path.write_text(yaml.safe_dump(data), encoding="utf-8")
        config, problems = load_config(cfg_path)
        build_site(
            ROOT / "content",
            config,
            t / "build",
            config_problems=problems,
            today=date(2026, 11, 22),
        )
        url = f"sqlite:///{t / 'kb.sqlite3'}"
        app = create_app(
            {
                "TESTING": True,
                "BUILD_DIR": str(t / "build"),
                "SITE_CONFIG": str(cfg_path),
                "DATABASE_URL": url,
                "OUTBOX_WORKER": False,
                "RATELIMIT_STORAGE_URI": "memory://",
                "EVENTLOG_FLUSH_SECONDS": 0,
            }
        )
        app.test_client_class = BufferedClient
        play(app.test_client(), cases)

        def report_of():  # type: ignore[no-untyped-def]
            return build_report(
                config,
                database_url=url,
                build_dir=t / "build",
                content_dir=ROOT / "content",
                since="7d",
                limit=1000,
            )

        if args.sweep:
            print("ABOUT  WITH_WORDS  SYNONYM  WORD_ZIPF  train")
            for about, words, syn, zipf in itertools.product(
                (0.5, 0.55, 0.6, 0.65, 0.7), (0.35, 0.45, 0.55), (0.7, 0.78, 0.85), (0.5, 1.0, 1.5)
            ):
                gaps_advisor.ABOUT, gaps_advisor.ABOUT_WITH_WORDS = about, words
                gaps_advisor.SYNONYM, gaps_words.WORD_ZIPF = syn, zipf
                gaps_words.english_zipf.cache_clear()
                ok, n, _ = score(report_of, cases)["train"]
                print(f"{about:5}  {words:10}  {syn:7}  {zipf:9}  {ok}/{n}")
            return
        if args.groups:
            dump(report_of())
        result = score(report_of, cases)
        for split in ("train", "test"):
            ok, n, _ = result[split]
            print(f"{split}: {ok}/{n} correct actions ({ok / n:.0%})")
        ok = sum(r[0] for r in result.values())
        n = sum(r[1] for r in result.values())
        print(f"all: {ok}/{n} correct actions ({ok / n:.0%})")
        for split in ("train", "test"):
            for c, got in result[split][2]:
                if got != c.expect:
                    print(f"  miss [{split}] {c.id}: expected {c.expect!r}, got {got!r}")
        shutdown(app)


if __name__ == "__main__":
    main()
