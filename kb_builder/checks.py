"""Checks over a loaded knowledge base: every problem at once, each with its file and line.

``kb check`` reports them all; ``kb build`` refuses only on the problems in ``BLOCKS_BUILD``
(an article that cannot be built correctly or safely) and builds with the rest as warnings.
This module runs them all and checks links and ``related:`` ids itself; other concerns' checks
live with them (URLs in :mod:`kb_builder.urls`, images in :mod:`kb_builder.images`, publishing
windows in :mod:`kb_builder.schedule`, the FAQ in :mod:`kb_builder.faq`, ...).
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime
from urllib.parse import unquote

from kb_builder.articles import (
    Article,
    KnowledgeBase,
    category_sources,
    link_source,
    resolve_link,
)
from kb_builder.buildcache import Cache
from kb_builder.checkcache import CheckCache, Lookups, Waiting
from kb_builder.code import prose_lines, unstash
from kb_builder.faq import faq_problems
from kb_builder.gitinfo import History
from kb_builder.images import IMAGE_TYPES, REFUSED_TYPES, image_problem
from kb_builder.languages import link_targets, outdated_translations
from kb_builder.nearest import Near
from kb_builder.published import removed_urls
from kb_builder.references import INLINE_LINK, find_definitions
from kb_builder.sanitize import raw_html_problems
from kb_builder.schedule import Targets, moments, site_path, window_problems
from kb_builder.template import template_problems
from kb_builder.urls import url_problems
from kb_core.config import SiteConfig
from kb_core.errors import Problem, did_you_mean
from kb_core.manifest import Manifest

# Codes that make `kb build` refuse: the output would be wrong or would leak.
BLOCKS_BUILD = frozenset(
    {
        "front-matter",
        "unreadable",
        "duplicate-id",
        "duplicate-url",
        "public-links-internal",
        "category",
        "missing",
        "symlink",
        "removed-url",
        "template-text",  # "First step." is not something to publish
        "translation",  # a translation of no article, or claiming another's id
    }
)

# Other ways a body links: raw HTML, an autolink (and a reference definition). Each
# can carry an internal address into a public page as well as an inline link can.
_OTHER_LINKS = re.compile(
    r"\b(?P<attr>href|src)\s*=\s*(?:\"(?P<dq>[^\"\n]+)\"|'(?P<sq>[^'\n]+)'|(?P<html>[^\"'\s>]+))"
    r"|<(?P<auto>https?://[^>\s]+)>",
    re.IGNORECASE,
)
_IMAGE_SUFFIXES = IMAGE_TYPES + REFUSED_TYPES
_HTML_IMG = re.compile(r"<img\b(?![^>]*\balt\s*=\s*\"[^\"]+\")[^>]*>", re.IGNORECASE)


def _may_link(line: str) -> bool:
    """Whether ``line`` holds what every pattern of :func:`_links` needs (most lines of an
    article hold no link at all)."""
    if "](" in line:
        return True
    lower = line.lower()
    return "href" in lower or "src" in lower or "<http" in lower or "<img" in lower


def _links(article: Article) -> list[tuple[int, bool, str, str]]:
    """(line, is_image, text, target) for every Markdown link outside code, code being what the
    portal's renderer shows as code (:mod:`kb_builder.code`), as the build reads it."""
    at = article.body_line
    defined = find_definitions(article.markdown)
    # a reference definition, as the build points it (at the line of its target)
    found = [(at + d.line, False, "", d.target) for d in defined]
    skip = {n for d in defined for n in d.lines}
    for n, line, spans in prose_lines(article.markdown, _may_link, skip):
        rest = line
        if "](" in rest:
            for m in INLINE_LINK.finditer(rest):
                target = unstash(m.group(3) or m.group(4), spans)
                found.append((at + n, m.group(1) == "!", unstash(m.group(2), spans), target))
            rest = INLINE_LINK.sub("", rest)
        if "=" in rest or "<http" in rest.lower():
            for m in _OTHER_LINKS.finditer(rest):
                is_src = (m.group("attr") or "").lower() == "src"
                target = m.group("dq") or m.group("sq") or m.group("html") or m.group("auto") or ""
                found.append((at + n, is_src, "src" if is_src else "", unstash(target, spans)))
        if "<img" in line.lower() and _HTML_IMG.search(line):
            found.append((at + n, True, "", "<img>"))
    return sorted(found, key=lambda link: link[0]) if defined else found


