"""`kb build` of the shipped example with real MkDocs: pages, visibility, redirects, increments."""

from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from kb_builder.build import BuildReport, build_site
from kb_core.config import SiteConfig, load_config
from tests.conftest import ROOT, TODAY, git, write

Build = tuple[Path, BuildReport]


def page(build: Path, url: str, tree: str = "public") -> str:
    return (build / tree / url / "index.html").read_text(encoding="utf-8")


def test_every_page_kind_exists(example_build: Build) -> None:
    out, report = example_build
    assert report.public_articles >= 30 and report.internal_articles >= 1
    assert report.drafts_skipped == 1
    for url in [
        "",
        "faq/",
        "contact/",
        "search-results/",
        "billing/",
        "billing/plans/",
        "billing/invoices-and-payments/refunds/",
    ]:
        assert (out / "public" / url / "index.html").is_file(), url
    assert (out / "public" / "404.html").is_file()
    assert (out / "public" / "search" / "search_index.json").is_file()
    assert (out / "index" / "public").is_dir() and (out / "index" / "internal").is_dir()


def test_home_page(example_build: Build) -> None:
    html = page(example_build[0], "")
    assert "data-kb-search" in html and 'name="q"' in html
    assert "Billing" in html and "8 articles" in html  # category card with its count
    assert "Popular articles" in html and "Frequently asked questions" in html
    assert 'href="contact/"' in html
    assert "text-message shift reminders" in html  # announcement banner from the config


def test_article_page(example_build: Build) -> None:
    html = page(example_build[0], "billing/invoices-and-payments/refunds/")
    crumbs = re.search(r'<nav class="kb-crumbs".*?</nav>', html, re.S)
    assert crumbs and "Billing" in crumbs.group(0) and "Invoices and payments" in crumbs.group(0)
    assert "Updated <time" in html
    assert "data-kb-rating" in html and 'data-article-id="refunds"' in html
    assert "Related articles" in html
    assert "Contact support" in html
    sidebar = re.search(r'<nav class="md-nav md-nav--primary kb-sidebar".*?</nav>', html, re.S)
    assert sidebar, "the sidebar shows the page's category"
    assert "Failed payments" in sidebar.group(0)  # same category
    assert "Reset your password" not in sidebar.group(0)  # another category is not listed
    assert 'aria-current="page"' in sidebar.group(0)
    assert '<meta name="description" content="When Tandem refunds a payment' in html


def test_first_build_of_the_example_is_clean(example_build: Build) -> None:
    assert [str(w) for w in example_build[1].warnings] == []


def test_stale_article_says_so(tmp_path: Path) -> None:
    old = "---\ntitle: Old\nsummary: s\nreview_by: 2026-11-21\n---\n\nText.\n"
    write(tmp_path, "c/g/old.md", old)
    write(
        tmp_path,
        "c/g/fresh.md",
        old.replace("Old", "Fresh").replace("2026-11-21", TODAY.isoformat()),
    )
    report = build_site(tmp_path / "c", SiteConfig(), tmp_path / "b", today=TODAY)
    assert [w.code for w in report.warnings] == ["stale"]  # a passed review date stays a warning
    assert "This article may be outdated" in page(tmp_path / "b", "g/old/")
    assert "This article may be outdated" not in page(tmp_path / "b", "g/fresh/")


@pytest.mark.parametrize("contact", [True, False])
def test_the_results_page_offers_the_contact_form_only_when_it_is_on(
    tmp_path: Path, contact: bool
) -> None:
    """Both ways to support under the results ("No luck?" and, for results that answered,
    "Can't find what you need?") lead to the contact page: a portal without one has neither
    (its "No luck?" box linked to a page that was not built)."""
    write(tmp_path, "c/g/guide.md", "---\ntitle: Guide\nsummary: s\n---\n\nText.\n")
    config = SiteConfig.model_validate({"contact": {"enabled": contact}})
    build_site(tmp_path / "c", config, tmp_path / "b", today=TODAY)
    html = page(tmp_path / "b", "search-results/")
    assert ("data-kb-noresults" in html) is contact
    assert ("data-kb-morehelp" in html) is contact
    assert (tmp_path / "b" / "public" / "contact" / "index.html").is_file() is contact


