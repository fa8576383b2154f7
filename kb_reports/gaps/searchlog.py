"""One window of the search log as ``kb gaps`` reads it, each portal's searches apart.

What :class:`~kb_reports.gaps.analysis.Analysis` judges failed and weak searches on: the
searches that found something, what each contact request's sender searched before writing,
and, for the groups a report lists, how their queries were typed and by whom. Read with the
queries of ``reports_sql`` over the report's one snapshot.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from kb_reports.gaps.escalations import searched_before
from kb_reports.gaps.model import FailedGroup, WeakGroup
from kb_reports.gaps.portals import Portals
from kb_store import reports as sql
from kb_store.reading import Connection


class SearchLog:
    """The searches and contact requests of one window, by portal."""

    def __init__(self, conn: Connection, window: sql.Window, portals: Portals) -> None:
        self.conn = conn
        self.window = window
        self.portals = portals
        self.contact_rows = sql.contacts(conn, window)
        # What each request's sender searched before writing, from the request's context:
        # the portal records it in the visitor's session, which outlives the daily visitor
        # token, and reading it costs no pass over the search log.
        # (plain query, hits, request id, the request's portal)
        self._context: list[tuple[str, int, int, str | None]] = []
        for c in self.contact_rows:
            seen: set[tuple[str, bool]] = set()
            for plain, found in searched_before(c):
                if plain and (plain, found) not in seen:
                    seen.add((plain, found))
                    self._context.append((plain, int(found), c.id, self.portals.of(c.language)))
        self._found: dict[tuple[str, str | None], int] | None = None

    def found(self) -> dict[str, int]:
        """Searches of the window that found something, per query, of every portal."""
        out: Counter[str] = Counter()
        for (q, _), n in self.found_rows().items():
            out[q] += n
        return dict(out)

    def found_rows(self) -> dict[tuple[str, str | None], int]:
        """Searches of the window that found something, per (query, portal) (read once)."""
        if self._found is None:
            rows: Counter[tuple[str, str | None]] = Counter()
            for (q, lang), n in sql.found_stats(self.conn, self.window).items():
                rows[q, self.portals.of(lang)] += n
            self._found = dict(rows)
        return self._found

    def found_on(self, portal: str | None) -> dict[str, int]:
        return {q: n for (q, p), n in self.found_rows().items() if p == portal}

    def searched_before(self, found: bool) -> Iterable[tuple[str, str | None, int]]:
        """(plain query, portal, contact request id) of the searches that found something (or
        nothing) before a contact request, one per request and query."""
        for plain, hits, request, portal in self._context:
            if bool(hits) == found:
                yield plain, portal, request

    def details(
        self, groups: Sequence[FailedGroup] | Sequence[WeakGroup], *, failed: bool
    ) -> tuple[dict[str, list[sql.QueryDetail]], dict[str, set[str]]]:
        """Each listed group's searches (as typed, per portal) and visitors, by group key."""
        by_query = {(q, g.portal): g.key for g in groups for q, _ in g.queries}
        queries = sorted({q for q, _ in by_query})
        details: dict[str, list[sql.QueryDetail]] = defaultdict(list)
        for (q, lang), d in sql.query_details(
            self.conn, self.window, queries, failed=failed
        ).items():
            key = by_query.get((q, self.portals.of(lang)))
            if key is not None:
                details[key].append(d)
        visitors: dict[str, set[str]] = defaultdict(set)
        for q, lang, v in sql.visitors_of(self.conn, self.window, queries, failed=failed):
            key = by_query.get((q, self.portals.of(lang)))
            if key is not None:
                visitors[key].add(v)
        return details, visitors
