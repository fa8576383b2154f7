"""What git knows about the content: last change of each file and the files' old names.

One ``git log`` over the whole content folder (not one per file), so it stays quick on
thousands of articles. Without git, or outside a repository, nothing is filled in.
"""

from __future__ import annotations

import logging
import subprocess
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass
class FileHistory:
    revision: str
    updated: date
    old_paths: list[str] = field(default_factory=list)  # relative to the content folder


def _run(args: list[str], cwd: Path) -> str | None:
    try:
        res = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.debug("git unavailable: %s", exc)
        return None
    return res.stdout if res.returncode == 0 else None


def history(content_dir: Path) -> dict[str, FileHistory]:
    """Map each tracked file (relative to ``content_dir``) to its last commit and old names."""
    content_dir = content_dir.resolve()
    top = _run(["rev-parse", "--show-toplevel"], content_dir)
    if not top:
        return {}
    prefix = content_dir.relative_to(Path(top.strip()).resolve()).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    out = _run(
        ["log", "--format=%x00%H %cI", "--name-status", "-M", "--no-merges", "--", "."],
        content_dir,
    )
    if not out:
        return {}
    result: dict[str, FileHistory] = {}
    current: dict[str, str] = {}  # a path as it was then -> the path it has now
    deleted: set[str] = set()
    sha, when = "", date.today()
    for line in out.split("\n"):
        if line.startswith("\x00"):
            sha, stamp = line[1:].split(" ", 1)
            when = datetime.fromisoformat(stamp.strip()).date()
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        status = parts[0]
        paths = [p.removeprefix(prefix) for p in parts[1:]]
        if status.startswith("R") and len(paths) == 2:
            old, new = paths
            now = current.get(new, new)
            if now in deleted:
                continue
            current[old] = now
            entry = result.setdefault(now, FileHistory(sha[:12], when))
            entry.old_paths.append(old)
        elif status.startswith("D"):
            if paths[0] not in result:
                deleted.add(paths[0])
        else:
            now = current.get(paths[0], paths[0])
            if now not in deleted:
                result.setdefault(now, FileHistory(sha[:12], when))
    return result