def test_a_broken_link_is_published_as_its_text_and_reported_as_a_warning(
    tmp_path: Path,
) -> None:
    """A broken relative link went live as ``href="failed-payment.md"`` (a 404 on the portal)
    while the build printed it as an "error:" and succeeded. The build goes on, as before, but
    the page shows the link's text without the link, and the build calls it a warning."""
    write(tmp_path, "c/g/failed-payments.md", "---\ntitle: Failed\nsummary: s\n---\n\nText.\n")
    write(
        tmp_path,
        "c/g/pay.md",
        "---\ntitle: Pay\nsummary: s\n---\n\nSee [Failed payments](failed-payment.md) or "
        "[the right one](failed-payments.md), and `[code](failed-payment.md)`.\n",
    )
    report = build_site(tmp_path / "c", SiteConfig(), tmp_path / "b", today=TODAY)
    [broken] = [w for w in report.warnings if w.code == "broken-link"]
    assert broken.severity == "warning" and "failed-payment.md" in broken.message
    html = page(tmp_path / "b", "g/pay/")
    assert 'href="failed-payment.md"' not in html and "See Failed payments or" in html
    assert '<a href="../failed-payments/">the right one</a>' in html
    assert "<code>[code](failed-payment.md)</code>" in html  # code is shown as written


def test_faq_shows_answers_and_its_structured_data_the_same(example_build: Build) -> None:
    html = page(example_build[0], "faq/")
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    )  # type: ignore[union-attr]
    answers = {q["name"]: q["acceptedAnswer"]["text"] for q in data["mainEntity"]}
    money = answers["Can I get my money back?"]
    assert money.startswith("Yes, in these cases: Yearly plans: cancel within 30 days")
    assert "$4 per user per month" in answers["How much does Tandem cost?"]
    assert "$8 per user per month" in answers["How much does Tandem cost?"]
    # without faq_answer: the steps under the heading that matches the question
    assert answers["How do I request time off?"].startswith("In the app, tap Requests")
    for question, text in answers.items():
        assert len(text.split()) >= 8, question
        assert "|" not in text, question  # never a table
    refunds = next(q for q in data["mainEntity"] if q["name"] == "Can I get my money back?")
    assert refunds["acceptedAnswer"]["url"].endswith("/billing/invoices-and-payments/refunds/")
    answer_html = re.search(
        r"<summary>Can I get my money back\?</summary>\s*<div class=\"kb-faq__answer\">(.*?)</div>",
        html,
        re.S,
    ).group(1)  # type: ignore[union-attr]
    assert (
        "<li><strong>Yearly plans:</strong> cancel within <strong>30 days</strong>" in answer_html
    )
    assert "<code>billing@tandem.example</code>" in answer_html


def test_faq_page_has_schema_org_data(example_build: Build) -> None:
    html = page(example_build[0], "faq/")
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    )  # type: ignore[union-attr]
    assert data["@type"] == "FAQPage"
    questions = [q["name"] for q in data["mainEntity"]]
    assert "Can I get my money back?" in questions or any("refund" in q.lower() for q in questions)
    assert html.count('<details class="kb-faq__item">') == len(questions) >= 10


def test_contact_page_uses_config(example_build: Build) -> None:
    html = page(example_build[0], "contact/")
    config, _ = load_config(ROOT / "site_config.yml")
    for f in config.contact.fields:
        assert f'name="{f.name}"' in html and f'for="kb-f-{f.name}"' in html
    assert config.contact.hours.timezone in html
    assert 'name="website"' in html  # the honeypot


def test_404_page_has_search(example_build: Build) -> None:
    html = (example_build[0] / "public" / "404.html").read_text(encoding="utf-8")
    assert "couldn't find that page" in html and "data-kb-search" in html


def test_redirects_for_aliases_and_permalinks(example_build: Build) -> None:
    out = example_build[0]
    alias = page(out, "billing/money-back/")
    assert 'http-equiv="refresh" content="0; url=../invoices-and-payments/refunds/"' in alias
    perm = page(out, "a/refunds/")
    assert 'url=../../billing/invoices-and-payments/refunds/"' in perm
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["redirects"]["billing/money-back/"] == "billing/invoices-and-payments/refunds/"


