"""What a search or a request's subject is about, without the customer's circumstances.

``kb gaps`` quotes the words a writer should put in a title or summary, and proposes titles
for new articles. A customer writes "Hi, I was charged twice this month, please help"; a
writer writes "charged twice". Three kinds of words are dropped, one small rule per language
(English always added: people type English on any portal, as :mod:`kb_core.search.person`):

- *when*: when it happened or how often, never what happened: "this month", "yesterday",
  "since last week", "for 3 days", "again", "still", "ce mois-ci", "depuis hier". A closed
  class, so a list; the bare unit stays ("monthly billing", "month" in "change the billing
  month"), only an expression that places it in time goes.
- *polite*: greetings, thanks and pleas, anywhere: "hi", "please", "thanks", "s'il vous plaît".
- *lead*: frames that open a request, at its start only: "how do I", "I need to", "can I",
  "I was" (the customer as subject: "I was charged twice" is "charged twice"), "comment",
  "j'ai besoin de".

A time expression the knowledge base itself uses beside the same word is a topic, not a
circumstance: the example's summary says "copy last week", so "copy last week's schedule"
keeps it (:class:`Topic` reads the articles' titles, summaries, keywords, tags, FAQ questions
and headings).

Questions are left whole ("why was I charged twice" is a title a writer would use), and
pronouns inside a phrase stay ("cancel my order").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kb_core.search.text import framing
from kb_core.search.text.analysis import fold
from kb_reports.gaps.terms import stem, words_of

__all__ = ["Topic", "word_spans"]

_NUMBER = (
    r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|few|several"
    r"|a couple(?: of)?|couple of|some)"
)
_UNIT = (
    r"(?:minute|hour|morning|afternoon|evening|night|day|weekend|week|month|quarter|year|time)"
    r"s?(?: s)?"  # "weeks", "week's"
)
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_MONTH = r"(?:january|february|april|june|july|august|september|october|november|december)"
# not "in", "on", "at": "log in this morning", "clock in yesterday"
_EN_AT = r"(?:(?:from|since|for|during|until|till|as of|over|by|before|after) )?"
_EN_WHEN = (
    rf"{_EN_AT}(?:this|last|next|past|previous|coming|the other|the last|the past) "
    rf"(?:{_WEEKDAY}|{_MONTH}|{_UNIT})"
    rf"|{_EN_AT}(?:earlier |later )?(?:today|tonight|yesterday|tomorrow)"
    rf"(?: (?:morning|afternoon|evening|night))?"
    rf"|(?:(?:for|in|over|during) )?the (?:last|past) {_NUMBER} {_UNIT}"
    rf"|{_NUMBER} {_UNIT} ago|{_UNIT} ago|ago"
    rf"|for (?:\d+|two|three|four|five|six|seven|eight|nine|ten|a few|several|a couple of) "
    rf"{_UNIT}(?: now| straight| in a row)?"
    rf"|since (?:{_WEEKDAY}|{_MONTH}|\d+|then|forever|ages)"
    r"|right now|just now|at the moment|all of a sudden|every (?:single )?time|everytime"
    r"|each time|so far|currently|recently|lately|suddenly|again|anymore|any more|still"
    r"|already|now$"
)
_EN_POLITE = (
    r"hi|hello|hey|hiya|good (?:morning|afternoon|evening)|dear (?:support|team|sir|madam)"
    r"|please help(?: me)?|help please|help pls|please|pls|plz|thanks(?: a lot| in advance)?"
    r"|thank (?:you|u)(?: in advance)?|thx|ty|cheers|kindly|asap|urgent|urgently|ok|okay"
)
_EN_LEAD = (
    r"how (?:do|can|should|would|could) (?:i|we|you|one)(?: go about)?|how to"
    r"|(?:can|could|may|should) (?:i|we)"
    r"|(?:can|could|would) (?:you|anyone|someone|somebody)(?: please)?(?: help(?: me)?)?"
    r"(?: (?:with|to|on))?"
    r"|is (?:there (?:a|any) way|it possible)(?: to| for me to)?"
    r"|(?:do|does|can) (?:you|it)(?: guys)? (?:have|offer|support|accept|take|provide)"
    r"(?: an?| any)?"
    r"|is there (?:an?|any)"
    # a yes-or-no question about what the product does: "do you integrate with Slack" asks
    # for "integrate with Slack" (after the longer frames: "do you have a" drops "have a")
    r"|(?:do|does|will|can) (?:you|it|tandem)(?: guys)?"
    r"|(?:i|we) (?:would like|d like|want|wanted|need|needed|wish|am trying|m trying|"
    r"was trying|have been trying|ve been trying|tried) to|id like to|im trying to"
    r"|(?:i|we) (?:need|want|would like|d like) (?:some )?(?:help|assistance)(?: (?:with|on|to))?"
    r"|(?:i|we) have (?:a|one) (?:question|problem|issue)(?: (?:about|with|regarding|on))?"
    r"|(?:need )?help(?: me)?(?: (?:with|on|to))|(?:a )?question (?:about|regarding|on)"
    r"|(?:i|we) (?:m|am|was|were|are|ve been|have been|ve|have|got|had)|im|ive|i|we"
)


@dataclass(frozen=True)
class _Rule:
    """One language's circumstance words, as alternations over folded words."""

    when: str  # when it happened, how often: "this month", "yesterday", "again"
    polite: str  # greetings, thanks and pleas, anywhere
    lead: str  # frames that open a request, at its start only


def _anywhere(alternation: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\S)(?:{alternation})(?!\S)")


