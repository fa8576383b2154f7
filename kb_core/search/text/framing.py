"""The words that frame a French request rather than say what it is about: one list, read by
the search (:mod:`kb_core.search.text.plan` drops them from a French query: a French index is
searched by words only, and no sentence model reads past them) and by ``kb gaps``
(:mod:`kb_reports.gaps.topic` drops them from the searches it quotes and the titles it
proposes). Both drop :data:`POLITE` anywhere and :data:`LEAD` at the start of a request.

Each is an alternation over folded words (lower case, accents removed) separated by single
spaces, an apostrophe or a hyphen read as a space, or as nothing where people leave it out:
"s'il" is "s il", "aujourd'hui" "aujourd hui" or "aujourdhui", "est-ce" "est ce". Match them
on whole words (:func:`anywhere`, :func:`unframed`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kb_core.search.text.analysis import fold

# Both: greetings, thanks and pleas, wherever they stand ("bonjour", "merci d'avance", "s'il
# vous plaît", "au secours").
POLITE = (
    r"bonjour|bonsoir|salut|coucou|merci(?: beaucoup| d ?avance| par avance| de| pour)?"
    r"|s ?il (?:vous|te) plait|svp|stp|urgent|au secours"
)
# Wanting ("je voudrais", "j'aimerais savoir comment", "nous souhaitons") ...
WANT = (
    r"(?:je |j ?|nous )(?:voudrais|voudrions|veux|voulons|souhaite|souhaiterais|souhaitons"
    r"|souhaiterions|aimerais|aimerions)(?: savoir(?: comment)?)?"
)
# ... and asking whether one may, or for help ("est-ce que je peux", "est-il possible de",
# "pouvez-vous m'aider à", "aidez-moi à", "puis-je", "peut-on"). The search drops these
# anywhere in a query, kb gaps at the start of a request (:data:`LEAD`).
ASK = (
    r"est ce que? (?:je peux|je pourrais|on peut|vous pouvez|il est possible de)"
    r"|est il possible de|(?:pouvez|pourriez) vous(?: m ?aider (?:a|pour))?"
    r"|aidez moi (?:a|pour)|puis je|peut on"
)
# The day it happened ("hier", "depuis ce matin", "dès aujourd'hui"): never what happened.
DAY = (
    r"(?:depuis |des |jusqu ?a )?(?:aujourd ?hui|avant ?hier|hier|demain)(?: (?:matin|soir|midi))?"
    r"|(?:depuis |pour |pendant )?(?:ce|cette|cet) (?:matin|soir|midi|nuit|apres ?midi)"
)

# kb gaps only, which first asks whether the articles use a time expression beside the same
# word (a topic then: kb_reports.gaps.topic). Longer spans and how often: "ce mois-ci", "la
# semaine dernière", "il y a 3 jours", "encore", "toujours".
_NUMBER = r"(?:\d+|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|quelques|plusieurs)"
_UNIT = r"(?:minutes?|heures?|jours?|semaines?|mois|ans?|annees?)"
_WEEKDAY = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
WHEN = (
    rf"{DAY}"
    r"|(?:depuis |pour |pendant )?(?:ce|cette) (?:semaine|week ?end|mois|annee)(?: ci)?"
    r"|(?:(?:depuis|pendant|de|pour) )?(?:la|le|l|du|de la|de l) ?(?:semaine|nuit|mois|week ?end|"
    r"annee) (?:derniere|dernier|passee|passe|prochaine|prochain)"
    rf"|(?:depuis )?{_WEEKDAY} (?:dernier|prochain|passe)"
    rf"|il y a (?:{_NUMBER} )?{_UNIT}"
    rf"|depuis (?:{_WEEKDAY}|{_NUMBER} {_UNIT}|longtemps|le debut du mois)"
    rf"|pendant {_NUMBER} {_UNIT}"
    r"|encore|de nouveau|a nouveau|toujours|deja|maintenant|actuellement|en ce moment"
    r"|recemment|soudain(?:ement)?|tout a coup|a chaque fois|chaque fois"
)
# What opens a request, at its start ("comment", "j'ai besoin de", wanting and asking, and the
# customer as subject: "j'ai été facturé deux fois" is "facturé deux fois"); the search
# (:func:`unled`) and kb gaps alike. "comment" is an English word too ("add a comment"): the
# search drops it only from a French query (kb_core.search.text.plan).
LEAD = (
    r"comment(?: (?:est ce que )?(?:je peux|puis je|on peut|peut on|faire pour|fait on pour|"
    r"on fait pour|je fais pour|dois je|je dois|faut il))?"
    rf"|{ASK}|{WANT}"
    r"|j ?ai besoin (?:d ?aide pour|d ?aide avec|de|d)|(?:aide|aidez moi)(?: pour| a)?"
    r"|j ?ai une question (?:sur|concernant|a propos de)"
    r"|j ?ai ete|j ?ai|je suis|nous avons ete|nous avons|nous sommes|on a ete|je|nous"
)


def anywhere(alternation: str) -> re.Pattern[str]:
    """``alternation`` matched on whole words of a text of folded, space-separated words."""
    return re.compile(rf"(?<!\S)(?:{alternation})(?!\S)")


LEADING = re.compile(rf"^(?:{LEAD})(?!\S)")

_PARTS = re.compile(r"[-']+")


def unframed(words: Sequence[str], framing: re.Pattern[str]) -> list[str]:
    """``words`` (a normalised query's) without those ``framing`` (:func:`anywhere`) matches,
    read folded and split at hyphens: "Est-ce que je peux annuler" is "annuler"."""
    keys, owners = _keys(words)
    covered = [False] * len(keys)
    starts = [0]
    for key in keys:
        starts.append(starts[-1] + len(key) + 1)
    for m in framing.finditer(" ".join(keys)):
        for k in range(len(keys)):
            if starts[k] < m.end() and starts[k] + len(keys[k]) > m.start():
                covered[k] = True
    kept = {owners[k] for k in range(len(keys)) if not covered[k]}
    return [w for i, w in enumerate(words) if i in kept]


def unled(words: Sequence[str], lead: re.Pattern[str] = LEADING) -> list[str]:
    """``words`` without the frames ``lead`` matches at their start, one after another
    ("comment est-ce que je peux annuler" is "annuler"); never all of them."""
    left = list(words)
    while True:
        keys, owners = _keys(left)
        m = lead.match(" ".join(keys))
        if m is None or not m.end():
            return left
        start, spent = 0, 0
        for key, owner in zip(keys, owners, strict=True):
            if start < m.end():
                spent = owner + 1
            start += len(key) + 1
        if spent >= len(left):
            return left
        left = left[spent:]


def _keys(words: Sequence[str]) -> tuple[list[str], list[int]]:
    """The folded parts of ``words``, split at hyphens and apostrophes, and the word each is
    part of."""
    keys: list[str] = []
    owners: list[int] = []
    for i, word in enumerate(words):
        for part in _PARTS.split(fold(word)):
            if part:
                keys.append(part)
                owners.append(i)
    return keys, owners
