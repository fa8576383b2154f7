"""What git knows about the content: last change of each file, old names, every path it held.

One ``git log`` over the whole content folder (not one per file), so it stays quick on
thousands of articles; old versions of removed files come from one ``git cat-file --batch``.
Without git, or outside a repository, nothing is filled in.
"""

from __future__ import annotations

import codecs
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
    order: int = 0  # of its last commit in the history: a file changed later has a higher one


@dataclass
class History:
    """The content's git history: per current file, and every path it ever held."""

    files: dict[str, FileHistory] = field(default_factory=dict)
    # each path git ever held (relative to the content folder) -> the commit that last removed
    # or renamed it away ("" when the newest commit that names it kept it)
    paths: dict[str, str] = field(default_factory=dict)
    top: Path | None = None  # the repository's top folder
    prefix: str = ""  # the content folder's path in the repository, with a trailing "/"


def _run(args: list[str], cwd: Path, stdin: bytes | None = None) -> bytes | None:
    try:
        res = subprocess.run(
            ["git", "-c", "core.quotePath=false", *args],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.debug("git unavailable: %s", exc)
        return None
    return res.stdout if res.returncode == 0 else None


def _unquote(path: str) -> str:
    # git still quotes a path with a tab, newline, quote or backslash in it, C-style
    if len(path) > 1 and path.startswith('"') and path.endswith('"'):
        raw: bytes = codecs.escape_decode(path[1:-1].encode())[0]
        return raw.decode("utf-8", "replace")
    return path


def read_history(content_dir: Path) -> History:
    """Everything one ``git log`` of ``content_dir`` says; empty without git."""
    content_dir = content_dir.resolve()
    top_out = _run(["rev-parse", "--show-toplevel"], content_dir)
    if not top_out:
        return History()
    top = Path(top_out.decode().strip()).resolve()
    prefix = content_dir.relative_to(top).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    raw = _run(
        ["log", "--format=%x00%H %cI", "--name-status", "-M", "--no-merges", "--", "."],
        content_dir,
    )
    if not raw:
        return History(top=top, prefix=prefix)
    out = raw.decode("utf-8", "replace")
    result: dict[str, FileHistory] = {}
    paths: dict[str, str] = {}  # newest first: the first time a path is named decides
    current: dict[str, str] = {}  # a path as it was then -> the path it has now
    deleted: set[str] = set()
    sha, when, order = "", date.today(), 0
    for line in out.split("\n"):
        if line.startswith("\x00"):
            order -= 1  # newest first: each older commit ranks lower (dates can tie)
            sha, stamp = line[1:].split(" ", 1)
            when = datetime.fromisoformat(stamp.strip()).date()
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        status = parts[0]
        named = [_unquote(p).removeprefix(prefix) for p in parts[1:]]
        if status.startswith("R") and len(named) == 2:
            paths.setdefault(named[0], sha)
            paths.setdefault(named[1], "")
        else:
            paths.setdefault(named[0], sha if status.startswith("D") else "")
        if status.startswith("R") and len(named) == 2:
            old, new = named
            now = current.get(new, new)
            if now in deleted:
                continue
            current[old] = now
            entry = result.setdefault(now, FileHistory(sha[:12], when, order=order))
            entry.old_paths.append(old)
        elif status.startswith("D"):
            if named[0] not in result:
                deleted.add(named[0])
        else:
            now = current.get(named[0], named[0])
            if now not in deleted:
                result.setdefault(now, FileHistory(sha[:12], when, order=order))
    return History(result, paths, top, prefix)


def read_blobs(hist: History, specs: list[tuple[str, str]]) -> list[str | None]:
    """The text of each (commit, content-relative path); None where git holds no such file.

    One ``git cat-file --batch`` for all of them. The commit "" means HEAD.
    """
    if hist.top is None or not specs:
        return [None] * len(specs)
    lines = "".join(f"{rev or 'HEAD'}:{hist.prefix}{path}\n" for rev, path in specs)
    raw = _run(["cat-file", "--batch"], hist.top, lines.encode())
    if raw is None:
        return [None] * len(specs)
    found: list[str | None] = []
    pos = 0
    for _ in specs:
        end = raw.index(b"\n", pos)
        header = raw[pos:end].split(b" ")
        pos = end + 1
        if len(header) != 3 or not header[2].isdigit():  # "<spec> missing" / "ambiguous"
            found.append(None)
            continue
        size = int(header[2])
        blob = raw[pos : pos + size]
        pos += size + 1
        found.append(blob.decode("utf-8", "replace") if header[1] == b"blob" else None)
    return found
