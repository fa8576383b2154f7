"""Search quality on a set of golden queries: the figures behind ``kb eval``.

A writers' query file is a CSV with the columns ``query`` and ``expected`` (an article id or its
source path, several separated by ``|``), and optionally ``kind`` (figures are given per kind),
``anchor`` (the heading of the section that answers) and ``answer`` (a short quote of the
sentences that answer: what a right card must show). The answer card is judged on the rows
that give an anchor or an answer: right when it is from an expected article, from the anchor's
section when one is given, and its text holds at least :data:`QUOTE_SHARE` of the answer's
words when one is given. :func:`parse_queries` checks the file against the build's manifest;
:func:`judge` turns one search response into an :class:`Outcome`; :func:`summarize` computes
hit@1, hit@5, MRR@10, the zero-result count and the answer card's precision and coverage. Pure
functions: the CLI opens the index, runs the searches and prints.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kb_core.errors import KBError
from kb_core.manifest import ManifestArticle

__all__ = [
    "METRICS",
    "QUOTE_SHARE",
    "AnswerFigures",
    "Catalog",
    "Figures",
    "GoldenQuery",
    "Outcome",
    "QueryFileError",
    "below_floors",
    "judge",
    "parse_queries",
    "quotes",
    "run",
    "summarize",
]

DEPTH = 10  # MRR@10: an expected article further down counts as not found
REQUIRED = ("query", "expected")
# What --fail-under can name; each is a fraction between 0 and 1.
METRICS = ("hit@1", "hit@5", "mrr@10", "answer-precision", "answer-coverage")
# Of the answer column's words that a right card's text must hold (bench/answer_eval.py's rule).
QUOTE_SHARE = 0.7
_WORD = re.compile(r"\w+")


def words(text: str) -> set[str]:
    """The lowercased ``\\w+`` words of ``text``, each once."""
    return {w.lower() for w in _WORD.findall(text)}


def quotes(text: str, answer: str) -> bool:
    """Whether ``text`` holds at least QUOTE_SHARE of the words of ``answer``."""
    wanted = words(answer)
    return bool(wanted) and len(wanted & words(text)) >= QUOTE_SHARE * len(wanted)


class QueryFileError(KBError):
    """A row or the header of a query file is unusable: names the file, line and column."""

    def __init__(self, path: str, line: int, column: str | None, message: str) -> None:
        self.path, self.line, self.column, self.message = path, line, column, message
        where = f"{path}:{line}: " + (f"column '{column}': " if column else "")
        super().__init__(where + message)


@dataclass(frozen=True)
class Catalog:
    """The published articles a query may expect, by id, by source path and by URL."""

    articles: Mapping[str, ManifestArticle]
    content: str = ""  # the content folder's name: "content/billing/refunds.md" works too

    @classmethod
    def of(cls, articles: Iterable[ManifestArticle], content: str = "") -> Catalog:
        return cls({a.id: a for a in articles}, content.strip("/"))

    def resolve(self, ref: str) -> str | None:
        """The id of the article ``ref`` names (its id or its source path), or None."""
        ref = ref.strip().replace("\\", "/").removeprefix("./")
        if ref in self.articles:
            return ref
        if self.content:
            ref = ref.removeprefix(self.content + "/")
        return next((a.id for a in self.articles.values() if a.source == ref), None)

    def by_url(self, url: str) -> str | None:
        """The id of the article at ``url`` (relative or absolute path, any #anchor ignored)."""
        path = url.split("#", 1)[0].split("?", 1)[0].strip("/")
        return next((a.id for a in self.articles.values() if a.url.strip("/") == path), None)


@dataclass(frozen=True)
class GoldenQuery:
    """One row of a query file: ``expected`` holds article ids."""

    line: int
    query: str
    expected: tuple[str, ...]
    kind: str = ""
    anchor: str | None = None
    answer: str | None = None  # what a right card must quote (QUOTE_SHARE of its words)

    @property
    def judged(self) -> bool:
        """Whether the answer card is judged on this row: it gives an anchor or an answer."""
        return self.anchor is not None or self.answer is not None


def parse_queries(text: str, path: str, catalog: Catalog) -> list[GoldenQuery]:
    """The rows of a query file's ``text``; raises QueryFileError at the first bad one."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = [(h or "").strip() for h in reader.fieldnames or ()]
    if not header:
        raise QueryFileError(path, 1, None, "empty file; the header must name 'query,expected'")
    reader.fieldnames = header
    for column in REQUIRED:
        if column not in header:
            found = ",".join(header)
            raise QueryFileError(path, 1, column, f"missing from the header (found: {found})")
    rows: list[GoldenQuery] = []
    for raw in reader:
        line = reader.line_num
        cell = {k: (v or "").strip() for k, v in raw.items() if isinstance(k, str)}
        if not any(cell.values()):
            continue
        query = cell.get("query", "")
        if not query:
            raise QueryFileError(path, line, "query", "empty query")
        refs = [r.strip() for r in cell.get("expected", "").split("|") if r.strip()]
        if not refs:
            raise QueryFileError(path, line, "expected", "no expected article")
        expected: list[str] = []
        for ref in refs:
            found_id = catalog.resolve(ref)
            if found_id is None:
                raise QueryFileError(
                    path, line, "expected", f"unknown article '{ref}' (not an id or source path)"
                )
            expected.append(found_id)
        anchor = cell.get("anchor", "").removeprefix("#") or None
        if anchor is not None and not any(
            h.anchor == anchor for a in expected for h in catalog.articles[a].headings
        ):
            raise QueryFileError(
                path, line, "anchor", f"'{anchor}' is not a heading of {' or '.join(expected)}"
            )
        answer = " ".join(cell.get("answer", "").split()) or None
        if answer is not None and not words(answer):
            raise QueryFileError(
                path, line, "answer", f"'{answer}' has no words for a card to quote"
            )
        kind = cell.get("kind", "")
        rows.append(GoldenQuery(line, query, tuple(expected), kind, anchor, answer))
    if not rows:
        raise QueryFileError(path, 1, None, "no queries after the header")
    return rows


@dataclass(frozen=True)
class Outcome:
    """What the search did with one golden query."""

    query: GoldenQuery
    ranked: tuple[str, ...]  # result ids, best first, at most DEPTH
    card: bool | None = None  # None: no answer card could be judged for this row
    carded: bool = False  # the search response has an answer card field at all
    card_shown: bool = False
    card_at: str | None = None  # "id#anchor" of the card shown, for the misses table
    card_text: str | None = None  # what the card shown quoted

    @property
    def rank(self) -> int | None:
        """1-based position of the first expected article in the top DEPTH, or None."""
        expected = set(self.query.expected)
        return next((i for i, r in enumerate(self.ranked, 1) if r in expected), None)

    @property
    def first(self) -> str | None:
        return self.ranked[0] if self.ranked else None


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def judge(query: GoldenQuery, response: Any, catalog: Catalog) -> Outcome:
    """The outcome of ``query`` from a search ``response`` (a SearchResponse).

    The answer card is read from ``response.answer`` when the response has one (an object or
    a mapping with ``id``, ``url``, ``anchor`` and ``text``; ``url#anchor`` is enough for the
    section). A row is judged on it only when it gives an anchor or an answer and the response
    carries the field at all. The card is right when its article is expected, its section is
    the anchor's (when the row gives one) and its text quotes the answer (when the row gives
    one).
    """
    ranked = tuple(str(h.id) for h in list(response.results)[:DEPTH])
    carded = hasattr(response, "answer")
    if not query.judged or not carded:
        return Outcome(query, ranked, carded=carded)
    answer = getattr(response, "answer", None)
    if answer is None:
        return Outcome(query, ranked, card=False, carded=True)
    url = str(_field(answer, "url") or "")
    article = _field(answer, "id") or catalog.by_url(url)
    anchor = _field(answer, "anchor") or (url.split("#", 1)[1] if "#" in url else None)
    text = str(_field(answer, "text") or "")
    right = (
        article in query.expected
        and (query.anchor is None or anchor == query.anchor)
        and (query.answer is None or quotes(text, query.answer))
    )
    at = f"{article}#{anchor}" if anchor else str(article)
    return Outcome(
        query, ranked, card=right, carded=True, card_shown=True, card_at=at, card_text=text
    )


@dataclass(frozen=True)
class AnswerFigures:
    """The answer card on the rows that give an anchor or an answer."""

    marked: int  # rows with an anchor or an answer
    shown: int  # of those, how many got a card
    right: int  # of those, how many cards were right (article, section, quote: as given)

    @property
    def precision(self) -> float | None:
        return self.right / self.shown if self.shown else None

    @property
    def coverage(self) -> float:
        return self.shown / self.marked if self.marked else 0.0


@dataclass(frozen=True)
class Figures:
    """hit@1, hit@5, MRR@10 and the zero-result count of a set of outcomes."""

    n: int
    hit1: float
    hit5: float
    mrr10: float
    zero: int
    answer: AnswerFigures | None = None  # None: the search gives no card, or no row marks one
    kinds: Mapping[str, Figures] = field(default_factory=dict)
    carded: bool = False  # the search gives answer cards

    @property
    def card_note(self) -> str | None:
        """Why the answer card's figures are missing, or None when they are there."""
        if not self.carded:
            return "not available (this search gives no answer card)"
        return "no row gives an anchor or an answer" if self.answer is None else None

    def metric(self, name: str) -> float | None:
        """The value of one of METRICS, or None when it cannot be measured here."""
        if name in ("answer-precision", "answer-coverage"):
            if self.answer is None:
                return None
            return self.answer.precision if name == "answer-precision" else self.answer.coverage
        return {"hit@1": self.hit1, "hit@5": self.hit5, "mrr@10": self.mrr10}[name]


