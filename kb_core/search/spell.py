"""Spelling correction from the index's own vocabulary ("did you mean"), and compounds:
words typed apart that the articles join, or joined that they write apart.

Used by :mod:`kb_core.search.rank`; imports neither mkdocs nor Flask. Candidates come from
a symmetric-delete table (a word and the typo share a one-letter deletion), so a lookup costs a
few dictionary probes instead of a walk over the whole vocabulary.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from kb_core.search.languages import COMMON_WORD_ZIPF, zipf
from kb_core.search.text.analysis import fold, spellable
from kb_core.search.text.plan import (
    LANGUAGE_TAG,
    Clause,
    QueryPlan,
    QueryPlanner,
    language_tag,
)

log = logging.getLogger(__name__)

MIN_PART = 3  # letters of each word a joined word may be split into ("duck player")
# A typed word that some articles have (in a link or a script's name, say: "filedownloads") is
# also looked for as two words when each of them is in APART_OVER_JOINED times as many
# articles; one that more than RARE_JOINED have, only as two content words (not at a stop word).
RARE_JOINED = 2
APART_OVER_JOINED = 3
# A real English word (wordfreq's Zipf scale, the bar `kb gaps` uses for "a real word") is not
# split into two content words: "timecard" is a word the articles lack, a gap to report, not
# "time card"; "duckplayer" and "resetpassword" score 0. A cut at a stop word ("signin",
# "logon") is how people run "sign in" together, and is still made. A real word of another
# language is cut nowhere (:func:`_one_word`): "bonjour" is no "bon jour", "parfois" no "par fois".
REAL_WORD_ZIPF = 1.0


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _swaps(word: str) -> set[str]:
    """``word`` with two neighbouring letters swapped, each way it can be."""
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}


def distance(a: str, b: str, within: int | None = None) -> int:
    """Edit distance counting a swap of two neighbouring letters as one edit.

    With ``within``, only a band of the table is filled and the work stops once no cell of a
    row is within it: any distance above ``within`` comes back as ``within + 1``.
    """
    k = max(len(a), len(b)) if within is None else within
    far = k + 1
    prev2: list[int] = []
    prev = [min(j, far) for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        cur = [far] * (len(b) + 1)
        if i <= k:
            cur[0] = i
        ca = a[i - 1]
        lo, hi = max(1, i - k), min(len(b), i + k)
        for j in range(lo, hi + 1):
            cb = b[j - 1]
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v if v < far else far
        if within is not None and lo <= hi and min(cur[lo - 1 : hi + 1]) > k:
            return far
        prev2, prev = prev, cur
    return prev[len(b)]


class Vocabulary:
    """The words of the indexed articles with their document frequencies."""

    def __init__(self, path: Path, also: Iterable[str] = ()) -> None:
        """Read ``path``; ``also``: words no article says that a correction may still suggest
        (a synonym's: "remboursement" on a portal whose articles say "refund")."""
        self.df: dict[str, int] = {}
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            log.warning("search vocabulary %s is missing: no spelling corrections", path)
            text = ""
        for line in text.splitlines():
            word, _, n = line.partition("\t")
            self.df[word] = int(n or 1)
        # counted as said by no article: a word the articles say comes first, at one distance
        extra = spellable(also) - self.df.keys()
        self._known = {**dict.fromkeys(extra, 0), **self.df} if extra else self.df
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
                for word in self._known:
                    for d in _deletes(word):
                        had = get(d)
                        table[d] = f"{had} {word}" if had else word
                self._table = table
            return self._table

    def nearest(self, word: str) -> str | None:
        """The most common known word within one edit (two for words of 6+ letters, where
        a swap of neighbouring letters and one more edit are found too); a word of three
        letters only when two of its letters are swapped ("vnp")."""
        if len(word) < 3 or not word.isalpha():
            return None
        if len(word) == 3:
            df = self._known
            known = sorted((-df[w], w) for w in _swaps(word) - {word} if w in df)
            return next((w for _, w in known if _plausible(word, w)), None)
        maxdist = 2 if len(word) >= 6 else 1
        table = self._lookup()
        keys = {word} | _deletes(word)
        if maxdist == 2:  # "paswrod": a swap and a missing letter
            for swapped in _swaps(word):
                keys |= {swapped} | _deletes(swapped)
        df = self._known
        candidates: set[str] = set()
        for key in keys:
            if key in df:
                candidates.add(key)
            candidates.update(table.get(key, "").split())
        candidates.discard(word)
        heard = {w for w in _respelled(word) if w in df}  # "fishing": "phishing"
        scored = sorted(
            (1 if c in heard else distance(word, c), -df[c], c) for c in candidates | heard
        )
        if not scored or scored[0][0] > maxdist:
            return None
        # Only the nearest words: when they are all implausible ("threat" is one letter from
        # "thread"), a word two letters away ("treats") is no better a guess.
        nearest = (
            c for d, _, c in scored if d == scored[0][0] and (c in heard or _plausible(word, c))
        )
        return next(nearest, None)

    def split(self, word: str, short: frozenset[str] = frozenset()) -> tuple[str, str] | None:
        """``word`` as two known words of ``MIN_PART`` letters or more, when the articles
        write it apart ("duckplayer": "duck player"): of the ways to cut it, the one whose
        rarer word is the most common. Failing that, a known word and one of ``short``
        (stop words: "signin" is "sign in")."""
        if len(word) < 4 or not word.isalpha():
            return None
        df = self.df
        cuts = []
        for i in range(2, len(word) - 1):
            a, b = word[:i], word[i:]
            if a in short or b in short:
                other = b if a in short else a
                if other in df and other not in short:
                    cuts.append((False, df[other], a, b))
            elif min(len(a), len(b)) >= MIN_PART and a in df and b in df:
                cuts.append((True, min(df[a], df[b]), a, b))
        return max(cuts)[2:] if cuts else None


def join_apart(plan: QueryPlan, planner: QueryPlanner, frequency: Callable[[str], int]) -> None:
    """Two typed words that the articles write as one ("log in", "pass word", "dash board")
    also look for the joined word; when a half is a word no article has ("pay ment"), the
    joined word stands in its place, so it is not taken for a typo."""
    have = {t for c in plan.clauses for alt in c.alternatives for t in alt}
    for a, b in zip(plan.words, plan.words[1:], strict=False):
        if not (a.isalpha() and b.isalpha()) or planner.is_stop_word(a):
            continue
        joined: list[tuple[str, ...]] = [
            alt
            for alt in planner.word(a + b)
            if len(alt) == 1 and alt[0] not in have and frequency(alt[0])
        ]
        if not joined:
            continue
        clause = Clause(f"{a} {b}", joined)
        unknown = [
            c
            for c in plan.clauses
            if c.surface in (a, b) and not any(all(map(frequency, alt)) for alt in c.alternatives)
        ]
        if unknown:  # in place of the unknown halves ("pay" too, if no article says it)
            unknown[0].surface, unknown[0].alternatives = clause.surface, clause.alternatives
            plan.clauses[:] = [c for c in plan.clauses if all(c is not u for u in unknown[1:])]
        else:
            plan.clauses.append(clause)
        have.update(alt[0] for alt in joined)


def split_joined(
    plan: QueryPlan,
    planner: QueryPlanner,
    frequency: Callable[[str], int],
    vocabulary: Vocabulary,
) -> None:
    """A typed word no article has that is two words they have ("duckplayer",
    "resetpassword") looks for both, before any spelling correction. So does a word that only
    a link or a few script names have ("smarterencryption" in a URL, "filedownloads") where
    articles write it apart, often.
    (In an index of two languages' texts, a word is one term in each language it may be in.)"""
    stop_words = planner.stop_words
    for clause in plan.clauses:
        word = fold(clause.surface)
        languages = [language_tag(alt) for alt in clause.alternatives]
        if " " in word or not languages or len(set(languages)) != len(languages):
            continue
        known = sum(min(map(frequency, alt)) for alt in clause.alternatives)
        parts = vocabulary.split(word, stop_words)
        if not parts:
            continue
        content = not any(p in stop_words for p in parts)
        if known > RARE_JOINED and not content:
            continue  # a common word is not cut at a stop word ("online" is not "on line")
        found = [(min(map(frequency, alt)), alt) for alt in planner.phrase(parts)]
        if known and not any(
            len(alt) > 1 and apart >= APART_OVER_JOINED * known for apart, alt in found
        ):
            continue  # checked first: wordfreq's tables take a third of a second to load
        if _one_word(clause.surface, languages, planner.analyzer.language, content):
            continue  # "timecard" is a word the articles lack, not "time card"
        if not content and vocabulary.nearest(word):
            continue  # "signin" is "signing" when the articles say that, not "sign"
        if not known and any(apart for apart, _ in found):
            clause.alternatives = [alt for apart, alt in found if apart]
        elif known:
            clause.alternatives += [
                alt for apart, alt in found if len(alt) > 1 and apart >= APART_OVER_JOINED * known
            ]


def _one_word(typed: str, tags: list[str], language: str, content: bool) -> bool:
    """Whether ``typed`` is a word of a language its clause looks in (``tags``: its
    alternatives' language tags, "" for the index's ``language``), not two run together. A
    real English word is not two content words ("timecard"), but may be a stop word and
    another ("signin", "logon": how people run "sign in" together). A real word of another
    language is cut nowhere: French "bonjour" is not "bon jour", nor "parfois" "par fois"."""
    for tag in tags:
        of = tag.removesuffix(LANGUAGE_TAG) or language
        if of == "en" and not content:
            continue
        if _real_word(fold(typed) if of == "en" else typed, of):
            return True
    return False


def _real_word(word: str, language: str = "en", bar: float = REAL_WORD_ZIPF) -> bool:
    return (zipf(word, language) or 0.0) >= bar


def common_word(word: str, language: str) -> bool:
    """Whether ``word`` (as typed, accents and all) is a common word of ``language``
    (:data:`~kb_core.search.languages.COMMON_WORD_ZIPF`): in another language's portal, whose
    vocabulary holds the default language's text of every untranslated article, what the
    visitor meant, not a typo of a default-language word ("facture" is not "feature")."""
    return _real_word(word, language, COMMON_WORD_ZIPF)


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
# Letters that spell the same sound, written for one another by ear ("invoise", "subskribe")
_SOUND_ALIKE = frozenset({("s", "c"), ("c", "s"), ("c", "k"), ("k", "c"), ("s", "z"), ("z", "s")})


# Letter groups that spell the same sound, one written for the other by ear: "fishing" for
# "phishing", "fone" for "phone".
_SAME_SOUND = (("ph", "f"), ("f", "ph"))


def _respelled(word: str) -> set[str]:
    """``word`` with one of its letter groups in ``_SAME_SOUND`` spelled the other way."""
    found = set()
    for heard, spelled in _SAME_SOUND:
        at = word.find(heard)
        while at >= 0:
            found.add(word[:at] + spelled + word[at + len(heard) :])
            at = word.find(heard, at + 1)
    return found


def _plausible(typo: str, word: str) -> bool:
    """Whether ``typo`` looks like a misspelling of ``word`` rather than another word.

    The first letter is rarely mistyped; and one changed or extra letter is as likely
    another real word (wife, life; threat, thread; model, mode) as a typo, unless the letters
    are vowels (recepient), neighbours on the keyboard (organising, mutre), letters for the
    same sound (invoise) or doubled (cancell). Short words take only a doubled, missing or
    swapped letter.
    """
    if typo[0] != word[0]:
        return typo[1::-1] + typo[2:] == word  # the first two letters swapped
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
    return (a in _VOWELS and b in _VOWELS) or b in _NEIGHBOURS.get(a, ()) or (a, b) in _SOUND_ALIKE


def _slipped(typo: str, word: str) -> bool:
    """Whether ``typo`` is ``word`` with one letter typed twice or by a neighbouring key."""
    for i, extra in enumerate(typo):
        if typo[:i] + typo[i + 1 :] != word:
            continue
        around = typo[max(0, i - 1) : i] + typo[i + 1 : i + 2]
        if any(extra == c or extra in _NEIGHBOURS.get(c, ()) for c in around):
            return True
    return False
