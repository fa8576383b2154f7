"""The one loader of ``site_config.yml``: every problem collected with its dotted key before
failing; unknown keys warn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from kb_core.config.site_config import SiteConfig
from kb_core.errors import ConfigError, Problem, impossible_value, invalid_value, yaml_problem


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
