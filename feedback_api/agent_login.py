"""The internal portal's sign-in page: one small self-contained HTML page, no external assets.

Its only style is inline and allowed by hash in a strict CSP (no scripts at all).
"""

from __future__ import annotations

import base64
import hashlib
import html
import logging

from flask import Response

from feedback_api.agent_auth import LOGIN_PATH, LOGOUT_PATH
from kb_core.config import AgentToken

log = logging.getLogger(__name__)

_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;color:#1b1b1b;background:#f6f7f9;margin:0}"
    "main{max-width:26rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:8px;"
    "box-shadow:0 1px 4px rgba(0,0,0,.12)}"
    "h1{font-size:1.4rem;margin-top:0}label{display:block;font-weight:600;margin:1rem 0 .3rem}"
    "input{width:100%;box-sizing:border-box;padding:.55rem;font:inherit;border:1px solid #888;"
    "border-radius:4px}"
    "button{margin-top:1rem;padding:.55rem 1.2rem;font:inherit;border:0;border-radius:4px;"
    "background:#00695c;color:#fff;cursor:pointer}"
    "button:focus-visible,input:focus-visible{outline:3px solid #ffb300;outline-offset:2px}"
    ".error{color:#b00020;font-weight:600}.muted{color:#555;font-size:.9rem}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
CSP = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def login_page(
    site_name: str,
    next_path: str,
    *,
    error: str | None = None,
    agent: AgentToken | None = None,
    status: int = 200,
) -> Response:
    """The sign-in form (or, for a signed-in agent, who they are and a sign-out button)."""
    site = html.escape(site_name)
    if agent is not None:
        name = html.escape(agent.name)
        body = (
            f"<h1>Signed in</h1><p>You are signed in to the internal {site} as "
            f'<strong>{name}</strong>.</p><p><a href="/internal/">Open the internal '
            f'knowledge base</a></p><form method="post" action="{LOGOUT_PATH}">'
            '<button type="submit">Sign out</button></form>'
        )
    else:
        alert = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
        body = (
            f"<h1>Agent sign-in</h1><p>The internal {site} is for the support team. "
            f"Sign in with your agent token.</p>{alert}"
            f'<form method="post" action="{LOGIN_PATH}">'
            '<label for="token">Agent token</label>'
            '<input id="token" name="token" type="password" autocomplete="current-password" '
            'required maxlength="512" autofocus>'
            f'<input type="hidden" name="next" value="{html.escape(next_path)}">'
            '<button type="submit">Sign in</button></form>'
            '<p class="muted"><a href="/">Back to the public help center</a></p>'
        )
    response = Response(_document(f"Agent sign-in · {site_name}", body), status=status)
    response.mimetype = "text/html"
    response.headers["Content-Security-Policy"] = CSP
    return response