_RULES = {
    "en": _Rule(_EN_WHEN, _EN_POLITE, _EN_LEAD),
    "fr": _Rule(framing.WHEN, framing.POLITE, framing.LEAD),  # one list, the search's too
}
_WHEN = {code: _anywhere(r.when) for code, r in _RULES.items()}
_POLITE = {code: _anywhere(r.polite) for code, r in _RULES.items()}
_LEAD = {code: re.compile(rf"^(?:{r.lead})(?!\S)") for code, r in _RULES.items()}
_JOINERS = frozenset("and but or so also et mais ou donc aussi".split())
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_APOSTROPHE = re.compile(r"['’]")


@dataclass(frozen=True)
class _Words:
    """A text's words: where each stands in the text, and its folded keys, split at
    apostrophes ("j'ai": "j", "ai"; "week's": "week", "s"), joined by single spaces."""

    spans: list[tuple[int, int]]
    keys: str
    parts: list[tuple[int, int, int]]  # each key's start and end in ``keys``, and its word

    @classmethod
    def of(cls, text: str) -> _Words:
        spans: list[tuple[int, int]] = []
        keys: list[str] = []
        parts: list[tuple[int, int, int]] = []
        at = 0
        for i, m in enumerate(_TOKEN.finditer(text)):
            spans.append(m.span())
            word = m.group()
            folded = word.lower() if word.isascii() else fold(word)  # NFKC keeps ASCII as is
            split = "'" in folded or "’" in folded
            for key in _APOSTROPHE.sub(" ", folded).split() if split else (folded,):
                parts.append((at, at + len(key), i))
                keys.append(key)
                at += len(key) + 1
        return cls(spans, " ".join(keys), parts)

    def covered(self, start: int, end: int) -> set[int]:
        """The words the characters ``start:end`` of ``keys`` fall in."""
        return {w for s, e, w in self.parts if s < end and e > start}

    def beside(self, start: int, end: int) -> list[str]:
        """The stems of the keys just before and after the characters ``start:end``."""
        left = self.keys[:start].split()
        right = self.keys[end:].split()
        right = right[1:] if right[:1] == ["s"] else right  # "week's": the s is the week's
        return [stem(k) for k in (left[-1:] + right[:1])]


def word_spans(text: str) -> list[tuple[int, int]]:
    """Where each word of ``text`` stands ("can't" and "aujourd'hui" are one word)."""
    return [m.span() for m in _TOKEN.finditer(text)]


def _codes(language: str | None) -> list[str]:
    return [c for c in dict.fromkeys((language or "en", "en")) if c in _RULES]


def _span_key(keys: str) -> str:
    return " ".join(stem(k) for k in keys.split() if k != "s")


class Topic:
    """Drops the circumstance words of texts; ``kb_texts`` (the articles' titles, summaries,
    keywords, headings) tell which time expressions this knowledge base uses as topics."""

    def __init__(self, kb_texts: Iterable[str] = ()) -> None:
        # a time expression the KB uses -> the stems of the words it stands beside there
        self._kb: dict[str, set[str]] = defaultdict(set)
        for text in kb_texts:
            words = _Words.of(text)
            for code in _RULES:
                for m in _WHEN[code].finditer(words.keys):
                    self._kb[_span_key(m.group())].update(words.beside(*m.span()))

    def _in_kb(self, words: _Words, m: re.Match[str]) -> bool:
        used = self._kb.get(_span_key(m.group()), set())
        return any(s in used for s in words.beside(*m.span()))

    def kept(self, text: str, language: str | None = None) -> list[tuple[int, int]]:
        """Where the topic's words stand in ``text`` (read with ``language``'s rule and the
        English one): every word but the circumstance words."""
        words = _Words.of(text)
        codes = _codes(language)
        dropped: set[int] = set()
        for code in codes:
            for m in _WHEN[code].finditer(words.keys):
                if not self._in_kb(words, m):
                    dropped |= words.covered(*m.span())
            for m in _POLITE[code].finditer(words.keys):
                dropped |= words.covered(*m.span())
        left = [i for i in range(len(words.spans)) if i not in dropped]
        while left:  # frames at the start, one after another ("hi, how do I ...")
            whole = len(left) == len(words.spans)  # nothing dropped yet: the same words
            rest = (
                words if whole else _Words.of(" ".join(text[slice(*words.spans[i])] for i in left))
            )
            leads = (_LEAD[c].match(rest.keys) for c in codes)
            cut = next((lead.end() for lead in leads if lead), 0)
            n = len(rest.covered(0, cut))
            if not cut or n >= len(left):
                break
            left = left[n:]
        while left and fold(text[slice(*words.spans[left[0]])]) in _JOINERS:
            left = left[1:]
        while left and fold(text[slice(*words.spans[left[-1]])]) in _JOINERS:
            left = left[:-1]
        return [words.spans[i] for i in left]

    def phrase(self, text: str, language: str | None = None) -> str:
        """``text`` without its circumstance words, as typed (runs of kept words joined by a
        space); the text itself when nothing else is left."""
        spans = self.kept(text, language)
        if not spans:
            return " ".join(text.split()).strip(" ?!.,;:")
        runs: list[list[int]] = []
        for start, end in spans:
            if runs and _touching(text, runs[-1][1], start):
                runs[-1][1] = end  # "wi-fi", "face ID": as typed
            else:
                runs.append([start, end])
        return " ".join(" ".join(text[s:e].split()) for s, e in runs)

    def words(self, texts: Sequence[str], language: str | None = None) -> list[str]:
        """The topic words of ``texts``, as :func:`~kb_reports.gaps.terms.words_of` splits them."""
        return [w for t in texts for s, e in self.kept(t, language) for w in words_of(t[s:e])]


def _touching(text: str, end: int, start: int) -> bool:
    """True when nothing but spaces and inner punctuation stands between two kept words."""
    return not re.search(r"[^\s\-'’]", text[end:start])
