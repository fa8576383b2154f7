"""The ``kb`` command line: parse arguments, call the library, print.

Heavy modules (mkdocs, whoosh, Flask) are imported inside commands so ``kb --help`` is instant.
Domain errors become ``click.ClickException`` here, at the edge: exit 1 for failure, 2 for usage.
"""

from __future__ import annotations

import functools
import importlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from kb_core.errors import KBError, Problem

F = TypeVar("F", bound=Callable[..., Any])
QUIET = "kb.quiet"  # click context meta: -q was given
# The exit status of a process killed by SIGPIPE (128 + 13), what the shell reports for grep or
# git when the reader of their output (head) closed the pipe early
BROKEN_PIPE = 141

# Commands that live in other modules (feedback_api's are Flask-heavy): loaded when invoked.
LAZY = {
    "serve": "kb_cli.serve:serve",
    "outbox": "kb_cli.serve:outbox",
    "gaps": "kb_cli.gaps:gaps",
    "search": "kb_cli.search:search",
    "link": "kb_cli.agents:link",
    "export": "kb_cli.agents:export",
    "new": "kb_cli.writers:new",
    "init": "kb_cli.writers:init",
    "eval": "kb_cli.eval:eval_",
}


@contextmanager
def ends_quietly_on_broken_pipe() -> Iterator[None]:
    """Exit 141, saying nothing, when whoever reads stdout closed it early (``kb search | head``).

    click would exit 1, which for ``kb search`` and ``kb link`` means "nothing found", and so
    would rich, which meets a broken pipe itself (``Console.on_broken_pipe``: stdout pointed at
    devnull, then ``SystemExit(1)``). As Python's docs say (``signal``, "Note on SIGPIPE"),
    stdout goes to devnull first, so the flush at exit cannot fail again; SIGPIPE stays
    ignored, as a server needs it.
    """
    before = _stdout_file()
    try:
        yield
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(BROKEN_PIPE) from None
    except SystemExit:
        # only a broken pipe's handler points stdout at devnull while kb runs
        if before != _stdout_file() == _file_id(os.stat(os.devnull)):
            raise SystemExit(BROKEN_PIPE) from None
        raise