def check(
    kb: KnowledgeBase,
    config: SiteConfig,
    *,
    today: date | None = None,
    previous_manifest: Manifest | None = None,
    history: History | None = None,
    at: datetime | None = None,
    cache: Cache | None = None,
) -> list[Problem]:
    """Every problem of ``kb``: loading problems first, then the cross-article checks.

    Publishing windows are judged at ``at`` (default: now, or the start of ``today``): an
    expired article is not checked, as a draft is not; one not yet published is, since it will
    go live on its own. With a ``cache`` (its salt must name the configuration), an article's
    checks are taken from the last build's when neither it nor what they looked up changed.
    """
    today, at = moments(today, at)
    problems = list(kb.problems)
    current = [a for a in kb.articles if a.window(at) != "expired"]
    built = [a for a in current if a.visibility != "draft"]
    # a link may name an article ('refunds.md') or one of its translations ('refunds.fr.md')
    by_source = link_targets(kb.articles, kb.translations, config.site.codes[1:])
    by_id: dict[str, list[Article]] = defaultdict(list)
    for a in kb.articles:
        by_id[a.id].append(a)
    problems.extend(url_problems(kb, config, by_id, built))
    hidden = {a.url: a for a in kb.articles if a.visibility != "public"}
    # a file that did not load has its own error: links to it and its id are not broken too
    # ('visibility: Public' is one error, not one more per article linking to it)
    waiting = Waiting(
        sources={
            *kb.unloaded,
            *(f"{s[: -len('.md')]}.{c}.md" for s in kb.unloaded for c in config.site.codes[1:]),
        },
        ids=set(kb.unloaded.values()) - set(by_id),
    )
    near = Near(by_id, (a.source for a in (*kb.articles, *kb.translations)))
    intros = category_sources(kb.categories.values())
    # the categories the public portal shows at ``at``, as the build plans it: those a live
    # public article is in, and the ones above them
    public_categories = _filled(kb.articles, at, "public")
    # and those a portal shows: the agents' portal links to the public site's too
    shown = public_categories | _filled(kb.articles, at, "internal")
    lookups = Lookups(by_source, by_id, hidden, waiting, near, intros, public_categories, shown)
    memo = None if cache is None else CheckCache(cache, lookups)
    targets = Targets((a for a in kb.articles if a.visibility != "draft"), config.site.url)
    # only an article with a window can put a link outside one
    windows = any(t.meta.publish_at or t.meta.expires_at for t in targets.articles)

    def checked(a: Article, shown: bool = True) -> list[Problem]:
        if a.visibility == "draft":
            return []
        if memo is None:
            lookups.noted, lookups.images = set(), []
            out = _article_checks(a, lookups, config)
            images = lookups.images
        else:
            out, images = memo.run(a, lambda a, look: _article_checks(a, look, config))
        for line, target in images:
            found = image_problem(a, line, target, kb.root)
            if found is not None:
                out.append(found)
        if a.meta.review_by and a.meta.review_by < today:
            out.append(
                Problem(
                    a.where,
                    a.line_of("review_by"),
                    "warning",
                    f"review_by {a.meta.review_by.isoformat()} has passed; review it",
                    "stale",
                )
            )
        if windows and shown:
            links = [(line, target) for line, img, _, target in _links(a) if not img]
            out += window_problems(a, links, targets, at)
        return out

    for a in current:
        problems.extend(checked(a))
    # not built (their front matter has an error), but checked: every problem at once, not
    # the broken links below a misspelt key only once the key is fixed
    for a in kb.held:
        if a.window(at) != "expired":
            problems.extend(checked(a, shown=False))
    translations = [t for t in kb.translations if t.window(at) != "expired"]
    for t in translations:
        problems.extend(checked(t))
    if memo is not None:
        memo.report()
    if history is not None:
        problems.extend(outdated_translations(kb, history))
    problems.extend(removed_urls(kb, config, history, previous_manifest, at))
    problems.extend(faq_problems(current, config.site.language))
    for code in config.site.codes[1:]:
        problems.extend(faq_problems([t for t in translations if t.lang == code], code))
    problems.extend(template_problems(current + translations))
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.message))


