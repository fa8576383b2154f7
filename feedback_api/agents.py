"""Agents blueprint: reply-ready links over the API, and the internal portal behind a sign-in.

``GET /api/articles?q=`` ranks with the same ``Searcher`` as ``/api/search`` and ``kb link``
(``kb_core.link`` makes the snippets, ``kb_core.quote`` the cited answer card when the search
gives one); ``GET /api/articles/<id>`` describes one article.
Internal articles exist for these only with a valid ``Authorization: Bearer`` agent token:
without one they are answered exactly like unknown ids (404), so their ids do not leak. Agent
lookups are not logged as customer searches (they would pollute ``kb gaps``).

``/internal/...`` serves ``build/internal`` to signed-in agents only (``agent_auth``); anything
else there redirects to ``/internal/login`` before a byte of the tree is read. Sign-in attempts
are rate limited per visitor (``api.login_rate_limit``, 429 with Retry-After).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, jsonify, request, send_file
from flask.blueprints import BlueprintSetupState
from pydantic import BaseModel, ConfigDict, Field
from werkzeug.routing import PathConverter

from feedback_api import agent_auth
from feedback_api.agent_login import login_page
from feedback_api.catalog import BuildWatch, SiteCatalog, redirect_key
from feedback_api.errors import INDEX_UNAVAILABLE, ApiError
from feedback_api.languages import chosen_language
from feedback_api.portal import index_file, locate
from feedback_api.schemas import LANG, Words, parse_args
from feedback_api.security import WORKER_CSP, cached_page_csp, is_search_worker
from feedback_api.services import Services, services
from kb_core.config import AgentToken
from kb_core.errors import IndexUnavailable
from kb_core.link import Articles, detail
from kb_core.manifest import INTERNAL, PUBLIC, manifest_name
from kb_core.quote import render_reply, reply_dict, search_reply
from kb_core.search.searcher import Searcher
from kb_store import revocations

log = logging.getLogger(__name__)

bp = Blueprint("agents", __name__)


class InternalPath(PathConverter):
    """A path of the internal tree other than the sign-in and sign-out addresses.

    ``/internal/logout`` is POST only: with the catch-all matching it too, a GET there was a
    page lookup and ``OPTIONS`` advertised GET.
    """

    regex = r"(?!log(?:in|out)/?$)[^/].*?"


# before the routes below: a rule finds its converter when it is added
@bp.record_once
def _converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters["internal_path"] = InternalPath


_NOT_FOUND = "There is nothing at this address."  # the same sentence as any unknown address
_MIMETYPES = {"md": "text/markdown", "html": "text/html", "text": "text/plain"}
_FALLBACK_404 = "<!doctype html><title>Page not found</title><h1>Page not found</h1>"


class ArticlesParams(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    q: Words = Field(max_length=200, description="What the agent is looking for.")
    limit: int = Field(5, ge=1, le=50, description="Most results to return.")
    format: Literal["json", "md", "html", "text"] = Field("json", description="Answer format.")
    lang: str | None = Field(None, max_length=12, pattern=LANG, description="A site language.")


class AgentBuild(BuildWatch):
    """The agents' view of a build: both manifests and the internal index (public + internal).

    Created like ``BuildState``; its articles and redirects are read by ``reload()``.
    """

    STAMPS = (PUBLIC, INTERNAL)
    INDEX = "internal"
    _articles = Articles()
    _redirects: Mapping[str, str] = {}
    language_synonyms: Mapping[str, Sequence[Sequence[str]]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._languages: dict[str, tuple[tuple[int | None, ...], Articles]] = {}
        self._language_searchers: dict[str, Searcher] = {}
        super().__init__(*args, **kwargs)

    @property
    def internal_dir(self) -> Path:
        return self.build_dir / "internal"

    def reload(self) -> None:
        self._articles = Articles.load(self.build_dir, internal=True)
        self._redirects = SiteCatalog.load(self.build_dir / INTERNAL).redirects
        log.info("agents: %d internal articles", len(self._articles.internal))

    def articles(self) -> Articles:
        self.refresh()
        return self._articles

    def language(self, lang: str) -> tuple[Articles, Searcher]:
        """Another language's articles (its manifests, read again when they change) and its
        agents' index; raises IndexUnavailable while that index cannot be opened."""
        paths = [self.build_dir / manifest_name(n, lang) for n in (PUBLIC, INTERNAL)]
        stamp = tuple(p.stat().st_mtime_ns if p.exists() else None for p in paths)
        with self._lock:
            cached = self._languages.get(lang)
            if cached is None or cached[0] != stamp:
                cached = (stamp, Articles.load(self.build_dir, internal=True, lang=lang))
                self._languages[lang] = cached
            searcher = self._language_searchers.get(lang)
            if searcher is None:
                searcher = Searcher(
                    self.build_dir / "index" / lang / "internal",
                    synonyms=self.language_synonyms.get(lang, ()),
                    typo_tolerance=self._typo_tolerance,
                )
                self._language_searchers[lang] = searcher
        return cached[1], searcher

    def close(self) -> None:
        super().close()
        with self._lock:
            for searcher in self._language_searchers.values():
                searcher.close()
            self._language_searchers.clear()

    def redirects(self) -> Mapping[str, str]:
        """Old internal paths (aliases, renames) and their current internal path."""
        self.refresh()
        return self._redirects


