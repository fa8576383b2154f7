"""Build speed: `kb build` side by side with plain Material and the python-markdown floor.

    .venv/bin/python bench/build_bench.py [--corpus generated1000 officedocs cpp] [--runs 1]

For each corpus it prints wall time and peak memory (RSS of the child process) of:
  kb build (full), kb build after editing one article (incremental),
  mkdocs build with Material defaults on the same Markdown (skipped above --material-max files:
  its time grows with the square of the page count), and python-markdown alone rendering
  every file with the same extensions (the floor for any Python build).
Every figure comes from the same run on the same machine; ratios are what to read.

Every full build writes into a directory no earlier build used, and nothing is deleted until
the run ends. On a filesystem without a journal (ext4 as these machines mount it), a file
created within seconds of a mass deletion costs far more: the kernel skips every recently
deleted inode while looking for a free one. Deleting the last build's 6,000 files just before
the next one added 2-4 CPU seconds to a 1,000-article build (measured with ``os.times``), a cost
of the benchmark's own clean-up that neither a first build nor the floor pays.
``kb build`` runs this checkout's code (PYTHONPATH is set to it).

    .venv/bin/python bench/build_bench.py --corpus generated1000 --runs 3 --baseline main

adds the full build of another git revision's code (``git archive``, same Python and packages),
run in turn with this checkout's and the floor in every round, so a busy moment hits all three
alike; its median and ratios are printed beside this code's.

    .venv/bin/python bench/build_bench.py --languages [--articles 1000] [--runs 3]

builds a generated KB in one language, then the same KB with every article translated into
French (site.languages [en, fr]: two portals, two pairs of indexes), and prints the medians and
their ratio against the issue's budget (two languages in at most 2.2x the time of one).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"
PY = sys.executable
KB = str(Path(PY).with_name("kb"))
CORPORA = {
    "officedocs": SHARED / "officedocs-support",
    "cpp": SHARED / "cpp-docs" / "docs",
    "duckduckgo": SHARED / "duckduckgo-help" / "_docs",
    "plausible": SHARED / "plausible-docs" / "docs",
}
EXTENSIONS = textwrap.dedent("""
    markdown_extensions:
      - toc: {permalink: true}
      - admonition
      - attr_list
      - md_in_html
      - tables
      - def_list
      - pymdownx.details
      - pymdownx.superfences
      - pymdownx.highlight: {anchor_linenums: false}
      - pymdownx.inlinehilite
      - pymdownx.tabbed: {alternate_style: true}
      - pymdownx.tasklist: {custom_checkbox: true}
""")
FLOOR = textwrap.dedent("""
    import sys, pathlib, markdown
    exts = ["toc", "admonition", "attr_list", "md_in_html", "tables", "def_list",
            "pymdownx.details", "pymdownx.superfences", "pymdownx.highlight",
            "pymdownx.inlinehilite", "pymdownx.tabbed", "pymdownx.tasklist"]
    cfg = {"toc": {"permalink": True}, "pymdownx.tabbed": {"alternate_style": True},
           "pymdownx.tasklist": {"custom_checkbox": True}}
    md = markdown.Markdown(extensions=exts, extension_configs=cfg)
    for p in sorted(pathlib.Path(sys.argv[1]).rglob("*.md")):
        md.reset().convert(p.read_text(encoding="utf-8", errors="replace"))
