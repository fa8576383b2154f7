"""Which portal a logged search was made on, and which language a group of searches is in.

On a site of several languages each portal (``/``, ``/fr/``) answers from its own index and
its own articles, so ``kb gaps`` judges and groups each portal's searches apart: "payer en
bitcoin hier" typed on /fr/ is never in a group with "how do I pay with bitcoin" typed on /,
and "remboursement" on /fr/, answered with the untranslated *Get a refund*, is never in a
weak group with "refund" on /. The store logs each search with its portal's language
(``searches.language``, null on a site of one language and before migration 7).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kb_store.reports import FailedRow, QueryDetail

__all__ = ["Portals", "group_language"]

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


@dataclass(frozen=True)
class Portals:
    """The site's portal languages (``codes``, the default first)."""

    codes: tuple[str, ...]

    @property
    def several(self) -> bool:
        return len(self.codes) > 1

    def of(self, language: str | None) -> str | None:
        """The portal a search logged with ``language`` was made on: its code on a site of
        several languages (a row logged without one, the default's), None on a site of one."""
        if not self.several:
            return None
        return language or self.codes[0]

    def split(self, rows: Iterable[FailedRow]) -> dict[str | None, dict[str, FailedRow]]:
        """Failed-search rows by portal, then query (a query logged with no language and
        with the default's, on a site of several, is one: the default portal's)."""
        out: dict[str | None, dict[str, FailedRow]] = {}
        for r in rows:
            portal = self.of(r.language)
            mine = out.setdefault(portal, {})
            had = mine.get(r.query)
            mine[r.query] = (
                FailedRow(
                    r.query,
                    had.searches + r.searches,
                    had.previous + r.previous,
                    min(had.first_ever, r.first_ever),
                    portal,
                )
                if had is not None
                else r
            )
        return out

    def key(self, portal: str | None, key: str) -> str:
        """A group key unique across portals: another portal's carries its code
        (``fr:bitcoin-pai``); the default portal's is the key itself."""
        return f"{portal}:{key}" if portal and portal != self.codes[0] else key

    def order(self, portal: str | None) -> tuple[int, str]:
        """Sort key: the default portal first, then the others as the site lists them."""
        where = {c: i for i, c in enumerate(self.codes)}
        return where.get(portal or self.codes[0], len(where)), portal or ""

    def english(self, portal: str | None) -> bool:
        """Whether a portal's searches are in English (the sentence model knows no other)."""
        return (portal or self.codes[0]).split("-")[0].lower() == "en"


def group_language(
    details: Iterable[QueryDetail], codes: Sequence[str], portal: str | None
) -> str | None:
    """The language of a group's searches: the one language of the site most of them were
    typed in, whichever portal ("mode sombre" on the English portal is French), else their
    portal's; None on a site of one language."""
    if len(codes) < 2:
        return None
    typed = _typed_in(details, codes)
    return typed if typed is not None else portal or codes[0]


def _typed_in(details: Iterable[QueryDetail], codes: Sequence[str]) -> str | None:
    """The one language of the site most of a group's searches were typed in, whichever
    portal they were typed on: every word of a spelling is a word of that language only
    ("mode sombre" on the English portal is French; "dark mode" and "planning" are English
    or both; kb_core.search.languages). None when most searches do not tell."""
    from kb_core.search.languages import languages_of

    typed: Counter[str] = Counter()
    total = 0
    for d in details:
        for raw, n in d.raw:
            total += n
            words = _WORD.findall(raw.lower())
            shared = set(codes)
            for w in words:
                shared &= set(languages_of(w, codes))
            if words and len(shared) == 1:
                typed[shared.pop()] += n
    top = typed.most_common(1)
    return top[0][0] if top and 2 * top[0][1] > total else None
