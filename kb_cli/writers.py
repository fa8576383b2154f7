"""``kb init`` and ``kb new``: a writer's first five minutes.

``kb init`` makes a knowledge base that builds at once, in a git repository (git is where
articles get their dates); ``kb new`` adds a draft article from the template, and the
category folders it needs, each with a ``_category.yml`` that says what the category is for.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from datetime import date, timedelta
from pathlib import Path

import click

from kb_cli.main import common_options
from kb_core.errors import did_you_mean

_WELCOME = """---
title: Welcome
summary: What this help center covers and how to use it.
faq: Where do I start?
faq_answer: Search for your question in the box at the top, or pick a topic on the home page.
---

This help center answers common questions. Search for your question, or pick a topic.

## Next steps

- Add articles with `kb new "Title" --category getting-started`.
- Check them with `kb check`.
"""
_GITIGNORE = "# what kb build and kb serve write\n/build/\n*.sqlite3\n"


def _title(folder: str) -> str:
    return re.sub(r"[-_]+", " ", folder).strip().capitalize() or folder


def _category_file(folder: Path, name: str, description: str, order: int | None = None) -> None:
    lines = [f"title: {json.dumps(_title(name))}", f"description: {json.dumps(description)}"]
    if order is not None:
        lines.append(f"order: {order}")
    (folder / "_category.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def make_categories(content_dir: Path, category: str) -> list[Path]:
    """Create the missing folders of ``category``, each with a ``_category.yml``; return those."""
    made: list[Path] = []
    folder = content_dir
    for part in Path(category).parts:
        folder = folder / part
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "_category.yml").exists():
            _category_file(folder, part, f"Help with {_title(part).lower()}.")
            made.append(folder / "_category.yml")
    return made


def categories(content_dir: Path) -> list[str]:
    """The category folders under ``content_dir`` (those with a ``_category.yml``), as paths."""
    found = (p.parent.relative_to(content_dir) for p in content_dir.rglob("_category.yml"))
    return sorted(f.as_posix() for f in found if f.parts)


def new_category_slip(content_dir: Path, category: str) -> str | None:
    """What is wrong when ``category`` would make a folder one slip away from a folder beside
    it ('getting-strated' next to 'getting-started'): a typo would start a category of one
    article. None when every folder exists or none is that near."""
    from kb_builder.nearest import nearest

    folder = content_dir
    for part in Path(category).parts:
        if not (folder / part).is_dir():
            siblings = [d.name for d in folder.iterdir() if d.is_dir()] if folder.is_dir() else []
            near = nearest(part, siblings)
            if near is None:
                return None
            made = folder / part
            return (
                f"'{made.relative_to(content_dir).as_posix()}' would be a new category"
                f"{did_you_mean(near)} (to make it anyway, create its folder first: "
                f"mkdir {shlex.quote(str(made))})"
            )
        folder = folder / part
    return None


@click.command()
@common_options
@click.argument("title")
@click.option(
    "--category",
    default=None,
    help="Category folder, e.g. billing or billing/plans (a new one is made with its folders).",
)
@click.option("--id", "article_id", default=None, help="Stable id (default: from the title).")
def new(
    content_dir: Path,
    config_path: Path | None,
    title: str,
    category: str | None,
    article_id: str | None,
) -> None:
    """Create a draft article from the template (built once it is 'visibility: public')."""
    from kb_builder.articles import slug_for
    from kb_builder.template import TEMPLATE

    if category is None:
        have = categories(content_dir)
        listed = f"one of: {', '.join(have)}; or" if have else "for example billing, or"
        raise click.UsageError(
            f"Missing option '--category': the article's folder, {listed} a new name "
            "to make that category."
        )
    if ".." in Path(category).parts or Path(category).is_absolute():
        raise click.BadParameter(
            "must be a folder inside the content folder", param_hint="--category"
        )
    slip = new_category_slip(content_dir, category)
    if slip:
        raise click.BadParameter(slip, param_hint="--category")
    slug = slug_for(title)
    target = content_dir / category / f"{slug}.md"
    if target.exists():
        raise click.ClickException(f"{target} already exists")
    made = make_categories(content_dir, category)
    review = (date.today() + timedelta(days=365)).isoformat()
    safe_title = json.dumps(title, ensure_ascii=False)
    text = TEMPLATE.format(title=safe_title, id=article_id or slug, review=review)
    target.write_text(text, encoding="utf-8")
    for path in made:
        click.echo(f"Created {path} (edit its description: it shows on the category page)")
    click.echo(
        f"Created {target} as a draft: it is not built yet.\n"
        "Replace the template text, set 'visibility: public', then run 'kb check'."
    )


def _git(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(directory), *args], capture_output=True, text=True, check=False
    )


def _start_git(directory: Path) -> str:
    """Make ``directory`` a git repository with a first commit; say what happened or what to do."""
    try:
        inited = _git(directory, "init", "-q")
    except OSError:
        return "git is not installed: articles get their 'Updated' dates from git, so install it."
    if inited.returncode != 0:
        return f"git init failed: {inited.stderr.strip()}"
    _git(directory, "add", "-A")
    commit = _git(directory, "commit", "-q", "-m", "Start the knowledge base")
    if commit.returncode == 0:
        return "Made a git repository with a first commit: articles get their dates from git."
    where = shlex.quote(str(directory))
    return (
        "Made a git repository, but no first commit: git does not know who you are yet.\n"
        "  git config --global user.name 'Your Name'\n"
        "  git config --global user.email you@example.com\n"
        f"  git -C {where} add -A && git -C {where} commit -m 'Start the knowledge base'\n"
        "Articles get their 'Updated' dates from their commits."
    )


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Start a new knowledge base in DIRECTORY that builds at once, in a git repository."""
    if directory.exists() and any(directory.iterdir()):
        raise click.ClickException(f"{directory} is not empty")
    content = directory / "content" / "getting-started"
    content.mkdir(parents=True)
    (content / "_category.yml").write_text(
        'title: "Getting started"\ndescription: "First steps: what this help center covers."\n'
        "icon: material/rocket-launch-outline\norder: 1\n",
        encoding="utf-8",
    )
    (content / "welcome.md").write_text(_WELCOME, encoding="utf-8")
    name = re.sub(r"[-_]+", " ", directory.resolve().name).title()
    (directory / "site_config.yml").write_text(
        f"site:\n  name: {json.dumps(name + ' Help Center')}\n"
        "  description: Answers to common questions.\n",
        encoding="utf-8",
    )
    (directory / ".gitignore").write_text(_GITIGNORE, encoding="utf-8")
    git = _start_git(directory)
    where = shlex.quote(os.path.relpath(directory))
    click.echo(
        f"Created a knowledge base in {directory}.\n{git}\n\nNext:\n"
        f"  cd {where}\n"
        "  kb build          # the portal and search index, into build/\n"
        "  kb serve          # the portal with search, ratings and contact at http://127.0.0.1:8000\n"
        '  kb new "Reset your password" --category account   # a draft article to write'
    )
