"""The shapes of a ``kb gaps`` report: gaps, their evidence and the suggested actions.

Plain dataclasses, shared by the analysis (``gaps_analysis``), the renderers (``gaps_render``,
``gaps_html``) and the loop back to the content (``gaps_loop``). No I/O here. Which gaps
come first is ``gaps_next_actions``' rule; the JSON form is ``gaps_render``'s.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from kb_core.manifest import ManifestArticle
from kb_reports.gaps.articles import PublishedArticles, StaleArticle
from kb_store.languages import LanguageRow
from kb_store.reports import DayRow, PersonRow, Window
from kb_store.sources import SourceRow

log = logging.getLogger(__name__)

SINCE: dict[str, int | None] = {"7d": 7, "30d": 30, "90d": 90, "365d": 365, "all": None}

ActionKind = Literal[
    "write", "translate", "add-keyword", "add-synonym", "improve", "rewrite", "review", "check"
]


def window_for(since: str, now: datetime) -> Window:
    """The window ``--since`` names (7d, 30d, 90d, 365d or all), ending at ``now``.

    Raises ValueError for anything else.
    """
    if since not in SINCE:
        raise ValueError(f"--since must be one of {', '.join(SINCE)}, not {since!r}")
    days = SINCE[since]
    if days is None:
        return Window(None, now)
    start = now - timedelta(days=days)
    return Window(start, now, start - timedelta(days=days))


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` and the noun in the number it takes: "1 request", "2 requests", "0 searches"."""
    if n == 1:
        return f"1 {singular}"
    return f"{n} {plural or plural_of(singular)}"


