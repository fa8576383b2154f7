"""Closing the loop of ``kb gaps``: draft stubs for a gap, and whether its searches now work.

``--stub`` writes a draft article (``visibility: draft``, so ``kb build`` skips it) listing the
searches it must answer, with a marker comment that lets later reports find it. Each report
then runs the listed searches against the current public index: once the writer publishes
the article and rebuilds, the report says which searches now find it.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from kb_core.config import SiteConfig
from kb_reports.gaps.articles import PublishedArticles
from kb_reports.gaps.model import FailedGroup, LoopCheck, StubStatus, counted

if TYPE_CHECKING:
    from kb_core.search.searcher import Searcher

log = logging.getLogger(__name__)

MARKER = "kb-gaps-stub"
_MARKER = re.compile(r"<!--\s*" + MARKER + r"\s+(\{.*?\})\s*-->", re.DOTALL)
HEAD_BYTES = 8192  # how much of each content file is read to find a stub marker
LOOP_QUERIES = 3  # searches re-run per group: the most searched ones
_SLUG = re.compile(r"[^a-z0-9]+")


class LoopChecker:
    """Runs searches against the current public index of a language's portal, when there is
    one: the default language's opened first, another language's when a group of it asks."""

    def __init__(
        self,
        searcher: Searcher | None,
        note: str = "",
        *,
        build_dir: Path | None = None,
        config: SiteConfig | None = None,
    ) -> None:
        self.searcher = searcher
        self.note = note
        self._build_dir = build_dir
        self._config = config
        self._default = config.site.language if config is not None else ""
        self._others: dict[str, Searcher | None] = {}
        self._lacking: dict[str, frozenset[str]] = {}  # language -> untranslated ids
        self.notes: list[str] = []  # languages whose index is missing, one note each

    @classmethod
    def open(cls, build_dir: Path, config: SiteConfig) -> LoopChecker:
        """Open ``build_dir/index/public``; a missing index gives a checker that only notes it."""
        searcher, note = _open(Path(build_dir) / "index" / "public", config, None)
        return cls(searcher, note, build_dir=Path(build_dir), config=config)

    @property
    def available(self) -> bool:
        return self.searcher is not None

    def searcher_for(self, language: str | None) -> Searcher | None:
        """The public index of ``language``'s portal (``index/<code>/public``, opened once,
        with that language's synonyms); the default language's for None or the default."""
        if not language or language == self._default or self._config is None:
            return self.searcher
        if language not in self._others:
            where = Path(self._build_dir or ".") / "index" / language / "public"
            searcher, note = _open(where, self._config, language)
            if note:
                self.notes.append(note)
            self._others[language] = searcher
        return self._others[language]

    def can_search(self, language: str | None) -> bool:
        """Whether the public index of ``language``'s portal could be opened."""
        return self.searcher_for(language) is not None

    def check(
        self,
        queries: Sequence[str],
        *,
        article_id: str | None = None,
        language: str | None = None,
    ) -> LoopCheck:
        """How many of the first queries are answered now (or find ``article_id``) in the
        index of ``language``'s portal: results below the confidence threshold are "not an
        exact match", not found, and a search asking for a person is answered only by an
        article about reaching one, as the portal judges it (``kb_core.search.outcome``)."""
        from kb_core.search.outcome import search_outcome

        searcher = self.searcher_for(language)
        if searcher is None:
            return LoopCheck(0, 0)
        found, top, top_id = 0, "", ""
        shown = list(dict.fromkeys(q for q in queries if q.strip()))[:LOOP_QUERIES]
        for i, q in enumerate(shown):
            resp = searcher.search(q, limit=5)
            ids = [h.id for h in resp.results]
            read_in = language or self._default or "en"
            answered = search_outcome(q, resp, language=read_in).answered
            if (article_id in ids) if article_id else answered:
                found += 1
            if i == 0 and resp.results and (article_id or answered):
                top, top_id = resp.results[0].title, resp.results[0].id
        return LoopCheck(len(shown), found, top, top_id)

    def shown(self, query: str, language: str | None = None) -> tuple[str | None, str | None]:
        """The id of the first result search shows for ``query`` in ``language``'s portal,
        and the words it searched instead when it corrected a typo (None, None without that
        language's index)."""
        searcher = self.searcher_for(language)
        if searcher is None:
            return None, None
        resp = searcher.search(query, limit=1)
        top = resp.results[0].id if resp.results else None
        return top, (resp.did_you_mean if resp.corrected else None)

    def suggested(self, query: str, language: str | None = None, limit: int = 3) -> list[str]:
        """The ids of the articles search shows first for ``query`` in ``language``'s portal,
        confident or not: the contact form's suggestions for a subject (none without that
        language's index)."""
        searcher = self.searcher_for(language)
        if searcher is None:
            return []
        return [h.id for h in searcher.search(query, limit=limit).results]

    def answer(self, query: str, language: str | None = None) -> str | None:
        """The id of the article search shows first for ``query`` in ``language``'s portal
        when it counts as an answer (what the contact form suggests first for a subject);
        None when search is not confident, or without that language's index."""
        searcher = self.searcher_for(language)
        if searcher is None:
            return None
        resp = searcher.search(query, limit=1)
        return resp.results[0].id if resp.answered and resp.results else None

    def in_default(self, queries: Sequence[str], language: str | None) -> str | None:
        """The id of the article the default language's search answers most of ``queries``
        (the first LOOP_QUERIES) with, each time confidently, when ``language``'s portal shows
        that article untranslated; else None. Its searchers then need a translation, not a
        new article: what they asked for is written, in the default language."""
        if self.searcher is None or not language or language == self._default:
            return None
        untranslated = self._untranslated(language)
        asked = list(dict.fromkeys(q for q in queries if q.strip()))[:LOOP_QUERIES]
        votes: Counter[str] = Counter()
        for q in asked:
            resp = self.searcher.search(q, limit=1)
            if resp.answered and resp.results and resp.results[0].id in untranslated:
                top = resp.results[0].id
                # a foreign word 'corrected' into a default-language one ('facture' ->
                # 'feature') is no answer: the words as typed must find the article too
                if resp.corrected and top not in self._as_typed(q):
                    continue
                votes[top] += 1
        best = votes.most_common(1)
        return best[0][0] if best and 2 * best[0][1] >= len(asked) else None

    def untranslated_top(self, query: str, language: str | None) -> str | None:
        """The id of the article ``language``'s own portal answers ``query`` with, confidently
        and as typed, when it shows that article untranslated; else None."""
        if not language or language == self._default:
            return None
        searcher = self.searcher_for(language)
        if searcher is None:
            return None
        resp = searcher.search(query, limit=1)
        top = resp.results[0].id if resp.results else None
        if not resp.answered or resp.corrected or top not in self._untranslated(language):
            return None
        return top

    def _as_typed(self, query: str) -> set[str]:
        """The ids the default language's search finds for ``query``'s words as typed."""
        assert self.searcher is not None
        return {h.id for h in self.searcher.search(query, limit=5, typos=False).results}

    def _untranslated(self, language: str) -> frozenset[str]:
        """The articles ``language``'s portal shows in another language (its manifest says
        each one's text language); none when that portal has no manifest."""
        if language not in self._lacking:
            from kb_core.manifest import PUBLIC, manifest_name, read_manifest

            found = read_manifest(Path(self._build_dir or ".") / manifest_name(PUBLIC, language))
            articles = found.articles if found is not None else ()
            self._lacking[language] = frozenset(
                a.id for a in articles if a.language and a.language != language
            )
        return self._lacking[language]

    def close(self) -> None:
        for searcher in (self.searcher, *self._others.values()):
            if searcher is not None:
                searcher.close()
        self._others.clear()


