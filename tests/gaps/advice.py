"""The hand-checked gap situations of ``advice_cases.yml``: fill a store through the real API
and read back the one action ``kb gaps`` advises for each (shared by the test and
``bench/gaps_advice_eval.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from flask.testing import FlaskClient

from kb_reports.gaps.report import GapReport
from tests.gaps.conftest import Visitor

CASES = Path(__file__).with_name("advice_cases.yml")


@dataclass(frozen=True)
class Case:
    id: str
    split: str
    find: str
    expect: str
    visitors: list[list[dict[str, str] | str]]
    lang: str | None = None  # the portal ``find`` was searched or asked on (None: any)
    together: tuple[str, ...] = ()  # searches that must be in the group of ``find``


def load_cases() -> list[Case]:
    """Every situation of ``advice_cases.yml``, in file order."""
    cases = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    return [Case(**{**c, "together": tuple(c.get("together", ()))}) for c in cases]


def play(client: FlaskClient, cases: list[Case]) -> None:
    """Do what each case's visitors did, through the API (each visitor its own address)."""
    n = 0
    for case in cases:
        for steps in case.visitors:
            n += 1
            v = Visitor(client, f"10.{n // 250}.{n % 250}.7")
            for step in steps:
                if isinstance(step, str):  # a quoted step: its text holds ': '
                    kind, _, arg = step.partition(": ")
                else:
                    ((kind, arg),) = step.items()
                arg = str(arg)
                kind, _, lang = kind.partition("@")  # "search@fr": on the French portal
                lang = lang or None
                if kind == "search":
                    v.search(arg, lang)
                elif kind == "view":
                    v.view(arg)
                elif kind == "click":
                    q, _, article = arg.partition(" > ")
                    v.click(q, article)
                elif kind == "contact":
                    v.contact("Billing and invoices", arg, lang=lang)
                elif kind == "ask":  # "Topic > subject": a request of that topic
                    topic, _, subject = arg.partition(" > ")
                    v.contact(topic, subject, lang=lang)
                else:
                    raise ValueError(f"{CASES.name}: {case.id}: unknown step {kind!r}")


def _spelled(action: Any, say: bool = False) -> str:
    if action is None:
        return "none"
    if action.kind == "write":
        return f"write: {action.title}"
    if action.kind == "add-synonym":
        return f"add-synonym: {', '.join(action.terms)}"
    if say and action.kind == "improve":  # what a request's suggested article should say
        return f"improve: {action.article_id}, say {', '.join(action.terms) or '-'}"
    return f"{action.kind}: {action.article_id}"


def _portal(group: Any) -> str | None:
    return getattr(group, "portal", None) or group.language


def advised(report: GapReport, case: Case) -> str:
    """The action the report gives the group holding ``case.find`` (searched on the portal of
    ``case.lang``, when given), else the escalation topic whose action cites it as a request's
    subject ("none": not listed). A search of ``case.together`` the group lacks is named."""
    wanted = " ".join(case.find.lower().split())
    for section in (report.failed, report.weak):
        for g in section:
            if case.lang and _portal(g) != case.lang:
                continue
            if any(q == wanted for q, _ in g.queries):
                held = {q for q, _ in g.queries}
                apart = [q for q in case.together if q not in held]
                return _spelled(g.action) + "".join(f" (apart from {q!r})" for q in apart)
    for e in report.escalations:
        for action in getattr(e, "actions", None) or [e.action]:
            if any(" ".join(q.lower().split()) == wanted for q in action.queries):
                return _spelled(action, say=True)
    return "none"
