"""Spelling correction from the index's own vocabulary ("did you mean").

Used by :mod:`kb_core.search.rank`; imports neither mkdocs nor Flask. Candidates come from
a symmetric-delete table (a word and the typo share a one-letter deletion), so a lookup costs a
few dictionary probes instead of a walk over the whole vocabulary.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

log = logging.getLogger(__name__)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def distance(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbouring letters as one edit."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


class Vocabulary:
    """The words of the indexed articles with their document frequencies."""

    def __init__(self, path: Path) -> None:
        self.df: dict[str, int] = {}
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            log.warning("search vocabulary %s is missing: no spelling corrections", path)
            text = ""
        for line in text.splitlines():
            word, _, n = line.partition("\t")
            self.df[word] = int(n or 1)
        # deletion -> the words it comes from, space-separated: a dict of strings only is
        # invisible to the garbage collector, where 200,000 lists made each full collection
        # (and so a search now and then) take 60 ms longer.
        self._table: dict[str, str] | None = None
        self._building = threading.Lock()

    def warm_up(self) -> threading.Thread:
        """Build the lookup table in a background thread, so that the first search with a
        typo does not wait for it (a third of a second at 25,000 words)."""
        thread = threading.Thread(target=self._lookup, name="kb-vocabulary", daemon=True)
        thread.start()
        return thread

    def _lookup(self) -> dict[str, str]:
        with self._building:
            if self._table is None:
                table: dict[str, str] = {}
                get = table.get
                for word in self.df:
                    for d in _deletes(word):
                        had = get(d)
                        table[d] = f"{had} {word}" if had else word
                self._table = table
            return self._table

    def nearest(self, word: str) -> str | None:
        """The most common known word within one edit (two for words of 6+ letters)."""
        if len(word) < 4 or not word.isalpha():
            return None
        maxdist = 2 if len(word) >= 6 else 1
        table = self._lookup()
        candidates: set[str] = set()
        for key in {word} | _deletes(word):
            if key in self.df:
                candidates.add(key)
            candidates.update(table.get(key, "").split())
        candidates.discard(word)
        scored = sorted((distance(word, c), -self.df[c], c) for c in candidates)
        if not scored or scored[0][0] > maxdist:
            return None
        # Only the nearest words: when they are all implausible ("threat" is one letter from
        # "thread"), a word two letters away ("treats") is no better a guess.
        nearest = (c for d, _, c in scored if d == scored[0][0] and _plausible(word, c))
        return next(nearest, None)


# Letters next to each other on a QWERTY keyboard, whose rows are staggered by a quarter and
# a half key: the ones a finger slips between.
_ROWS = (("qwertyuiop", 0.0), ("asdfghjkl", 0.25), ("zxcvbnm", 0.75))
_NEIGHBOURS = {
    c: {
        other
        for r2, (row2, shift2) in enumerate(_ROWS)
        for j2, other in enumerate(row2)
        if other != c and abs(r2 - r) <= 1 and abs(j2 + shift2 - j - shift) < 1.1
    }
    for r, (row, shift) in enumerate(_ROWS)
    for j, c in enumerate(row)
}
_VOWELS = frozenset("aeiouy")


def _plausible(typo: str, word: str) -> bool:
    """Whether ``typo`` looks like a misspelling of ``word`` rather than another word.

    The first letter is rarely mistyped; and one changed or extra letter is as likely
    another real word (wife, life; threat, thread; model, mode) as a typo, unless the letters
    are vowels (recepient), neighbours on the keyboard (organising, mutre) or doubled
    (cancell). Short words take only a doubled, missing or swapped letter.
    """
    if typo[0] != word[0]:
        return False
    if len(typo) == len(word) + 1:
        return _slipped(typo, word)
    if len(typo) != len(word) or sorted(typo) == sorted(word):
        return True
    if len(typo) < 6:
        return False
    changed = [(a, b) for a, b in zip(typo, word, strict=True) if a != b]
    if len(changed) != 1:
        return True  # two edits, allowed only to long words by Vocabulary.nearest
    a, b = changed[0]
    return (a in _VOWELS and b in _VOWELS) or b in _NEIGHBOURS.get(a, ())


def _slipped(typo: str, word: str) -> bool:
    """Whether ``typo`` is ``word`` with one letter typed twice or by a neighbouring key."""
    for i, extra in enumerate(typo):
        if typo[:i] + typo[i + 1 :] != word:
            continue
        around = typo[max(0, i - 1) : i] + typo[i + 1 : i + 2]
        if any(extra == c or extra in _NEIGHBOURS.get(c, ()) for c in around):
            return True
    return False
