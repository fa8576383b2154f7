"""site_config.yml: every problem named by its dotted key; README documents every field."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from kb_core.config import SiteConfig, load_config, parse_config
from kb_core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_without_a_file() -> None:
    config, warnings = load_config(None)
    assert config.site.name == "Help Center"
    assert [f.name for f in config.contact.fields] == [
        "name",
        "email",
        "topic",
        "subject",
        "message",
    ]
    assert warnings == []


def test_shipped_config_is_valid() -> None:
    config, warnings = load_config(ROOT / "site_config.yml")
    assert warnings == []
    assert config.search.synonyms


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"contact": {"webhook_url": "htp:/x"}},
            "site_config.yml: error: contact.webhook_url: not a URL: 'htp:/x'",
        ),
        ({"site": {"url": "nope"}}, "site_config.yml: error: site.url: not a URL: 'nope'"),
        (
            {"contact": {"hours": {"timezone": "Mars/Base"}}},
            "site_config.yml: error: contact.hours.timezone: unknown time zone: 'Mars/Base'",
        ),
        (
            {"site": {"default_visibility": "secret"}},
            "site_config.yml: error: site.default_visibility: Input should be 'public', "
            "'internal' or 'draft': 'secret'",
        ),
        (  # a slip of an allowed value says what it probably meant, as in front matter
            {"site": {"default_visibility": "interal"}},
            "site_config.yml: error: site.default_visibility: Input should be 'public', "
            "'internal' or 'draft': 'interal'; did you mean 'internal'?",
        ),
        (
            {"ratings": {"scale": "thre"}},
            "site_config.yml: error: ratings.scale: Input should be 'binary' or 'three': "
            "'thre'; did you mean 'three'?",
        ),
        (
            {"search": {"results_per_page": 0}},
            "site_config.yml: error: search.results_per_page: Input should be greater than or "
            "equal to 1: 0",
        ),
        (
            {"api": {"agent_tokens": [{"name": "a", "sha256": "xyz"}]}},
            "site_config.yml: error: api.agent_tokens.0.sha256: must be 64 hex digits (sha256 of "
            "the token): 'xyz'",
        ),
        ("just a string", "site_config.yml: error: top level must be a mapping"),
    ],
)
def test_invalid_values_name_the_key(data: object, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config(data)
    assert message in [str(p) for p in exc.value.problems]


def test_all_errors_at_once_and_unknown_keys_warn() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config({"site": {"url": "x", "colour": 1}, "contact": {"webhook_url": "y"}})
    shown = [str(p) for p in exc.value.problems]
    assert "site_config.yml: error: site.url: not a URL: 'x'" in shown
    assert "site_config.yml: error: contact.webhook_url: not a URL: 'y'" in shown
    config, warnings = parse_config({"site": {"colour": "red"}, "extra": 1})
    assert sorted(str(w) for w in warnings) == [
        "site_config.yml: warning: extra: unknown key",
        "site_config.yml: warning: site.colour: unknown key",
    ]
    assert config.site.name == "Help Center"


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    p = tmp_path / "site_config.yml"
    p.write_text("site:\n  name: ok\n  url: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    assert str(exc.value) == f"{p}:3: error: YAML: a '[' list opened here is never closed with ']'"


def _fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    out = []
    for name, field in model.model_fields.items():
        sub = field.annotation
        if isinstance(sub, type) and issubclass(sub, BaseModel):
            out += _fields(sub, f"{prefix}{name}.")
        else:
            out.append(prefix + name)
    return out


def test_readme_documents_every_field() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [k for k in _fields(SiteConfig) if f"`{k}`" not in readme]
    assert missing == []
