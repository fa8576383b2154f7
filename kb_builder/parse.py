"""One file of ``content/`` parsed: an article (its front matter checked key by key, its
headings and their anchors) or a category's ``_category.yml`` and intro; every problem is
collected with its file and line, never raised."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from frontmatter.default_handlers import YAMLHandler
from markdown.extensions.toc import slugify, unique
from pydantic import ValidationError

from kb_builder import compat
from kb_builder.articles import (
    CATEGORY_FILE,
    INTRO_FILES,
    KNOWN_KEYS,
    Article,
    ArticleMeta,
    Category,
    CategoryMeta,
    Heading,
    slug_for,
)
from kb_builder.code import fenced_lines
from kb_builder.guards import visibility_slips
from kb_builder.nearest import nearest
from kb_core.errors import Problem, did_you_mean, impossible_value, invalid_value, yaml_problem

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_ATTR_LIST = re.compile(r"\s*\{[:#.][^}]*\}\s*$")


def _key_lines(fm_text: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    for n, line in enumerate(fm_text.split("\n")):
        m = re.match(r"^([A-Za-z_][\w.-]*)\s*:", line)
        if m:
            lines.setdefault(m.group(1), n + 1)  # fm_text starts after the opening '---'
    return lines


def _humanize(stem: str) -> str:
    words = re.sub(r"[-_]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else stem


def parse_headings(markdown: str, first_line: int) -> list[Heading]:
    """Headings outside code fences, with the anchors Python-Markdown's toc will give them."""
    found: list[Heading] = []
    ids: set[str] = set()
    lines = markdown.split("\n")
    # a heading in code is none, where the renderer sees code (a '```Output' line is in it)
    fenced = fenced_lines(lines) if "``" in markdown or "~~" in markdown else None
    for n, line in enumerate(lines):
        m = None if fenced and fenced[n] else _HEADING.match(line)
        if not m:
            continue
        text = _ATTR_LIST.sub("", m.group(2))
        text = re.sub(r"[*_`]|\[([^\]]*)\]\([^)]*\)", lambda x: x.group(1) or "", text).strip()
        anchor = unique(slugify(text, "-"), ids) if text else ""
        found.append(Heading(anchor, text, len(m.group(1)), first_line + n))
    return found


def load_category(folder: Path, root: Path, problems: list[Problem]) -> Category:
    rel = folder.relative_to(root)
    path = tuple(slug_for(p) for p in rel.parts)
    meta = CategoryMeta()
    meta_file = folder / CATEGORY_FILE
    if meta_file.is_file() and not meta_file.is_symlink():  # a symlink is reported, not read
        where = meta_file.as_posix()
        lines: dict[str, int] = {}
        try:
            text = meta_file.read_text(encoding="utf-8")
            lines = _key_lines(text)
            data = yaml.safe_load(text) or {}
            if isinstance(data, dict):
                data = {str(k): v for k, v in data.items()}
                slips = visibility_slips(data, lines, where, "category")
                problems.extend(slips.values())
                data = {k: v for k, v in data.items() if k not in slips}
            meta = CategoryMeta.model_validate(data)
        except yaml.YAMLError as exc:
            line, problem = yaml_problem(exc)
            problems.append(Problem(where, line + 1, "error", problem, "category"))
        except UnicodeDecodeError as exc:
            problems.append(Problem(where, 0, "error", f"unreadable: {exc}", "category"))
        except ValidationError as exc:
            for err in exc.errors():
                key = ".".join(str(p) for p in err["loc"])
                line = lines.get(str(err["loc"][0]), 0) if err["loc"] else 0
                msg = f"{key}: {invalid_value(err)}"
                problems.append(Problem(where, line, "error", msg, "category"))
        except ValueError as exc:  # YAML that parses but names no real value: 2024-02-30
            line, problem, _ = impossible_value(text, exc)
            problems.append(Problem(where, line + 1, "error", problem, "category"))
    intro = ""
    for name in INTRO_FILES:
        f = folder / name
        if f.is_file() and not f.is_symlink():
            try:
                intro = compat.to_mkdocs(frontmatter.loads(f.read_text(encoding="utf-8")).content)
            except Exception as exc:  # a broken intro costs the intro, never the build
                where = f.as_posix()
                problems.append(Problem(where, 0, "warning", f"intro skipped: {exc}", "intro"))
            break
    return Category(
        path=path,
        title=meta.title or _humanize(rel.parts[-1]),
        description=meta.description,
        icon=meta.icon,
        order=meta.order,
        visibility=meta.visibility,
        intro=intro,
        folder=rel.as_posix(),
    )