def test_manifest_shape(example_build: Build) -> None:
    manifest = json.loads((example_build[0] / "manifest.json").read_text())
    refunds = next(a for a in manifest["articles"] if a["id"] == "refunds")
    assert set(refunds) >= {
        "id",
        "title",
        "url",
        "category",
        "category_path",
        "visibility",
        "summary",
        "revision",
        "updated",
        "aliases",
        "faq",
        "tags",
        "keywords",
        "owner",
        "review_by",
        "source",
        "headings",
    }
    assert refunds["category_path"] == ["billing", "invoices-and-payments"]
    assert refunds["revision"] and refunds["visibility"] == "public"
    assert {a["visibility"] for a in manifest["articles"]} == {"public"}


def _internal_strings(out: Path) -> list[str]:
    internal = json.loads((out / "manifest.internal.json").read_text())["articles"]
    assert internal, "the example has internal articles"
    found = ["INTERNAL-ONLY"]
    for a in internal:
        found += [a["title"], a["summary"], f"/{a['url']}"]
        found += [h["title"] for h in a["headings"] if len(h["title"]) > 12]
    return found


def test_no_internal_or_draft_text_in_any_public_output(example_build: Build) -> None:
    out = example_build[0]
    secrets = _internal_strings(out) + [
        "Fill a week automatically with Auto-schedule",
        "Let Tandem draft a week of shifts",
    ]
    public_files = [p for p in (out / "public").rglob("*") if p.is_file()]
    public_files += [out / "manifest.json"]
    public_files += [p for p in (out / "index" / "public").rglob("*") if p.is_file()]
    assert len(public_files) > 50
    for p in public_files:
        data = p.read_bytes()
        for s in secrets:
            assert s.encode() not in data, f"{s!r} leaked into {p}"
    internal_page = next((out / "internal").rglob("index.html"))
    assert internal_page.is_file()
    assert any(b"INTERNAL-ONLY" in p.read_bytes() for p in (out / "internal").rglob("*.html"))


def test_public_index_cannot_find_internal_articles(example_build: Build) -> None:
    from kb_core.search.searcher import Searcher

    out = example_build[0]
    internal = json.loads((out / "manifest.internal.json").read_text())["articles"]
    pub = Searcher(out / "index" / "public")
    agents = Searcher(out / "index" / "internal")
    try:
        for a in internal:
            assert a["id"] not in {h.id for h in pub.search(a["title"], limit=50).results}
            assert a["id"] in {h.id for h in agents.search(a["title"], limit=5).results}
    finally:
        pub.close()
        agents.close()


def test_incremental_build_rerenders_only_what_changed(tmp_path: Path) -> None:
    content = tmp_path / "content"
    for i in range(12):
        write(
            content,
            f"cat{i % 3}/a{i}.md",
            f"---\ntitle: Article {i}\nsummary: s{i}\n---\nText {i}.\n\n## Part\n\nMore.\n",
        )
    config = SiteConfig()
    out = tmp_path / "build"
    first = build_site(content, config, out, today=TODAY)
    assert not first.incremental and first.index == "rebuilt"
    second = build_site(content, config, out, today=TODAY)
    assert second.incremental and second.pages_rebuilt == 0
    write(content, "cat1/a4.md", "---\ntitle: Article 4\nsummary: s4\n---\nNew words here.\n")
    third = build_site(content, config, out, today=TODAY)
    assert third.incremental and third.pages_rebuilt == 1
    assert "New words here." in page(out, "cat1/a4/")
    index = (out / "public" / "search" / "search_index.json").read_text()
    assert "New words here." in index and "Text 7." in index  # unchanged pages kept
    write(content, "cat1/a4.md", "---\ntitle: Renamed title\nsummary: s4\n---\nNew.\n")
    fourth = build_site(content, config, out, today=TODAY)
    assert fourth.pages_rebuilt >= 4  # every page of cat1 shows the new title in its sidebar
    assert "Renamed title" in page(out, "cat1/a1/")
    assert "Renamed title" not in page(out, "cat0/a0/")
    (content / "cat2" / "a5.md").unlink()
    retired = SiteConfig.model_validate({"retired": ["cat2/a5/"]})  # a published URL must be
    build_site(content, retired, out, today=TODAY)  # retired on purpose (or redirected) to go
    assert not (out / "public" / "cat2" / "a5").exists()