def _open(where: Path, config: SiteConfig, language: str | None) -> tuple[Searcher | None, str]:
    """A searcher of the index at ``where`` with ``language``'s synonyms; else None and a note
    saying the 'now found' check is skipped (for that language's groups, when one is named)."""
    from kb_core.errors import IndexUnavailable
    from kb_core.search.searcher import Searcher

    try:
        searcher = Searcher(
            where,
            synonyms=config.synonyms_for(language),
            typo_tolerance=config.search.typo_tolerance,
        )
    except IndexUnavailable as exc:
        which = f" for the {language} groups" if language else ""
        return None, f"{exc}; the 'now found' check{which} is skipped"
    return searcher, ""


# -- stubs ------------------------------------------------------------------------------------


def find_stubs(content_dir: Path, catalog: PublishedArticles) -> list[StubStatus]:
    """Drafts written by ``--stub`` under ``content_dir``, with whether each is published."""
    out: list[StubStatus] = []
    root = Path(content_dir)
    if not root.is_dir():
        return out
    for path in sorted(root.rglob("*.md")):
        try:
            with path.open(encoding="utf-8") as f:
                text = f.read(HEAD_BYTES)  # the marker follows the front matter
        except (OSError, UnicodeDecodeError):
            continue
        if MARKER not in text:
            continue
        m = _MARKER.search(text)
        if m is None:
            continue
        try:
            data = json.loads(m.group(1))
        except ValueError:
            log.warning("%s: unreadable %s marker", path, MARKER)
            continue
        article_id = str(data.get("id", ""))
        published = article_id in catalog.articles
        title = catalog.articles[article_id].title if published else str(data.get("title", ""))
        out.append(
            StubStatus(
                path=path.relative_to(root).as_posix(),
                article_id=article_id,
                title=title,
                group=str(data.get("group", "")),
                queries=[str(q) for q in data.get("queries") or ()],
                published=published,
                loop=None,
            )
        )
    return out


def slug(text: str) -> str:
    """A file and id slug: lower case, ASCII letters and digits joined by '-'."""
    return _SLUG.sub("-", text.lower()).strip("-")[:60] or "new-article"


