"""Links and image paths are rewritten outside code only, code being what the portal's renderer
shows as code (kb_builder.code): a real `kb build`, and each rule against the real renderer."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import markdown
import pytest

from kb_builder.build import build_site
from kb_builder.code import outside_code, prose_lines
from kb_builder.markup import MARKDOWN_EXTENSIONS
from kb_builder.plaintext import plain_text
from kb_builder.references import definitions, point_definitions, unlink_references
from kb_core.config import SiteConfig
from tests.conftest import TODAY, write
from tests.test_images import png

AT = datetime(2026, 11, 22, tzinfo=UTC)
KB = Path(sys.executable).with_name("kb")
LATER = (
    "link to an article that is not published yet (it publishes 2030-01-01 00:00 UTC): "
    "later.md; until then the portal shows the link's text without the link"
)
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
Two backticks: ``[a `tick`](gone.md)`` is code.
"""
# reference-style links: each definition points as an inline link to its target does
REFS = """---
title: Refs
summary: s
---

See [the target][t], [Target][], [target], [the cat][cat] and [the file] [f].
Not shown as links: [gone][g], [soon][l], [inside] and [INSIDE][].
Code: `[code][t]` and ``[g]`` are shown as written.
Drafts: [the draft](draft.md) and [the draft][dr].

```
[fenced][t]
[t]: gone.md
```

[t]: target.md#usage "The target"
[Target]: <target.md>
[cat]: ../My%20Cat/index.md
[f]: My%20File.md
[g]: gone.md
[l]: later.md
  [inside]: ../Inside/index.md
[dr]: draft.md#top
"""

# an FAQ answer (the section that answers) whose reference links are defined below it
ASKED = """---
title: Asked
summary: s
faq: How do I ask?
---

## Ask

Ask [the target][t] by [mail], or [gone][g], [soon][l] and [the draft][dr].

## More

Text.

[t]: ../g/target.md#usage "The target"
[mail]: mailto:help@x.example
[g]: ../g/gone.md
[l]: ../g/later.md
[dr]: ../g/draft.md
"""
# an FAQ answer linking to categories and writing a link in code and one in angle brackets
CATS = """---
title: Cats
summary: s
faq: Where are the categories?
faq_answer: |-
  In [the outside](index.md#top), [my cat][cat], [the inside](../Inside/index.md) and
  [nowhere](../Nowhere/index.md); `[code](index.md)`, ``[`more`](<../g/My File.md>)`` and
  [the file](<../g/My File.md>).
---

Text.

[cat]: ../My%20Cat/index.md
"""
# reference definitions as Python-Markdown reads them: the target on the next line, the
# definition indented up to three spaces; and three it does not read (code, and text after
# the target)
DEFS = """---
title: Defs
summary: s
---

Next line: [a][a], [b][b] and [c][c]. Indented: [d][d]. A picture: ![b][p].
Not definitions: [e][e], [f][f] and [g][g].

[a]:
    gone.md
[p]:
    images/b.png
   [b]:
   target.md#usage "Usage"
[c]:
  target.md#nope
  [d]: gone.md

    [e]: gone.md

\t[g]: gone.md

[f]: gone.md and more
"""
# reference definitions in containers, which Python-Markdown reads as it reads the container's
# lines: in a quote (its target on the next line), indented in a list item, as a list item, in an
# admonition; and two it does not read (an item's line run on, and code in a quote)
CONTAINED = """---
title: Contained
summary: s
---

Quoted: [the usage][q] and ![c][pic]. Listed: [gone][l] and [nope][n]. Noted: [the cat][cat].
Not definitions: [x][x] and [y][y].

> A quote.
> [q]: target.md#usage
> [pic]:
>     images/c.png

- An item.

    [l]: gone.md

* [n]: target.md#nope

!!! note
    [cat]: ../My%20Cat/index.md

- Another item.
    [x]: gone.md

>     [y]: gone.md
"""
# an internal article linking to categories: one only public articles fill (on the public
# site), one no live article fills (its text), inline and by reference
DESK = """---
title: Desk
summary: s
visibility: internal
---

See [refs][r] and [the desk][d].

Outside: [its page](../Outside/index.md#top), [by reference][o] and [in][i].

Empty: [its page](../Empty/index.md) and [by reference][e].

[r]: ../g/refs.md
[d]: <desk.md#top>
[o]: ../Outside/index.md
[i]: index.md
[e]: ../Empty/index.md
"""