def agent_build() -> AgentBuild:
    found: AgentBuild = current_app.extensions["kb_agents"]
    return found


def _tokens() -> tuple[AgentToken, ...]:
    return services().config.api.agent_tokens


def signed_in() -> AgentToken | None:
    """The agent of this request's session, unless it was signed out (on any instance)."""
    store = services().store
    return agent_auth.session_agent(_tokens(), lambda sid: revocations.is_revoked(store, sid))


# --- the agent API --------------------------------------------------------------------------


@bp.get("/api/articles")
def articles() -> Response:
    """Reply-ready links for a query, and the cited answer card when the search gives one;
    internal articles (and cards from them) only with a valid agent token."""
    params = parse_args(ArticlesParams)
    s = services()
    agent = agent_auth.bearer_agent(s.config.api.agent_tokens)
    state = agent_build()
    lang = chosen_language(params.lang)
    try:
        if lang == s.config.site.language:
            known = state.articles()
            searcher = state.searcher() if agent is not None else s.build.searcher()
        else:  # another language's index; untranslated articles in the default language
            known, agents_searcher = state.language(lang)
            searcher = agents_searcher if agent is not None else s.build.searcher_for(lang)
        reply = search_reply(
            searcher,
            params.q,
            site_url=s.config.site.url,
            articles=known.all() if agent is not None else known.public,
            limit=params.limit,
            public_only=agent is None,
            prefix=known.prefix,
            language=lang,
            contact_form=s.config.contact.enabled,
        )
    except IndexUnavailable:
        log.warning("agent search while the index is unavailable")
        raise ApiError(503, INDEX_UNAVAILABLE) from None
    if params.format == "json":
        # kb link --format json's body (kb_core.quote.reply_dict), and whether it holds
        # internal articles
        said = reply_dict(reply, params.q)
        response = jsonify({"query": said.pop("query"), "internal": agent is not None, **said})
    else:
        body = render_reply(reply, params.format)
        response = Response(body, mimetype=_MIMETYPES[params.format])
    response.vary.add("Authorization")
    return response


@bp.get("/api/articles/<path:article_id>")
def article(article_id: str) -> Response:
    """One article: metadata, permanent URL, headings with anchors, plain-text excerpt."""
    s = services()
    agent = agent_auth.bearer_agent(s.config.api.agent_tokens)
    lang = chosen_language(request.args.get("lang"))
    if lang == s.config.site.language:
        known = agent_build().articles()
    else:
        try:
            known = agent_build().language(lang)[0]
        except IndexUnavailable:  # its articles are known without its index
            known = Articles.load(agent_build().build_dir, internal=True, lang=lang)
    found = known.public.get(article_id)
    if found is None and agent is not None:
        found = known.internal.get(article_id)
    if found is None:
        raise ApiError(404, _NOT_FOUND)
    build_dir = agent_build().build_dir
    response = jsonify(detail(build_dir, found, s.config.site.url, known.prefix))
    response.vary.add("Authorization")
    return response


# --- the internal portal --------------------------------------------------------------------


def _redirect(location: str, status: int = 301) -> Response:
    response = Response(status=status)
    response.headers["Location"] = location
    return response


def _to_login() -> Response:
    here = request.path + (
        "?" + request.query_string.decode("latin-1") if request.query_string else ""
    )
    return _redirect(f"{agent_auth.LOGIN_PATH}?next={quote(here, safe='/')}", 302)