""")


def generate(target: Path, n: int) -> Path:
    """A synthetic KB: n articles of ~300 words in 10 categories x 3 sections."""
    import random

    rng = random.Random(7)
    words = (
        "account billing invoice refund password schedule shift team export sync "
        "calendar mobile notification payment plan upgrade cancel login security data "
        "report manager employee clock timesheet holiday approve request error fix"
    ).split()
    for i in range(n):
        cat, sec = f"category-{i % 10}", f"section-{(i // 10) % 3}"
        d = target / cat / sec
        d.mkdir(parents=True, exist_ok=True)
        paras = []
        for h in range(4):
            paras.append(f"## {rng.choice(words).title()} step {h}\n")
            paras.append(" ".join(rng.choice(words) for _ in range(70)) + ".\n")
            paras.append("1. Open **Settings**.\n2. Choose `Billing`.\n")
        title = f"How to {rng.choice(words)} {rng.choice(words)} {i}"
        (d / f"article-{i}.md").write_text(
            f"---\ntitle: {title}\nsummary: Generated article {i}.\n---\n\n" + "\n".join(paras)
        )
    return target


FRENCH = (
    "compte facturation facture remboursement mot passe planning service équipe export "
    "synchroniser calendrier mobile notification paiement formule passer annuler connexion "
    "sécurité données rapport responsable employé pointer feuille congé valider demande erreur"
).split()


def translate(target: Path) -> Path:
    """Give every generated article a French translation beside it (``article-1.fr.md``)."""
    import random

    rng = random.Random(11)
    for p in sorted(target.rglob("article-*.md")):
        if p.name.endswith(".fr.md"):
            continue
        paras = []
        for h in range(4):
            paras.append(f"## {rng.choice(FRENCH).title()} étape {h}\n")
            paras.append(" ".join(rng.choice(FRENCH) for _ in range(70)) + ".\n")
            paras.append("1. Ouvrez **Paramètres**.\n2. Choisissez `Facturation`.\n")
        title = f"Comment {rng.choice(FRENCH)} {rng.choice(FRENCH)} {p.stem}"
        p.with_name(p.stem + ".fr.md").write_text(
            f"---\ntitle: {title}\nsummary: Article traduit.\n---\n\n" + "\n".join(paras)
        )
    return target


def languages_bench(articles: int, runs: int) -> None:
    """One language against two, on the same generated articles, full builds."""
    with tempfile.TemporaryDirectory(prefix="kb-bench-lang-") as tmp:
        tmpd = Path(tmp)
        generate(tmpd / "one" / "content", articles)
        translate(generate(tmpd / "two" / "content", articles))
        (tmpd / "one" / "site_config.yml").write_text("site: {languages: [en]}\n")
        (tmpd / "two" / "site_config.yml").write_text("site: {languages: [en, fr]}\n")
        print(f"== {articles} articles: English only, then English and French", flush=True)
        found: dict[str, list[tuple[float, float, float]]] = {"one": [], "two": []}
        for _ in range(runs):
            for name in ("one", "two"):  # alternated, so a busy moment hits both alike
                out = fresh(tmpd / name / "build")
                found[name].append(
                    peak_of([KB, "build", "-q", "--output", str(out)], cwd=tmpd / name)
                )
        med = {k: [statistics.median(x[i] for x in v) for i in range(3)] for k, v in found.items()}
        for name, label in (("one", "1 language "), ("two", "2 languages")):
            wall, mb, cpu = med[name]
            print(f"   {label}: {wall:.1f}s wall, {cpu:.1f} CPU s, {mb:.0f} MB peak")
        ratio, cpu_ratio = med["two"][0] / med["one"][0], med["two"][2] / med["one"][2]
        verdict = "within" if ratio <= 2.2 else "OVER"
        print(f"   two/one: {ratio:.2f}x wall ({verdict} the 2.2x budget), {cpu_ratio:.2f}x CPU")


def _tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants, from /proc.

    Walks down from ``root`` through each thread's ``children`` file: a few reads every 0.2 s,
    where reading every process's ``stat`` took CPU from the build being measured.
    """
    page = os.sysconf("SC_PAGE_SIZE")
    total, todo, seen = 0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * page
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, IndexError, ValueError):  # gone meanwhile
            continue
    return total / 2**20


def peak_of(
    cmd: list[str], cwd: Path | None = None, code: Path = ROOT
) -> tuple[float, float, float]:
    """Wall seconds, peak memory (MB) and CPU seconds of a command, its workers included.

    CPU time does not depend on what else the shared machine is running as much as wall time
    does, so the ratio of CPU seconds is printed too.
    """
    import resource
    import threading

    _adopt_orphans()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(code)}
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env
    )
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_mb(proc.pid))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t
    done.set()
    sampler.join()
    if proc.returncode != 0:
        print(f"  ! {' '.join(cmd[:3])} failed:\n{err[-2000:]}", file=sys.stderr)
    _reap_orphans()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, peak[0], cpu


def _adopt_orphans() -> None:
    """Become the parent of this process's orphaned descendants (Linux's child subreaper),
    so that their CPU time is counted: the build's fork server, which forks its workers, is
    never waited for by `kb build` and leaves after it."""
    import ctypes

    pr_set_child_subreaper = 36
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_child_subreaper, 1, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the fork server's CPU goes uncounted
        pass


