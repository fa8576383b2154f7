"""``kb link`` and ``kb export``: what support agents paste into replies, and how it is used.

Registered lazily in the ``kb`` group (``kb_cli.main.LAZY``). Both read the built output
(``build/``) and need no server; ``kb export shares`` reads the feedback store as well (the one
place this module reaches into ``feedback_api``, imported inside the command).
"""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kb_cli.main import (
    build_dir_option,
    common_options,
    emit,
    format_option,
    grep_exits,
    lang_option,
    limit_option,
    load_site_config,
    not_exact_match,
    output_file_option,
    portal_language,
)

if TYPE_CHECKING:
    from kb_core.quote import Reply
    from kb_reports.shares import ShareReport

log = logging.getLogger(__name__)

_SINCE = {"7d": 7, "30d": 30, "90d": 90, "365d": 365, "all": None}


def _emit(text: str, output: Path | None) -> None:
    if emit(text, output):
        click.echo(f"Wrote {output}", err=True)


@click.command()
@grep_exits
@common_options
@click.argument("query")
@format_option(
    ["md", "html", "text", "json"],
    "Markdown, HTML, plain text, or JSON (id, title, url, summary, visibility, snippets).",
)
@limit_option(50, 3, "How many links to give.")
@click.option(
    "--internal",
    is_flag=True,
    help="Include internal articles (marked as such; their links open for signed-in agents).",
)
@lang_option("Answer")
@build_dir_option("The build to search (what `kb build --output` wrote).", "--output")
def link(
    content_dir: Path,
    config_path: Path | None,
    query: str,
    fmt: str,
    limit: int,
    internal: bool,
    lang: str | None,
    build_dir: Path,
) -> None:
    """Reply-ready links to the articles that best answer QUERY, ranked as the portal ranks.

    Each is the title, the permanent URL (with the best-matching section's #anchor) and the
    one-line summary. Public links carry ?src=agent, so a visit through them counts as a share.
    When the portal would show an answer card for QUERY (a question it is sure of), its
    sentences come first, quoted word for word and cited with their section's link.
    When QUERY asks for a person, stderr says so and gives the contact form's link, which the
    portal offers first (json: contact_url); no article answers it but one about reaching
    support, as on the portal. When the links do not answer QUERY (the portal's "Not an exact
    match"), stderr says so with the search's confidence: check them before you send them
    (json: answered, confidence). Stdout holds only what is pasted.

    \b
    Exit codes, as grep's:
      0    links printed, answered or not (stderr, or json's answered, says which)
      1    no article matches: nothing to paste
      2    an error (no build, a bad option): stderr names it
      141  the reader of stdout closed it early (kb link ... | head -1), as SIGPIPE
    """
    from kb_core.quote import find_reply, render_reply

    config, _ = load_site_config(config_path)
    lang = portal_language(config, lang)
    reply = find_reply(
        build_dir,
        query,
        site_url=config.site.url,
        internal=internal,
        limit=limit,
        synonyms=config.synonyms_for(lang),
        typo_tolerance=config.search.typo_tolerance,
        lang=lang,
        language=lang or config.site.language,
        contact_form=config.contact.enabled,
    )
    found = bool(reply.links) or reply.quote is not None
    if fmt != "json":  # on stderr: what is pasted stays the links
        _say_person(query, reply)
        if found and not reply.answered and not reply.asks_for_person:
            # exit 0 still, as kb search's "Not an exact match": there are links to read, and
            # 1 is "nothing to paste" to the scripts that test for it
            click.echo(
                f"{not_exact_match(query, reply.confidence)}: check the articles before you send "
                "them; none may answer it.",
                err=True,
            )
    if not found and fmt != "json":
        click.echo(f"No articles match '{query}'.", err=True)
    else:
        click.echo(render_reply(reply, fmt, query=query), nl=False)
    if not found:  # as grep does: an agent's script can tell there is no link to paste
        raise SystemExit(1)


def _say_person(query: str, reply: Reply) -> None:
    """What the portal tells a search asking for a person, where an agent reads it."""
    if not reply.asks_for_person:
        return
    offer = (
        f"the portal offers its contact form first, {reply.contact_url}"
        if reply.contact_url
        else "the site has no contact form"
    )
    click.echo(f"'{query}' asks for a person: {offer}", err=True)
    if reply.links and not reply.answered:
        click.echo(
            "No article is about reaching a person: these links might also help, none answers it.",
            err=True,
        )


@click.group()
def export() -> None:
    """Export what agents use: saved replies for a helpdesk, and agent-share figures."""


@export.command()
@common_options
@format_option(["json", "csv"], "json (one object) or csv (one row a reply).")
@click.option(
    "--body",
    type=click.Choice(["text", "md", "html"]),
    default="text",
    show_default=True,
    help="Markup of each reply's body.",
)
@output_file_option()
@build_dir_option("The build whose public articles to export.")
def replies(
    content_dir: Path,
    config_path: Path | None,
    fmt: str,
    body: str,
    output: Path | None,
    build_dir: Path,
) -> None:
    """One canned response per public article (id, title, body, url, tags), greeting-free.

    The body is the article's summary and its permanent link (with ?src=agent).
    """
    from kb_core.replies import saved_replies, to_csv, to_json

    config, _ = load_site_config(config_path)
    found = saved_replies(build_dir, config.site.url, body)
    _emit(to_json(found) if fmt == "json" else to_csv(found), output)


@export.command()
@common_options
@format_option(["text", "json", "csv"], "text (a table), json or csv.")
@click.option(
    "--since",
    type=click.Choice(list(_SINCE)),
    default="90d",
    show_default=True,
    help="Window of agent visits to count.",
)
@limit_option(10_000, 25, "How many articles to list.")
@output_file_option()
@build_dir_option("The build whose manifests give the titles.")
def shares(
    content_dir: Path,
    config_path: Path | None,
    fmt: str,
    since: str,
    limit: int,
    output: Path | None,
    build_dir: Path,
) -> None:
    """Articles agents share most, and those customers then rated unhelpful (counts only)."""
    from kb_core.link import Articles
    from kb_reports.shares import share_report, to_csv, to_json
    from kb_store.store import StoreError

    config, _ = load_site_config(config_path)
    titles = {a.id: a.title for a in Articles.load(build_dir, internal=True).all().values()}
    try:
        report = share_report(
            config.database_url, titles, days=_SINCE[since], now=datetime.now(UTC)
        )
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "json":
        _emit(to_json(report, limit), output)
    elif fmt == "csv":
        _emit(to_csv(report, limit), output)
    else:
        _print_tables(report, limit, since, output)


def _print_tables(report: ShareReport, limit: int, since: str, output: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    from kb_reports.shares import to_tables

    console = Console(file=io.StringIO(), width=120) if output else Console()
    for title, rows in to_tables(report, limit):
        table = Table(title=f"{title} ({since})", title_justify="left")
        for name in ("article", "agent visits", "visitors", "rated after", "unhelpful"):
            table.add_column(name, justify="left" if name == "article" else "right")
        for r in rows:
            share = f" ({r.unhelpful_share:.0%})" if r.unhelpful_share is not None else ""
            table.add_row(
                f"{r.title} [dim]{r.id}[/dim]",
                str(r.agent_visits),
                str(r.agent_visitors),
                str(r.rated_after),
                f"{r.unhelpful_after}{share}",
            )
        if not rows:
            table.add_row("[dim]none in this window[/dim]", "", "", "", "")
        console.print(table)
    if output is not None:
        assert isinstance(console.file, io.StringIO)
        _emit(console.file.getvalue(), output)
