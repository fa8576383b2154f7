"""What a broken link, anchor or ``related:`` id was probably meant to be: ``kb check``'s
"did you mean" for a slip of a letter or two ('push-notification', '#quiet-hour',
'plan-and-pricing.md').

Only on the error path, and bounded: a name is compared only with names of about its length
that share most of its letter pairs, in a band of the edit table, and each answer (and each
name's letter pairs) is remembered: loading and checking cpp-docs (9,740 articles, 32,000
broken anchors) takes 9.3 s with them.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable

from kb_builder.articles import Article
from kb_core.search.spell import distance


def nearest(
    word: str, candidates: Iterable[str], pairs: dict[str, frozenset[str]] | None = None
) -> str | None:
    """The one candidate a slip of ``word`` away (one edit, two from ten letters on), or None
    when there is none, two are as near, or the word is under six letters (in 'ssize' and
    'size', or 'note_20' and 'notes', a letter or two is another name, not a slip). Numbers
    must be the same: 'error-550-5-4-1' is no slip of 'error-550-5-7-1'. ``pairs`` keeps
    each name's letter pairs for the next call (:class:`Near`: the same headings are asked
    about again and again)."""
    pairs = {} if pairs is None else pairs
    if len(word) < 6:
        return None
    numbers = _NUMBERS.findall(word)
    limit = 1 if len(word) < 10 else 2
    low = word.lower()
    grams = _bigrams(low, pairs)
    best: list[str] = []
    best_d = limit + 1
    for c in candidates:
        if c == word or abs(len(c) - len(word)) > limit:
            continue
        cl = c.lower()
        # an edit changes at most two letter pairs, a swap three: a cheap test in C first
        # (counted on the word's distinct pairs: 'data-data-data' repeats its own)
        if len(grams & _bigrams(cl, pairs)) < len(grams) - 3 * limit:
            continue
        d = distance(low, cl, within=min(best_d, limit))
        if d > limit or _NUMBERS.findall(c) != numbers:
            continue
        if d < best_d:
            best, best_d = [c], d
        elif d == best_d:
            best.append(c)
    return best[0] if len(best) == 1 else None


_NUMBERS = re.compile(r"\d+")


def nearest_file(name: str, names: Iterable[str]) -> str | None:
    """The one of ``names`` (file names) of ``name``'s type whose stem is a slip of its stem
    (:func:`nearest`): 'publish-a-schedule.md' for 'publish-a-schedul.md'. The extension
    is no part of the six letters: 'tax.md' is no slip of 'fax.md'."""
    stem, ext = posixpath.splitext(name)
    stems = {posixpath.splitext(n)[0]: n for n in names if posixpath.splitext(n)[1] == ext}
    found = nearest(stem, stems)
    return None if found is None else stems[found]


def near_name(path: str, paths: Iterable[str]) -> str | None:
    """The one of ``paths`` (content paths) in ``path``'s folder whose file name is a slip of
    ``path``'s (:func:`nearest_file`), or else its only namesake of another type:
    'images/export-menu.png' for 'images/export-menue.png', 'logo.png' for 'logo.jpg'."""
    folder, _, name = path.rpartition("/")
    # names compared, not paths: the folder they share would make 'gone.png' near 'menu.png'
    same = {p.rpartition("/")[2]: p for p in paths if p.rpartition("/")[0] == folder}
    found = nearest_file(name, same)
    if found is None:
        stem = posixpath.splitext(name)[0].lower()
        others = [n for n in same if n != name and posixpath.splitext(n)[0].lower() == stem]
        found = others[0] if len(others) == 1 else None
    return None if found is None else same[found]


def _bigrams(word: str, pairs: dict[str, frozenset[str]]) -> frozenset[str]:
    found = pairs.get(word)
    if found is None:
        found = pairs[word] = frozenset(word[i : i + 2] for i in range(len(word) - 1))
    return found


class Near:
    """The article ids and content files of a knowledge base, to suggest from."""

    def __init__(self, ids: Iterable[str], sources: Iterable[str]) -> None:
        self.ids = sorted(set(ids))
        self.sources = sorted(set(sources))
        self._by_name: dict[str, list[str]] = defaultdict(list)
        for s in self.sources:
            self._by_name[posixpath.basename(s)].append(s)
        self._by_lower: dict[str, list[str]] = defaultdict(list)
        for name, paths in self._by_name.items():
            self._by_lower[name.lower()] += paths
        self._seen: dict[tuple[str, str], str | None] = {}
        self._pairs: dict[str, frozenset[str]] = {}  # let go with the checks, not kept

    def id(self, written: str) -> str | None:
        """The article id ``written`` was probably meant to be."""
        key = ("id", written)
        if key not in self._seen:
            self._seen[key] = nearest(written, self.ids, self._pairs)
        return self._seen[key]

    def anchor(self, dest: Article, written: str) -> str | None:
        """The heading anchor of the article ``dest`` that ``written`` probably meant."""
        key = (dest.source, "#" + written)
        if key not in self._seen:
            self._seen[key] = nearest(written, (h.anchor for h in dest.headings), self._pairs)
        return self._seen[key]

    def link(self, article_source: str, written: str) -> str | None:
        """The relative link to the file ``written`` (a relative ``.md`` path from
        ``article_source``, no anchor) probably meant: the same name in another folder, or a
        name a slip away in any folder; as it would be written from the article's folder."""
        here = posixpath.dirname(article_source)
        meant = posixpath.normpath(posixpath.join(here, written))
        key = ("link", meant)
        if key not in self._seen:
            name = posixpath.basename(meant)
            found = (
                self._by_name.get(name)
                or self._by_lower.get(name.lower())
                or self._by_name.get(nearest_file(name, self._by_name) or "")
            )
            if not found:
                self._seen[key] = None
            else:  # of the files of that name, the one whose path is nearest the written one
                paths = sorted(found, key=lambda s: (distance(s, meant), s))
                self._seen[key] = paths[0]
        source = self._seen[key]
        return None if source is None else posixpath.relpath(source, here or ".")
