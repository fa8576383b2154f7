"""A slip never publishes: visibility typos, absolute links to internal articles, symlinks.

Each test runs the real `kb` as a subprocess on a small content folder and asserts the exit code
and the exact `path:line: severity: message` lines.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write

KB = str(Path(sys.executable).with_name("kb"))
POLICY = (
    "---\ntitle: Refund approval policy\nid: refund-policy\nsummary: Internal.\n---\n\nSECRET-X\n"
)
AGENTS = "title: Agents\nvisibility: internal\n"


def kb(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `kb` in ``cwd`` (never inside a git repository above it)."""
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(cwd.parent)}
    return subprocess.run(
        [KB, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def lines(res: subprocess.CompletedProcess[str]) -> list[str]:
    return res.stderr.strip().splitlines()


def article(title: str, body: str = "Text.", extra: str = "") -> str:
    return f"---\ntitle: {title}\nsummary: One sentence.\n{extra}---\n\n{body}\n"


def assert_refused(tmp_path: Path, *expected: str) -> None:
    """`kb build` exits 1 naming each problem, and writes no portal at all."""
    res = kb(tmp_path, "build")
    assert res.returncode == 1, res.stderr
    assert "build refused" in res.stderr
    for line in expected:
        assert line in res.stderr
    assert not (tmp_path / "build" / "public").exists()


SLIPS = [
    ("Visibility: internal", "unknown key 'Visibility'; did you mean 'visibility'?"),
    ("visiblity: internal", "unknown key 'visiblity'; did you mean 'visibility'?"),
    ("visibilty: internal", "unknown key 'visibilty'; did you mean 'visibility'?"),
    ("visibilit: internal", "unknown key 'visibilit'; did you mean 'visibility'?"),
    ("VISIBILITY: internal", "unknown key 'VISIBILITY'; did you mean 'visibility'?"),
    ("visibility:", "visibility: empty; write public, internal or draft (or delete the line)"),
    ("visibility: ''", "visibility: empty; write public, internal or draft (or delete the line)"),
    (
        "draft: true",
        "'draft: true' is not read here and would publish it; write 'visibility: draft' "
        "(never built) or 'visibility: internal' (agents only)",
    ),
    (
        "published: false",
        "'published: false' is not read here and would publish it; write 'visibility: draft' "
        "(never built) or 'visibility: internal' (agents only)",
    ),
    # our own word as a key, and a CMS's publishing state: each published the article before
    (
        "internal: true",
        "'internal: true' is not read here and would publish it; write 'visibility: draft' "
        "(never built) or 'visibility: internal' (agents only)",
    ),
    (
        "visible: false",
        "'visible: false' is not read here and would publish it; write 'visibility: draft' "
        "(never built) or 'visibility: internal' (agents only)",
    ),
    (
        "status: draft",
        "'status: draft' is not read here and would publish it; write 'visibility: draft' "
        "(never built) or 'visibility: internal' (agents only)",
    ),
    (
        "audience: agents",
        "'audience: agents' is not read here and would publish it; write 'visibility: draft' "
        "(never built) or 'visibility: internal' (agents only)",
    ),
]


@pytest.mark.parametrize(("slip", "message"), SLIPS)
def test_visibility_slip_in_front_matter_stops_the_build(
    tmp_path: Path, slip: str, message: str
) -> None:
    write(tmp_path, "content/billing/refunds.md", article("Refunds"))
    write(tmp_path, "content/billing/policy.md", article("Policy", "SECRET-X", f"{slip}\n"))
    res = kb(tmp_path, "check")
    expected = f"content/billing/policy.md:4: error: front matter: {message}"
    assert (res.returncode, lines(res)) == (1, [expected, "1 error(s), 0 warning(s)"])
    assert_refused(tmp_path, expected)


@pytest.mark.parametrize(("slip", "message"), SLIPS[:7])
def test_visibility_slip_in_category_file_stops_the_build(
    tmp_path: Path, slip: str, message: str
) -> None:
    write(tmp_path, "content/billing/refunds.md", article("Refunds"))
    write(tmp_path, "content/agents/_category.yml", f"title: Agents\n{slip}\n")
    write(tmp_path, "content/agents/policy.md", POLICY)
    res = kb(tmp_path, "check")
    expected = f"content/agents/_category.yml:2: error: {message}"
    assert (res.returncode, lines(res)) == (1, [expected, "1 error(s), 0 warning(s)"])
    assert_refused(tmp_path, expected)


def test_right_visibility_and_harmless_keys_still_build(tmp_path: Path) -> None:
    harmless = "draft: false\ninternal: false\nstatus: published\n"
    write(tmp_path, "content/billing/refunds.md", article("Refunds", extra=harmless))
    write(tmp_path, "content/agents/_category.yml", AGENTS)
    write(tmp_path, "content/agents/policy.md", POLICY)
    res = kb(tmp_path, "check")
    warning = (
        "content/billing/refunds.md:4: warning: front matter: unknown keys ignored: "
        "draft, internal, status"
    )
    assert (res.returncode, lines(res)) == (0, [warning, "0 error(s), 1 warning(s)"])
    assert kb(tmp_path, "build").returncode == 0
    public = b"".join(p.read_bytes() for p in (tmp_path / "build/public").rglob("*.*"))
    assert b"Refunds" in public and b"SECRET-X" not in public


INTERNAL = "public article links to internal article"
PORTAL = "public article links to the internal portal"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("See [the policy](/a/refund-policy).", f"{INTERNAL}: /a/refund-policy"),
        ("See [it](/a/refund-policy/#approvals).", f"{INTERNAL}: /a/refund-policy/#approvals"),
        ("See [agents](/internal/agents/policy/).", f"{PORTAL}: /internal/agents/policy/"),
        ("See [agents](/a/../internal/).", f"{PORTAL}: /a/../internal/"),
        (
            "See [it](https://help.example.com/a/refund-policy?src=agent).",
            f"{INTERNAL}: https://help.example.com/a/refund-policy?src=agent",
        ),
        (
            "See [it](http://HELP.example.com/agents/policy/).",
            f"{INTERNAL}: http://HELP.example.com/agents/policy/",
        ),
        ("See [it](/agents/policy/).", f"{INTERNAL}: /agents/policy/"),
        (
            "See <https://help.example.com/internal/login>.",
            f"{PORTAL}: https://help.example.com/internal/login",
        ),
        ('See <a href="/a/refund-policy">it</a>.', f"{INTERNAL}: /a/refund-policy"),
        ("See [it][p].\n\n[p]: /a/refund-policy", f"{INTERNAL}: /a/refund-policy"),
    ],
)
def test_absolute_link_to_internal_article_is_refused(
    tmp_path: Path, body: str, message: str
) -> None:
    write(tmp_path, "site_config.yml", "site:\n  url: https://help.example.com\n")
    write(tmp_path, "content/agents/_category.yml", AGENTS)
    write(tmp_path, "content/agents/policy.md", POLICY)
    write(tmp_path, "content/billing/refunds.md", article("Refunds", body))
    res = kb(tmp_path, "check")
    line = 6 + body.count("\n") if body.startswith("See [it][p]") else 6
    expected = f"content/billing/refunds.md:{line}: error: {message}"
    assert (res.returncode, lines(res)) == (1, [expected, "1 error(s), 0 warning(s)"])
    assert_refused(tmp_path, expected)


