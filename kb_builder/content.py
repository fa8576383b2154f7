"""Load ``content/``: categories from folders, articles from Markdown with front matter.

Loading never raises for a bad file: every problem becomes a :class:`Problem` with the file and
line, and the rest of the knowledge base still loads. Imports neither mkdocs nor Flask.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
from collections.abc import Callable
from concurrent.futures import Future
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
    KnowledgeBase,
    is_article_path,
    skipped_folder,
    slug_for,
)
from kb_builder.buildcache import Cache
from kb_builder.guards import visibility_slips, walk
from kb_builder.languages import (
    is_intro_translation,
    link_translations,
    load_category_texts,
    split_translations,
)
from kb_builder.sanitize import html_removals
from kb_core.config import SiteConfig, Visibility
from kb_core.errors import Problem, impossible_value, invalid_value, yaml_problem
from kb_core.search.text.tables import labelled

log = logging.getLogger(__name__)

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
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
    in_fence = False
    for n, line in enumerate(markdown.split("\n")):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        m = None if in_fence else _HEADING.match(line)
        if not m:
            continue
        text = _ATTR_LIST.sub("", m.group(2))
        text = re.sub(r"[*_`]|\[([^\]]*)\]\([^)]*\)", lambda x: x.group(1) or "", text).strip()
        anchor = unique(slugify(text, "-"), ids) if text else ""
        found.append(Heading(anchor, text, len(m.group(1)), first_line + n))
    return found


def _load_category(folder: Path, root: Path, problems: list[Problem]) -> Category:
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


def _parse_article(
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


def _parse_cached(
    path: Path,
    root: Path,
    category: tuple[str, ...],
    problems: list[Problem],
    cache: Cache | None,
    html: bool = False,
) -> Article | None:
    """The article parsed from ``path``, or the last build's parse of it when the file's size
    and times did not change; ``html``: work out what the HTML allowlist cuts, and keep it."""
    if cache is None:
        return _parse_article(path, root, category, problems)
    try:
        st = path.stat()
    except OSError:
        return _parse_article(path, root, category, problems)
    key = path.relative_to(root).as_posix()
    stamp = _stamp(st)
    blob = cache.get(key, stamp)
    if blob is None:
        article, found, blob = _parsed(path, root, category, html)
        cache.put(key, stamp, blob)
    else:  # a fresh copy: the build changes articles (ids, git history)
        article, found = pickle.loads(blob)
    problems.extend(found)
    return article


def _stamp(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _parsed(
    path: Path, root: Path, category: tuple[str, ...], html: bool
) -> tuple[Article | None, list[Problem], bytes]:
    """The article parsed from ``path``, its problems, and both as the content cache keeps
    them."""
    found: list[Problem] = []
    article = _parse_article(path, root, category, found)
    if article is not None and html:  # the check's costliest part, kept with the parse
        article.removed_html = html_removals(article.markdown)
    return article, found, pickle.dumps((article, found), protocol=pickle.HIGHEST_PROTOCOL)


def _article_files(
    root: Path, paths: list[Path], codes: tuple[str, ...]
) -> list[tuple[Path, str, tuple[str, ...]]]:
    """Of ``paths`` (what :func:`walk` found), the articles: each with its content path and
    its category, in order."""
    out = []
    for path in paths:
        rel = path.relative_to(root)
        key = rel.as_posix()
        if is_article_path(key) and not is_intro_translation(key, codes):
            out.append((path, key, tuple(slug_for(p) for p in rel.parts[:-1])))
    return out


PARSE_AHEAD_MIN = 200  # files to parse before half of them go to another process


def parse_ahead(
    root: Path, config: SiteConfig, cache: Cache, submit: Callable[..., Future[Any]]
) -> None:
    """Have another process (``submit``: a build's index worker, idle until the content is
    loaded) parse the second half of the files ``cache`` lacks while :func:`load_content`
    parses the first: a first build of cpp-docs parses 9,740 files on one core otherwise.
    What it parses is put into ``cache`` when :func:`load_content` first asks for one of them;
    should the process fail, ``load_content`` parses them itself."""
    todo = []
    _, paths = walk(root, skipped_folder, [])  # its problems are load_content's to report
    for path, key, category in _article_files(root, paths, config.site.codes):
        try:
            stamp = _stamp(path.stat())
        except OSError:
            continue
        if cache.get(key, stamp) is None:
            todo.append((key, category))
    if len(todo) < PARSE_AHEAD_MIN:
        return
    half = todo[len(todo) // 2 :]
    future = submit(parse_files, root, half, not config.content.trust_raw_html)

    def fetch() -> list[tuple[str, Any, Any]]:
        try:
            return future.result()  # type: ignore[no-any-return]
        except Exception as exc:  # the process died or failed: this one parses them
            log.warning("parsing ahead failed (%s): the files are parsed here", exc)
            return []

    cache.expect({key for key, _ in half}, fetch)


def parse_files(
    root: Path, files: list[tuple[str, tuple[str, ...]]], html: bool
) -> list[tuple[str, Any, bytes]]:
    """What the content cache keeps of each of ``files`` (content paths, with their
    category): run in another process by :func:`parse_ahead`."""
    out = []
    for key, category in files:
        path = root / key
        try:
            stamp = _stamp(path.stat())
        except OSError:
            continue
        out.append((key, stamp, _parsed(path, root, category, html)[2]))
    return out


def _resolve_visibility(
    article: Article, categories: dict[tuple[str, ...], Category], config: SiteConfig
) -> Visibility:
    if article.meta.visibility:
        return article.meta.visibility
    path = article.category_path
    while path:
        cat = categories.get(path)
        if cat and cat.visibility:
            return cat.visibility
        path = path[:-1]
    return config.site.default_visibility


def _disambiguate_ids(articles: list[Article]) -> None:
    explicit = {a.id for a in articles if a.explicit_id}
    seen: dict[str, int] = {}
    for a in articles:
        if not a.explicit_id:
            seen[a.id] = seen.get(a.id, 0) + 1
    for a in articles:
        if not a.explicit_id and (seen[a.id] > 1 or a.id in explicit):
            a.id = "-".join((*a.category_path, a.slug))


def load_content(
    root: Path,
    config: SiteConfig,
    on_file: Callable[[int, int], None] | None = None,
    cache: Cache | None = None,
) -> KnowledgeBase:
    """Load every category and article below ``root``; problems are collected, not raised.

    ``on_file(done, total)`` is called as files are read (for a progress bar). With a ``cache``,
    a file whose size and times did not change is taken from the last build instead of parsed.
    """
    problems: list[Problem] = []
    categories: dict[tuple[str, ...], Category] = {}
    articles: list[Article] = []
    unloaded: dict[str, str] = {}
    held: list[Article] = []
    if not root.is_dir():
        problems.append(Problem(str(root), 0, "error", "content folder not found", "missing"))
        return KnowledgeBase(root, categories, articles, problems)
    folders, paths = walk(root, skipped_folder, problems)
    codes = config.site.codes
    html = not config.content.trust_raw_html
    for folder in folders:
        rel = folder.relative_to(root)
        categories[tuple(slug_for(p) for p in rel.parts)] = _load_category(folder, root, problems)
    files = _article_files(root, paths, codes)
    for n, (path, key, category) in enumerate(files, 1):
        if on_file is not None and (n % 50 == 0 or n == len(files)):
            on_file(n, len(files))
        article = _parse_cached(path, root, category, problems, cache, html)
        if article is not None and not article.held:
            articles.append(article)
        else:
            unloaded[key] = _claimed_id(path)
            if article is not None:
                held.append(article)
    for a in articles + held:
        a.visibility = _resolve_visibility(a, categories, config)
    articles, translations = split_translations(articles, config, problems)
    _disambiguate_ids(articles)
    translations = link_translations(articles, translations, problems)
    problems += load_category_texts(root, categories, codes)
    kb = KnowledgeBase(root, categories, articles, problems)
    kb.translations = translations
    kb.unloaded = unloaded
    kb.held = held
    return kb


def _claimed_id(path: Path) -> str:
    """The id an article file that did not load names: its ``id:`` when its front matter
    still reads as a mapping, else its file name's (what links to it would use)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        handler = YAMLHandler()
        data = handler.load(handler.split(text)[0]) if handler.detect(text) else None
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError):
        data = None
    claimed = data.get("id") if isinstance(data, dict) else None
    return claimed if isinstance(claimed, str) and claimed else slug_for(path.stem)


