"""Start-up of the writer's commands, side by side with the interpreter's own floor.

    .venv/bin/python bench/startup.py [--runs 5]

Builds the shipped example once into a temporary folder (not timed), then prints the median
wall time of ``--runs`` runs of each command as a process, and its ratio to two baselines
measured in the same run: ``python -c pass`` (the interpreter) and ``python -c "import
click"`` (the least any click CLI pays). ``kb check`` and ``kb search`` include their work on
the example (40 articles), not only their imports; ``python -X importtime -m kb_cli ...``
says where a command's start-up goes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
KB = str(Path(PY).with_name("kb"))


def median_seconds(cmd: list[str], runs: int) -> float:
    times = []
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for _ in range(runs + 1):  # the first run only warms the file cache
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-startup-") as tmp:
        site = Path(tmp) / "build"
        subprocess.run(
            [KB, "build", "--output", str(site)], cwd=ROOT, check=True, capture_output=True
        )
        cases = {
            "python -c pass": [PY, "-c", "pass"],
            'python -c "import click"': [PY, "-c", "import click"],
            "kb --help": [KB, "--help"],
            "kb check": [KB, "check", "--previous", str(site)],
            "kb search refund": [KB, "search", "refund", "--build-dir", str(site)],
        }
        results = {name: median_seconds(cmd, args.runs) for name, cmd in cases.items()}
    floor, click_floor = results["python -c pass"], results['python -c "import click"']
    print(f"median of {args.runs} runs, {sys.version.split()[0]}, {os.cpu_count()} cores")
    print(f"{'command':28} {'seconds':>8} {'x python':>9} {'x click':>8}")
    for name, secs in results.items():
        print(f"{name:28} {secs:8.3f} {secs / floor:9.1f} {secs / click_floor:8.1f}")


if __name__ == "__main__":
    main()