def test_absolute_links_to_public_unknown_and_other_sites(tmp_path: Path) -> None:
    write(tmp_path, "site_config.yml", "site:\n  url: https://help.example.com\n")
    write(tmp_path, "content/agents/_category.yml", AGENTS)
    write(tmp_path, "content/agents/policy.md", POLICY)
    write(tmp_path, "content/billing/plans.md", article("Plans"))
    body = (
        "[a](/a/plans) [b](https://help.example.com/billing/plans/) "
        "[c](https://example.org/a/refund-policy) [d](/pricing/)\n\n"
        "[gone](/a/no-such-article) [old](https://help.example.com/a/retired-one)\n"
    )
    write(tmp_path, "content/billing/refunds.md", article("Refunds", body))
    res = kb(tmp_path, "check")
    broken = "content/billing/refunds.md:8: error: broken link:"
    assert (res.returncode, lines(res)) == (
        1,
        [
            f"{broken} /a/no-such-article (no article with id 'no-such-article')",
            f"{broken} https://help.example.com/a/retired-one (no article with id 'retired-one')",
            "2 error(s), 0 warning(s)",
        ],
    )
    # internal articles may link anywhere
    write(tmp_path, "content/billing/refunds.md", article("Refunds", "[a](/a/plans)"))
    write(tmp_path, "content/agents/more.md", article("More", "[p](/a/refund-policy)"))
    assert kb(tmp_path, "check").returncode == 0


