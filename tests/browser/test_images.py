"""An article's images in Chromium: a built site on a plain static host shows every image its
pages reference in content/ (decoded, not broken), in English and French."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kb_builder.build import build_site
from kb_core.config import load_config
from tests.browser.conftest import serve_folder
from tests.conftest import TODAY
from tests.test_images import image_kb

_IMAGES = """() => [...document.querySelectorAll('article img')].map(
  (img) => [img.getAttribute('src'), img.complete && img.naturalWidth > 0])"""


@pytest.fixture(scope="module")
def static_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The images KB built and served as files, with no app behind it."""
    root = tmp_path_factory.mktemp("images-browser")
    content = image_kb(root)
    config, _ = load_config(root / "site_config.yml")
    build_site(content, config, root / "build", today=TODAY)
    with serve_folder(root / "build" / "public") as url:
        yield url


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        (
            "/scheduling/export-shifts/",
            ["../images/export-menu.png", "../images/columns.png", "../../shared/logo.png"],
        ),
        (
            "/fr/scheduling/export-shifts/",
            ["../images/export-menu.fr.png", "../../shared/logo.png"],
        ),
        ("/scheduling/", ["images/planner.png"]),
    ],
)
def test_every_published_image_shows(
    browser: Any, static_host: str, path: str, shown: list[str]
) -> None:
    page = browser.new_page()
    try:
        page.goto(static_host + path)
        page.wait_for_load_state("load")
        images = dict(page.evaluate(_IMAGES))
        assert {src: images.get(src) for src in shown} == dict.fromkeys(shown, True)
        # the ones kb check names stay broken, as written: nothing outside content/, no SVG
        assert not any(ok for src, ok in images.items() if src not in shown)
    finally:
        page.close()
