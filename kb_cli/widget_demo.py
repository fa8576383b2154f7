"""The help widget's demo host page, for ``kb serve --widget-demo``.

A stand-in for a customer's own product page, served on a second port (so from another origin
than the help center, as a real site would be). It embeds ``/widget.js`` from the portal with
the one tag, says where the visitor is with ``data-kb-context``, and has buttons that call
``KB.open({...})`` with places taken from the build's manifest. It sends the strict CSP the
README asks a host site for, so the demo also shows that the widget works under it.
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from kb_core.manifest import PUBLIC, Manifest, ManifestArticle, read_manifest

_ANY_ADDRESS = ("", "0.0.0.0", "::")
_HOST_NAME = re.compile(r"[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]")
_SCRIPT = """// The demo's buttons: each calls the widget's one global as its label says.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-kb-call]");
  if (!button) return;
  if (!window.KB) {
    document.getElementById("demo-status").textContent =
      "The widget has not loaded: is the help center running?";
    return;
  }
  const place = JSON.parse(button.dataset.kbCall);
  if (place === null) window.KB.close();
  else window.KB.open(place);
});
"""
_STYLE = """body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1f2328;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:14px 24px;font-weight:700}
main{max-width:760px;margin:0 auto;padding:8px 24px 96px}
section{background:#fff;border:1px solid #d0d7de;border-radius:10px;padding:4px 20px 16px;
margin:20px 0}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:10px;overflow:auto}
code{font:14px/1.4 ui-monospace,monospace}
ul.calls{list-style:none;padding:0}ul.calls li{margin:8px 0}
button{font:14px ui-monospace,monospace;padding:8px 12px;border:1px solid #57606a;
border-radius:6px;background:#fff;color:#1f2328;cursor:pointer}
button:focus-visible{outline:3px solid #0969da;outline-offset:2px}
#demo-status{color:#b3261e}
"""


def demo_origins(host: str, port: int) -> tuple[str, ...]:
    """The demo page's origins, to allow for this run: a loopback address by both its names."""
    shown = "127.0.0.1" if host in _ANY_ADDRESS else host
    names = ["127.0.0.1", "localhost"] if shown in ("127.0.0.1", "localhost") else [shown]
    return tuple(f"http://{name}:{port}" for name in names)


def demo_csp(portal: str) -> str:
    """What a host page's CSP needs for the widget (README), plus the page's own files."""
    return (
        f"default-src 'none'; script-src 'self' {portal}; connect-src {portal}; "
        f"img-src {portal}; style-src 'self'; base-uri 'none'; form-action 'none'"
    )


def _call(place: dict[str, str] | None) -> str:
    """The JavaScript a button stands for, shown as its label."""
    if place is None:
        return "KB.close()"
    inner = ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in place.items())
    return f"KB.open({{{inner}}})"


def _places(manifest: Manifest | None, featured: tuple[str, ...]) -> list[dict[str, str] | None]:
    """Buttons' places: the whole panel, a search, a category's suggestions, one article."""
    places: list[dict[str, str] | None] = [{}]
    articles: list[ManifestArticle] = list(manifest.articles) if manifest else []
    by_id = {a.id: a for a in articles}
    picks = [by_id[i] for i in featured if i in by_id] or articles[:1]
    if picks:
        first = picks[0]
        places.append({"query": first.title.lower()})
        categories = list(dict.fromkeys(a.category for a in picks + articles if a.category))
        places += [{"category": slug} for slug in categories[:2]]
        places.append({"article": first.id})
    return [*places, None]


def demo_page(portal: str, manifest: Manifest | None, featured: tuple[str, ...]) -> str:
    """The demo host page: the one tag, data-kb-context, and KB.open buttons."""
    places = _places(manifest, featured)
    contexts = [p["category"] for p in places if p and "category" in p]
    context = contexts[0] if contexts else ""
    attr = f' data-kb-context="{html.escape(context)}"' if context else ""
    tag = f'<script src="{html.escape(portal)}/widget.js" data-kb{attr} async></script>'
    buttons = "".join(
        f"<li><button type=\"button\" data-kb-call='{html.escape(json.dumps(p), quote=True)}'>"
        f"{html.escape(_call(p))}</button></li>"
        for p in places
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Widget demo: your product</title><link rel="stylesheet" href="/demo.css"></head>
<body><header>Your product (a demo host page)</header>
<main>
<h1>The help widget on your own site</h1>
<p>This page stands in for your product. It is served from another origin than the help
center at <a href="{html.escape(portal)}/">{html.escape(portal)}</a>, which this run of
<code>kb serve --widget-demo</code> allows without an edit to
<code>widget.allowed_origins</code>. Use the <strong>Help</strong> button in the corner.</p>
<section aria-labelledby="tag-title"><h2 id="tag-title">The one tag</h2>
<pre><code>{html.escape(tag)}</code></pre>
<p><code>data-kb-context</code> says where the visitor is: the panel opens with suggestions
for it. This page also sends the CSP the README asks for:</p>
<pre><code>{html.escape(demo_csp(portal))}</code></pre></section>
<section aria-labelledby="calls-title"><h2 id="calls-title">Open it from your code</h2>
<ul class="calls">{buttons}</ul><p id="demo-status" role="status"></p></section>
</main>
<script src="/demo.js"></script>
{tag}
</body></html>
"""


class DemoServer:
    """The demo page on its own port, in a background thread, until :meth:`stop`."""

    def __init__(
        self, host: str, port: int, portal_port: int, build_dir: Path, featured: tuple[str, ...]
    ) -> None:
        manifest = read_manifest(build_dir / PUBLIC)

        def page(host_header: str) -> tuple[bytes, str]:
            # the help center at the address the browser used for this page, on its own port
            name = host_header.rsplit(":", 1)[0]
            if not _HOST_NAME.fullmatch(name):
                name = "127.0.0.1"
            portal = f"http://{name}:{portal_port}"
            return demo_page(portal, manifest, featured).encode("utf-8"), portal

        self._server = ThreadingHTTPServer((host, port), _handler(page))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="kb-widget-demo", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(page: Callable[[str], tuple[bytes, str]]) -> type[BaseHTTPRequestHandler]:
    class Demo(BaseHTTPRequestHandler):
        server_version = "kb-widget-demo"

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = self.path.split("?", 1)[0]
            body, portal = page(self.headers.get("Host", ""))
            files = {
                "/": ("text/html; charset=utf-8", body),
                "/index.html": ("text/html; charset=utf-8", body),
                "/demo.js": ("text/javascript; charset=utf-8", _SCRIPT.encode("utf-8")),
                "/demo.css": ("text/css; charset=utf-8", _STYLE.encode("utf-8")),
            }
            kind, data = files.get(path, ("text/plain; charset=utf-8", b"Not found\n"))
            self.send_response(200 if path in files else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Security-Policy", demo_csp(portal))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the portal's log is the one that matters

    return Demo
