"""`kb check` and the build's refusal: every problem at once, each with file and line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb_cli.main import main
from tests.conftest import ROOT, write

KB = Path(sys.executable).with_name("kb")


def kb(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed `kb` as a process in ``cwd`` (never raising on a non-zero exit)."""
    return subprocess.run([str(KB), *args], capture_output=True, text=True, cwd=cwd, check=False)


BROKEN = "tests/fixtures/broken"


@pytest.fixture()
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(ROOT)
    return CliRunner()


def test_check_reports_every_problem_with_file_and_line(runner: CliRunner) -> None:
    res = runner.invoke(main, ["check", "--content", BROKEN])
    assert res.exit_code == 1
    lines = res.output.strip().splitlines()
    b = f"{BROKEN}/billing"
    assert lines == [
        f"{BROKEN}/account/dup-two.md:3: error: duplicate id 'same-id' (also in "
        f"{BROKEN}/account/dup-one.md); set a unique id",
        f"{BROKEN}/account/latin1.md:5: error: not UTF-8 (byte 0xef at offset 24); save as UTF-8",
        # where the quote was opened, not where the parser gave up (line 4)
        f"{b}/bad-yaml.md:2: error: front matter: YAML: a quote opened here is never closed",
        f"{b}/plans.md:1: warning: no summary: add 'summary:' (one sentence)",
        f"{b}/plans.md:3: warning: review_by 2020-01-01 has passed; review it",
        f"{b}/refunds.md:4: error: related: unknown article id 'no-such-article'",
        f"{b}/refunds.md:7: error: broken link: missing.md",
        f"{b}/refunds.md:9: error: broken anchor: plans.md#nowhere (no heading '#nowhere'; "
        "its headings: #compare-plans)",
        f"{b}/refunds.md:11: error: public article links to internal article: ../agents/policy.md",
        f"{b}/refunds.md:13: warning: broken image: screenshot.png (no such file: "
        f"{b}/screenshot.png)",
        f"{b}/refunds.md:13: warning: image without alt text",
        "7 error(s), 4 warning(s)",
    ]


def test_check_json(runner: CliRunner) -> None:
    res = runner.invoke(main, ["check", "--content", BROKEN, "--format", "json"])
    assert res.exit_code == 1
    problems = json.loads(res.stdout)
    assert {p["code"] for p in problems} >= {
        "duplicate-id",
        "unreadable",
        "front-matter",
        "broken-link",
        "broken-anchor",
        "image-alt",
        "public-links-internal",
        "unknown-related",
    }
    assert all(set(p) == {"path", "line", "severity", "message", "code"} for p in problems)


