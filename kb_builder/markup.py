"""The Markdown every page is written in: the Python-Markdown extensions of the portal's pages
(rendered by MkDocs) and of FAQ answers (rendered outside it)."""

from __future__ import annotations

from typing import Any

# Python-Markdown extensions of every page (and of FAQ answers, rendered outside MkDocs).
MARKDOWN_EXTENSIONS: tuple[str | dict[str, dict[str, Any]], ...] = (
    {"toc": {"permalink": True}},
    "admonition",
    "attr_list",
    "md_in_html",
    "tables",
    "def_list",
    "pymdownx.details",
    "pymdownx.superfences",
    {"pymdownx.highlight": {"anchor_linenums": False}},
    "pymdownx.inlinehilite",
    {"pymdownx.tabbed": {"alternate_style": True}},
    {"pymdownx.tasklist": {"custom_checkbox": True}},
)
