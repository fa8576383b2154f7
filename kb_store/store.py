"""The feedback store the API runs on: schema, visitors, events and ratings (SQLAlchemy Core).

The contact requests and their outbox are ``contacts.py`` (methods of :class:`Store` too);
``revocations.py`` holds signed-out agent sessions; the reports read through ``reading.py``.

SQLite (a file, WAL mode) by default, PostgreSQL by URL (``engine.py`` sets them up). The
schema is versioned: ``migrate`` applies the missing steps of ``migrations.MIGRATIONS`` so an
existing database upgrades in place; ``tables.py`` describes the current schema. Callers get
plain dataclasses back, never rows or connections.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from kb_store.contacts import ContactQueries, DuplicateReference
from kb_store.engine import make_engine
from kb_store.migrations import LATEST, MIGRATIONS
from kb_store.tables import (
    FAILED,
    PENDING,
    SENDING,
    SENT,
    ContactRequest,
    Delivery,
    article_views,
    aware,
    click_row,
    clicks,
    contact_events,
    ratings,
    schema_version,
    search_row,
    searches,
    utcnow,
    view_row,
    visitor_salts,
)

__all__ = [  # re-exported: callers deal with the store module only
    "FAILED",
    "PENDING",
    "SENDING",
    "SENT",
    "ContactRequest",
    "Delivery",
    "DuplicateReference",
    "Store",
    "StoreError",
    "utcnow",
]

log = logging.getLogger(__name__)

_MIGRATION_LOCK = 7_245_001  # pg_advisory_xact_lock key, any constant unique to this app

_LOG_SEARCH = searches.insert()
_LOG_CLICK = clicks.insert()
_LOG_VIEW = article_views.insert()
_LOG_CONTACT = contact_events.insert()
# what a second vote by the same visitor on the same revision replaces
_REVOTE = ("value", "scale", "reason", "updated_at", "source", "host")


class StoreError(Exception):
    """The database cannot be reached or is in a state this version cannot use."""


class StoreUnreachable(StoreError):
    """The database server did not answer (an outage, not a bad schema): worth retrying."""


def _insert(dialect: str, table: sa.Table) -> Any:
    """An INSERT that supports ``on_conflict_do_update`` (both dialects spell it the same)."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


