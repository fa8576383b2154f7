"""Publishing windows (``publish_at``/``expires_at``) and banner windows, in real builds.

Every build is judged at a fixed moment (``at=``, or ``kb build --at`` as a process), never at
the clock, so these tests say the same on any day. A small KB holds an article with no window,
one that publishes later, one that has expired by the middle moment, and an internal one that
publishes later; the leak test reads every file a build writes (but its private cache).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from feedback_api import create_app, shutdown
from kb_builder.build import BuildReport, build_site
from kb_builder.content import load_content
from kb_builder.load import load_and_check
from kb_core.config import SiteConfig, load_config, parse_config
from kb_core.errors import ConfigError
from tests.conftest import ROOT, git, write

KB = Path(sys.executable).with_name("kb")
BEFORE = datetime(2026, 11, 15, tzinfo=UTC)  # the sale is on; the launch is to come
BETWEEN = datetime(2026, 12, 15, tzinfo=UTC)  # the sale has expired; the launch is to come
AFTER = datetime(2027, 3, 2, tzinfo=UTC)  # the launch is out
MOMENTS = {"before": BEFORE, "between": BETWEEN, "after": AFTER}

ALWAYS = """---
title: Always here
summary: An article with no window.
related: [zebra-launch]
---
See [the launch](zebra-launch.md) and [the sale](quokka-sale.md#details).

By id: [launch by id](/a/zebra-launch/).
"""
LAUNCH = """---
title: Zebra launch notes
summary: What the zebra launch brings.
id: zebra-launch
faq: When does the zebra launch start?
aliases: [news/zebra-teaser/]
publish_at: 2027-03-01T09:00:00+01:00
---
Zebrafrobnicate arrives for every plan.

## When does the zebra launch start

On launch day, for everyone.
"""
SALE = """---
title: Quokka winter sale
summary: The quokka sale while it lasts.
expires_at: 2026-12-01T00:00:00Z
---
Quokkasale prices apply to annual plans.

## Details

Until the end of November.
"""
SECRET = """---
title: Wombat rollout runbook
summary: How agents answer during the wombat rollout.
publish_at: 2027-03-01T08:00:00Z
---
Wombatsecret escalations go to the launch desk.
"""
# what each article leaves in a build: strings no other article has
TRACES = {
    "always-here": ["Always here", "An article with no window."],
    "zebra-launch": ["Zebra launch notes", "Zebrafrobnicate", "zebra-launch", "zebra-teaser"],
    "quokka-sale": ["Quokka winter sale", "Quokkasale", "quokka-sale"],
    "wombat": ["Wombat rollout runbook", "Wombatsecret"],
}
# the moments each article is inside its window (None: never), and its portal
WINDOWS: dict[str, tuple[set[str], str]] = {
    "always-here": ({"before", "between", "after"}, "public"),
    "zebra-launch": ({"after"}, "public"),
    "quokka-sale": ({"before"}, "public"),
    "wombat": ({"after"}, "internal"),
}


def make_kb(root: Path) -> Path:
    content = root / "content"
    write(content, "news/always-here.md", ALWAYS)
    write(content, "news/zebra-launch.md", LAUNCH)
    write(content, "news/quokka-sale.md", SALE)
    write(content, "agents/_category.yml", "title: Agents\nvisibility: internal\n")
    write(content, "agents/wombat.md", SECRET)
    return content


def build(content: Path, out: Path, at: datetime, config: SiteConfig | None = None) -> BuildReport:
    return build_site(content, config or SiteConfig(), out, at=at, workers=2)


def page(out: Path, url: str, tree: str = "public") -> str:
    return (out / tree / url / "index.html").read_text(encoding="utf-8")


def outputs(out: Path, tree: str) -> list[Path]:
    """Every file of one portal's outputs: its pages, its index, its manifest."""
    manifest = out / ("manifest.json" if tree == "public" else "manifest.internal.json")
    files = [p for d in (out / tree, out / "index" / tree) for p in d.rglob("*") if p.is_file()]
    return [*files, manifest]


def found_in(files: list[Path], needle: str) -> list[str]:
    return [str(p) for p in files if needle.encode() in p.read_bytes()]


def search_ids(out: Path, query: str, tree: str = "public") -> set[str]:
    from kb_core.search.searcher import Searcher

    searcher = Searcher(out / "index" / tree)
    try:
        return {h.id for h in searcher.search(query, limit=10).results}
    finally:
        searcher.close()


def kb(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    env.pop("KB_DATABASE_URL", None)
    return subprocess.run(
        [str(KB), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


# -- the article windows -------------------------------------------------------------------


def test_a_scheduled_article_is_absent_before_its_time_and_present_after(tmp_path: Path) -> None:
    content, out = make_kb(tmp_path), tmp_path / "build"
    early = build(content, out, BEFORE)
    assert (early.public_articles, early.internal_articles) == (2, 0)
    assert (early.not_yet_published, early.expired) == (2, 0)
    assert not (out / "public" / "news" / "zebra-launch").exists()
    assert not (out / "public" / "a" / "zebra-launch").exists()  # no permalink
    assert not (out / "public" / "news" / "zebra-teaser").exists()  # no alias redirect
    assert "zebra-launch" not in (out / "public" / "sitemap.xml").read_text()
    assert "zebra" not in page(out, "faq").lower()
    assert search_ids(out, "zebrafrobnicate") == set()
    assert search_ids(out, "wombatsecret", "internal") == set()
    manifest = json.loads((out / "manifest.json").read_text())
    assert "zebra-launch" not in {a["id"] for a in manifest["articles"]}
    # the article that links to it shows the words, not a link to a page that is not there
    always = page(out, "news/always-here")
    assert "See the launch and" in always and "By id: launch by id." in always

    late = build(content, out, AFTER)  # the same output folder: an incremental build
    assert (late.public_articles, late.internal_articles) == (2, 1)
    assert "Zebrafrobnicate arrives" in page(out, "news/zebra-launch")
    assert "news/zebra-launch/" in (out / "public" / "sitemap.xml").read_text()
    assert "When does the zebra launch start?" in page(out, "faq")
    assert 'url=../../news/zebra-launch/"' in page(out, "a/zebra-launch")
    assert 'url=../zebra-launch/"' in page(out, "news/zebra-teaser")
    assert search_ids(out, "zebrafrobnicate") == {"zebra-launch"}
    assert search_ids(out, "wombatsecret", "internal") == {"wombat"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert "zebra-launch" in {a["id"] for a in manifest["articles"]}
    internal = json.loads((out / "manifest.internal.json").read_text())
    assert [a["id"] for a in internal["articles"]] == ["wombat"]
    always = page(out, "news/always-here")
    assert '<a href="../zebra-launch/">the launch</a>' in always
    assert "Zebra launch notes" in always  # and it is listed under related articles


def test_an_expired_article_is_gone_and_its_url_is_not_a_removed_url(tmp_path: Path) -> None:
    content, out = make_kb(tmp_path), tmp_path / "build"
    build(content, out, BEFORE)
    assert "Quokkasale prices" in page(out, "news/quokka-sale")
    assert "quokka-sale" in {
        a["id"] for a in json.loads((out / "manifest.json").read_text())["articles"]
    }
    # the last build's manifest published it: expiry is on purpose, so the build goes ahead
    report = build(content, out, BETWEEN)
    assert report.expired == 1
    assert not [p for p in report.problems if p.code == "removed-url"]
    assert not (out / "public" / "news" / "quokka-sale").exists()
    assert search_ids(out, "quokkasale") == set()
    assert found_in(outputs(out, "public"), "Quokkasale") == []
    assert "the sale" in page(out, "news/always-here")
    assert 'href="../quokka-sale/' not in page(out, "news/always-here")


def test_deleting_an_expired_article_is_not_deleting_a_published_one(tmp_path: Path) -> None:
    """Git history says both files were public; only the one still live when deleted is lost."""
    content = make_kb(tmp_path)
    write(content, "news/plain.md", "---\ntitle: Plain\nsummary: s\n---\nPlain.\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "first")
    git(tmp_path, "rm", "-q", "content/news/quokka-sale.md", "content/news/plain.md")
    git(tmp_path, "commit", "-qm", "clean up")
    write(
        content,
        "news/always-here.md",
        ALWAYS.replace(" and [the sale](quokka-sale.md#details)", ""),
    )
    _, problems = load_and_check(content, SiteConfig(), at=BETWEEN)
    removed = [str(p) for p in problems if p.code == "removed-url"]
    assert len(removed) == 1 and "/news/plain/ was published by this file" in removed[0]
    _, problems = load_and_check(content, SiteConfig(), at=BEFORE)  # not expired yet: lost
    assert {p.message.split()[0] for p in problems if p.code == "removed-url"} == {
        "/news/plain/",
        "/news/quokka-sale/",
    }


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_no_article_reaches_any_output_outside_its_window(tmp_path: Path, moment: str) -> None:
    """Each portal's pages, index and manifest hold an article only while it is live, and the
    public ones never an internal article; built after the other moments, so anything an
    earlier build left behind would be seen."""
    content, out = make_kb(tmp_path), tmp_path / "build"
    for other in [m for m in MOMENTS if m != moment] + [moment]:
        build(content, out, MOMENTS[other])
    trees = {t: outputs(out, t) for t in ("public", "internal")}
    assert len(trees["public"]) > 30
    for article, (live, home) in WINDOWS.items():
        for tree, files in trees.items():
            for trace in TRACES[article]:
                where = found_in(files, trace)
                if moment not in live or (tree, home) == ("public", "internal"):
                    assert where == [], f"{article} ({trace!r}) leaked at {moment} into {where}"
                elif tree == home:  # (agents' outputs hold public articles too)
                    assert where, f"{article} ({trace!r}) missing from the {tree} outputs"


def test_kb_build_prints_the_next_change_and_previews_with_at(tmp_path: Path) -> None:
    make_kb(tmp_path)
    first = kb("build", "--content", "content", "--at", "2026-11-15T00:00:00Z", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert "Preview as of 2026-11-15 00:00 UTC: not the site as it is now; do not deploy." in lines
    assert "Left out: 2 article(s) not published yet, 0 expired." in lines
    assert lines[-1] == "Next change: 2026-12-01 00:00 UTC (quokka-sale expires)"
    manifest = json.loads((tmp_path / "build" / "manifest.json").read_text())
    assert (manifest["as_of"], manifest["next_change"]) == (
        "2026-11-15T00:00:00Z",
        "2026-12-01T00:00:00Z",
    )
    link = kb("link", "zebrafrobnicate", "--internal", "--format", "json", cwd=tmp_path)
    assert link.returncode == 1 and json.loads(link.stdout)["results"] == []  # nothing found
    replies = kb("export", "replies", "--format", "json", cwd=tmp_path)
    assert replies.returncode == 0
    assert {r["id"] for r in json.loads(replies.stdout)} == {"always-here", "quokka-sale"}

    # two articles publish at the same moment (09:00+01:00 is 08:00Z): one line names both
    second = kb("build", "--content", "content", "--at", "2026-12-15T00:00:00+00:00", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[-1] == (
        "Next change: 2027-03-01 08:00 UTC (wombat publishes, zebra-launch publishes)"
    )
    replies = kb("export", "replies", "--format", "json", cwd=tmp_path)
    assert {r["id"] for r in json.loads(replies.stdout)} == {"always-here"}

    third = kb("build", "--content", "content", "--at", "2027-03-02", cwd=tmp_path)
    assert third.returncode == 0, third.stderr
    assert third.stdout.splitlines()[-1] == "Next change: none scheduled."
    link = kb("link", "zebrafrobnicate", "--format", "json", cwd=tmp_path)
    assert link.returncode == 0
    assert [r["url"] for r in json.loads(link.stdout)["results"]] == [
        "http://127.0.0.1:8000/a/zebra-launch?src=agent"
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-12-24T09:00", "2026-12-24T09:00:00 has no time zone; add one, e.g."),
        ("2026-12-24T09:00:00+99:00", "not an ISO 8601 date-time: '2026-12-24T09:00:00+99:00'"),
        ("next tuesday", "not an ISO 8601 date-time: 'next tuesday'"),
    ],
)
def test_kb_build_at_refuses_a_moment_it_cannot_read(
    tmp_path: Path, value: str, message: str
) -> None:
    res = kb("build", "--content", str(make_kb(tmp_path)), "--at", value, cwd=tmp_path)
    assert res.returncode == 2
    assert f"Invalid value for '--at': {message}" in res.stderr
    assert not (tmp_path / "build").exists()


def test_kb_check_warns_of_links_to_expired_and_unpublished_articles(tmp_path: Path) -> None:
    make_kb(tmp_path)
    res = kb("check", "--content", "content", "--at", "2026-12-15T00:00:00Z", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    warnings = [line for line in res.stderr.splitlines() if ": warning: " in line]
    assert warnings == [
        "content/news/always-here.md:4: warning: related: 'zebra-launch' is not published yet "
        "(it publishes 2027-03-01 08:00 UTC); it is left out of the related articles",
        "content/news/always-here.md:6: warning: link to an article that expired 2026-12-01 "
        "00:00 UTC: quokka-sale.md#details; the portal shows the link's text without the link: "
        "remove the link or point it at a current article",
        "content/news/always-here.md:6: warning: link to an article that is not published yet "
        "(it publishes 2027-03-01 08:00 UTC): zebra-launch.md; until then the portal shows the "
        "link's text without the link",
        "content/news/always-here.md:8: warning: link to an article that is not published yet "
        "(it publishes 2027-03-01 08:00 UTC): /a/zebra-launch/; until then the portal shows the "
        "link's text without the link",
    ]
    assert res.stderr.splitlines()[-1] == "0 error(s), 4 warning(s)"
    strict = kb("check", "--strict", "--content", "content", "--at", "2026-12-15", cwd=tmp_path)
    assert strict.returncode == 1
    # before the sale ended, its link is fine; after the launch, so are the launch's
    before = kb("check", "--content", "content", "--at", "2026-11-15T00:00:00Z", cwd=tmp_path)
    assert "expired" not in before.stderr and before.returncode == 0
    after = kb("check", "--content", "content", "--at", "2027-03-02T00:00:00Z", cwd=tmp_path)
    assert "not published yet" not in after.stderr
    assert "link to an article that expired" in after.stderr


def test_a_scheduled_article_is_checked_before_it_goes_live(tmp_path: Path) -> None:
    """It will publish on its own, with nobody there: its problems show now. An expired one is
    not checked, as a draft is not."""
    content = make_kb(tmp_path)
    write(content, "news/zebra-launch.md", LAUNCH + "\nSee [gone](nowhere.md).\n")
    write(content, "news/quokka-sale.md", SALE + "\nSee [gone](nowhere.md).\n")
    _, problems = load_and_check(content, SiteConfig(), at=BETWEEN)
    broken = [str(p) for p in problems if p.code == "broken-link"]
    assert broken == [
        f"{content.as_posix()}/news/zebra-launch.md:15: error: broken link: nowhere.md"
    ]


def test_a_link_between_two_scheduled_articles_warns_only_when_it_would_break(
    tmp_path: Path,
) -> None:
    content = make_kb(tmp_path)
    follow = "---\ntitle: F\nsummary: s\npublish_at: {at}\n---\nSee [launch](zebra-launch.md).\n"
    write(content, "news/later.md", follow.format(at="2027-04-01T00:00:00Z"))
    write(content, "news/sooner.md", follow.format(at="2027-01-01T00:00:00Z"))
    _, problems = load_and_check(content, SiteConfig(), at=BETWEEN)
    pending = {p.path.rsplit("/", 1)[1] for p in problems if p.code == "link-unpublished"}
    assert pending == {"always-here.md", "sooner.md"}  # later.md publishes after the launch


# -- front matter and config --------------------------------------------------------------


@pytest.mark.parametrize(
    ("front", "line", "message"),
    [
        (
            "publish_at: 2027-03-01T09:00:00",
            4,
            "front matter: publish_at: 2027-03-01T09:00:00 has no time zone; add one, e.g. "
            "2026-12-24T09:00:00+01:00 or 2026-12-24T08:00:00Z",
        ),
        (
            "expires_at: 2027-03-01",
            4,
            "front matter: expires_at: 2027-03-01 has no time and zone; write e.g. "
            "2026-12-24T09:00:00+01:00 or 2026-12-24T08:00:00Z",
        ),
        (
            "publish_at: 'soon'",
            4,
            "front matter: publish_at: not an ISO 8601 date-time: 'soon'; write e.g. "
            "2026-12-24T09:00:00+01:00 or 2026-12-24T08:00:00Z",
        ),
        (
            "publish_at: 2027-03-01T09:00:00Z\nexpires_at: 2027-03-01T10:00:00+01:00",
            5,
            "front matter: expires_at: must be after publish_at (2027-03-01T09:00:00Z)",
        ),
        (
            "publish_at: 2027-03-01T09:00:00Z\nexpires_at: 2027-02-01T09:00:00Z",
            5,
            "front matter: expires_at: must be after publish_at (2027-03-01T09:00:00Z)",
        ),
    ],
)
def test_a_bad_window_is_an_error_naming_file_line_and_key(
    tmp_path: Path, front: str, line: int, message: str
) -> None:
    write(tmp_path, "news/x.md", f"---\ntitle: X\nsummary: s\n{front}\n---\nBody.\n")
    kb_ = load_content(tmp_path, SiteConfig())
    assert kb_.articles == []
    assert [str(p) for p in kb_.problems] == [
        f"{tmp_path.as_posix()}/news/x.md:{line}: error: {message}"
    ]


def test_a_window_in_any_zone_is_the_same_moment(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "---\ntitle: A\npublish_at: '2027-03-01T09:00+01:00'\n---\nA.\n")
    write(tmp_path, "b.md", "---\ntitle: B\npublish_at: 2027-03-01 03:00:00-05:00\n---\nB.\n")
    loaded = load_content(tmp_path, SiteConfig())
    assert loaded.problems == []
    starts = {a.meta.publish_at for a in loaded.articles}
    assert starts == {datetime(2027, 3, 1, 8, tzinfo=UTC)}
    edge = datetime(2027, 3, 1, 8, tzinfo=UTC)
    assert {a.window(edge - timedelta(seconds=1)) for a in loaded.articles} == {"pending"}
    assert {a.window(edge) for a in loaded.articles} == {"live"}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"site": {"announcement": {"text": "x", "from": "2026-12-20T00:00:00"}}},
            "site.announcement: from: 2026-12-20T00:00:00 has no time zone; add one, e.g. "
            "2026-12-24T09:00:00+01:00 or 2026-12-24T08:00:00Z",
        ),
        (
            {"site": {"announcement": {"text": "x", "until": "2027-01-02"}}},
            "site.announcement: until: 2027-01-02 has no time and zone; write e.g. "
            "2026-12-24T09:00:00+01:00 or 2026-12-24T08:00:00Z",
        ),
        (
            {
                "contact": {
                    "incident": {
                        "text": "x",
                        "from": "2026-12-20T00:00:00Z",
                        "until": "2026-12-20T00:00:00Z",
                    }
                }
            },
            "contact.incident: until: must be after from (2026-12-20T00:00:00Z)",
        ),
        (
            {"contact": {"incident": {"from": "2026-12-20T00:00:00Z"}}},
            "contact.incident: text: Field required",
        ),
        (
            {"contact": {"incident": {"text": "x", "util": "2026-12-20T00:00:00Z"}}},
            "contact.incident: util: unknown key; a banner has text, from and until",
        ),
        (
            {"contact": {"incident": ["x"]}},
            "contact.incident: must be a text, or a mapping with text, from and until",
        ),
    ],
)
def test_a_bad_banner_window_is_an_error_naming_the_field(
    settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(settings, "site_config.yml")
    assert [str(p) for p in err.value.problems] == [f"site_config.yml: error: {message}"]


HOLIDAY = {
    "site": {
        "announcement": {
            "text": "Holiday hours banner",
            "from": "2026-12-20T00:00:00Z",
            "until": "2027-01-02T00:00:00+00:00",
        }
    },
    "contact": {
        "incident": {"text": "Sign-in outage notice", "from": "2026-12-24T09:00:00+01:00"},
    },
}


def test_banners_show_only_inside_their_windows(tmp_path: Path) -> None:
    content, out = make_kb(tmp_path), tmp_path / "build"
    config, _ = parse_config(json.loads(json.dumps(HOLIDAY)))
    expected = {
        BETWEEN: (False, False, "2026-12-20 00:00 UTC (site.announcement shows)"),
        datetime(2026, 12, 22, tzinfo=UTC): (True, False, "2026-12-24 08:00 UTC"),
        datetime(2026, 12, 25, tzinfo=UTC): (True, True, "2027-01-02 00:00 UTC"),
        datetime(2027, 1, 3, tzinfo=UTC): (False, True, "2027-03-01 08:00 UTC"),
    }
    for at, (announced, incident, change) in expected.items():
        report = build(content, out, at, config)  # one folder: each an incremental build
        assert report.next_change is not None and str(report.next_change).startswith(change)
        for url in ("", "news/always-here", "faq"):  # the banner is on every page
            assert ("Holiday hours banner" in page(out, url)) is announced, (at, url)
        assert ("Sign-in outage notice" in page(out, "contact")) is incident, at


def test_a_plain_text_banner_still_works() -> None:
    config, _ = parse_config({"site": {"announcement": "Hello"}, "contact": {"incident": "Slow"}})
    assert (config.site.announcement, config.contact.incident) == ("Hello", "Slow")


def test_the_api_shows_the_incident_notice_in_its_window_at_each_request(tmp_path: Path) -> None:
    """The API judges the window when asked (the portal's static page when it was built)."""
    content, out = make_kb(tmp_path), tmp_path / "build"
    build(content, out, BEFORE)
    now = datetime.now(UTC)
    windows = {
        "on now": ({"from": now - timedelta(hours=1), "until": now + timedelta(hours=1)}, True),
        "ended": ({"from": now - timedelta(hours=2), "until": now - timedelta(hours=1)}, False),
        "to come": ({"from": now + timedelta(hours=1)}, False),
    }
    for name, (window, shown) in windows.items():
        bounds = {k: v.isoformat() for k, v in window.items()}
        config, _ = parse_config({"contact": {"incident": {"text": f"Outage {name}", **bounds}}})
        app = create_app(
            {
                "TESTING": True,
                "BUILD_DIR": str(out),
                "SITE_CONFIG": config,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'kb.sqlite3'}",
                "OUTBOX_WORKER": False,
                "RATELIMIT_STORAGE_URI": "memory://",
            }
        )
        try:
            body = app.test_client().get("/api/contact").get_json()
        finally:
            shutdown(app)
        assert body["incident"] == (f"Outage {name}" if shown else None), name


# -- the shipped example ------------------------------------------------------------------


def test_the_example_has_a_scheduled_article_shown_only_from_its_time(
    example_build: tuple[Path, BuildReport], tmp_path: Path
) -> None:
    out, report = example_build
    assert report.not_yet_published == 1
    assert not (out / "public" / "scheduling" / "multi-location-schedules").exists()
    assert report.next_change is not None
    assert "multi-location-schedules publishes" in report.next_change.what
    config, problems = load_config(ROOT / "site_config.yml")
    preview = tmp_path / "preview"
    build_site(ROOT / "content", config, preview, at=datetime(2027, 3, 2, 8, tzinfo=UTC))
    assert "Schedule staff across several locations" in page(
        preview, "scheduling/multi-location-schedules"
    )
    assert search_ids(preview, "multi-location scheduling") >= {"multi-location-schedules"}