def test_local_images_the_build_cannot_publish_are_reported(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A relative image the build publishes (a png, jpg, jpeg, gif or webp file in the content
    folder) draws no warning; a missing file is named, and an SVG or a file of another type is
    told why it is not published: warnings, which --strict refuses. A full URL or a site path is
    left alone."""
    write(
        tmp_path,
        "guides/export.md",
        "---\ntitle: Export\nsummary: Export shifts.\n---\n\nText.\n\n"
        "![The menu](images/menu.png)\n"
        "![Typo](images/menu.pgn)\n"
        '<img src="../shots/a b.png" alt="html">\n'
        "![Hosted](https://cdn.example.com/menu.png) ![Site](/assets/logo.png)\n"
        "![Diagram](images/flow.svg) [the sheet](images/sheet.csv) [big](images/gone.png)\n",
    )
    (tmp_path / "guides" / "images").mkdir()
    for name in ("menu.png", "flow.svg", "sheet.csv"):
        (tmp_path / "guides" / "images" / name).write_bytes(b"\x89PNG\r\n\x1a\n")
    res = runner.invoke(main, ["check", "--content", str(tmp_path), "--format", "json"])
    found = [(p["line"], p["severity"], p["code"], p["message"]) for p in json.loads(res.stdout)]
    assert found == [
        (
            9,
            "warning",
            "broken-image",
            f"broken image: images/menu.pgn (no such file: {tmp_path}/guides/images/menu.pgn; "
            "did you mean 'images/menu.png'?)",
        ),
        (
            10,
            "warning",
            "broken-image",
            f"broken image: ../shots/a b.png (no such file: {tmp_path}/shots/a b.png)",
        ),
        (
            12,
            "warning",
            "broken-image",
            f"broken image: images/gone.png (no such file: {tmp_path}/guides/images/gone.png)",
        ),
        (
            12,
            "warning",
            "image-type",
            "image not published: images/flow.svg: SVG is not published, since an SVG can "
            "carry scripts: export it as PNG or WebP",
        ),
    ]
    assert res.exit_code == 0
    strict = runner.invoke(main, ["check", "--strict", "--content", str(tmp_path)])
    assert strict.exit_code == 1


def test_a_missing_image_or_article_names_the_file_a_slip_away(tmp_path: Path) -> None:
    """A missing image whose name is a slip from a file beside it gets the same "did you mean"
    as a missing translation's article: it had none, so the writer hunted for the typo. A
    missing article linked by a slip of its name gets it too; a name nothing is near, none."""
    write(
        tmp_path,
        "scheduling/swaps.md",
        "---\ntitle: Swaps\nsummary: Swap shifts.\n---\n\nText.\n\n"
        "![The export menu](images/export-menue.png)\n"
        "See [publishing](publish-a-schedul.md) and [this](nothing-like-it.md).\n",
    )
    write(tmp_path, "scheduling/publish-a-schedule.md", "---\ntitle: P\nsummary: P.\n---\n\nP.\n")
    (tmp_path / "scheduling" / "images").mkdir()
    (tmp_path / "scheduling" / "images" / "export-menu.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    run = kb("check", "--content", str(tmp_path), cwd=tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    at = f"{tmp_path}/scheduling/swaps.md"
    assert set(run.stderr.splitlines()[:3]) == {
        f"{at}:8: warning: broken image: images/export-menue.png (no such file: "
        f"{tmp_path}/scheduling/images/export-menue.png; did you mean 'images/export-menu.png'?)",
        f"{at}:9: error: broken link: publish-a-schedul.md; did you mean 'publish-a-schedule.md'?",
        f"{at}:9: error: broken link: nothing-like-it.md",
    }


def test_a_link_to_a_category_intro_is_to_its_page(tmp_path: Path) -> None:
    """``kb build`` turns a link to a category's intro file (by its folder as written or as its
    page has it, any intro name) into a link to the category's page, so ``kb check`` takes it
    for no broken link; one to a folder that is no category, or to no intro file, still is."""
    content = tmp_path / "content"
    write(content, "Billing Help/refunds.md", "---\ntitle: R\nsummary: R.\n---\n\nR.\n")
    write(
        content,
        "guides/a.md",
        "---\ntitle: A\nsummary: A.\n---\n\n"
        "See [billing](<../Billing Help/index.md>), [again](../billing-help/README.md#top),\n"
        "[nowhere](../nowhere/index.md) and [not an intro](../billing-help/intro.md).\n",
    )
    check = kb("check", "--content", str(content), cwd=tmp_path)
    assert check.returncode == 1, check.stdout + check.stderr
    at = f"{content}/guides/a.md"
    assert check.stderr.splitlines()[:2] == [
        f"{at}:7: error: broken link: ../billing-help/intro.md",
        f"{at}:7: error: broken link: ../nowhere/index.md",
    ]
    build = kb("build", "--content", str(content), "--output", str(tmp_path / "site"), cwd=tmp_path)
    assert build.returncode == 0, build.stdout + build.stderr
    page = (tmp_path / "site" / "public" / "guides" / "a" / "index.html").read_text()
    assert 'href="../../billing-help/"' in page
    assert 'href="../../billing-help/#top"' in page


def test_a_heading_in_code_has_no_anchor(runner: CliRunner, tmp_path: Path) -> None:
    """A fenced block closes at its own fence only, as the renderer reads it: a '```Output'
    line is code, so a heading after it in the block gets no anchor, and one after the block
    does."""
    write(
        tmp_path,
        "guides/a.md",
        "---\ntitle: A\nsummary: A.\n---\n\n```\n$ kb run\n```Output\n# Output\n```\n\n"
        "## Usage\n\nText.\n",
    )
    write(
        tmp_path,
        "guides/b.md",
        "---\ntitle: B\nsummary: B.\n---\n\nSee [usage](a.md#usage) and [output](a.md#output).\n",
    )
    res = runner.invoke(main, ["check", "--content", str(tmp_path), "--format", "json"])
    found = [
        (p["path"][len(str(tmp_path)) :], p["line"], p["message"]) for p in json.loads(res.stdout)
    ]
    assert found == [
        (
            "/guides/b.md",
            6,
            "broken anchor: a.md#output (no heading '#output'; its headings: #usage)",
        )
    ]


def test_a_destination_in_angle_brackets_is_no_raw_html(runner: CliRunner, tmp_path: Path) -> None:
    """``[x](<my file.md>)``, as the README says to link a name with spaces, is a link, not a
    ``<my>`` tag the build would remove (the warning said so before); one holding what an
    attribute needs is still read as a tag."""
    write(tmp_path, "guides/other file.md", "---\ntitle: Other\nsummary: Other.\n---\n\nText.\n")
    write(
        tmp_path,
        "guides/a.md",
        "---\ntitle: A\nsummary: A.\n---\n\n"
        "See [the other](<other file.md>) and [that one][r].\n\n"
        "![The menu](<images/my menu (1).png>)\n\n"
        "[x](<img src=x onerror=alert(1)>)\n\n"
        "[r]: <other file.md>\n",
    )
    (tmp_path / "guides" / "images").mkdir()
    (tmp_path / "guides" / "images" / "my menu (1).png").write_bytes(b"\x89PNG\r\n\x1a\n")
    res = runner.invoke(main, ["check", "--content", str(tmp_path), "--format", "json"])
    found = [(p["line"], p["code"], p["message"]) for p in json.loads(res.stdout)]
    assert [f for f in found if f[1] != "image-alt"] == [
        (10, "raw-html", "raw HTML removed: onerror attribute of <img>")
    ]


def test_strict_fails_on_warnings_only(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path, "guides/x.md", "---\ntitle: X\n---\nNo summary.\n")
    assert runner.invoke(main, ["check", "--content", str(tmp_path)]).exit_code == 0
    res = runner.invoke(main, ["check", "--strict", "--content", str(tmp_path)])
    assert res.exit_code == 1
    assert "no summary" in res.output


def test_shipped_example_is_clean(runner: CliRunner) -> None:
    res = runner.invoke(main, ["check", "--format", "json"])
    problems = json.loads(res.stdout)
    # Review dates pass with the calendar (test_build pins the day and expects no warning at
    # all); anything else is a defect of the example.
    assert [(p["code"], p["path"]) for p in problems if p["code"] != "stale"] == []
    assert res.exit_code == 0


def test_build_refuses_unsafe_content_and_lists_why(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(main, ["build", "--content", BROKEN, "--output", str(tmp_path / "b")])
    assert res.exit_code == 1
    assert "build refused: 4 problem(s) must be fixed first" in res.output
    assert "duplicate id 'same-id'" in res.output
    assert "public article links to internal article" in res.output
    # a broken link is listed too, as the warning it is in a build that goes on: every
    # problem at once, so the next build does not bring up a new one
    assert ": warning: broken link: missing.md" in res.output
    assert ": error: broken link" not in res.output  # not one of the 4 it refuses for
    assert not (tmp_path / "b" / "public").exists()


def test_build_warns_but_builds_with_broken_links(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path, "c/page.md", "---\ntitle: A\nsummary: s\n---\nSee [gone](gone.md).\n")
    res = runner.invoke(
        main, ["build", "--content", str(tmp_path / "c"), "--output", str(tmp_path / "b")]
    )
    assert res.exit_code == 0, res.output
    assert "broken link: gone.md" in res.output
    assert (tmp_path / "b" / "public" / "page" / "index.html").is_file()
    strict = runner.invoke(
        main,
        ["build", "--strict", "--content", str(tmp_path / "c"), "--output", str(tmp_path / "b")],
    )
    assert strict.exit_code == 1


def test_removed_url_fails_check(runner: CliRunner, tmp_path: Path) -> None:
    content = tmp_path / "c"
    write(content, "billing/refunds.md", "---\ntitle: R\nsummary: s\n---\nx\n")
    out = tmp_path / "b"
    assert (
        runner.invoke(main, ["build", "--content", str(content), "--output", str(out)]).exit_code
        == 0
    )
    (content / "billing" / "refunds.md").rename(content / "billing" / "money-back.md")
    res = runner.invoke(main, ["check", "--content", str(content), "--previous", str(out)])
    assert res.exit_code == 1
    assert "/billing/refunds/ was published by the last build and would now 404" in res.output
    write(
        content,
        "billing/money-back.md",
        "---\ntitle: R\nsummary: s\naliases: [billing/refunds/]\n---\nx\n",
    )
    ok = runner.invoke(main, ["check", "--content", str(content), "--previous", str(out)])
    assert ok.exit_code == 0, ok.output


@pytest.mark.parametrize("rel", ["a/huge.md", "faq.md", "internal/x.md", "api/y.md"])
def test_reserved_urls_are_refused(runner: CliRunner, tmp_path: Path, rel: str) -> None:
    write(tmp_path, rel, "---\ntitle: T\nsummary: s\n---\nx\n")
    res = runner.invoke(main, ["check", "--content", str(tmp_path)])
    assert res.exit_code == 1
    assert "is reserved for the portal's own" in res.output


@pytest.mark.parametrize(
    ("written", "names", "meant"),
    [
        ("push-notification", ["push-notifications", "install-the-app"], "push-notifications"),
        ("quiet-hour", ["quiet-hours", "what-you-can-be-notified-about"], "quiet-hours"),
        ("sized_sentinel_for", ["sizedsentinelfor", "sized-range"], "sizedsentinelfor"),
        ("recieve-invoices", ["receive-invoices"], "receive-invoices"),  # a swap is one slip
        # seen in cpp-docs and officedocs: another name a letter or two away, not a slip
        ("ssize", ["size"], None),
        ("note_20", ["notes"], None),
        ("fix-error-code-550-5-4-1-in-exchange-online.md",
         ["fix-error-code-550-5-7-1-in-exchange-online.md"], None),
        ("invoice-list", ["invoices-list", "invoice-lists"], None),  # two as near: no guess
        ("hello-hello-helo", ["hello-hello-hello"], "hello-hello-hello"),  # pairs repeated
        ("data-dta-data", ["data-data-data"], "data-data-data"),
    ],
)  # fmt: skip
def test_nearest_guesses_only_a_slip(written: str, names: list[str], meant: str | None) -> None:
    from kb_builder.nearest import nearest

    assert nearest(written, names) == meant


@pytest.mark.parametrize(
    ("written", "names", "meant"),
    [
        ("img/menue.png", ["img/menu.png", "img/other.png"], None),  # 'menue': 5 letters
        ("img/export-menue.png", ["img/export-menu.png"], "img/export-menu.png"),
        ("img/logo.jpg", ["img/logo.png", "img/logos.png"], "img/logo.png"),  # only namesake
        ("img/logo.jpg", ["img/logo.png", "img/logo.webp"], None),  # two namesakes
        ("tax.md", ["fax.md"], None),  # the extension is no part of the six letters
        ("ssize.md", ["size.md"], None),
        ("publish-a-schedul.md", ["publish-a-schedule.md"], "publish-a-schedule.md"),
        ("publish-a-schedul.md", ["publish-a-schedule.png"], None),  # another type
        ("a/publish-a-schedul.md", ["b/publish-a-schedule.md"], None),  # another folder
    ],
)  # fmt: skip
def test_near_name_compares_stems_of_one_type(
    written: str, names: list[str], meant: str | None
) -> None:
    from kb_builder.nearest import near_name

    assert near_name(written, names) == meant


def test_a_public_link_to_a_category_only_internal_articles_fill_warns(tmp_path: Path) -> None:
    """The public portal has no page for a category only internal articles fill, so the build
    publishes a public article's link to it as its text; `kb check` said nothing. It warns,
    naming file and line (a link by reference too); an internal article's link, or one to a
    category a public article fills, is no warning. The build's cached checks see the category
    change: once a public article is in it, the warning is gone."""
    content = tmp_path / "content"
    write(content, "agents/_category.yml", "title: Agents\nvisibility: internal\n")
    write(content, "agents/policy.md", "---\ntitle: Policy\nsummary: s\n---\n\nText.\n")
    write(content, "billing/plans.md", "---\ntitle: Plans\nsummary: s\n---\n\nText.\n")
    links = (
        "Ask [the desk](../agents/index.md) or [the desk][desk]; see [billing](index.md).\n\n"
        "[desk]: ../agents/README.md\n"
    )
    write(content, "billing/refunds.md", f"---\ntitle: Refunds\nsummary: s\n---\n\n{links}")
    write(content, "agents/tips.md", f"---\ntitle: Tips\nsummary: s\n---\n\n{links}")

    why = "the public portal has no page for it and shows the link's text without the link"
    at = f"{content}/billing/refunds.md"
    expected = [
        f"{at}:6: warning: link to a category with no public article: ../agents/index.md; {why}",
        f"{at}:8: warning: link to a category with no public article: ../agents/README.md; {why}",
    ]
    check = kb("check", "--content", str(content), cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stderr.splitlines() == [*expected, "0 error(s), 2 warning(s)"]
    assert kb("check", "--content", str(content), "--strict", cwd=tmp_path).returncode == 1
    build = kb("build", "--content", str(content), "--output", str(tmp_path / "site"), cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    assert [line for line in build.stderr.splitlines() if "warning:" in line] == expected
    write(content, "agents/faq.md", "---\ntitle: FAQ\nsummary: s\nvisibility: public\n---\n\nx\n")
    build = kb("build", "--content", str(content), "--output", str(tmp_path / "site"), cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    assert "warning:" not in build.stderr
    assert kb("check", "--content", str(content), "--strict", cwd=tmp_path).returncode == 0


def test_an_internal_link_to_a_category_no_portal_shows_warns(tmp_path: Path) -> None:
    """The agents' portal links an internal article's link to a category only public articles
    fill to the public site, and publishes one to a category no live article fills (a draft's
    only) as its text: `kb check` said nothing of either. It warns about the second alone, and
    the build's cached checks see the category change: once an article is in it, no warning."""
    content = tmp_path / "content"
    write(content, "billing/plans.md", "---\ntitle: Plans\nsummary: s\n---\n\nText.\n")
    draft = "---\ntitle: Later\nsummary: s\nvisibility: draft\n---\n\nText.\n"
    write(content, "later/soon.md", draft)
    links = "See [billing](../billing/index.md) and [later][l].\n\n[l]: ../later/index.md\n"
    internal = "---\ntitle: Tips\nsummary: s\nvisibility: internal\n---\n\n"
    write(content, "agents/tips.md", internal + links)

    expected = [
        f"{content}/agents/tips.md:9: warning: link to a category with no published article: "
        "../later/index.md; no portal has a page for it and the link shows as its text"
    ]
    check = kb("check", "--content", str(content), cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stderr.splitlines() == [*expected, "0 error(s), 1 warning(s)"]
    build = kb("build", "--content", str(content), "--output", str(tmp_path / "site"), cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    assert [line for line in build.stderr.splitlines() if "warning:" in line] == expected
    page = tmp_path / "site" / "internal" / "agents" / "tips" / "index.html"
    assert "and later.</p>" in page.read_text(encoding="utf-8")
    write(content, "later/soon.md", draft.replace("draft", "internal"))
    build = kb("build", "--content", str(content), "--output", str(tmp_path / "site"), cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    assert "warning:" not in build.stderr
    assert 'and <a href="../../later/">later</a>.</p>' in page.read_text(encoding="utf-8")
    assert kb("check", "--content", str(content), "--strict", cwd=tmp_path).returncode == 0


def test_an_article_with_no_title_is_warned_of(tmp_path: Path) -> None:
    """The build titles it from its file name, which a customer then reads as the title."""
    write(tmp_path, "content/guides/untitled-draft.md", "---\nsummary: S.\n---\nSome text.\n")
    write(tmp_path, "content/guides/headed.md", "---\nsummary: S.\n---\n# Headed\n\nText.\n")
    res = kb("check", "--content", "content", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (
        "content/guides/untitled-draft.md:1: warning: no title: neither a `title:` nor a first "
        "`#` heading; titled 'Untitled draft' from its file name"
    ) in res.stdout + res.stderr
    assert "headed.md" not in res.stdout + res.stderr
