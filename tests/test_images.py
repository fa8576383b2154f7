"""Images in content/ that articles reference, published by real builds beside their pages:
default-deny by the pages that show them, never from outside the content folder, SVG refused,
in every language's portal, picked up again when edited, and shown by the widget; away from
the page (a search snippet, an agent's card, the FAQ) no relative image path goes along."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback_api import create_app, shutdown
from kb_builder.build import build_site
from kb_builder.images import local_file
from kb_builder.load import load_and_check
from kb_core.config import SiteConfig, load_config
from tests.apps import BufferedClient
from tests.conftest import TODAY, write

SITE = "https://help.example.com"
CONFIG = f"""site:
  name: Images
  url: {SITE}
  languages: [en, fr]
"""
_SRC = re.compile(r'<img\b[^>]*?\bsrc="([^"]*)"')
_HREF = re.compile(r'<a\b[^>]*?\bhref="([^"]*\.png)"')


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG of one colour (browsers decode it)."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def article(title: str, body: str, visibility: str = "public") -> str:
    return (
        f"---\ntitle: {title}\nsummary: About {title}.\nvisibility: {visibility}\n---\n\n{body}\n"
    )


EXPORT = """Open the menu.

![The export menu](images/export-menu.png)

<img src="images/columns.png" alt="The columns">

![Our logo](../shared/logo.png "Logo") and [the full-size menu](<images/export menu big.png>).

Write `![x](images/in-code.png)` for an image.

```
![x](images/in-code.png)
```

![Escape](../../outside.png) ![Passwd](../../../../etc/passwd)
![Notes](images/notes.txt) ![Diagram](images/diagram.svg)
"""

EXPORT_FR = """Ouvrez le menu.

