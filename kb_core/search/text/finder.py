"""The query's words found in text: each match says which clause of the query it is (what
ranking counts, and what snippets and answer cards mark)."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Iterable, Sequence

from kb_core.search.text.analysis import fold


class WordFinder:
    """Finds the query's words in text: each match says which clause of the query it is.

    A word matches when it starts with one of the clause's stems or typed words: ranking
    counts "application" for "app". What a reader is shown as the query's words
    (:meth:`words`, the snippets' <mark>) is stricter, given ``terms`` (an analyser's
    ``word_terms``: a folded word's index terms): a whole word that is one of the clause's
    words or has one of its terms, so "app" marks "app" and "apps", never "appear" or
    "Apple". Given ``stop`` (whether a folded word is a stop word of the query's languages),
    a stop word is shown only where it goes on from a word of its clause: a synonym phrase's
    "de" marks "mot de passe", never the "de" of any French sentence, and "sign in" marks
    "in" only after "sign".
    """

    def __init__(
        self,
        clauses: Sequence[Sequence[str]],
        terms: Callable[[str], Iterable[str]] | None = None,
        stop: Callable[[str], bool] | None = None,
    ) -> None:
        self._terms = terms
        self._stop = stop
        self._stopped: dict[str, bool] = {}  # word -> whether it is a stop word
        self._owner: dict[str, int | None] = {}  # word -> the first clause it is a form of
        groups = []
        firsts: list[str] = []
        self._clause_of = [-1]  # regex group number -> clause number
        self._stems: list[tuple[str, ...]] = []
        self._each: list[re.Pattern[str] | None] = []
        for i, stems in enumerate(clauses):
            parts = sorted({s.lower() for s in stems if len(s) >= 2}, key=len, reverse=True)
            alternation = "|".join(re.escape(p) for p in parts)
            self._stems.append(tuple(parts))
            self._each.append(
                re.compile(rf"{_starts(parts)}\b(?:{alternation})") if parts else None
            )
            if parts:
                groups.append(f"({alternation})")
                self._clause_of.append(i)
                firsts.extend(parts)
        self.pattern = (
            re.compile(rf"{_starts(firsts)}\b(?:" + "|".join(groups) + r")\w*") if groups else None
        )

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, clause number) of every match."""
        if self.pattern is None:
            return []
        clause_of = self._clause_of
        return [
            (m.start(), m.end(), clause_of[m.lastindex or 0])
            for m in self.pattern.finditer(_lower(text))
        ]

    def words(self, text: str) -> list[tuple[int, int, int]]:
        """:meth:`find`'s matches that are whole words of their clause (see the class);
        all of them when no ``terms`` were given."""
        if self._terms is None or self.pattern is None:
            return self.find(text)
        owner, found = self._owner, []
        lower = _lower(text)
        for m in self.pattern.finditer(lower):
            word = m.group()  # most are known: a look-up here, no call (the text is long)
            clause = owner[word] if word in owner else self._owner_of(word)
            if clause is not None:
                found.append((*m.span(), clause))
        return found if self._stop is None else self._beside(lower, found)

    def _beside(self, lower: str, found: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
        """``found`` less its stop words that do not go on from a word of their clause (as
        "de" in "mot de passe" and "in" in "sign in" do; ``lower``: the text they are in)."""
        kept: list[tuple[int, int, int]] = []
        for start, end, clause in found:
            if self._is_stop(lower[start:end]) and not (
                kept
                and kept[-1][2] == clause
                and _JOINED.fullmatch(lower, kept[-1][1], start) is not None
            ):
                continue
            kept.append((start, end, clause))
        return kept

    def _is_stop(self, word: str) -> bool:
        known = self._stopped.get(word)
        if known is None:
            assert self._stop is not None
            known = self._stopped[word] = self._stop(fold(word))
        return known

    def _owner_of(self, word: str) -> int | None:
        """The first clause whose typed words or terms ``word`` (whole, lower case) is a
        form of: the word itself, or one of its index terms."""
        if word not in self._owner:
            assert self._terms is not None
            forms = {word, fold(word), *self._terms(fold(word))}
            owners = (i for i, stems in enumerate(self._stems) if forms.intersection(stems))
            self._owner[word] = next(owners, None)
        return self._owner[word]

    def first(self, text: str) -> int | None:
        """Where the first match starts, if any (what :meth:`find` would list first)."""
        m = self.pattern.search(_lower(text)) if self.pattern is not None else None
        return None if m is None else m.start()

    def clauses_in(self, text: str) -> set[int]:
        """The clauses with a word in ``text``."""
        # Substring tests first: they are C-fast and rule out most clauses without a regex.
        lower = _lower(text)
        found = set()
        for i, (stems, each) in enumerate(zip(self._stems, self._each, strict=True)):
            if each is not None and any(s in lower for s in stems) and each.search(lower):
                found.add(i)
        return found

    def clauses_in_each(
        self, texts: Sequence[str], only: Iterable[int] | None = None
    ) -> list[set[int]]:
        """:meth:`clauses_in` of each text (of the clauses ``only`` names, if given).

        The texts are searched newline-joined: no stem holds a newline, and the newline
        before a text is a word boundary, as its start is. A clause none of whose stems is
        anywhere is skipped; else its regex jumps to the next text at each match."""
        if len(texts) < 2 and only is None:
            return [self.clauses_in(t) for t in texts]
        found: list[set[int]] = [set() for _ in texts]
        lowered = [_lower(t) for t in texts]
        joined = "\n".join(lowered)
        starts = list(itertools.accumulate((len(t) + 1 for t in lowered[:-1]), initial=0))
        for i in range(len(self._stems)) if only is None else sorted(only):
            each = self._each[i]
            if each is None or not any(s in joined for s in self._stems[i]):
                continue
            search, m = each.search, each.search(joined)
            while m is not None:  # one match a text is enough: on to the next text
                k = bisect.bisect_right(starts, m.start())
                found[k - 1].add(i)
                m = search(joined, starts[k]) if k < len(starts) else None
        return found

    def pairs_in(self, text: str, gap: int = 20) -> set[int]:
        """Clauses i whose words appear followed closely by those of clause i + 1."""
        found = self.find(text)
        return {
            a[2]
            for a, b in zip(found, found[1:], strict=False)
            if b[2] == a[2] + 1 and b[0] - a[1] <= gap
        }


_JOINED = re.compile(r"[ \u00a0'’-]*")  # what may stand between the words of a phrase


def _starts(stems: Iterable[str]) -> str:
    """A lookahead for the first letters of ``stems``: what a match must start with, said
    first so the regex engine skips other positions fast (matches are the same)."""
    return "(?=[" + "".join(re.escape(c) for c in sorted({s[0] for s in stems})) + "])"


def _lower(text: str) -> str:
    lower = text.lower()
    if len(lower) != len(text):  # a few letters change length in lower case: keep offsets
        lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lower
