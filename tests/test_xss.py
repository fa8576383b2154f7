"""Content cannot run script: a real `kb check` and `kb build` of hostile content (hostile.py).

Every front-matter value reaches every output as text; raw HTML in the body is cut to the
allowlist, and `kb check` names each removal with file and line; each page declares only the
portal's own inline scripts to the CSP. The same pages in Chromium: tests/browser/test_xss.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from feedback_api.security import page_csp
from tests import hostile

KB = str(Path(sys.executable).with_name("kb"))
ARTICLE = "evil/title/index.html"
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)


def kb(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(cwd.parent)}
    return subprocess.run(
        [KB, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile KB, built by a real `kb build` (exit 0: removals are warnings)."""
    root = hostile.write_kb(tmp_path_factory.mktemp("hostile"))
    res = kb(root, "build")
    assert res.returncode == 0, res.stderr
    return root / "build"


@pytest.fixture(scope="module")
def trusted_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = hostile.write_kb(tmp_path_factory.mktemp("trusted"), trust_raw_html=True)
    res = kb(root, "build")
    assert res.returncode == 0, res.stderr
    return root / "build"


class _Texts(HTMLParser):
    """Text of elements, and attributes of <meta>, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, int]] = []  # (tag, index in found)
        self.found: list[list[str]] = []  # [tag, class, text]
        self.meta: dict[str, str] = {}
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag == "meta" and "name" in a:
            self.meta[a["name"]] = a.get("content", "")
        if tag not in ("img", "br", "input", "link", "meta", "hr", "source", "wbr"):
            self.open.append((tag, len(self.found)))
            self.found.append([tag, a.get("class", ""), ""])

    def handle_endtag(self, tag: str) -> None:
        if any(t == tag for t, _ in self.open):
            while self.open and self.open.pop()[0] != tag:
                pass

    def handle_data(self, data: str) -> None:
        for _tag, i in self.open:  # a link's text is also its list item's
            self.found[i][2] += data


def parse(path: Path) -> _Texts:
    p = _Texts()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def texts(page: _Texts, tag: str, cls: str = "") -> list[str]:
    return [norm(t) for g, c, t in page.found if g == tag and (not cls or cls in c.split())]


def norm(text: str) -> str:
    return " ".join(text.split())


def test_kb_check_names_every_removal_with_file_and_line(tmp_path: Path) -> None:
    root = hostile.write_kb(tmp_path)
    res = kb(root, "check")
    assert res.returncode == 0, res.stderr  # warnings, not errors
    removed = [line for line in res.stderr.splitlines() if "removed:" in line]
    assert removed == hostile.expected_warnings()
    (root / "site_config.yml").write_text(
        (root / "site_config.yml").read_text().replace("false", "true"), encoding="utf-8"
    )
    trusted = kb(root, "check")
    assert [line for line in trusted.stderr.splitlines() if "removed:" in line] == []


def test_front_matter_is_text_in_the_head_header_nav_and_crumbs(hostile_build: Path) -> None:
    page = parse(hostile_build / "public" / ARTICLE)
    assert texts(page, "title") == [f"{hostile.TITLE} - Evil Help"]
    assert page.meta["description"] == hostile.SUMMARY
    assert texts(page, "h1") == [hostile.TITLE]
    assert norm(hostile.TITLE) in texts(page, "span", "md-ellipsis")  # header topic and sidebar
    assert hostile.CATEGORY in texts(page, "a")  # breadcrumb
    # nothing from the front matter became an element
    assert not [a for t, a in page.tags if t == "img" and a.get("src") == "x"]
    body = (hostile_build / "public" / ARTICLE).read_text(encoding="utf-8")
    kb_config = json.loads(re.search(r'<script id="kb-config"[^>]*>(.*?)</script>', body, re.S)[1])
    assert kb_config["article"]["title"] == hostile.TITLE


@pytest.mark.parametrize(
    ("path", "tag", "cls", "expected"),
    [
        ("index.html", "span", "kb-card__title", hostile.CATEGORY),
        ("index.html", "span", "kb-card__text", hostile.CATEGORY_DESCRIPTION),
        ("index.html", "a", "", hostile.TITLE),  # popular articles
        ("index.html", "span", "kb-summary", hostile.SUMMARY),
        ("evil/index.html", "h1", "", hostile.CATEGORY),
        ("evil/index.html", "p", "kb-hero__lead", hostile.CATEGORY_DESCRIPTION),
        ("evil/index.html", "a", "", hostile.TITLE),
        ("evil/plain/index.html", "a", "", hostile.TITLE),  # related articles
        ("faq/index.html", "summary", "", hostile.FAQ),
    ],
)
def test_generated_pages_show_front_matter_as_text(
    hostile_build: Path, path: str, tag: str, cls: str, expected: str
) -> None:
    page = parse(hostile_build / "public" / path)
    assert norm(expected) in texts(page, tag, cls)
    assert not [a for t, a in page.tags if t == "img" and a.get("src") == "x"]


def test_the_body_keeps_safe_html_and_loses_every_payload(hostile_build: Path) -> None:
    body = (hostile_build / "public" / ARTICLE).read_text(encoding="utf-8")
    article = body[body.index("<p>Body text.</p>") : body.index('<script id="__config"')]
    for gone in ("__pwned", "onerror", "ontoggle", "onmouseover", "onclick", "<iframe", "<svg>"):
        assert gone not in article, gone
    assert 'id="kb-config"' not in article and "javascript:" not in article
    for kept in (
        "<kbd>Ctrl</kbd>",
        "<summary>Safe details</summary>",
        'href="https://example.com/"',
    ):
        assert kept in article, kept
    assert '<div class="admonition note">' in article
    assert "&lt;script&gt;window.__codeblock" in re.sub(r"<span[^>]*>|</span>", "", article)
    assert '<p id="hover">hover me</p>' in article


def _declared(html: bytes) -> set[str]:
    return set(re.findall(r"'sha256-[^']+'", page_csp(html)))


def _hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def test_every_inline_script_of_every_page_is_the_portals_own(hostile_build: Path) -> None:
    pages = sorted((hostile_build / "public").rglob("*.html"))
    assert len(pages) >= 8
    for p in pages:
        html = p.read_text(encoding="utf-8")
        for attrs, script in _SCRIPT.findall(html):
            if "json" in attrs:  # data: JSON escapes "<", so a title cannot close the element
                assert "<" not in script, p
            else:
                assert "alert" not in script and "__pwned" not in script, p
        js = {_hash(s) for a, s in _SCRIPT.findall(html) if "src=" not in a and "json" not in a}
        assert _declared(html.encode()) == js, p


def test_the_csp_never_allows_a_script_that_came_from_content(trusted_build: Path) -> None:
    """Raw HTML trusted: the script is published as written, and still no CSP allows it."""
    path = trusted_build / "public" / ARTICLE
    html = path.read_text(encoding="utf-8")
    payload = "window.__pwned = 1; alert('body')"
    assert f"<script>{payload}</script>" in html
    assert 'onerror="window.__pwned = 2' in html
    declared = _declared(html.encode())
    assert _hash(payload) not in declared and _hash("window.__pwned=6") not in declared
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert meta is not None and set(re.findall(r"'sha256-[^']+'", meta[1])) == declared
    portal_js = {_hash(s) for a, s in _SCRIPT.findall(html.split(payload)[0]) if "src=" not in a}
    assert portal_js <= declared  # Material's own inline scripts (before the body) still run


def test_static_search_index_and_faq_json_ld_carry_titles_as_text(hostile_build: Path) -> None:
    index = json.loads((hostile_build / "public/search/search_index.json").read_text("utf-8"))
    doc = next(d for d in index["docs"] if d["location"] == "evil/title/")
    assert doc["title"] == hostile.TITLE.replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;"
    )
    for d in index["docs"]:  # Material's search draws these as HTML: none may hold a tag
        assert "<" not in d["title"] and "<" not in d["text"], d
    faq = (hostile_build / "public/faq/index.html").read_text(encoding="utf-8")
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', faq, re.S)
    assert len(blocks) == 1
    assert "</" not in blocks[0] and "<!--" not in blocks[0] and "<" not in blocks[0]
    data = json.loads(blocks[0])
    assert [q["name"] for q in data["mainEntity"]] == [hostile.FAQ]


def test_agent_snippets_carry_titles_as_text(hostile_build: Path) -> None:
    root = hostile_build.parent
    html = kb(root, "link", "Title", "--format", "html", "--limit", "1")
    assert html.returncode == 0, html.stderr
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Title &lt;img" in html.stdout
    assert "<script" not in html.stdout and "<img" not in html.stdout
    md = kb(root, "link", "Title", "--format", "md", "--limit", "1")
    assert md.returncode == 0 and r"\<script\>alert(1)\</script\>" in md.stdout
    as_json = kb(root, "link", "Title", "--format", "json", "--limit", "1")
    assert json.loads(as_json.stdout)["results"][0]["title"] == hostile.TITLE
    replies = kb(root, "export", "replies", "--body", "html")
    assert replies.returncode == 0, replies.stderr
    bodies = {r["id"]: r["body"] for r in json.loads(replies.stdout)}
    assert "<script" not in bodies["evil-title"] and "&lt;script&gt;" in bodies["evil-title"]
