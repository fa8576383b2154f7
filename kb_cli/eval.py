"""``kb eval QUERIES.csv``: the writers' golden queries against the built search, for CI.

Registered lazily in the ``kb`` group (``kb_cli.main.LAZY``). The figures come from
:mod:`kb_core.search.evaluate`; the searches from the same Searcher the portal's API uses.
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
    lang_option,
    load_site_config,
    portal_language,
)

if TYPE_CHECKING:
    from kb_core.search.evaluate import Figures, Outcome


def _floor(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, float]:
    from kb_core.search.evaluate import METRICS

    floors: dict[str, float] = {}
    for value in values:
        name, sep, number = value.partition("=")
        name = name.strip().lower()
        if not sep or name not in METRICS:
            raise click.BadParameter(
                f"{value!r}: expected METRIC=VALUE, METRIC one of {', '.join(METRICS)}", ctx, param
            )
        try:
            floor = float(number)
        except ValueError:
            floor = -1.0
        if not 0.0 <= floor <= 1.0:
            raise click.BadParameter(f"{value!r}: the floor must be between 0 and 1", ctx, param)
        floors[name] = floor
    return floors


@click.command("eval")
@common_options
@click.argument("queries", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@build_dir_option("The build to search (what `kb build --output` wrote).", "--output")
@format_option(["text", "json"], "text (a table by kind) or json (every figure).")
@click.option(
    "--fail-under",
    "floors",
    multiple=True,
    metavar="METRIC=VALUE",
    callback=_floor,
    help="Exit 1 when METRIC (hit@1, hit@5, mrr@10, answer-precision, answer-coverage) "
    "is below VALUE. Repeatable.",
)
@lang_option("Search")
def eval_(
    content_dir: Path,
    config_path: Path | None,
    queries: Path,
    build_dir: Path,
    fmt: str,
    floors: dict[str, float],
    lang: str | None,
) -> None:
    """Score search on a CSV of golden queries: hit@1, hit@5, MRR@10, zero results.

    QUERIES has the columns query and expected (an article id or source path; several
    separated by |), and optionally kind (figures per kind), anchor (the answering section)
    and answer (a short quote of the answering sentences: a right card holds 70% of its
    words). The answer card's precision is measured on the rows with an anchor or an answer.
    -v lists the misses and the wrong cards with what they quoted.
    """
    from kb_core.manifest import PUBLIC, Manifest, manifest_name
    from kb_core.search.evaluate import Catalog, below_floors, parse_queries, run, summarize
    from kb_core.search.searcher import Searcher

    verbose = bool(click.get_current_context().params.get("verbose"))
    config, _ = load_site_config(config_path)
    lang = portal_language(config, lang)
    manifest = Manifest.read(build_dir / manifest_name(PUBLIC, lang))
    catalog = Catalog.of(manifest.articles, manifest.content or content_dir.name)
    try:
        text = queries.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {queries}: {exc}") from None
    golden = parse_queries(text, str(queries), catalog)
    index = build_dir / "index" / (lang or "") / "public"
    with Searcher(
        index, synonyms=config.synonyms_for(lang), typo_tolerance=config.search.typo_tolerance
    ) as searcher:
        outcomes = run(golden, lambda q: searcher.search(q, limit=10), catalog)
    figures = summarize(outcomes)
    failed = below_floors(figures, floors)
    if fmt == "json":
        click.echo(
            json.dumps(_as_json(queries, index, figures, outcomes, floors, failed), indent=1)
        )
    else:
        _print_text(queries, index, figures, outcomes, verbose)
    if failed:
        raise click.ClickException("\n".join(failed))


def _row(name: str, f: Figures) -> str:
    return f"{name:<16} {f.n:>5} {f.hit1:>7.3f} {f.hit5:>7.3f} {f.mrr10:>7.3f} {f.zero:>5}"


def _card_line(f: Figures) -> str:
    a = f.answer
    if a is None:
        return f"answer card: {f.card_note}"
    precision = "n/a" if a.precision is None else f"{a.precision:.3f}"
    return (
        f"answer card: precision {precision} ({a.right}/{a.shown}), "
        f"coverage {a.coverage:.3f} ({a.shown}/{a.marked} rows with an anchor or answer)"
    )


def _miss(o: Outcome) -> tuple[str, str, str]:
    first = o.first or "(no results)"
    if o.rank is not None:
        first += f" (expected at {o.rank})"
    return o.query.query, "|".join(o.query.expected), first


def _print_text(
    path: Path, index: Path, f: Figures, outcomes: list[Outcome], verbose: bool
) -> None:
    click.echo(f"{path}: {f.n} queries against {index}")
    click.echo(f"{'':<16} {'n':>5} {'hit@1':>7} {'hit@5':>7} {'MRR@10':>7} {'zero':>5}")
    click.echo(_row("all", f))
    for kind, kf in f.kinds.items():
        click.echo(_row(kind, kf))
    click.echo(_card_line(f))
    misses = [_miss(o) for o in outcomes if o.rank != 1]
    if not verbose:
        if misses:
            click.echo(f"{len(misses)} miss(es) at rank 1; -v lists them")
        return
    _table(("query", "expected", "first"), misses, "no misses at rank 1")
    if f.answer is None:
        return
    wrong = [o for o in outcomes if o.card_shown and not o.card]
    _table(
        ("query", "expected section", "answer card"),
        [(o.query.query, _expected_card(o), o.card_at or "") for o in wrong],
        "no wrong answer cards",
    )
    for o in wrong:
        click.echo(f"\n{o.query.query}")
        click.echo(f"  quoted:   {o.card_text or ''}")
        if o.query.answer is not None:
            click.echo(f"  expected: {o.query.answer}")


def _expected_card(o: Outcome) -> str:
    expected = "|".join(o.query.expected)
    return expected + (f"#{o.query.anchor}" if o.query.anchor else "")


def _table(head: tuple[str, str, str], rows: list[tuple[str, str, str]], empty: str) -> None:
    if not rows:
        click.echo(f"\n{empty}")
        return
    widths = [max(len(r[i]) for r in [head, *rows]) for i in (0, 1)]
    for i, (a, b, c) in enumerate([head, *rows]):
        click.echo(("\n" if i == 0 else "") + f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c}")


def _figures_json(f: Figures) -> dict[str, Any]:
    a = f.answer
    return {
        "n": f.n,
        "hit@1": round(f.hit1, 4),
        "hit@5": round(f.hit5, 4),
        "mrr@10": round(f.mrr10, 4),
        "zero": f.zero,
        "answer": None
        if a is None
        else {
            "marked": a.marked,
            "shown": a.shown,
            "right": a.right,
            "precision": None if a.precision is None else round(a.precision, 4),
            "coverage": round(a.coverage, 4),
        },
    }


def _as_json(
    path: Path,
    index: Path,
    f: Figures,
    outcomes: list[Outcome],
    floors: dict[str, float],
    failed: list[str],
) -> dict[str, Any]:
    return {
        "file": str(path),
        "index": str(index),
        **_figures_json(f),
        "kinds": {k: _figures_json(kf) for k, kf in f.kinds.items()},
        "misses": [
            {
                "line": o.query.line,
                "query": o.query.query,
                "expected": list(o.query.expected),
                "first": o.first,
                "rank": o.rank,
            }
            for o in outcomes
            if o.rank != 1
        ],
        "wrong_cards": [
            {
                "line": o.query.line,
                "query": o.query.query,
                "expected": list(o.query.expected),
                "anchor": o.query.anchor,
                "answer": o.query.answer,
                "card": o.card_at,
                "quoted": o.card_text,
            }
            for o in outcomes
            if o.card_shown and not o.card
        ],
        "answer_card": f.card_note,
        "fail_under": floors,
        "failed": failed,
    }
