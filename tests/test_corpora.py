"""Real knowledge bases nobody here wrote build as they are (skipped without ../shared)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb_builder.build import build_site
from kb_core.config import SiteConfig
from tests.conftest import CORPORA, TODAY

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPORA.is_dir(), reason="../shared/corpora is not present"),
]

FOREIGN = [
    "{% include",
    "{{ site.baseurl",
    "{:target",
    "import useBaseUrl",
    ":::tip",
    "[!NOTE]",
    "<CtaBox",
]


@pytest.mark.parametrize(
    ("corpus", "at_least"),
    [("duckduckgo-help/_docs", 200), ("plausible-docs/docs", 120)],
)
def test_corpus_builds_without_foreign_syntax_in_pages(
    tmp_path: Path, corpus: str, at_least: int
) -> None:
    out = tmp_path / "build"
    report = build_site(CORPORA / corpus, SiteConfig(), out, today=TODAY)
    assert report.public_articles >= at_least
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["articles"]) == report.public_articles
    pages = list((out / "public").rglob("index.html"))
    assert len(pages) >= report.public_articles
    for p in pages:
        html = p.read_text(encoding="utf-8")
        for marker in FOREIGN:
            assert marker not in html, f"{marker!r} shown as text in {p}"
