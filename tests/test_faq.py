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


REFERENCES = (
    "## Upgrade\n\nSee [plans][p], [Plans][], [the home][h], [secret][s], [gone] [g], "
    "[undefined][nope] and ![a picture][i], or `[code][p]`.\n\n"
    '[p]: <../b/plans.md#prices> "Prices"\n[plans]: ../b/plans.md\n'
    "[h]: https://x.example/(a)\n[s]: ../b/secret.md\n[g]: gone.md\n[i]: pic.png\n"
)

# (question, the answer's front matter, the article's body) -> (where the answer comes from,
# its HTML, its text), as the FAQ page shows it: each link pointed from the FAQ page, a link to
# no public page (internal, gone, unsafe) its words only, no script, no picture
ANSWER_LINKS = [
    pytest.param(
        "Can I?",
        "faq_answer: |-\n  **Yes**, see [plans](../b/plans.md#prices), [home](https://x.example/)"
        ", [secret](../b/secret.md) and [bad](javascript:void).\n\n"
        "  <script>alert(1)</script><img src=x onerror=alert(1)>\n",
        "Body text here.\n",
        "faq_answer",
        '<p><strong>Yes</strong>, see <a href="../b/plans/#prices">plans</a>, '
        '<a href="https://x.example/">home</a>, secret and bad.</p>',
        "Yes, see plans, home, secret and bad.",
        id="a-written-answer-rendered-safely",
    ),
    # an answer's reference-style links name definitions elsewhere in the article: the FAQ
    # page showed ``[plans][p]`` as written; each is pointed as an inline link is
    pytest.param(
        "How do I upgrade?",
        "",
        REFERENCES,
        "section: Upgrade",
        '<p>See <a href="../b/plans/#prices">plans</a>, <a href="../b/plans/">Plans</a>, '
        '<a href="https://x.example/(a)">the home</a>, secret, gone, [undefined][nope] and , '
        "or <code>[code][p]</code>.</p>",
        "See plans, Plans, the home, secret, gone, [undefined][nope] and , or [code][p].",
        id="reference-links-carry-their-definitions",
    ),
    # a written answer's own definitions win over the article's, as they would alone
    pytest.param(
        "Can I?",
        "faq_answer: 'Read [plans][p] and [Plans].\n\n  [p]: ../b/secret.md'\n",
        REFERENCES,
        "faq_answer",
        '<p>Read plans and <a href="../b/plans/">Plans</a>.</p>',
        "Read plans and Plans.",
        id="a-written-answers-own-definitions-win",
    ),
]


@pytest.mark.parametrize(("question", "extra", "body", "source", "html", "text"), ANSWER_LINKS)
def test_an_answers_links_point_from_the_faq_page(
    tmp_path: Path, question: str, extra: str, body: str, source: str, html: str, text: str
) -> None:
    write(tmp_path, "a/q.md", HEAD.format(q=question, extra=extra) + body)
    write(tmp_path, "b/plans.md", "---\ntitle: Plans\n---\n\n## Prices\n\nPlans.\n")
    write(tmp_path, "b/secret.md", "---\ntitle: S\nvisibility: internal\n---\n\nSecret.\n")
    kb = load_content(tmp_path, SiteConfig())
    by_source = {a.source: a for a in kb.articles}
    got = faq_answer(by_source["a/q.md"], by_source)
    assert (got.source, got.html, got.text) == (source, html, text)


def test_kb_check_warns_about_a_question_nothing_answers(tmp_path: Path) -> None:
    write(tmp_path, "g/a.md", HEAD.format(q="Why?", extra="") + "| a |\n|---|\n| 1 |\n")
    write(tmp_path, "g/b.md", HEAD.format(q="Why?", extra="faq_answer: Because.\n") + "| a |\n")
    kb = load_content(tmp_path, SiteConfig())
    problems = faq_problems(kb.articles)
    assert [(p.path.rsplit("/", 1)[-1], p.line, p.code) for p in problems] == [
        ("a.md", 4, "faq-answer")
    ]
    assert json.dumps(problems[0].message).count("faq_answer") == 1