def _file_id(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_dev, st.st_ino, st.st_rdev


def _stdout_file() -> tuple[int, int, int] | None:
    try:
        return _file_id(os.fstat(sys.stdout.fileno()))
    except (OSError, ValueError):  # no stdout (closed, or replaced by one without a file)
        return None


class LazyGroup(click.Group):
    # The help (parse_args) and every command (invoke) write to stdout inside click's main,
    # which would catch a broken pipe first.
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        with ends_quietly_on_broken_pipe():
            return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        with ends_quietly_on_broken_pipe():
            return super().invoke(ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY:
            module, attr = LAZY[name].split(":")
            try:
                cmd = getattr(importlib.import_module(module), attr)
            except (ImportError, AttributeError) as exc:
                raise click.ClickException(f"'kb {name}' cannot start: {exc}") from None
            return cmd if isinstance(cmd, click.Command) else None
        return super().get_command(ctx, name)


def common_options(f: F) -> F:
    """--content, --config, -v and -q, shared by every command."""

    @click.option(
        "--content",
        "content_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default="content",
        show_default=True,
        help="Folder of Markdown articles.",
    )
    @click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Site config (default: site_config.yml if present).",
    )
    @click.option("-v", "--verbose", count=True, help="More output.")
    @click.option("-q", "--quiet", is_flag=True, help="Only errors.")
    @functools.wraps(f)
    def wrapper(*args: Any, verbose: int, quiet: bool, **kwargs: Any) -> Any:
        level = (
            logging.ERROR
            if quiet
            else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
        )
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
        click.get_current_context().meta[QUIET] = quiet
        try:
            return f(*args, **kwargs)
        except KBError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper  # type: ignore[return-value]


class FindError(click.ClickException):
    """An error in a command whose exit 1 means "found nothing" (``kb search``, ``kb link``)."""

    exit_code = 2


def grep_exits(f: F) -> F:
    """Exit as grep does: 0 found, 1 found nothing, 2 an error (stderr names it).

    Goes above ``common_options``, so the errors it turns into exceptions exit 2 too; usage
    errors already do. A script can then tell "nothing to paste" from "no index to search".
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except click.ClickException as exc:
            if isinstance(exc, click.UsageError):
                raise
            raise FindError(exc.format_message()) from None

    return wrapper  # type: ignore[return-value]


def not_exact_match(query: str, confidence: float) -> str:
    """What the portal says of results that do not answer ``query`` (``kb search``, ``kb link``)."""
    return f"Not an exact match for '{query}' (confidence {confidence:.2f})"


def build_dir_option(help: str, *aliases: str) -> Callable[[F], F]:
    """``--build-dir`` (plus ``aliases``): a folder ``kb build`` wrote, default ``build``."""
    return click.option(
        "--build-dir",
        *aliases,
        "build_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default="build",
        show_default=True,
        help=help,
    )


def output_file_option(help: str = "Write to this file (default: stdout).") -> Callable[[F], F]:
    """``--output FILE``: where a report or an export goes."""
    return click.option(
        "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help=help
    )


def emit(text: str, output: Path | None) -> bool:
    """``text`` to stdout, or to ``output`` (its folder made); True when a file was written."""
    if output is None:
        click.echo(text, nl=False)
        return False
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    return True


def at_option(what: str) -> Callable[[F], F]:
    """``--at DATETIME``: judge publishing windows and banners at that moment, not now."""

    def parse(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
        from kb_core.schedule import parse_at

        try:
            return None if value is None else parse_at(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return click.option(
        "--at",
        metavar="DATETIME",
        callback=parse,
        default=None,
        help=f"{what} as at this moment (ISO 8601 with a zone, or a date: its start in UTC).",
    )


def lang_option(what: str) -> Callable[[F], F]:
    """``--lang CODE``: another language's portal (a code of site.languages), into ``lang``."""
    return click.option(
        "--lang",
        metavar="CODE",
        default=None,
        help=f"{what} in another language's portal (a code of site.languages): its index, its "
        "pages; untranslated articles come in the default language.",
    )


def portal_language(config: Any, lang: str | None) -> str | None:
    """``--lang`` checked against ``site.languages``: None for the default language's portal."""
    if lang is None or lang == config.site.language:
        return None
    if lang not in config.site.codes:
        known = ", ".join(config.site.codes)
        raise click.BadParameter(
            f"{lang!r} is not a language of the site ({known})", param_hint="--lang"
        )
    return lang


def limit_option(most: int, default: int, help: str) -> Callable[[F], F]:
    """``--limit``: how many of something to show, 1 to ``most``."""
    return click.option(
        "--limit", type=click.IntRange(1, most), default=default, show_default=True, help=help
    )


def format_option(choices: Sequence[str], help: str | None = None) -> Callable[[F], F]:
    """``--format``, into the ``fmt`` parameter; the first choice is the default."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help=help,
    )


def load_site_config(config_path: Path | None) -> tuple[Any, list[Problem]]:
    from kb_core.config import load_config

    if config_path is None:
        default = Path("site_config.yml")
        return load_config(default if default.exists() else None)
    return load_config(config_path)


@click.group(cls=LazyGroup)
@click.version_option(package_name="kb-portal")
def main() -> None:
    """kb-portal: build, check, search and serve a git-native help center."""


def _print_problems(problems: list[Problem], fmt: str, limit: int | None = None) -> None:
    if fmt == "json":
        click.echo(json.dumps([p.as_dict() for p in problems], indent=1))
        return
    shown = problems if limit is None else problems[:limit]
    for p in shown:
        color = "red" if p.severity == "error" else "yellow"
        click.echo(click.style(str(p), fg=color), err=True)
    if limit is not None and len(problems) > limit:
        click.echo(f"... and {len(problems) - limit} more (run 'kb check' to see all)", err=True)


@main.command()
@common_options
@click.option("--strict", is_flag=True, help="Warnings fail too.")
@format_option(["text", "json"], "text (one problem a line, FILE:LINE first) or json.")
@click.option(
    "--previous",
    type=click.Path(file_okay=False, path_type=Path),
    default="build",
    show_default=True,
    help="Last build: its published URLs must keep working.",
)
@at_option("Check the content")
def check(
    content_dir: Path,
    config_path: Path | None,
    strict: bool,
    fmt: str,
    previous: Path,
    at: Any,
) -> None:
    """Report every problem in the content, each with file and line."""
    from kb_builder.load import load_and_check
    from kb_core.errors import ConfigError
    from kb_core.manifest import PUBLIC, read_manifest

    try:
        config, cfg_problems = load_site_config(config_path)
    except ConfigError as exc:
        cfg_problems, config = exc.problems, None
    problems = list(cfg_problems)
    if config is not None:
        _, found = load_and_check(content_dir, config, read_manifest(previous / PUBLIC), at=at)
        problems += found
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    _print_problems(problems, fmt)
    if fmt == "text":
        click.echo(f"{len(errors)} error(s), {len(warnings)} warning(s)", err=True)
    if errors or (strict and warnings):
        raise SystemExit(1)


@main.command()
@common_options
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default="build",
    show_default=True,
    help="Where the portals, indexes and manifests go.",
)
@click.option("--strict", is_flag=True, help="Fail on any problem, warnings included.")
@at_option("Build the site (a preview: do not deploy it)")
def build(content_dir: Path, config_path: Path | None, output: Path, strict: bool, at: Any) -> None:
    """Build the public and internal portals, search indexes and manifests."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )

    from kb_builder.build import build_site
    from kb_core.errors import BuildError

    config, cfg_problems = load_site_config(config_path)
    console = Console(stderr=True)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(
            *columns, console=console, transient=True, disable=not console.is_terminal
        ) as bar:
            tasks: dict[str, TaskID] = {}

            def progress(what: str, done: int, total: int) -> None:
                if what not in tasks:
                    tasks[what] = bar.add_task(what, total=total)
                bar.update(tasks[what], completed=done, total=total)

            report = build_site(
                content_dir,
                config,
                output,
                strict=strict,
                config_problems=cfg_problems,
                progress=progress,
                at=at,
            )
    except BuildError as exc:
        _print_problems(exc.problems, "text")
        raise click.ClickException(str(exc)) from None
    warnings = report.warnings
    if click.get_current_context().meta.get(QUIET):
        # only errors, as -q says: a build from cron prints nothing when it succeeds
        if at is not None:
            _print_schedule(report, preview=True, quiet=True)
        return
    _print_problems(warnings, "text", limit=20)
    mode = (
        f"incremental, {report.pages_rebuilt} page(s) re-rendered, search index {report.index}"
        if report.incremental
        else "full"
    )
    click.echo(
        f"Built {report.public_articles} public and {report.internal_articles} internal "
        f"article(s) ({report.drafts_skipped} draft(s) skipped) into {output}/ in "
        f"{report.timings['total']:.1f}s ({mode}); {len(warnings)} warning(s)."
    )
    for code, (translated, fallback) in report.languages.items():
        click.echo(f"/{code}/: {translated} article(s) translated, {fallback} shown untranslated.")
    _print_schedule(report, preview=at is not None)


def _print_schedule(report: Any, preview: bool, quiet: bool = False) -> None:
    """The site's publishing windows as built, and the next moment its output changes (only
    that a preview is one, when ``quiet``: it must never be deployed)."""
    from kb_core.schedule import show

    if preview:
        click.echo(f"Preview as of {show(report.as_of)}: not the site as it is now; do not deploy.")
    if quiet:
        return
    if report.not_yet_published or report.expired:
        click.echo(
            f"Left out: {report.not_yet_published} article(s) not published yet, "
            f"{report.expired} expired."
        )
    change = report.next_change
    click.echo(f"Next change: {change}" if change else "Next change: none scheduled.")
