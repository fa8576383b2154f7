"""Ordered schema migrations of the feedback store.

Each migration is frozen: it describes the schema as it was when it was written, with its own
``MetaData``, so that a later change to the live table definitions in ``store.py`` can never
change what an old migration creates. ``store.Store.migrate`` applies the missing ones in order,
in one transaction, under a lock, and records each in ``schema_version``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

log = logging.getLogger(__name__)


def _id() -> sa.Column[int]:
    # BIGINT on PostgreSQL; SQLite only auto-increments a column declared exactly INTEGER.
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)


def _ts(name: str, *, nullable: bool = False, index: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, index=index)


def _v1(conn: sa.Connection) -> None:
    """Searches, clicks, ratings, contact requests, their outbox, and the visitor salts."""
    md = sa.MetaData()
    sa.Table(
        "visitor_salts",
        md,
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("salt", sa.String(64), nullable=False),
        _ts("created_at"),
    )
    sa.Table(
        "searches",
        md,
        _id(),
        _ts("ts", index=True),
        sa.Column("query", sa.String(200), nullable=False, index=True),
        sa.Column("raw_query", sa.String(200), nullable=False),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("category", sa.String(100)),
        sa.Column("visitor", sa.String(16), nullable=False),
    )
    sa.Table(
        "clicks",
        md,
        _id(),
        _ts("ts", index=True),
        sa.Column("query", sa.String(200), nullable=False),
        sa.Column("article_id", sa.String(200), nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("visitor", sa.String(16), nullable=False),
    )
    sa.Table(
        "ratings",
        md,
        _id(),
        _ts("created_at", index=True),
        _ts("updated_at"),
        sa.Column("article_id", sa.String(200), nullable=False, index=True),
        sa.Column("revision", sa.String(64), nullable=False),
        sa.Column("value", sa.SmallInteger, nullable=False),
        sa.Column("scale", sa.String(8), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("visitor", sa.String(16), nullable=False),
        sa.UniqueConstraint("article_id", "revision", "visitor", name="uq_ratings_vote"),
    )
    sa.Table(
        "contact_requests",
        md,
        _id(),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        _ts("created_at", index=True),
        sa.Column("visitor", sa.String(16), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("context", sa.JSON, nullable=False),
    )
    sa.Table(
        "outbox",
        md,
        _id(),
        sa.Column(
            "request_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("contact_requests.id"),
            nullable=False,
        ),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        _ts("next_attempt_at", index=True),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("claim_token", sa.String(32)),
        _ts("lease_until", nullable=True),
        sa.Column("last_error", sa.Text),
        _ts("created_at"),
        _ts("updated_at"),
        _ts("sent_at", nullable=True),
        sa.UniqueConstraint("request_id", "channel", name="uq_outbox_channel"),
    )
    md.create_all(conn)


def _v2(conn: sa.Connection) -> None:
    """Article views (agent shares, reading before writing) and the search 'corrected' flag."""
    md = sa.MetaData()
    sa.Table(
        "article_views",
        md,
        _id(),
        _ts("ts", index=True),
        sa.Column("article_id", sa.String(200), nullable=False, index=True),
        sa.Column("src", sa.String(32), nullable=False),
        sa.Column("visitor", sa.String(16), nullable=False),
    )
    md.create_all(conn)
    false = "0" if conn.dialect.name == "sqlite" else "false"
    # Existing rows were searched before did-you-mean existed: they were not corrected.
    conn.execute(
        sa.text(f"ALTER TABLE searches ADD COLUMN corrected BOOLEAN NOT NULL DEFAULT {false}")
    )


def _v3(conn: sa.Connection) -> None:
    """The sentence-vector cache of ``kb gaps``: one vector per distinct query and model."""
    md = sa.MetaData()
    sa.Table(
        "query_vectors",
        md,
        sa.Column("model", sa.String(64), primary_key=True),
        sa.Column("query", sa.String(200), primary_key=True),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )
    md.create_all(conn)


def _v4(conn: sa.Connection) -> None:
    """The search 'answered' flag (confident results) and the contact form's deflection events."""
    md = sa.MetaData()
    sa.Table(
        "contact_events",
        md,
        _id(),
        _ts("ts", index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("article_id", sa.String(200)),
        sa.Column("visitor", sa.String(16), nullable=False, index=True),
    )
    md.create_all(conn)
    true = "1" if conn.dialect.name == "sqlite" else "true"
    conn.execute(
        sa.text(f"ALTER TABLE searches ADD COLUMN answered BOOLEAN NOT NULL DEFAULT {true}")
    )
    # Before the confidence threshold, a search went unanswered exactly when it found nothing.
    conn.execute(sa.text("UPDATE searches SET answered = (hits > 0)"))


def _v5(conn: sa.Connection) -> None:
    """Signed-out agent sessions: a revoked session id stays refused on every instance."""
    md = sa.MetaData()
    sa.Table(
        "revoked_sessions",
        md,
        sa.Column("sid", sa.String(64), primary_key=True),
        _ts("expires_at", index=True),
    )
    md.create_all(conn)


def _v6(conn: sa.Connection) -> None:
    """Where an event came from: source ('widget', else null: the portal) and the host page."""
    for table in ("searches", "clicks", "ratings", "contact_requests", "contact_events"):
        conn.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN source VARCHAR(16)"))
        conn.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN host VARCHAR(500)"))


def _v7(conn: sa.Connection) -> None:
    """The language of the portal an event came from (a site of several languages)."""
    for table in (
        "searches",
        "clicks",
        "article_views",
        "ratings",
        "contact_requests",
        "contact_events",
    ):
        conn.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN language VARCHAR(12)"))


def _v8(conn: sa.Connection) -> None:
    """The search 'contact' flag: it asked for a person and the portal offered the contact form."""
    false = "0" if conn.dialect.name == "sqlite" else "false"
    # Searches logged before were never offered the form: they keep their outcome.
    conn.execute(
        sa.text(f"ALTER TABLE searches ADD COLUMN contact BOOLEAN NOT NULL DEFAULT {false}")
    )


@dataclass(frozen=True)
class Migration:
    """One schema step; ``version`` is what ``schema_version`` records once it is applied."""

    version: int
    apply: Callable[[sa.Connection], None]

    @property
    def description(self) -> str:
        return (self.apply.__doc__ or "").strip()


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, _v1),
    Migration(2, _v2),
    Migration(3, _v3),
    Migration(4, _v4),
    Migration(5, _v5),
    Migration(6, _v6),
    Migration(7, _v7),
    Migration(8, _v8),
)
LATEST = MIGRATIONS[-1].version
