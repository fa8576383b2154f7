"""The query's words found in text: each match says which clause of the query it is (what
ranking counts, and what snippets and answer cards mark)."""

from __future__ import annotations

import bisect
import copy
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

    A clause's word is a string, or a phrase: a tuple of words (a synonym's "money back"). A
    phrase's words count for the clause wherever they stand, as its other words do, but are
    shown only together (``terms`` given): "refund" marks "money back", never the "back" of
    "Refunds go back" nor the "money" of "Not enough money".
    """

    def __init__(
        self,
        clauses: Sequence[Sequence[str | tuple[str, ...]]],
        terms: Callable[[str], Iterable[str]] | None = None,
        stop: Callable[[str], bool] | None = None,
    ) -> None:
        self._terms = terms
        self._stop = stop
        self._stopped: dict[str, bool] = {}  # word -> whether it is a stop word
        self._owner: dict[str, int | None] = {}  # word -> the first clause it is a form of
        self._forms: dict[str, frozenset[str]] = {}  # word -> the word, folded, and its terms
        # of each clause: the words shown alone, and the phrases (their words shown together)
        self._alone: list[frozenset[str]] = []
        self._phrases: list[tuple[tuple[str, ...], ...]] = []
        groups = []
        firsts: list[str] = []
        self._clause_of = [-1]  # regex group number -> clause number
        self._stems: list[tuple[str, ...]] = []
        self._each: list[re.Pattern[str] | None] = []
        for i, said in enumerate(clauses):
            phrases = tuple(tuple(w.lower() for w in p) for p in said if isinstance(p, tuple))
            self._phrases.append(phrases)
            self._alone.append(frozenset(w.lower() for w in said if isinstance(w, str)))
            stems = [w for p in said for w in ((p,) if isinstance(p, str) else p)]
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

    def reading(self, terms: Callable[[str], Iterable[str]]) -> WordFinder:
        """This finder, showing words by ``terms`` instead (one language's analyser, for a
        text in that language: see :meth:`words`)."""
        other = copy.copy(self)
        other._terms, other._owner, other._forms = terms, {}, {}
        return other

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
        if any(self._phrases):
            found = self._together(lower, found)
        return found if self._stop is None else self._beside(lower, found)

    def _together(
        self, lower: str, found: list[tuple[int, int, int]]
    ) -> list[tuple[int, int, int]]:
        """``found`` less the words that are their clause's only through a phrase and do not
        stand in one, whole and in order (``lower``: the text they are in); such a word that
        is a later clause's word alone is that clause's ("cancel subscription": the second
        clause's "subscription", not the first's "end subscription"). A stop word is left to
        :meth:`_beside` ("log in" marks the "in" of "sign in" too)."""
        keep = [
            not self._phrases[c]
            or bool(self._forms_of(lower[a:b]) & self._alone[c])
            or (self._stop is not None and self._is_stop(lower[a:b]))
            for a, b, c in found
        ]
        for k, (_, _, clause) in enumerate(found):
            for phrase in self._phrases[clause]:
                for at in self._phrase_at(lower, found, k, phrase) or ():
                    keep[at] = True
        kept = []
        for (a, b, c), whole in zip(found, keep, strict=True):
            forms = self._forms_of(lower[a:b])
            alone = c if whole else next((i for i, w in enumerate(self._alone) if forms & w), None)
            if alone is not None:
                kept.append((a, b, alone))
        return kept

    def _phrase_at(
        self, lower: str, found: list[tuple[int, int, int]], k: int, phrase: tuple[str, ...]
    ) -> list[int] | None:
        """The matches of ``found`` that say ``phrase`` from the ``k``-th on, if they do:
        each word of it in order, only blanks, hyphens, apostrophes and stop words between
        ("mot de passe" says the terms "mot", "pass")."""
        clause, at, end, covered = found[k][2], k, -1, []
        for word in phrase:
            while at < len(found):
                start, stop, owner = found[at]
                if end >= 0 and not self._gap(lower[end:start]):
                    return None
                if owner == clause and word in self._forms_of(lower[start:stop]):
                    break
                if end < 0:  # the phrase starts at the k-th match or not at all
                    return None
                at += 1
            else:
                return None
            covered.append(at)
            end, at = found[at][1], at + 1
        return covered

    def _gap(self, between: str) -> bool:
        """Whether ``between`` may stand between two words of a phrase."""
        if len(between) > 24:
            return False
        return all(
            not w or (self._stop is not None and self._is_stop(w))
            for w in _JOINED_APART.split(between)
        )

    def _forms_of(self, word: str) -> frozenset[str]:
        """``word`` (whole, lower case), folded, and its index terms."""
        forms = self._forms.get(word)
        if forms is None:
            assert self._terms is not None
            forms = frozenset({word, fold(word), *self._terms(fold(word))})
            self._forms[word] = forms
        return forms

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
            forms = self._forms_of(word)
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
_JOINED_APART = re.compile(r"[ \u00a0'’-]+")  # ... and between its words and stop words


def _starts(stems: Iterable[str]) -> str:
    """A lookahead for the first letters of ``stems``: what a match must start with, said
    first so the regex engine skips other positions fast (matches are the same)."""
    return "(?=[" + "".join(re.escape(c) for c in sorted({s[0] for s in stems})) + "])"


def _lower(text: str) -> str:
    lower = text.lower()
    if len(lower) != len(text):  # a few letters change length in lower case: keep offsets
        lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lower
