"""Which searched words are real, which gaps are noise, and what a readable title is.

``kb gaps`` must never propose "Zzqqxx" or "Refnd" as an article title, nor pair a stop word
with an article's word as a synonym. A word is *real* when it is a word of the published
articles or of the site's synonyms, or when it is common enough in English, or in another
language of the site (wordfreq's Zipf scale, from Wikipedia, subtitles, books, the web and
social media). A failed search none of
whose content words is real is noise (keyboard mashing), not a gap.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from kb_reports.gaps.casing import Casing
from kb_reports.gaps.terms import STOP_WORDS, words_of
from kb_reports.gaps.topic import Topic

log = logging.getLogger(__name__)

EXAMPLES = 5  # queries and spellings shown per group


def quote(text: str) -> str:
    """Text in curly quotes, as the report's sentences quote searches and titles."""
    return f"\u201c{text}\u201d"


# Zipf 1.0 is one use in 100 million words: "timecard" (1.5) and "payslip" (1.7) pass;
# "zzqqxx", "refnd", "asdfgh" and "passwrd" score 0. Chosen on the train situations of
# tests/gaps/advice_cases.yml (bench/gaps_advice_eval.py prints the sweep).
WORD_ZIPF = 1.0
# Filler that makes a query a sentence but not a title.
FILLER = frozenset(
    """pls plz please thanks thank thx asap help hi hello hey urgent urgently kindly ok okay
    anyone someone""".split()
)
# An attack probe, not a question: an event handler, a javascript: URL, an alert(1), or a tag
# opened and closed ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>"). The log
# keeps searches with their markup stripped ("script alert 1 script"), so the words are matched.
_PROBE = re.compile(
    r"\bon(?:error|load|click|focus|blur|mouse\w+)\b|\bjavascript\b|\balert\W*\d"
    r"|\bscript\b.*\bscript\b|</\s*[a-z]",
    re.I,
)


@lru_cache(maxsize=50_000)
def english_zipf(word: str) -> float:
    """How common ``word`` is in English on the Zipf scale (0: never seen)."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


@lru_cache(maxsize=50_000)
def zipf(word: str, language: str) -> float:
    """How common ``word`` is in ``language`` (a wordfreq code) on the Zipf scale."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, language))


def wordfreq_languages(codes: Iterable[str]) -> tuple[str, ...]:
    """The site's languages wordfreq knows, besides English ('pt-BR': 'pt'); others are
    left out rather than guessed."""
    from wordfreq import available_languages

    known = available_languages()
    out = {c.split("-")[0].lower() for c in codes} - {"en"}
    return tuple(sorted(c for c in out if c in known))


class Vocabulary:
    """The words a writer would recognise: the articles', the synonyms', English and the
    site's other languages (``others``: wordfreq codes); ``topic`` drops the words of a
    search that tell the customer's circumstances, not what they looked for; ``casing``
    spells a proposed title's words as the KB does."""

    def __init__(
        self,
        known: Iterable[str],
        others: Iterable[str] = (),
        topic: Topic | None = None,
        casing: Casing | None = None,
    ) -> None:
        self.known = frozenset(w.lower() for w in known)
        self.others = tuple(others)
        self.topic = topic or Topic()
        self.casing = casing

    def is_word(self, word: str) -> bool:
        """True for a word of the articles, of the synonyms, of English or of another of the
        site's languages (a French search on a French portal is no noise)."""
        return (
            word.isdigit()
            or word in self.known
            or english_zipf(word) >= WORD_ZIPF
            or any(zipf(word, lang) >= WORD_ZIPF for lang in self.others)
        )

    def content_words(self, query: str) -> list[str]:
        """The words of a query that say what was looked for (stop words and filler out)."""
        return [w for w in words_of(query) if w not in STOP_WORDS and w not in FILLER]

    def is_noise(self, query: str) -> bool:
        """True when no content word of ``query`` is a real word, or ``query`` is an attack
        probe: nothing a writer can answer."""
        if _PROBE.search(query):
            return True
        words = self.content_words(query) or words_of(query)
        return not any(self.is_word(w) for w in words)

    def is_clean(self, query: str) -> bool:
        """True when every word of ``query`` is a real word (no typo, no fragment)."""
        words = words_of(query)
        return bool(words) and all(self.is_word(w) for w in words)

    def clearest(self, queries: Sequence[str], typos: Iterable[str] = ()) -> str | None:
        """The most searched query with every word real and no corrected typo, else None."""
        skip = set(typos)
        return next((q for q in queries if q not in skip and self.is_clean(q)), None)


# A possessive before a bare thing names the customer's copy of it ("my payslip"): a writer
# titles the thing. Before a clause it stays ("My boss can't see my hours", as the KB's own
# "Shifts don't appear in my calendar"); a thing is at most this many words after it.
_POSSESSIVES = frozenset("my our mon ma mes notre nos".split())
THING_WORDS = 2


def readable_title(
    query: str,
    language: str | None = None,
    topic: Topic | None = None,
    casing: Casing | None = None,
    typed: Sequence[str] = (),
) -> str:
    """A first title for an article answering ``query`` (in ``language``): its topic, without
    greetings, frames and time words ("Hi, how do I pay with bitcoin today?": "Pay with
    bitcoin"; :mod:`kb_reports.gaps.topic`), in sentence case, proper nouns and acronyms
    spelt as the KB (``casing``) or a searcher (``query`` and ``typed``, as typed) spell them
    ("Set up Face ID"; :mod:`kb_reports.gaps.casing`)."""
    words = (topic or Topic()).phrase(query, language).strip(" ?!.,").split()
    if 1 < len(words) <= THING_WORDS + 1 and words[0].lower() in _POSSESSIVES:
        words = words[1:]
    text = " ".join(words)
    return (casing or Casing()).title(text, [query, *typed]) if text else "New article"