def _symlinked_kb(tmp_path: Path) -> None:
    write(tmp_path, "outside/secret.md", article("Leaked", "SECRET-X"))
    write(tmp_path, "outside/dir/more.md", article("Leaked too", "SECRET-X"))
    write(tmp_path, "outside/logo.png", "PNG")
    write(tmp_path, "content/billing/refunds.md", article("Refunds"))
    write(tmp_path, "content/agents/_category.yml", AGENTS)
    write(tmp_path, "content/agents/policy.md", POLICY)
    write(tmp_path, "content/shared/pic.png", "PNG")


@pytest.mark.parametrize(
    ("link", "target", "message"),
    [
        (
            "billing/leak.md",
            "../../outside/secret.md",
            "symlink to a file outside the content folder (../../outside/secret.md); it is "
            "not read: copy the file into the content folder instead",
        ),
        (
            "linked",
            "../outside/dir",
            "symlink to a folder outside the content folder (../outside/dir); it is not "
            "read: copy the folder into the content folder instead",
        ),
        (
            "billing/logo.png",
            "../../outside/logo.png",
            "symlink to a file outside the content folder (../../outside/logo.png); it is "
            "not read: copy the file into the content folder instead",
        ),
        (
            "billing/policy.md",
            "../agents/policy.md",
            "symlink to agents/policy.md in the content folder; it is not read (it would "
            "publish the file again under this folder's visibility): link to the article "
            "instead",
        ),
        (
            "billing/agents",
            "../agents",
            "symlink to agents in the content folder; it is not read (it would publish the "
            "folder again under this folder's visibility): link to the article instead",
        ),
    ],
)
def test_symlink_is_refused_and_not_followed(
    tmp_path: Path, link: str, target: str, message: str
) -> None:
    _symlinked_kb(tmp_path)
    os.symlink(target, tmp_path / "content" / link)
    res = kb(tmp_path, "check")
    expected = f"content/{link}: error: {message}"
    assert (res.returncode, lines(res)) == (1, [expected, "1 error(s), 0 warning(s)"])
    assert_refused(tmp_path, expected)


def test_symlink_to_an_image_inside_content_is_left_alone(tmp_path: Path) -> None:
    _symlinked_kb(tmp_path)
    os.symlink("../shared/pic.png", tmp_path / "content/billing/pic.png")
    res = kb(tmp_path, "check")
    assert (res.returncode, lines(res)) == (0, ["0 error(s), 0 warning(s)"])


def test_raw_html_in_code_is_code_up_to_its_own_fence(tmp_path: Path) -> None:
    """The raw-HTML check reads code as the renderer does: a '```Output' line does not close a
    block, so a tag after it is code (shown, not removed), and one after the block is not."""
    write(
        tmp_path,
        "content/guides/a.md",
        "---\ntitle: A\nsummary: A.\n---\n\n```html\n<b>x</b>\n```Output\n"
        "<script>shown()</script>\n```\n\nAfter <marquee>it</marquee>.\n",
    )
    run = kb(tmp_path, "check", "--content", "content")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stderr.splitlines()[:1] == [
        "content/guides/a.md:12: warning: raw HTML removed: <marquee>"
    ]


def test_a_link_to_a_category_only_internal_articles_fill_is_text_in_public(
    tmp_path: Path,
) -> None:
    """A public article's link to an internal-only category's intro was resolved among every
    category: the public page linked to a page it does not have, naming the internal category.
    It is published as its text there, as a link to an internal article is."""
    write(tmp_path, "content/agents/_category.yml", AGENTS)
    write(tmp_path, "content/agents/policy.md", POLICY)
    body = "Ask [the agents' desk](../agents/index.md) first."
    write(tmp_path, "content/billing/refunds.md", article("Refunds", body))
    res = kb(tmp_path, "build")
    assert res.returncode == 0, res.stderr
    public = (tmp_path / "build/public/billing/refunds/index.html").read_text(encoding="utf-8")
    assert "Ask the agents' desk first." in public.replace("&#39;", "'")
    assert "agents/" not in public and "SECRET-X" not in public
