"""Publishing windows in the build: which articles are out of theirs, and what changes next.

``build`` runs the checks over every article, then :func:`withhold` takes those outside their
window out of the knowledge base, so no page, nav entry, FAQ item, index, manifest or redirect
is ever made from them. A link to one is shown as its text (:func:`unlink_withheld`), because a
static site cannot link to a page that appears only later. Imports neither mkdocs nor Flask.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time
from urllib.parse import unquote, urlsplit

from kb_builder.articles import Article, KnowledgeBase, resolve_link
from kb_builder.code import outside_code
from kb_builder.references import unlink_references
from kb_core.config import SiteConfig
from kb_core.errors import Problem
from kb_core.schedule import Change, banner_events, next_change, show

# an inline link, not an image: [text](target "title")
_INLINE = re.compile(r"(?<!!)\[([^\]\n]*)\]\(\s*(?:<([^>\n]+)>|([^)\s>]+))(?:\s+\"[^\"]*\")?\s*\)")


def moments(today: date | None, at: datetime | None) -> tuple[date, datetime]:
    """(the day staleness is judged on, the moment windows are judged at).

    Given one, the other follows from it (``today`` alone means its start, in UTC); given
    neither, they are now.
    """
    if at is not None:
        return today or at.date(), at
    if today is not None:
        return today, datetime.combine(today, time(0), UTC)
    return date.today(), datetime.now(UTC)


def withhold(kb: KnowledgeBase, at: datetime) -> None:
    """Move every article outside its publishing window at ``at`` to ``kb.withheld``."""
    kb.withheld = [a for a in kb.articles if a.window(at) != "live"]
    if kb.withheld:
        kb.articles = [a for a in kb.articles if a.window(at) == "live"]


def upcoming(
    articles: Iterable[Article], config: SiteConfig, at: datetime, levels: Iterable[str]
) -> Change | None:
    """The next moment after ``at`` when an article of ``levels`` or a banner comes or goes."""
    wanted = set(levels)
    events: list[tuple[datetime | None, str]] = []
    for a in articles:
        if a.visibility in wanted:
            events += [(a.meta.publish_at, f"{a.id} publishes")]
            events += [(a.meta.expires_at, f"{a.id} expires")]
    events += banner_events("site.announcement", config.site.announcement)
    events += banner_events("contact.incident", config.contact.incident)
    return next_change(events, at)


def site_path(target: str, site_url: str) -> str | None:
    """The portal path an absolute link points at ('a/x/'), or None when it leaves the site."""
    if target.startswith("<img"):
        return None
    try:
        parts, site = urlsplit(target), urlsplit(site_url)
    except ValueError:
        return None
    base = site.path.rstrip("/")
    if parts.scheme or parts.netloc:
        if parts.scheme.lower() not in ("", "http", "https"):
            return None
        if parts.netloc.lower() != site.netloc.lower():
            return None
    elif not target.startswith("/"):
        return None
    # '..' and doubled slashes are resolved as a browser would, so '/a/../internal/' is seen
    path = posixpath.normpath("/" + unquote(parts.path).lstrip("/"))
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base) :]
    return path.strip("/") + "/" if path.strip("/") else ""


class Targets:
    """Finds the article a link points at: a relative ``.md`` file, ``/a/<id>`` or its URL."""

    def __init__(self, articles: Iterable[Article], site_url: str) -> None:
        self.articles = list(articles)
        self.by_source = {a.source: a for a in self.articles}
        self.by_id = {a.id: a for a in self.articles}
        self.by_url = {a.url: a for a in self.articles}
        self.site_url = site_url

    def find(self, article: Article, target: str) -> Article | None:
        dest, _, relative = resolve_link(article, target, self.by_source)
        if relative:
            return dest
        path = site_path(target, self.site_url)
        if path is None:
            return None
        top, _, rest = path.partition("/")
        if top == "a":
            return self.by_id.get(rest.split("/", 1)[0])
        return self.by_url.get(path)


def window_problems(
    a: Article, links: Iterable[tuple[int, str]], targets: Targets, at: datetime
) -> list[Problem]:
    """A warning for each of ``a``'s ``links`` (line, target; no image) or ``related:`` ids
    that points outside the target's window.

    Judged at the moment ``a`` is first shown (now, or its own ``publish_at``): the portal then
    shows such a link's text without the link (:func:`unlink_withheld`) and leaves the
    related article out, so a page never links to a 404; the writer is told here.
    """
    shown_from = max(at, a.meta.publish_at or at)
    found = [(line, target, targets.find(a, target), False) for line, target in links]
    found += [(a.line_of("related"), i, targets.by_id.get(i), True) for i in a.meta.related]
    out: list[Problem] = []
    for line, target, dest, is_related in found:
        if dest is None or dest is a or (a.visibility == "public" != dest.visibility):
            continue  # a public article's link to an internal one is an error of its own
        window = dest.window(shown_from)
        if window == "live":
            continue
        start, end = dest.meta.publish_at, dest.meta.expires_at
        if window == "pending" and start is not None:
            code, why = "link-unpublished", f"is not published yet (it publishes {show(start)})"
        elif end is not None and dest.window(at) == "expired":
            code, why = "link-expired", f"expired {show(end)}"
        elif end is not None:
            code, why = "link-expired", f"expires {show(end)}, before this article publishes"
        else:
            continue
        if is_related:
            msg = f"related: '{target}' {why}; it is left out of the related articles"
        elif code == "link-unpublished":
            msg = (
                f"link to an article that {why}: {target}; until then the portal shows the "
                "link's text without the link"
            )
        else:
            msg = (
                f"link to an article that {why}: {target}; the portal shows the link's text "
                "without the link: remove the link or point it at a current article"
            )
        out.append(Problem(a.where, line, "warning", msg, code))
    return out


def unlink_withheld(article: Article, markdown: str, withheld: Targets) -> str:
    """``markdown`` with each link to a withheld article replaced by the link's text."""
    if not withheld.articles:
        return markdown
    return unlink(markdown, lambda target: withheld.find(article, target) is not None)


def unlink(markdown: str, dropped: Callable[[str], bool]) -> str:
    """``markdown`` with each inline or reference-style link whose target is ``dropped``
    replaced by its text (outside code): the portal never shows a link that leads nowhere."""
    markdown = unlink_references(markdown, dropped)
    if "](" not in markdown:
        return markdown

    def repl(m: re.Match[str]) -> str:
        return m.group(1) if dropped(m.group(2) or m.group(3)) else m.group(0)

    return outside_code(markdown, lambda text: _INLINE.sub(repl, text), lambda line: "](" in line)