class Store(ContactQueries):
    """The API's database: create with a SQLAlchemy URL, then ``migrate()`` before use.

    Contact requests and their outbox are queried by the methods of ``contacts.py``.

    A process that starts while a database server is down (a gunicorn worker restarted during
    an outage) calls ``migrate(defer_if_unreachable=True)``: it serves reads at once and applies
    the migrations before its first use of the store once the server answers.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url, StoreError)
        self._migrated = False
        self._migrate_lock = threading.Lock()
        vote = _insert(self.dialect, ratings)
        self._upsert_rating = vote.on_conflict_do_update(
            index_elements=["article_id", "revision", "visitor"],
            set_={name: vote.excluded[name] for name in _REVOTE},
        ).returning(ratings.c.created_at)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    # -- schema -------------------------------------------------------------------------------

    def _current_version(self, conn: sa.Connection) -> int:
        if not sa.inspect(conn).has_table("schema_version"):
            return 0
        found = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
        return int(found or 0)

    def schema_version(self) -> int:
        """Return the applied schema version (0 for an empty database); raises StoreError."""
        try:
            with self.engine.connect() as conn:
                return self._current_version(conn)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"cannot read the schema version: {exc.__class__.__name__}") from exc

    def begin(self) -> AbstractContextManager[sa.Connection]:
        """A transaction on the migrated store (for the store's small companion modules)."""
        return self._begin()

    def _begin(self) -> AbstractContextManager[sa.Connection]:
        """``engine.begin()``, after the migrations a deferred start-up still owes."""
        if not self._migrated:
            with self._migrate_lock:
                if not self._migrated:
                    self.migrate()
        return self.engine.begin()

    def migrate(self, target: int = LATEST, *, defer_if_unreachable: bool = False) -> int:
        """Apply missing migrations up to ``target``; return the version; raises StoreError.

        With ``defer_if_unreachable``, a database server that does not answer is not an error:
        this returns -1 and the migrations run before the store is next used.
        """
        try:
            current = self._migrate(target)
        except StoreUnreachable as exc:
            if not defer_if_unreachable:
                raise
            log.warning("store: %s; serving reads, migrating once the database answers", exc)
            return -1
        self._migrated = True
        return current

    def _migrate(self, target: int) -> int:
        try:
            with self.engine.begin() as conn:
                if self.dialect == "postgresql":
                    conn.execute(
                        sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK}
                    )
                schema_version.create(conn, checkfirst=True)
                current = self._current_version(conn)
                if current > LATEST:
                    raise StoreError(
                        f"the database has schema version {current}, newer than this "
                        f"kb-portal knows ({LATEST}); upgrade kb-portal"
                    )
                for step in MIGRATIONS:
                    if current < step.version <= target:
                        log.info("store: applying migration %d: %s", step.version, step.description)
                        step.apply(conn)
                        conn.execute(
                            schema_version.insert().values(
                                version=step.version,
                                applied_at=utcnow(),
                                description=step.description,
                            )
                        )
                        current = step.version
                return current
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            if self.dialect == "sqlite":  # a local file: no outage to wait out, a real error
                raise StoreError(f"cannot migrate the store: {exc}") from exc
            raise StoreUnreachable(f"cannot reach the database: {exc}") from exc
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"cannot migrate the store: {exc}") from exc

    # -- visitors -----------------------------------------------------------------------------

    def daily_salt(self, day: date) -> str:
        """Return the salt of ``day``, creating it; every instance sharing the store agrees."""
        key = day.isoformat()
        query = sa.select(visitor_salts.c.salt).where(visitor_salts.c.day == key)
        with self._begin() as conn:
            found = conn.execute(query).scalar()
            if found:
                return str(found)
        try:
            with self._begin() as conn:
                salt = secrets.token_hex(32)
                conn.execute(visitor_salts.insert().values(day=key, salt=salt, created_at=utcnow()))
                # Forget old salts: then nobody can link yesterday's tokens back to addresses.
                old = (day - timedelta(days=2)).isoformat()
                conn.execute(visitor_salts.delete().where(visitor_salts.c.day < old))
                return salt
        except sa.exc.IntegrityError:
            with self._begin() as conn:
                return str(conn.execute(query).scalar_one())

    # -- events -------------------------------------------------------------------------------

    def log_events(
        self,
        searches: Sequence[Mapping[str, Any]] = (),
        clicks: Sequence[Mapping[str, Any]] = (),
        views: Sequence[Mapping[str, Any]] = (),
        vectors: Mapping[str, Any] | None = None,
        contact: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """Write rows made by ``search_row``, ``click_row``, ``view_row`` and
        ``contact_event_row`` in one transaction, with ``vectors`` of queries for ``kb gaps``
        (``vectors.write_vectors``)."""
        with self._begin() as conn:
            for statement, rows in (
                (_LOG_SEARCH, searches),
                (_LOG_CLICK, clicks),
                (_LOG_VIEW, views),
                (_LOG_CONTACT, contact),
            ):
                if rows:
                    conn.execute(statement, list(rows))
            if vectors:
                from kb_store.vectors import write_vectors  # numpy, only when there are vectors

                write_vectors(conn, vectors)

    def log_search(self, **row: Any) -> None:
        """Record one answered search now (keyword arguments of ``search_row``)."""
        self.log_events(searches=[search_row(**row)])

    def log_click(self, **row: Any) -> None:
        """Record a result click now (keyword arguments of ``click_row``)."""
        self.log_events(clicks=[click_row(**row)])

    def log_view(self, **row: Any) -> None:
        """Record an article view now (keyword arguments of ``view_row``)."""
        self.log_events(views=[view_row(**row)])

    def save_rating(
        self,
        *,
        article_id: str,
        revision: str,
        value: int,
        scale: str,
        reason: str | None,
        visitor: str,
        source: str | None = None,
        host: str | None = None,
        language: str | None = None,
    ) -> bool:
        """Store a vote; True when new, False when it replaced this visitor's earlier vote.

        A vote is per revision, and a translation has revisions of its own: helpfulness is
        judged per language too (``language``: the portal's, on a site of several)."""
        now = utcnow()
        row = {
            "article_id": article_id,
            "revision": revision,
            "visitor": visitor,
            "value": value,
            "scale": scale,
            "reason": reason,
            "created_at": now,
            "updated_at": now,
            "source": source,
            "host": host,
            "language": language,
        }
        with self._begin() as conn:
            created_at = conn.execute(self._upsert_rating, row).scalar_one()
        # An update keeps the first vote's created_at; only a new row carries this one's.
        return aware(created_at) == now
