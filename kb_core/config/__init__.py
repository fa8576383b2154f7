"""Read and validate ``site_config.yml``.

Shared by the build and by ``feedback_api``: imports neither mkdocs nor Flask. Every field has a
default and a one-line description (the README lists them all; a test keeps the two in step).

One module per concern: ``load`` (the loader), ``site_config`` (the whole file), and its
sections: ``site``, ``search``, ``feedback``, ``api``, ``widget``; ``base`` holds what they
share. Their public names are importable from here.
"""

from kb_core.config.api import AgentToken, ApiSettings
from kb_core.config.feedback import (
    ContactField,
    ContactSettings,
    RatingSettings,
    SmtpSettings,
    SupportHours,
)
from kb_core.config.load import load_config, parse_config
from kb_core.config.search import GapSettings, SearchSettings
from kb_core.config.site import ContentSettings, SiteSettings, Visibility
from kb_core.config.site_config import SiteConfig
from kb_core.config.widget import MATERIAL_COLORS, WIDGET_LABELS, WidgetContext, WidgetSettings

__all__ = [
    "MATERIAL_COLORS",
    "WIDGET_LABELS",
    "AgentToken",
    "ApiSettings",
    "ContactField",
    "ContactSettings",
    "ContentSettings",
    "GapSettings",
    "RatingSettings",
    "SearchSettings",
    "SiteConfig",
    "SiteSettings",
    "SmtpSettings",
    "SupportHours",
    "Visibility",
    "WidgetContext",
    "WidgetSettings",
    "load_config",
    "parse_config",
]
