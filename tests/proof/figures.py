"""Figures the proof tests measure (requests held, kills survived, cases run, violations).

Tests call ``record``; ``tests/proof/conftest.py`` prints them at the end of the run and writes
them to ``test-artifacts/proof-figures.json``.
"""

from __future__ import annotations

from typing import Any

FIGURES: dict[str, Any] = {}


def record(key: str, value: Any) -> None:
    """Keep a figure under ``key`` (a later value replaces an earlier one)."""
    FIGURES[key] = value


def add(key: str, amount: int) -> None:
    """Add to a counter figure."""
    FIGURES[key] = int(FIGURES.get(key, 0)) + amount
