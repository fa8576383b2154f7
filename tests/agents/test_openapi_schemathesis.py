"""schemathesis ``--checks all`` over every operation of the served OpenAPI document, clean.

The shipped example, really built, is served by werkzeug's server (what ``kb serve`` runs) on a
free port; the schemathesis CLI runs as a subprocess against ``/api/openapi.json``, once as a
visitor and once with an agent token from ``api.agent_tokens``. Every check is on: server
errors, status codes, content types, headers and bodies against the document, schema-valid
requests accepted and invalid ones refused, 405 with the right ``Allow`` for other methods.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.agents.conftest import AppFactory, agent_config, sha
from tests.api.servers import serve

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
EXAMPLES = 20  # per operation and phase: ~1,000 requests a run
# A schema-violating request must be refused: besides schemathesis' list, 413 (body over
# api.max_body_bytes) and 414 (query string over 4 KiB) are refusals too.
CONFIG = """
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "414", "415",
  "422", "428", "429"]
"""


@pytest.mark.slow
@pytest.mark.skipif(not SCHEMATHESIS.exists(), reason="schemathesis is not installed")
@pytest.mark.parametrize("as_agent", [False, True], ids=["visitor", "agent"])
def test_schemathesis_finds_no_disagreement(
    make_app: AppFactory, tmp_path: Path, as_agent: bool
) -> None:
    token = "kb-agent-" + secrets.token_hex(16)  # made here: only its sha256 is configured
    assert sha(token) != sha("kb-agent-")
    app = make_app(
        agent_config((token,), rate_limit="1000000/minute", write_rate_limit="1000000/minute"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'st.sqlite3'}",
    )
    headers = ["-H", f"Authorization: Bearer {token}"] if as_agent else []
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    with serve(app) as base:  # one worker: two raced inside hypothesis once (a repr of a filter)
        done = subprocess.run(
            [str(SCHEMATHESIS), "--config-file", str(config), "run", f"{base}/api/openapi.json"]
            + ["--checks", "all"]
            + ["--max-examples", str(EXAMPLES), "--seed", "12", "--no-color", "--workers", "1"]
            + ["--generation-database", "none", "--request-timeout", "20", *headers],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
        )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-8000:]
    selected = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", output)
    assert selected is not None, output[-3000:]
    assert len(set(selected.groups())) == 1 and int(selected[1]) >= 18, selected.group(0)
    assert "failures" not in output.split("SUMMARY")[-1].lower(), output[-3000:]
