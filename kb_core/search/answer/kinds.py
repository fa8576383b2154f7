"""What kind of answer a question asks for, and whether a sentence holds one.

A question word says what its answer must hold: "who" a role or a person, "when" and "how
long" a time, a duration or the event it waits for, "how much" and "how many" an amount, "can
I" a possibility or a limit. The answer card (:mod:`.card`) quotes only a sentence that holds
the kind asked for, and no card when the best hit has none: "who can approve timesheets"
quoted "Approved timesheets show a green tick" (the section about approving), not "a Manager
or Admin checks everyone's hours and approves them" (the article's opening).

On the training sets' questions with a marked answer (bench/queries/answers_train and the
example's eval/queries.csv), the marked answer holds its kind far more often than the other
sentences of the same article do: "when" 10/10 against 35%, "how much/many" 4/4 against 23%,
"can I" 24/29 against 35%. "Where" is left out: 1 of its 5 marked answers names a place on
screen ("Settings › ..."); the others are a region, a partner or browser cookies.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kb_core.search.text.analysis import normalize_query

WHO, WHEN, AMOUNT, CAN = "who", "when", "amount", "can"

_AUX = r"(?:is|are|was|were|do|does|did|will|would|can|could|should|must|shall|may)"
# A question's opening words (on the normalized query: lower case, no punctuation) and the
# kind of answer they ask for. "When I open it, it crashes" is not a question about time.
_ASKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (WHO, re.compile(r"^(?:who|whom|whose)\b")),
    (WHEN, re.compile(rf"^(?:when\s+{_AUX}|how\s+(?:long|soon|often|quickly|fast)|what\s+time)\b")),
    (AMOUNT, re.compile(r"^how\s+(?:much|many)\b|^what\s+(?:does|do|will)\s.*\bcost\b")),
    (
        CAN,
        re.compile(
            r"^(?:(?:can|could|may)\s+(?:i|we|you|my|our)|is\s+it\s+possible|"
            r"(?:am|are)\s+(?:i|we)\s+(?:able|allowed))\b"
        ),
    ),
)

_UNIT = (
    r"(?:seconds?|minutes?|mins?|hours?|hrs?|(?:business\s+|working\s+)?days?|weeks?|months?|"
    r"years?)"
)
_COUNT = (
    r"(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|sixty|ninety|hundred|a\s+few|several)"
)
# What a sentence of each kind holds (case-insensitive, in the sentence as shown).
_HOLDS: dict[str, re.Pattern[str]] = {
    WHO: re.compile(
        r"\b(?:owners?|admins?|administrators?|managers?|employees?|members?|users?|staff|"
        r"supervisors?|accountants?|agents?|subscribers?|customers?|support|team|we)\b",
        re.I,
    ),
    WHEN: re.compile(
        rf"\b(?:\d+(?:\s*[–-]\s*\d+)?\s*{_UNIT}|{_COUNT}\s+{_UNIT}|hourly|daily|weekly|"
        r"monthly|yearly|annually|immediately|instantly|right\s+away|every\s+\w+|within|"
        r"until|when|after|once|as\s+soon\s+as|at\s+the\s+(?:end|start)\s+of)\b|\d{1,2}:\d{2}",
        re.I,
    ),
    AMOUNT: re.compile(
        r"[$€£¥]|\b\d|\b(?:unlimited|no\s+limit|free|one|two|three|four|five|six|seven|eight|"
        r"nine|ten|twelve|twenty|fifty|hundred)\b",
        re.I,
    ),
    CAN: re.compile(
        r"\b(?:can|cannot|could|able|unable|possible|impossible|only|allowed|support|"
        r"supports|supported|not|never|yes|no)\b|n['’]t\b",
        re.I,
    ),
}
_STEP_NUMBER = re.compile(r"^\s*\d{1,2}[.)]\s")
_CLAUSE = re.compile(r"[,;:()—–]|\s-\s")  # what separates a sentence's clauses


def asked(query: str) -> str | None:
    """The kind of answer ``query`` asks for (WHO, WHEN, AMOUNT or CAN), or None."""
    text = " ".join(normalize_query(query).split())
    return next((kind for kind, opens in _ASKS if opens.search(text)), None)


def holds(kind: str, sentence: str, about: Callable[[str], object] = bool) -> bool:
    """Whether ``sentence`` holds an answer of ``kind`` (a role, a duration, an amount ...).

    A role answers "who" only in a clause ``about`` what was asked (``about(clause)`` is true
    when the clause holds the query's words): "a Manager or Admin checks everyone's hours and
    approves them" says who approves timesheets; "Managers can still edit them until the pay
    period is locked; editing removes the approval" does not."""
    sentence = _STEP_NUMBER.sub("", sentence)  # "2. Click Choose plan" holds no amount
    if kind == WHO:
        return any(bool(_HOLDS[WHO].search(c) and about(c)) for c in _CLAUSE.split(sentence))
    return bool(_HOLDS[kind].search(sentence))
