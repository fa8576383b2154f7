"""Links and image paths are rewritten outside code only, code being what the portal's renderer
shows as code (kb_builder.code): a real `kb build`, and each rule against the real renderer."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import markdown
import pytest

from kb_builder.build import build_site
from kb_builder.code import outside_code
from kb_builder.markup import MARKDOWN_EXTENSIONS
from kb_core.config import SiteConfig
from tests.conftest import TODAY, write
from tests.test_images import png

AT = datetime(2026, 11, 22, tzinfo=UTC)
PAY = """---
title: Pay
summary: s
---

Inline `[code](target.md)` and ``[two `ticks`](target.md)`` are shown as written.
[`target.md`](target.md) and [`gone`](gone.md) have code for their text.
See [the cat](../My%20Cat/index.md) and [its intro](<../My Cat/index.md>).

```
[fenced](target.md)
```Output
[still code](gone.md)
```

After the block: [gone](gone.md), [soon](later.md) and ![a picture](images/a.png).
"""


def page(out: Path, url: str) -> str:
    return (out / "public" / url / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("links")
    content = root / "c"
    write(content, "g/target.md", "---\ntitle: Target\nsummary: s\n---\n\nText.\n")
    write(
        content,
        "g/later.md",
        "---\ntitle: Later\nsummary: s\npublish_at: 2030-01-01T00:00:00Z\n---\n\nText.\n",
    )
    write(content, "My Cat/in-cat.md", "---\ntitle: In the cat\nsummary: s\n---\n\nText.\n")
    write(content, "My Cat/index.md", "The cat's intro.\n")
    write(content, "g/pay.md", PAY)
    (content / "g" / "images").mkdir()
    (content / "g" / "images" / "a.png").write_bytes(png(4, 4, (0, 0, 0)))
    build_site(content, SiteConfig(), root / "b", today=TODAY, at=AT)
    return root / "b"


def test_a_link_in_code_is_shown_as_written(built: Path) -> None:
    """`_resolve_links` rewrote .md links in code spans and fenced blocks to URLs."""
    html = page(built, "g/pay/")
    assert "<code>[code](target.md)</code>" in html
    assert "<code>[two `ticks`](target.md)</code>" in html
    assert "[fenced](target.md)" in html
    # a link whose text is code is a link all the same
    assert '<a href="../target/"><code>target.md</code></a>' in html
    assert "<code>gone</code> have code" in html


def test_a_fence_closes_only_at_its_own_closing_line(built: Path) -> None:
    """```` ```Output ```` inside a block closed it for the build, which then took what follows
    the real closing fence for code: a broken link and a link to an article not yet published
    went out as they were (``href="later.md"``), and the image was never published."""
    html = page(built, "g/pay/")
    assert "[still code](gone.md)" in html  # code, as written
    assert "After the block: gone, soon and" in html
    assert not re.search(r'href="[^"]*(?:gone|later)', html)
    assert '<img alt="a picture" src="../images/a.png"' in html
    assert (built / "public" / "g" / "images" / "a.png").is_file()


def test_a_link_to_a_category_by_its_folder_is_its_page(built: Path) -> None:
    """A link to a folder's intro with its name percent-encoded ('My%20Cat/index.md') was kept
    by one pass (which decoded it) and left as written by the next (which did not): a 404."""
    html = page(built, "g/pay/")
    cat = '<a href="../../my-cat/">'
    assert f"See {cat}the cat</a> and {cat}its intro</a>" in html


def _renderer() -> Any:
    names = [e if isinstance(e, str) else next(iter(e)) for e in MARKDOWN_EXTENSIONS]
    configs = {k: v for e in MARKDOWN_EXTENSIONS if isinstance(e, dict) for k, v in e.items()}
    return markdown.Markdown(extensions=names, extension_configs=configs)


# Each link [Ln](tn.md) is one the renderer shows as a link (ours) or as code (written as is).
@pytest.mark.parametrize(
    "text",
    [
        "```\ncode\n```Output\n[L0](t0.md)\n```\n\n[L1](t1.md)",  # cpp-docs' rand.md
        "~~~\n```\n[L0](t0.md)\n~~~\n[L1](t1.md)",
        "```\n[L0](t0.md)\n````\n```\n[L1](t1.md)",  # a longer fence is code too
        '```cpp title="x"\n[L0](t0.md)\n```\n[L1](t1.md)',
        "```cpp foo\n[L0](t0.md)\n```\n[L1](t1.md)",  # no fence: an unknown option
        "```a``` [L0](t0.md)",
        "```\ncode\n[L0](t0.md)",  # never closed: no fence
        "```\n[L0](t0.md)\n   ```\n\n[L1](t1.md)",  # closed at another indent: no fence...
        "1. Step\n\n    ```bash\n    [L0](t0.md)\n    ```\n\n[L1](t1.md)",
        "1. Step\n\n    ```bash\n    [L0](t0.md)\n```\n\n[L1](t1.md)",
        "> ```\n> [L0](t0.md)\n> ```\n\n[L1](t1.md)",
        "\t```\n\t[L0](t0.md)\n    ```\n[L1](t1.md)",
        "`[L0](t0.md)` [L1](t1.md) ``[L2](t2.md) ` `` [L3](t3.md)",
        "\\`[L0](t0.md)` and \\\\`[L1](t1.md)`",
        "```[L0](t0.md)` [L1](t1.md)",  # the opening's extra backticks are text
        "`` [L0](t0.md) ` [L1](t1.md)",
        "`a\n[L0](t0.md) b` [L1](t1.md)",  # a span runs on within a paragraph
        "# A `b\n[L0](t0.md) c` [L1](t1.md)",  # not out of a heading
        "- a `b\n- [L0](t0.md) c` [L1](t1.md)",  # nor from one item to the next
        "text `b\n- [L0](t0.md) c` [L1](t1.md)",  # a list starts after a blank line only
        "[`x`](t0.md) [a `]` b](t1.md)",
    ],
)
def test_outside_code_finds_the_links_the_renderer_makes(text: str) -> None:
    html = _renderer().convert(text)
    rewritten = outside_code(text, lambda s: re.sub(r"\]\(t(\d)\.md\)", r"](u\1.md)", s), bool)
    for n in range(text.count("](t")):
        assert (f'href="t{n}.md"' in html) == (f"](u{n}.md)" in rewritten), (n, html)
    # what is not changed is kept byte for byte
    assert re.sub(r"\]\(u", "](t", rewritten) == text
