"""Which language a visitor reads in: the portal page they come from, else their browser's.

A help center in several languages serves the default one at ``/`` and each other under its
code (``/fr/``). A request names its language with ``lang``; else the page it comes from
(``Referer`` on this site) says which portal the visitor is in; a permanent link followed from
elsewhere (an email, a chat) goes by ``Accept-Language``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request

from feedback_api.errors import ApiError
from feedback_api.services import services


def path_language(path: str) -> str | None:
    """The language whose portal holds a site path ('/fr/billing/' -> 'fr'), else None."""
    s = services()
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in s.config.site.codes[1:] else None


def page_language() -> str | None:
    """The language of this site's page the request comes from (its ``Referer``), if any."""
    referer = request.headers.get("Referer", "")
    try:
        parts = urlsplit(referer)
    except ValueError:
        return None
    if not referer or parts.netloc.lower() != request.host.lower():
        return None
    return path_language(parts.path) or services().config.site.language


def chosen_language(lang: str | None) -> str:
    """A request's ``lang``, else its page's, else the default; raises ApiError 400 for a
    language the site does not have."""
    codes = services().config.site.codes
    if lang is not None:
        if lang not in codes:
            known = ", ".join(codes)
            raise ApiError(
                400, f"lang: not a language of this help center ({known}).", field="lang"
            )
        return lang
    return page_language() or codes[0]


def logged_language(lang: str | None = None) -> str | None:
    """The language an event is stored with: ``lang``, else the request's ``?lang=`` (the
    widget names its language on every call), else as :func:`chosen_language` finds it, on a
    site of several languages; None on a site of one. Raises ApiError 400 like it."""
    if len(services().config.site.codes) < 2:
        return None
    return chosen_language(lang if lang is not None else request.args.get("lang"))


def visitor_language() -> str:
    """Where a permanent link should lead: ``?lang=``, the portal the visitor is in, else the
    best of ``Accept-Language`` among the site's languages, else the default."""
    codes = services().config.site.codes
    asked = request.args.get("lang")
    if asked in codes:
        return asked
    from_page = page_language()
    if from_page is not None:
        return from_page
    best = request.accept_languages.best_match(codes)
    if best is None:  # 'fr-CA' in the header for a site in 'fr': its base language
        bases = {c.split("-")[0].lower(): c for c in reversed(codes)}
        for value, _quality in request.accept_languages:
            found = bases.get(value.split("-")[0].lower())
            if found is not None:
                return found
    return best or codes[0]
