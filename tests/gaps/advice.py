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


def load_cases() -> list[Case]:
    """Every situation of ``advice_cases.yml``, in file order."""
    return [Case(**c) for c in yaml.safe_load(CASES.read_text(encoding="utf-8"))]


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
                if kind == "search":
                    v.search(arg)
                elif kind == "view":
                    v.view(arg)
                elif kind == "click":
                    q, _, article = arg.partition(" > ")
                    v.click(q, article)
                elif kind == "contact":
                    v.contact("Billing and invoices", arg)
                elif kind == "ask":  # "Topic > subject": a request of that topic
                    topic, _, subject = arg.partition(" > ")
                    v.contact(topic, subject)
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


def advised(report: GapReport, case: Case) -> str:
    """The action the report gives the group holding ``case.find``, else the escalation
    topic whose action cites it as a request's subject ("none": not listed)."""
    wanted = " ".join(case.find.lower().split())
    for section in (report.failed, report.weak):
        for g in section:
            if any(q == wanted for q, _ in g.queries):
                return _spelled(g.action)
    for e in report.escalations:
        if e.action and any(" ".join(q.lower().split()) == wanted for q in e.action.queries):
            return _spelled(e.action, say=True)
    return "none"
