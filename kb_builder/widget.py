"""The embeddable help widget's two files, published at the site root by ``assemble``.

``widget.js`` is the launcher (the one tag a host page adds; its button label comes from
``widget.labels``), ``widget-panel.js`` the panel it loads on the first click, with its
stylesheet inlined (constructed in the Shadow DOM, so a host CSP need not allow styles).
Sources: ``theme/widget/``.
"""

from __future__ import annotations

import json
from pathlib import Path

from kb_core.config import SiteConfig

SOURCES = Path(__file__).parent / "theme" / "widget"
LAUNCHER, PANEL = "widget.js", "widget-panel.js"


def _js_string(text: str) -> str:
    # JSON is a JavaScript string literal; "</" escaped keeps it inert should it ever be inlined
    return json.dumps(text, ensure_ascii=False).replace("</", "<\\/")


def widget_files(config: SiteConfig) -> dict[str, bytes]:
    """``{"widget.js": ..., "widget-panel.js": ...}`` for this site, or nothing when disabled."""
    if not config.widget.enabled:
        return {}
    label = config.widget.texts()["launcher"]
    launcher = (SOURCES / "widget.js").read_text(encoding="utf-8")
    launcher = launcher.replace('/*KB:launcher*/ "Help"', _js_string(label), 1)
    css = (SOURCES / "panel.css").read_text(encoding="utf-8")
    panel = (SOURCES / "panel.js").read_text(encoding="utf-8")
    panel = panel.replace('/*KB:css*/ ""', _js_string(css), 1)
    return {LAUNCHER: launcher.encode("utf-8"), PANEL: panel.encode("utf-8")}
