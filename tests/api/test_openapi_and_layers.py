"""The OpenAPI document matches the routes; the running app loads nothing of the build side."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

import feedback_api

PACKAGE = Path(feedback_api.__file__).parent
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _routes(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "portal.page":  # the static portal itself, not an API operation
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        path = path.replace("{article_id}", "{id}")
        found |= {(path, m.lower()) for m in rule.methods or () if m not in IGNORED_METHODS}
    return found


def test_openapi_document_and_routes_agree(app: Flask, client: FlaskClient) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    documented = {
        (path, method)
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert documented == _routes(app)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
            if path.startswith("/api/") and path != "/api/openapi.json":
                codes = set(operation["responses"])
                assert any(c.startswith("2") for c in codes)


def test_openapi_references_resolve(client: FlaskClient) -> None:
    document = client.get("/api/openapi.json").get_json()
    text = str(document)
    for ref in set(re.findall(r"#/components/(\w+)/(\w+)", text)):
        assert ref[1] in document["components"][ref[0]], ref


def test_creating_the_app_does_not_import_mkdocs(build_dir: Path, tmp_path: Path) -> None:
    code = f"""
import sys
from feedback_api import create_app
app = create_app({{"TESTING": True, "BUILD_DIR": {str(build_dir)!r},
                   "DATABASE_URL": "sqlite:///{tmp_path / "kb.sqlite3"}"}})
app.test_client().get("/api/search?q=refund")
app.test_client().get("/")
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("mkdocs", "material", "kb_builder"))
print(",".join(heavy))
"""
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        timeout=60,
    )
    loaded = set(done.stdout.strip().split(","))
    assert not any(m.startswith(("mkdocs", "material")) for m in loaded)
    # the layers themselves are import contracts (tests/test_layers.py); this is the running app
    assert not any(m.split(".")[0] == "kb_builder" for m in loaded), loaded
