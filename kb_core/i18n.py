"""The portal's languages: the message catalogs we ship, language names, and ``site.languages``.

Catalogs are flat YAML files in ``locales/`` (``en.yml`` is the reference: every key, in
English); a language without a catalog, or a key a catalog lacks, falls back to English.
``site_config.yml`` overrides any string per language (``site.languages[].strings``).
Imports neither mkdocs nor Flask.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

LOCALES = Path(__file__).parent / "locales"
SHIPPED = ("en", "fr", "de", "es")  # the catalogs in locales/
# texts the site writes in site_config.yml (in its default language); another language gives
# its own in site.languages[].strings (so do contact.response_time, a catalog string, and
# contact.topic.<topic>, for each topic contact.topics names)
SITE_TEXTS = ("site.description", "site.announcement", "contact.incident")
_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


@functools.cache
def _load(name: str) -> dict[str, str]:
    path = LOCALES / f"{name}.yml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


def base(code: str) -> str:
    """The language of a code without its region: 'fr-CA' -> 'fr'."""
    return code.lower().replace("_", "-").split("-")[0]


def keys() -> tuple[str, ...]:
    """Every string the portal shows, by key (the English catalog's keys)."""
    return tuple(_load("en"))


def catalog(code: str) -> dict[str, str]:
    """The shipped strings of ``code`` ('fr-CA' uses fr.yml), English where it has none."""
    found = _load(code) if code in SHIPPED else {}
    return {**_load("en"), **(found or _load(base(code)))}


def language_name(code: str, in_language: str | None = None) -> str:
    """A language's name, in its own language (``Français``) or in ``in_language``."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(code, sep="-").get_display_name(
            Locale.parse(in_language or code, sep="-")
        )
    except (ValueError, TypeError, UnknownLocaleError):
        return code
    return str(name or code)


class LanguageSettings(BaseModel):
    """One language of the portal (an item of ``site.languages``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(description="Language code: en, fr, de, es, pt-BR...")
    name: str = Field("", description="Name shown in the language switcher; default: its own.")
    default: bool = Field(False, description="The default language (served at /).")
    strings: dict[str, str] = Field(
        {}, description="Portal strings of this language by key (see kb_core/locales/en.yml)."
    )

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        v = v.strip().replace("_", "-")
        if not _CODE.match(v):
            raise ValueError(f"not a language code (like en, fr or pt-BR): {v!r}")
        return v

    @field_validator("strings")
    @classmethod
    def _strings(cls, v: dict[str, str]) -> dict[str, str]:
        # contact.topic.<a topic site_config.yml names>: its name in this language
        topics = {k for k in v if k.startswith("contact.topic.")}
        unknown = sorted(set(v) - set(keys()) - set(SITE_TEXTS) - topics)
        if unknown:
            raise ValueError(f"unknown string {unknown[0]!r}; see kb_core/locales/en.yml")
        return v

    @property
    def label(self) -> str:
        """The name people see in the switcher."""
        name = self.name or language_name(self.code)
        return name[:1].upper() + name[1:]


def language_items(value: Any) -> Any:
    """``site.languages`` as written, made a list of mappings: ``[en, fr]`` is allowed."""
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return [{"code": v} if isinstance(v, str) else v for v in value]
    return value


def strings(code: str, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The portal's strings in ``code``: the shipped catalog, then the configured overrides."""
    return {**catalog(code), **(overrides or {})}