def _yaml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def stub_text(group: FailedGroup, title: str, article_id: str, today: date) -> str:
    """The Markdown of a draft that answers a failed-search group."""
    queries = [q for q, _ in group.queries][:10]
    marker = json.dumps(
        {
            "group": group.key,
            "id": article_id,
            "title": title,
            "queries": queries,
            "created": today.isoformat(),
        },
        ensure_ascii=False,
    ).replace("--", "- -")  # '--' would end the HTML comment early
    keywords = ", ".join(_yaml_str(q) for q in queries[:5] if q != title.lower())
    lines = [
        "---",
        f"title: {_yaml_str(title)}",
        "summary: One sentence saying what the reader will be able to do.",
        f"id: {article_id}",
        "visibility: draft",
        f"keywords: [{keywords}]",
        'owner: ""',
        f"review_by: {(today + timedelta(days=365)).isoformat()}",
        "---",
        "",
        f"<!-- {MARKER} {marker} -->",
        "",
        "> **Draft from `kb gaps --stub`.** Readers searched for the words below and found",
        "> nothing. Answer them here, set `visibility: public`, delete this note and rebuild;",
        "> the next `kb gaps` report shows whether these searches find this article.",
        "",
        "## Searches this article must answer",
        "",
    ]
    for q, n in group.queries[:10]:
        lines.append(f"- `{q.replace('`', '')}` ({n} search{'es' if n != 1 else ''})")
    extra = [e for e in group.examples if e.lower() not in {q for q, _ in group.queries}]
    if extra:
        lines += ["", "As typed: " + "; ".join(f"`{e.replace('`', '')}`" for e in extra[:5])]
    lines += [
        "",
        f"{counted(group.searches, 'failed search')} by {counted(group.visitors, 'visitor')} "
        "between "
        f"{group.first_seen.date().isoformat()} and "
        f"{(group.last_seen or group.first_seen).date().isoformat()}"
        f"{f'; {group.contacted} then contacted support' if group.contacted else ''}.",
        "",
        "## Answer",
        "",
        "Start with the answer in one or two sentences.",
        "",
    ]
    return "\n".join(lines)


def write_stub(
    group: FailedGroup,
    content_dir: Path,
    catalog: PublishedArticles,
    today: date | None = None,
    default: str | None = None,
    drafts: Sequence[StubStatus] = (),
) -> list[Path]:
    """Write a draft for ``group`` where its topic belongs (:mod:`kb_reports.gaps.folders`);
    return the paths written, the draft last. Raises FileExistsError rather than overwrite.

    A group searched in another language than ``default`` (the site's) gets its draft as a
    translation, ``<id>.<language>.md``, beside a draft of the article in the default
    language that every translation needs (``<id>.md``, asking for it to be written), or
    beside the one already drafted (``drafts``: its group, of the default language's portal,
    asks for the same article).
    """
    from kb_reports.gaps.folders import draft_folder

    today = today or date.today()
    title = group.action.title if group.action and group.action.title else group.label
    title = title[:1].upper() + title[1:]
    article_id = slug(title)
    if article_id in catalog.articles:
        article_id = f"{article_id}-{slug(group.key)}"[:100]
    language = group.language if default and group.language not in (None, default) else None
    drafted = next((d for d in drafts if language and d.article_id == article_id), None)
    folder = Path(drafted.path).parent if drafted else draft_folder(group, content_dir, catalog)
    original = Path(content_dir) / folder / f"{article_id}.md"
    target = original.with_name(f"{article_id}.{language}.md") if language else original
    for path in {target} if drafted else {original, target}:
        if path.exists():
            raise FileExistsError(f"{path} already exists; not overwriting it")
    target.parent.mkdir(parents=True, exist_ok=True)
    category = target.parent / "_category.yml"
    if folder == Path("drafts") and not category.exists():
        category.write_text("title: Drafts\ndescription: Articles being written.\n", "utf-8")
    written = []
    if language and not drafted:
        with original.open("x", encoding="utf-8") as f:
            f.write(_original_text(title, article_id, target.name))
        written.append(original)
    with target.open("x", encoding="utf-8") as f:  # 'x': never overwrite, even in a race
        f.write(stub_text(group, title, article_id, today))
    return [*written, target]


def _original_text(title: str, article_id: str, translation: str) -> str:
    """The draft of the default language's article a translation stub needs."""
    return "\n".join(
        [
            "---",
            f"title: {_yaml_str(title)}",
            "summary: One sentence saying what the reader will be able to do.",
            f"id: {article_id}",
            "visibility: draft",
            "---",
            "",
            f"> **Draft from `kb gaps --stub`**, for its translation `{translation}`: every",
            "> article is written in the site's default language first, and a page of another",
            "> language falls back on it. Write it in that language (title included), set",
            "> `visibility: public` here and in the translation, delete this note and rebuild.",
            "",
        ]
    )
