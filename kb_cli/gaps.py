"""``kb gaps``: the command. Parses options, calls :func:`kb_reports.gaps.report.build_report`,
renders, and converts errors to click exceptions (exit 1 failure, 2 usage).

Registered lazily in the ``kb`` group as ``kb_cli.gaps:gaps``; heavy imports
(SQLAlchemy, Whoosh, Jinja2, rich) happen inside the command.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from kb_cli.main import (
    build_dir_option,
    common_options,
    emit,
    format_option,
    limit_option,
    load_site_config,
    output_file_option,
)

log = logging.getLogger(__name__)

FORMATS = ("text", "md", "json", "csv", "html")
DEFAULT_HTML = "gaps-report.html"


@click.command()
@common_options
@build_dir_option("The build whose manifest and index to compare with.")
@click.option(
    "--since",
    type=click.Choice(["7d", "30d", "90d", "365d", "all"]),
    default="30d",
    show_default=True,
    help="Window of searches, ratings and requests to read.",
)
@format_option(FORMATS, "text (tables), md, json, csv, or html (a self-contained page).")
@output_file_option(f"Write to this file (html: default BUILD_DIR/{DEFAULT_HTML}; others: stdout).")
@click.option(
    "--stub",
    "stub",
    metavar="GROUP_KEY_OR_RANK",
    default=None,
    help="Write a draft article in the content folder for this failed-search group.",
)
@click.option(
    "--fail-if-new-gaps",
    is_flag=True,
    help="Exit 1 when a failed-search group was first seen inside the window.",
)
@limit_option(10_000, 25, "Rows per section.")
def gaps(
    content_dir: Path,
    config_path: Path | None,
    build_dir: Path,
    since: str,
    fmt: str,
    output: Path | None,
    stub: str | None,
    fail_if_new_gaps: bool,
    limit: int,
) -> None:
    """List what customers searched for and did not find, and what to write or fix next."""
    from kb_reports.gaps.model import counted
    from kb_reports.gaps.report import build_report
    from kb_store.store import StoreError

    config, problems = load_site_config(config_path)
    for p in problems:
        log.warning("%s", p)
    try:
        report = build_report(
            config,
            database_url=config.database_url,
            build_dir=build_dir,
            content_dir=content_dir,
            since=since,
            limit=limit,
            now=datetime.now(UTC),
            focus=stub,
        )
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    if stub is not None:
        _write_stub(report, stub, content_dir, config.site.language)
        return
    _write_report(report, fmt, output, config.gaps.unhelpful_below, build_dir)
    if fail_if_new_gaps:
        new = report.new_failed_groups()
        if new:
            shown = ", ".join(f"#{g.rank} {g.label!r}" for g in new[:10])
            groups = counted(len(new), "new failed-search group")
            click.echo(f"{groups} in the window: {shown}", err=True)
            raise SystemExit(1)


def _write_report(
    report: object, fmt: str, output: Path | None, unhelpful_below: float, build_dir: Path
) -> None:
    from kb_reports.gaps.render import (
        PIPE_WIDTH,
        render_csv,
        render_json,
        render_md,
        render_text,
    )
    from kb_reports.gaps.report import GapReport

    assert isinstance(report, GapReport)
    if fmt == "text" and output is None:
        render_text(report, file=sys.stdout)
        return
    if fmt == "html":
        from kb_reports.gaps.html import render_html

        text = render_html(report, unhelpful_below=unhelpful_below)
        # next to the build it describes, never wherever the command happened to run
        output = output or Path(build_dir) / DEFAULT_HTML
    elif fmt == "text":
        import io

        buf = io.StringIO()
        render_text(report, file=buf, width=PIPE_WIDTH)
        text = buf.getvalue()
    else:
        text = {"md": render_md, "json": render_json, "csv": render_csv}[fmt](report)
    if emit(text, output):
        assert output is not None
        click.echo(f"Wrote {output.resolve()}")  # stdout: the one line a script needs


def _write_stub(report: object, wanted: str, content_dir: Path, default_language: str) -> None:
    from kb_reports.gaps.articles import PublishedArticles
    from kb_reports.gaps.loop import write_stub
    from kb_reports.gaps.model import counted
    from kb_reports.gaps.report import GapReport

    assert isinstance(report, GapReport)
    group = report.find_group(wanted)
    if group is None:
        known = ", ".join(f"{g.rank}={g.key}" for g in report.failed_all[:10]) or "none"
        raise click.BadParameter(
            f"no failed-search group {wanted!r} in the window (groups: {known})",
            param_hint="--stub",
        )
    if group.stub:
        raise click.ClickException(f"group {group.key!r} already has a draft: {group.stub}")
    if group.answered_by:  # rule "answered now": its article is written and published
        raise click.ClickException(
            f"group {group.key!r} is answered now by \u201c{group.answered_by}\u201d: no draft "
            "written; check that article answers its searches"
        )
    try:
        *others, path = write_stub(
            group,
            content_dir,
            report.catalog or PublishedArticles(),
            default=default_language,
            drafts=report.stubs,
        )
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write the draft: {exc}") from None
    for original in others:  # another language's: its default-language article too
        click.echo(f"Wrote {original} (visibility: draft): the article in {default_language}, ")
        click.echo("which every language's page falls back on; its translation:")
    if path.name.count(".") > 1 and not others:
        original = path.with_name(path.name.split(".")[0] + ".md")
        click.echo(f"Beside the draft {original}, its translation:")
    click.echo(
        f"Wrote {path} (visibility: draft) for group #{group.rank} {group.label!r}: "
        f"{counted(group.searches, 'failed search')} by {counted(group.visitors, 'visitor')}. "
        "Write it, set "
        "visibility: public, rebuild; the next `kb gaps` shows whether its searches find it."
    )
