"""Read and validate ``site_config.yml``.

Shared by the build and by ``feedback_api``: imports neither mkdocs nor Flask. Every field has a
default and a one-line description (the README lists them all; a test keeps the two in step).
"""

from __future__ import annotations

import os
import re
from datetime import time
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from kb_core.errors import ConfigError, Problem, impossible_value, invalid_value, yaml_problem
from kb_core.i18n import LanguageSettings, language_items, language_name
from kb_core.i18n import strings as language_strings
from kb_core.schedule import Banner, banner_input

Visibility = Literal["public", "internal", "draft"]

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def _check_url(value: str, *, allow_empty: bool = True) -> str:
    if (allow_empty and not value) or _URL.match(value):
        return value.rstrip("/") if value.count("/") == 2 else value
    raise ValueError(f"not a URL: {value!r}")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


_DEFAULT_DESCRIPTION = "Answers to common questions."


class SiteSettings(_Model):
    name: str = Field("Help Center", description="Portal name, shown in the header and title.")
    url: str = Field(
        "http://127.0.0.1:8000",
        description="Public base URL of the portal; permanent links are <url>/a/<id>.",
    )
    description: str = Field(
        _DEFAULT_DESCRIPTION, description="One sentence shown on the home page."
    )
    language: str = Field("en", description="Language code of the content (search and HTML).")
    languages: tuple[LanguageSettings, ...] = Field(
        (),
        description=(
            "The portal's languages ([en, fr] or {code, name, default, strings} items); the "
            "default (marked default: true, else the first) is served at /, the others at "
            "/<code>/. Empty: site.language only."
        ),
    )
    announcement: str | Banner = Field(
        "",
        description=(
            "Optional banner shown on every page: a text, or {text, from, until} to show it "
            "only in that window (ISO date-times with a zone)."
        ),
    )
    featured: tuple[str, ...] = Field(
        (), description="Article ids shown as 'Popular articles' on the home page."
    )
    default_visibility: Visibility = Field(
        "public", description="Visibility of articles whose category and front matter say none."
    )
    stale_after_days: int = Field(
        365, ge=1, description="An article not updated for this many days counts as stale."
    )
    primary_color: str = Field("indigo", description="Material palette primary colour.")
    accent_color: str = Field("indigo", description="Material palette accent colour.")

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return _check_url(v, allow_empty=False).rstrip("/")

    _announcement = field_validator("announcement", mode="before")(banner_input)
    _languages = field_validator("languages", mode="before")(language_items)

    @model_validator(mode="before")
    @classmethod
    def _language_from_languages(cls, data: Any) -> Any:
        """``site.language`` defaults to the default of ``site.languages``."""
        if not isinstance(data, dict) or "language" in data:
            return data
        items = language_items(data.get("languages"))
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items) or not items:
            return data
        marked = [i for i in items if i.get("default") is True]
        code = (marked or items)[0].get("code")
        if not isinstance(code, str):
            return data
        return {**data, "language": code.strip().replace("_", "-")}

    @field_validator("languages")
    @classmethod
    def _one_default(
        cls, v: tuple[LanguageSettings, ...], info: ValidationInfo
    ) -> tuple[LanguageSettings, ...]:
        if not v:
            return v
        codes = [lang.code for lang in v]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"{twice[0]!r} is listed twice")
        marked = [lang.code for lang in v if lang.default]
        if len(marked) > 1:
            raise ValueError(f"only one language can be the default ({', '.join(marked)})")
        default, language = (marked or codes)[0], info.data.get("language")
        if language is not None and language != default:
            raise ValueError(
                f"the default is {default!r} but site.language is {language!r}; remove "
                "site.language or make them agree"
            )
        return v

    @property
    def codes(self) -> tuple[str, ...]:
        """The portal's language codes, the default first."""
        others = [lang.code for lang in self.languages if lang.code != self.language]
        return (self.language, *others)

    def prefix(self, code: str) -> str:
        """Where a language's portal lives below the site: '' for the default, else 'fr/'."""
        return "" if code == self.language else f"{code}/"

    def settings_of(self, code: str) -> LanguageSettings | None:
        """The ``site.languages`` item of a language, if the site lists it."""
        return next((lang for lang in self.languages if lang.code == code), None)

    def language_label(self, code: str) -> str:
        """The name of a language in the switcher."""
        return (self.settings_of(code) or LanguageSettings(code=code)).label


