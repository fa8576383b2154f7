"""A published URL keeps working: removed articles stay errors; odd file names are reachable.

Real `kb check` / `kb build` subprocesses on git repositories made by the test, and a real
`kb serve` answering HTTP for a page whose file name has spaces and non-ASCII letters.
"""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.servers import free_port, wait_for
from tests.conftest import git, write
from tests.test_content_safety import article, kb, lines

FIX = (
    "add '{url}' to the 'aliases:' of the article that replaces it, or to 'retired:' in "
    "site_config.yml if it is gone on purpose"
)


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A help center in git: two commits, the second deletes and renames articles."""
    write(tmp_path, "content/billing/refunds.md", article("Refunds"))
    write(tmp_path, "content/billing/plans.md", article("Plans"))
    write(tmp_path, "content/billing/old-name.md", article("Invoices"))
    write(tmp_path, "content/billing/Café Menu ✓.md", article("Café"))
    write(tmp_path, "content/billing/drafty.md", article("Draft", extra="visibility: draft\n"))
    write(tmp_path, "content/agents/_category.yml", "title: Agents\nvisibility: internal\n")
    write(tmp_path, "content/agents/policy.md", article("Policy"))
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "first")
    git(tmp_path, "rm", "-q", "content/billing/refunds.md", "content/billing/Café Menu ✓.md")
    git(tmp_path, "rm", "-q", "content/billing/drafty.md", "content/agents/policy.md")
    git(tmp_path, "mv", "content/billing/old-name.md", "content/billing/invoices.md")
    git(tmp_path, "commit", "-qm", "delete and rename")
    return tmp_path


def removed(path: str, url: str, when: str) -> str:
    return (
        f"content/{path}: error: /{url} was published by this file ({when}) and would now "
        f"404; {FIX.format(url=url)}"
    )


def test_removed_article_is_an_error_from_git_history_until_redirected(repo: Path) -> None:
    sha = git(repo, "rev-parse", "HEAD")[:12]
    expected = [
        removed("billing/Café Menu ✓.md", "billing/cafe-menu/", f"removed in {sha}"),
        removed("billing/refunds.md", "billing/refunds/", f"removed in {sha}"),
        "2 error(s), 0 warning(s)",
    ]
    # no build was ever made here: only git history knows these URLs were published; the
    # internal and draft articles removed with them never were, and the rename redirects
    for _ in range(2):  # and it stays an error, run after run
        res = kb(repo, "check")
        assert (res.returncode, lines(res)) == (1, expected)
    res = kb(repo, "build")
    assert res.returncode == 1 and "build refused: 2 problem(s)" in res.stderr
    assert expected[0] in res.stderr and expected[1] in res.stderr
    write(repo, "content/billing/plans.md", article("Plans", extra="aliases: [billing/refunds]\n"))
    write(repo, "site_config.yml", "retired:\n  - /billing/cafe-menu\n")
    res = kb(repo, "check")
    assert (res.returncode, lines(res)) == (0, ["0 error(s), 0 warning(s)"])
    assert kb(repo, "build").returncode == 0
    assert (repo / "build/public/billing/refunds/index.html").is_file()  # the alias redirects
    assert (repo / "build/public/billing/old-name/index.html").is_file()  # the git rename too


def test_an_uncommitted_deletion_is_an_error_too(repo: Path) -> None:
    write(repo, "site_config.yml", "retired: [billing/refunds/, billing/cafe-menu/]\n")
    (repo / "content/billing/plans.md").unlink()
    res = kb(repo, "check")
    expected = removed("billing/plans.md", "billing/plans/", "deleted, not yet committed")
    assert (res.returncode, lines(res)) == (1, [expected, "1 error(s), 0 warning(s)"])


def test_an_article_git_never_held_is_a_warning_once_deleted(repo: Path) -> None:
    """A writer tries an article out (built, never committed), then deletes it: under git
    that is no published URL to keep, only a warning in case that build was deployed."""
    write(repo, "site_config.yml", "retired: [billing/refunds/, billing/cafe-menu/]\n")
    write(repo, "content/billing/try-out.md", article("Try out"))
    assert kb(repo, "build").returncode == 0
    (repo / "content/billing/try-out.md").unlink()
    res = kb(repo, "check")
    assert (res.returncode, lines(res)) == (
        0,
        [
            "content: warning: /billing/try-out/ was built by the last build from "
            "billing/try-out.md, which git never held, and would now 404; if that build was "
            "deployed, " + FIX.format(url="billing/try-out/"),
            "0 error(s), 1 warning(s)",
        ],
    )
    assert kb(repo, "build").returncode == 0
    # a committed article deleted after a build is still an error (git and the build agree)
    (repo / "content/billing/plans.md").unlink()
    assert kb(repo, "check").returncode == 1


def test_without_git_the_last_build_is_the_record(tmp_path: Path) -> None:
    write(tmp_path, "content/billing/refunds.md", article("Refunds"))
    write(tmp_path, "content/billing/plans.md", article("Plans"))
    assert kb(tmp_path, "build").returncode == 0
    (tmp_path / "content/billing/refunds.md").unlink()
    expected = (
        "content: error: /billing/refunds/ was published by the last build and would now 404; "
        + FIX.format(url="billing/refunds/")
    )
    for _ in range(2):  # a refused build leaves the last manifest alone: the error stays
        res = kb(tmp_path, "check")
        assert (res.returncode, lines(res)) == (1, [expected, "1 error(s), 0 warning(s)"])
        res = kb(tmp_path, "build")
        assert res.returncode == 1 and expected in res.stderr
    write(tmp_path, "site_config.yml", "retired: ['http://127.0.0.1:8000/billing/refunds/']\n")
    assert kb(tmp_path, "build").returncode == 0
    assert kb(tmp_path, "check").returncode == 0


def test_an_article_that_no_longer_loads_gets_its_own_error_only(tmp_path: Path) -> None:
    """A slip in a published article ('visibility: Public') is one error on that file, not
    also a second one without file or line saying its URL would 404 (it follows from the
    first, and goes with it)."""
    write(tmp_path, "content/billing/refunds.md", article("Refunds", extra="aliases: [money]\n"))
    write(tmp_path, "content/billing/plans.md", article("Plans"))
    assert kb(tmp_path, "build").returncode == 0
    write(tmp_path, "content/billing/refunds.md", article("Refunds", extra="visibility: Public\n"))
    res = kb(tmp_path, "check")
    assert res.returncode == 1
    assert [line for line in lines(res) if "error" in line] == [
        "content/billing/refunds.md:4: error: front matter: visibility: Input should be 'public', "
        "'internal' or 'draft': 'Public'; did you mean 'public'?",
        "1 error(s), 0 warning(s)",
    ]
    (tmp_path / "content/billing/refunds.md").unlink()  # deleted: the last build is the record
    res = kb(tmp_path, "check")
    assert res.returncode == 1
    assert any("/billing/refunds/ was published by the last build" in x for x in lines(res))


def test_links_to_an_article_that_no_longer_loads_wait_for_its_one_error(
    tmp_path: Path,
) -> None:
    """'visibility: Public' in an article others link to is still one error: their links,
    `related:` ids and /a/ links to it are not broken (they work again once it is fixed),
    whether it names its id or takes its file name's; once it is deleted, they are."""
    write(tmp_path, "site_config.yml", "site:\n  languages: [en, fr]\n")
    write(tmp_path, "content/billing/plans.md", article("Plans", "Text.\n\n## Compare"))
    write(tmp_path, "content/billing/pay.md", article("Pay", extra="id: payments\n"))
    links = "[a](plans.md#compare), [b](plans.fr.md), [c](/a/plans), [d](pay.md), [e](/a/payments)"
    write(
        tmp_path,
        "content/billing/refunds.md",
        article("Refunds", links, extra="related: [plans, payments]\n"),
    )
    write(tmp_path, "content/billing/refunds.fr.md", article("Remboursements", links))
    assert kb(tmp_path, "check").returncode == 0
    for name, extra in (("plans", ""), ("pay", "id: payments\n")):
        slip = article(name, extra=f"visibility: Public\n{extra}")
        write(tmp_path, f"content/billing/{name}.md", slip)
    res = kb(tmp_path, "check")
    assert res.returncode == 1
    assert [line for line in lines(res) if "error" in line] == [
        f"content/billing/{name}.md:4: error: front matter: visibility: Input should be "
        "'public', 'internal' or 'draft': 'Public'; did you mean 'public'?"
        for name in ("pay", "plans")
    ] + ["2 error(s), 0 warning(s)"]
    (tmp_path / "content/billing/plans.md").unlink()
    (tmp_path / "content/billing/pay.md").unlink()
    res = kb(tmp_path, "check")
    assert "content/billing/refunds.md:7: error: broken link: plans.md#compare" in lines(res)
    assert "content/billing/refunds.md:4: error: related: unknown article id 'plans'" in (
        lines(res)
    )


