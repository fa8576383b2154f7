"""A writer's first five minutes, as real `kb` processes: init, check, build, new, search."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

KB = str(Path(sys.executable).with_name("kb"))
ARTICLE = "content/billing/invoices/export-your-invoices.md"
FILLED = """---
title: "Export your invoices"
summary: Download every invoice of a year as one ZIP file.
id: export-your-invoices
visibility: public
---

Go to Billing and click Export to download a year of invoices in one ZIP file.

## Steps

1. Open **Settings › Billing › Invoices**.
2. Choose the year and click **Export all**.
"""


def _env(home: Path, identity: bool) -> dict[str, str]:
    """A clean git setup: a known author, or a git that refuses to guess one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "EMAIL"))}
    home.mkdir(exist_ok=True)
    gitconfig = home / ".gitconfig"
    user = "[user]\n\tname = Writer\n\temail = writer@example.com\n" if identity else ""
    gitconfig.write_text(user + "[user]\n\tuseConfigOnly = true\n[init]\n\tdefaultBranch = main\n")
    return env | {
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
    }


def kb(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KB, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture()
def acme(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    env = _env(tmp_path / "home", identity=True)
    res = kb(tmp_path, env, "init", "acme")
    assert res.returncode == 0, res.stderr
    assert "Made a git repository with a first commit" in res.stdout
    assert "  kb serve " in res.stdout and "  kb build " in res.stdout
    return tmp_path / "acme", env


def test_init_builds_clean_with_dates_from_git(acme: tuple[Path, dict[str, str]]) -> None:
    root, env = acme
    log = subprocess.run(
        ["git", "-C", str(root), "log", "--format=%s"], capture_output=True, text=True, env=env
    )
    assert log.stdout.split("\n")[0] == "Start the knowledge base"
    status = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True, env=env
    )
    assert status.stdout == ""  # everything init wrote is in the first commit
    assert "description: " in (root / "content/getting-started/_category.yml").read_text()
    check = kb(root, env, "check", "--strict")
    assert check.returncode == 0 and "0 error(s), 0 warning(s)" in check.stderr
    build = kb(root, env, "build")
    assert build.returncode == 0, build.stderr
    assert "Built 1 public and 0 internal article(s)" in build.stdout
    assert "; 0 warning(s)." in build.stdout
    page = (root / "build/public/getting-started/welcome/index.html").read_text()
    assert "<time datetime=" in page  # 'Updated …': the date of the first commit


def test_init_without_a_git_identity_says_how_to_commit(tmp_path: Path) -> None:
    env = _env(tmp_path / "home", identity=False)
    res = kb(tmp_path, env, "init", "acme")
    assert res.returncode == 0, res.stderr
    assert "no first commit: git does not know who you are yet" in res.stdout
    assert "git config --global user.email you@example.com" in res.stdout
    assert "git -C acme add -A && git -C acme commit -m 'Start the knowledge base'" in res.stdout
    assert (tmp_path / "acme/.git").is_dir()


def test_new_article_is_a_draft_until_it_is_written(acme: tuple[Path, dict[str, str]]) -> None:
    root, env = acme
    new = kb(root, env, "new", "Export your invoices", "--category", "billing/invoices")
    assert new.returncode == 0, new.stderr
    assert f"Created {ARTICLE} as a draft" in new.stdout
    for folder, description in [
        ("billing", "Help with billing."),
        ("billing/invoices", "Help with invoices."),
    ]:
        assert (
            f'description: "{description}"'
            in (root / "content" / folder / "_category.yml").read_text()
        )
    assert "visibility: draft" in (root / ARTICLE).read_text()

    # a draft is never built, so its template text passes even --strict
    check = kb(root, env, "check", "--strict")
    assert check.returncode == 0, check.stderr
    build = kb(root, env, "build")
    assert build.returncode == 0 and "(1 draft(s) skipped)" in build.stdout
    assert not (root / "build/public/billing").exists()

    # made public with the template text still in it: an error per placeholder, and no build
    text = (root / ARTICLE).read_text()
    (root / ARTICLE).write_text(text.replace("visibility: draft", "visibility: public"))
    check = kb(root, env, "check")
    assert check.returncode == 1
    lines = [x for x in check.stderr.splitlines() if "template text" in x]
    placeholders = [
        (3, "One sentence saying what the reader will be able to do."),
        (11, "Start with the answer in one or two sentences."),
        (15, "First step."),
        (16, "Second step."),
        (20, "Describe the most common problem and its fix."),
    ]
    assert lines == [
        f"{ARTICLE}:{n}: error: template text left in a public article: {t!r}; write it, or "
        "keep the article 'visibility: draft' until it is ready"
        for n, t in placeholders
    ]
    refused = kb(root, env, "build")
    assert refused.returncode == 1 and "build refused: 5 problem(s)" in refused.stderr

    (root / ARTICLE).write_text(FILLED)  # written and public: clean, built, searchable
    check = kb(root, env, "check", "--strict")
    assert check.returncode == 0, check.stderr
    build = kb(root, env, "build")
    assert build.returncode == 0 and "Built 2 public" in build.stdout, build.stderr
    assert (root / "build/public/billing/invoices/export-your-invoices/index.html").is_file()
    search = kb(root, env, "search", "export invoices", "--format", "json")
    assert search.returncode == 0, search.stderr
    assert json.loads(search.stdout)["results"][0]["id"] == "export-your-invoices"


SLIPPED = """---
title: "Export your invoices"
summary: Download every invoice of a year as one ZIP file.
id: export-your-invoices
{visibility}
related: [no-such-article]
review_by: {review_by}
---

See [your plan](../plans.md) and [the steps](#step).

## Steps

1. Open **Settings › Billing › Invoices**.
"""


@pytest.mark.parametrize(
    ("visibility", "review_by", "key_error"),
    [
        ("visibilty: public", "2027-12-07",
         "5: error: front matter: unknown key 'visibilty'; did you mean 'visibility'?"),
        ("visibility: Public", "2027-12-07",
         "5: error: front matter: visibility: Input should be 'public', 'internal' or 'draft': "
         "'Public'; did you mean 'public'?"),
        ("visibility: public", "2027-13-07",
         "7: error: front matter: review_by: impossible value 2027-13-07 "
         "(month must be in 1..12)"),
        ("visibility: public", "next year",
         "7: error: front matter: review_by: Input should be a valid date or datetime, input "
         "is too short: 'next year'"),
    ],
)  # fmt: skip
def test_check_lists_the_body_s_problems_with_a_front_matter_error(
    acme: tuple[Path, dict[str, str]], visibility: str, review_by: str, key_error: str
) -> None:
    """Every problem at once: a misspelt key or a bad date used to be the only problem
    `kb check` named in its file, and its broken links and ids came out one run later."""
    root, env = acme
    (root / ARTICLE).parent.mkdir(parents=True)
    (root / ARTICLE).write_text(SLIPPED.format(visibility=visibility, review_by=review_by))
    check = kb(root, env, "check")
    assert check.returncode == 1
    found = [
        key_error,
        "6: error: related: unknown article id 'no-such-article'",
        "10: error: broken anchor: #step (no heading '#step'; its headings: #steps)",
        "10: error: broken link: ../plans.md",
    ]
    found.sort(key=lambda p: int(p.partition(":")[0]))  # kb check's order: by line
    assert check.stderr.splitlines() == [f"{ARTICLE}:{p}" for p in found] + [
        "4 error(s), 0 warning(s)"
    ]
    refused = kb(root, env, "build")  # never built while its front matter is wrong
    assert refused.returncode == 1 and "build refused: 1 problem(s)" in refused.stderr


@pytest.mark.parametrize(
    "visibility",
    ["draft: true", "status: private", "visibility: intenral", "visibility:", "visibilty: yes"],
)
def test_a_front_matter_error_that_leaves_the_visibility_unclear_stops_there(
    acme: tuple[Path, dict[str, str]], visibility: str
) -> None:
    """'draft: true' or 'visibility: intenral': the article may be meant for nobody, or for
    agents only, so its body is not judged as public until its visibility is written."""
    root, env = acme
    (root / ARTICLE).parent.mkdir(parents=True)
    (root / ARTICLE).write_text(SLIPPED.format(visibility=visibility, review_by="2027-12-07"))
    check = kb(root, env, "check")
    assert check.returncode == 1
    assert [line.partition(": error: ")[0] for line in check.stderr.splitlines()] == [
        f"{ARTICLE}:5",
        "1 error(s), 0 warning(s)",
    ]


SLIPS = """---
title: "Export your invoices"
summary: Download every invoice of a year as one ZIP file.
visibility: public
related: [welcom]
---

Read [the welcome](../../getting-started/welcom.md), [in this folder](welcome.md#next-steps),
[by its other name](../../getting-started/Welcome.md#next-steps),
[its next steps](../../getting-started/welcome.md#next-step) and [refunds](../refunds.md).

## Steps

1. Open **Settings › Billing › Invoices**.
"""


def test_check_says_what_a_broken_link_anchor_or_id_probably_meant(
    acme: tuple[Path, dict[str, str]],
) -> None:
    """A slip of a letter or two in a link, an anchor or a related id is named with what it
    probably meant; it used to be 'broken link: ../../getting-started/welcom.md' alone, and
    the writer went looking for the file's real name."""
    root, env = acme
    (root / ARTICLE).parent.mkdir(parents=True)
    (root / ARTICLE).write_text(SLIPS)
    check = kb(root, env, "check")
    assert check.returncode == 1
    assert check.stderr.splitlines() == [
        f"{ARTICLE}:5: error: related: unknown article id 'welcom'; did you mean 'welcome'?",
        f"{ARTICLE}:8: error: broken link: ../../getting-started/welcom.md; did you mean "
        "'../../getting-started/welcome.md'?",
        f"{ARTICLE}:8: error: broken link: welcome.md#next-steps; did you mean "
        "'../../getting-started/welcome.md#next-steps'?",
        f"{ARTICLE}:9: error: broken link: ../../getting-started/Welcome.md#next-steps; did you "
        "mean '../../getting-started/welcome.md#next-steps'?",
        f"{ARTICLE}:10: error: broken anchor: ../../getting-started/welcome.md#next-step (no "
        "heading '#next-step'; did you mean '#next-steps'?)",
        f"{ARTICLE}:10: error: broken link: ../refunds.md",  # nothing near: nothing guessed
        "6 error(s), 0 warning(s)",
    ]


def test_new_names_the_categories_and_refuses_a_slip_of_one(
    acme: tuple[Path, dict[str, str]],
) -> None:
    """Without --category, kb new lists the folders to choose from; a name one slip away from
    a folder beside it ('getting-strated') would start a category of one article, so it is
    refused with the name it probably meant, and made once its folder exists."""
    root, env = acme
    bare = kb(root, env, "new", "Export reports")
    assert bare.returncode == 2
    assert "Missing option '--category': the article's folder, one of: getting-started;" in (
        bare.stderr
    )
    slip = kb(root, env, "new", "Export reports", "--category", "getting-strated")
    assert slip.returncode == 2
    assert "'getting-strated' would be a new category; did you mean 'getting-started'?" in (
        slip.stderr
    )
    assert not (root / "content" / "getting-strated").exists()
    (root / "content" / "getting-strated").mkdir()  # meant after all: its folder says so
    assert kb(root, env, "new", "Export reports", "--category", "getting-strated").returncode == 0
    fresh = kb(root, env, "new", "Plan limits", "--category", "billing/plans")
    assert fresh.returncode == 0, fresh.stderr  # a name near no folder is a new category
