"""The published articles as ``kb gaps`` sees them: the manifest, stale and unhelpful articles,
and which article a failed search is closest to.

Reads ``build/manifest.json`` with ``kb_core.manifest`` (public articles only: gaps are about
what customers can find).
No database access here: the ratings arrive already aggregated by ``reports_sql``.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from kb_core.manifest import PUBLIC, ManifestArticle, manifest_name, read_manifest
from kb_reports.gaps.grouping import stem, words_of
from kb_reports.gaps.typos import MIN_TYPO_LEN, one_edit
from kb_store.reports import RatingRow

log = logging.getLogger(__name__)


@dataclass
class PublishedArticles:
    """The public articles of a build; empty (with a note) when there is no manifest."""

    articles: dict[str, ManifestArticle] = field(default_factory=dict)
    note: str = ""

    @classmethod
    def load(cls, build_dir: Path, language: str | None = None) -> PublishedArticles:
        """The articles of the default language's portal, or of ``language``'s (its
        translations, and the default language's articles it shows untranslated)."""
        path = Path(build_dir) / manifest_name(PUBLIC, language)
        manifest = read_manifest(path)
        if manifest is None:
            return cls(
                note=f"no build manifest at {path}: run `kb build` (article sections skipped)"
            )
        return cls({a.id: a for a in manifest.articles if a.visibility == "public"})

    def texts(self) -> list[str]:
        """The titles, summaries, FAQ questions, keywords, tags and headings."""
        out: list[str] = []
        for a in self.articles.values():
            headings = (h.title for h in a.headings)
            out.extend((a.title, a.summary, a.faq or "", *a.keywords, *a.tags, *headings))
        return out

    def words(self) -> list[str]:
        """Every word of the titles, keywords, tags, FAQ questions, headings and summaries."""
        return [w for text in self.texts() for w in words_of(text)]


# -- which article is a failed search closest to ---------------------------------------------


def _weighted_texts(a: ManifestArticle) -> list[tuple[str, float]]:
    """The article's title, keywords, tags, FAQ, headings and summary, each with its weight."""
    return [
        (a.title, 3.0),
        *((k, 3.0) for k in a.keywords),
        *((t, 2.0) for t in a.tags),
        (a.faq or "", 2.0),
        *((h.title, 1.0) for h in a.headings),
        (a.summary, 1.0),
    ]


@dataclass(frozen=True)
class NearMiss:
    """A searched term that is one letter (or an ending) away from an article's term."""

    searched: str  # the word as searched
    article_word: str  # the article's word it is close to
    article: ManifestArticle


class TermIndex:
    """Stemmed terms of each article's title, keywords, tags, FAQ, headings and summary."""

    def __init__(self, catalog: PublishedArticles) -> None:
        self.catalog = catalog
        self.weights: dict[str, dict[str, float]] = {}
        self.surface: dict[str, str] = {}  # a term -> one word of the articles that has it
        by_term: dict[str, set[str]] = defaultdict(set)
        for a in sorted(catalog.articles.values(), key=lambda a: a.id):
            w: dict[str, float] = defaultdict(float)
            for text, weight in _weighted_texts(a):
                for word in words_of(text):
                    t = stem(word)
                    w[t] = max(w[t], weight)
                    self.surface.setdefault(t, word)
                    by_term[t].add(a.id)
            self.weights[a.id] = dict(w)
        n = len(catalog.articles) + 1
        self.idf = {t: math.log(1 + n / len(ids)) for t, ids in by_term.items()}
        self.by_term = {t: sorted(ids) for t, ids in by_term.items()}
        self._rarest_first = sorted(self.by_term, key=lambda k: (-self.idf[k], k))

    def best(self, terms: Iterable[str]) -> ManifestArticle | None:
        """The article whose title, keywords and summary share the most weight with terms."""
        scores: dict[str, float] = defaultdict(float)
        for t in set(terms):
            for article_id in self.by_term.get(t, ()):
                scores[article_id] += self.idf[t] * self.weights[article_id][t]
        if not scores:
            return None
        best = max(sorted(scores), key=lambda i: scores[i])
        return self.catalog.articles[best]

    def near_miss(self, words: Iterable[str]) -> NearMiss | None:
        """The first searched word one edit (or a shared stem of 5+ letters) from a term."""
        for word in words:
            term = stem(word)
            if term in self.by_term or len(term) < MIN_TYPO_LEN or term.isdigit():
                continue
            for known in self._rarest_first:
                close = one_edit(term, known) or (
                    len(known) >= MIN_TYPO_LEN
                    and (known.startswith(term) or term.startswith(known))
                )
                if close:
                    best = max(
                        self.by_term[known], key=lambda i: (self.weights[i].get(known, 0.0), i)
                    )
                    article = self.catalog.articles[best]
                    return NearMiss(word, self.surface.get(known, known), article)
        return None


# -- stale articles ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StaleArticle:
    article: ManifestArticle
    reason: str
    overdue_days: int  # days past review_by, or past the stale limit


def stale_articles(
    catalog: PublishedArticles, today: date, stale_after_days: int
) -> list[StaleArticle]:
    """Articles whose review date has passed or that were not updated for too long."""
    out = []
    limit = today - timedelta(days=stale_after_days)
    for a in catalog.articles.values():
        reasons, overdue = [], 0
        if a.review_by is not None and a.review_by < today:
            reasons.append(f"review was due {a.review_by.isoformat()}")
            overdue = (today - a.review_by).days
        if a.updated is not None and a.updated < limit:
            reasons.append(f"not updated since {a.updated.isoformat()}")
            overdue = max(overdue, (limit - a.updated).days)
        if reasons:
            out.append(StaleArticle(a, "; ".join(reasons), overdue))
    out.sort(key=lambda s: (-s.overdue_days, s.article.id))
    return out


# -- helpfulness ------------------------------------------------------------------------------


def share(total: int, votes: int, scale: str) -> float:
    """Helpfulness in [0, 1] from the sum of votes: binary 0/1, or 1-3 mapped to 0, .5, 1."""
    if votes <= 0:
        return 0.0
    if scale == "three":
        return (total - votes) / (2 * votes)
    return total / votes


@dataclass(frozen=True)
class Helpfulness:
    """An article's votes: in the window, on its current revision, and on earlier ones."""

    article: ManifestArticle
    votes: int
    helpful: float
    current_votes: int  # all-time votes on the revision now published
    current_helpful: float
    earlier_votes: int  # all-time votes on earlier revisions
    earlier_helpful: float

    @property
    def change(self) -> str:
        """Whether helpfulness moved after the article's last revision, in words."""
        if not self.earlier_votes:
            return "no ratings of an earlier revision"
        if not self.current_votes:
            return "revised since; no ratings of the new revision yet"
        delta = self.current_helpful - self.earlier_helpful
        where = f"{self.earlier_helpful:.0%} -> {self.current_helpful:.0%}"
        if abs(delta) < 0.1:
            return f"unchanged after the last revision ({where})"
        return f"{'better' if delta > 0 else 'worse'} after the last revision ({where})"


def helpfulness(catalog: PublishedArticles, rows: Sequence[RatingRow]) -> dict[str, Helpfulness]:
    """Combine per-revision vote counts into one figure per published article."""
    acc: dict[str, list[float]] = defaultdict(lambda: [0.0] * 6)
    for r in rows:
        a = catalog.articles.get(r.article_id)
        if a is None:
            continue
        votes = acc[r.article_id]
        votes[0] += r.window_votes
        votes[1] += share(r.window_total, r.window_votes, r.scale) * r.window_votes
        k = 2 if a.revision and r.revision == a.revision else 4
        votes[k] += r.votes
        votes[k + 1] += share(r.total, r.votes, r.scale) * r.votes
    out = {}
    for article_id, v in acc.items():
        out[article_id] = Helpfulness(
            article=catalog.articles[article_id],
            votes=int(v[0]),
            helpful=v[1] / v[0] if v[0] else 0.0,
            current_votes=int(v[2]),
            current_helpful=v[3] / v[2] if v[2] else 0.0,
            earlier_votes=int(v[4]),
            earlier_helpful=v[5] / v[4] if v[4] else 0.0,
        )
    return out


def is_unhelpful(h: Helpfulness, min_ratings: int, below: float) -> bool:
    """Judge the revision now published when it has enough votes, else the window's votes."""
    if h.current_votes >= min_ratings:
        return h.current_helpful < below
    return h.votes >= min_ratings and h.helpful < below


def category_helpfulness(
    catalog: PublishedArticles, scores: Mapping[str, Helpfulness]
) -> list[tuple[str, int, float]]:
    """(category title, votes, helpfulness) over the window, biggest category first."""
    acc: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for h in scores.values():
        if h.votes:
            title = h.article.category_title.split(" › ")[0] or h.article.category or "-"
            acc[title][0] += h.votes
            acc[title][1] += h.helpful * h.votes
    rows = [(t, int(v[0]), v[1] / v[0]) for t, v in acc.items() if v[0]]
    rows.sort(key=lambda r: (-r[1], r[0]))
    return rows


def proposed_title(query: str) -> str:
    """A first title for an article answering ``query``: its words, sentence case."""
    words = " ".join(query.split()).strip(" ?!.")
    return (words[:1].upper() + words[1:]) if words else "New article"