class SearchSettings(_Model):
    synonyms: tuple[tuple[str, ...], ...] | dict[str, tuple[tuple[str, ...], ...]] = Field(
        (),
        description=(
            "Groups of words or phrases that mean the same, e.g. [refund, money back]; or such "
            "groups by language code ({en: [...], fr: [...]}). A plain list serves every language."
        ),
    )

    @field_validator("synonyms", mode="before")
    @classmethod
    def _synonym_shape(cls, v: Any) -> Any:
        groups = v.values() if isinstance(v, dict) else [v]
        for g in groups:
            if not isinstance(g, (list, tuple)) or not all(isinstance(x, (list, tuple)) for x in g):
                raise ValueError(
                    "must be a list of groups ([[refund, money back], ...]) or such lists by "
                    "language code ({en: [[...]], fr: [[...]]})"
                )

        def words(groups: Any) -> Any:  # a number in a group (2fa: no, 365: yes) is a word
            return [[str(x) if isinstance(x, (int, float)) else x for x in g] for g in groups]

        return {k: words(g) for k, g in v.items()} if isinstance(v, dict) else words(v)

    results_per_page: int = Field(10, ge=1, le=100, description="Default number of results.")
    typo_tolerance: bool = Field(
        True, description="Try spelling corrections when exact terms find little."
    )
    semantic: bool = Field(
        True,
        description=(
            "Rerank uncertain results by meaning with a small sentence model (English sites "
            "only): finds the article for questions worded unlike it."
        ),
    )


class RatingSettings(_Model):
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


class ContactField(_Model):
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


class SupportHours(_Model):
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


class SmtpSettings(_Model):
    host: str = Field("", description="SMTP server; empty disables email forwarding.")
    port: int = Field(25, ge=1, le=65535, description="SMTP port.")
    starttls: bool = Field(False, description="Upgrade the connection with STARTTLS.")
    username: str = Field("", description="SMTP user name, if the server wants one.")
    password_env: str = Field(
        "KB_SMTP_PASSWORD", description="Environment variable that holds the SMTP password."
    )
    sender: str = Field("helpdesk@localhost", description="From address of forwarded requests.")
    to: str = Field("", description="Address that receives contact requests.")


class ContactSettings(_Model):
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
        return _check_url(v)

    _incident = field_validator("incident", mode="before")(banner_input)


class AgentToken(_Model):
    name: str = Field(description="Who or what holds the token (shown in logs).")
    sha256: str = Field(description="Hex SHA-256 of the token; the token itself is never stored.")
    scopes: tuple[Literal["internal"], ...] = Field(("internal",), description="What it grants.")

    @field_validator("sha256")
    @classmethod
    def _hex(cls, v: str) -> str:
        if not re.fullmatch(r"[0-9a-f]{64}", v.lower()):
            raise ValueError("must be 64 hex digits (sha256 of the token)")
        return v.lower()


class ApiSettings(_Model):
    base_path: str = Field("/api", description="Where the portal finds the API (same origin).")
    database_url: str = Field(
        "sqlite:///instance/kb.sqlite3",
        description="SQLAlchemy URL of the store; env KB_DATABASE_URL overrides it.",
    )
    rate_limit: str = Field("120/minute", description="Default per-visitor rate limit.")
    write_rate_limit: str = Field(
        "20/minute", description="Per-visitor limit on ratings and contact requests."
    )
    rate_limit_storage: str = Field(
        "memory://",
        description=(
            "Rate-limit counters, memory:// or redis://host; env KB_RATELIMIT_STORAGE overrides."
        ),
    )
    cors_origins: tuple[str, ...] = Field((), description="Origins allowed to call the API.")
    max_body_bytes: int = Field(64 * 1024, ge=1024, description="Largest accepted request body.")
    agent_tokens: tuple[AgentToken, ...] = Field((), description="Tokens that unlock internal.")
    agent_session_hours: int = Field(
        12, ge=1, le=720, description="How long an agent stays signed in to the internal portal."
    )
    agent_cookie_secure: Literal["auto", "always", "never"] = Field(
        "auto",
        description="Secure flag of the agent session cookie; 'auto' sets it on https requests.",
    )
    login_rate_limit: str = Field(
        "5/minute;30/hour", description="Per-visitor limit on internal portal login attempts."
    )


