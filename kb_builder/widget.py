"""The embeddable help widget's two files, published at the site root by ``assemble``.

``widget.js`` is the launcher (the one tag a host page adds; its button label comes from
``widget.labels``, its colours from ``widget.color`` or ``site.primary_color``),
``widget-panel.js`` the panel it loads on the first click, with its stylesheet inlined
(constructed in the Shadow DOM, so a host CSP need not allow styles). Sources: ``theme/widget/``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from kb_core.config import SiteConfig

SOURCES = Path(__file__).parent / "theme" / "widget"
LAUNCHER, PANEL = "widget.js", "widget-panel.js"
# the answer card's lines and table, shared with the portal (inlined into the panel)
ANSWER_JS = Path(__file__).parent / "theme" / "overrides" / "assets" / "kb" / "answer.js"

_WHITE, _DARK = "#ffffff", "#1f1f1f"  # Material's text on a primary colour: white or 87% black
_PANEL_DARK = "#161b22"  # the dark panel's background (panel.css)
# links also sit on the panel's shaded boxes (--soft: the answer card, notices)
SOFT_LIGHT, SOFT_DARK = "#f3f6f8", "#21262d"
_AA = 4.5  # WCAG 2 AA for text under 18.66 px bold: the launcher's 15 px label
# Material for MkDocs' primary colours (palette.css: --md-primary-fg-color) and whether it
# writes dark text on them; "white" is drawn as Material draws its primary buttons.
MATERIAL: dict[str, tuple[str, bool]] = {
    "red": ("#ef5552", False),
    "pink": ("#e92063", False),
    "purple": ("#ab47bd", False),
    "deep-purple": ("#7e56c2", False),
    "indigo": ("#4051b5", False),
    "blue": ("#2094f3", False),
    "light-blue": ("#02a6f2", False),
    "cyan": ("#00bdd6", False),
    "teal": ("#009485", False),
    "green": ("#4cae4f", False),
    "light-green": ("#8bc34b", False),
    "lime": ("#cbdc38", True),
    "yellow": ("#ffec3d", True),
    "amber": ("#ffc105", True),
    "orange": ("#ffa724", True),
    "deep-orange": ("#ff6e42", False),
    "brown": ("#795649", False),
    "grey": ("#757575", False),
    "blue-grey": ("#546d78", False),
    "black": ("#14151a", False),
    "white": ("#4051b5", False),
}
_DEFAULT = "indigo"  # Material's own default, also for a palette name it does not know


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _mix(colour: str, toward: str, t: float) -> str:
    pairs = zip(_rgb(colour), _rgb(toward), strict=True)
    return "#" + "".join(f"{round(c + (d - c) * t):02x}" for c, d in pairs)


def _until(colour: str, toward: str, against: str, ratio: float) -> str:
    """``colour`` moved toward ``toward`` in small steps until it contrasts ``ratio`` with
    ``against`` (black or white always gets there)."""
    for step in range(51):
        shade = _mix(colour, toward, step / 50)
        if contrast(shade, against) >= ratio:
            return shade
    return toward


@dataclass(frozen=True)
class WidgetColours:
    """The launcher's and panel's colours, each text on its background at 4.5:1 or more."""

    accent: str  # launcher, panel header and buttons
    on_accent: str  # their text
    hover: str  # the launcher under the pointer
    link: str  # links on the light panel, its shaded boxes included
    dark_accent: str  # header and buttons on the dark panel (prefers-color-scheme: dark)
    on_dark_accent: str
    dark_link: str

    def css(self) -> str:
        """Custom properties for the Shadow DOM's ``:host``; the panel's stylesheet reads them."""
        names = {
            "accent": self.accent,
            "on-accent": self.on_accent,
            "hover": self.hover,
            "link": self.link,
            "dark-accent": self.dark_accent,
            "on-dark-accent": self.on_dark_accent,
            "dark-link": self.dark_link,
        }
        return "".join(f"--kb-{k}:{v}!important;" for k, v in names.items())


def widget_colours(config: SiteConfig) -> WidgetColours:
    """Colours from ``widget.color``, else ``site.primary_color`` (a Material palette name or
    ``#rrggbb``): the hue kept, the shade moved just as far as the contrast needs."""
    wanted = (config.widget.color or config.site.primary_color).strip().lower()
    if wanted.startswith("#") and len(wanted) == 7:
        base = wanted
        dark_text = contrast(base, _WHITE) < _AA and contrast(base, _DARK) > contrast(base, _WHITE)
    else:
        base, dark_text = MATERIAL.get(wanted, MATERIAL[_DEFAULT])
    if dark_text:
        on, accent = _DARK, _until(base, _WHITE, _DARK, _AA)
        hover = _mix(accent, "#000000", 0.08)
        hover = hover if contrast(hover, _DARK) >= _AA else _mix(accent, _WHITE, 0.15)
    else:
        on, accent = _WHITE, _until(base, "#000000", _WHITE, _AA)
        hover = _mix(accent, "#000000", 0.18)
    # the dark panel: a lighter shade under dark text, and links light enough to read
    dark_accent = _until(base, _WHITE, _PANEL_DARK, 7.0)
    return WidgetColours(
        accent=accent,
        on_accent=on,
        hover=hover,
        link=_until(base, "#000000", SOFT_LIGHT, _AA),
        dark_accent=dark_accent,
        on_dark_accent=_until(_mix(base, "#000000", 0.85), "#000000", dark_accent, _AA),
        dark_link=_until(base, _WHITE, SOFT_DARK, _AA + 1),
    )


def _js_string(text: str) -> str:
    # JSON is a JavaScript string literal; "</" escaped keeps it inert should it ever be inlined
    return json.dumps(text, ensure_ascii=False).replace("</", "<\\/")


def widget_files(config: SiteConfig) -> dict[str, bytes]:
    """``{"widget.js": ..., "widget-panel.js": ...}`` for this site, or nothing when disabled."""
    if not config.widget.enabled:
        return {}
    label = config.widget_texts()["launcher"]
    # the other languages' launcher texts, by code; the launcher picks the host page's
    others = {c.lower(): config.widget_texts(c)["launcher"] for c in config.site.codes[1:]}
    launcher = (SOURCES / "widget.js").read_text(encoding="utf-8")
    launcher = launcher.replace('/*KB:launcher*/ "Help"', _js_string(label), 1)
    launchers = json.dumps(others, ensure_ascii=False).replace("</", "<\\/")
    launcher = launcher.replace("/*KB:launchers*/ {}", launchers, 1)
    launcher = launcher.replace('/*KB:colours*/ ""', _js_string(widget_colours(config).css()), 1)
    css = (SOURCES / "panel.css").read_text(encoding="utf-8")
    panel = (SOURCES / "panel.js").read_text(encoding="utf-8")
    panel = panel.replace('/*KB:css*/ ""', _js_string(css), 1)
    panel = panel.replace("/*KB:answer.js*/", ANSWER_JS.read_text(encoding="utf-8"), 1)
    return {LAUNCHER: launcher.encode("utf-8"), PANEL: panel.encode("utf-8")}