def _send(path: Path) -> Response:
    if path.suffix == ".html":
        stat = path.stat()
        response = send_file(path, mimetype="text/html", max_age=0)
        response.headers["Content-Security-Policy"] = cached_page_csp(
            str(path), stat.st_mtime_ns, stat.st_size
        )
        response.headers["Cache-Control"] = "private, no-cache"
        return response
    response = send_file(path, max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    if is_search_worker(path):  # French internal search imports lunr's French stemmer
        response.headers["Content-Security-Policy"] = WORKER_CSP
    return response


def _internal_404() -> Response:
    page = agent_build().internal_dir / "404.html"
    try:
        stat = page.stat()
        body = page.read_bytes()
    except OSError:
        return Response(_FALLBACK_404, status=404, mimetype="text/html")
    response = Response(body, status=404, mimetype="text/html")
    response.headers["Content-Security-Policy"] = cached_page_csp(
        str(page), stat.st_mtime_ns, stat.st_size
    )
    return response


@bp.after_app_request  # every /internal/ answer, whichever blueprint gives it
def _private(response: Response) -> Response:
    if request.path.startswith(agent_auth.INTERNAL_ROOT):
        response.headers.setdefault("Cache-Control", "private, no-store")
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        response.headers["Referrer-Policy"] = "same-origin"
        response.vary.add("Cookie")
    return response


@bp.get(agent_auth.LOGIN_PATH)
def login_form() -> Response:
    """The sign-in form; a signed-in agent goes straight on to ``next``."""
    agent = signed_in()
    wanted = request.args.get("next")
    if agent is not None and wanted:
        return _redirect(agent_auth.safe_next(wanted), 303)
    return login_page(services().config.site.name, agent_auth.safe_next(wanted), agent=agent)


@bp.post(agent_auth.LOGIN_PATH)
def login() -> Response:
    """Check the token, start a session and go on to ``next`` (a local /internal/ path)."""
    token = request.form.get("token", "").strip()
    target = agent_auth.safe_next(request.form.get("next"))
    agent = agent_auth.match_token(token, _tokens())
    if agent is None:
        log.info("agent sign-in refused")
        response = login_page(
            services().config.site.name, target, error="That token was not accepted.", status=401
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="kb-internal"'
        return response
    agent_auth.sign_in(agent)
    log.info("agent %r signed in", agent.name)
    return _redirect(target, 303)


@bp.post(agent_auth.LOGOUT_PATH)
def logout() -> Response:
    """End the agent session: its id is revoked in the store, so every instance refuses it."""
    sid = agent_auth.sign_out()
    if sid is not None:
        revocations.revoke(services().store, sid, current_app.permanent_session_lifetime)
        log.info("agent session signed out")
    return _redirect(agent_auth.LOGIN_PATH, 303)


@bp.get("/internal/a/<path:article_id>")
def internal_permalink(article_id: str) -> Response:
    """A permanent link to an internal article: 301 to its current internal address."""
    if signed_in() is None:
        return _to_login()
    known = agent_build().articles()
    query = "?" + request.query_string.decode("latin-1") if request.query_string else ""
    key = article_id.strip("/")
    if key in known.internal:
        return _redirect(agent_auth.INTERNAL_ROOT + known.internal[key].url + query)
    if key in known.public:
        return _redirect("/" + known.public[key].url + query)
    return _internal_404()


@bp.get(agent_auth.INTERNAL_ROOT, defaults={"path": ""})
@bp.get("/internal/<internal_path:path>")
def internal_page(path: str) -> Response:
    """A file of ``build/internal`` for a signed-in agent; everyone else goes to the sign-in."""
    if signed_in() is None:
        return _to_login()
    root = agent_build().internal_dir
    target, is_dir = locate(root, path)
    if target is not None and is_dir:
        if path and not request.path.endswith("/"):
            return _redirect(agent_auth.INTERNAL_ROOT + path.strip("/") + "/")
        target = index_file(target)
    if target is not None:
        return _send(target)
    moved = agent_build().redirects().get(redirect_key(path))
    if moved is not None:
        return _redirect("/internal" + moved)
    return _internal_404()


def init_app(app: Flask, s: Services) -> None:
    """Register the blueprint, the agent session and the sign-in rate limit."""
    agent_auth.install_sessions(app, s.config.api)
    state = AgentBuild(
        s.build.build_dir,
        synonyms=s.config.synonyms_for(),
        typo_tolerance=s.config.search.typo_tolerance,
    )
    state.language_synonyms = {c: s.config.synonyms_for(c) for c in s.config.site.codes}
    app.extensions["kb_agents"] = state
    app.register_blueprint(bp)
    s.limiter.add("agents.login", s.config.api.login_rate_limit)


def close(app: Flask) -> None:
    """Close the agents' searcher (tests, clean exits)."""
    state: AgentBuild | None = app.extensions.get("kb_agents")
    if state is not None:
        state.close()
