"""``api`` in ``site_config.yml``: the feedback API, its store, limits and agent tokens."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from kb_core.config.base import FrozenModel


class AgentToken(FrozenModel):
    name: str = Field(description="Who or what holds the token (shown in logs).")
    sha256: str = Field(description="Hex SHA-256 of the token; the token itself is never stored.")
    scopes: tuple[Literal["internal"], ...] = Field(("internal",), description="What it grants.")

    @field_validator("sha256")
    @classmethod
    def _hex(cls, v: str) -> str:
        if not re.fullmatch(r"[0-9a-f]{64}", v.lower()):
            raise ValueError("must be 64 hex digits (sha256 of the token)")
        return v.lower()


class ApiSettings(FrozenModel):
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