class GapSettings(_Model):
    min_ratings: int = Field(3, ge=1, description="Ratings an article needs before it is judged.")
    unhelpful_below: float = Field(
        0.6, ge=0, le=1, description="Helpfulness share below which an article needs a rewrite."
    )
    min_searches: int = Field(
        default=2,
        ge=1,
        description="Failed searches a group needs in the window to be listed.",
    )
    weak_min_searches: int = Field(
        default=5,
        ge=1,
        description="Searches with results but no click before a query group counts as weak.",
    )
    group_similarity: float = Field(
        default=0.36,  # tuned on banking77 train: most merging while groups stay 80% pure
        gt=0,
        le=1,
        description=(
            "Weighted word overlap (0-1) at which two failed queries share a group when they "
            "are grouped by words alone (search.semantic off, or a site not in English); "
            "with the sentence model, groups of words join by meaning."
        ),
    )


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
    "online": "We're online now.",
    "offline": "We're offline now; we'll reply when we're back.",
    "hours": "Support hours",
    "response": "We answer {time}.",
    "maybe": "These articles might answer your question:",
    "required": "Please fill in this field.",
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


class WidgetContext(_Model):
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


class WidgetSettings(_Model):
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


class ContentSettings(_Model):
    trust_raw_html: bool = Field(
        False,
        description=(
            "Publish raw HTML in articles as written; by default it is cut to a safe allowlist "
            "(no scripts, event handlers, frames or javascript: links) and kb check says what "
            "was removed. Inline scripts never run on the served portal either way."
        ),
    )


class SiteConfig(_Model):
    site: SiteSettings = Field(SiteSettings(), description="The portal itself.")
    search: SearchSettings = Field(SearchSettings(), description="Search behaviour.")
    ratings: RatingSettings = Field(RatingSettings(), description="'Was this helpful?'")
    contact: ContactSettings = Field(ContactSettings(), description="Contact support.")
    api: ApiSettings = Field(ApiSettings(), description="The feedback API.")
    gaps: GapSettings = Field(GapSettings(), description="Thresholds of kb gaps.")
    retired: tuple[str, ...] = Field(
        (),
        description=(
            "Published URLs removed on purpose (e.g. billing/old-plan/): kb check and kb build "
            "stop failing on them, and they answer 404."
        ),
    )
    content: ContentSettings = Field(ContentSettings(), description="Article content.")
    widget: WidgetSettings = Field(WidgetSettings(), description="The embeddable help widget.")

    @property
    def database_url(self) -> str:
        return os.environ.get("KB_DATABASE_URL") or self.api.database_url

    @model_validator(mode="after")
    def _synonym_languages(self) -> SiteConfig:
        if isinstance(self.search.synonyms, dict):
            for code in self.search.synonyms:
                if code not in self.site.codes:
                    known = ", ".join(self.site.codes)
                    raise ValueError(
                        f"search.synonyms: {code!r} is not a language of the site ({known})"
                    )
        return self

    def synonyms_for(self, code: str | None = None) -> tuple[tuple[str, ...], ...]:
        """The synonym groups of a language (default: the site's default language)."""
        found = self.search.synonyms
        if isinstance(found, dict):
            return found.get(code or self.site.language, ())
        return found

    def strings(self, code: str | None = None) -> dict[str, str]:
        """The portal's strings in a language: our catalog, then ``site.languages[].strings``."""
        code = code or self.site.language
        lang = self.site.settings_of(code)
        return language_strings(code, lang.strings if lang else None)

    def widget_texts(self, code: str | None = None) -> dict[str, str]:
        """The widget's texts in a language: our catalog's; ``widget.labels`` (written in the
        site's default language) over them in the default language."""
        code = code or self.site.language
        strings = self.strings(code)
        found = {k: strings.get(f"widget.{k}", v) for k, v in WIDGET_LABELS.items()}
        if code == self.site.language:
            found.update({k: v for k, v in self.widget.labels.items() if v})
        return found

    def site_text(self, key: str, value: str, code: str | None = None) -> str:
        """A text the site wrote (in its default language) as ``code``'s portal shows it:
        ``site.languages[code].strings[key]`` when that language gives one, else as written."""
        if not value or code in (None, self.site.language):
            return value
        lang = self.site.settings_of(code)
        return lang.strings.get(key, value) if lang else value

    def localized(self, code: str | None = None) -> tuple[dict[str, Any], list[str]]:
        """The contact settings (no secrets) and rating reasons as ``code``'s portal shows them.

        Texts left at their defaults come from that language's strings; texts the site wrote
        are its own, or their translation in ``site.languages[].strings`` (see
        :data:`kb_core.i18n.SITE_TEXTS`).
        """
        t = self.strings(code)
        contact = self.contact.model_dump(mode="json", exclude={"smtp", "webhook_url"})
        default = ContactSettings()
        labels = {f.name: f.label for f in default.fields}
        for f in contact["fields"]:
            if labels.get(f["name"]) == f["label"]:
                f["label"] = t.get(f"contact.field.{f['name']}", f["label"])
        if tuple(contact["topics"]) == default.topics:
            contact["topics"] = [t[f"contact.topic.{k}"] for k in _TOPICS]
        else:
            contact["topics"] = [
                self.site_text(f"contact.topic.{k}", k, code) for k in self.contact.topics
            ]
        if contact["response_time"] == default.response_time:
            contact["response_time"] = t["contact.response_time"]
        else:
            contact["response_time"] = self.site_text(
                "contact.response_time", contact["response_time"], code
            )
        reasons = list(self.ratings.reasons)
        if tuple(reasons) == RatingSettings().reasons:
            reasons = [t[f"rating.reason.{k}"] for k in _REASONS]
        return contact, reasons

    def topic_names(self) -> dict[str, str]:
        """Each contact topic as another language's portal shows it -> the configured topic."""
        names: dict[str, str] = {}
        for code in self.site.codes[1:]:
            shown = self.localized(code)[0]["topics"]
            names.update((a, b) for a, b in zip(shown, self.contact.topics, strict=True) if a != b)
        return names

    def untranslated_texts(self, source: str) -> list[Problem]:
        """Warnings for texts the site wrote that another language's portal shows as written."""
        default = ContactSettings()
        written = [
            key
            for key, own in (
                ("site.description", self.site.description != _DEFAULT_DESCRIPTION),
                ("site.announcement", bool(self.site.announcement)),
                ("contact.incident", bool(self.contact.incident)),
                ("contact.response_time", self.contact.response_time != default.response_time),
            )
            if own
        ]
        if self.contact.topics != default.topics:
            written += [f"contact.topic.{k}" for k in self.contact.topics]
        out = []
        for lang in self.site.languages:
            if lang.code == self.site.language:
                continue
            for key in (k for k in written if k not in lang.strings):
                out.append(
                    Problem(
                        source,
                        0,
                        "warning",
                        f"{key} has no {language_name(lang.code, 'en')} text: the "
                        f"/{lang.code}/ portal shows it as written; add '{key}' to the strings "
                        f"of {lang.code} in site.languages",
                        "untranslated-setting",
                    )
                )
        return out

    @property
    def semantic_search(self) -> bool:
        """Whether indexes carry title vectors: the sentence model knows English only."""
        return self.search.semantic and self.site.language.split("-")[0].lower() == "en"


