"""Images in ``content/`` that articles reference, published beside the pages that show them.

A writer puts ``content/scheduling/images/menu.png`` next to an article and writes
``![The menu](images/menu.png)`` (or ``<img src="images/menu.png">``, ``../shared/x.png``, a
reference definition, or a plain link to the file). The planner rewrites each such reference to
the URL the file gets in that portal (its path in ``content/``, under the portal's root, as
MkDocs would publish a file of its docs folder) and lists the file in the plan; ``assemble``
copies it in. Only a portal one of whose pages references an image gets it: an image used only
by internal or draft articles is never in ``build/public``.

Published: png, jpg, jpeg, gif and webp files inside the content folder (a symlink leading out
of it is not followed). SVG is refused, not sanitised: served from the help center's own origin,
an SVG opened on its own is a document whose scripts run there. ``kb check`` names every
reference that stays unpublished (``broken-image``, ``image-type``). Imports neither mkdocs nor
Flask.
"""

from __future__ import annotations

import html
import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote, unquote

from kb_builder.articles import Article
from kb_builder.code import outside_code
from kb_builder.nearest import near_name
from kb_builder.references import point_definitions
from kb_core.errors import Problem, did_you_mean

IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
REFUSED_TYPES = (".svg", ".svgz")  # can carry script: refused rather than sanitised

Status = Literal["ok", "missing", "outside", "svg", "type"]

# a cheap test that a text may reference an image at all (most articles do not)
_MAYBE = re.compile(r"\.(?:png|jpe?g|gif|webp|svgz?)\b", re.IGNORECASE)
# the destination of an inline link or image: ](dest ...) or ](<dest with spaces> ...)
_INLINE = re.compile(r"(\]\(\s*)(<[^>\n]+>|[^)\s<>]+)")
# a raw HTML src or href value, quoted or not
_ATTRIBUTE = re.compile(r"(\b(?:src|href)\s*=\s*)(\"[^\"\n]*\"|'[^'\n]*'|[^\"'\s>]+)", re.I)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


@dataclass(frozen=True)
class LocalFile:
    """What a relative reference names: its path in the content folder (as resolved, even when
    it is not there), and whether the build publishes it."""

    path: str
    status: Status


def local_file(
    root: Path, source: str, target: str, real_root: str | None = None
) -> LocalFile | None:
    """The content file a reference in ``source`` (content-relative) names, or None when the
    reference is no relative path (a URL, a site path, an anchor).

    ``status``: ``ok`` (an image the build publishes), ``missing``, ``outside`` (the path or a
    symlink on it leads out of the content folder), ``svg`` or ``type`` (not an image type).
    """
    path = unquote(re.split(r"[?#]", target, maxsplit=1)[0]).strip()
    if not path or path.startswith(("/", "\\", "<")) or _SCHEME.match(path):
        return None
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
    if resolved == ".." or resolved.startswith(("../", "/")):
        return LocalFile(resolved, "outside")
    full = root / resolved
    if not full.is_file():
        return LocalFile(resolved, "missing")
    real = os.path.realpath(full)
    base = real_root or os.path.realpath(root)
    if not real.startswith(base.rstrip(os.sep) + os.sep):
        return LocalFile(resolved, "outside")
    suffix = posixpath.splitext(resolved)[1].lower()
    if suffix in REFUSED_TYPES:
        return LocalFile(resolved, "svg")
    if suffix not in IMAGE_TYPES:
        return LocalFile(resolved, "type")
    return LocalFile(resolved, "ok")


