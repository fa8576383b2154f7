"""Agent shares: which articles agents send customers, and how those customers rate them.

A visit through a link from ``kb link``, the agent API or a saved reply carries ``?src=agent``;
the portal records it as an ``article_views`` row with ``src='agent'``. This module only reads,
through ``kb_store.shares.share_counts`` in one ``kb_store.reading`` snapshot: per article, the
agent visits in a window, how many distinct visitors they were, and the ratings those same
visitors then gave that article. A rating counts as unhelpful when it is 0 on the binary scale
or 1 (the lowest) on the three-point scale.

No personal data leaves the store: visitor tokens (daily-salted hashes, see ``visitor.py``) are
only joined on inside the query, so "then" means the same visitor on the same UTC day, and the
report holds counts alone.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from kb_store.reading import reading
from kb_store.shares import share_counts

log = logging.getLogger(__name__)

CSV_FIELDS = (
    "id",
    "title",
    "agent_visits",
    "agent_visitors",
    "rated_after",
    "unhelpful_after",
    "unhelpful_share",
)


@dataclass(frozen=True)
class ShareRow:
    """One article's agent shares in the window, and how the customers who came rated it."""

    id: str
    title: str
    agent_visits: int
    agent_visitors: int
    rated_after: int
    unhelpful_after: int

    @property
    def unhelpful_share(self) -> float | None:
        return round(self.unhelpful_after / self.rated_after, 3) if self.rated_after else None


@dataclass(frozen=True)
class ShareReport:
    since: datetime | None
    until: datetime
    rows: list[ShareRow]

    def most_shared(self, limit: int) -> list[ShareRow]:
        return sorted(self.rows, key=lambda r: (-r.agent_visits, r.id))[:limit]

    def shared_then_unhelpful(self, limit: int) -> list[ShareRow]:
        hit = [r for r in self.rows if r.unhelpful_after]
        return sorted(hit, key=lambda r: (-r.unhelpful_after, -(r.unhelpful_share or 0), r.id))[
            :limit
        ]


def share_report(
    database_url: str,
    titles: Mapping[str, str],
    *,
    days: int | None,
    now: datetime,
) -> ShareReport:
    """Agent shares over the last ``days`` (None: all time); raises StoreError when unreadable."""
    since = now - timedelta(days=days) if days is not None else None
    with reading(database_url) as conn:
        counts = share_counts(conn, since, now)
    rows = [
        ShareRow(aid, titles.get(aid, aid), visits, visitors, rated, unhelpful)
        for aid, visits, visitors, rated, unhelpful in counts
    ]
    return ShareReport(since, now, rows)


def _row(r: ShareRow) -> dict[str, Any]:
    return asdict(r) | {"unhelpful_share": r.unhelpful_share}


def to_json(report: ShareReport, limit: int) -> str:
    """``most_shared`` and ``shared_then_unhelpful``, each a list of per-article counts."""
    data = {
        "since": report.since.isoformat() if report.since else None,
        "until": report.until.isoformat(),
        "most_shared": [_row(r) for r in report.most_shared(limit)],
        "shared_then_unhelpful": [_row(r) for r in report.shared_then_unhelpful(limit)],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def to_csv(report: ShareReport, limit: int) -> str:
    """One row per shared article, most shared first; ``unhelpful_share`` empty when unrated."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for r in report.most_shared(limit):
        share = "" if r.unhelpful_share is None else f"{r.unhelpful_share:.3f}"
        writer.writerow(
            [
                r.id,
                r.title,
                r.agent_visits,
                r.agent_visitors,
                r.rated_after,
                r.unhelpful_after,
                share,
            ]
        )
    return buf.getvalue()


def to_tables(report: ShareReport, limit: int) -> Sequence[tuple[str, list[ShareRow]]]:
    """The two lists a person reads: most shared, and shared then rated unhelpful."""
    return [
        ("Articles agents share most", report.most_shared(limit)),
        ("Shared by agents, then rated unhelpful", report.shared_then_unhelpful(limit)),
    ]
