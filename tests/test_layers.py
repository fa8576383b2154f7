"""The layers of DESIGN.md, as the import contracts in pyproject.toml ([tool.importlinter]).

One test per contract, so a failure names the rule that broke; import-linter's report (which
import to remove) is the assertion message.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
LINT = Path(sys.executable).with_name("lint-imports")


def test_every_package_is_under_contract() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py") if p.parent.name != "tests"}
    assert packages == set(CONTRACTS["root_packages"])


@pytest.mark.parametrize("contract", [c["id"] for c in CONTRACTS["contracts"]])
def test_import_contract_is_kept(contract: str) -> None:
    lint = str(LINT) if LINT.exists() else shutil.which("lint-imports")
    assert lint, "import-linter is not installed: pip install -e '.[test]'"
    run = subprocess.run(
        [lint, "--no-cache", "--no-logo", "--contract", contract],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
