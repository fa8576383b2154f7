"""Render a planned docs tree with MkDocs + Material, incrementally when it is safe.

The generated docs tree and the site stay in ``build/.work`` between builds. A file whose text
did not change keeps its modification time, so MkDocs' dirty mode skips pages that did not change;
anything that affects every page (config, theme, kb-portal version) forces a clean build.
"""

from __future__ import annotations

import gc
import json
import logging
import operator
import pickle
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from kb_builder import __version__
from kb_builder.assemble import page_dest, publish_file
from kb_builder.buildcache import release_memory
from kb_builder.markup import MARKDOWN_EXTENSIONS
from kb_builder.pages import TreePlan
from kb_core.config import SiteConfig
from kb_core.errors import BuildError

log = logging.getLogger(__name__)

THEME_DIR = Path(__file__).parent / "theme"
STATE_FILE = "state.json"
PLAN_FILE = "plan.pickle"  # a part's plan, handed over to the worker that renders it


@dataclass
class RenderResult:
    pages: int
    rebuilt: int
    incremental: bool
    warnings: list[str]


def _theme_digest() -> str:
    import hashlib

    h = hashlib.sha1(__version__.encode())
    for p in sorted(THEME_DIR.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(p.relative_to(THEME_DIR).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


def sync_tree(files: dict[str, str], docs_dir: Path) -> tuple[set[str], set[str]]:
    """Write changed files, delete vanished ones; return (written, removed) relative paths."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    existing = {p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*.md")}
    written: set[str] = set()
    for rel, text in files.items():
        target = docs_dir / rel
        data = text.encode("utf-8")
        try:
            if target.read_bytes() == data:
                continue
        except OSError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.add(rel)
    removed = existing - set(files)
    for rel in removed:
        (docs_dir / rel).unlink(missing_ok=True)
    return written, removed


def material_language(code: str) -> str:
    """The language Material's own texts take for ``code``: itself, its base, else English."""
    import material

    found = Path(material.__file__).parent / "templates" / "partials" / "languages"
    for name in (code, code.split("-")[0]):
        if (found / f"{name}.html").is_file():
            return name
    return "en"


def mkdocs_config(
    plan: TreePlan, config: SiteConfig, docs_dir: Path, site_dir: Path, data_file: Path, dirty: bool
) -> dict[str, Any]:
    site = config.site
    lang = str(plan.data.get("lang") or site.language)
    site_url = site.url + ("/internal/" if plan.tree == "internal" else "/")
    site_url += str(plan.data.get("prefix") or "")
    extra: dict[str, Any] = {}
    if plan.data.get("languages"):
        # Material draws its language selector when extra.alternate is set; the hooks make
        # it the switcher of each page (hooks.py: _LanguageSelector, why no head links).
        extra["alternate"] = [
            {"name": x["label"], "link": site.url + "/" + x["prefix"], "lang": x["code"]}
            for x in plan.data["languages"]
        ]
    return {
        "site_name": site.name + (" (internal)" if plan.tree == "internal" else ""),
        "site_url": site_url,
        "site_description": config.site_text("site.description", site.description, lang),
        "docs_dir": str(docs_dir),
        "site_dir": str(site_dir),
        "use_directory_urls": True,
        "theme": {
            "name": "material",
            "custom_dir": str(THEME_DIR / "overrides"),
            "language": material_language(lang),
            "features": ["search.highlight", "content.code.copy", "navigation.top"],
            "palette": {"primary": site.primary_color, "accent": site.accent_color},
            "icon": {"logo": "material/lifebuoy"},
            "favicon": "assets/kb/favicon.svg",
            "font": False,  # no Google Fonts: the portal loads nothing from other hosts
        },
        "plugins": ["search"],
        "hooks": [str(THEME_DIR / "hooks.py")],
        "markdown_extensions": json.loads(json.dumps(MARKDOWN_EXTENSIONS)),  # MkDocs may edit it
        "extra": {
            "kb_data": str(data_file),
            "kb_dirty": dirty,
            "kb_jinja_cache": str(docs_dir.parent.parent / "jinja-cache"),
            "kb_trust_raw_html": config.content.trust_raw_html,
            "kb_lang": lang,
            "generator": False,
            **extra,
        },
        "extra_css": [],
        "validation": {
            "nav": {"omitted_files": "ignore", "not_found": "ignore", "absolute_links": "ignore"},
            "links": {
                "not_found": "ignore",
                "absolute_links": "ignore",
                "unrecognized_links": "ignore",
                "anchors": "ignore",
            },
        },
    }


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if "dirty" not in msg:
            self.messages.append(msg)


def warm_up() -> None:
    """Import what rendering needs: run as each render worker starts, while the build's main
    process is still loading the content."""
    import material.plugins.search.plugin  # noqa: F401
    import mkdocs.commands.build  # noqa: F401
    import mkdocs.config  # noqa: F401
    import pymdownx.highlight  # noqa: F401
    import pymdownx.superfences  # noqa: F401


class _ReusedMarkdown:
    """Stands for the ``markdown`` module in ``mkdocs.structure.pages`` during a render: its
    ``Markdown`` hands every page the same instance, reset, as Python-Markdown means one to be
    reused (``md.reset().convert(text)``), where MkDocs 1.6 builds a new one for each page.

    Building one costs as much as converting a help-center article with this extension list
    (about a quarter of a page's render). What MkDocs registers on it for a page (its anchor,
    link and title processors) replaces, under the same names, what the last page registered,
    and ``reset`` clears every extension's per-page state (toc, stashes, references), so each
    page renders as it would alone (``tests/test_build.py`` holds a build to that).
    """

    def __init__(self, module: Any) -> None:
        self._module = module
        self._md: Any = None
        self._made_from: tuple[Any, Any] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    def Markdown(self, *, extensions: Any, extension_configs: Any) -> Any:  # noqa: N802
        made_from = (extensions, extension_configs)
        if self._made_from is not None and all(map(operator.is_, made_from, self._made_from)):
            return self._md.reset()
        self._md = self._module.Markdown(extensions=extensions, extension_configs=extension_configs)
        self._made_from = made_from
        return self._md


@contextmanager
def _one_markdown_per_render() -> Iterator[None]:
    import mkdocs.structure.pages as pages

    module = vars(pages)["markdown"]
    setattr(pages, "markdown", _ReusedMarkdown(module))  # noqa: B010
    try:
        yield
    finally:
        setattr(pages, "markdown", module)  # noqa: B010


def _mkdocs_build(plan_tree_name: str, cfg_path: Path, incremental: bool) -> list[str]:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config as mkdocs_load_config
    from mkdocs.exceptions import MkDocsException

    collector = _Collect()
    mk_log = logging.getLogger("mkdocs")
    old_level, old_propagate = mk_log.level, mk_log.propagate
    mk_log.addHandler(collector)
    mk_log.setLevel(logging.WARNING)
    mk_log.propagate = False
    try:
        cfg = mkdocs_load_config(config_file=str(cfg_path))
        with _one_markdown_per_render():
            mkdocs_build(cfg, dirty=incremental)
    except (MkDocsException, OSError) as exc:  # Abort, ConfigurationError, a theme error
        details = "; ".join(collector.messages[-5:]) or str(exc)
        raise BuildError(f"MkDocs could not build the {plan_tree_name} portal: {details}") from exc
    finally:
        mk_log.removeHandler(collector)
        mk_log.setLevel(old_level)
        mk_log.propagate = old_propagate
    return collector.messages


def render_shard(plan: TreePlan, config: SiteConfig, work: Path) -> RenderResult:
    """Build one shard of a tree into ``work/site``; incremental when its fingerprint matches."""
    work = work.resolve()  # mkdocs resolves paths from its config file
    work.mkdir(parents=True, exist_ok=True)
    docs_dir, site_dir = work / "docs", work / "site"
    state_path = work / STATE_FILE
    fingerprint = f"{plan.fingerprint}-{_theme_digest()}"
    try:
        state = json.loads(state_path.read_text())
    except (OSError, ValueError):
        state = {}
    incremental = (
        state.get("fingerprint") == fingerprint
        and (site_dir / "404.html").is_file()
        and docs_dir.is_dir()
    )
    state_path.unlink(missing_ok=True)  # a build that dies half-way must not look complete
    if not incremental:
        shutil.rmtree(docs_dir, ignore_errors=True)
        shutil.rmtree(site_dir, ignore_errors=True)
    written, removed = sync_tree(plan.files, docs_dir)
    pages = len(plan.files)
    # MkDocs reads the pages from docs_dir: their text goes (when no caller holds the plan,
    # as render_part's does not), as each page's Markdown does once it is HTML (hooks.py)
    plan = replace(plan, files={})
    # Pages that change get a new file (MkDocs would write into the old one, which is hard-linked
    # into the published site); pages that went away are removed, as dirty builds never delete.
    for rel in written | removed if incremental else ():
        (site_dir / page_dest(rel)).unlink(missing_ok=True)
    data_file = work / "kb-data.json"
    data = json.dumps(plan.data, ensure_ascii=False, sort_keys=True).encode("utf-8")
    if not publish_file(data_file, data) and incremental and not written and not removed:
        # Nothing this part shows changed: its site is current without starting MkDocs.
        state_path.write_text(json.dumps({"fingerprint": fingerprint}))
        return RenderResult(pages, 0, True, [])
    cfg_dict = mkdocs_config(plan, config, docs_dir, site_dir, data_file, incremental)
    cfg_path = work / "mkdocs.yml"
    cfg_path.write_text(yaml.safe_dump(cfg_dict, sort_keys=False))
    warnings = _mkdocs_build(plan.tree, cfg_path, incremental)
    # A worker may render another part next: MkDocs' pages, files and nav refer to each other,
    # so only a collection frees them (500 pages of cpp-docs: 158 -> 94 MB after five parts)
    gc.collect()
    release_memory()
    state_path.write_text(json.dumps({"fingerprint": fingerprint}))
    rebuilt = len(written) if incremental else pages
    return RenderResult(pages, rebuilt, incremental, warnings)


def hand_over(plan: TreePlan, work: Path) -> Path:
    """Leave ``plan`` in ``work`` for :func:`render_part` to render there; return ``work``.

    A part handed to a worker's pool as an argument stays in the caller until the worker is
    done with it: its pages' text (49 MB at cpp-docs, ten parts) stayed in the build's main
    process while the workers rendered, and in each worker while its part rendered."""
    work.mkdir(parents=True, exist_ok=True)
    with open(work / PLAN_FILE, "wb") as f:
        pickle.dump(plan, f, protocol=pickle.HIGHEST_PROTOCOL)
    return work


def render_part(work: Path, config: SiteConfig) -> RenderResult:
    """:func:`render_shard` of the plan that :func:`hand_over` left in ``work``."""
    return render_shard(_take_plan(work / PLAN_FILE), config, work)


def _take_plan(path: Path) -> TreePlan:
    with open(path, "rb") as f:
        plan: TreePlan = pickle.load(f)
    path.unlink()
    return plan


def split(plan: TreePlan, shards: int) -> list[TreePlan]:
    """Split a tree by top-level category into ``shards`` balanced parts (root pages in the first).

    Pages only link to each other by URL (links were resolved when the tree was planned), and the
    sidebar comes from the shared data, so each part builds on its own.
    """
    if shards <= 1:
        return [TreePlan(plan.tree, plan.files, plan.data, [], plan.fingerprint)]
    groups: dict[str, list[str]] = {}
    for rel in plan.files:
        top = rel.split("/", 1)[0] if "/" in rel else ""
        groups.setdefault(top, []).append(rel)
    parts: list[list[str]] = [[] for _ in range(shards)]
    parts[0] += groups.pop("", [])
    for _top, rels in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        min(parts, key=len).extend(rels)
    return [
        TreePlan(
            plan.tree,
            {r: plan.files[r] for r in part},
            plan.data,
            [],  # a part renders its files; the articles stay with the caller
            f"{plan.fingerprint}-{i}-{shards}",
        )
        for i, part in enumerate(parts)
        if part or i == 0
    ]