def _article_checks(a: Article, look: Lookups, config: SiteConfig) -> list[Problem]:
    """The problems of a built article (not a draft) that the rest of the knowledge base can
    change, each lookup noted in ``look`` (:mod:`kb_builder.checkcache`); its image references
    are left in ``look.images``, to check every build."""
    out: list[Problem] = []
    if not a.summary:
        out.append(
            Problem(
                a.where,
                1,
                "warning",
                "no summary: add 'summary:' (one sentence)",
                "missing-summary",
            )
        )
    for rid in a.meta.related:
        rel = look.by_id.get(rid)
        if not rel and rid in look.waiting.ids:
            continue
        if not rel:
            out.append(
                Problem(
                    a.where,
                    a.line_of("related"),
                    "error",
                    f"related: unknown article id '{rid}'{did_you_mean(look.near_id(rid))}",
                    "unknown-related",
                )
            )
        elif a.visibility == "public" and rel[0].visibility != "public":
            out.append(
                Problem(
                    a.where,
                    a.line_of("related"),
                    "error",
                    f"related: '{rid}' is {rel[0].visibility}; a public article cannot point at it",
                    "public-links-internal",
                )
            )
    if not config.content.trust_raw_html:
        out.extend(raw_html_problems(a))
    for line, is_image, text, target in _links(a):
        if a.visibility == "public":
            where = site_path(target, config.site.url)
            found = None if where is None else _absolute_problem(a, line, target, where, look)
            if found is not None:
                out.append(found)
                continue
        if is_image:
            if not text.strip():
                out.append(Problem(a.where, line, "warning", "image without alt text", "image-alt"))
            look.images.append((line, target))
            continue
        if target.lower().partition("?")[0].partition("#")[0].endswith(_IMAGE_SUFFIXES):
            look.images.append((line, target))  # a link to an image: the build publishes it
            continue  # as it does an image
        dest, anchor, relative = resolve_link(a, target, look.by_source)
        if not relative:
            continue
        if dest is None:
            path = unquote(target.partition("#")[0])
            cat = look.intros.get(link_source(a, path))
            if cat is not None:  # a category's intro: the build links to the category's page
                if a.visibility == "public" and cat.path not in look.public_categories:
                    out.append(_unshown_category(a, line, target))
                elif cat.path not in look.shown_categories:
                    out.append(_empty_category(a, line, target))
                continue
            if link_source(a, path) not in look.waiting.sources:
                meant = look.near_link(a.source, path)
                if meant is not None and anchor:
                    meant += f"#{anchor}"
                msg = f"broken link: {target}{did_you_mean(meant)}"
                out.append(Problem(a.where, line, "error", msg, "broken-link"))
            continue
        if a.visibility == "public" and dest.visibility == "internal":
            out.append(
                Problem(
                    a.where,
                    line,
                    "error",
                    f"public article links to internal article: {target}",
                    "public-links-internal",
                )
            )
            continue
        if dest.visibility == "draft":
            out.append(Problem(a.where, line, "error", f"link to a draft: {target}", "broken-link"))
            continue
        if anchor and anchor not in {h.anchor for h in dest.headings}:
            meant = look.near_anchor(dest, anchor)
            hint = did_you_mean(meant, "#") if meant else _its_anchors(dest)
            out.append(
                Problem(
                    a.where,
                    line,
                    "error",
                    f"broken anchor: {target} (no heading '#{anchor}'{hint})",
                    "broken-anchor",
                )
            )
    return out


def _unshown_category(a: Article, line: int, target: str) -> Problem:
    """A warning for a public article's link to a category the public portal has no page for
    (only internal articles fill it): the build publishes the link as its text."""
    msg = (
        f"link to a category with no public article: {target}; the public portal has no page "
        "for it and shows the link's text without the link"
    )
    return Problem(a.where, line, "warning", msg, "link-internal-category")


def _empty_category(a: Article, line: int, target: str) -> Problem:
    """A warning for an internal article's link to a category no portal has a page for (no
    live article is in it): the build publishes the link as its text."""
    msg = (
        f"link to a category with no published article: {target}; no portal has a page for it "
        "and the link shows as its text"
    )
    return Problem(a.where, line, "warning", msg, "link-empty-category")


def _filled(articles: list[Article], at: datetime, visibility: str) -> frozenset[tuple[str, ...]]:
    """The categories a portal shows at ``at``, as the build plans it: those a live article of
    ``visibility`` is in, and the ones above them."""
    filled = {
        a.category_path for a in articles if a.visibility == visibility and a.window(at) == "live"
    }
    return frozenset(p[:i] for p in filled for i in range(1, len(p) + 1))


ANCHORS_LISTED = 6  # a broken anchor's message lists the target's headings up to this many


def _its_anchors(dest: Article) -> str:
    """What a broken anchor could be instead when no heading is a slip of it: "; its
    headings: #pay-by-invoice, #download-an-invoice" (the first ANCHORS_LISTED, then "…")."""
    anchors = [f"#{h.anchor}" for h in dest.headings]
    if not anchors:
        return "; it has no headings"
    more = ", …" if len(anchors) > ANCHORS_LISTED else ""
    return f"; its headings: {', '.join(anchors[:ANCHORS_LISTED])}{more}"


def _absolute_problem(
    a: Article,
    line: int,
    target: str,
    path: str,
    look: Lookups,
) -> Problem | None:
    """A public article's absolute link into the internal portal, to an internal or unknown id
    (not one of ``look.waiting``'s, those of files that did not load)."""
    top, _, rest = path.partition("/")
    if top == "internal":
        msg = f"public article links to the internal portal: {target}"
        return Problem(a.where, line, "error", msg, "public-links-internal")
    if top == "a":
        aid = rest.split("/", 1)[0]
        same_id = look.by_id.get(aid)
        dest = same_id[0] if same_id else None
        if dest is None and aid in look.waiting.ids:
            return None
        if dest is None:
            msg = f"broken link: {target} (no article with id '{aid}')"
            return Problem(a.where, line, "error", msg, "broken-link")
    else:
        dest = look.hidden.get(path)
    if dest is None or dest.visibility == "public":
        return None
    if dest.visibility == "draft":
        return Problem(a.where, line, "error", f"link to a draft: {target}", "broken-link")
    msg = f"public article links to internal article: {target}"
    return Problem(a.where, line, "error", msg, "public-links-internal")