# a table: its lines in a row, each between pipes ("^" outside any group lets the regex engine
# try line starts only: four times faster than the same lines as a repeated group)
_TABLE = re.compile(r"^[ \t]*\|.*\|[ \t]*$(?:\n[ \t]*\|.*\|[ \t]*$)*\n?", re.MULTILINE)
_TABLE_RULE = re.compile(r":?-+:?")  # a cell of the line under a table's header
# emphasis and code marks; the lookahead tries the alternatives (and the lookbehind) only where
# a mark is, which makes this, the costliest step of plain_text, four times faster
_MARKS = re.compile(r"(?=[*_~`])(?:(?<!\w)[*_~]+|[*_~]+(?!\w)|`+)")
_GAPS = re.compile(r"[ \t]{2,}|\t")  # runs of blanks become one space
# a reference definition whose destination is a path or URL ('[menu]: images/menu.png "Menu"'):
# no words of the article, and a relative path pasted from a snippet or a card is broken (a
# footnote, '[^1]: text', is words; so is code like '[key: string]: number;')
_REFERENCE_DEFINITION = re.compile(
    r"^[ \t]{0,3}\[(?!\^)([^\]\n]+)\]:[ \t]*(?:<[^>\n]*>|[^\s<>]*[/.:#][^\s<>]*)"
    r"(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?[ \t]*$",
    re.MULTILINE,
)
# '![alt][ref]' and '[text][ref]' (the latter only when the text defines 'ref': 'a[i][j]' is code)
_REFERENCE_IMAGE = re.compile(r"!\[([^\]\n]*)\]\[[^\]\n]*\]")
_REFERENCE_LINK = re.compile(r"\[([^\]\n]*)\]\[([^\]\n]*)\]")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip()[1:-1].split("|")]


