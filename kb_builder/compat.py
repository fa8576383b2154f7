"""Turn Markdown written for other site generators into Markdown that MkDocs renders.

Real knowledge bases arrive from Jekyll, Docusaurus and Microsoft Learn. Rather than fail or
print their syntax as text, we translate what has an equivalent (admonitions, alerts) and drop
what only made sense to the old generator (Liquid tags, MDX imports, moniker fences).
"""

from __future__ import annotations

import re

_MDX_IMPORT = re.compile(r"^import\s+[\w{}\s,*]+\s+from\s+['\"][^'\"]+['\"];?\s*$")
_LIQUID_TAG = re.compile(r"\{%-?.*?-?%\}")
_LIQUID_VAR = re.compile(r"\{\{-?\s*site\.[\w.]+\s*-?\}\}")
_KRAMDOWN_IAL = re.compile(r"\{:\s*[^}\n]*\}")
_DOCUSAURUS_OPEN = re.compile(
    r"^(\s*):::\s*(tip|note|info|warning|caution|danger|important)\b\s*(.*)$"
)
_FENCE_CLOSE = re.compile(r"^\s*:::\s*$")
_MS_TRIPLE = re.compile(r"^\s*:::\s*(moniker|zone|row|column|image|code)[^\n]*$")
_MS_IMAGE_INLINE = re.compile(r":::image\b[^\n]*?:::")
_MS_ALERT = re.compile(r"^>\s*\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*$", re.IGNORECASE)
_MS_INCLUDE = re.compile(r"\[!INCLUDE\s*\[[^\]]*\]\([^)]*\)\]", re.IGNORECASE)
_MS_DIV = re.compile(r"^>\s*\[!div[^\]]*\]\s*$", re.IGNORECASE)
_JSX_SELF_CLOSING = re.compile(r"<[A-Z][\w.]*(\s[^<>]*)?/>")
_JSX_OPEN = re.compile(r"^\s*<[A-Z][\w.]*(\s|$)")
_JSX_EXPR_ATTR = re.compile(r"<(\w+)[^<>]*=\{[^<>]*\}[^<>]*/?>")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _admonition(kind: str, title: str) -> str:
    kind = {"caution": "danger"}.get(kind, kind)
    title = title.strip()
    return f'!!! {kind} "{title}"' if title else f"!!! {kind}"


def to_mkdocs(markdown: str) -> str:
    """Translate foreign syntax outside code fences; never raises."""
    out: list[str] = []
    in_fence = False
    in_docusaurus = False
    in_alert = False
    in_jsx = False  # a capitalised JSX component spread over several lines
    for line in markdown.split("\n"):
        if in_jsx:
            in_jsx = ">" not in line
            continue
        if _FENCE.match(line):
            in_fence = not in_fence
        if in_fence:
            out.append(("    " + line) if in_docusaurus or in_alert else line)
            continue
        if in_alert:
            if line.startswith(">"):
                out.append("    " + line[1:].removeprefix(" "))
                continue
            in_alert = False
        if in_docusaurus and _FENCE_CLOSE.match(line):
            in_docusaurus = False
            out.append("")
            continue
        m = _DOCUSAURUS_OPEN.match(line)
        if m and not in_docusaurus:
            in_docusaurus = True
            out.append(_admonition(m.group(2), m.group(3)))
            continue
        if _MDX_IMPORT.match(line) or _MS_TRIPLE.match(line) or _MS_DIV.match(line):
            continue
        if _JSX_OPEN.match(line) and ">" not in line:
            in_jsx = True
            continue
        m = _MS_ALERT.match(line)
        if m:
            in_alert = True
            out.append(_admonition(m.group(1).lower(), ""))
            continue
        line = _MS_IMAGE_INLINE.sub("", line)
        line = _MS_INCLUDE.sub("", line)
        line = _LIQUID_VAR.sub("", line)
        line = _LIQUID_TAG.sub("", line)
        line = _KRAMDOWN_IAL.sub("", line)
        line = _JSX_SELF_CLOSING.sub("", line)
        line = _JSX_EXPR_ATTR.sub("", line)
        out.append(("    " + line if line.strip() else line) if in_docusaurus else line)
    return "\n".join(out)