def test_git_history_gives_dates_revisions_and_rename_redirects(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo, "content/billing/old-name.md", "---\ntitle: Refunds\nsummary: s\n---\nBody.\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "first")
    git(repo, "mv", "content/billing/old-name.md", "content/billing/refunds.md")
    git(repo, "commit", "-qm", "rename")
    out = tmp_path / "build"
    build_site(repo / "content", SiteConfig(), out, today=TODAY)
    manifest = json.loads((out / "manifest.json").read_text())
    art = manifest["articles"][0]
    assert art["url"] == "billing/refunds/" and art["aliases"] == ["billing/old-name/"]
    assert re.fullmatch(r"[0-9a-f]{12}", art["revision"])
    assert art["updated"] == date.today().isoformat()
    assert 'url=../refunds/"' in page(out, "billing/old-name/")


@pytest.mark.parametrize("bad", ["billing/../../etc/", "../outside/"])
def test_aliases_cannot_escape_the_site(tmp_path: Path, bad: str) -> None:
    write(
        tmp_path / "c", "billing/a.md", f"---\ntitle: A\nsummary: s\naliases: ['{bad}']\n---\nx\n"
    )
    build_site(tmp_path / "c", SiteConfig(), tmp_path / "b", today=TODAY)
    assert not (tmp_path / "etc").exists() and not (tmp_path / "b" / "outside").exists()


def test_two_part_build_equals_one_part_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large KBs render in parts on several cores; the published site must not differ."""
    from kb_builder import build as build_module

    content = tmp_path / "content"
    for i in range(16):
        write(
            content,
            f"cat{i % 4}/a{i}.md",
            f"---\ntitle: Article {i}\nsummary: s{i}\n---\nSee [next](../cat{(i + 1) % 4}/"
            f"a{(i + 1) % 16}.md#part).\n\n## Part\n\nText {i}.\n",
        )
    one = build_site(content, SiteConfig(), tmp_path / "one", today=TODAY, workers=1)
    monkeypatch.setattr(build_module, "SHARD_ABOVE", 1)
    two = build_site(content, SiteConfig(), tmp_path / "two", today=TODAY, workers=2)
    assert (one.public_articles, two.public_articles) == (16, 16)
    assert len(list((tmp_path / "two" / ".work" / "public").glob("part-*"))) == 2

    def files(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()
        }

    a, b = files(tmp_path / "one" / "public"), files(tmp_path / "two" / "public")
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k]] == []
    assert 'href="../../cat2/a2/#part"' in page(tmp_path / "two", "cat1/a1/")


def test_a_build_into_an_empty_folder_publishes_what_one_over_an_old_site_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty site's first build links its pages in without asking first (a speed path):
    the same files, byte for byte, as a build that replaces an old site's, and still hard
    links of the rendered pages, as the incremental builds expect."""
    from kb_builder import build as build_module

    monkeypatch.setattr(build_module, "SHARD_ABOVE", 1)  # two parts, theme files in both
    content = tmp_path / "content"
    _small_kb(content)
    write(content, "cat1/deep/er/a9.md", "---\ntitle: Deep\naliases: [old/deep/]\n---\nText.\n")
    old_site = tmp_path / "old" / "public"
    write(old_site, "index.html", "an old home page")
    write(old_site, "gone/index.html", "a page no longer published")
    for out in ("empty", "old"):
        build_site(content, SiteConfig(), tmp_path / out, today=TODAY, workers=2)

    def files(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()
        }

    empty, old = files(tmp_path / "empty" / "public"), files(tmp_path / "old" / "public")
    assert "gone/index.html" not in old and "old/deep/index.html" in empty
    assert sorted(empty) == sorted(old)
    assert [k for k in empty if empty[k] != old[k]] == []
    work = tmp_path / "empty" / ".work" / "public"
    for rel in ("cat1/deep/er/a9/index.html", "assets/kb/kb.css"):
        published = (tmp_path / "empty" / "public" / rel).stat()
        rendered = [p / "site" / rel for p in work.glob("part-*") if (p / "site" / rel).exists()]
        assert any(os.path.samestat(published, p.stat()) for p in rendered)


def _small_kb(content: Path) -> None:
    for i in range(6):
        write(
            content,
            f"cat{i % 3}/a{i}.md",
            f"---\ntitle: Article {i}\nsummary: s{i}\n---\nText {i}.\n\n## Part\n\nMore.\n",
        )


def _search_ids(out: Path, query: str) -> set[str]:
    from kb_core.search.searcher import Searcher

    searcher = Searcher(out / "index" / "public")
    try:
        return {h.id for h in searcher.search(query, limit=10).results}
    finally:
        searcher.close()


def test_rebuild_redoes_only_what_changed(tmp_path: Path) -> None:
    content, out = tmp_path / "content", tmp_path / "build"
    _small_kb(content)
    build_site(content, SiteConfig(), out, today=TODAY)
    a0 = out / "public" / "cat0" / "a0" / "index.html"
    before = (a0.stat().st_ino, (out / "index" / "public").stat().st_ino)
    again = build_site(content, SiteConfig(), out, today=TODAY)
    assert again.pages_rebuilt == 0
    assert (a0.stat().st_ino, (out / "index" / "public").stat().st_ino) == before
    write(content, "cat1/a4.md", "---\ntitle: Article 4\nsummary: s4\n---\nZanzibar ferry.\n")
    (content / "cat2" / "a5.md").rename(content / "cat2" / "b5.md")
    write(content, "cat2/a6.md", "---\ntitle: Article 6\nsummary: s6\n---\nQuokka.\n")
    retired = SiteConfig.model_validate({"retired": ["cat2/a5/"]})  # renamed outside git
    third = build_site(content, retired, out, today=TODAY)
    assert third.incremental
    assert "Zanzibar ferry." in page(out, "cat1/a4/")
    assert "Quokka." in page(out, "cat2/a6/") and "Text 5." in page(out, "cat2/b5/")
    assert not (out / "public" / "cat2" / "a5").exists()
    assert _search_ids(out, "zanzibar ferry") == {"a4"}
    assert _search_ids(out, "quokka") == {"a6"}
    assert a0.stat().st_ino == before[0]  # the pages that did not change were left alone


def test_one_edit_patches_the_search_index_in_place(tmp_path: Path) -> None:
    """A small change replaces only the changed article in the indexes (public and agents');
    the patched index answers as a fresh one would (tests/test_index_patch.py)."""
    content, out = tmp_path / "content", tmp_path / "build"
    filler = " ".join(f"word{n}" for n in range(60))
    for i in range(80):
        write(content, f"cat{i % 4}/a{i}.md", f"---\ntitle: Article {i}\n---\n{filler} t{i}.\n")
    write(content, "inside/_category.yml", "title: Inside\nvisibility: internal\n")
    write(content, "inside/runbook.md", f"---\ntitle: Runbook\n---\n{filler}.\n")
    build_site(content, SiteConfig(), out, today=TODAY)
    write(content, "cat1/a5.md", f"---\ntitle: Article 5\n---\n{filler} wombat.\n")
    assert build_site(content, SiteConfig(), out, today=TODAY).index == "updated"
    assert build_site(content, SiteConfig(), out, today=TODAY).index == "unchanged"
    for tree in ("public", "internal"):
        state = json.loads((out / "index" / tree / "kb_documents.json").read_text())
        assert state["replaced"] == 1, tree
    assert _search_ids(out, "wombat") == {"a5"}
    assert _search_ids(out, "t5") == set()  # its old text is gone


def test_a_build_with_nothing_to_index_keeps_the_index_statistics(tmp_path: Path) -> None:
    """A build whose index is unchanged (an hourly rebuild) keeps every article's index
    statistics for the build after it, which then works out those of the edited article only.
    They used to be dropped as unused (cpp-docs: 4.5 s to count 9,740 articles again)."""
    import pickle

    content, out = tmp_path / "content", tmp_path / "build"
    _small_kb(content)
    build_site(content, SiteConfig(), out, today=TODAY)
    cache = out / ".work" / "index-stats.cache"
    first = pickle.loads(cache.read_bytes())["entries"]
    assert len(first) == 6
    assert build_site(content, SiteConfig(), out, today=TODAY).index == "unchanged"
    assert pickle.loads(cache.read_bytes())["entries"] == first


def test_damaged_build_cache_is_ignored(tmp_path: Path) -> None:
    content, out = tmp_path / "content", tmp_path / "build"
    _small_kb(content)
    build_site(content, SiteConfig(), out, today=TODAY)
    caches = sorted((out / ".work").glob("*.cache"))
    assert [p.name for p in caches] == [
        "checks.cache",
        "content.cache",
        "docs.cache",
        "index-stats.cache",
        "title-vectors.cache",
    ]
    for p in caches:
        p.write_bytes(b"\x80\x05not a pickle")
    write(content, "cat0/a0.md", "---\ntitle: Article 0\nsummary: s0\n---\nWombat.\n")
    build_site(content, SiteConfig(), out, today=TODAY)
    assert "Wombat." in page(out, "cat0/a0/")
    assert _search_ids(out, "wombat") == {"a0"}


def test_build_works_when_the_cache_cannot_be_written(tmp_path: Path) -> None:
    content, out = tmp_path / "content", tmp_path / "build"
    _small_kb(content)
    (out / ".work" / "docs.cache").mkdir(parents=True)  # a folder where the file would go
    build_site(content, SiteConfig(), out, today=TODAY)
    assert _search_ids(out, "text 4") >= {"a4"}


def test_a_build_forks_nothing_from_a_process_running_the_model(tmp_path: Path) -> None:
    """An in-process build in the test suite hung once, under load: its workers were forked
    from the test process while other threads ran there (the sentence model, loaded by an
    earlier test; the first pool's own threads), and a child forked while another thread holds
    a lock finds it held for ever. They now start from a fork server (kb_builder/workers.py):
    with the model encoding in a thread here all along, this process forks nothing, and the
    build completes, the vectors of its articles and all."""
    import threading

    from kb_core.semantic import Meanings, encoder

    forked: list[int] = []  # the threads alive here at each fork during the build
    watching = threading.Event()

    def before_fork() -> None:
        if watching.is_set():
            forked.append(threading.active_count())

    os.register_at_fork(before=before_fork)  # for good (no way to remove it): idle but here
    model, stop = encoder(), threading.Event()

    def encode() -> None:  # as a server searching beside the build does
        while not stop.wait(0.005):
            model.encode(["still waiting on my new card"])

    busy = threading.Thread(target=encode, name="busy-encoder")
    content, out = tmp_path / "content", tmp_path / "build"
    _small_kb(content)
    busy.start()
    watching.set()
    try:
        build_site(content, SiteConfig(), out, today=TODAY)
    finally:
        watching.clear()
        stop.set()
        busy.join()
    assert forked == []
    vectors = Meanings.load(out / "index" / "public")
    assert vectors is not None and set(vectors.row) == {f"a{i}" for i in range(6)}


def test_pages_render_as_alone_with_one_markdown_instance(tmp_path: Path, monkeypatch: Any) -> None:
    """Rendering reuses one Python-Markdown instance per MkDocs run (kb_builder/render.py):
    every page must come out as it does from an instance of its own, with nothing of the page
    before it (heading ids, tab numbers, reference links, footnote-like stashes)."""
    import contextlib

    import kb_builder.render

    body = (
        "## Set up\n\nSee [the guide][guide] and [the other page](../b/).\n\n"
        '!!! tip "Before you start"\n    Have your **admin** rights.\n\n'
        '=== "Web"\n\n    Open *Settings*.\n\n=== "Mobile"\n\n    Tap `Menu`.\n\n'
        "- [x] done\n- [ ] to do\n\n```python\nprint('hi')\n```\n\n"
        '<div markdown="1">Inside *html*</div>\n\n## Set up\n\nTwice, on purpose.\n'
    )
    for name in "abcd":  # the same headings and tabs on every page; a reference defined once
        defined = "\n[guide]: https://example.com/guide\n" if name == "a" else ""
        text = f"---\ntitle: Page {name}\n---\n\n{body}{defined}"
        write(tmp_path / "content", f"guides/{name}.md", text)
    out = tmp_path / "build"
    build_site(tmp_path / "content", SiteConfig(), out, today=TODAY)  # its workers reuse one
    part = out / ".work" / "public" / "part-0"
    # the same MkDocs run again, here, with an instance per page (into a site of its own: the
    # part's pages are hard-linked into the published site)
    own = tmp_path / "own"
    cfg = yaml.safe_load((part / "mkdocs.yml").read_text(encoding="utf-8"))
    (tmp_path / "own.yml").write_text(yaml.safe_dump({**cfg, "site_dir": str(own)}))
    monkeypatch.setattr(kb_builder.render, "_one_markdown_per_render", contextlib.nullcontext)
    kb_builder.render._mkdocs_build("public", tmp_path / "own.yml", False)
    built = {
        mode: {
            p.relative_to(site).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(site.rglob("*.html"))
        }
        for mode, site in (("reused", part / "site"), ("own", own))
    }
    assert built["reused"].keys() == built["own"].keys() and len(built["own"]) > 4
    for rel, html in built["own"].items():
        assert built["reused"][rel] == html, rel
    page_d = built["own"]["guides/d/index.html"]
    assert 'id="set-up"' in page_d and 'id="set-up_1"' in page_d and "set-up_2" not in page_d
    assert "[the guide][guide]" in page_d  # page a's reference did not carry over
    assert 'href="https://example.com/guide"' in built["own"]["guides/a/index.html"]


def test_an_unchanged_files_raw_html_warnings_come_from_the_cache(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """What the HTML allowlist cuts is worked out when a file is parsed and kept with the parse,
    so a build after one edit does not scan every unchanged article again (it was a quarter of
    the main process's time after one edit on cpp-docs); the warnings are the same."""
    import kb_builder.sanitize

    content, out = tmp_path / "content", tmp_path / "build"
    _small_kb(content)
    write(content, "cat1/odd.md", "---\ntitle: Odd\nsummary: s\n---\nHi <marquee>x</marquee>.\n")
    first = build_site(content, SiteConfig(), out, today=TODAY).problems
    warned = [p for p in first if p.code == "raw-html"]
    assert [(p.path, p.line, p.message) for p in warned] == [
        (str(content / "cat1/odd.md"), 5, "raw HTML removed: <marquee>")
    ]

    def scanned(markdown: str) -> Any:
        raise AssertionError(f"scanned again: {markdown[:30]!r}")

    monkeypatch.setattr(kb_builder.sanitize, "_removals", scanned)
    write(content, "cat0/a0.md", "---\ntitle: Article 0\nsummary: s0\n---\nWombat.\n")
    again = build_site(content, SiteConfig(), out, today=TODAY).problems
    assert [p for p in again if p.code == "raw-html"] == warned


@pytest.mark.parametrize("articles", [0, 3])
def test_a_manifest_reads_back_as_written(tmp_path: Path, articles: int) -> None:
    """``Manifest.write`` puts an article a line into the indented JSON: whatever the texts
    hold (the key it splices at, quotes, line and paragraph separators), the file is JSON that
    reads back as the manifest written."""
    from kb_core.manifest import Manifest, ManifestArticle, ManifestCategory

    hostile = 'He said "articles": null\n\u2028\u2029 </script> \\"'
    made = Manifest(
        built_at="2026-12-07T00:00:00Z",
        site_name=hostile,
        site_url="https://help.example",
        content=hostile,
        articles=tuple(
            ManifestArticle(id=f"a{i}", title=hostile, url=f"a{i}/", summary=hostile)
            for i in range(articles)
        ),
        categories=(ManifestCategory(slug="c", path="c", title=hostile),),
        redirects={'"articles": null': "a0/"},
    )
    path = tmp_path / "manifest.json"
    made.write(path)
    assert json.loads(path.read_text(encoding="utf-8")) == made.to_json()
    assert Manifest.read(path) == made


def test_cached_records_come_back_from_pickle_as_they_were() -> None:
    """The build caches pickle headings, index documents and their statistics as their fields'
    values (``buildcache.plain_pickle``): each comes back equal, of its own class."""
    import pickle

    from kb_builder.articles import Heading
    from kb_builder.index.fields import DocStats, IndexDoc, Section

    section = Section("steps", "Steps", "Open it.", 3)
    records = [
        Heading("steps", "Steps", 2, 7),
        section,
        IndexDoc("a", "A", "a/", "C", "c", "s", "body", "a.md", sections=(section,)),
        DocStats((1, 2), ("open",), ()),
    ]
    back = pickle.loads(pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == records and [type(r) for r in back] == [type(r) for r in records]


# Page URLs and link targets as the sidebar and language switcher meet them, and the odd ones
# MkDocs' function is written for: files, '.', '..', doubled and leading slashes.
URLS = [
    "", "./", ".", "/", "index.html", "faq/", "billing/", "billing/refunds/",
    "billing/refunds/partial-refund/", "billing/refunds/partial-refund/index.html",
    "fr/billing/", "a.b/c/", "a/b.c", "a/./b/", "a/../b/", "../x/", "a//b/", "//a/",
    "a/b/../../../c/", "img/logo.png",
]  # fmt: skip


@pytest.mark.parametrize("other", URLS)
def test_sidebar_links_are_relative_as_mkdocs_makes_them(other: str) -> None:
    from mkdocs.utils import get_relative_url

    from kb_builder.theme.hooks import relative_url

    for url in URLS:
        assert relative_url(url, other) == get_relative_url(url, other), (url, other)
