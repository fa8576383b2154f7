"""The whole of ``site_config.yml``: its sections, and what the portal of each language shows
of the texts the site wrote."""

from __future__ import annotations

import os
from typing import Any

from pydantic import Field, model_validator

from kb_core.config.api import ApiSettings
from kb_core.config.base import FrozenModel
from kb_core.config.feedback import ContactSettings, RatingSettings
from kb_core.config.search import GapSettings, SearchSettings
from kb_core.config.site import DEFAULT_DESCRIPTION, ContentSettings, SiteSettings
from kb_core.config.widget import WIDGET_LABELS, WidgetSettings
from kb_core.errors import Problem
from kb_core.i18n import language_name
from kb_core.i18n import strings as language_strings


class SiteConfig(FrozenModel):
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
                ("site.description", self.site.description != DEFAULT_DESCRIPTION),
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
