"""The articles ``kb gaps`` asks to keep up: those rated unhelpful (rewrite) and those past
their review date (review), each ranked with its action.

The figures come from ``articles`` (helpfulness, staleness); this module only ranks them and
words the advice. No database access.
"""

from __future__ import annotations

from datetime import date

from kb_core.config import SiteConfig
from kb_reports.gaps.articles import (
    Helpfulness,
    PublishedArticles,
    is_unhelpful,
    stale_articles,
)
from kb_reports.gaps.model import Action, StaleEntry, UnhelpfulArticle


def unhelpful_entries(
    config: SiteConfig, scores: dict[str, Helpfulness], reasons: list[tuple[str, str, int]]
) -> list[UnhelpfulArticle]:
    """The articles rated unhelpful in the window, most unhelpful votes first, each with a
    ``rewrite`` action naming the figure it rests on and the reason most given."""
    by_article: dict[str, list[tuple[str, int]]] = {}
    for article_id, reason, n in reasons:
        by_article.setdefault(article_id, []).append((reason, n))
    settings = config.gaps
    flagged = [
        h
        for h in scores.values()
        if is_unhelpful(h, settings.min_ratings, settings.unhelpful_below)
    ]
    # most unhelpful votes first: that is how many readers the article let down
    flagged.sort(key=lambda h: (-(h.votes * (1 - h.helpful)), h.article.id))
    out = []
    for rank, h in enumerate(flagged, 1):
        why = sorted(by_article.get(h.article.id, []), key=lambda r: (-r[1], r[0]))
        top = f"; most given reason: \u201c{why[0][0]}\u201d" if why else ""
        a = h.article
        out.append(
            UnhelpfulArticle(
                rank=rank,
                article=a,
                votes=h.votes,
                helpful=h.helpful,
                current_votes=h.current_votes,
                current_helpful=h.current_helpful,
                change=h.change,
                reasons=why,
                action=Action(
                    "rewrite",
                    f"Rewrite \u201c{a.title}\u201d ({a.source}): "
                    f"{_judged(h, settings.min_ratings)}{top}.",
                    article_id=a.id,
                    source=a.source,
                ),
            )
        )
    return out


def _judged(h: Helpfulness, min_ratings: int) -> str:
    """The helpfulness figure the verdict rests on, in words."""
    if h.current_votes >= min_ratings:
        return (
            f"{h.current_helpful:.0%} of {h.current_votes} ratings of the current revision "
            "found it helpful"
        )
    return f"{h.helpful:.0%} of {h.votes} ratings found it helpful"


def stale_entries(config: SiteConfig, catalog: PublishedArticles, today: date) -> list[StaleEntry]:
    """The articles past their review date (or ``stale_after_days``), each with a ``review``
    action naming its owner."""
    out = []
    for rank, s in enumerate(stale_articles(catalog, today, config.site.stale_after_days), 1):
        a = s.article
        owner = a.owner or "no owner set"
        out.append(
            StaleEntry(
                rank,
                s,
                Action(
                    "review",
                    f"Review \u201c{a.title}\u201d ({a.source}, owner: {owner}): {s.reason}.",
                    article_id=a.id,
                    source=a.source,
                ),
            )
        )
    return out