def _reap_orphans(timeout: float = 30.0) -> None:
    """Wait for the descendants adopted by :func:`_adopt_orphans` (the fork server leaves as
    soon as its parent has), so their CPU time is in ``RUSAGE_CHILDREN``."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def fresh(base: Path) -> Path:
    """A directory beside ``base`` that no build has used yet (see the module's docstring)."""
    n = 0
    while (path := base.with_name(f"{base.name}-{n}")).exists():
        n += 1
    return path


def material_default(src: Path, work: Path) -> tuple[float, float, float]:
    cfg = work / "mkdocs-material.yml"
    cfg.write_text(
        f"site_name: bench\ndocs_dir: {src}\nsite_dir: {work / 'material-site'}\n"
        "theme: {name: material}\n" + EXTENSIONS
    )
    return peak_of([PY, "-m", "mkdocs", "build", "-q", "-f", str(cfg)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", nargs="+", default=["generated1000", "officedocs", "cpp"])
    ap.add_argument("--runs", type=int, default=1, help="repeat and report medians")
    ap.add_argument(
        "--material-max",
        type=int,
        default=3000,
        help="skip the plain Material build above this many files",
    )
    ap.add_argument(
        "--baseline", metavar="REV", help="also time the full build of this git revision's code"
    )
    ap.add_argument("--languages", action="store_true", help="one language against two")
    ap.add_argument("--articles", type=int, default=1000, help="articles for --languages")
    args = ap.parse_args()
    if args.languages:
        languages_bench(args.articles, args.runs)
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        tmpd = Path(tmp)
        base_code = None
        if args.baseline:
            base_code = tmpd / "baseline-code"
            base_code.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", args.baseline], capture_output=True, check=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(base_code)], input=archive, check=True)
        for name in args.corpus:
            if name.startswith("generated"):
                src = generate(tmpd / name, int(name.removeprefix("generated") or 1000))
            else:
                src = CORPORA[name]
                if not src.exists():
                    print(f"skip {name}: {src} not found")
                    continue
            n = sum(1 for _ in src.rglob("*.md"))
            print(f"== {name}: {n} Markdown files", flush=True)
            floor: list[tuple[float, float, float]] = []
            out = tmpd / f"{name}-build"
            full, incr, base = [], [], []
            for _ in range(args.runs):
                floor.append(peak_of([PY, "-c", FLOOR, str(src)]))
                if base_code is not None:
                    base.append(
                        peak_of(
                            [KB, "build", "-q", "--content", str(src), "--output", str(fresh(out))],
                            cwd=tmpd,
                            code=base_code,
                        )
                    )
                built = fresh(out)
                full.append(
                    peak_of(
                        [KB, "build", "-q", "--content", str(src), "--output", str(built)], cwd=tmpd
                    )
                )
                # edit one article of a copy (the shared corpora are read-only to us)
                work_src = src
                if not name.startswith("generated"):
                    work_src = tmpd / f"{name}-copy"
                    if not work_src.exists():
                        shutil.copytree(src, work_src)
                    built = fresh(out)
                    peak_of(
                        [KB, "build", "-q", "--content", str(work_src), "--output", str(built)],
                        cwd=tmpd,
                    )
                victim = sorted(work_src.rglob("*.md"))[len(full) * 7 % n]
                victim.write_text(victim.read_text(errors="replace") + "\nOne more sentence.\n")
                incr.append(
                    peak_of(
                        [KB, "build", "-q", "--content", str(work_src), "--output", str(built)],
                        cwd=tmpd,
                    )
                )
            mat = material_default(src, tmpd) if n <= args.material_max else (None, None, None)
            med = lambda xs, i: statistics.median(x[i] for x in xs)  # noqa: E731
            if base:
                fl = med(floor, 0)
                print(
                    f"   full build, medians of {args.runs}: {args.baseline} {med(base, 0):.2f}s "
                    f"({med(base, 0) / fl:.2f}x floor, {med(base, 2):.1f} CPU s, "
                    f"{med(base, 1):.0f} MB), this code {med(full, 0):.2f}s "
                    f"({med(full, 0) / fl:.2f}x floor, {med(full, 2):.1f} CPU s, "
                    f"{med(full, 1):.0f} MB), floor {fl:.2f}s ({med(floor, 2):.1f} CPU s); "
                    f"this/{args.baseline} {med(full, 0) / med(base, 0):.2f}x wall, "
                    f"{med(full, 2) / med(base, 2):.2f}x CPU",
                    flush=True,
                )
            rows.append(
                (name, n, med(full, 0), med(full, 1), med(incr, 0), med(floor, 0), mat[0], mat[1])
            )
            print(
                f"   kb build {med(full, 0):.1f}s ({med(full, 1):.0f} MB), "
                f"incremental {med(incr, 0):.1f}s, floor {med(floor, 0):.1f}s, "
                f"material {mat[0] if mat[0] is None else round(mat[0], 1)}s",
                flush=True,
            )
            print(
                f"   CPU seconds (all processes): kb build {med(full, 2):.1f}, incremental "
                f"{med(incr, 2):.1f}, floor {med(floor, 2):.1f} (kb/floor "
                f"{med(full, 2) / med(floor, 2):.2f})",
                flush=True,
            )
    print()
    print(
        f"{'corpus':<14}{'files':>7}{'kb build':>10}{'peak MB':>9}{'2nd build':>10}"
        f"{'md floor':>10}{'Material':>10}{'kb/floor':>9}{'kb/Mat':>8}{'2nd/full':>9}"
    )
    for name, n, kb, mb, inc, fl, mat, _mmb in rows:
        mat_s = f"{mat:.1f}" if mat else "skipped"
        ratio_m = f"{kb / mat:.2f}" if mat else "-"
        ratio_i = f"{inc / kb:.2f}" if inc == inc else "-"
        print(
            f"{name:<14}{n:>7}{kb:>9.1f}s{mb:>9.0f}{inc:>9.1f}s{fl:>9.1f}s{mat_s:>10}"
            f"{kb / fl:>9.2f}{ratio_m:>8}{ratio_i:>9}"
        )


if __name__ == "__main__":
    main()
