"""A knowledge base written by an attacker: script in every front-matter value and in the body.

Shared by the build tests (tests/test_xss.py) and the browser tests (tests/browser/test_xss.py).
Every payload that could run sets ``window.__pwned`` or opens a dialog.
"""

from __future__ import annotations

from pathlib import Path

TITLE = "<script>alert(1)</script> Title <img src=x onerror=alert(2)>"
SUMMARY = '"><script>alert(3)</script> summary'
FAQ = "Q </script><!--<script>alert(4)</script>-->"
CATEGORY = "Evil <img src=x onerror=alert('cat')>"
CATEGORY_DESCRIPTION = "\"><script>alert('catdesc')</script>"
# (marker found on the line, warning kb check prints for that line)
BODY: list[tuple[str, list[str]]] = [
    ("<script>window.__pwned = 1; alert('body')</script>", ["raw HTML removed: <script>"]),
    (
        '<img src="missing.png" alt="x" onerror="window.__pwned = 2; alert(\'img\')">',
        ["raw HTML removed: onerror attribute of <img>"],
    ),
    (
        "[click me](javascript:window.__pwned=3)",
        ["unsafe link removed: javascript:window.__pwned=3"],
    ),
    (  # the whole destination, parentheses and all, as Markdown reads it
        "[or me](javascript:alert(window.__pwned=11))",
        ["unsafe link removed: javascript:alert(window.__pwned=11)"],
    ),
    ('<iframe src="javascript:parent.__pwned=4"></iframe>', ["raw HTML removed: <iframe>"]),
    (
        '<p id="hover" onmouseover="window.__pwned=5">hover me</p>',
        ["raw HTML removed: onmouseover attribute of <p>"],
    ),
    (
        "<svg><script>window.__pwned=6</script></svg>",
        ["raw HTML removed: <script>", "raw HTML removed: <svg>"],
    ),
    (
        '<a id="jslink" href="javascript:window.__pwned=7">raw link</a>',
        ['raw HTML removed: <a href="javascript:window.__pwned=7">'],
    ),
    (
        '<details open ontoggle="window.__pwned=8"><summary>More</summary>Hidden</details>',
        ["raw HTML removed: ontoggle attribute of <details>"],
    ),
    ('## A heading { onclick="window.__pwned=9" }', ["attribute removed: {: onclick }"]),
    (
        '<div id="kb-config">{"api": "https://evil.example"}</div>',  # the portal's own id
        ['raw HTML removed: <div id="kb-config">'],
    ),
]
SAFE = """\
| Key | Does |
|-----|------|
| <kbd>Ctrl</kbd> | copies |

<details><summary>Safe details</summary>Inside.</details>

![A diagram](diagram.png)

[Our site](https://example.com/) and <https://example.com/auto>.

!!! note
    An admonition survives.

```html
<script>window.__codeblock = 1</script>
```
"""


def article_text() -> str:
    """The hostile article: front matter, every payload on a line of its own, then safe HTML."""
    fm = (
        f"---\ntitle: {_yaml(TITLE)}\nsummary: {_yaml(SUMMARY)}\nid: evil-title\n"
        f"faq: {_yaml(FAQ)}\nrelated: [plain]\n---\n\nBody text.\n\n"
    )
    return fm + "".join(f"{line}\n\n" for line, _ in BODY) + SAFE


def expected_warnings(path: str = "content/evil/title.md") -> list[str]:
    """Every line `kb check` prints about the hostile article, in its order (path, line)."""
    lines = article_text().split("\n")
    out = []
    for marker, warnings in BODY:
        n = lines.index(marker) + 1
        out += [f"{path}:{n}: warning: {w}" for w in sorted(warnings)]
    return out


def _yaml(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_kb(root: Path, *, trust_raw_html: bool = False) -> Path:
    """Write the hostile knowledge base into ``root`` (content/ and site_config.yml)."""
    content = root / "content"
    (content / "evil").mkdir(parents=True, exist_ok=True)
    (content / "evil" / "_category.yml").write_text(
        f"title: {_yaml(CATEGORY)}\ndescription: {_yaml(CATEGORY_DESCRIPTION)}\n",
        encoding="utf-8",
    )
    (content / "evil" / "title.md").write_text(article_text(), encoding="utf-8")
    (content / "evil" / "plain.md").write_text(
        "---\ntitle: Plain article\nsummary: Nothing to see.\nid: plain\nrelated: [evil-title]\n"
        "---\n\nA plain article that lists the hostile one as related.\n",
        encoding="utf-8",
    )
    (root / "site_config.yml").write_text(
        "site:\n  name: Evil Help\n  url: http://127.0.0.1:8000\n  featured: [evil-title]\n"
        f"content:\n  trust_raw_html: {str(trust_raw_html).lower()}\n",
        encoding="utf-8",
    )
    return root