def _figures(outcomes: Sequence[Outcome]) -> Figures:
    n = len(outcomes)
    ranks = [o.rank for o in outcomes]
    judged = [o for o in outcomes if o.card is not None]
    answer = (
        AnswerFigures(
            marked=len(judged),
            shown=sum(o.card_shown for o in judged),
            right=sum(bool(o.card) for o in judged),
        )
        if judged
        else None
    )
    return Figures(
        n=n,
        hit1=sum(r == 1 for r in ranks) / n if n else 0.0,
        hit5=sum(r is not None and r <= 5 for r in ranks) / n if n else 0.0,
        mrr10=sum(1 / r for r in ranks if r is not None) / n if n else 0.0,
        zero=sum(not o.ranked for o in outcomes),
        answer=answer,
        carded=any(o.carded for o in outcomes),
    )


def summarize(outcomes: Sequence[Outcome]) -> Figures:
    """The figures of all ``outcomes``, with ``kinds`` filled when any row names a kind."""
    whole = _figures(outcomes)
    kinds = sorted({o.query.kind for o in outcomes if o.query.kind})
    if not kinds:
        return whole
    per = {k: _figures([o for o in outcomes if o.query.kind == k]) for k in kinds}
    if any(not o.query.kind for o in outcomes):
        per["(none)"] = _figures([o for o in outcomes if not o.query.kind])
    return replace(whole, kinds=per)


def run(
    queries: Iterable[GoldenQuery], search: Callable[[str], Any], catalog: Catalog
) -> list[Outcome]:
    """Search every query with ``search`` (query -> SearchResponse) and judge the result."""
    return [judge(q, search(q.query), catalog) for q in queries]


def below_floors(figures: Figures, floors: Mapping[str, float]) -> list[str]:
    """One sentence per floor that ``figures`` do not reach (unmeasurable counts as below)."""
    failed: list[str] = []
    for name, floor in floors.items():
        value = figures.metric(name)
        if value is None:
            why = figures.card_note or "no answer card was shown"
            failed.append(f"{name} cannot be measured: answer card {why} (floor {floor:g})")
        elif value < floor:
            failed.append(f"{name} = {value:.3f} is below the floor {floor:g}")
    return failed
