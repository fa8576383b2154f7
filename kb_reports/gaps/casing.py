"""How a title proposed by ``kb gaps`` spells its words: in sentence case, with the capitals
that proper nouns and acronyms keep ("Set up Face ID", "Apple Pay", "iOS widget", "SEPA").

The log keeps searches lower-cased, and most searchers type in lower case, so the case comes
from two places, first to last:

- the knowledge base's own texts (titles, summaries, keywords, tags, FAQ questions,
  headings): a word the writers spell with capitals at least as often as without is spelt
  their way ("ios": "iOS", "sepa": "SEPA"); with a capital first letter only, when they do so
  twice or more (this KB's role names, "Managers"; not "Online", once, in "QuickBooks
  Online"). Capitals that only sentence case or Title Case put there say nothing: the first
  word of a sentence, and in a text whose longer words are all capitalised ("Connect Google
  Calendar"), all but capitals after a word's first letter. A very common English word
  spelt in capitals ("REST", "US", "IT") is spelt so only beside a word the KB writes it
  beside ("REST API", never "REST breaks");
- the searches as typed: a word some searcher typed with capitals (by the same rule: "SSO
  broken", "how do I connect Slack"; not a search typed all in capitals, which is shouting,
  not spelling, nor a very common word in capitals, "contact US") keeps them ("Face ID",
  "Apple Pay").

Any other word is lower case ("I" upper case), the first letter of the title upper case.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache

__all__ = ["Casing"]

_TOKEN = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_SENTENCE = re.compile(r"(?:^|[.!?:;]\s+|\n+)")
KB_SUPPORT = 2  # times the KB must capitalise a word's first letter only to spell it so
# Zipf of an English word so common ("rest" 5.2, "us" 6.0) that its spelling in capitals is
# another word ("REST", "US"); "id" (4.6) and "pin" (4.3) are spelt "ID" and "PIN" in a KB.
COMMON_ZIPF = 5.0
_TITLE_WORD = 4  # Title Case capitalises the words of this many letters or more


def _capitals(word: str, first: bool) -> bool:
    """Whether ``word`` carries capitals that say how it is spelt (where sentence or Title
    Case capitalises it, only capitals after its first letter do)."""
    rest = word[1:] if first else word
    return rest != rest.lower()


def _spelt(text: str) -> list[str]:
    """The words of ``text`` whose capitals say how they are spelt (see the module); every
    other word lower case."""
    words = _TOKEN.findall(text)
    longer = [w for w in words[1:] if len(w) >= _TITLE_WORD]
    titled = len(longer) > 1 and all(w[0].isupper() for w in longer)
    return [w if _capitals(w, first=titled or i == 0) else w.lower() for i, w in enumerate(words)]


@lru_cache(maxsize=10_000)
def _common(word: str) -> bool:
    """Whether ``word`` is in capitals and a very common English word in lower case."""
    from wordfreq import zipf_frequency

    return word.isupper() and len(word) > 1 and zipf_frequency(word.lower(), "en") >= COMMON_ZIPF


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text) if s.strip()]


class Casing:
    """The spelling of words the knowledge base writes with capitals; see the module."""

    def __init__(self, kb_texts: Iterable[str] = ()) -> None:
        seen: dict[str, Counter[str]] = defaultdict(Counter)
        beside: dict[str, set[str]] = defaultdict(set)  # a word -> the words beside it
        for text in kb_texts:
            for sentence in _sentences(text):
                words = _spelt(sentence)
                for i, word in enumerate(words[1:], 1):  # the first says nothing either way
                    seen[word.lower()][word] += 1
                    if word.isupper():
                        beside[word.lower()].update(w.lower() for w in words[i - 1 : i + 2 : 2])
        self._kb: dict[str, str] = {"i": "I"}
        self._beside: dict[str, set[str]] = {}  # a common word: where it is spelt so
        for low, forms in seen.items():
            (form, n), *_ = sorted(forms.items(), key=lambda kv: (-kv[1], kv[0]))
            support = 1 if _capitals(form, first=True) else KB_SUPPORT
            if form != low and n >= support and n >= forms[low]:
                self._kb[low] = form
                if _common(form):
                    self._beside[low] = beside[low]

    def typed(self, spellings: Sequence[str]) -> dict[str, str]:
        """The spellings with capitals that searchers chose, by lower-case word (the first
        spelling that has one wins; see the module for which capitals count)."""
        out: dict[str, str] = {}
        for spelling in spellings:
            letters = [c for c in spelling if c.isalpha()]
            if " " in spelling.strip() and all(c.isupper() for c in letters):
                continue  # SHOUTED: no word's own spelling
            for word in _spelt(spelling):
                if word != word.lower() and not _common(word):
                    out.setdefault(word.lower(), word)
        return out

    def title(self, text: str, spellings: Sequence[str] = ()) -> str:
        """``text`` in sentence case, each word spelt as the KB or a searcher (``spellings``:
        the searches as typed) spell it with capitals."""
        typed = self.typed(spellings)
        words = [m.group().lower() for m in _TOKEN.finditer(text)]
        spelt = []
        for i, low in enumerate(words):
            form = self._kb.get(low)
            if low in self._beside and not self._beside[low] & set(words[max(i - 1, 0) : i + 2]):
                form = None  # "rest breaks", not "REST breaks"
            spelt.append(form or typed.get(low) or low)
        it = iter(spelt)
        cased = _TOKEN.sub(lambda m: next(it), text)
        if spelt and spelt[0] != words[0]:
            return cased  # "iOS widget", not "IOS widget"
        return cased[:1].upper() + cased[1:]
