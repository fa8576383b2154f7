"""Who is an agent: bearer tokens for the API, a signed session cookie for the internal portal.

Tokens live in ``site_config.yml`` (``api.agent_tokens``) only as SHA-256 hashes, read once when
the app starts: a token removed from the config stops working at the next start, and so does
every session signed in with it (the session carries a fingerprint of the token's hash, checked
against the config on each request). A presented token is hashed and compared with every
configured hash through ``hmac.compare_digest``, never ``==``.

The session is Flask's signed cookie (any instance that shares ``KB_SECRET_KEY`` accepts it),
scoped to ``/internal/``, HttpOnly, SameSite=Strict, and Secure on https
(``api.agent_cookie_secure``); its signature expires after ``api.agent_session_hours``. It
carries a random session id: signing out records that id in the store (``revocations``), so the
old cookie stops working at once on every instance.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import posixpath
import re
import secrets
from collections.abc import Callable, Sequence
from datetime import timedelta
from urllib.parse import quote, unquote, urlsplit

from flask import Flask, Request, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from feedback_api.errors import ApiError
from kb_core.config import AgentToken, ApiSettings

log = logging.getLogger(__name__)

SCOPE = "internal"
INTERNAL_ROOT = "/internal/"
LOGIN_PATH = "/internal/login"
LOGOUT_PATH = "/internal/logout"
COOKIE_NAME = "kb_agent"
MAX_TOKEN_CHARS = 512
_SESSION_SALT = "kb-agent-session"
_BEARER = re.compile(r"^\s*Bearer\s+(\S+)\s*$", re.IGNORECASE)
_PROXY_SCHEME = re.compile(r"^\s*(?:Basic|Digest|Negotiate|NTLM)(?:\s|$)", re.IGNORECASE)
_SID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def token_digest(token: str) -> str:
    """The hex SHA-256 of a token, as ``api.agent_tokens[].sha256`` stores it."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def match_token(token: str, tokens: Sequence[AgentToken], scope: str = SCOPE) -> AgentToken | None:
    """The configured token ``token`` is (with ``scope``), or None.

    Every configured hash is compared, each with ``hmac.compare_digest``, so neither the
    position of a match nor a common prefix changes how long the answer takes.
    """
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    digest = token_digest(token)
    found: AgentToken | None = None
    for candidate in tokens:
        if hmac.compare_digest(digest, candidate.sha256) and found is None:
            found = candidate
    return found if found is not None and scope in found.scopes else None


def bearer_agent(tokens: Sequence[AgentToken]) -> AgentToken | None:
    """The agent whose token is in this request's ``Authorization: Bearer`` header, or None
    when the request has no ``Authorization`` header, or a proxy's sign-in (``Basic``,
    ``Digest``, ``Negotiate``, ``NTLM``) in front of the help center.

    Any other header that is not an accepted bearer token (mistyped, revoked, cut off, or
    another scheme such as ``Token …``) raises a 401 in the one error shape (RFC 6750's
    ``invalid_token``): answering it as a visitor would hide from an integrator that its
    agents are getting public articles only.
    """
    header = request.headers.get("Authorization", "")
    if not header.strip() or _PROXY_SCHEME.match(header):
        return None
    m = _BEARER.match(header)
    agent = match_token(m.group(1), tokens) if m else None
    if agent is None:
        raise ApiError(
            401,
            "That agent token was not accepted; send it as 'Authorization: Bearer TOKEN' and "
            "check api.agent_tokens in site_config.yml.",
            headers={"WWW-Authenticate": 'Bearer realm="kb-internal", error="invalid_token"'},
        )
    return agent


def fingerprint(token: AgentToken) -> str:
    """What a session stores to name its token: derived from the hash, useless as a token."""
    return hashlib.sha256(f"{_SESSION_SALT}\0{token.sha256}".encode()).hexdigest()[:32]


def session_id() -> str | None:
    """The id of this request's agent session, or None (no session, or one from before ids)."""
    sid = session.get("sid")
    return sid if isinstance(sid, str) and _SID.match(sid) else None


def session_agent(
    tokens: Sequence[AgentToken], revoked: Callable[[str], bool]
) -> AgentToken | None:
    """The agent signed in on this request's session, if its token is still configured.

    ``revoked(sid)`` (the store) is asked last, so only a cookie that is otherwise valid costs a
    lookup; a session without an id is refused, as a signed-out one is.
    """
    name, mark, sid = session.get("agent"), session.get("fp"), session_id()
    if not isinstance(name, str) or not isinstance(mark, str) or not mark.isascii() or not sid:
        return None
    found: AgentToken | None = None
    for candidate in tokens:
        if hmac.compare_digest(mark, fingerprint(candidate)) and candidate.name == name:
            found = candidate
    if found is None or SCOPE not in found.scopes or revoked(sid):
        return None
    return found


def sign_in(token: AgentToken) -> None:
    """Start an agent session for ``token``: a fresh cookie and id, lasting the configured hours."""
    session.clear()
    session["agent"] = token.name
    session["fp"] = fingerprint(token)
    session["sid"] = secrets.token_urlsafe(24)
    session.permanent = True


def sign_out() -> str | None:
    """Clear the session cookie; return the id the store must revoke (None when there is none)."""
    sid = session_id()
    session.clear()
    return sid


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a local /internal/ path only, never another host."""
    if not value or len(value) > 2000 or any(ord(ch) < 32 or ch == "\\" for ch in value):
        return INTERNAL_ROOT
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.fragment:
        return INTERNAL_ROOT
    path = unquote(parts.path)
    if "\\" in path or any(ord(ch) < 32 for ch in path) or path.startswith("//"):
        return INTERNAL_ROOT
    normal = posixpath.normpath(path) + ("/" if path.endswith("/") else "")
    if not normal.startswith(INTERNAL_ROOT) or normal.rstrip("/") in (LOGIN_PATH, LOGOUT_PATH):
        return INTERNAL_ROOT
    target = quote(normal, safe="/-._~")
    query = parts.query if parts.query and all(ord(ch) >= 32 for ch in parts.query) else ""
    return f"{target}?{query}" if query else target


class AgentSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, signed with SHA-256, Secure per ``agent_cookie_secure``."""

    salt = _SESSION_SALT
    digest_method = staticmethod(hashlib.sha256)

    def __init__(self, secure: str) -> None:
        self.secure = secure

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()  # nearly every request: skip building a serializer
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        if self.secure == "auto":
            return request.is_secure
        return self.secure == "always"


def install_sessions(app: Flask, api: ApiSettings) -> None:
    """Configure the agent session cookie; the key comes from SECRET_KEY or KB_SECRET_KEY."""
    key = app.config.get("SECRET_KEY") or os.environ.get("KB_SECRET_KEY")
    if not key:
        key = secrets.token_hex(32)
        if api.agent_tokens:
            log.warning(
                "KB_SECRET_KEY is not set: agent sign-ins last until this process restarts "
                "and are not shared with other instances"
            )
    elif len(str(key)) < 32:
        log.warning("KB_SECRET_KEY is shorter than 32 characters; use a long random value")
    app.config.update(
        SECRET_KEY=key,
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_PATH=INTERNAL_ROOT,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_REFRESH_EACH_REQUEST=False,  # a sign-in lasts its hours, however busy
        PERMANENT_SESSION_LIFETIME=timedelta(hours=api.agent_session_hours),
    )
    app.session_interface = AgentSessionInterface(api.agent_cookie_secure)
