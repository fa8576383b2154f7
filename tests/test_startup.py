"""What the writer's commands import: `kb --help` and `kb check` stay light.

Timings are measured by bench/startup.py, never asserted here; these tests assert what each
command imports, which is what keeps them fast (a heavy import at some module's top is the
usual way start-up regresses).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, write

HEAVY = ("flask", "numpy", "onnxruntime", "mkdocs", "sqlalchemy", "tokenizers")
# kb check's FAQ check matches questions to headings with search's own stemmer (whoosh.lang);
# whoosh's index and query machinery is another matter.
WHOOSH_INDEX = ("whoosh.index", "whoosh.fields", "whoosh.searching", "whoosh.qparser")

RUN = """
import sys
sys.argv = ["kb", *sys.argv[1:]]
from kb_cli.main import main
try:
    main()
except SystemExit:
    pass
print("MODULES", " ".join(sorted(sys.modules)))
"""


def modules_after(*args: str) -> set[str]:
    run = subprocess.run(
        [sys.executable, "-c", RUN, *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    line = next(x for x in run.stdout.splitlines() if x.startswith("MODULES "))
    return set(line.split()[1:])


def test_kb_check_imports_no_server_index_or_model() -> None:
    loaded = modules_after("check")
    assert "kb_builder.checks" in loaded  # it did check
    assert not [m for m in HEAVY if m in loaded]
    assert not [m for m in WHOOSH_INDEX if m in loaded]


def test_kb_help_imports_only_click() -> None:
    loaded = modules_after("--help")
    assert not [m for m in (*HEAVY, "whoosh", "pydantic", "rich") if m in loaded]


def test_kb_serve_without_the_server_extra_says_what_to_install() -> None:
    code = "import sys; sys.modules['flask'] = None\n" + RUN
    run = subprocess.run(
        [sys.executable, "-c", code, "serve", "--port", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "pip install 'kb-portal[server]'" in run.stderr
    assert "'kb serve' needs the server extra (flask is not installed)" in run.stderr


def test_kb_builds_main_process_leaves_the_index_and_pages_to_its_workers(tmp_path: Path) -> None:
    """`kb build`'s main process loads, checks, plans and publishes: numpy, Whoosh's writer and
    the sentence model are the index worker's, MkDocs the render workers'. Kept out of the
    main process, they cost the build no time before its workers start."""
    content = tmp_path / "content"
    for i in range(3):
        write(content, f"help/a{i}.md", f"---\ntitle: Article {i}\n---\nText {i}.\n\n## Part\n")
    (tmp_path / "site_config.yml").write_text("site: {name: Help}\n", encoding="utf-8")
    out = tmp_path / "build"
    loaded = modules_after(
        "build",
        "-q",
        "--content",
        str(content),
        "--config",
        str(tmp_path / "site_config.yml"),
        "--output",
        str(out),
    )
    assert "kb_builder.build" in loaded and (out / "index" / "public").is_dir()
    assert (out / "public" / "help" / "a2" / "index.html").is_file()
    workers = ("whoosh.index", "whoosh.writing", "kb_builder.index.writer", "kb_core.semantic")
    assert not [m for m in (*HEAVY, *workers) if m in loaded]
