"""``widget`` in ``site_config.yml``: the embeddable help widget, its texts and colour."""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from kb_core.config.base import FrozenModel

# Every text the embeddable widget shows, in English; ``widget.labels`` overrides any of them.
WIDGET_LABELS: dict[str, str] = {
    "launcher": "Help",
    "title": "Help",
    "close": "Close help",
    "search": "Search the help center",
    "placeholder": "Describe your question",
    "searching": "Searching…",
    "suggested": "Suggested articles",
    "results": "Articles",
    "no_results": "No articles match your search. Try other words, or contact support.",
    "no_exact": "No exact match for “{q}”. These articles are the closest:",
    "person": "Looking for a person? Our support team is here to help.",
    "answer": "Answer",
    "from": "From",
    "back": "Back",
    "open_in_help_center": "Open in help center",
    "helpful": "Was this article helpful?",
    "yes": "Yes",
    "no": "No",
    "why": "What went wrong?",
    "thanks": "Thanks for your feedback!",
    "contact": "Contact support",
    "send": "Send",
    "sending": "Sending your request…",
    "reference": "Your reference number is",
    "in_language": "in {language}",  # an untranslated article's marker: "in English"
    "received": "We've received your request.",  # the thank-you, under the response time
    "online": "We're online now.",
    "offline": "We're offline now; we'll reply when we're back.",
    "hours": "Support hours",
    "response": "We answer {time}.",
    "maybe": "These articles might answer your question:",
    "required": "Please fill in this field.",
    "topic": "Choose a topic…",
    "choose": "Please choose an option.",
    "email": "Please enter a valid email address, like name@example.com.",
    "invalid": "Please correct the fields marked above.",
    "unavailable": "The help center can't be reached right now. Please try again in a moment.",
}
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")
# Material for MkDocs' named primary colours (its palette.css), for widget.color
MATERIAL_COLORS = (
    *("red", "pink", "purple", "deep-purple", "indigo", "blue", "light-blue", "cyan", "teal"),
    *("green", "light-green", "lime", "yellow", "amber", "orange", "deep-orange", "brown"),
    *("grey", "blue-grey", "black", "white"),
)


class WidgetContext(FrozenModel):
    match: str = Field(
        description="Host page URL pattern, * matches anything: https://app.example.com/billing/*"
    )
    category: str = Field("", description="Category slug whose articles the panel suggests.")
    query: str = Field("", max_length=200, description="Search the panel opens with.")

    @model_validator(mode="after")
    def _needs_one(self) -> WidgetContext:
        if not self.category and not self.query:
            raise ValueError("a context needs a category or a query")
        return self


class WidgetSettings(FrozenModel):
    enabled: bool = Field(True, description="Serve /widget.js and accept the widget's calls.")
    allowed_origins: tuple[str, ...] = Field(
        (),
        description=(
            "Host sites that may embed the widget (scheme://host[:port]); api.cors_origins "
            "are allowed too."
        ),
    )
    contexts: tuple[WidgetContext, ...] = Field(
        (), description="Host URL patterns mapped to a category or a query, first match wins."
    )
    labels: dict[str, str] = Field(
        {}, description="The widget's texts by name (see WIDGET_LABELS), for other languages."
    )
    color: str = Field(
        "",
        description=(
            "Launcher and panel colour: a Material palette name (teal) or #rrggbb; empty: "
            "site.primary_color. Shaded as far as 4.5:1 text contrast needs."
        ),
    )

    @field_validator("color")
    @classmethod
    def _color(cls, v: str) -> str:
        v = v.strip().lower()
        if v and v not in MATERIAL_COLORS and not re.fullmatch(r"#[0-9a-f]{6}", v):
            raise ValueError(f"not a Material palette name or #rrggbb: {v!r}")
        return v

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for origin in v:
            if origin != "*" and not _ORIGIN.match(origin.rstrip("/")):
                raise ValueError(f"not an origin (scheme://host[:port]): {origin!r}")
        return tuple(o.rstrip("/") for o in v)

    @field_validator("labels")
    @classmethod
    def _labels(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(v) - set(WIDGET_LABELS))
        if unknown:
            raise ValueError(f"unknown label {unknown[0]!r}; known: {', '.join(WIDGET_LABELS)}")
        return v

    def texts(self) -> dict[str, str]:
        """Every label: the configured ones over the English defaults."""
        return {**WIDGET_LABELS, **{k: v for k, v in self.labels.items() if v}}
