"""Contact requests and their outbox: the store's queries for the contact form's delivery.

A request is stored with one outbox row per channel in one transaction; workers then claim
due rows under a lease (``feedback_api.outbox``). :class:`ContactQueries` is a part of
:class:`~kb_store.store.Store`, which supplies the migrated transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from kb_store.tables import (
    FAILED,
    PENDING,
    SENDING,
    SENT,
    ContactRequest,
    Delivery,
    aware,
    contact_requests,
    outbox,
    utcnow,
)

# what `kb outbox` shows of a request that was stored and never queued for forwarding
STORED_COLUMNS = ("reference", "created_at", "email", "topic", "subject", "language", "fields")

__all__ = ["ContactQueries", "DuplicateReference"]


class DuplicateReference(Exception):
    """A contact reference collided with an existing one (the caller draws another)."""


class ContactQueries:
    """The contact request and outbox methods of :class:`~kb_store.store.Store`."""

    def _begin(self) -> AbstractContextManager[sa.Connection]:
        raise NotImplementedError  # Store's: a transaction on the migrated store

    def create_contact(
        self,
        *,
        reference: str,
        visitor: str,
        fields: Mapping[str, str],
        context: Mapping[str, Any],
        channels: Sequence[str],
        source: str | None = None,
        host: str | None = None,
        language: str | None = None,
    ) -> ContactRequest:
        """Store a request and one outbox row per channel in one transaction.

        Raises DuplicateReference when ``reference`` is taken.
        """
        now = utcnow()
        try:
            with self._begin() as conn:
                request_id = conn.execute(
                    contact_requests.insert().returning(contact_requests.c.id),
                    {
                        "reference": reference,
                        "created_at": now,
                        "visitor": visitor,
                        "email": fields.get("email", "")[:320],
                        "topic": fields.get("topic", "")[:100],
                        "subject": fields.get("subject", "")[:200],
                        "fields": dict(fields),
                        "context": dict(context),
                        "source": source,
                        "host": host,
                        "language": language,
                    },
                ).scalar_one()
                if channels:
                    conn.execute(
                        outbox.insert(),
                        [
                            {
                                "request_id": request_id,
                                "reference": reference,
                                "channel": channel,
                                "status": PENDING,
                                "attempts": 0,
                                "next_attempt_at": now,
                                "created_at": now,
                                "updated_at": now,
                            }
                            for channel in channels
                        ],
                    )
        except sa.exc.IntegrityError as exc:
            raise DuplicateReference(reference) from exc
        return ContactRequest(
            request_id, reference, now, visitor, dict(fields), dict(context), language
        )

    def get_contact(self, request_id: int) -> ContactRequest | None:
        """Return a stored request by id, or None."""
        with self._begin() as conn:
            row = conn.execute(
                contact_requests.select().where(contact_requests.c.id == request_id)
            ).first()
        if row is None:
            return None
        m = row._mapping
        created = aware(m["created_at"]) or utcnow()
        return ContactRequest(
            m["id"],
            m["reference"],
            created,
            m["visitor"],
            m["fields"],
            m["context"],
            m["language"],
        )

    @staticmethod
    def _due(now: datetime) -> sa.ColumnElement[bool]:
        c = outbox.c
        return sa.or_(
            sa.and_(c.status == PENDING, c.next_attempt_at <= now),
            # A worker that claimed a row and died lets its lease run out; another takes over.
            sa.and_(c.status == SENDING, c.lease_until < now),
        )

    def claim_due(
        self, worker: str, *, limit: int = 20, lease: timedelta, now: datetime | None = None
    ) -> list[Delivery]:
        """Claim deliveries that are due, each by an atomic compare-and-set.

        A row is claimed by exactly one worker: the UPDATE re-checks that it is still due, and
        only the worker whose UPDATE changed the row (rowcount 1) owns it, under a fresh token.
        """
        now = now or utcnow()
        due = self._due(now)
        with self._begin() as conn:
            ids = conn.execute(
                sa.select(outbox.c.id).where(due).order_by(outbox.c.next_attempt_at).limit(limit)
            ).scalars()
            candidates = list(ids)
        claimed: list[Delivery] = []
        for delivery_id in candidates:
            token = secrets.token_hex(16)
            with self._begin() as conn:
                won = conn.execute(
                    outbox.update()
                    .where(outbox.c.id == delivery_id, due)
                    .values(
                        status=SENDING,
                        claim_token=token,
                        claimed_by=worker[:64],
                        lease_until=now + lease,
                        attempts=outbox.c.attempts + 1,
                        updated_at=now,
                    )
                ).rowcount
                if won == 1:
                    row = conn.execute(outbox.select().where(outbox.c.id == delivery_id)).one()
                    claimed.append(Delivery.from_row(row))
        return claimed

    def finish_delivery(
        self, delivery: Delivery, *, error: str | None = None, retry_at: datetime | None = None
    ) -> bool:
        """Mark a claimed delivery sent (no ``error``), pending again at ``retry_at``, or failed.

        Returns False when the claim was lost (its lease ran out and another worker took it).
        """
        now = utcnow()
        if error is None:
            values: dict[str, Any] = {"status": SENT, "sent_at": now, "last_error": None}
        elif retry_at is not None:
            values = {"status": PENDING, "next_attempt_at": retry_at, "last_error": error}
        else:
            values = {"status": FAILED, "last_error": error}
        values.update(claim_token=None, lease_until=None, updated_at=now)
        with self._begin() as conn:
            changed = conn.execute(
                outbox.update()
                .where(outbox.c.id == delivery.id, outbox.c.claim_token == delivery.claim_token)
                .values(**values)
            ).rowcount
        return changed == 1

    def deliveries(self, statuses: Iterable[str] = (PENDING, SENDING, FAILED)) -> list[Delivery]:
        """List outbox rows with the given statuses, oldest first."""
        query = (
            outbox.select()
            .where(outbox.c.status.in_(list(statuses)))
            .order_by(outbox.c.created_at, outbox.c.id)
        )
        with self._begin() as conn:
            return [Delivery.from_row(row) for row in conn.execute(query)]

    def retry_deliveries(self, ids: Iterable[int] | None = None) -> int:
        """Make failed and waiting deliveries due now; return how many."""
        query = outbox.update().where(outbox.c.status.in_([PENDING, FAILED]))
        if ids is not None:
            query = query.where(outbox.c.id.in_(list(ids)))
        now = utcnow()
        with self._begin() as conn:
            return int(
                conn.execute(
                    query.values(status=PENDING, next_attempt_at=now, updated_at=now)
                ).rowcount
            )

    def stored_only(self, limit: int = 20) -> tuple[int, list[dict[str, Any]]]:
        """Contact requests that were never queued for forwarding (the contact form had no
        channel when they came in): how many, and the newest ``limit`` of them, newest first
        (reference, created_at, email, topic, subject, language, fields)."""
        alone = ~sa.exists().where(outbox.c.request_id == contact_requests.c.id)
        cols = [getattr(contact_requests.c, n) for n in STORED_COLUMNS]
        with self._begin() as conn:
            counted = sa.select(sa.func.count()).select_from(contact_requests).where(alone)
            total = int(conn.execute(counted).scalar() or 0)
            rows = conn.execute(
                sa.select(*cols)
                .where(alone)
                .order_by(contact_requests.c.created_at.desc(), contact_requests.c.id.desc())
                .limit(limit)
            ).all()
        return total, [dict(row._mapping) | {"created_at": aware(row.created_at)} for row in rows]

    def outbox_summary(self) -> dict[str, Any]:
        """Count deliveries by status and give the age of the oldest undelivered one."""
        with self._begin() as conn:
            counts: dict[str, int] = dict(
                conn.execute(
                    sa.select(outbox.c.status, sa.func.count()).group_by(outbox.c.status)
                ).all()
            )
            oldest = conn.execute(
                sa.select(sa.func.min(outbox.c.created_at)).where(
                    outbox.c.status.in_([PENDING, SENDING])
                )
            ).scalar()
        oldest = aware(oldest)
        age = (utcnow() - oldest).total_seconds() if oldest else None
        return {
            "pending": int(counts.get(PENDING, 0)),
            "sending": int(counts.get(SENDING, 0)),
            "sent": int(counts.get(SENT, 0)),
            "failed": int(counts.get(FAILED, 0)),
            "oldest_undelivered_seconds": round(age, 1) if age is not None else None,
        }
