"""Forward stored contact requests to the helpdesk: SMTP email and/or a JSON webhook.

The contact view commits the request and one outbox row per channel in one transaction; this
module delivers them. Any number of workers (a thread per app instance, ``kb outbox --retry``)
may run at once: ``Store.claim_due`` hands each due row to exactly one of them under a lease.
A failure is retried with exponential backoff and jitter, up to ``max_attempts``; a worker that
dies mid-delivery lets its lease expire and another retries. Delivery is therefore at least
once: the webhook carries ``Idempotency-Key: <reference>`` and the email a fixed Message-ID, so
the rare repeat after a crash can be recognised by the receiver.
"""

from __future__ import annotations

import json
import logging
import os
import random
import smtplib
import socket
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from kb_core.config import ContactSettings, SiteConfig
from kb_core.i18n import language_name
from kb_store.store import ContactRequest, Delivery, Store, utcnow

log = logging.getLogger(__name__)

SMTP, WEBHOOK = "smtp", "webhook"
_PERMANENT_HTTP = frozenset(range(400, 500)) - {408, 425, 429}


class DeliveryError(Exception):
    """Forwarding failed; ``permanent`` when retrying cannot help (e.g. the webhook said 400)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def channels(contact: ContactSettings) -> list[str]:
    """The channels configured to receive contact requests."""
    found = []
    if contact.smtp.host and contact.smtp.to:
        found.append(SMTP)
    if contact.webhook_url:
        found.append(WEBHOOK)
    return found


def payload(config: SiteConfig, request: ContactRequest) -> dict[str, Any]:
    """The JSON document the webhook receives."""
    return {
        "reference": request.reference,
        "created_at": request.created_at.isoformat().replace("+00:00", "Z"),
        "site": {"name": config.site.name, "url": config.site.url},
        "fields": dict(request.fields),
        "context": dict(request.context),
        # a site of several languages: the portal the request was written in, to answer in it
        **({"language": request.language} if request.language else {}),
    }


def _clean_header(value: str) -> str:
    return " ".join(value.split())[:200]


def email_message(config: SiteConfig, request: ContactRequest) -> EmailMessage:
    """The email that carries a request to the support mailbox."""
    smtp = config.contact.smtp
    fields, context = request.fields, request.context
    msg = EmailMessage()
    title = fields.get("subject") or fields.get("topic") or "Contact request"
    msg["Subject"] = _clean_header(f"[{request.reference}] {title}")
    msg["From"] = smtp.sender
    msg["To"] = smtp.to
    if fields.get("email"):
        msg["Reply-To"] = _clean_header(fields["email"])
    domain = smtp.sender.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = f"<{request.reference}@{domain}>"
    msg["Date"] = formatdate(request.created_at.timestamp(), usegmt=True)
    msg["X-KB-Reference"] = request.reference
    lines = [
        f"Reference: {request.reference}",
        f"Received: {request.created_at:%Y-%m-%d %H:%M} UTC",
    ]
    if request.language:  # the portal it was written in: reply in that language
        lines.append(f"Language: {language_name(request.language, 'en')} ({request.language})")
    lines += [
        f"{name.capitalize()}: {value}" for name, value in fields.items() if name != "message"
    ]
    lines += ["", fields.get("message", ""), ""]
    searched = context.get("searches") or []
    lines.append("Searched before writing:" if searched else "Searched nothing before writing.")
    lines += [
        f"  - {s.get('q')!s} ({s.get('hits')} results"
        f"{', no exact match' if s.get('answered') is False else ''})"
        for s in searched
    ]
    read = context.get("viewed_articles") or []
    lines.append("Read before writing:" if read else "Read no article before writing.")
    base = config.site.url.rstrip("/")
    lines += [f"  - {a.get('title')}: {base}{a.get('url')}" for a in read]
    msg.set_content("\n".join(lines) + "\n")
    if request.language:  # after set_content, which replaces every Content-* header
        msg["Content-Language"] = request.language
    return msg


class Forwarder:
    """Sends one delivery over its channel; raises DeliveryError."""

    def __init__(self, config: SiteConfig, *, timeout: float = 15.0) -> None:
        self.config = config
        self.timeout = timeout

    def send(self, delivery: Delivery, request: ContactRequest) -> None:
        if delivery.channel == SMTP:
            self._smtp(request)
        elif delivery.channel == WEBHOOK:
            self._webhook(request)
        else:
            raise DeliveryError(f"unknown channel {delivery.channel!r}", permanent=True)

    def _smtp(self, request: ContactRequest) -> None:
        smtp = self.config.contact.smtp
        if not (smtp.host and smtp.to):
            raise DeliveryError("contact.smtp is no longer configured")
        try:
            with smtplib.SMTP(smtp.host, smtp.port, timeout=self.timeout) as client:
                if smtp.starttls:
                    client.starttls()
                if smtp.username:
                    client.login(smtp.username, os.environ.get(smtp.password_env, ""))
                client.send_message(email_message(self.config, request))
        except smtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.smtp_code < 600
            raise DeliveryError(
                f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=permanent
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP {smtp.host}:{smtp.port}: {exc}") from exc

    def _webhook(self, request: ContactRequest) -> None:
        url = self.config.contact.webhook_url
        if not url:
            raise DeliveryError("contact.webhook_url is no longer configured")
        body = json.dumps(payload(self.config, request)).encode()
        req = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": request.reference,
                "User-Agent": "kb-portal-outbox/1",
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:
                response.read(65536)
        except urllib.error.HTTPError as exc:
            raise DeliveryError(
                f"webhook answered HTTP {exc.code}", permanent=exc.code in _PERMANENT_HTTP
            ) from None
        except (OSError, urllib.error.URLError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(f"webhook unreachable: {reason}") from None


@dataclass(frozen=True)
class Policy:
    """Retry policy of the outbox."""

    backoff_base: float = 30.0
    backoff_max: float = 3600.0
    max_attempts: int = 10
    # one delivery is claimed at a time and a send times out after 15 s, so a minute is ample;
    # it is also how long a delivery interrupted by a crash waits before another worker retries
    lease: timedelta = timedelta(minutes=1)

    def retry_at(self, attempts: int, now: datetime) -> datetime | None:
        """When to try again after ``attempts`` failures, or None to give up."""
        if attempts >= self.max_attempts:
            return None
        delay = min(self.backoff_base * 2 ** (attempts - 1), self.backoff_max)
        return now + timedelta(seconds=delay * random.uniform(1.0, 1.25))


@dataclass(frozen=True)
class Outcome:
    """What one delivery attempt did."""

    delivery: Delivery
    ok: bool
    error: str | None = None
    retry_at: datetime | None = None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:64]


def deliver_due(
    store: Store,
    forwarder: Forwarder,
    policy: Policy,
    *,
    worker: str | None = None,
    limit: int = 20,
    now: datetime | None = None,
) -> list[Outcome]:
    """Claim the deliveries that are due and try each once; return what happened."""
    outcomes = []
    for delivery in store.claim_due(
        worker or worker_name(), limit=limit, lease=policy.lease, now=now
    ):
        request = store.get_contact(delivery.request_id)
        try:
            if request is None:
                raise DeliveryError("the contact request is gone", permanent=True)
            forwarder.send(delivery, request)
        except DeliveryError as exc:
            retry_at = None if exc.permanent else policy.retry_at(delivery.attempts, utcnow())
            level = logging.WARNING if retry_at else logging.ERROR
            log.log(level, "outbox %s via %s: %s", delivery.reference, delivery.channel, exc)
            store.finish_delivery(delivery, error=str(exc), retry_at=retry_at)
            outcomes.append(Outcome(delivery, False, str(exc), retry_at))
        else:
            if not store.finish_delivery(delivery):
                log.warning("outbox %s: lease lost after sending", delivery.reference)
            log.info("outbox %s delivered via %s", delivery.reference, delivery.channel)
            outcomes.append(Outcome(delivery, True))
    return outcomes


class OutboxWorker:
    """A daemon thread that delivers due rows every ``poll`` seconds, or at once when woken."""

    def __init__(
        self, store: Store, forwarder: Forwarder, policy: Policy, *, poll: float = 5.0
    ) -> None:
        self.store, self.forwarder, self.policy, self.poll = store, forwarder, policy, poll
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kb-outbox", daemon=True)
        self.last_error: str | None = None

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        name = worker_name()
        while not self._stop.is_set():
            try:
                # one at a time: a crash then strands at most one claimed delivery per worker
                while deliver_due(self.store, self.forwarder, self.policy, worker=name, limit=1):
                    if self._stop.is_set():
                        return
                self.last_error = None
            except Exception as exc:  # keep the thread alive through a database outage
                self.last_error = f"{exc.__class__.__name__}: {exc}"
                log.exception("outbox worker pass failed")
            self._wake.wait(self.poll)
            self._wake.clear()
