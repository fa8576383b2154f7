"""The article template of ``kb new``, and the check that none of its placeholders gets published.

A new article starts as a draft, so it is never built while it holds the template's sentences;
once it is public (or internal), each placeholder left in it is an error with its line.
"""

from __future__ import annotations

import re

from kb_builder.articles import Article
from kb_core.errors import Problem

SUMMARY = "One sentence saying what the reader will be able to do."
# Placeholder lines of the body, matched as the whole text of a line or list item.
PLACEHOLDERS = (
    "Start with the answer in one or two sentences.",
    "First step.",
    "Second step.",
    "Describe the most common problem and its fix.",
)

TEMPLATE = f"""---
title: {{title}}
summary: {SUMMARY}
id: {{id}}
visibility: draft
tags: []
keywords: []
review_by: {{review}}
---

{PLACEHOLDERS[0]}

## Steps

1. {PLACEHOLDERS[1]}
2. {PLACEHOLDERS[2]}

## If it doesn't work

{PLACEHOLDERS[3]}
"""

_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_BODY = frozenset(PLACEHOLDERS)


def template_problems(articles: list[Article]) -> list[Problem]:
    """An error for each template placeholder left in an article that is built (not a draft)."""
    out: list[Problem] = []
    for a in articles:
        if a.visibility == "draft":
            continue
        if (a.meta.summary or "").strip() == SUMMARY:
            out.append(_problem(a, a.line_of("summary"), SUMMARY))
        if not any(p in a.markdown for p in PLACEHOLDERS):  # a line holding one holds it all
            continue
        for n, line in enumerate(a.markdown.split("\n")):
            text = _ITEM.sub("", line).strip()
            if text in _BODY:
                out.append(_problem(a, a.body_line + n, text))
    return out


def _problem(a: Article, line: int, text: str) -> Problem:
    msg = (
        f"template text left in a {a.visibility} article: {text!r}; write it, "
        "or keep the article 'visibility: draft' until it is ready"
    )
    return Problem(a.where, line, "error", msg, "template-text")