_TOPICS = ("account", "billing", "technical", "other")  # ContactSettings' default topics
_REASONS = ("no_answer", "hard", "out_of_date", "didnt_work")  # RatingSettings' default reasons


def _dotted(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _drop(data: Any, loc: tuple[int | str, ...]) -> None:
    for part in loc[:-1]:
        data = data[part]
    if isinstance(data, dict):
        data.pop(loc[-1], None)


def parse_config(data: Any, source: str = "site_config.yml") -> tuple[SiteConfig, list[Problem]]:
    """Validate a loaded mapping; return the config and warnings, or raise ConfigError."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([Problem(source, 0, "error", "top level must be a mapping")])
    warnings: list[Problem] = []
    for _ in range(50):  # each pass drops the unknown keys it found
        try:
            config = SiteConfig.model_validate(data)
            return config, warnings + config.untranslated_texts(source)
        except ValidationError as exc:
            errors, unknown = [], []
            for err in exc.errors():
                key = _dotted(err["loc"])
                if err["type"] == "extra_forbidden":
                    unknown.append(err["loc"])
                    warnings.append(Problem(source, 0, "warning", f"{key}: unknown key"))
                else:
                    where = f"{key}: " if key else ""
                    errors.append(Problem(source, 0, "error", where + invalid_value(err)))
            if errors:
                raise ConfigError(errors + warnings) from None
            for loc in unknown:
                _drop(data, loc)
    raise ConfigError([Problem(source, 0, "error", "could not be validated")])


def load_config(path: str | Path | None) -> tuple[SiteConfig, list[Problem]]:
    """Read ``site_config.yml`` (defaults when ``path`` is None or absent by default).

    Raises ConfigError naming the file and key for unreadable YAML or invalid values.
    """
    if path is None:
        return SiteConfig(), []
    p = Path(path)
    if not p.exists():
        raise ConfigError([Problem(str(p), 0, "error", "file not found")])
    try:
        text = p.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(str(p), 0, "error", f"not UTF-8: {exc.reason}")]) from None
    except yaml.YAMLError as exc:
        line, problem = yaml_problem(exc)
        raise ConfigError([Problem(str(p), line + 1, "error", problem)]) from None
    except ValueError as exc:  # YAML that parses but names no real value: 2024-02-30
        line, problem, _ = impossible_value(text, exc)
        raise ConfigError([Problem(str(p), line + 1, "error", problem)]) from None
    return parse_config(data, str(p))
