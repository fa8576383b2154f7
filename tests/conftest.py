"""Shared fixtures: the shipped example built once per session, and where ../shared is."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from kb_builder.build import BuildReport, build_site
from kb_builder.config import load_config

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"
TODAY = date(2026, 11, 22)  # the example's stale article is judged against a fixed day


@pytest.fixture(scope="session")
def example_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, BuildReport]]:
    """A real `kb build` of the shipped example (content/ + site_config.yml)."""
    out = tmp_path_factory.mktemp("example") / "build"
    config, problems = load_config(ROOT / "site_config.yml")
    report = build_site(ROOT / "content", config, out, config_problems=problems, today=TODAY)
    yield out, report
    shutil.rmtree(out, ignore_errors=True)


def write(root: Path, rel: str, text: str) -> Path:
    """Write a content file (helper for tests that make their own small KB)."""
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p
