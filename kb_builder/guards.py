"""Default-deny guards of content loading: a slip that would publish is an error, not a warning.

A misspelt or blank ``visibility`` (or another generator's ``draft: true``) and a symlink in the
content folder each become an error naming the file, line and key. Imports neither mkdocs nor
Flask.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kb_core.errors import Problem, did_you_mean
from kb_core.search.spell import distance

# Keys other generators (or a writer guessing from our own word, 'internal') read as "do not
# publish": here they would be ignored and the article published, so their hiding value is an
# error (the value that publishes stays a warning).
HIDING_KEYS = {
    "draft": True,
    "unlisted": True,
    "hidden": True,
    "private": True,
    "internal": True,
    "published": False,
    "visible": False,
    "public": False,
}
# A CMS's publishing state or audience ('status: draft', 'audience: agents'): these values
# would hide the article there.
STATE_KEYS = {"status", "state", "access", "audience"}
HIDING_STATES = {
    "draft",
    "private",
    "internal",
    "hidden",
    "unlisted",
    "unpublished",
    "agents",
    "staff",
    "restricted",
}


@functools.lru_cache(maxsize=4096)  # every article has the same few keys: 1 s at cpp-docs
def _near_visibility(key: str) -> bool:
    norm = re.sub(r"[\s_-]", "", key.lower())
    return distance(norm, "visibility") <= 2 or (len(norm) >= 5 and "visibility".startswith(norm))


def visibility_slips(
    data: dict[str, Any], lines: dict[str, int], where: str, code: str, prefix: str = ""
) -> dict[str, Problem]:
    """Keys that look like a visibility the loader would not read (a typo, a blank, a 'draft:').

    Default-deny: each is an error, so a slip never publishes an article meant to stay hidden.
    """
    out: dict[str, Problem] = {}
    for key, value in data.items():
        line = lines.get(key, 1)
        if key == "visibility":
            if value is None or (isinstance(value, str) and not value.strip()):
                msg = "visibility: empty; write public, internal or draft (or delete the line)"
                out[key] = Problem(where, line, "error", prefix + msg, code)
        elif _near_visibility(key):
            msg = f"unknown key '{key}'{did_you_mean('visibility')}"
            out[key] = Problem(where, line, "error", prefix + msg, code)
        elif (isinstance(value, bool) and HIDING_KEYS.get(key.lower()) is value) or (
            key.lower() in STATE_KEYS
            and isinstance(value, str)
            and value.strip().lower() in HIDING_STATES
        ):
            shown = str(value).lower() if isinstance(value, bool) else value
            msg = (
                f"'{key}: {shown}' is not read here and would publish it; "
                "write 'visibility: draft' (never built) or 'visibility: internal' (agents only)"
            )
            out[key] = Problem(where, line, "error", prefix + msg, code)
    return out


def walk(
    root: Path, skipped: Callable[[str], bool], problems: list[Problem]
) -> tuple[list[Path], list[Path]]:
    """Category folders and Markdown files below ``root``, never through a symlink.

    Each symlink to a folder or Markdown file is an error naming the link: one that leaves the
    content folder would publish whatever it points at, and one inside it would publish its
    target again under this folder's visibility (an internal article in a public category).
    Symlinks to other files (images) stay: the build publishes an image only when its real
    file is inside the content folder (``kb_builder.images``).
    """
    real_root = root.resolve()
    folders: list[Path] = []
    paths: list[Path] = []
    for top, dirs, names in os.walk(root):  # followlinks=False: a linked folder is not entered
        here = Path(top)
        for name in dirs + names:
            entry = here / name
            if entry.is_symlink():
                problem = _symlink_problem(entry, root, real_root)
                if problem is not None:
                    problems.append(problem)
        dirs[:] = sorted(d for d in dirs if not (here / d).is_symlink() and not skipped(d))
        if here != root:
            folders.append(here)
        paths += (here / n for n in names if n.endswith(".md") and not (here / n).is_symlink())
    return sorted(folders), sorted(paths)


def _symlink_problem(link: Path, root: Path, real_root: Path) -> Problem | None:
    target = Path(os.path.realpath(link))
    kind = "folder" if target.is_dir() else "file"
    where = (Path(root.as_posix()) / link.relative_to(root).as_posix()).as_posix()
    if not target.is_relative_to(real_root):
        msg = (
            f"symlink to a {kind} outside the content folder ({os.readlink(link)}); "
            f"it is not read: copy the {kind} into the content folder instead"
        )
        return Problem(where, 0, "error", msg, "symlink")
    if kind == "folder" or link.name.endswith((".md", ".yml", ".yaml")):
        rel = target.relative_to(real_root).as_posix() or "."
        msg = (
            f"symlink to {rel} in the content folder; it is not read (it would publish the "
            f"{kind} again under this folder's visibility): link to the article instead"
        )
        return Problem(where, 0, "error", msg, "symlink")
    return None
