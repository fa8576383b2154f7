"""The help widget's cost: gzipped sizes against the budgets, and time to first results.

    .venv/bin/python bench/widget_size.py [--runs 15] [--build DIR]

Builds the example KB (or reads ``--build``), prints the launcher (``widget.js``, what every
host page pays) and the whole widget (launcher + ``widget-panel.js``) gzipped at level 9 next
to the 5 KB and 25 KB budgets, then serves the build with the real app on a loopback port and
a host page on a second one, opens the panel in Debian's headless Chromium, and types queries:
the time from the last keystroke to the first results drawn in the panel, median and worst
(the panel asks /api/suggest after a 60 ms pause; no other traffic on the machine counts).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import statistics
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LAUNCHER_BUDGET, TOTAL_BUDGET = 5 * 1024, 25 * 1024
QUERIES = (
    "refund",
    "reset password",
    "clock in",
    "invoice",
    "two factor",
    "time off",
    "export timesheet",
    "cancel plan",
    "invite team",
    "shift swap",
    "payment failed",
    "vat number",
    "mobile app",
    "sso",
    "overtime",
)
_TIMED = """async (q) => {
  const root = document.querySelector('[data-kb-widget]').shadowRoot;
  const box = root.querySelector('#kb-w-q');
  const results = root.querySelector('.kb-results');
  box.value = ''; box.dispatchEvent(new Event('input'));
  await new Promise(r => setTimeout(r, 150));
  results.replaceChildren();
  return await new Promise((resolve) => {
    let typed = 0;
    const seen = new MutationObserver(() => {
      if (typed && results.querySelector('.kb-list li, .kb-muted')) {
        seen.disconnect(); resolve(performance.now() - typed);
      }
    });
    seen.observe(results, {childList: true, subtree: true});
    box.value = q; typed = performance.now(); box.dispatchEvent(new Event('input'));
  });
}"""


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve(server: Any) -> None:
    threading.Thread(target=server.serve_forever, daemon=True).start()


def timings(build: Path, runs: int) -> list[float]:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    import feedback_api
    from kb_core.config import load_config

    pages = Path(tempfile.mkdtemp(prefix="kb-widget-host-"))
    host = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(pages)))
    _serve(host)
    origin = f"http://127.0.0.1:{host.server_address[1]}"
    config, _ = load_config(ROOT / "site_config.yml")
    widget = config.widget.model_copy(update={"allowed_origins": (origin,)})
    db = pages / "kb.sqlite3"
    app = feedback_api.create_app(
        {
            "BUILD_DIR": str(build),
            "SITE_CONFIG": config.model_copy(update={"widget": widget}),
            "DATABASE_URL": f"sqlite:///{db}",
            "OUTBOX_WORKER": False,
            "TESTING": True,
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    _serve(server)
    help_url = f"http://127.0.0.1:{server.server_port}"
    (pages / "index.html").write_text(
        f'<!doctype html><title>Host</title><script src="{help_url}/widget.js" data-kb async>'
        "</script>",
        encoding="utf-8",
    )
    found: list[float] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(origin + "/index.html")
        page.locator("[data-kb-widget] button").click()
        page.locator("[data-kb-widget] #kb-w-q").wait_for()
        page.evaluate(_TIMED, "warm up")
        for i in range(runs):
            found.append(page.evaluate(_TIMED, QUERIES[i % len(QUERIES)]))
        browser.close()
    server.shutdown()
    host.shutdown()
    feedback_api.shutdown(app)
    return found


def main() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--build", type=Path, help="An existing build (default: build one).")
    args = parser.parse_args()
    build = args.build
    if build is None:
        from kb_builder.build import build_site
        from kb_core.config import load_config

        config, problems = load_config(ROOT / "site_config.yml")
        build = Path(tempfile.mkdtemp(prefix="kb-widget-build-"))
        build_site(ROOT / "content", config, build, config_problems=problems)
    launcher = (build / "public" / "widget.js").read_bytes()
    panel = (build / "public" / "widget-panel.js").read_bytes()
    small, total = gz(launcher), gz(launcher) + gz(panel)
    print(f"launcher widget.js      {small / 1024:6.2f} KB gzipped   (budget 5 KB)")
    print(f"whole widget            {total / 1024:6.2f} KB gzipped   (budget 25 KB)")
    found = timings(build, args.runs)
    print(
        f"typing -> first results  median {statistics.median(found):6.1f} ms, "
        f"worst {max(found):6.1f} ms over {len(found)} queries   (target 150 ms)"
    )
    ok = small <= LAUNCHER_BUDGET and total <= TOTAL_BUDGET
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
