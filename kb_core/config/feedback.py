"""``ratings`` and ``contact`` in ``site_config.yml``: what readers send, and where it goes."""

from __future__ import annotations

from datetime import time
from typing import Literal

from pydantic import Field, field_validator

from kb_core.config.base import FrozenModel, check_url
from kb_core.schedule import Banner, banner_input


class RatingSettings(FrozenModel):
    scale: Literal["binary", "three"] = Field(
        "binary", description="'binary' (helpful / not helpful) or 'three' (1-3)."
    )
    reasons: tuple[str, ...] = Field(
        (
            "It didn't answer my question",
            "It was hard to follow",
            "It's out of date",
            "Something didn't work",
        ),
        description="Reasons offered when a reader says an article did not help.",
    )


class ContactField(FrozenModel):
    name: str = Field(description="Field name sent to the API.")
    label: str = Field(description="Label shown on the form.")
    type: Literal["text", "email", "textarea", "select"] = Field(
        "text", description="Form control type."
    )
    required: bool = Field(True, description="Whether the form refuses to send without it.")
    max_length: int = Field(200, ge=1, le=20000, description="Longest accepted value.")


_DEFAULT_FIELDS = (
    ContactField(name="name", label="Your name", max_length=200),
    ContactField(name="email", label="Email address", type="email", max_length=320),
    ContactField(name="topic", label="Topic", type="select", max_length=100),
    ContactField(name="subject", label="Subject", max_length=200),
    ContactField(name="message", label="How can we help?", type="textarea", max_length=10000),
)


class SupportHours(FrozenModel):
    timezone: str = Field("UTC", description="IANA time zone of the support team.")
    days: tuple[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], ...] = Field(
        ("mon", "tue", "wed", "thu", "fri"), description="Days support is staffed."
    )
    open: time = Field(time(9, 0), description="Opening time, HH:MM, local to the time zone.")
    close: time = Field(time(17, 0), description="Closing time, HH:MM, local to the time zone.")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone: {v!r}") from None
        return v


class SmtpSettings(FrozenModel):
    host: str = Field("", description="SMTP server; empty disables email forwarding.")
    port: int = Field(25, ge=1, le=65535, description="SMTP port.")
    starttls: bool = Field(False, description="Upgrade the connection with STARTTLS.")
    username: str = Field("", description="SMTP user name, if the server wants one.")
    password_env: str = Field(
        "KB_SMTP_PASSWORD", description="Environment variable that holds the SMTP password."
    )
    sender: str = Field("helpdesk@localhost", description="From address of forwarded requests.")
    to: str = Field("", description="Address that receives contact requests.")


class ContactSettings(FrozenModel):
    enabled: bool = Field(True, description="Show the contact page and accept requests.")
    fields: tuple[ContactField, ...] = Field(_DEFAULT_FIELDS, description="Form fields in order.")
    topics: tuple[str, ...] = Field(
        ("Account", "Billing", "Technical problem", "Other"),
        description="Choices of the 'topic' field.",
    )
    hours: SupportHours = Field(SupportHours(), description="When support answers.")
    response_time: str = Field(
        "within one business day", description="Promise shown on the contact page."
    )
    incident: str | Banner = Field(
        "",
        description=(
            "Incident notice shown above the form when set: a text, or {text, from, until} to "
            "show it only in that window."
        ),
    )
    mailto: str = Field("", description="Address offered as a fallback when the API is down.")
    smtp: SmtpSettings = Field(SmtpSettings(), description="Email forwarding.")
    webhook_url: str = Field("", description="Helpdesk webhook that receives each request as JSON.")
    min_fill_seconds: float = Field(
        3.0, ge=0, description="A form sent faster than this is refused as automated."
    )

    @field_validator("webhook_url")
    @classmethod
    def _webhook(cls, v: str) -> str:
        return check_url(v)

    _incident = field_validator("incident", mode="before")(banner_input)