def page(out: Path, url: str) -> str:
    return (out / "public" / url / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("links")
    content = root / "c"
    write(content, "g/target.md", "---\ntitle: Target\nsummary: s\n---\n\n## Usage\n\nText.\n")
    write(content, "g/My File.md", "---\ntitle: My file\nsummary: s\n---\n\nText.\n")
    write(content, "g/refs.md", REFS)
    write(content, "g/draft.md", "---\ntitle: Draft\nsummary: s\nvisibility: draft\n---\n\nx\n")
    # a category only internal articles fill, and an internal article linking by reference
    write(content, "Inside/index.md", "The inside's intro.\n")
    write(content, "Inside/desk.md", DESK)
    # a category only a draft is in: no portal shows it
    write(content, "Empty/index.md", "The empty one's intro.\n")
    write(content, "Empty/soon.md", "---\ntitle: Soon\nsummary: s\nvisibility: draft\n---\n\nx\n")
    # a category only public articles fill, and an FAQ answer linking by reference
    write(content, "Outside/index.md", "The outside's intro.\n")
    write(content, "Outside/asked.md", ASKED)
    write(content, "Outside/cats.md", CATS)
    write(content, "g/defs.md", DEFS)
    write(content, "g/contained.md", CONTAINED)
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
    (content / "g" / "images" / "b.png").write_bytes(png(4, 4, (9, 9, 9)))
    (content / "g" / "images" / "c.png").write_bytes(png(4, 4, (5, 5, 5)))
    build_site(content, SiteConfig(), root / "b", today=TODAY, at=AT)
    return root / "b"


def kb_check(built: Path) -> list[dict[str, Any]]:
    """`kb check`'s problems with the fixture's content, as a real process reports them."""
    content = built.parent / "c"
    res = subprocess.run(
        [str(KB), "check", "--content", str(content), "--format", "json", "--at", "2026-11-22"],
        capture_output=True,
        text=True,
        check=False,
    )
    problems: list[dict[str, Any]] = json.loads(res.stdout)
    return problems


def reported(built: Path, name: str, text: str) -> list[tuple[str, str]]:
    """(line, code) of each problem `kb check` reports in the fixture's article ``name``
    (written as ``text``), in order."""
    lines = text.split("\n")
    found = [
        (lines[p["line"] - 1].strip(), p["code"])
        for p in kb_check(built)
        if p["path"].endswith(name)
    ]
    return sorted(found)


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


def test_kb_check_judges_the_links_the_build_judges(built: Path) -> None:
    """`kb check` found code by toggling at every line starting with three backticks: after
    ```` ```Output ```` in a block it checked a link the portal shows as code, then skipped the
    links after the block that the build publishes; and it took ``[a `tick`](gone.md)`` in
    a two-backtick span for a link. It reads code as the build does."""
    lines = PAY.split("\n")  # the whole file: its first line is line 1
    found = [
        (lines[p["line"] - 1][:15], p["code"], p["message"])
        for p in kb_check(built)
        if p["path"].endswith("g/pay.md")
    ]
    assert sorted(found) == [
        ("After the block", "broken-link", "broken link: gone.md"),
        ("After the block", "link-unpublished", LATER),
        ("[`target.md`](t", "broken-link", "broken link: gone.md"),
    ]


def test_reference_links_point_as_inline_links_do(built: Path) -> None:
    """A reference definition's target was published as written: ``href="My%20File.md"``,
    ``href="../My%20Cat/index.md"`` and ``href="gone.md"`` lead nowhere, as a link to an
    article not yet published did. Each now goes where an inline link to it goes, its anchor
    and title kept; one that would lead nowhere is its text; code is shown as written."""
    html = page(built, "g/refs/")
    target = 'href="../target/#usage" title="The target"'
    assert f"See <a {target}>the target</a>, " in html
    assert '<a href="../target/">Target</a>, <a href="../target/">target</a>, ' in html
    assert '<a href="../../my-cat/">the cat</a> and <a href="../my-file/">the file</a>.' in html
    assert "Not shown as links: gone, soon, inside and INSIDE." in html
    assert "<code>[code][t]</code> and <code>[g]</code> are shown" in html
    assert "[fenced][t]\n[t]: gone.md" in html
    assert not re.search(r'href="[^"]*(?:gone|later|\.md|inside)', html, re.IGNORECASE)


def test_a_link_to_a_draft_is_its_text(built: Path) -> None:
    """`kb check` reports a link to a draft ("link to a draft", an error the build goes on
    with), but the build published it as written: ``href="draft.md"``, a 404. It is its text,
    as a broken link is, inline or by reference."""
    assert "Drafts: the draft and the draft." in page(built, "g/refs/")


def test_an_internal_article_links_by_reference_to_the_public_site(built: Path) -> None:
    """In the agents' portal an internal article's reference link to a public article went to
    ``../g/refs.md`` (no page there); it points at the public site, as an inline link does."""
    html = (built / "internal" / "inside" / "desk" / "index.html").read_text(encoding="utf-8")
    site = SiteConfig().site.url
    assert f'See <a href="{site}/g/refs/">refs</a> and <a href="./#top">the desk</a>.' in html


def test_an_internal_articles_link_to_a_public_category_goes_to_the_public_site(
    built: Path,
) -> None:
    """In the agents' portal an internal article's link to a category only public articles fill
    was published as its text (the agents' portal has no page for it), though its link to a
    public article goes to the public site. It goes to the public portal's category page."""
    html = (built / "internal" / "inside" / "desk" / "index.html").read_text(encoding="utf-8")
    site = SiteConfig().site.url
    assert (
        f'Outside: <a href="{site}/outside/#top">its page</a>, '
        f'<a href="{site}/outside/">by reference</a> and <a href="../">in</a>.'
    ) in html
    assert (built / "public" / "outside" / "index.html").is_file()


def test_kb_check_warns_of_the_category_links_the_build_shows_as_text(built: Path) -> None:
    """`kb check` warns about an agent's link to a category exactly where the build shows it as
    text: not of those to a category only public articles fill (links to the public site), but
    of each one to a category no live article fills (a draft's only), inline or by reference.

    (The test it replaces checked the first half only, and passed as well with neither the
    build's public-site links nor the warning.)"""
    html = (built / "internal" / "inside" / "desk" / "index.html").read_text(encoding="utf-8")
    site = SiteConfig().site.url
    assert f'Outside: <a href="{site}/outside/#top">its page</a>, ' in html
    assert "Empty: its page and by reference.</p>" in html
    lines = DESK.split("\n")
    found = [
        (lines[p["line"] - 1].split(" ", 1)[0], p["code"])
        for p in kb_check(built)
        if p["path"].endswith("desk.md")
    ]
    assert sorted(found) == [
        ("Empty:", "link-empty-category"),
        ("[d]:", "broken-anchor"),  # the desk's own anchor: it has no such heading
        ("[e]:", "link-empty-category"),
    ]


def test_reference_links_in_an_faq_answer_work_on_the_faq_page(built: Path) -> None:
    """An FAQ answer's reference link names a definition elsewhere in its article: the FAQ page
    showed ``[the target][t]`` as written. It links from the FAQ page as an inline link does,
    and is its text where an inline link is (broken, not published yet, a draft)."""
    html = page(built, "faq/")
    assert (
        'Ask <a href="../g/target/#usage">the target</a> by '
        '<a href="mailto:help@x.example">mail</a>, or gone, soon and the draft.'
    ) in html
    assert "Ask the target by mail, or gone, soon and the draft." in html  # its JSON-LD


def test_an_faq_answer_links_as_its_article_would(built: Path) -> None:
    """An FAQ answer's link to a category was shown as its text on the FAQ page (the article's
    page links it); its links in code were rewritten (``[code](index.md)`` showed as
    ``[code]``), and one in angle brackets was left as written: ``href="../g/My%20File.md"``, a
    404. Each is as on the article's page: a category the public portal shows is linked, one
    only internal articles fill is its text, code is as written."""
    html = page(built, "faq/")
    outside, cat = '<a href="../outside/#top">', '<a href="../my-cat/">'
    assert (
        f"In {outside}the outside</a>, {cat}my cat</a>, the inside and\nnowhere; "
        "<code>[code](index.md)</code>, <code>[`more`](&lt;../g/My File.md&gt;)</code> and\n"
        '<a href="../g/my-file/">the file</a>.'
    ) in html
    # its JSON-LD
    assert (
        "In the outside, my cat, the inside and nowhere; [code](index.md), "
        "[`more`](\\u003c../g/My File.md\\u003e) and the file."
    ) in html


def test_definitions_are_read_as_the_renderer_reads_them(built: Path) -> None:
    """A definition whose target is on the next line was not read by the build or `kb check`:
    the page linked ``gone.md`` (a 404) and `kb check` said nothing of it, nor of a broken
    anchor. Nor is one read that the renderer shows as code or as text: `kb check` reported a
    broken link in each, and the build unlinked the links that name them."""
    html = page(built, "g/defs/")
    target = '<a href="../target/#usage" title="Usage">b</a>'
    assert f'Next line: a, {target} and <a href="../target/#nope">c</a>. Indented: d.' in html
    assert '<img alt="b" src="../images/b.png"' in html
    assert (built / "public" / "g" / "images" / "b.png").is_file()
    assert "Not definitions: [e][e], [f][f] and [g][g].</p>" in html
    assert "<p>[f]: gone.md and more</p>" in html
    assert not re.search(r'href="[^"]*gone', html)
    assert reported(built, "defs.md", DEFS) == [
        ("[d]: gone.md", "broken-link"),
        ("gone.md", "broken-link"),
        ("target.md#nope", "broken-anchor"),
    ]


def test_definitions_in_a_quote_a_list_or_an_admonition_are_read(built: Path) -> None:
    """A definition in a quote or a list item was not read by the build, `kb check` or image
    publishing, though the renderer reads it: the page linked ``target.md#usage`` (a 404), the
    picture it names was not published, and `kb check` said nothing of a broken link in one."""
    html = page(built, "g/contained/")
    assert (
        'Quoted: <a href="../target/#usage">the usage</a> and <img alt="c" src="../images/c.png"'
    ) in html
    assert (
        'Listed: gone and <a href="../target/#nope">nope</a>. '
        'Noted: <a href="../../my-cat/">the cat</a>.'
    ) in html
    assert (built / "public" / "g" / "images" / "c.png").is_file()
    assert "Not definitions: [x][x] and [y][y].</p>" in html
    assert "<code>[y]: gone.md" in html
    assert not re.search(r'href="[^"]*gone', html)
    assert reported(built, "contained.md", CONTAINED) == [
        ("* [n]: target.md#nope", "broken-anchor"),
        ("[l]: gone.md", "broken-link"),
    ]


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
    # `kb check` reads the same lines (code spans stashed): it finds the links the renderer makes
    found = {
        int(n) for _, line, _ in prose_lines(text, bool) for n in re.findall(r"\]\(t(\d)", line)
    }
    assert found == {n for n in range(text.count("](t")) if f'href="t{n}.md"' in html}, html


@pytest.mark.parametrize(
    "text",
    [
        "[r]:\n    t.md",
        "[r]:\nt.md 'x'\n[s]:   \n  u.md\n   (title)",
        "   [r]: t.md\n  [s]:\n   u.md",
        "text\n[r]: t.md\nmore\n [s]:\n\tu.md",
        '[r]: <t.md>\n[s]: u.md\n  "Title"\n[t]:u.md',
        "[r]:\n\n t.md\n\n    [s]: t.md\n\n\t[t]: t.md\n\n[u]: t.md junk\n\n[v]: t.md 'a' b",
        "```\n[r]: t.md\n```\n~~~\n[t]:\n~~~\nt.md",
        "[r] : t.md\n[s]: t.md\n\n[R]: u.md\n`a\n[t]: t.md\nb`",
        "[]: t.md\n[a b]: u.md\n[A  B]: t.md",
        # in a quote: '>' then a definition, its target or title on a line of its own or lazy
        "> [r]: t.md\n>[s]: u.md\n> > [t]: t.md\n\n   > [u]:\n   >    t.md\n\n>     [v]: t.md",
        "> text\n> [r]:\n> t.md\n> more\n\n> [s]:\nu.md\n\n> [t]: t.md\n>     'Title'",
        "> ```\n> [r]: t.md\n> ```\n\n    > [s]: t.md\n\ntext\n> [t]: t.md",
        "[r]: u.md\n\n> [r]: t.md\n\n> [s]: t.md\n\n[s]: u.md",  # the last one wins
        # in a list: as an item, indented in one (a tab too), nested; not the run-on of a line
        "- [r]: t.md\n* [s]: u.md\n\n1. item\n\n    [t]: t.md\n\n- item\n\n     [u]:\n     u.md",
        "- item\n    [r]: t.md\n\n- item\n\n        [s]: t.md\n\n- item\n\n\t[t]: t.md",
        "- item\n    - [r]: t.md\n    - sub\n\n        [s]: u.md\n\n> - item\n>\n>     [t]: t.md",
        "- item\n\n    ```\n    [r]: t.md\n    ```\n\n    [s]: u.md\n\ntext\n\n    [t]: t.md",
        "1. item\n\n    > [r]: t.md\n\n- [ ] [s]: u.md\n- item\n> [t]: t.md",
        # an admonition, details, a tab, a definition list, <div markdown>; raw HTML
        '!!! note\n    [r]: t.md\n\n??? note\n\n    [s]: u.md\n\n=== "Tab"\n    [t]: t.md',
        "Term\n:   [r]: t.md\n\nTerm\n:   def\n\n    [s]: u.md",
        "<div markdown>\n[r]: t.md\n</div>\n\n<div>\n[s]: t.md\n\n[t]: u.md\n</div>",
        # a line that is something else where it stands: a setext heading, a table's row, a
        # definition list's term; a target that is a block of its own
        "[r]: t.md\n---\n\n[s]: t.md\n===\n\na | b\n--|--\n[t]: t.md\n\n[u]: t.md\n:   def",
        "[r]:\n> t.md\n\n[s]:\n#t.md\n\n[t]:\n***\n\n[u]:\n!!! note\n\n[v]: t.md\n> quote",
        "[key: string]: number;\n\n[^1]: note\n\n[^2]: A longer note.\n\n[a]::Method($x)",
    ],
)
def test_definitions_are_those_the_renderer_reads(text: str) -> None:
    """The ids and targets the build and `kb check` read are those Python-Markdown reads."""
    md = _renderer()
    md.convert(text)
    assert definitions(text) == {ref: link for ref, (link, _) in md.references.items()}


@pytest.mark.parametrize(
    "text",
    [
        "[a][r], [r][], [R], [a] [r] and [b][nope] [nope]\n\n[r]: t.md",
        "`[r]` ``[a][r]`` [r]\n\n[r]: <t.md#x> 'title'",
        "```\n[r]\n```Output\n[a][r]\n```\n[r]\n\n[R]: t.md",
        "[a](x.md) [r] \\[r] ![r][r]\n\n  [r]: t.md",
        "> [q][r]\n\n- [i][r]\n\n| [c][r] |\n|---|\n\n[r]: t.md",
        "[a][r] and [b][s]\n\n[r]:\n    t.md\n   [s]:\n t.md#x\n   'Title'",
        "[a][r]\ntext\n[r]:\n  t.md\nmore [r]",
        "[a][r]\n\n[r]: <t.md> (title)\n\n    [x]: t.md\n\n[y]: t.md junk",
        "> [a][r] and [s]\n> [r]:\n>     t.md 'Title'\n\n- [s]: t.md#x\n- [b][r]",
        "- [a][r]\n\n    [r]:\n    t.md\n\n!!! note\n    [b][s]\n\n    [s]: <t.md>",
        "[a][r]\n\nTerm\n:   [r]: t.md\n\n<div markdown>\n[b][r]\n</div>",
    ],
)
def test_references_point_and_unlink_where_the_renderer_links(text: str) -> None:
    """Each link naming a definition becomes text when its target is dropped, and only those:
    the page reads the same, with no link left; a pointed definition moves every such link."""
    render = _renderer().convert

    def words(html: str) -> str:
        return re.sub(r"<[^>]+>", "", html)

    before = render(text)
    assert '<a href="t.md' in before  # each case links by reference
    after = render(unlink_references(text, lambda target: target.startswith("t.md")))
    assert "<a " not in after.replace('<a href="x.md">', "")
    assert words(after) == words(before)
    pointed = render(point_definitions(text, lambda target: "u/" + target))
    assert pointed == re.sub(r'(href|src)="t\.md', r'\1="u/t.md', before)


@pytest.mark.parametrize(
    "text",
    [
        "> Quoted.\n> [r]: t1.md\n\n- [s]: t2.md\n\n1. i\n\n    [u]: t3.md\n\n- i\n    [v]: t4.md",
        "```\n[Namespace.Type]::Method(t1.md)\n```\n\n    [x]: t2.md\n\n>     [y]: t3.md",
        "[r]:\n    t1.md\n[s]: t2.md\n  'Title'\n\n[u]: t3.md and more",
        "[^1]: t1\n\n[key: string]: t2;\n\n[^2]: A note, t3.",
        "<div>\n[r]: t1.md\n</div>\n\n[s]: t2.md\n---\n\n!!! note\n    [u]: t3.md",
    ],
)
def test_search_text_drops_the_definitions_the_renderer_drops(text: str) -> None:
    """The search text had its own pattern for definitions: it kept those in a quote or a list
    and those that span lines, and dropped lines the page shows (code, raw HTML, a heading, a
    one-word footnote's text it kept), so a search quoted what no page shows, or missed what
    one does."""
    shown = html.unescape(re.sub(r"<[^>]+>", "", _renderer().convert(text)))
    searched = plain_text(text)
    for n in range(1, 5):
        if f"t{n}" in text:
            assert (f"t{n}" in shown) == (f"t{n}" in searched), (n, shown, searched)
