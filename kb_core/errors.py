"""Domain errors and the problem records that checks produce.

The CLI turns these into ``click.ClickException`` at the edge; nothing below the CLI prints.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the content or the configuration, with where it is."""

    path: str
    line: int
    severity: Severity
    message: str
    code: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def invalid_value(err: Any) -> str:
    """A pydantic error's message, followed by the value written when it is a short scalar
    the message does not already show: "Input should be 'public', 'internal' or 'draft':
    'intenral'", and what it probably meant: the allowed value it is but for case or spaces,
    else the one it is a slip of a letter away from (:func:`nearest_allowed`)."""
    msg = str(err["msg"]).removeprefix("Value error, ")
    bad = err.get("input")
    shown = isinstance(bad, str | int | float) and not isinstance(bad, bool)
    if shown and len(str(bad)) <= 60 and repr(bad) not in msg:
        msg += f": {bad!r}"
    allowed = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
    same = [v for v in allowed if isinstance(bad, str) and v.lower() == bad.strip().lower()]
    if same and same[0] != bad:  # 'Public', 'public ': a slip of case or a space
        msg += did_you_mean(same[0])
    elif not same and allowed and isinstance(bad, str):
        msg += did_you_mean(nearest_allowed(bad.strip(), allowed))  # 'interal', 'pubic'
    return msg


def nearest_allowed(word: str, allowed: list[str]) -> str | None:
    """The one of a field's few allowed values ``word`` is a slip of a letter away from (a
    letter left out, added or changed, or two neighbours swapped): 'internal' for 'interal',
    and, unlike a name (kb_builder.nearest, six letters at least), 'public' for 'pubic' and
    'draft' for 'draf', since a word here can only be one of these. None for a word under
    three letters or when two values are as near."""
    if len(word) < 3:
        return None
    near = [v for v in allowed if _one_slip(word.lower(), v.lower())]
    return near[0] if len(near) == 1 else None


def _one_slip(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by one edit, a swap of neighbours counted as one (as
    kb_core.search.spell.distance counts; kb_core.search imports this module, so not it)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    pairs = enumerate(zip(a, b, strict=False))
    i = next((i for i, (x, y) in pairs if x != y), min(len(a), len(b)))
    if len(a) != len(b):  # a letter left out or added at i
        longer, shorter = (a, b) if len(a) > len(b) else (b, a)
        return longer[i + 1 :] == shorter[i:]
    if a[i + 1 :] == b[i + 1 :]:  # a letter changed
        return True
    return a[i + 2 :] == b[i + 2 :] and a[i : i + 2] == b[i : i + 2][::-1]  # a swap


def did_you_mean(near: str | None, mark: str = "") -> str:
    """The one way a message ends with what a slip probably meant: "; did you mean '#faq'?"
    (nothing when there is no guess). ``mark`` goes before the name, such as '#' for an anchor."""
    return "" if near is None else f"; did you mean '{mark}{near}'?"


# What PyYAML says, in a writer's words: (its context or problem, the advice). A slip that
# opens something and never closes it is reported where it was opened, not at the end of the
# front matter where the parser gave up.
_YAML_ADVICE = (
    ("while scanning a quoted scalar", "a quote opened here is never closed"),
    ("while parsing a flow sequence", "a '[' list opened here is never closed with ']'"),
    ("while parsing a flow mapping", "a '{' opened here is never closed with '}'"),
    (
        "mapping values are not allowed",
        "a ':' inside a value (or a line indented under a value): quote the value",
    ),
    ("expected <block end>", "text after a quoted value: quote all of it, ' written as ''"),
    ("did not find expected key", "text after a quoted value: quote all of it, ' written as ''"),
)


def yaml_problem(exc: Exception) -> tuple[int, str]:
    """The 0-based line and a plain message for a PyYAML error (its ``MarkedYAMLError``
    marks): "title: \"Unclosed" names its own line, with what to do about it."""
    context = str(getattr(exc, "context", None) or "")
    problem = str(getattr(exc, "problem", None) or "invalid YAML")
    for said, advice in _YAML_ADVICE:
        if context.startswith(said) or problem.startswith(said):
            opened = said == context[: len(said)] and said.startswith("while")
            mark = getattr(exc, "context_mark" if opened else "problem_mark", None)
            return (mark.line if mark is not None else 0), f"YAML: {advice}"
    mark = getattr(exc, "problem_mark", None)
    return (mark.line if mark is not None else 0), f"YAML: {problem}"


def impossible_value(text: str, exc: ValueError) -> tuple[int, str, str]:
    """The 0-based line, a plain message and the top-level key for YAML that parses but names
    no real value (``review_by: 2027-13-07``): the key and value written, not just PyYAML's
    "month must be in 1..12" on the file's first line. The key is "" when none is found."""
    import yaml  # only on this error path: kb_core.errors is imported by every command

    loader = yaml.SafeLoader(text)
    try:
        found = _first_impossible(loader, loader.get_single_node(), ())
    except yaml.YAMLError:
        found = None
    finally:
        loader.dispose()
    if found is None:
        return 0, f"impossible value: {exc}", ""
    line, keys, value, reason = found
    key = ".".join(keys)
    message = f"{key + ': ' if key else ''}impossible value {value} ({reason})"
    return line, message, keys[0] if keys else ""


def _first_impossible(
    loader: Any, node: Any, keys: tuple[str, ...]
) -> tuple[int, tuple[str, ...], str, ValueError] | None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        children = [
            (v, (*keys, str(k.value) if isinstance(k, yaml.ScalarNode) else "?"))
            for k, v in node.value
        ]
    elif isinstance(node, yaml.SequenceNode):
        children = [(v, (*keys, str(n))) for n, v in enumerate(node.value)]
    elif isinstance(node, yaml.ScalarNode):
        try:
            loader.construct_object(node, deep=True)
        except ValueError as exc:
            return node.start_mark.line, keys, str(node.value), exc
        return None
    else:
        return None
    for child, where in children:
        found = _first_impossible(loader, child, where)
        if found is not None:
            return found
    return None


class KBError(Exception):
    """Base class for every error kb-portal reports to a person."""


class ConfigError(KBError):
    """``site_config.yml`` is unreadable or invalid; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ContentError(KBError):
    """One content file cannot be used; names the file and line."""

    def __init__(self, path: str, line: int, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")


class BuildError(KBError):
    """The build refused to run or failed; ``problems`` lists every reason."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        self.problems = problems or []
        super().__init__(message)


class IndexUnavailable(KBError):
    """The search index is missing or unreadable."""