![Le menu d'export](images/export-menu.fr.png)

![Notre logo](../shared/logo.png)
"""


def image_kb(root: Path) -> Path:
    """A small site in English and French with images in every situation; its content dir."""
    content = root / "content"
    (root / "site_config.yml").write_text(CONFIG, encoding="utf-8")
    write(content, "scheduling/export-shifts.md", article("Export shifts", EXPORT))
    write(content, "scheduling/export-shifts.fr.md", article("Exporter les services", EXPORT_FR))
    write(
        content,
        "agents/playbook.md",
        article(
            "Playbook",
            "![Inside](../shared/internal-only.png)\n\n![Logo](../shared/logo.png)",
            "internal",
        ),
    )
    write(content, "scheduling/index.md", "Plan shifts.\n\n![The planner](images/planner.png)\n")
    write(content, "drafts/wip.md", article("Wip", "![Draft](../shared/draft-only.png)", "draft"))
    images = {
        "scheduling/images/export-menu.png": png(60, 30, (200, 40, 40)),
        "scheduling/images/export-menu.fr.png": png(60, 30, (40, 40, 200)),
        "scheduling/images/columns.png": png(30, 30, (40, 160, 40)),
        "scheduling/images/planner.png": png(30, 30, (40, 160, 160)),
        "scheduling/images/export menu big.png": png(120, 60, (200, 40, 40)),
        "scheduling/images/in-code.png": png(5, 5, (0, 0, 0)),
        "shared/logo.png": png(20, 20, (250, 180, 0)),
        "shared/internal-only.png": png(20, 20, (1, 2, 3)),
        "shared/draft-only.png": png(20, 20, (4, 5, 6)),
    }
    for rel, data in images.items():
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_bytes(data)
    write(content, "scheduling/images/notes.txt", "not an image")
    write(
        content,
        "scheduling/images/diagram.svg",
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    )
    (root / "outside.png").write_bytes(png(5, 5, (9, 9, 9)))
    return content


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("images")
    content = image_kb(root)
    config, _ = load_config(root / "site_config.yml")
    build_site(content, config, root / "build", today=TODAY)
    return root


def images_in(tree: Path) -> set[str]:
    """Every image file of a built tree, theme files left out."""
    return {
        p.relative_to(tree).as_posix()
        for p in tree.rglob("*")
        if p.suffix in (".png", ".svg", ".txt") and "assets" not in p.relative_to(tree).parts
    }


def resolved(tree: Path, page_url: str) -> dict[str, Path]:
    """Each image URL of a built page (``<img src>`` and links to images) -> the file it
    names in the tree, resolved against the page's URL as a browser does."""
    text = (tree / page_url / "index.html").read_text(encoding="utf-8")
    found = {}
    for raw in [*_SRC.findall(text), *_HREF.findall(text)]:
        url = urljoin(f"{SITE}/{page_url}", unescape(raw))
        found[raw] = tree / unquote(urlsplit(url).path.lstrip("/"))
    return found


def test_relative_images_are_published_where_the_page_points(site: Path) -> None:
    public, content = site / "build" / "public", site / "content"
    urls = resolved(public, "scheduling/export-shifts/")
    published = {raw: path for raw, path in urls.items() if path.is_file()}
    assert sorted(published) == [
        "../../shared/logo.png",
        "../images/columns.png",
        "../images/export%20menu%20big.png",
        "../images/export-menu.png",
    ]
    for path in published.values():
        source = content / path.relative_to(public)
        assert path.read_bytes() == source.read_bytes()
    assert images_in(public) == {
        "scheduling/images/export-menu.png",
        "scheduling/images/columns.png",
        "scheduling/images/export menu big.png",
        "shared/logo.png",
        "scheduling/images/planner.png",  # the category page's intro shows it
        # the French portal's, for its own pages
        "fr/scheduling/images/export-menu.fr.png",
        "fr/shared/logo.png",
        "fr/scheduling/images/planner.png",
    }
    assert list(resolved(public, "scheduling/")) == ["images/planner.png"]
    page = (public / "scheduling" / "export-shifts" / "index.html").read_text(encoding="utf-8")
    assert page.count("images/in-code.png") == 2  # code shows what was written, unpublished


def test_a_translation_gets_its_images_in_its_portal(site: Path) -> None:
    public = site / "build" / "public"
    urls = resolved(public, "fr/scheduling/export-shifts/")
    assert sorted(urls) == ["../../shared/logo.png", "../images/export-menu.fr.png"]
    assert all(path.is_file() for path in urls.values())
    assert (
        urls["../images/export-menu.fr.png"] == public / "fr/scheduling/images/export-menu.fr.png"
    )


def test_images_only_internal_or_draft_articles_show_stay_out_of_public(site: Path) -> None:
    build = site / "build"
    public = {Path(p).name for p in images_in(build / "public")}
    assert "internal-only.png" not in public and "draft-only.png" not in public
    assert images_in(build / "internal") == {
        "shared/internal-only.png",
        "shared/logo.png",
        "fr/shared/internal-only.png",
        "fr/shared/logo.png",
    }
    urls = resolved(build / "internal", "agents/playbook/")
    assert all(path.is_file() for path in urls.values()) and len(urls) == 2
    assert not [p for p in build.rglob("draft-only.png")]


def test_nothing_outside_the_content_folder_nor_svg_nor_other_files_is_published(
    site: Path,
) -> None:
    build = site / "build"
    names = {p.name for p in build.rglob("*") if ".work" not in p.parts}
    assert not names & {"outside.png", "passwd", "notes.txt", "diagram.svg", "in-code.png"}
    page = (build / "public/scheduling/export-shifts/index.html").read_text(encoding="utf-8")
    for written in ("../../outside.png", "images/notes.txt", "images/diagram.svg"):
        assert f'src="{written}"' in page  # left as written: kb check names each


def test_kb_check_names_each_image_the_build_cannot_publish(site: Path) -> None:
    config, _ = load_config(site / "site_config.yml")
    _kb, problems = load_and_check(site / "content", config, None, TODAY)
    found = sorted(
        (p.line, p.code, p.message)
        for p in problems
        if p.code in ("broken-image", "image-type", "image-unpublished")
    )
    outside = "(no such file: outside the content folder)"
    assert found == [
        (21, "broken-image", f"broken image: ../../../../etc/passwd {outside}"),
        (21, "broken-image", f"broken image: ../../outside.png {outside}"),
        (
            22,
            "image-type",
            "image not published: images/diagram.svg: SVG is not published, since an SVG can "
            "carry scripts: export it as PNG or WebP",
        ),
        (
            22,
            "image-type",
            "image not published: images/notes.txt: only png, jpg, jpeg, gif, webp files are "
            "published",
        ),
    ]


def test_a_symlink_leading_out_of_the_content_folder_is_never_followed(tmp_path: Path) -> None:
    """An ``images/`` folder is not walked for articles, so its symlinks are no ``symlink``
    error: the build itself must not follow one out (the image is left unpublished, and
    ``kb check`` says so)."""
    content = tmp_path / "content"
    write(content, "guides/a.md", article("A", "![Logo](images/logo.png)"))
    (tmp_path / "secret.png").write_bytes(png(5, 5, (1, 1, 1)))
    (content / "guides" / "images").mkdir()
    (content / "guides" / "images" / "logo.png").symlink_to(tmp_path / "secret.png")
    found = local_file(content, "guides/a.md", "images/logo.png")
    assert found is not None and found.status == "outside"
    report = build_site(content, SiteConfig(), tmp_path / "build", today=TODAY)
    assert [(p.code, p.message) for p in report.problems if "image" in p.code] == [
        ("broken-image", "broken image: images/logo.png (no such file: outside the content folder)")
    ]
    assert not [p for p in (tmp_path / "build").rglob("*.png") if "assets" not in p.parts]
    page = (tmp_path / "build" / "public" / "guides" / "a" / "index.html").read_text()
    assert 'src="images/logo.png"' in page


def test_an_edited_added_or_dropped_image_is_picked_up_by_the_next_build(tmp_path: Path) -> None:
    content, out = tmp_path / "content", tmp_path / "build"
    write(content, "guides/a.md", article("A", "![Menu](images/menu.png)"))
    write(content, "guides/b.md", article("B", "Text."))
    menu = content / "guides" / "images" / "menu.png"
    menu.parent.mkdir()
    menu.write_bytes(png(10, 10, (255, 0, 0)))
    published = out / "public" / "guides" / "images" / "menu.png"
    build_site(content, SiteConfig(), out, today=TODAY)
    assert published.read_bytes() == menu.read_bytes()
    menu.write_bytes(png(12, 10, (0, 255, 0)))  # edited in place: the page's text is the same
    second = build_site(content, SiteConfig(), out, today=TODAY)
    assert second.incremental and second.pages_rebuilt == 0
    assert published.read_bytes() == menu.read_bytes()
    (content / "guides" / "images" / "new.png").write_bytes(png(8, 8, (0, 0, 255)))
    write(content, "guides/b.md", article("B", "![New](images/new.png)"))
    build_site(content, SiteConfig(), out, today=TODAY)
    assert (out / "public" / "guides" / "images" / "new.png").is_file()
    write(content, "guides/a.md", article("A", "No image any more."))
    build_site(content, SiteConfig(), out, today=TODAY)
    assert not published.exists()  # no page shows it: it goes, as a removed page does
    assert (out / "public" / "guides" / "images" / "new.png").is_file()


def _app(site: Path, store: Path) -> Flask:
    """The API on ``site``'s build and config, with a SQLite store at ``store``."""
    return create_app(
        {
            "TESTING": True,
            "BUILD_DIR": str(site / "build"),
            "SITE_CONFIG": str(site / "site_config.yml"),
            "DATABASE_URL": f"sqlite:///{store}",
            "EVENTLOG_FLUSH_SECONDS": 0,
        }
    )


@pytest.fixture(scope="module")
def client(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    app = _app(site, tmp_path_factory.mktemp("images-store") / "kb.sqlite3")
    app.test_client_class = BufferedClient  # reads each served file fully: none stays open
    yield app.test_client()
    shutdown(app)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_widgets_article_images_resolve_to_served_files(client: FlaskClient, lang: str) -> None:
    """The panel resolves an article's URLs against its page's URL (``new URL(src, base)``,
    panel.js): each image there is served by the portal."""
    got = client.get("/api/widget/articles/export-shifts", query_string={"lang": lang})
    assert got.status_code == 200
    body = got.get_json()
    srcs = _SRC.findall(body["html"])
    assert len(srcs) >= 2
    base = f"{SITE}/{body['url'].lstrip('/')}"
    served = []
    for src in srcs:
        path = urlsplit(urljoin(base, unescape(src))).path
        if "outside" in path or "passwd" in path or path.endswith((".txt", ".svg")):
            continue
        image = client.get(path)
        assert image.status_code == 200, path
        assert image.mimetype == "image/png"
        served.append(unquote(path))
    if lang == "fr":
        assert served == ["/fr/scheduling/images/export-menu.fr.png", "/fr/shared/logo.png"]
    else:
        assert "/scheduling/images/export-menu.png" in served


# --- what carries an article's words away from its page --------------------------------------

REFERENCED = """## Export timesheets to Excel

To export timesheets to Excel, open the Timesheets menu and choose Export to Excel.
![The export menu][menu]
The file downloads at once.

[menu]: images/menu.png "The export menu"
"""

GEAR = """Click <img src="images/gear.png" alt="the gear icon"> and then pick Export from the menu.

![The menu](images/menu.png)
"""


@pytest.fixture(scope="module")
def away(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real build whose articles show images by reference definition and by raw <img>."""
    root = tmp_path_factory.mktemp("away")
    content = root / "content"
    (root / "site_config.yml").write_text(f"site:\n  name: Away\n  url: {SITE}\n", "utf-8")
    write(content, "guides/export.md", article("Export your timesheets", REFERENCED))
    write(
        content,
        "guides/data.md",
        "---\ntitle: Export data\nsummary: How to export.\nfaq: How do I export my data?\n"
        f"---\n\n{GEAR}",
    )
    write(content, "guides/password.md", article("Reset your password", "Click Forgot."))
    for name in ("menu.png", "gear.png"):
        (content / "guides" / "images").mkdir(parents=True, exist_ok=True)
        (content / "guides" / "images" / name).write_bytes(png(10, 10, (200, 40, 40)))
    config, _ = load_config(root / "site_config.yml")
    build_site(content, config, root / "build", today=TODAY)
    assert (root / "build/public/guides/images/menu.png").is_file()
    return root


@pytest.mark.parametrize("fmt", ["md", "text", "html", "json"])
def test_kb_link_quotes_an_article_without_its_reference_definitions(away: Path, fmt: str) -> None:
    """A card quoted the line '[menu]: images/menu.png "The export menu"' (the index's text kept
    reference definitions): a relative path that is broken wherever the agent pastes it."""
    kb = Path(sys.executable).with_name("kb")
    res = subprocess.run(
        [str(kb), "link", "does the file download at once", "--format", fmt, "--limit", "1"],
        cwd=away,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert "The file downloads at once." in res.stdout  # the card, quoted
    assert "images/" not in res.stdout and "[menu]" not in res.stdout


def test_search_snippets_and_agent_cards_carry_no_reference_definition(away: Path) -> None:
    app = _app(away, away / "kb.sqlite3")
    try:
        client = app.test_client()
        found = client.get("/api/search", query_string={"q": "the file downloads menu png"})
        snippets = [r["snippet"] for r in found.get_json()["results"]]
        assert snippets and not [s for s in snippets if "images/" in s or "[menu]" in s]
        reply = client.get("/api/articles", query_string={"q": "does the file download at once"})
        answer = reply.get_json()["answer"]
        assert answer is not None and "The file downloads at once." in answer["text"]
        assert "images/" not in reply.get_data(as_text=True)
    finally:
        shutdown(app)


def test_an_faq_answer_gives_a_raw_image_its_words_not_a_broken_picture(away: Path) -> None:
    """The FAQ page is not the article's: a relative <img> in the answer pointed at
    /faq/images/gear.png, which nothing publishes."""
    page = (away / "build/public/faq/index.html").read_text(encoding="utf-8")
    assert "Click the gear icon and then pick Export from the menu." in page
    assert "gear.png" not in page
