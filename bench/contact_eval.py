"""Contact-form suggestions against /api/search: top-3 hit rate on the customer query sets.

    .venv/bin/python bench/contact_eval.py

Builds the example KB (content/, site_config.yml) into a temporary folder, starts the real app
on it, and sends every query of bench/queries/tandem.csv two ways through the app: as a
contact subject (/api/suggest, limit 3, what the contact page asks as the visitor types) and as
a search (/api/search, limit 3). A hit is an expected article among the three. The contact page
shows the three whether or not the search is answered (a near miss is labelled "not an exact
match").
"""

from __future__ import annotations

import csv
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import feedback_api  # noqa: E402
from kb_builder.build import build_site  # noqa: E402
from kb_core.config import load_config  # noqa: E402


def main() -> None:
    with (ROOT / "bench" / "queries" / "tandem.csv").open(encoding="utf-8") as f:
        rows = [(r["query"], set(r["expected"].split("|"))) for r in csv.DictReader(f)]
    with tempfile.TemporaryDirectory() as tmp:
        config, problems = load_config(ROOT / "site_config.yml")
        build_site(ROOT / "content", config, Path(tmp) / "build", config_problems=problems)
        app = feedback_api.create_app(
            {
                "BUILD_DIR": str(Path(tmp) / "build"),
                "SITE_CONFIG": str(ROOT / "site_config.yml"),
                "DATABASE_URL": f"sqlite:///{tmp}/kb.sqlite3",
                "OUTBOX_WORKER": False,
                "TESTING": True,
                "RATELIMIT_ENABLED": False,
            }
        )
        client = app.test_client()
        contact = search = same = 0
        for query, want in rows:
            typed = client.get("/api/suggest", query_string={"q": query, "limit": 3}).get_json()
            found = client.get("/api/search", query_string={"q": query, "limit": 3}).get_json()
            shown = [s["id"] for s in typed["suggestions"]]
            ranked = [r["id"] for r in found["results"]]
            contact += bool(set(shown) & want)
            search += bool(set(ranked) & want)
            same += [s["id"] for s in typed["suggestions"]] == ranked
            if not set(shown) & want:
                print(f"  contact miss: {query!r} -> {shown or 'nothing shown'}")
        feedback_api.shutdown(app)
    n = len(rows)
    print(f"tandem.csv, {n} customer queries, example KB:")
    print(f"  contact suggestions top-3 hit rate {contact / n:.1%} ({contact}/{n})")
    print(f"  /api/search top-3 hit rate         {search / n:.1%} ({search}/{n})")
    print(f"  same three articles in the same order: {same}/{n}")


if __name__ == "__main__":
    main()
