"""``kb search``: the built public index, ranked and judged as the portal's ``/api/search``.

Registered lazily in the ``kb`` group (``kb_cli.main.LAZY``). Whether a search is answered,
whether it asks for a person (the portal then offers its contact form first) and which answer
card it shows are one decision, ``kb_core.search.outcome``, that the API makes too: a writer or
an agent reading this sees what a customer would.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kb_cli.main import (
    build_dir_option,
    common_options,
    format_option,
    grep_exits,
    lang_option,
    limit_option,
    load_site_config,
    not_exact_match,
    portal_language,
)

if TYPE_CHECKING:
    from kb_core.search.outcome import Outcome
    from kb_core.search.searcher import SearchResponse


@click.command()
@grep_exits
@common_options
@click.argument("query")
@build_dir_option("The build to search (what `kb build --output` wrote).", "--output")
@limit_option(100, 10, "How many results to print.")
@click.option("--category", default=None, help="Only this top-level category (slug).")
@format_option(["text", "json"], "text (one result a line) or json (every field).")
@lang_option("Search")
def search(
    content_dir: Path,
    config_path: Path | None,
    query: str,
    build_dir: Path,
    limit: int,
    category: str | None,
    fmt: str,
    lang: str | None,
) -> None:
    """Search the built public index, ranked as the portal ranks.

    Says what the portal says: when the best results are not an exact match, when QUERY asks
    for a person (the portal offers its contact form first, and only an article about
    reaching support answers it), and the answer card it shows. Exits 1 when nothing is
    found, 2 on an error (stderr names it), as grep does; 0 when results are printed, answered
    or not; 141 when the reader of stdout closed it early (kb search ... | head -3), as a
    process that SIGPIPE ends.
    """
    from kb_core.search.outcome import contact_path, search_outcome
    from kb_core.search.searcher import Searcher

    config, _ = load_site_config(config_path)
    lang = portal_language(config, lang)
    searcher = Searcher(
        build_dir / "index" / (lang or "") / "public",
        synonyms=config.synonyms_for(lang),
        typo_tolerance=config.search.typo_tolerance,
    )
    try:
        resp = searcher.search(query, limit=limit, category=category)
    finally:
        searcher.close()
    said = search_outcome(
        query,
        resp,
        language=lang or config.site.language,
        contact_form=config.contact.enabled,
    )
    prefix = f"{lang}/" if lang else ""
    contact_url = config.site.url.rstrip("/") + contact_path(prefix) if said.contact else None
    if fmt == "json":
        click.echo(json.dumps(_as_json(query, resp, said, contact_url, content_dir), indent=1))
    else:
        _print_text(query, resp, said, contact_url, content_dir)
    if not resp.results:  # as grep does, so a script can tell
        raise SystemExit(1)


def _as_json(
    query: str, resp: SearchResponse, said: Outcome, contact_url: str | None, content_dir: Path
) -> dict[str, Any]:
    """Every field: ``answered``, ``contact`` and ``answer`` as /api/search gives them."""
    from kb_core.search.outcome import card_dict

    return {
        "query": query,
        "total": resp.total,
        "did_you_mean": resp.did_you_mean,
        "corrected": resp.corrected,
        "answered": said.answered,
        "asks_for_person": said.asks_for_person,
        "contact": said.contact,
        "contact_url": contact_url,
        "confidence": round(resp.confidence, 3),
        "answer": None if said.answer is None else card_dict(said.answer),
        "results": [
            {
                "id": h.id,
                "title": h.title,
                "url": "/" + h.url,
                "source": str(content_dir / h.source),
                "summary": h.summary,
                "score": round(h.score, 4),
            }
            for h in resp.results
        ],
    }


def _print_text(
    query: str, resp: SearchResponse, said: Outcome, contact_url: str | None, content_dir: Path
) -> None:
    """What the portal's results page shows, in its order: the correction, the contact form
    for a search asking for a person, the answer card, whether the results answer it."""
    if resp.results and resp.corrected and resp.did_you_mean:
        click.echo(f"Showing results for '{resp.did_you_mean}' (searched for '{query}').")
    if contact_url:
        click.echo(
            f"'{query}' asks for a person: the portal offers its contact form first, {contact_url}"
        )
    if not resp.results:
        hint = f" Did you mean '{resp.did_you_mean}'?" if resp.did_you_mean else ""
        click.echo(f"No results for '{query}'.{hint}")
        return
    if said.answer is not None:
        card = said.answer
        click.echo(f"Answer from '{card.title}'  /{card.url}")
        for line in card.text.splitlines():
            if line.strip():
                click.echo(f"    {line.strip()}")
    if said.asks_for_person and not said.answered:
        # the portal logs it apart (contact) or as a gap (no form): never as answered
        where = "articles that might also help:" if contact_url else "closest:"
        click.echo(f"Not answered: no article is about reaching a person; {where}")
    elif contact_url:
        click.echo("Articles that might also help:")
    elif not said.answered:  # the portal says the same, and logs the search as unanswered
        click.echo(f"{not_exact_match(query, resp.confidence)}; closest:")
    for i, h in enumerate(resp.results, 1):
        click.echo(f"{i:2}. {h.title}  /{h.url}\n    {h.summary}  [{content_dir / h.source}]")