def parse_article(
    path: Path, root: Path, category: tuple[str, ...], problems: list[Problem]
) -> Article | None:
    source = path.relative_to(root).as_posix()
    where = (Path(root.as_posix()) / source).as_posix()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(where, 0, "error", f"unreadable: {exc.strerror}", "unreadable"))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        msg = f"not UTF-8 (byte {raw[exc.start]:#04x} at offset {exc.start}); save as UTF-8"
        problems.append(Problem(where, line, "error", msg, "unreadable"))
        return None
    text = text.replace("\r\n", "\n").replace("\x00", "")
    handler = YAMLHandler()
    fm_text, body, body_line = "", text, 1
    data: Any = {}
    impossible = ""  # the key of a value YAML cannot make (2027-13-07), reported already
    if handler.detect(text):
        try:
            fm_text, body = handler.split(text)
        except ValueError:
            fm_text, body = "", text
        body_line = text.count("\n", 0, len(text) - len(body)) + 1
        try:
            data = handler.load(fm_text) if fm_text.strip() else {}
        except yaml.YAMLError as exc:
            line, problem = yaml_problem(exc)  # fm_text starts with the newline after '---'
            problems.append(
                Problem(where, line + 1, "error", f"front matter: {problem}", "front-matter")
            )
            return None
        except ValueError as exc:  # YAML that parses but names no real value: 2024-02-30
            line, problem, impossible = impossible_value(fm_text, exc)
            msg = f"front matter: {problem}"
            problems.append(Problem(where, line + 1, "error", msg, "front-matter"))
            if not impossible:
                return None
            data = yaml.load(fm_text, Loader=_DatesAsText)  # the rest, to check its body
            data.pop(impossible, None)
        if not isinstance(data, dict):
            problems.append(
                Problem(where, 1, "error", "front matter: must be a mapping", "front-matter")
            )
            return None
    data = {str(k): v for k, v in data.items()}
    key_lines = _key_lines(fm_text)
    slips = visibility_slips(data, key_lines, where, "front-matter", "front matter: ")
    problems.extend(slips.values())
    bad = set(slips) | ({impossible} if impossible else set())
    try:
        meta = ArticleMeta.model_validate({k: v for k, v in data.items() if k not in slips})
    except ValidationError as exc:
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            msg = invalid_value(err)
            line = key_lines.get(str(err["loc"][0]), 1) if err["loc"] else 1
            problems.append(
                Problem(where, line, "error", f"front matter: {key}: {msg}", "front-matter")
            )
            bad.add(str(err["loc"][0]) if err["loc"] else "")
    if bad:
        held = _held_meta(data, bad, set(slips))
        if held is None:
            return None
        meta = held
    unknown = sorted(k for k in data if k not in KNOWN_KEYS and k not in bad)
    for key, meant in ((k, nearest(k, KNOWN_KEYS)) for k in unknown):
        if meant is not None:  # a slip of a key we read: 'sumary'
            msg = f"front matter: unknown key ignored: {key}{did_you_mean(meant)}"
            problems.append(Problem(where, key_lines.get(key, 2), "warning", msg, "unknown-key"))
            unknown.remove(key)
    if unknown:
        problems.append(
            Problem(
                where,
                min(key_lines.get(k, 2) for k in unknown),
                "warning",
                f"front matter: unknown keys ignored: {', '.join(unknown)}",
                "unknown-key",
            )
        )
    markdown = compat.to_mkdocs(body)
    digest = hashlib.sha1(raw).hexdigest()
    headings = parse_headings(markdown, body_line)
    title = (meta.title or "").strip()
    if not title:
        h1 = next((h for h in headings if h.level == 1), None)
        title = h1.title if h1 else _humanize(path.stem)
        if h1 is None and markdown.strip():  # an empty article is warned about below
            msg = f"no title: neither a `title:` nor a first `#` heading; titled {title!r}"
            problems.append(Problem(where, 1, "warning", msg + " from its file name", "no-title"))
    if not markdown.strip() and not fm_text:
        problems.append(Problem(where, 1, "warning", "empty article", "empty"))
    return Article(
        held=bool(bad),
        source=source,
        id=meta.id or slug_for(path.stem),
        explicit_id=meta.id is not None,
        title=title,
        category_path=category,
        slug=slug_for(path.stem),
        markdown=markdown,
        meta=meta,
        visibility=meta.visibility or "public",  # resolved against categories by the caller
        body_line=body_line,
        revision="c" + digest[:11],
        digest=digest,
        headings=headings,
        aliases=list(meta.aliases),
        key_lines=key_lines,
        where=where,
    )


class _DatesAsText(yaml.SafeLoader):
    """YAML as the front matter's loader reads it, with dates left as text: the one loader
    that can read a front matter holding an impossible date (``2027-13-07``)."""


def _date_as_text(loader: _DatesAsText, node: yaml.Node) -> str:
    return str(node.value)


_DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", _date_as_text)


def _held_meta(data: dict[str, Any], bad: set[str], slips: set[str]) -> ArticleMeta | None:
    """The front matter of an article whose keys ``bad`` are in error, without them, so that
    its body can still be checked (every problem at once: a misspelt key and the broken links
    below it in one run); None when what it means to be cannot be told.

    A visibility written under a misspelt key or in the wrong case ('visibilty: public',
    'visibility: Public') is what it says; a hiding key with no visibility ('draft: true',
    'status: private') or an unknown value leaves it unclear, and the article unchecked.
    """
    meant: list[str] = []
    for key in bad:
        value = data.get(key)
        word = value.strip().lower() if isinstance(value, str) else None
        if word in ("public", "internal", "draft"):
            meant.append(word)
        elif key == "visibility" or key in slips:
            return None
    kept = {k: v for k, v in data.items() if k not in bad}
    if len(set(meant)) > 1:
        return None
    if meant:
        kept["visibility"] = meant[0]
    try:
        return ArticleMeta.model_validate(kept)
    except ValidationError:
        return None