@pytest.fixture()
def served_unicode_kb(tmp_path: Path) -> Iterator[str]:
    """A real `kb serve` of a build whose files have spaces and non-ASCII letters in names."""
    name = "Billing Help/my file ünïcødé ✓.md"
    write(tmp_path, f"content/{name}", article("Unicode title", "UNICODE-BODY\n\n## Top part"))
    links = "[one](<my file ünïcødé ✓.md>) and [two](my%20file%20ünïcødé%20✓.md#top-part)"
    write(tmp_path, "content/Billing Help/other.md", article("Other", links))
    write(tmp_path, "site_config.yml", "api:\n  database_url: sqlite:///kb.sqlite3\n")
    res = kb(tmp_path, "check")
    assert res.returncode == 0 and lines(res)[-1].startswith("0 error(s)"), res.stderr
    res = kb(tmp_path, "build")
    assert res.returncode == 0, res.stderr
    folders = [p for p in (tmp_path / "build/public").rglob("*") if p.is_dir()]
    assert not [p for p in folders if re.search(r"[^a-z0-9._/-]", str(p.relative_to(tmp_path)))]
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("kb")), "serve", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: _up(base), timeout=60)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _up(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/", timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def _get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.geturl(), r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, url, ""


def test_file_name_with_spaces_and_unicode_is_served_at_its_slug(served_unicode_kb: str) -> None:
    base = served_unicode_kb
    status, _, html = _get(f"{base}/billing-help/my-file-unicde/")
    assert status == 200 and "UNICODE-BODY" in html
    status, final, html = _get(f"{base}/a/my-file-unicde")  # the permalink redirects there
    assert (status, final) == (200, f"{base}/billing-help/my-file-unicde/")
    status, _, other = _get(f"{base}/billing-help/other/")
    hrefs = re.findall(r'<a href="([^"]*)">(one|two)</a>', other)
    assert [h for h, _ in hrefs] == ["../my-file-unicde/", "../my-file-unicde/#top-part"]
    for href, _ in hrefs:
        status, _, html = _get(urllib.parse.urljoin(f"{base}/billing-help/other/", href))
        assert status == 200 and "UNICODE-BODY" in html
