"""What the sections of ``site_config.yml`` share: a frozen model that forbids unknown keys,
and the URL check."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def check_url(value: str, *, allow_empty: bool = True) -> str:
    """``value`` if it is an http(s) URL (or empty, when allowed); raises ValueError if not."""
    if (allow_empty and not value) or _URL.match(value):
        return value.rstrip("/") if value.count("/") == 2 else value
    raise ValueError(f"not a URL: {value!r}")


class FrozenModel(BaseModel):
    """A section of the config: frozen, and an unknown key is an error (a warning, once
    :func:`~kb_core.config.load.parse_config` has dropped it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
