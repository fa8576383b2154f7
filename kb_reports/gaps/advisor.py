"""Judges for ``kb gaps``' advice: whether an article is about a search, and which searched
word means the same as an article's word, by meaning (the shipped sentence model) and, without
it, by words alone.

``gaps_actions`` asks :class:`Advisor` before it names an existing article in an action
(add a keyword, improve it) or proposes a synonym; its thresholds are chosen on the train
situations of tests/gaps/advice_cases.yml (bench/gaps_advice_eval.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from kb_core.manifest import ManifestArticle
from kb_reports.gaps.articles import PublishedArticles, TermIndex
from kb_reports.gaps.grouping import Grouper
from kb_reports.gaps.terms import STOP_WORDS, stem, terms_of_text
from kb_reports.gaps.typos import MIN_TYPO_LEN, one_edit
from kb_reports.gaps.words import FILLER, Vocabulary

log = logging.getLogger(__name__)

# An article is about a search when its title means the same by this cosine, or when every
# content word of the search is one of its terms and the cosine reaches ABOUT_WITH_WORDS.
# Both chosen on the train situations (tests/gaps/advice_cases.yml, bench/gaps_advice_eval.py).
ABOUT = 0.60
ABOUT_WITH_WORDS = 0.45
SYNONYM = 0.78  # cosine of two single words that mean the same ("logon", "login")


@dataclass(frozen=True)
class Synonym:
    searched: str
    article_word: str
    article: ManifestArticle


class Advisor:
    """Judges articles and words by meaning; without the sentence model, by words alone."""

    def __init__(
        self, catalog: PublishedArticles, grouper: Grouper, vocab: Vocabulary, meaning: bool
    ):
        self.catalog = catalog
        self.grouper = grouper
        self.vocab = vocab
        self.terms = TermIndex(catalog)
        self._encoder = None
        self._cache: dict[str, np.ndarray] = {}
        if meaning:
            try:
                from kb_core.semantic import encoder

                self._encoder = encoder()
            except Exception as exc:  # a missing model must not stop a report
                log.warning("sentence encoder unavailable, advising by words: %s", exc)

    def _vec(self, text: str) -> np.ndarray | None:
        if self._encoder is None:
            return None
        if text not in self._cache:
            self._cache[text] = self._encoder.encode_one(text)
        return self._cache[text]

    def cosine(self, a: str, b: str) -> float | None:
        """Cosine of two texts' sentence vectors (None without the model)."""
        va, vb = self._vec(a), self._vec(b)
        return None if va is None or vb is None else float(va @ vb)

    def covered(self, query: str, article: ManifestArticle) -> bool:
        """True when every content word of ``query`` is a term of ``article``."""
        terms = self.terms.weights.get(article.id, {})
        own = {stem(w) for w in self.vocab.content_words(query)}
        return bool(own) and all(t in terms for t in own)

    def declared(self, query: str, article: ManifestArticle) -> bool:
        """True when ``query`` says what the article's title, a keyword or a tag says."""
        own = terms_of_text(query) - FILLER
        return bool(own) and any(
            own == terms_of_text(p) for p in (article.title, *article.keywords, *article.tags)
        )

    def in_view(self, query: str, article: ManifestArticle) -> bool:
        """True when every word of ``query`` is already in what search shows of the article:
        its title or summary, or a keyword."""
        own = terms_of_text(query) - FILLER
        shown = (article.title, article.summary, *article.keywords, *article.tags)
        return bool(own) and own <= set().union(*(terms_of_text(t) for t in shown))

    def about(self, query: str, article: ManifestArticle) -> bool:
        """True when ``article`` answers what ``query`` asks: the writer listed the query's
        words as a keyword, or its title means the same by the sentence model."""
        if self.declared(query, article):
            return True
        cos = self.cosine(query, article.title)
        words = self.covered(query, article)
        if cos is None:
            return words
        return cos >= ABOUT or (words and cos >= ABOUT_WITH_WORDS)

    def synonym(self, words: Iterable[str]) -> Synonym | None:
        """A real searched word and a real word of an article that means the same, by the
        sentence model; never stop words, never fragments."""
        for word in words:
            term = stem(word)
            if (
                word in STOP_WORDS
                or term in self.terms.by_term
                or len(word) < MIN_TYPO_LEN
                or word.isdigit()
                or not self.vocab.is_word(word)
            ):
                continue
            best: tuple[float, str] | None = None
            for known, surface in self.terms.surface.items():
                if surface in STOP_WORDS or len(surface) < 3 or not self.vocab.is_word(surface):
                    continue
                cos = self.cosine(word, surface)
                if cos is None:  # without the model, only a spelling variant is safe
                    cos = 1.0 if one_edit(term, known) else 0.0
                if cos >= SYNONYM and (best is None or cos > best[0]):
                    best = (cos, known)
            if best is not None:
                known = best[1]
                owner = max(
                    self.terms.by_term[known], key=lambda i: (self.terms.weights[i][known], i)
                )
                return Synonym(word, self.terms.surface[known], self.catalog.articles[owner])
        return None
