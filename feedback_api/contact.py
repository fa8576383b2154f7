"""Contact blueprint: the form's description and live status, and 'contact support' requests.

A request is committed with its outbox rows before the reply, which carries its reference;
the outbox forwards it afterwards (see ``outbox.py``).
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, jsonify, request

from feedback_api.errors import ApiError
from feedback_api.languages import chosen_language, logged_language
from feedback_api.schemas import ContactEvent, parse_json
from feedback_api.services import Services, services
from feedback_api.widget import event_origin
from kb_core.config import SupportHours
from kb_core.schedule import banner_text
from kb_store.store import ContactRequest, DuplicateReference
from kb_store.tables import contact_event_row

log = logging.getLogger(__name__)

bp = Blueprint("contact", __name__)

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read over the phone
_DISABLED = "Contact requests are not accepted here."
_AUTOMATED = (
    "The request was refused because it looks automated. If you are a person, "
    "wait a few seconds and send it again."
)


def new_reference() -> str:
    return "KB-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


def support_online(hours: SupportHours, now: datetime | None = None) -> bool:
    """Whether support is staffed at ``now`` (default: the current time)."""
    local = (now or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo(hours.timezone))
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[local.weekday()]
    t = local.time().replace(tzinfo=None)
    if hours.open < hours.close:
        return day in hours.days and hours.open <= t < hours.close
    return day in hours.days and (t >= hours.open or t < hours.close)  # overnight shift


@bp.get("/api/contact")
def describe() -> Response:
    """The form's fields and topics, support hours, whether support is online, any incident:
    in the visitor's language (``?lang=``, else the portal page it comes from)."""
    config = services().config
    c = config.contact
    lang = chosen_language(request.args.get("lang"))
    shown, _ = config.localized(lang)
    incident = banner_text(c.incident, datetime.now(UTC))  # its window, live
    return jsonify(
        enabled=c.enabled,
        fields=shown["fields"],
        topics=shown["topics"],
        hours={
            "timezone": c.hours.timezone,
            "days": list(c.hours.days),
            "open": c.hours.open.strftime("%H:%M"),
            "close": c.hours.close.strftime("%H:%M"),
        },
        online=support_online(c.hours),
        response_time=shown["response_time"],
        incident=config.site_text("contact.incident", incident, lang) or None,
        mailto=c.mailto or None,
        min_fill_seconds=c.min_fill_seconds,
    )


def _context(s: Services, body: Any) -> dict[str, Any]:
    context: dict[str, Any] = body.context.model_dump(exclude_none=True)
    catalog = s.build.catalog
    context["viewed_articles"] = [
        {"id": a.id, "title": a.title, "url": catalog.paths[a.id]}
        for a in (catalog.articles.get(i) for i in dict.fromkeys(context["viewed"]))
        if a is not None
    ]
    return context


def submit_request(s: Services, body: Any, visitor: str) -> ContactRequest:
    """Store a request with its outbox rows under a fresh reference."""
    fields, context = body.form_fields(), _context(s, body)
    source, host = event_origin(body)
    language = logged_language()  # the portal it was written in: support answers in it
    for _ in range(8):
        try:
            return s.store.create_contact(
                reference=new_reference(),
                visitor=visitor,
                fields=fields,
                context=context,
                channels=s.channels,
                source=source,
                host=host,
                language=language,
            )
        except DuplicateReference:
            continue
    raise RuntimeError("could not draw an unused contact reference")


@bp.post("/api/contact")
def contact() -> tuple[Response, int]:
    """Accept a contact request: 201 with its reference once it is stored."""
    s = services()
    settings = s.config.contact
    if not settings.enabled:
        raise ApiError(404, _DISABLED)
    body = parse_json(s.contact_model)
    too_fast = body.elapsed_ms is not None and body.elapsed_ms < settings.min_fill_seconds * 1000
    if body.website or too_fast:
        log.info("contact refused: %s", "honeypot filled" if body.website else "sent too fast")
        raise ApiError(400, _AUTOMATED)
    visitor = s.visitors.token()
    stored = submit_request(s, body, visitor)
    # deflection: this visit's form ends in a request, not in reading a suggestion
    source, host = event_origin(body)
    row = contact_event_row(
        kind="sent",
        article_id=None,
        visitor=visitor,
        source=source,
        host=host,
        language=stored.language,
    )
    s.events.add("contact", row)
    if s.worker is not None:
        s.worker.wake()
    # in the visitor's language: the portal's strings and response time
    strings = s.config.strings(stored.language)
    time = s.config.localized(stored.language)[0]["response_time"]
    message = (
        strings["contact.received"].replace("{reference}", stored.reference).replace("{time}", time)
    )
    return jsonify(reference=stored.reference, message=message), 201


@bp.post("/api/events/contact")
def contact_event() -> tuple[str, int]:
    """Record a step of the contact form's deflection trail: form started, suggestion opened."""
    event = parse_json(ContactEvent)
    s = services()
    article = event.id if event.kind == "opened" else None
    if event.kind == "opened" and article is None:
        raise ApiError(400, "Invalid id: is required when kind is 'opened'.", field="id")
    if article is not None and article not in s.build.catalog.articles:
        # a well-formed id that names nothing: 404, as /api/ratings answers for one
        raise ApiError(404, "id: no public article has this id.", field="id")
    source, host = event_origin(event)
    row = contact_event_row(
        kind=event.kind,
        article_id=article,
        visitor=s.visitors.token(),
        source=source,
        host=host,
        language=logged_language(),
    )
    s.events.add("contact", row)
    return "", 204
