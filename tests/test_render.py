"""kb_builder.render: a part of a portal, handed to the worker that renders it in a file."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

from kb_builder.build import build_site
from kb_builder.load import load_and_check
from kb_builder.pages import TreePlan, plan_tree
from kb_builder.render import PLAN_FILE, hand_over, render_part, split
from kb_core.config import SiteConfig
from tests.conftest import TODAY, write


def test_a_part_renders_with_no_pages_text_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While MkDocs writes a part's pages, the worker holds neither the part's Markdown (the
    plan came in a file, and goes once its pages are in the docs folder) nor any page's (each
    goes once it is HTML, in the theme's hooks): at cpp-docs, 5 MB of each in every worker."""
    import mkdocs.commands.build

    for i in range(3):
        write(
            tmp_path / "content",
            f"guides/a{i}.md",
            f"---\ntitle: Guide {i}\n---\n\n## Steps\n\nOpen **Settings** {i}.\n",
        )
    config = SiteConfig()
    kb, _ = load_and_check(tmp_path / "content", config, today=TODAY)
    plan = plan_tree(kb, config, "public", TODAY)
    pages = sorted(plan.files)
    work = hand_over(split(plan, 1)[0], tmp_path / "part")
    del plan, kb  # what the build's main process lets go of (kb_builder/build.py)
    seen: list[tuple[str, str, int]] = []
    build_page = mkdocs.commands.build._build_page

    def writing(page: Any, *args: Any, **kwargs: Any) -> None:
        held = sum(isinstance(p, TreePlan) and bool(p.files) for p in gc.get_objects())
        seen.append((page.file.src_uri, page.markdown, held))
        build_page(page, *args, **kwargs)

    monkeypatch.setattr(mkdocs.commands.build, "_build_page", writing)
    result = render_part(work, config)
    assert result.pages == len(pages) and not (work / PLAN_FILE).exists()
    assert sorted(uri for uri, _, _ in seen) == pages
    assert [(markdown, held) for _, markdown, held in seen] == [("", 0)] * len(pages)
    guide = (work / "site" / "guides" / "a1" / "index.html").read_text(encoding="utf-8")
    assert "<title>Guide 1" in guide and "<strong>Settings</strong> 1" in guide


def test_the_build_holds_no_pages_text_while_its_workers_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parts waiting for a worker, or being rendered, are in files (render.hand_over): the
    build's main process holds none of their Markdown meanwhile (49 MB at cpp-docs)."""
    from kb_builder import build as build_module

    for i in range(16):
        write(tmp_path / "content", f"cat{i % 4}/a{i}.md", f"---\ntitle: A{i}\n---\n\nText {i}.\n")
    held: list[int] = []
    wait = build_module.wait

    def waiting(jobs: Any, **kwargs: Any) -> Any:
        held.append(
            sum(isinstance(p, TreePlan) and any(p.files.values()) for p in gc.get_objects())
        )
        return wait(jobs, **kwargs)

    monkeypatch.setattr(build_module, "wait", waiting)
    monkeypatch.setattr(build_module, "SHARD_ABOVE", 1)  # two parts
    report = build_site(tmp_path / "content", SiteConfig(), tmp_path / "out", workers=2)
    assert report.public_articles == 16 and held and set(held) == {0}
