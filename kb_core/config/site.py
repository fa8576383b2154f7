"""``site`` (the portal itself) and ``content`` (article content) in ``site_config.yml``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from kb_core.config.base import FrozenModel, check_url
from kb_core.i18n import LanguageSettings, language_items
from kb_core.schedule import Banner, banner_input

Visibility = Literal["public", "internal", "draft"]

DEFAULT_DESCRIPTION = "Answers to common questions."


class SiteSettings(FrozenModel):
    name: str = Field("Help Center", description="Portal name, shown in the header and title.")
    url: str = Field(
        "http://127.0.0.1:8000",
        description="Public base URL of the portal; permanent links are <url>/a/<id>.",
    )
    description: str = Field(
        DEFAULT_DESCRIPTION, description="One sentence shown on the home page."
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
        return check_url(v, allow_empty=False).rstrip("/")

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


class ContentSettings(FrozenModel):
    trust_raw_html: bool = Field(
        False,
        description=(
            "Publish raw HTML in articles as written; by default it is cut to a safe allowlist "
            "(no scripts, event handlers, frames or javascript: links) and kb check says what "
            "was removed. Inline scripts never run on the served portal either way."
        ),
    )
