"""Request validation: pydantic models of every input, and the helpers views use to read them.

Query strings ignore unknown parameters (cache busters are harmless); JSON bodies that write
something refuse unknown fields, so a client typo fails loudly instead of losing data.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeVar

from flask import request
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    create_model,
)

from feedback_api.errors import ApiError, validation_error
from kb_core.config import ContactSettings

M = TypeVar("M", bound=BaseModel)

# The rules are written once, as patterns: the views validate with them and openapi.json states
# them verbatim (``test_openapi_schemathesis`` keeps the two in step). Values are checked as
# sent, lengths included, and stripped of surrounding blanks afterwards.
_LINE_CHAR = r"[^\x00-\x1f\x7f]"  # one line: no control characters, no line breaks
_TEXT_CHAR = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"  # text: tabs and line breaks allowed
# Blanks spelled out, not "\s": ECMA's \s (the document's) and Python's differ (\x85, \ufeff).
_SEEN = r"[^ \x00-\x1f\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
LINE = rf"^{_LINE_CHAR}*$"
WORDS = rf"^{_LINE_CHAR}*{_SEEN}{_LINE_CHAR}*$"  # one line, not blank
TEXT = rf"^{_TEXT_CHAR}*$"
PROSE = rf"^{_TEXT_CHAR}*{_SEEN}{_TEXT_CHAR}*$"  # text, not blank
_ADDRESS = r"[^@ <>\",;\x00-\x1f\x7f]"
EMAIL = rf"^{_ADDRESS}+@{_ADDRESS}+\.[^@ <>\",;.\x00-\x1f\x7f]{{2,}}$"
SLUG = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$"  # ASCII spelled out: "\w" is Unicode in Python only
REVISION = r"^[A-Za-z0-9_.:-]+$"
HOST = r"^https?://[^\s/?#]+(/[^\s?#]*)?$"  # the host page of a widget event: origin and path
_LINE, _TEXT, _SEEN_RE = (re.compile(x) for x in (LINE, TEXT, _SEEN))
_EMAIL = re.compile(EMAIL)


def _one_line(value: str) -> str:
    if not _LINE.match(value):
        raise ValueError("must be a single line of text")
    return value


def _text(value: str) -> str:
    if not _TEXT.match(value):
        raise ValueError("must not contain control characters")
    return value


def _not_blank(value: str) -> str:
    if not _SEEN_RE.search(value):
        raise ValueError("must not be blank")
    return value


def _email(value: str) -> str:
    if value and not _EMAIL.match(value):
        raise ValueError("is not a valid email address")
    return value


def _integral(value: Any) -> Any:
    # JSON Schema counts 3.0 as an integer; a float with a fraction still fails StrictInt
    return int(value) if isinstance(value, float) and value.is_integer() else value


_strip = AfterValidator(str.strip)
Line = Annotated[str, AfterValidator(_one_line), _strip]
Words = Annotated[str, AfterValidator(_one_line), AfterValidator(_not_blank), _strip]
Text = Annotated[str, AfterValidator(_text), _strip]
Id = Annotated[
    str, Field(max_length=200), AfterValidator(_one_line), AfterValidator(_not_blank), _strip
]
Integer = Annotated[StrictInt, BeforeValidator(_integral)]


class _Query(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(BaseModel):
    """Where an event came from: the embeddable widget (with its host page) or the portal."""

    source: Literal["widget"] | None = Field(None, description="'widget'; absent: the portal.")
    host: str | None = Field(
        None, max_length=500, pattern=HOST, description="The host page: origin and path."
    )


LANG = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$"


class Localized(BaseModel):
    """Which language's portal a request comes from (absent: the page's, else the default)."""

    lang: str | None = Field(None, max_length=12, pattern=LANG, description="A site language.")


class SearchParams(_Query, Sourced, Localized):
    q: Words = Field(max_length=200, description="What the visitor typed.")
    limit: int | None = Field(None, ge=1, le=50, description="Most results to return.")
    category: str | None = Field(None, max_length=100, pattern=SLUG)
    correct: bool = Field(True, description="Correct typos (false: the words as typed).")


class WidgetParams(_Query):
    host: str | None = Field(None, max_length=2000, description="The host page's URL.")
    context: str | None = Field(None, max_length=200, description="data-kb-context.")
    category: str | None = Field(None, max_length=100, pattern=SLUG)
    query: str | None = Field(None, max_length=200)
    lang: str | None = Field(None, max_length=35, description="The host page's language.")


class SuggestParams(_Query, Localized):
    q: Line = Field("", max_length=200)
    limit: int = Field(8, ge=1, le=20)
    complete: bool = Field(False, description="A finished text: no completion, with the card.")


class ClickEvent(_Query, Sourced):  # analytics: tolerate extra keys from older or newer pages
    query: Line = Field("", max_length=200)
    id: Id
    position: Integer = Field(ge=0, le=1000)


# deflection: the contact form was started, a suggestion opened
class ContactEvent(_Query, Sourced):
    kind: Literal["started", "opened"]
    id: Id | None = None  # the suggested article opened


class ViewEvent(_Query):
    id: Id
    src: str = Field("web", max_length=32, pattern=r"^[a-z0-9_-]+$")


class _Rating(_Body, Sourced):
    article_id: Id
    revision: str = Field(max_length=64, pattern=REVISION)
    value: Integer
    reason: Text | None = Field(None, max_length=500)


class BinaryRating(_Rating):
    value: Integer = Field(ge=0, le=1, description="1 helpful, 0 not helpful.")


class ThreeRating(_Rating):
    value: Integer = Field(ge=1, le=3, description="1 (poor) to 3 (good).")


def rating_model(scale: str) -> type[_Rating]:
    """The rating body for the configured scale ('binary' or 'three')."""
    return ThreeRating if scale == "three" else BinaryRating


class SearchedItem(_Body):
    q: Line = Field(max_length=200)
    hits: Integer = Field(ge=0)
    # false: the search was unanswered ("No exact match"), a gap like one that found nothing
    answered: StrictBool | None = None


class ContactContext(_Body):
    searches: list[SearchedItem] = Field(default_factory=list, max_length=50)
    viewed: list[Id] = Field(default_factory=list, max_length=100)


class _ContactBase(_Body, Sourced):
    context: ContactContext = Field(default_factory=ContactContext)
    website: str = Field("", max_length=500, description="Honeypot: people never fill it.")
    elapsed_ms: Integer | None = Field(None, ge=0, description="How long the form was open.")

    def form_fields(self) -> dict[str, str]:
        data = self.model_dump(exclude={"context", "website", "elapsed_ms", "source", "host"})
        return {k: str(v) for k, v in data.items()}


def contact_model(
    settings: ContactSettings, shown: Mapping[str, str] | None = None
) -> type[_ContactBase]:
    """Build the contact body model from ``contact.fields`` of the site configuration.

    ``shown`` maps a topic as another language's portal shows it to the configured one: a
    French visitor picks "Facturation" and support receives "Billing" (and the language).
    """
    topics = settings.topics
    shown = dict(shown or {})
    definitions: dict[str, Any] = {}
    for f in settings.fields:
        annotated: Any
        if f.type == "select" and topics:
            choices = tuple(dict.fromkeys((*topics, *shown)))
            annotated = Annotated[Literal[choices], AfterValidator(lambda v: shown.get(v, v))]
        else:
            checks: list[Any] = [AfterValidator(_text if f.type == "textarea" else _one_line)]
            if f.required:
                checks.append(AfterValidator(_not_blank))
            if f.type == "email":
                checks.append(AfterValidator(_email))  # as sent: an address has no blanks
            annotated = Annotated[str, Field(max_length=f.max_length), *checks, _strip]
        definitions[f.name] = (annotated, ...) if f.required else (annotated, "")
    model: type[_ContactBase] = create_model("ContactBody", __base__=_ContactBase, **definitions)
    return model


def contact_schema(settings: ContactSettings, body: dict[str, Any]) -> dict[str, Any]:
    """The documented ContactRequest ``body`` with the configured fields' rules in it."""
    fields: dict[str, Any] = {}
    for f in settings.fields:
        if f.type == "select" and settings.topics:
            fields[f.name] = {"type": "string", "enum": list(settings.topics)}
            continue
        if f.type == "email":
            pattern = EMAIL if f.required else f"^$|{EMAIL}"
        elif f.type == "textarea":
            pattern = PROSE if f.required else TEXT
        else:
            pattern = WORDS if f.required else LINE
        fields[f.name] = {"type": "string", "maxLength": f.max_length, "pattern": pattern}
    extra = {k: v for k, v in body["properties"].items() if k in _ContactBase.model_fields}
    # a form sent faster than contact.min_fill_seconds is refused as automated
    fastest = math.ceil(settings.min_fill_seconds * 1000)
    extra["elapsed_ms"] = extra["elapsed_ms"] | {"minimum": fastest}
    required = [f.name for f in settings.fields if f.required]
    return body | {"required": required, "properties": fields | extra}


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
