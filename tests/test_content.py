"""Loading content: the content model, inheritance, and bad input that never crashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb_builder.compat import to_mkdocs
from kb_builder.content import load_content
from kb_builder.parse import parse_headings
from kb_core.config import SiteConfig, parse_config
from tests.conftest import write

CONFIG = SiteConfig()


def test_content_model_and_inheritance(tmp_path: Path) -> None:
    write(tmp_path, "billing/_category.yml", "title: Billing\norder: 2\n")
    write(tmp_path, "billing/plans/_category.yml", "title: Plans\n")
    write(tmp_path, "agents/_category.yml", "title: Agents\nvisibility: internal\n")
    write(
        tmp_path,
        "billing/plans/change.md",
        "---\ntitle: Change plan\nsummary: How.\nid: change-plan\ntags: [a, b]\n"
        "keywords: money back, refund\nfaq: Can I change?\nrelated: [x]\nowner: ann\n"
        "review_by: 2027-01-01\naliases: [old/url/]\n---\n\nBody.\n",
    )
    write(tmp_path, "billing/Heading Only.md", "# Title From Heading\n\n## Part two\n")
    write(tmp_path, "agents/policy.md", "---\ntitle: Policy\n---\nx\n")
    write(tmp_path, "agents/open.md", "---\ntitle: Open\nvisibility: public\n---\nx\n")
    kb = load_content(tmp_path, CONFIG)
    arts = {a.source: a for a in kb.articles}
    a = arts["billing/plans/change.md"]
    assert (a.id, a.title, a.url, a.summary) == (
        "change-plan",
        "Change plan",
        "billing/plans/change/",
        "How.",
    )
    assert a.meta.keywords == ["money back", "refund"] and a.aliases == ["old/url/"]
    h = arts["billing/Heading Only.md"]
    assert (h.title, h.id, h.url) == ("Title From Heading", "heading-only", "billing/heading-only/")
    assert [(x.anchor, x.line) for x in h.headings] == [("title-from-heading", 1), ("part-two", 3)]
    assert arts["agents/policy.md"].visibility == "internal"
    assert arts["agents/open.md"].visibility == "public"
    assert kb.categories[("billing",)].title == "Billing"
    assert kb.categories[("billing", "plans")].title == "Plans"
    internal_default, _ = parse_config({"site": {"default_visibility": "internal"}})
    kb2 = load_content(tmp_path, internal_default)
    assert {a.source: a.visibility for a in kb2.articles}["billing/plans/change.md"] == "internal"


def test_default_ids_are_made_unique(tmp_path: Path) -> None:
    write(tmp_path, "a/overview.md", "# A\n")
    write(tmp_path, "b/overview.md", "# B\n")
    write(tmp_path, "c/setup.md", "# C\n")
    ids = sorted(a.id for a in load_content(tmp_path, CONFIG).articles)
    assert ids == ["a-overview", "b-overview", "setup"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            b"---\ntitle: [unclosed\n---\nbody\n",
            "x.md:2: error: front matter: YAML: a '[' list opened here is never closed with ']'",
        ),
        (b"---\n- a\n- b\n---\nbody\n", "x.md:1: error: front matter: must be a mapping"),
        (
            b"---\ntitle: ok\nvisibility: secret\n---\n",
            "x.md:3: error: front matter: visibility: Input should be 'public', 'internal' or "
            "'draft': 'secret'",
        ),
        (
            b"---\ntitle: ok\nreview_by: soon\n---\n",
            "x.md:3: error: front matter: review_by: Input should be a valid date or datetime, "
            "input is too short: 'soon'",
        ),
        (
            b"---\ntitle: ok\nid: 'has space'\n---\n",
            "x.md:3: error: front matter: id: must be letters, digits, '.', '_' or '-' (at most "
            "100): 'has space'",
        ),
        (
            b"# Title\n\ncaf\xe9 latin-1\n",
            "x.md:3: error: not UTF-8 (byte 0xe9 at offset 12); save as UTF-8",
        ),
        (
            b"---\ntitle: ok\nms.date: 1\ncolour: red\n---\n",
            "x.md:3: warning: front matter: unknown keys ignored: colour, ms.date",
        ),
        # a slip of a value or a key we read says what it probably meant
        (
            b"---\ntitle: ok\nvisibility: interal\n---\n",
            "x.md:3: error: front matter: visibility: Input should be 'public', 'internal' or "
            "'draft': 'interal'; did you mean 'internal'?",
        ),
        # under six letters too: among three values a short slip is no other name
        (
            b"---\ntitle: ok\nvisibility: pubic\n---\n",
            "x.md:3: error: front matter: visibility: Input should be 'public', 'internal' or "
            "'draft': 'pubic'; did you mean 'public'?",
        ),
        (
            b"---\ntitle: ok\nvisibility: draf\n---\n",
            "x.md:3: error: front matter: visibility: Input should be 'public', 'internal' or "
            "'draft': 'draf'; did you mean 'draft'?",
        ),
        (
            b"---\ntitle: ok\ncolour: red\nsumary: Pay by card.\n---\n",
            "x.md:4: warning: front matter: unknown key ignored: sumary; did you mean 'summary'?",
        ),
        (
            b"---\ntitle: ok\ncolour: red\nsumary: Pay by card.\n---\n",
            "x.md:3: warning: front matter: unknown keys ignored: colour",
        ),
        (b"", "x.md:1: warning: empty article"),
    ],
)
def test_bad_files_become_problems(tmp_path: Path, raw: bytes, expected: str) -> None:
    (tmp_path / "x.md").write_bytes(raw)
    kb = load_content(tmp_path, CONFIG)
    assert f"{tmp_path.as_posix()}/{expected}" in [str(p) for p in kb.problems]


def test_front_matter_only_and_huge_article(tmp_path: Path) -> None:
    write(tmp_path, "fm-only.md", "---\ntitle: Only front matter\n---\n")
    write(tmp_path, "huge.md", "# Huge\n\n" + ("All work and no play. " * 20 + "\n\n") * 12000)
    kb = load_content(tmp_path, CONFIG)
    assert sorted(a.title for a in kb.articles) == ["Huge", "Only front matter"]
    assert (tmp_path / "huge.md").stat().st_size > 5_000_000


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{% include note.md %}\nText", "\nText"),
        ('See [x]({{ site.baseurl }}/results){:target="_blank"}', "See [x](/results)"),
        ("import CtaBox from '@site/src/CtaBox';\n\nHi <CtaBox title=\"x\" />", "\nHi "),
        (":::tip Save time\nUse keys.\n:::\n", '!!! tip "Save time"\n    Use keys.\n\n'),
        ("> [!NOTE]\n> Read this.\n\nAfter", "!!! note\n    Read this.\n\nAfter"),
        ('::: moniker range=">=msvc-160"\nText\n::: moniker-end', "Text"),
        ("[!INCLUDE[product](../includes/p.md)] rocks", " rocks"),
        ('<CtaBox\n  headline="Try"\n  link="x"\n/>\nAfter', "After"),
        ("```\n{% raw %} :::tip\n```", "```\n{% raw %} :::tip\n```"),
    ],
)
def test_foreign_syntax_is_translated(source: str, expected: str) -> None:
    assert to_mkdocs(source) == expected


def test_heading_anchors_match_python_markdown() -> None:
    import markdown

    text = "# Intro\n\n## Same\n\n## Same\n\n### What's `new`?\n\n```\n# not a heading\n```\n"
    html = markdown.markdown(text, extensions=["toc"])
    for h in parse_headings(text, 1):
        assert f'id="{h.anchor}"' in html


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=400) | st.text(max_size=400).map(lambda s: s.encode("utf-8")))
def test_loader_never_raises(tmp_path: Path, raw: bytes) -> None:
    (tmp_path / "fuzz.md").write_bytes(b"---\n" + raw if raw[:1] == b"t" else raw)
    kb = load_content(tmp_path, CONFIG)
    assert len(kb.articles) + len([p for p in kb.problems if p.severity == "error"]) >= 1


@pytest.mark.parametrize("stale", [False, True])
def test_a_first_load_parses_half_the_files_in_another_process(tmp_path: Path, stale: bool) -> None:
    """A build hands the second half of the files its content cache lacks (new files, or
    changed since they were cached: ``stale``) to its idle index worker (parse_ahead): this
    process parses only the first half, and what it loads is the same as a load that parses
    every file itself, problems included, and also when that process fails."""
    from concurrent.futures import Future
    from typing import Any

    from kb_builder import parsecache
    from kb_builder.buildcache import Cache
    from kb_builder.parse import parse_article
    from kb_builder.parsecache import PARSE_AHEAD_MIN, parse_ahead
    from kb_builder.workers import pool as worker_pool

    n = PARSE_AHEAD_MIN + 10
    for i in range(n):
        meta = "title: T\nreview_by: 2027-13-07\n" if i % 50 == 7 else f"title: Article {i}\n"
        write(tmp_path, f"c{i % 3}/a{i}.md", f"---\n{meta}---\nText {i}.\n\n## Part {i}\n\nMore.\n")
    config = SiteConfig()

    def shape(kb: Any) -> list[Any]:
        arts = [(a.id, a.title, a.url, a.markdown, a.headings) for a in kb.articles]
        return [arts, [(p.path, p.line, p.message) for p in kb.problems]]

    def cache() -> Cache:
        made = Cache(None, "s")
        for i in range(n) if stale else ():
            made.put(f"c{i % 3}/a{i}.md", "an older file", b"")
        return made

    alone = shape(load_content(tmp_path, config, cache=Cache(None, "s")))
    assert len(alone[1]) == 5  # the impossible dates
    real = parse_article
    asked: list[int] = []
    parsed_here: list[Path] = []

    def counted(path: Path, *args: Any) -> Any:
        parsed_here.append(path)
        return real(path, *args)

    with worker_pool(1) as pool:  # as a build's, never forked from this process

        def submit(fn: Any, *args: Any) -> Future[Any]:
            asked.append(len(args[1]))
            return pool.submit(fn, *args)

        ahead = cache()
        parse_ahead(tmp_path, config, ahead, submit)
        with pytest.MonkeyPatch.context() as mp:  # in this process only, not in the worker
            mp.setattr(parsecache, "parse_article", counted)
            assert shape(load_content(tmp_path, config, cache=ahead)) == alone
    assert asked == [n - n // 2]
    assert len(parsed_here) == n // 2  # the other half came from the worker

    def failing(fn: Any, *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_exception(RuntimeError("the worker died"))
        return future

    ahead = cache()
    parse_ahead(tmp_path, config, ahead, failing)
    assert shape(load_content(tmp_path, config, cache=ahead)) == alone
