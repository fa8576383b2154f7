"""FAQ answers: `faq_answer`, else the opening of the section that answers the question."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb_builder.content import load_content
from kb_builder.faq import faq_answer, faq_problems
from kb_core.config import SiteConfig
from tests.conftest import write

HEAD = "---\ntitle: T\nsummary: The summary.\nfaq: {q}\n{extra}---\n\n"

BODIES = [
    pytest.param(
        "How do I reset my password?",
        "Intro paragraph that says what this page is about.\n\n## Change your name\n\n"
        "Names are changed in your profile settings page.\n\n## Reset your password\n\n"
        "Click Forgot password on the sign-in page and follow the email.\n",
        "Click Forgot password on the sign-in page and follow the email.",
        id="the-section-whose-heading-matches",
    ),
    pytest.param(
        "How much does it cost?",
        "Our plans cost five dollars per person each month.\n\n## Compare plans\n\n| a | b |\n"
        "|---|---|\n| 1 | 2 |\n",
        "Our plans cost five dollars per person each month.",
        id="no-heading-matches-the-intro",
    ),
    pytest.param(
        "How do I export data?",
        "## Export data\n\n| File | Contents |\n|---|---|\n| a.csv | People |\n\n"
        "The export takes under an hour and we email you a link.\n\n## Other\n\n"
        "Unrelated words about something else entirely.\n",
        "Unrelated words about something else entirely.",
        id="a-section-opening-with-a-table-is-no-answer",
    ),
    pytest.param(
        "How do I cancel?",
        "## Cancel\n\nTo cancel your plan:\n\n1. Open Billing.\n2. Click Cancel.\n\nDone.\n",
        "To cancel your plan: Open Billing. Click Cancel.",
        id="steps-with-their-lead-in",
    ),
    pytest.param(
        "How do I cancel?",
        "Read this first, it explains everything you need.\n\n## Cancel\n\nTo cancel:\n\n"
        + "".join(f"{n}. Step {n}.\n" for n in range(1, 11)),
        "Read this first, it explains everything you need.",
        id="a-long-list-is-the-articles-job",
    ),
    pytest.param(
        "How do I cancel?",
        "```\n## Cancel\ncode paragraph here\n```\n\n!!! note\n    A note is not an answer.\n",
        "The summary.",
        id="nothing-answers-the-summary-stands-in",
    ),
    pytest.param(
        "How do I cancel?",
        "```\n$ kb cancel\n```Output\n## Cancel\nCancelled the plan for you today.\n```\n",
        "The summary.",
        # superfences closes a block at its own fence only: the rest is code still
        id="an-output-line-in-code-is-code",
    ),
]


@pytest.mark.parametrize(("question", "body", "expected"), BODIES)
def test_answer_is_the_opening_that_answers(
    tmp_path: Path, question: str, body: str, expected: str
) -> None:
    write(tmp_path, "g/a.md", HEAD.format(q=question, extra="") + body)
    kb = load_content(tmp_path, SiteConfig())
    (article,) = kb.articles
    assert faq_answer(article, {}).text == expected


def test_faq_answer_is_rendered_safely_with_links_from_the_faq_page(tmp_path: Path) -> None:
    answer = (
        "faq_answer: |-\n  **Yes**, see [plans](../b/plans.md#prices), [home](https://x.example/)"
        ", [secret](../b/secret.md) and [bad](javascript:void).\n\n"
        "  <script>alert(1)</script><img src=x onerror=alert(1)>\n"
    )
    write(tmp_path, "a/q.md", HEAD.format(q="Can I?", extra=answer) + "Body text here.\n")
    write(tmp_path, "b/plans.md", "---\ntitle: Plans\n---\n\nPlans.\n")
    write(tmp_path, "b/secret.md", "---\ntitle: S\nvisibility: internal\n---\n\nSecret.\n")
    kb = load_content(tmp_path, SiteConfig())
    by_source = {a.source: a for a in kb.articles}
    got = faq_answer(by_source["a/q.md"], by_source)
    assert got.source == "faq_answer"
    assert '<strong>Yes</strong>, see <a href="../b/plans/#prices">plans</a>' in got.html
    assert '<a href="https://x.example/">home</a>' in got.html
    assert "secret</a>" not in got.html and ", secret and" in got.html  # internal: words only
    assert "javascript" not in got.html and "<script" not in got.html
    assert "onerror" not in got.html
    assert got.text.startswith("Yes, see plans, home, secret and bad.")


def test_reference_links_in_an_answer_carry_their_definitions(tmp_path: Path) -> None:
    """An answer's reference-style links name definitions elsewhere in the article: the FAQ
    page showed ``[plans][p]`` as written. Each is pointed as an inline link is: from the FAQ
    page, words only where it leads to no public page, no picture."""
    body = (
        "## Upgrade\n\nSee [plans][p], [Plans][], [the home][h], [secret][s], [gone] [g], "
        "[undefined][nope] and ![a picture][i], or `[code][p]`.\n\n"
        '[p]: <../b/plans.md#prices> "Prices"\n[plans]: ../b/plans.md\n'
        "[h]: https://x.example/(a)\n[s]: ../b/secret.md\n[g]: gone.md\n[i]: pic.png\n"
    )
    write(tmp_path, "a/q.md", HEAD.format(q="How do I upgrade?", extra="") + body)
    own = "faq_answer: 'Read [plans][p] and [Plans].\n\n  [p]: ../b/secret.md'\n"
    write(tmp_path, "a/own.md", HEAD.format(q="Can I?", extra=own) + body)
    write(tmp_path, "b/plans.md", "---\ntitle: Plans\n---\n\n## Prices\n\nPlans.\n")
    write(tmp_path, "b/secret.md", "---\ntitle: S\nvisibility: internal\n---\n\nSecret.\n")
    kb = load_content(tmp_path, SiteConfig())
    by_source = {a.source: a for a in kb.articles}
    got = faq_answer(by_source["a/q.md"], by_source)
    assert got.source == "section: Upgrade"
    assert got.html == (
        '<p>See <a href="../b/plans/#prices">plans</a>, <a href="../b/plans/">Plans</a>, '
        '<a href="https://x.example/(a)">the home</a>, secret, gone, [undefined][nope] and , '
        "or <code>[code][p]</code>.</p>"
    )
    # a written answer's own definitions win over the article's, as they would alone
    got = faq_answer(by_source["a/own.md"], by_source)
    assert got.html == '<p>Read plans and <a href="../b/plans/">Plans</a>.</p>'


def test_kb_check_warns_about_a_question_nothing_answers(tmp_path: Path) -> None:
    write(tmp_path, "g/a.md", HEAD.format(q="Why?", extra="") + "| a |\n|---|\n| 1 |\n")
    write(tmp_path, "g/b.md", HEAD.format(q="Why?", extra="faq_answer: Because.\n") + "| a |\n")
    kb = load_content(tmp_path, SiteConfig())
    problems = faq_problems(kb.articles)
    assert [(p.path.rsplit("/", 1)[-1], p.line, p.code) for p in problems] == [
        ("a.md", 4, "faq-answer")
    ]
    assert json.dumps(problems[0].message).count("faq_answer") == 1