def _table(m: re.Match[str], language: str = "en") -> str:
    """A table as lines of text, the cells of a line apart (``CELLS``), each line where its
    row was: the header row as it is, and each row under it with the header of each of its
    cells ("Paid by: Credit card · Time until you see the money: 5-10 days"), so a row quoted
    alone (a snippet, an answer card) still says what its cells are; the line under the
    header is left empty, and each label ends as ``language`` writes it (a narrow no-break
    space before the colon in French). Lines between pipes without that line under the first
    are cells only."""
    rows = [_cells(line) for line in m.group().rstrip("\n").split("\n")]
    ruled = len(rows) > 1 and all(_TABLE_RULE.fullmatch(c) for c in rows[1])
    out = []
    for i, cells in enumerate(rows):
        if ruled and i == 1:
            out.append("")
        else:
            out.append(labelled(rows[0] if ruled and i > 1 else (), cells, language))
    return "\n".join(out) + ("\n" if m.group().endswith("\n") else "")


# an admonition: Material's "!!! note" (or a collapsible "??? note"), its body the indented
# lines after it; or a fenced ":::note ... :::" (Docusaurus' writers bring theirs along)
_ADMONITION = re.compile(r"^([ \t]*)(?:!!!|\?\?\?\+?)[ \t]*[\w-]+")
_FENCE_OPEN = re.compile(r"^[ \t]*:::[ \t]*[\w-]+")
_FENCE_CLOSE = re.compile(r"^[ \t]*:::[ \t]*$")


def aside_texts(markdown: str, language: str = "en") -> list[str]:
    """The plain text of each admonition in ``markdown`` (a note, tip or warning beside the
    text; :func:`plain_text` in ``language``): the search's answer card tells a caveat from
    the answer by it."""
    lines = markdown.split("\n")
    found: list[str] = []
    i = 0
    while i < len(lines):
        opened = _ADMONITION.match(lines[i])
        body: list[str] = []
        if opened:
            indent = len(opened.group(1).expandtabs(4))
            i += 1
            while i < len(lines) and (
                not lines[i].strip()
                or len(lines[i].expandtabs(4)) - len(lines[i].expandtabs(4).lstrip()) > indent
            ):
                body.append(lines[i])
                i += 1
        elif _FENCE_OPEN.match(lines[i]):
            i += 1
            while i < len(lines) and not _FENCE_CLOSE.match(lines[i]):
                body.append(lines[i])
                i += 1
            i += 1
        else:
            i += 1
            continue
        text = plain_text("\n".join(line.strip() for line in body), language)
        if text:
            found.append(text)
    return found


def plain_text(markdown: str, language: str = "en") -> str:
    """Markdown reduced to searchable text (no markup, links keep their words); a table's
    cell labels are written as ``language`` (the article's) writes them."""
    # a table row stays one line with its cells apart, so a snippet never runs them together
    text = _TABLE.sub(lambda m: _table(m, language), markdown)
    if "]:" in text:
        defined = {m.group(1).casefold() for m in _REFERENCE_DEFINITION.finditer(text)}
        text = _REFERENCE_DEFINITION.sub("", text)
        text = _REFERENCE_LINK.sub(
            lambda m: m.group(1) if (m.group(2) or m.group(1)).casefold() in defined else m[0],
            _REFERENCE_IMAGE.sub(r"\1", text),
        )
    elif "][" in text:
        text = _REFERENCE_IMAGE.sub(r"\1", text)
    text = re.sub(r"<[^>\n]+>", " ", text)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    # an admonition's title is a label of its own, not a quoted sentence joining the text
    text = re.sub(
        r'^\s*(?:!!!|\?\?\?\+?)[ \t]*[\w-]+(?:[ \t]+[\w-]+)*(?:[ \t]+"([^"\n]*)")?',
        r" \1",
        text,
        flags=re.MULTILINE,
    )
    text = re.sub(r"^[#>\s|*+-]+", " ", text, flags=re.MULTILINE)
    # emphasis marks go without leaving a gap; an underscore inside a word stays
    text = _MARKS.sub("", text.replace("|", " "))
    return _GAPS.sub(" ", text).strip()
