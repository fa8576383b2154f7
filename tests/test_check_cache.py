"""A warm `kb build` reports exactly the problems a cold check of the same content does.

The build keeps each article's check results in ``build/.work/checks.cache`` with the names it
looked up (``kb_builder.checkcache``); these tests change what another article's checks depend
on (its link's target, a heading, an id, a visibility, a file appearing or going) and compare
the warm build's problems with those of a check that has no cache at all. Each change must
also change the problems, or the comparison could not fail.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from kb_builder.build import build_site
from kb_builder.checks import BLOCKS_BUILD
from kb_builder.load import load_and_check
from kb_core.config import SiteConfig
from kb_core.errors import BuildError, Problem
from kb_core.manifest import PUBLIC, read_manifest
from tests.conftest import TODAY, write

SETUP = """---
title: Setup
summary: Set it up.
id: setup-page
---
## First steps

Do this, then see [the old page](/a/gone-page/).
"""
# each links to it in one way only, so each way is what gets it checked again
LINKS = {
    "by-file": "[the setup](../basics/setup.md#first-steps)",
    "by-id": "",  # related: [setup-page]
    "by-url": "[the setup](/basics/setup/)",
    "slip": "[a slip](setup-guid.md)",
    "image": "![the menu](images/menu.png)",
    "other": "Nothing.",
}


def small_kb(content: Path) -> None:
    write(content, "basics/setup.md", SETUP)
    for name, text in LINKS.items():
        related = "related: [setup-page]\n" if name == "by-id" else ""
        body = f"---\ntitle: {name}\nsummary: s.\n{related}---\n{text}\n"
        write(content, f"plans/{name}.md", body)


CONFIG = SiteConfig(retired=("basics/setup/",))  # deleting it is no error of its own


def cold(content: Path, out: Path) -> list[Problem]:
    """What a check with no cache finds, against the manifest the warm build will read."""
    return load_and_check(content, CONFIG, read_manifest(out / PUBLIC), TODAY)[1]


def warm(content: Path, out: Path) -> tuple[list[Problem], bool]:
    """What a build finds, and whether it refused: a build that refuses lists the problems
    it refuses for first, then the rest as warnings."""
    try:
        return build_site(content, CONFIG, out, today=TODAY).problems, False
    except BuildError as exc:
        return exc.problems, True


def blocking(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error" and p.code in BLOCKS_BUILD]


def _out(content: Path) -> Path:
    return content.parent / "build"


def rechecked(caplog: pytest.LogCaptureFixture) -> int:
    found = re.findall(r"checks: (\d+) article\(s\) checked again", caplog.text)
    caplog.clear()
    return int(found[-1])


def _rename_heading(content: Path) -> None:
    write(content, "basics/setup.md", SETUP.replace("## First steps", "## Before you start"))


def _change_id(content: Path) -> None:
    write(content, "basics/setup.md", SETUP.replace("id: setup-page", "id: set-up"))


def _delete(content: Path) -> None:
    (content / "basics/setup.md").unlink()


def _make_internal(content: Path) -> None:
    write(
        content,
        "basics/setup.md",
        SETUP.replace("---\n## First", "visibility: internal\n---\n## First"),
    )


def _category_internal(content: Path) -> None:
    write(content, "basics/_category.yml", "visibility: internal\n")


def _add_the_missing_file(content: Path) -> None:
    write(content, "basics/setup-guide.md", "---\ntitle: Guide\nsummary: s.\n---\nText.\n")


def _add_the_image(content: Path) -> None:
    (content / "plans/images").mkdir()
    (content / "plans/images/menu.png").write_bytes(b"\x89PNG\r\n\x1a\n")


INTERNAL = "public article links to internal article"
# (what changes, the problems it makes or takes away, articles checked again)
CHANGES: list[tuple[Callable[[Path], None], list[str], int]] = [
    (_rename_heading, ["broken anchor: ../basics/setup.md#first-steps"], 2),
    (_change_id, ["related: unknown article id 'setup-page'"], 2),
    (_delete, ["broken link: ../basics/setup.md#first-steps"], 3),
    (
        _make_internal,
        [
            f"{INTERNAL}: ../basics/setup.md#first-steps",
            "related: 'setup-page' is internal",
            f"{INTERNAL}: /basics/setup/",
        ],
        4,
    ),
    (
        _category_internal,  # and the article's own public-only problem goes
        [f"{INTERNAL}: ../basics/setup.md#first-steps", "-broken link: /a/gone-page/"],
        4,
    ),
    (_add_the_missing_file, ["did you mean '../basics/setup-guide.md'?"], 2),
    (_add_the_image, ["-broken image: images/menu.png"], 0),
]


@pytest.mark.parametrize(
    "change, problems, checked", CHANGES, ids=lambda c: getattr(c, "__name__", "")
)
def test_a_warm_build_reports_what_a_cold_check_does(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    change: Callable[[Path], None],
    problems: list[str],
    checked: int,
) -> None:
    caplog.set_level(logging.INFO, logger="kb_builder.checkcache")
    content, out = tmp_path / "content", _out(tmp_path / "content")
    small_kb(content)
    first, _ = warm(content, out)
    assert rechecked(caplog) == 7
    write(content, "basics/setup.md", SETUP + "\nOne more sentence.\n")  # it alone is checked
    before = cold(content, out)
    assert warm(content, out) == (before, False) and before == first
    assert rechecked(caplog) == 1
    change(content)
    caplog.clear()
    expected = cold(content, out)
    found, refused = warm(content, out)
    if refused:
        rest = [p for p in expected if p not in blocking(expected)]
        expected = blocking(expected) + [replace(p, severity="warning") for p in rest]
    assert found == expected
    messages = "\n".join(str(p) for p in expected)
    gone = "\n".join(str(p) for p in before)
    for problem in problems:
        if problem.startswith("-"):
            assert problem[1:] in gone and problem[1:] not in messages
        else:
            assert problem in messages and problem not in gone
    assert rechecked(caplog) == checked
