"""Which of a portal's languages a typed word is in, from how common it is in each (wordfreq).

A portal in another language than the site's default also shows, untranslated, the default
language's text of every article it lacks a translation of; its index keeps each text in its
own language's fields (:mod:`kb_core.search.schema`), and a query word is looked for in the
text of each language it may be a word of. "valider" is French: it must not find the English
"valid" in an untranslated article (the English and the French stemmers both make "valid" of
either word).

Used by :mod:`kb_core.search.text` and :mod:`kb_core.search.spell`; imports neither mkdocs
nor Flask. wordfreq's tables load on the first word looked up (a fifth of a second each).
"""

from __future__ import annotations

import functools
import threading
import unicodedata
from collections.abc import Sequence

# A word at least once per million words of a language (wordfreq's Zipf scale) is a common
# word of it: in another language's portal it is what the visitor meant, not a typo of a word
# of the default language ("facture" is not "feature"; spell.py).
COMMON_WORD_ZIPF = 3.0
# ... and it is a word of that language only when it is this much rarer (on the same scale:
# 1.5 is about thirty times) in each other language. Loanwords, names and the words the two
# share stay words of both: "planning" (English 4.9, French 3.7), "application", "export",
# "gmail"; "the" (7.7 and 5.3, from English quoted in French text), "valider" (0.0 and 3.9),
# "invoices" (3.1 and 0.0) and "mot" (3.1 and 5.2) each belong to one.
OWN_WORD_MARGIN = 1.5


@functools.lru_cache(maxsize=65536)
def zipf(word: str, language: str) -> float | None:
    """How common ``word`` (as typed: lower case, accents kept) is in ``language``, on
    wordfreq's Zipf scale (0: unknown); None for a language wordfreq has no list of."""
    from wordfreq import zipf_frequency

    try:
        return float(zipf_frequency(word, language))
    except LookupError:
        return None


def written(word: str, language: str) -> float | None:
    """How common ``word`` is in ``language`` (:func:`zipf`), as typed or without its accents,
    as that language may write it: "vérification" is the English "verification" too (3.7, and
    0.0 with its accents), as "détails" is "details" and "téléphone" "telephone"."""
    found = zipf(word, language)
    if found is None or word.isascii():
        return found
    bare = "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))
    return max(found, zipf(bare, language) or 0.0) if bare != word else found


def languages_of(word: str, languages: Sequence[str]) -> list[str]:
    """Those of ``languages`` ``word`` may be a word of (in their order): all of them, unless
    it is a common word of one (:func:`written`) and at least ``OWN_WORD_MARGIN`` rarer in
    others."""
    found = [(language, written(word, language)) for language in languages]
    known = [z for _, z in found if z is not None]
    top = max(known, default=0.0)
    if top < COMMON_WORD_ZIPF:
        return list(languages)
    return [language for language, z in found if z is None or z > top - OWN_WORD_MARGIN]


def warm_up(languages: Sequence[str]) -> threading.Thread:
    """Load the word lists of ``languages`` in a background thread, so that a server's first
    search in a portal of two languages does not wait for them (about 0.4 s)."""
    thread = threading.Thread(
        target=languages_of, args=("a", languages), name="kb-wordfreq", daemon=True
    )
    thread.start()
    return thread
