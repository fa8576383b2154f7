"""The answer card as a reply snippet: `kb link` (a real process) and the agent API quote the
article's own sentences above the links, cited with the section's permanent link; none for a
keyword; internal cards only for agents (a token, or ``--internal``), never on the public side."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from kb_core.link import Link
from kb_core.quote import Quote, quote_dict, quote_html, quote_markdown, quote_text
from tests.agents.conftest import BASE_URL as BASE
from tests.agents.conftest import ROOT, bearer

KB = Path(sys.executable).with_name("kb")
QUESTION = "how long do web sessions last?"  # a card from a section, with a margin
INTERNAL_QUESTION = "what should I include in an escalation?"


def kb_link(build: Path, *args: str) -> str:
    """`kb link` as a process on the example build; its stdout (exit 0 asserted)."""
    done = subprocess.run(
        [str(KB), "link", *args, "--output", str(build), "--config", str(ROOT / "site_config.yml")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_kb_link_quotes_the_answer_above_the_links_for_a_question(build: Path) -> None:
    card = json.loads(kb_link(build, QUESTION, "--format", "json"))["answer"]
    assert card["id"] == "manage-sessions" and card["anchor"]
    cited = f"{BASE}/a/manage-sessions?src=agent#{card['anchor']}"
    assert card["url"] == cited and card["visibility"] == "public"
    md = kb_link(build, QUESTION, "--format", "md")
    quote, source, first_link = md.split("\n\n")[:3]
    assert all(line.startswith(">") for line in quote.splitlines())
    # the card's rows of a table (its header row over them): a Markdown table of their cells
    assert card["lines"][:2] == ["header", "row"], card
    rows = [line[2:].replace("\\", "") for line in quote.splitlines() if line.startswith("> |")]
    header, _, *body = rows
    cells = [line.split(" · ") for line in card["text"].splitlines()]
    assert header == "| " + " | ".join(cells[0]) + " |"
    assert body == ["| " + " | ".join(row) + " |" for row in cells[1:]]
    assert source.startswith(f"— [{card['title']} › ") and source.endswith(f"]({cited})")
    assert first_link.startswith(f"[{card['title']}")  # then the links, as before
    text = kb_link(build, QUESTION, "--format", "text")
    assert text.startswith(card["text"].splitlines()[0]) and f"\n{cited}\n" in text


def test_kb_link_quotes_nothing_for_a_keyword(build: Path) -> None:
    assert json.loads(kb_link(build, "refund", "--format", "json"))["answer"] is None
    md = kb_link(build, "refund", "--format", "md")
    assert md.startswith("[Get a refund](") and "\n>" not in md and not md.startswith(">")


def test_kb_link_quotes_internal_articles_only_with_internal(build: Path) -> None:
    md = kb_link(build, INTERNAL_QUESTION, "--format", "md", "--internal")
    assert md.startswith("> ")
    source = md.split("\n\n")[1]
    assert source.startswith("— **Internal:** [Escalation matrix")
    assert f"]({BASE}/internal/a/escalation-matrix#" in source
    public = json.loads(kb_link(build, INTERNAL_QUESTION, "--format", "json"))
    assert public["answer"] is None or public["answer"]["visibility"] == "public"
    assert "escalation-matrix" not in json.dumps(public)


def test_agent_api_offers_the_card_as_an_answer_object(client: FlaskClient) -> None:
    data = client.get("/api/articles", query_string={"q": QUESTION}).get_json()
    card = data["answer"]
    assert card["id"] == "manage-sessions"
    assert card["url"] == f"{BASE}/a/manage-sessions?src=agent#{card['anchor']}"
    assert card["text"] and 0.0 <= card["score"] <= 1.0
    assert card["markdown"].startswith("> ") and card["url"] in card["markdown"]
    assert card["html"].startswith("<blockquote><table><thead>") and card["url"] in card["html"]
    assert data["results"][0]["id"] == "manage-sessions"  # the links stay as they were
    md = client.get("/api/articles", query_string={"q": QUESTION, "format": "md"})
    assert md.get_data(as_text=True).startswith(card["markdown"] + f"\n\n[{card['title']}")
    keyword = client.get("/api/articles?q=refund").get_json()
    assert keyword["answer"] is None and keyword["results"]


def test_agent_api_cards_from_internal_articles_only_for_agents(client: FlaskClient) -> None:
    agent = client.get(
        "/api/articles", query_string={"q": INTERNAL_QUESTION}, headers=bearer()
    ).get_json()
    assert agent["answer"]["id"] == "escalation-matrix"
    assert agent["answer"]["visibility"] == "internal"
    assert agent["answer"]["url"].startswith(f"{BASE}/internal/a/escalation-matrix#")
    assert agent["answer"]["markdown"].split("\n\n")[1].startswith("— **Internal:** [")
    public = client.get("/api/articles", query_string={"q": INTERNAL_QUESTION})
    assert public.get_json()["answer"] is None
    assert "escalation-matrix" not in public.get_data(as_text=True)
    assert "/internal/" not in public.get_data(as_text=True)


TRICKY = Quote(
    text="Use *Settings › Billing* <now>.\nThen click [Send] & wait.",
    link=Link(
        id="refunds",
        title="Get a refund",
        url=f"{BASE}/a/refunds?src=agent#ask-for-a-refund",
        summary="",
        visibility="public",
        anchor="ask-for-a-refund",
        section="Ask for a refund",
    ),
    score=0.8512,
)


@pytest.mark.parametrize(
    ("render", "expected"),
    [
        (
            quote_markdown,
            "> Use \\*Settings › Billing\\* \\<now\\>.\n>\n> Then click \\[Send\\] & wait.\n\n"
            f"— [Get a refund › Ask for a refund]({BASE}/a/refunds?src=agent#ask-for-a-refund)",
        ),
        (
            quote_html,
            "<blockquote><p>Use *Settings › Billing* &lt;now&gt;.<br>Then click [Send] &amp; "
            'wait.</p></blockquote>\n<p>— <a href="' + BASE + "/a/refunds?src=agent#ask-for-a-"
            'refund">Get a refund › Ask for a refund</a></p>',
        ),
        (
            quote_text,
            "Use *Settings › Billing* <now>.\nThen click [Send] & wait.\n\n"
            f"— Get a refund › Ask for a refund\n{BASE}/a/refunds?src=agent#ask-for-a-refund",
        ),
    ],
    ids=["md", "html", "text"],
)
def test_quote_snippets_escape_and_cite(render: Any, expected: str) -> None:
    assert render(TRICKY) == expected


def test_quote_as_json_has_the_search_answer_fields() -> None:
    data = quote_dict(TRICKY)
    assert {"text", "id", "title", "url", "anchor", "score"} <= set(data)
    assert data["score"] == 0.851 and data["anchor"] == "ask-for-a-refund"
    assert data["plain"] == quote_text(TRICKY)


TABLE = Quote(
    text="Refunds take:\nPaid by · Time\nCard | debit · *5* days\nBank · 10 days\n…",
    link=TRICKY.link,
    score=0.9,
    lines=("text", "header", "row", "row", "more"),
)


def test_a_quote_of_table_rows_pastes_as_a_table() -> None:
    """Rows under their header row paste as a table, in Markdown (cells escaped, "|" too, so
    a cell cannot split) and in HTML; the plain text keeps the card's " · " lines."""
    md = quote_markdown(TABLE).split("\n\n")[0]
    assert md == (
        "> Refunds take:\n>\n"
        "> | Paid by | Time |\n> |---|---|\n"
        "> | Card \\| debit | \\*5\\* days |\n> | Bank | 10 days |\n> | … |  |"
    )
    assert quote_html(TABLE).split("\n")[0] == (
        "<blockquote><p>Refunds take:</p><table><thead><tr><th>Paid by</th><th>Time</th></tr>"
        "</thead><tbody><tr><td>Card | debit</td><td>*5* days</td></tr><tr><td>Bank</td>"
        "<td>10 days</td></tr><tr><td>…</td></tr></tbody></table></blockquote>"
    )
    assert quote_text(TABLE).startswith(TABLE.text + "\n\n")
    assert quote_dict(TABLE)["lines"] == ["text", "header", "row", "row", "more"]
