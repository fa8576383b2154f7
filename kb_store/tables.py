"""The live schema of the feedback store, the records it hands out, and its log rows.

Table definitions here describe the current schema (what ``migrations.LATEST`` produces); the
migrations keep their own frozen copies. Readers such as ``kb gaps`` may import these tables
to query the store; every statement the API itself runs lives in ``store.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)
_MIGRATION_LOCK = 7_245_001  # pg_advisory_xact_lock key, any constant unique to this app
metadata = sa.MetaData()
SOURCE_WIDGET = "widget"


def _origin() -> tuple[sa.Column[str], sa.Column[str], sa.Column[str]]:
    # Where an event came from: 'widget' (the embeddable widget) or null (the portal), the
    # host page (origin and path) the widget was on, and the language of the portal (null on
    # a site of one language, and before migration 7).
    return (
        sa.Column("source", sa.String(16)),
        sa.Column("host", sa.String(500)),
        sa.Column("language", sa.String(12)),
    )


schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", _TS, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
)
visitor_salts = sa.Table(
    "visitor_salts",
    metadata,
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("salt", sa.String(64), nullable=False),
    sa.Column("created_at", _TS, nullable=False),
)
searches = sa.Table(
    "searches",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("ts", _TS, nullable=False),
    sa.Column("query", sa.String(200), nullable=False),
    sa.Column("raw_query", sa.String(200), nullable=False),
    sa.Column("hits", sa.Integer, nullable=False),
    sa.Column("category", sa.String(100)),
    sa.Column("visitor", sa.String(16), nullable=False),
    sa.Column("corrected", sa.Boolean, nullable=False),
    # False when nothing was found or no result reached the confidence threshold: a gap.
    sa.Column("answered", sa.Boolean, nullable=False),
    # True when it asked for a person (kb_core.search.person) and the portal offered the
    # contact form first: neither answered by an article nor a gap (answered is False).
    sa.Column("contact", sa.Boolean, nullable=False),
    *_origin(),
)
# The contact form's deflection trail: 'started' (first keystroke), 'opened' (a suggested
# article, ``article_id``), 'sent' (the request was stored); same daily visitor hash as searches.
contact_events = sa.Table(
    "contact_events",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("ts", _TS, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("article_id", sa.String(200)),
    sa.Column("visitor", sa.String(16), nullable=False),
    *_origin(),
)
CONTACT_EVENT_KINDS = ("started", "opened", "sent")
clicks = sa.Table(
    "clicks",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("ts", _TS, nullable=False),
    sa.Column("query", sa.String(200), nullable=False),
    sa.Column("article_id", sa.String(200), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("visitor", sa.String(16), nullable=False),
    *_origin(),
)
article_views = sa.Table(
    "article_views",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("ts", _TS, nullable=False),
    sa.Column("article_id", sa.String(200), nullable=False),
    sa.Column("src", sa.String(32), nullable=False),
    sa.Column("visitor", sa.String(16), nullable=False),
    sa.Column("language", sa.String(12)),
)
ratings = sa.Table(
    "ratings",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("updated_at", _TS, nullable=False),
    sa.Column("article_id", sa.String(200), nullable=False),
    sa.Column("revision", sa.String(64), nullable=False),
    sa.Column("value", sa.SmallInteger, nullable=False),
    sa.Column("scale", sa.String(8), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("visitor", sa.String(16), nullable=False),
    *_origin(),
)
contact_requests = sa.Table(
    "contact_requests",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("reference", sa.String(16), nullable=False, unique=True),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("visitor", sa.String(16), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("topic", sa.String(100), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("fields", sa.JSON, nullable=False),
    sa.Column("context", sa.JSON, nullable=False),
    *_origin(),
)
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("request_id", _ID, sa.ForeignKey("contact_requests.id"), nullable=False),
    sa.Column("reference", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", _TS, nullable=False),
    sa.Column("claimed_by", sa.String(64)),
    sa.Column("claim_token", sa.String(32)),
    sa.Column("lease_until", _TS),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("updated_at", _TS, nullable=False),
    sa.Column("sent_at", _TS),
)
# What ``kb gaps`` learned once and reuses: each distinct normalised query's sentence vector
# (little-endian float16 bytes) under the model that made it (``vectors.py``).
query_vectors = sa.Table(
    "query_vectors",
    metadata,
    sa.Column("model", sa.String(64), primary_key=True),
    sa.Column("query", sa.String(200), primary_key=True),
    sa.Column("vector", sa.LargeBinary, nullable=False),
)
# Agent sessions signed out before their cookie expires (``revocations``); a row is useless,
# and pruned, once ``expires_at`` (the latest the cookie could still be valid) has passed.
revoked_sessions = sa.Table(
    "revoked_sessions",
    metadata,
    sa.Column("sid", sa.String(64), primary_key=True),
    sa.Column("expires_at", _TS, nullable=False, index=True),
)

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """``value`` with its UTC zone restored."""
    # SQLite hands timestamps back without their zone; everything we write is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class ContactRequest:
    """A stored contact request, as the outbox forwards it."""

    id: int
    reference: str
    created_at: datetime
    visitor: str
    fields: Mapping[str, str]
    context: Mapping[str, Any]
    language: str | None = None  # the portal's, on a site of several languages


@dataclass(frozen=True)
class Delivery:
    """One outbox row: a contact request to forward over one channel."""

    id: int
    request_id: int
    reference: str
    channel: str
    status: str
    attempts: int
    next_attempt_at: datetime
    claim_token: str | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> Delivery:
        m = row._mapping
        return cls(
            id=m["id"],
            request_id=m["request_id"],
            reference=m["reference"],
            channel=m["channel"],
            status=m["status"],
            attempts=m["attempts"],
            next_attempt_at=aware(m["next_attempt_at"]) or utcnow(),
            claim_token=m["claim_token"],
            last_error=m["last_error"],
            created_at=aware(m["created_at"]) or utcnow(),
            sent_at=aware(m["sent_at"]),
        )


def search_row(
    *,
    query: str,
    raw_query: str,
    hits: int,
    category: str | None,
    corrected: bool,
    visitor: str,
    answered: bool | None = None,
    contact: bool = False,
    source: str | None = None,
    host: str | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """A ``searches`` row, stamped now; ``answered`` defaults to whether anything was found;
    ``contact``: it asked for a person and was offered the contact form (never answered)."""
    return {
        "ts": utcnow(),
        "query": query[:200],
        "raw_query": raw_query[:200],
        "hits": hits,
        "category": category,
        "corrected": corrected,
        "answered": (bool(hits) if answered is None else answered and bool(hits)) and not contact,
        "contact": contact,
        "visitor": visitor,
        "source": source,
        "host": host,
        "language": language,
    }


def contact_event_row(
    *,
    kind: str,
    article_id: str | None,
    visitor: str,
    source: str | None = None,
    host: str | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """A ``contact_events`` row (one of ``CONTACT_EVENT_KINDS``), stamped now."""
    return {
        "ts": utcnow(),
        "kind": kind,
        "article_id": article_id,
        "visitor": visitor,
        "source": source,
        "host": host,
        "language": language,
    }


def click_row(
    *,
    query: str,
    article_id: str,
    position: int,
    visitor: str,
    source: str | None = None,
    host: str | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """A ``clicks`` row: which result of a search was opened, stamped now."""
    return {
        "ts": utcnow(),
        "query": query[:200],
        "article_id": article_id,
        "position": position,
        "visitor": visitor,
        "source": source,
        "host": host,
        "language": language,
    }


def view_row(
    *, article_id: str, src: str, visitor: str, language: str | None = None
) -> dict[str, Any]:
    """An ``article_views`` row, stamped now."""
    return {
        "ts": utcnow(),
        "article_id": article_id,
        "src": src,
        "visitor": visitor,
        "language": language,
    }