def image_problem(a: Article, line: int, target: str, root: Path) -> Problem | None:
    """A warning for a relative image path the build cannot publish: no such file in the
    content (or outside it), an SVG, or a file of another type.

    Warnings, as MkDocs has them; ``--strict`` refuses them. Absolute paths and URLs are left
    alone: the site's host may serve them.
    """
    found = local_file(root, a.source, target)
    if found is None or found.status == "ok":
        return None
    if found.status in ("missing", "outside"):
        folder = a.where[: -len(a.source)] if a.where.endswith(a.source) else ""
        where = "outside the content folder"
        if found.status == "missing":
            near = _near_image(root, found.path)
            if near is not None:  # as the article would write it
                near = posixpath.relpath(near, posixpath.dirname(a.source) or ".")
            where = f"{folder}{found.path}{did_you_mean(near)}"
        return Problem(
            a.where,
            line,
            "warning",
            f"broken image: {target} (no such file: {where})",
            "broken-image",
        )
    if found.status == "svg":
        why = "SVG is not published, since an SVG can carry scripts: export it as PNG or WebP"
    else:
        why = f"only {', '.join(t[1:] for t in IMAGE_TYPES)} files are published"
    return Problem(a.where, line, "warning", f"image not published: {target}: {why}", "image-type")


def _near_image(root: Path, path: str) -> str | None:
    """The image file in the folder of missing ``path`` (content-relative) whose name is only a
    slip apart from it, if any."""
    folder = root / path.rpartition("/")[0]
    if not folder.is_dir():
        return None
    names = (
        f"{path.rpartition('/')[0]}/{f.name}".lstrip("/")
        for f in folder.iterdir()
        if f.suffix.lower() in IMAGE_TYPES and f.is_file()
    )
    return near_name(path, names)


def relative_file_url(page_url: str, path: str) -> str:
    """The URL of the published file ``path`` (portal-relative) from the page at ``page_url``
    (a directory URL, 'a/b/'), percent-encoded: '../images/my%20menu.png'."""
    here = [p for p in page_url.split("/") if p]
    there = path.split("/")
    same = 0
    for a, b in zip(here, there[:-1], strict=False):
        if a != b:
            break
        same += 1
    return quote("/".join([".."] * (len(here) - same) + there[same:]), safe="/")


def publish_images(
    markdown: str, source: str, page_url: str, root: Path, found: dict[str, str]
) -> str:
    """``markdown`` with each relative reference to a publishable image in the content folder
    pointed at the URL the image gets (relative to the page at ``page_url``), outside code.

    Each such image goes into ``found`` (path in the portal -> file to copy); any other
    reference is left as written (``kb check`` reports it).
    """
    if not _MAYBE.search(markdown):
        return markdown
    real_root = os.path.realpath(root)

    def point(target: str, unescape: bool = False) -> str | None:
        value = html.unescape(target) if unescape else target
        if not _MAYBE.search(value):
            return None
        hit = local_file(root, source, value, real_root)
        if hit is None or hit.status != "ok":
            return None
        found[hit.path] = os.fspath(root / hit.path)
        rest = re.split(r"(?=[?#])", value, maxsplit=1)
        return relative_file_url(page_url, hit.path) + (rest[1] if len(rest) > 1 else "")

    def inline(m: re.Match[str]) -> str:
        raw = m.group(2)
        url = point(raw[1:-1] if raw.startswith("<") else raw)
        return m.group(0) if url is None else m.group(1) + url

    def attribute(m: re.Match[str]) -> str:
        raw = m.group(2)
        quote_char = raw[0] if raw[:1] in ("'", '"') else ""
        url = point(raw[1:-1] if quote_char else raw, unescape=True)
        if url is None:
            return m.group(0)
        return f"{m.group(1)}{quote_char or chr(34)}{html.escape(url)}{quote_char or chr(34)}"

    if "]:" in markdown:  # reference definitions, read as the renderer reads them
        markdown = point_definitions(markdown, point)
    return outside_code(
        markdown,
        lambda text: _rewrite(text, inline, attribute),
        lambda line: bool(_MAYBE.search(line)),
    )


def _rewrite(
    text: str,
    inline: Callable[[re.Match[str]], str],
    attribute: Callable[[re.Match[str]], str],
) -> str:
    if not _MAYBE.search(text):
        return text
    if "](" in text:
        text = _INLINE.sub(inline, text)
    if "=" in text:
        text = _ATTRIBUTE.sub(attribute, text)
    return text
