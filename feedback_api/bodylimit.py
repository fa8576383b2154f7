"""WSGI middleware that gives a chunked request body a length, so the body limit applies to it.

Werkzeug stops reading a body sent without ``Content-Length`` (``Transfer-Encoding: chunked``)
at ``MAX_CONTENT_LENGTH`` and hands the view what it has read, so an oversized chunked body was
cut short and accepted. Buffered here, at most one byte past the limit, it carries a
``Content-Length`` like any other body, and the app refuses it with the same 413.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

_READ = 65536


class ChunkedBodyLimit:
    """Wrap a WSGI app: a chunked body reaches it buffered, with a ``Content-Length``."""

    def __init__(self, app: WSGIApplication, limit: int) -> None:
        self.app = app
        self.limit = limit

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            body = read_at_most(environ["wsgi.input"], self.limit + 1)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            # the body is no longer chunked: werkzeug ignores Content-Length next to "chunked"
            del environ["HTTP_TRANSFER_ENCODING"]
            environ.pop("wsgi.input_terminated", None)
        return self.app(environ, start_response)


def read_at_most(stream: IO[bytes], size: int) -> bytes:
    """Up to ``size`` bytes of ``stream`` (fewer at its end)."""
    parts: list[bytes] = []
    left = size
    while left > 0:
        part = stream.read(min(left, _READ))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)
