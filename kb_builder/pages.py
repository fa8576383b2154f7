"""Plan the MkDocs docs tree of one portal (public or internal) from the loaded content.

Every generated page is a Markdown file whose front matter carries what the theme templates
need (``kb_kind`` and friends); site-wide data (categories, FAQ, contact settings) goes to one
JSON file that the theme hook reads. Nothing here imports mkdocs.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal
from urllib.parse import unquote

from kb_builder.articles import (
    Article,
    Category,
    KnowledgeBase,
    category_sources,
    link_source,
    resolve_link,
)
from kb_builder.code import outside_code
from kb_builder.faq import faq_answer
from kb_builder.images import publish_images
from kb_builder.portals import Portal, language_names, portal, view_targets
from kb_builder.references import point_definitions
from kb_builder.schedule import Targets, unlink, unlink_withheld
from kb_core.config import SiteConfig
from kb_core.schedule import banner_text

Tree = Literal["public", "internal"]
INTERNAL_API = "/internal/api"
SIDEBAR_LIMIT = 60
# a destination in <...> may hold spaces: [x](<my file.md>)
_LINK = re.compile(r"(\]\(\s*)(<[^>\n]+\.md(?:#[^>\n]*)?>|[^)\s>]+\.md(?:#[^)\s>]*)?)([^)]*\))")


@dataclass
class TreePlan:
    tree: Tree
    files: dict[str, str]  # docs-relative path -> Markdown text
    data: dict[str, Any]  # site-wide data for the theme hook
    articles: list[Article]
    fingerprint: str  # changes when every page must be rebuilt
    # the content images its pages show: path in the portal -> the file (kb_builder.images)
    images: dict[str, str] = field(default_factory=dict)


def _fm(meta: dict[str, Any], body: str) -> str:
    # JSON is YAML, and json.dumps is twenty times faster than yaml.safe_dump.
    return f"---\n{json.dumps(meta, ensure_ascii=False, default=str)}\n---\n\n{body}\n"


def _digest(obj: Any) -> str:
    return hashlib.sha1(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:12]


def _section_key(path: tuple[str, ...]) -> str:
    return "/".join(path)


def _category_chain(kb: KnowledgeBase, path: tuple[str, ...]) -> list[Category]:
    return [kb.categories[path[:i]] for i in range(1, len(path) + 1) if path[:i] in kb.categories]


def _article_ref(a: Article) -> dict[str, str]:
    return {"id": a.id, "title": a.title, "url": a.url, "summary": a.summary}


def plan_tree(
    kb: KnowledgeBase,
    config: SiteConfig,
    tree: Tree,
    today: date,
    at: datetime | None = None,
    where: Portal | None = None,
) -> TreePlan:
    """Decide every page of the ``tree`` portal and the data its templates read.

    Banners show as they are at ``at`` (default: now); ``kb.withheld`` articles get no page,
    and links to them show their text only. ``where`` is the portal's language (default: the
    site's default language); ``kb`` is then that language's view of the content
    (:func:`kb_builder.portals.language_view`).
    """
    at = at or datetime.now(UTC)
    where = where or portal(config, config.site.language)
    t = where.strings
    levels = ("public",) if tree == "public" else ("internal",)
    articles = sorted(
        (a for a in kb.articles if a.visibility in levels), key=lambda a: (a.url, a.title.lower())
    )
    by_source = view_targets(kb.articles, config.site.codes[1:])
    by_id = {a.id: a for a in kb.articles}
    in_section: dict[tuple[str, ...], list[Article]] = defaultdict(list)
    for a in articles:
        in_section[a.category_path].append(a)
    # a category is shown when it (or a section below it) holds an article of this tree
    shown = {p for path in in_section for p in (path[:i] for i in range(1, len(path) + 1))}
    cats = sorted(
        (c for c in kb.categories.values() if c.path in shown),
        key=lambda c: (c.order, c.title.lower()),
    )

    def count(path: tuple[str, ...]) -> int:
        return sum(len(v) for k, v in in_section.items() if k[: len(path)] == path)

    sections: dict[str, Any] = {}
    for c in cats:
        children = [s for s in cats if s.path[:-1] == c.path]
        sections[_section_key(c.path)] = {
            "title": c.title,
            "url": c.url,
            "path": _section_key(c.path),
            "parent": _section_key(c.path[:-1]),
            "count": count(c.path),
            "articles": [_article_ref(a) for a in in_section[c.path]],
            "children": [_section_key(s.path) for s in children],
        }
    root_articles = [_article_ref(a) for a in in_section[()]]
    top = [c for c in cats if len(c.path) == 1]
    featured = [by_id[i] for i in config.site.featured if i in by_id and by_id[i] in articles]
    if not featured:
        featured = [a for a in articles if a.meta.faq][:6] or articles[:6]
    faq_groups: list[dict[str, Any]] = []

    # the categories this portal shows, by each path a link may give their intros
    intros = category_sources(cats)

    def faq_item(a: Article) -> dict[str, Any]:
        answer = faq_answer(a, by_source, a.lang or where.lang, intros)
        return {
            "q": a.meta.faq,
            "answer_html": answer.html,  # sanitised in faq.py
            "text": answer.text,
            "url": a.url,
            "title": a.title,
        }

    for c in top:
        items = [faq_item(a) for a in articles if a.meta.faq and a.category_path[:1] == c.path]
        if items:
            faq_groups.append({"title": c.title, "url": c.url, "items": items})
    general = [faq_item(a) for a in in_section[()] if a.meta.faq]
    if general:
        faq_groups.append({"title": t["faq.general"], "url": "", "items": general})
    contact, reasons = config.localized(where.lang)
    incident = banner_text(config.contact.incident, at)
    contact["incident"] = config.site_text("contact.incident", incident, where.lang)
    site = config.site.model_dump(mode="json", exclude={"languages"})
    announcement = banner_text(config.site.announcement, at)
    site["announcement"] = config.site_text("site.announcement", announcement, where.lang)
    site["description"] = config.site_text("site.description", site["description"], where.lang)
    data: dict[str, Any] = {
        "tree": tree,
        "site": site,
        # the internal portal is only ever served by the app, whose agents' search endpoints
        # sit under /internal/ with the session's cookie (feedback_api.internal_search)
        "api_base": config.api.base_path if tree == "public" else INTERNAL_API,
        "ratings": {**config.ratings.model_dump(mode="json"), "reasons": reasons},
        "contact": contact,
        "lang": where.lang,
        "default_lang": where.default,
        "prefix": where.prefix,
        # the language switcher, on every page when there is more than one language
        "languages": [{"code": c, "label": label, "prefix": p} for c, label, p in where.languages]
        if len(where.languages) > 1
        else [],
        "t": dict(t),
        "js_strings": {k[3:]: v for k, v in t.items() if k.startswith("js.")},  # kb.js
        "names": language_names(where.lang, where.default),  # for the notices
        # the articles not written in every language: their hreflang links (the sitemaps')
        "written_in": {
            a.url: list(where.published_in[a.id])
            for a in articles
            if len(where.published_in.get(a.id, ())) not in (0, len(where.languages))
        },
        "categories": [
            {
                "title": c.title,
                "url": c.url,
                "description": c.description,
                "icon": c.icon,
                "count": count(c.path),
                "sections": sections[_section_key(c.path)]["children"],
            }
            for c in top
        ],
        "sections": sections,
        "root_articles": root_articles,
        "featured": [_article_ref(a) for a in featured],
        "faq": faq_groups,
        "total": len(articles),
    }
    if tree == "public" and faq_groups:
        data["faq_jsonld"] = {
            "@context": "https://schema.org",
            "@type": "FAQPage",
            "mainEntity": [
                {
                    "@type": "Question",
                    "name": q["q"],
                    "acceptedAnswer": {
                        "@type": "Answer",
                        "text": q["text"],
                        "url": f"{config.site.url}/{q['url']}",
                    },
                }
                for g in faq_groups
                for q in g["items"]
            ],
        }
    data_digest = _digest(data)
    # an article's menu shows its own category opened out and every other one by title
    menu = [[c["title"], c["url"]] for c in data["categories"]]
    nav_digest = {key: _digest([s, menu]) for key, s in sections.items()}
    files: dict[str, str] = {}
    images: dict[str, str] = {}
    home_meta = {
        "title": config.site.name,
        "kb_kind": "home",
        "kb_data": data_digest,
        "hide": ["navigation", "toc"],
        "description": site["description"],
    }
    files["index.md"] = _fm(home_meta, "")
    if tree == "public":
        files["faq.md"] = _fm(
            {
                "title": t["faq.title"],
                "kb_kind": "faq",
                "kb_data": data_digest,
                "hide": ["navigation"],
            },
            "",
        )
        if config.contact.enabled:
            files["contact.md"] = _fm(
                {
                    "title": t["contact.title"],
                    "kb_kind": "contact",
                    "kb_data": data_digest,
                    "hide": ["navigation"],
                },
                "",
            )
    files["search-results.md"] = _fm(  # both portals: where a search box's Enter leads
        {
            "title": t["search.results_title"],
            "kb_kind": "results",
            "kb_data": data_digest,
            "hide": ["navigation", "toc"],
        },
        "",
    )
    for c in cats:
        meta: dict[str, Any] = {
            "title": c.title,
            "kb_kind": "category",
            "kb_section": _section_key(c.path),
            "kb_data": data_digest,
            "description": c.description,
            "kb_crumbs": [
                {"title": x.title, "url": x.url} for x in _category_chain(kb, c.path)[:-1]
            ],
        }
        intro = publish_images(c.intro, f"{c.folder}/index.md", c.url, kb.root, images)
        files[f"{_section_key(c.path)}/index.md"] = _fm(meta, intro)
    site_url = config.site.url
    withheld = Targets(kb.withheld, site_url)
    # only the categories this portal shows (intros): a public article's link to a category
    # only internal articles fill is published as its text, as one to an internal article is
    # in the agents' portal, one only public articles fill is on the public site, as they are
    public_cats: dict[str, Category] = {}
    if tree == "internal":
        filled = {a.category_path for a in kb.articles if a.visibility == "public"}
        on_public = {p[:i] for p in filled for i in range(1, len(p) + 1)} - shown
        public_cats = category_sources(c for c in kb.categories.values() if c.path in on_public)
    for a in articles:
        chain = _category_chain(kb, a.category_path)
        # in another language's portal, by_id gives each article as that portal shows it
        related = [by_id[r] for r in a.related if r in by_id]
        related = [r for r in related if r.visibility == "public" or tree == "internal"]
        stale = bool(a.meta.review_by and a.meta.review_by < today)
        meta = {
            "title": a.title,
            "description": a.summary,
            "kb_kind": "article",
            "kb_id": a.id,
            "kb_revision": a.revision,
            "kb_visibility": a.visibility,
            "kb_updated": a.updated.isoformat() if a.updated else None,
            "kb_stale": stale,
            "kb_owner": a.meta.owner if tree == "internal" else None,
            "kb_section": _section_key(a.category_path),
            "kb_nav": nav_digest.get(_section_key(a.category_path[:1]), ""),
            "kb_crumbs": [{"title": c.title, "url": c.url} for c in chain],
            "kb_related": [_article_ref(r) for r in related],
            "tags": list(a.meta.tags),
        }
        if len(where.languages) > 1:
            meta["kb_lang"] = a.lang  # the language of its text: the default's in a fallback
            meta["kb_fallback"] = a.fallback
            meta["kb_outdated"] = a.outdated
        markdown = unlink_withheld(a, a.markdown, withheld)
        markdown = _unlink_broken(a, markdown, by_source, {**public_cats, **intros})
        public_url = f"{site_url}/{where.prefix}".rstrip("/")
        body = _resolve_links(a, markdown, by_source, tree, public_url, intros, public_cats)
        body = publish_images(body, a.source, a.url, kb.root, images)
        # the page's file is named by its URL, not its source: MkDocs writes the folder it is
        # given, and 'My file ✓.md' must land where every link points ('my-file/')
        files[a.url.rstrip("/") + ".md"] = _fm(meta, body)
    # retiring a URL changes no page: it must not re-render them all
    settings = config.model_dump(mode="json", exclude={"retired"})
    # a banner in its window is on every page: its coming and going re-renders them all
    banners = [site["announcement"], contact["incident"]]
    fingerprint = _digest(
        {"tree": tree, "lang": where.lang, "config": settings, "banners": banners}
    )
    return TreePlan(tree, files, data, articles, fingerprint, images)


def _unlink_broken(
    article: Article, markdown: str, by_source: dict[str, Article], categories: dict[str, Category]
) -> str:
    """``markdown`` with each relative link (inline or by reference) to a Markdown file that is
    no article or category of this portal, or is a draft, shown as its text. `kb check` reports
    it as an error ("broken link", "link to a draft"); a build goes on with it as a warning, and
    published ``href="failed-payment.md"``: a 404."""
    if ".md" not in markdown:
        return markdown

    def broken(target: str) -> bool:
        target = target.removeprefix("<").removesuffix(">")
        dest, _, relative = resolve_link(article, target, by_source)
        if dest is not None or not relative:
            return dest is not None and relative and dest.visibility == "draft"
        path = link_source(article, unquote(target.partition("#")[0]))
        return path not in categories

    return unlink(markdown, broken)


def _resolve_links(
    article: Article,
    markdown: str,
    by_source: dict[str, Article],
    tree: Tree,
    site_url: str,
    categories: dict[str, Category],
    public_categories: dict[str, Category] | None = None,
) -> str:
    """Turn relative ``.md`` links (inline, and reference definitions) into the URLs they will
    have.

    Pages then link by URL, so a portal can be rendered in parts; in the internal portal, links
    to public articles, and to ``public_categories`` (categories only the public portal shows),
    point at the public site. Code is left as written.
    """

    def point(target: str) -> str | None:
        """The URL for ``target`` (an article's or a category's), or None to leave it."""
        dest, anchor, relative = resolve_link(article, target, by_source)
        suffix = f"#{anchor}" if anchor else ""
        if dest is None:
            path = unquote(target.partition("#")[0])
            if not relative:
                return None
            source = link_source(article, path)
            cat = categories.get(source)
            if cat is not None:
                return relative_url(article.url, cat.url) + suffix
            cat = (public_categories or {}).get(source)
            return None if cat is None else f"{site_url}/{cat.url}{suffix}"
        if dest.visibility == "public" and tree == "internal":
            return f"{site_url}/{dest.url}{suffix}"
        if dest.visibility != article.visibility:
            return None  # reported by the checks; never turned into a working link
        return relative_url(article.url, dest.url) + suffix

    def repl(m: re.Match[str]) -> str:
        url = point(m.group(2).removeprefix("<").removesuffix(">"))
        return m.group(0) if url is None else m.group(1) + url + m.group(3)

    def defined(target: str) -> str | None:
        # what an inline link's pattern takes for a link to a Markdown file
        return point(target) if target.partition("#")[0].endswith(".md") else None

    if ".md" not in markdown:
        return markdown
    markdown = point_definitions(markdown, defined)
    return outside_code(markdown, lambda text: _LINK.sub(repl, text), lambda line: ".md" in line)


def relative_url(from_url: str, to_url: str) -> str:
    """Link from one directory-style site URL to another, e.g. 'a/b/' -> 'c/' is '../../c/'."""
    if "/." in "/" + from_url or "/." in "/" + to_url:  # '.' or '..' in a path: normalise it
        rel = posixpath.relpath("/" + to_url, "/" + from_url)
    else:  # what relpath gives, without its normalising (the build's own URLs need none)
        here = [part for part in from_url.split("/") if part]
        there = [part for part in to_url.split("/") if part]
        same = 0
        for a, b in zip(here, there, strict=False):
            if a != b:
                break
            same += 1
        rel = "/".join([".."] * (len(here) - same) + there[same:]) or "."
    if rel == ".":
        return "./"
    return rel + ("/" if to_url.endswith("/") and not rel.endswith("/") else "")