def plural_of(noun: str) -> str:
    """The English plural of a noun phrase's last word ("search": "searches")."""
    if noun.endswith(("s", "sh", "ch", "x", "z")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in set("aeiou"):
        return noun[:-1] + "ies"
    return noun + "s"


@dataclass(frozen=True)
class Action:
    """What to do about a gap, in one sentence, with what a script needs to act on it."""

    kind: ActionKind
    text: str
    article_id: str | None = None
    source: str | None = None  # content path of the article to edit
    title: str | None = None  # proposed title of a new article
    terms: tuple[str, ...] = ()  # keywords or synonyms to add
    queries: tuple[str, ...] = ()  # searches the article must answer


@dataclass(frozen=True)
class LoopCheck:
    """Whether a group's queries find something in the current public index."""

    checked: int
    found: int
    top: str = ""  # title of the best result for the group's most searched query
    top_id: str = ""  # and its id

    @property
    def answered(self) -> bool:
        """Whether every query re-run found its answer (confidently, or the article asked)."""
        return bool(self.checked) and self.found == self.checked

    @property
    def text(self) -> str:
        if not self.checked:
            return ""
        top = f" (top: {self.top})" if self.top else ""
        return f"{self.found}/{self.checked} now found{top}"


@dataclass
class FailedGroup:
    """Searches that found nothing and ask for the same thing."""

    rank: int
    key: str
    label: str
    searches: int
    previous: int | None  # in the window before; None when the window is all time
    visitors: int
    first_seen: datetime  # first failed search of the group, ever
    last_seen: datetime | None  # last failed search (listed groups only)
    new: bool  # first seen inside the window
    queries: list[tuple[str, int]]  # (normalised query, searches), most searched first
    examples: list[str]  # raw queries as typed
    contacted: int  # of these visitors, how many then sent a contact request
    action: Action | None = None
    loop: LoopCheck | None = None
    stub: str | None = None  # a draft written for this group by --stub
    read_after: list[tuple[str, int]] = field(default_factory=list)  # (article id, visitors)
    # the language its searches were typed in, else its portal's (listed groups of a site of
    # several languages; None on a site of one)
    language: str | None = None
    # the portal its searches were made on (each portal's are grouped apart; None on a site
    # of one language)
    portal: str | None = None
    # the title of the article the current build answers all its re-run searches with: then
    # its action is a "check", never a next action (rule "answered now", gaps_report)
    answered_by: str | None = None
    # the contact-form topics of the requests its searchers then sent, most chosen first
    topics: list[tuple[str, int]] = field(default_factory=list)

    @property
    def trend(self) -> str:
        """The change against the previous window, in words ('new', '+40%', '-10%')."""
        if self.previous is None:
            return ""
        if self.new:
            return "new"
        if not self.previous:
            return f"+{self.searches}"
        change = (self.searches - self.previous) / self.previous
        return "=" if abs(change) < 0.05 else f"{change:+.0%}"


@dataclass
class WeakGroup:
    """Searches that found results that did not help: never clicked, or then a contact."""

    rank: int
    key: str
    label: str
    searches: int
    visitors: int
    clicks: int
    contacted: int
    queries: list[tuple[str, int]]
    examples: list[str]
    reason: str
    action: Action | None = None
    language: str | None = None  # as FailedGroup.language, of the searches that found something
    portal: str | None = None  # as FailedGroup.portal


@dataclass
class UnhelpfulArticle:
    """An article rated unhelpful, with the reasons readers gave."""

    rank: int
    article: ManifestArticle
    votes: int
    helpful: float
    current_votes: int
    current_helpful: float
    change: str
    reasons: list[tuple[str, int]]
    action: Action


@dataclass
class EscalationTopic:
    """Contact requests of one topic whose senders read nothing or found nothing first."""

    rank: int
    topic: str
    requests: int  # all requests of the topic in the window
    without_self_service: int
    read_nothing: int
    found_nothing: int
    failed_queries: list[tuple[str, int]]
    subjects: list[str]
    action: Action  # the first of ``actions``
    # the first for its failed searches or its subjects, then one per article to fix or write
    # for its subjects (kb_reports.gaps.subjects)
    actions: list[Action] = field(default_factory=list)
    group: str | None = None  # the key of the failed-search group its top search is in

    def __post_init__(self) -> None:
        if not self.actions:
            self.actions = [self.action]


@dataclass
class StaleEntry:
    """A published article past its review date or not updated for too long."""

    rank: int
    stale: StaleArticle
    action: Action


@dataclass
class StubStatus:
    """A draft written by ``kb gaps --stub`` and how its searches fare now."""

    path: str
    article_id: str
    title: str
    group: str
    queries: list[str]
    published: bool
    loop: LoopCheck | None


@dataclass(frozen=True)
class WidgetPage:
    """A host page of the widget where searches found nothing, most failed searches first."""

    rank: int
    host: str  # origin and path
    failed: int
    searches: int
    visitors: int
    queries: list[tuple[str, int]]  # the failed ones, most searched first


@dataclass(frozen=True)
class Untranslated:
    """An article a language's portal shows in the default language, and its readers there."""

    rank: int
    language: str
    article_id: str
    title: str
    views: int
    visitors: int


@dataclass
class GapReport:
    """Everything ``kb gaps`` found, ready to render in any format."""

    generated_at: datetime
    since: str
    window: Window
    totals: dict[str, int]
    failed: list[FailedGroup]
    weak: list[WeakGroup]
    unhelpful: list[UnhelpfulArticle]
    escalations: list[EscalationTopic]
    stale: list[StaleEntry]
    stubs: list[StubStatus]
    daily: list[DayRow]
    category_helpfulness: list[tuple[str, int, float]]
    counts: dict[str, int]  # how many of each section exist before --limit
    notes: list[str] = field(default_factory=list)
    index_available: bool = False
    failed_all: list[FailedGroup] = field(default_factory=list)  # before --limit
    catalog: PublishedArticles | None = None
    sources: list[SourceRow] = field(default_factory=list)  # the portal, then the widget
    widget_pages: list[WidgetPage] = field(default_factory=list)
    # a site of several languages: each language's searches, and what it lacks that is read
    languages: list[LanguageRow] = field(default_factory=list)
    untranslated: list[Untranslated] = field(default_factory=list)
    # searches that asked for a person and were offered the contact form: not gaps to write
    asked_for_person: PersonRow = field(default_factory=lambda: PersonRow(0, 0, []))

    @property
    def widget_used(self) -> bool:
        """Whether the widget had any search or contact traffic in the window."""
        return any(
            s.source == "widget" and (s.searches or s.contact_requests or s.contact_started)
            for s in self.sources
        )

    @property
    def languages_used(self) -> bool:
        """Whether another language than the default had any traffic in the window."""
        others = self.languages[1:]
        return bool(self.untranslated) or any(x.searches or x.contact_requests for x in others)

    def new_failed_groups(self) -> list[FailedGroup]:
        """Failed-search groups first seen inside the window (all of them for --since all)
        that the current build does not answer now: what ``--fail-if-new-gaps`` fails on, so
        the pull request that adds their article passes."""
        since = self.window.since
        return [g for g in self.failed_all if (g.new or since is None) and not g.answered_by]

    def find_group(self, wanted: str) -> FailedGroup | None:
        """The failed-search group with this rank (a number) or key (or most searched query)."""
        return find_group(self.failed_all, wanted)


def find_group(groups: list[FailedGroup], wanted: str) -> FailedGroup | None:
    """The group with rank ``wanted`` (digits), else key, else label; None if none."""
    wanted = wanted.strip()
    if wanted.isdigit():
        rank = int(wanted)
        return next((g for g in groups if g.rank == rank), None)
    return next((g for g in groups if g.key == wanted), None) or next(
        (g for g in groups if g.label == wanted.lower()), None
    )
