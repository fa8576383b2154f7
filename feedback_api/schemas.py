"""Request validation: pydantic models of every input, and the helpers views use to read them.

Query strings ignore unknown parameters (cache busters are harmless); JSON bodies that write
something refuse unknown fields, so a client typo fails loudly instead of losing data.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal, TypeVar

from flask import request
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    ValidationError,
    create_model,
)

from kb_builder.config import ContactSettings

from .errors import ApiError, validation_error

M = TypeVar("M", bound=BaseModel)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s<>\",;]+@[^@\s<>\",;]+\.[^@\s<>\",;.]{2,}$")
_SLUG = r"^[\w][\w.-]*$"


def _one_line(value: str) -> str:
    if _CONTROL.search(value) or "\n" in value or "\r" in value:
        raise ValueError("must be a single line of text")
    return value


def _text(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def _email(value: str) -> str:
    if value and not _EMAIL.match(value):
        raise ValueError("is not a valid email address")
    return value


Line = Annotated[str, AfterValidator(_one_line)]
Text = Annotated[str, AfterValidator(_text)]
Id = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_one_line)]


class _Query(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class SearchParams(_Query):
    q: Line = Field(min_length=1, max_length=200, description="What the visitor typed.")
    limit: int | None = Field(None, ge=1, le=50, description="Most results to return.")
    category: str | None = Field(None, max_length=100, pattern=_SLUG)
    correct: bool = Field(True, description="Correct typos (false: the words as typed).")


class SuggestParams(_Query):
    q: Line = Field("", max_length=200)
    limit: int = Field(8, ge=1, le=20)


class ClickEvent(_Query):  # analytics: tolerate extra keys from older or newer pages
    query: Line = Field("", max_length=200)
    id: Id
    position: StrictInt = Field(ge=0, le=1000)


class ContactEvent(_Query):  # deflection: the contact form was started, a suggestion opened
    kind: Literal["started", "opened"]
    id: Id | None = None  # the suggested article opened


class ViewEvent(_Query):
    id: Id
    src: str = Field("web", min_length=1, max_length=32, pattern=r"^[a-z0-9_-]+$")


class _Rating(_Body):
    article_id: Id
    revision: str = Field(min_length=1, max_length=64, pattern=r"^[\w.:-]+$")
    value: StrictInt
    reason: Text | None = Field(None, max_length=500)


class BinaryRating(_Rating):
    value: StrictInt = Field(ge=0, le=1, description="1 helpful, 0 not helpful.")


class ThreeRating(_Rating):
    value: StrictInt = Field(ge=1, le=3, description="1 (poor) to 3 (good).")


def rating_model(scale: str) -> type[_Rating]:
    """The rating body for the configured scale ('binary' or 'three')."""
    return ThreeRating if scale == "three" else BinaryRating


class SearchedItem(_Body):
    q: Line = Field(max_length=200)
    hits: StrictInt = Field(ge=0)


class ContactContext(_Body):
    searches: list[SearchedItem] = Field(default_factory=list, max_length=50)
    viewed: list[Id] = Field(default_factory=list, max_length=100)


class _ContactBase(_Body):
    context: ContactContext = Field(default_factory=ContactContext)
    website: str = Field("", max_length=500, description="Honeypot: people never fill it.")
    elapsed_ms: StrictInt | None = Field(None, ge=0, description="How long the form was open.")

    def form_fields(self) -> dict[str, str]:
        data = self.model_dump(exclude={"context", "website", "elapsed_ms"})
        return {k: str(v) for k, v in data.items()}


def contact_model(settings: ContactSettings) -> type[_ContactBase]:
    """Build the contact body model from ``contact.fields`` of the site configuration."""
    topics = settings.topics
    definitions: dict[str, Any] = {}
    for f in settings.fields:
        checks: list[Any] = [AfterValidator(_text if f.type == "textarea" else _one_line)]
        if f.type == "email":
            checks.append(AfterValidator(_email))
        kind: Any = str
        if f.type == "select" and topics:
            kind = Literal[topics]
        limits = Field(min_length=1 if f.required else 0, max_length=f.max_length)
        annotated = Annotated[kind, limits, *checks] if kind is str else Annotated[kind, *checks]
        definitions[f.name] = (annotated, ...) if f.required else (annotated, "")
    model: type[_ContactBase] = create_model("ContactBody", __base__=_ContactBase, **definitions)
    return model


def parse_args(model: type[M]) -> M:
    """Validate the query string; raises ApiError 400 naming the field."""
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise validation_error(exc) from None


def parse_json(model: type[M]) -> M:
    """Validate a JSON object body; raises ApiError (400, 413 or 415)."""
    if request.mimetype != "application/json":
        raise ApiError(415, "Send the body as JSON with 'Content-Type: application/json'.")
    raw = request.get_data(cache=False)  # raises 413 beyond MAX_CONTENT_LENGTH
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        raise ApiError(400, "The body is not valid JSON: it is not UTF-8.") from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise ApiError(400, f"The body is not valid JSON: {exc.msg} at {where}.") from None
    except RecursionError:  # "[[[[...": a small body can nest deeper than the parser recurses
        raise ApiError(400, "The body is not valid JSON: it is nested too deeply.") from None
    except ValueError:  # an integer longer than Python converts (sys.get_int_max_str_digits)
        raise ApiError(400, "The body is not valid JSON: a number in it is too long.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc) from None
