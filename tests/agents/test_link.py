"""`kb link` and kb_core.link: permanent, marked, reply-ready links from the built index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from kb_cli.main import main
from kb_core.link import (
    Link,
    as_dict,
    excerpt,
    html_snippet,
    markdown,
    page_text,
    permalink,
    plain_text,
    render,
)
from tests.agents.conftest import BASE_URL as BASE
from tests.agents.conftest import ROOT, bearer

SITE = "https://help.example.com"
CONFIG = str(ROOT / "site_config.yml")


def kb_link(build: Path, *args: str) -> Any:
    result = CliRunner().invoke(
        main, ["link", *args, "--output", str(build), "--config", CONFIG], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize(
    ("visibility", "anchor", "expected"),
    [
        ("public", None, f"{SITE}/a/refunds?src=agent"),
        ("public", "how-long", f"{SITE}/a/refunds?src=agent#how-long"),
        ("internal", None, f"{SITE}/internal/a/refunds"),
        ("internal", "limits", f"{SITE}/internal/a/refunds#limits"),
    ],
)
def test_permalinks_carry_the_share_marker_before_the_anchor(
    visibility: str, anchor: str | None, expected: str
) -> None:
    assert permalink(SITE + "/", "refunds", visibility=visibility, anchor=anchor) == expected


def test_ids_and_anchors_are_quoted_in_urls() -> None:
    url = permalink(SITE, "a b?c", anchor="x y")
    assert url == f"{SITE}/a/a%20b%3Fc?src=agent#x%20y"


TRICKY = Link(
    id="x",
    title="Use [brackets] & <b>tags</b>",
    url=f"{SITE}/a/x?src=agent",
    summary="It's *fine*\u2014really.",
    visibility="public",
)


@pytest.mark.parametrize(
    ("render_one", "expected"),
    [
        (
            markdown,
            rf"[Use \[brackets\] & \<b\>tags\</b\>]({SITE}/a/x?src=agent) — It's \*fine\*—really.",
        ),
        (
            html_snippet,
            f'<a href="{SITE}/a/x?src=agent">Use [brackets] &amp; &lt;b&gt;tags&lt;/b&gt;</a>'
            " — It&#x27;s *fine*—really.",
        ),
        (
            plain_text,
            f"Use [brackets] & <b>tags</b>\n{SITE}/a/x?src=agent\nIt's *fine*—really.",
        ),
    ],
)
def test_snippets_escape_for_their_format(render_one: Any, expected: str) -> None:
    assert render_one(TRICKY) == expected


def test_internal_links_are_marked_in_every_format() -> None:
    link = Link("p", "Policy", f"{SITE}/internal/a/p", "Limits.", "internal", "x", "Limits")
    assert markdown(link).startswith("**Internal:** [Policy › Limits]")
    assert html_snippet(link).startswith("<strong>Internal:</strong> <a ")
    assert plain_text(link).startswith("[internal] Policy › Limits\n")
    assert as_dict(link)["visibility"] == "internal"
    data = json.loads(render([link], "json", query="q"))
    assert data["query"] == "q"
    assert {"id", "title", "url", "summary", "visibility"} <= set(data["results"][0])


def test_page_text_keeps_the_article_and_drops_navigation_and_widgets() -> None:
    page = (
        "<html><body><nav>Site nav</nav><article class='md-content__inner'>"
        "<nav class='kb-crumbs'>Home › Billing</nav><h1>Title</h1><p class='kb-meta'>Updated</p>"
        "<p>First &amp; foremost.</p><h2 id='a'>Part<a class='headerlink' href='#a'>¶</a></h2>"
        "<ul><li>one</li><li>two<br>lines</li></ul><img src='x.png' alt='x'>"
        "<section class='kb-rating'><p>Was this helpful?</p></section>"
        "<aside class='kb-cta'>Contact</aside></article><footer>Foot</footer></body></html>"
    )
    assert page_text(page) == "First & foremost.\nPart\none\ntwo\nlines"


def test_excerpt_cuts_at_a_word() -> None:
    assert excerpt("short", 10) == "short"
    assert excerpt("one two three four", 12) == "one two…"


def test_kb_link_gives_reply_ready_markdown_with_the_summary(build: Path) -> None:
    out = kb_link(build, "money back").output
    first = out.split("\n\n")[0]
    assert first.startswith("[Get a refund](") or first.startswith("[Get a refund ›")
    assert f"({BASE}/a/refunds?src=agent" in first
    assert "— When Tandem refunds a payment" in first


def test_kb_link_points_at_the_matching_section(build: Path, public_articles: list[Any]) -> None:
    data = json.loads(kb_link(build, "how long do refunds take", "--format", "json").output)
    best = data["results"][0]
    assert best["id"] == "refunds"
    refunds = next(a for a in public_articles if a["id"] == "refunds")
    assert best["anchor"] in {h["anchor"] for h in refunds["headings"]}
    assert best["url"] == f"{BASE}/a/refunds?src=agent#{best['anchor']}"
    assert best["section"] and best["summary"] == refunds["summary"]


@pytest.mark.parametrize("fmt", ["md", "html", "text", "json"])
def test_kb_link_formats_and_limit(build: Path, fmt: str) -> None:
    out = kb_link(build, "refund", "--format", fmt, "--limit", "2").output
    if fmt == "json":
        results = json.loads(out)["results"]
        assert len(results) == 2
        assert all(r["visibility"] == "public" for r in results)
        assert all(r["markdown"] and r["html"] and r["text"] for r in results)
    else:
        assert out.count("?src=agent") == 2
        assert out.count("\n\n") == 1  # one blank line between the two snippets


def test_kb_link_internal_includes_internal_articles_marked(
    build: Path, internal_articles: list[Any]
) -> None:
    policy = next(a for a in internal_articles if a["id"] == "refund-approval-policy")
    public = json.loads(kb_link(build, policy["title"], "--format", "json").output)
    assert policy["id"] not in {r["id"] for r in public["results"]}
    agents = json.loads(kb_link(build, policy["title"], "--format", "json", "--internal").output)
    found = next(r for r in agents["results"] if r["id"] == policy["id"])
    assert found["visibility"] == "internal"
    assert found["url"].startswith(f"{BASE}/internal/a/{policy['id']}")
    assert "src=agent" not in found["url"]
    text = kb_link(build, policy["title"], "--internal", "--format", "text").output
    assert f"[internal] {policy['title']}" in text


@pytest.mark.parametrize("query", ["refund", "invite people to my team", "pasword reset"])
def test_kb_link_ranks_like_the_agent_api(build: Path, client: FlaskClient, query: str) -> None:
    cli = json.loads(kb_link(build, query, "--format", "json", "--limit", "5").output)
    api = client.get("/api/articles", query_string={"q": query, "limit": 5}).get_json()
    assert [r["id"] for r in cli["results"]] == [r["id"] for r in api["results"]]
    assert [r["url"] for r in cli["results"]] == [r["url"] for r in api["results"]]
    cli_in = json.loads(kb_link(build, query, "--format", "json", "--internal").output)
    api_in = client.get("/api/articles", query_string={"q": query, "limit": 3}, headers=bearer())
    assert [r["id"] for r in cli_in["results"]] == [r["id"] for r in api_in.get_json()["results"]]


def test_kb_link_without_a_build_says_how_to_fix_it(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["link", "refund", "--output", str(tmp_path)])
    assert result.exit_code == 2  # an error, not "no match" (1), as grep tells them apart
    assert "run `kb build`" in result.output


def test_kb_link_with_no_match_says_so(build: Path) -> None:
    result = CliRunner().invoke(
        main, ["link", "zqxvbnm", "--output", str(build), "--config", CONFIG]
    )
    assert result.exit_code == 1  # as grep does (tests/test_kb_processes.py, as a process)
    assert result.stdout == ""
    assert "No articles match 'zqxvbnm'." in result.stderr
