"""Publishing windows: moments with a time zone, windows over them, and banners that have one.

An article's ``publish_at``/``expires_at`` and a banner's ``from``/``until`` are ISO 8601
date-times with a zone; a window is ``[start, end)``. The build evaluates every window at one
moment (now, or ``kb build --at``); the API evaluates banner windows at each request. Shared by
the build and by ``feedback_api``: imports neither mkdocs nor Flask.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

State = Literal["pending", "live", "expired"]
EXAMPLE = "2026-12-24T09:00:00+01:00 or 2026-12-24T08:00:00Z"


def parse_moment(value: Any) -> datetime:
    """An ISO 8601 date-time with a zone, from YAML (a datetime) or text.

    Raises ValueError saying what is wrong: not a date-time, a date without a time, no zone.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        raise ValueError(f"{value.isoformat()} has no time and zone; write e.g. {EXAMPLE}")
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not an ISO 8601 date-time: {text!r}; write e.g. {EXAMPLE}") from None
        if "T" not in text.upper() and " " not in text:
            raise ValueError(f"{text} has no time and zone; write e.g. {EXAMPLE}")
    else:
        raise ValueError(f"not an ISO 8601 date-time: {value!r}; write e.g. {EXAMPLE}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        shown = moment.isoformat()
        raise ValueError(f"{shown} has no time zone; add one, e.g. {EXAMPLE}")
    return moment


def parse_at(text: str) -> datetime:
    """The moment of ``--at``: a date-time with a zone, or a date (its start, in UTC).

    Raises ValueError as :func:`parse_moment` does.
    """
    text = text.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return parse_moment(text)
    return datetime.combine(day, time(0), UTC)


def state(start: datetime | None, end: datetime | None, at: datetime) -> State:
    """Where ``at`` falls in the window ``[start, end)`` (an open side never closes it)."""
    if start is not None and at < start:
        return "pending"
    if end is not None and at >= end:
        return "expired"
    return "live"


def show(moment: datetime) -> str:
    """A moment as people read it in a report: '2026-12-24 08:00 UTC'."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%d %H:%M" + (":%S" if utc.second else "") + " UTC")


def iso(moment: datetime) -> str:
    """A moment for machines: '2026-12-24T08:00:00Z'."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Change:
    """The next moment a build's output changes, and what changes then."""

    at: datetime
    what: tuple[str, ...]  # 'refunds-holiday publishes', 'site.announcement shows'

    def __str__(self) -> str:
        shown = ", ".join(self.what[:3])
        if len(self.what) > 3:
            shown += f" and {len(self.what) - 3} more"
        return f"{show(self.at)} ({shown})"


def next_change(events: Iterable[tuple[datetime | None, str]], at: datetime) -> Change | None:
    """The earliest of ``events`` (moment, what happens) after ``at``, with all that share it."""
    future = [(m, what) for m, what in events if m is not None and m > at]
    if not future:
        return None
    first = min(m for m, _ in future)
    return Change(first, tuple(sorted({what for m, what in future if m == first})))


class Banner(BaseModel):
    """A banner shown only in its window: ``{text, from, until}``, either bound optional."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    text: str = Field(description="What the banner says.")
    from_: datetime | None = Field(None, alias="from", description="Shown from this moment.")
    until: datetime | None = Field(None, description="Shown until this moment (not at it).")

    @field_validator("from_", "until", mode="before")
    @classmethod
    def _moment(cls, v: Any) -> Any:
        return None if v is None else parse_moment(v)

    @field_validator("until")
    @classmethod
    def _order(cls, v: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("from_")
        if v is not None and start is not None and v <= start:
            raise ValueError(f"must be after from ({iso(start)})")
        return v


def banner_input(value: Any) -> Any:
    """A banner setting as written: a text, or a mapping validated into a :class:`Banner`.

    Raises ValueError naming the key inside the mapping that is wrong.
    """
    if value is None:
        return ""
    if isinstance(value, str | Banner):
        return value
    if not isinstance(value, dict):
        raise ValueError("must be a text, or a mapping with text, from and until")
    try:
        return Banner.model_validate(value)
    except ValidationError as exc:
        reasons = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]).replace("from_", "from")
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key; a banner has text, from and until"
            reasons.append(f"{key}: {msg}")
        raise ValueError("; ".join(reasons)) from None


def banner_text(value: str | Banner, at: datetime) -> str:
    """What a banner setting shows at ``at``: its text inside its window, else nothing."""
    if isinstance(value, str):
        return value
    return value.text if state(value.from_, value.until, at) == "live" else ""


def banner_events(name: str, value: str | Banner) -> list[tuple[datetime | None, str]]:
    """The moments a banner setting appears and goes, for :func:`next_change`."""
    if isinstance(value, str):
        return []
    return [(value.from_, f"{name} shows"), (value.until, f"{name} ends")]
