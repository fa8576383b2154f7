"""The words of a search query or an article text, as ``kb gaps`` compares them.

Lower-case (NFKC), split at anything but letters and digits, apostrophes dropped, stemmed
(Porter, as the search index does), stop words dropped; negations ("can't", "doesnt") all
become the term :data:`NOT`. Used by the grouping (``gaps_grouping``), the learned word
meaning (``gaps_meaning``), the article catalogue and the suggested actions.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import lru_cache

from whoosh.lang.porter import stem as _porter

from kb_core.search.text.analysis import NEGATIONS as SEARCH_NEGATIONS
from kb_core.search.text.analysis import analysis_language, stemmer, stop_words

__all__ = [
    "NEGATIONS",
    "NOT",
    "STOP_WORDS",
    "frequencies",
    "reading",
    "stem",
    "terms_of_text",
    "words_of",
]

# Function words, help-desk boilerplate ("how do i", "why is my") and filler ("still", "yet",
# "already", "yesterday"): they say nothing about what was looked for.
# Kept on purpose: not, no, out, off, up, down, back, new, over (they tell "log out" from
# "log in", "money back" from "money").
STOP_WORDS = frozenset(
    """a about above after again against all also am an and any anyone are as at be because
    been before being below between both but by can could did do does doing
    during each else even ever every few for from further get getting got had has have
    having he her here hers herself him himself his how i id if im in into is it its
    itself ive just know let like ll me might more most must my myself need needed of on once
    only or other ought our ours ourselves own please possible re really same shall she should
    so some someone something such tell than thank thanks that the their theirs them
    themselves then there these they this those through to too under until us ve very want
    wanted was way we were what whats when where which while who whom whose why will with
    would you your yours yourself yourselves help hello hi hey
    actually already able ago anymore kindly okay ok pls plz recently still sure today
    wondering yesterday yet now""".split()
)

NOT = "not"  # the term of every negation; a negated query is a problem, not a how-to


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Porter stem of a lower-case word (cached: logs repeat the same words a lot)."""
    return word if word.isdigit() else str(_porter(word))


# Negations written without their apostrophe: all mean "not", which is kept.
NEGATIONS = frozenset(
    """aint arent cant cannot couldnt didnt doesnt dont hadnt hasnt havent havnt isnt mustnt
    neednt shant shouldnt wasnt werent wont wouldnt""".split()
)

_WORDS = re.compile(r"[^\W_]+")


def words_of(query: str) -> list[str]:
    """The lower-case words of a query, split at hyphens and dots, apostrophes dropped.

    Cheap on purpose (it runs over every distinct logged query): the stored queries are
    already normalised by ``kb_core.search.searcher.normalize_query``; this only re-splits them.
    """
    text = query.lower()
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).lower()
    return _WORDS.findall(text.replace("'", "").replace("’", ""))


def frequencies(term_sets: Iterable[Iterable[str]]) -> tuple[dict[str, int], dict[str, float]]:
    """How many of the term sets hold each term, and its IDF, ``log(1 + (sets + 1) / df)``."""
    df: dict[str, int] = defaultdict(int)
    n = 1
    for terms in term_sets:
        n += 1
        for t in terms:
            df[t] += 1
    return df, {t: math.log(1 + n / d) for t, d in df.items()}


def terms_of_text(text: str) -> set[str]:
    """Stemmed content words of a text (titles, keywords, summaries), stop words dropped."""
    return {stem(w) for w in words_of(text) if w not in STOP_WORDS}


def reading(
    language: str | None,
) -> tuple[Callable[[str], str], frozenset[str], frozenset[str]]:
    """The stemmer, stop words and negations that read ``language``'s searches: English's
    (Porter, ours) unless search has a stemmer for the language, whose words then are read as
    its search reads them, English stop words still dropped (searchers mix them in)."""
    code = analysis_language(language or "en")
    other = stemmer(code) if code != "en" else None
    if other is None:
        return stem, STOP_WORDS, NEGATIONS
    return (
        lambda w: w if w.isdigit() else other(w),
        STOP_WORDS | stop_words(code),
        # another language's negations, as search reads them (its stop words hold them: "je ne
        # peux pas pointer" is a problem, "pointer" a how-to, as "can't clock in" and "clock in")
        NEGATIONS | SEARCH_NEGATIONS.get(code, frozenset()),
    )
