"""Bad input: schemathesis over the OpenAPI document, a structured fuzz of the content loader,
and hostile bodies and query strings, each answered with a 4xx in the error shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_api import create_app, shutdown
from feedback_api.health import openapi_document
from kb_builder.checks import check
from kb_builder.content import load_content
from kb_core.config import SiteConfig, load_config
from kb_core.errors import ConfigError
from tests.proof.figures import add
from tests.proof.procs import GENEROUS, Gunicorn, http, proof_config, raw_request, server_env

schemathesis = pytest.importorskip(
    "schemathesis", reason="schemathesis is not installed (pip install -e '.[test]')"
)


@pytest.fixture(scope="module")
def app(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The real app on the shipped example, limits out of the way (fuzzing is one visitor)."""
    work = tmp_path_factory.mktemp("bad-input")
    app = create_app(
        {
            "TESTING": True,
            "BUILD_DIR": str(built),
            "SITE_CONFIG": str(proof_config(work / "site_config.yml", api=GENEROUS)),
            "DATABASE_URL": f"sqlite:///{work / 'kb.sqlite3'}",
            "OUTBOX_WORKER": False,
        }
    )
    yield app
    shutdown(app)


@pytest.fixture(scope="module")
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# -- schemathesis -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api_schema(app: Flask) -> Any:
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


def _operations() -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, item in openapi_document()["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]


OPERATIONS = _operations()


# schemathesis' own pytest loader (from_fixture + parametrize) does not run on pytest 9 yet
# ("'Function' object has no attribute '_nodeid'"), so each operation's strategy is driven
# by a plain Hypothesis test here.
@pytest.mark.slow
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_openapi_operations_never_fail_on_our_side(api_schema: Any, method: str, path: str) -> None:
    """No generated request, valid or not, gets a 5xx or a reply its documentation denies."""
    operation = api_schema[path][method]

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        add("schemathesis_cases", 1)
        case.call_and_validate(checks=CHECKS)

    run()


# -- the content loader -----------------------------------------------------------------------

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.dates(min_value=date(1, 1, 1))
    | st.sampled_from(["public", "internal", "draft", "", "../../etc", "a b", "[[x]]", "~"])
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
_KEYS = st.sampled_from(
    ["title", "summary", "description", "id", "visibility", "tags", "keywords", "faq",
     "related", "owner", "review_by", "aliases", "updated", "revision", "unknown"]
)  # fmt: skip
_YAML_ODDITIES = st.sampled_from(
    [
        "",
        "title: [unclosed\n",
        "title: &a x\nsummary: *a\n",
        "title: !!python/object:os.system x\n",
        "title: one\ntitle: two\n",
        "\ttitle: tab\n",
        "? [complex, key]\n: value\n",
        "title: x\n...\n",
        "- a list\n- not a mapping\n",
        "title: '\ud7ff\ue000\U0010ffff'\n",
        "review_by: 2024-02-30\n",
        "id: ../../escape\n",
        "aliases: [/, //evil.example/, 'javascript:alert(1)', '..']\n",
    ]
)
_BODY = st.lists(
    st.sampled_from(
        [
            "# Heading",
            "## Same",
            "## Same",
            "[link](../other.md#missing)",
            "[abs](/billing/)",
            "![](img.png)",
            "```\n# not a heading",
            ":::tip\ntext\n:::",
            "> [!NOTE]\n> note",
            "{% include x.html %}",
            "import X from 'y'",
            "<script>alert(1)</script>",
            "<Tabs>\n<TabItem value='a'>",
            "[[wikilink]]",
            "\x00\x1b[31m",
        ]
    )
    | st.text(max_size=60),
    max_size=8,
).map("\n\n".join)


@st.composite
def articles(draw: st.DrawFn) -> bytes:
    meta = draw(st.dictionaries(_KEYS, _VALUES, max_size=8))
    try:
        front = yaml.safe_dump(meta, allow_unicode=True, default_flow_style=None)
    except yaml.YAMLError:
        front = ""
    front += draw(_YAML_ODDITIES)
    text = f"---\n{front}---\n{draw(_BODY)}\n"
    return text.encode("utf-8", errors="surrogatepass")


@pytest.mark.slow
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    files=st.lists(articles(), min_size=1, max_size=3),
    category=st.none() | _VALUES.map(lambda v: yaml.safe_dump(v, allow_unicode=True)),
)
def test_loader_and_checks_never_raise(
    tmp_path_factory: pytest.TempPathFactory, files: list[bytes], category: str | None
) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    folder = root / "billing"
    folder.mkdir()
    if category is not None:
        (folder / "_category.yml").write_text(category, encoding="utf-8")
    names = [f"billing/article-{n}.md" for n in range(len(files))]
    for name, raw in zip(names, files, strict=True):
        (root / name).write_bytes(raw)
    kb = load_content(root, SiteConfig())
    problems = check(kb, SiteConfig(), today=date(2026, 11, 22))
    add("loader_fuzz_cases", 1)
    for p in problems:
        assert p.path and p.line >= 0 and p.message, p
    loaded = {a.source for a in kb.articles}
    failed = {p.path.removeprefix(f"{root}/") for p in problems if p.severity == "error"}
    for name in names:  # every file is either an article or named in an error
        assert name in loaded or any(name in f for f in failed), (name, problems)


IMPOSSIBLE = "impossible value 2024-02-30 (day is out of range for month)"


@pytest.mark.parametrize(
    ("rel", "text", "expected"),
    [
        ("billing/a.md", "---\ntitle: A\nsummary: S\nreview_by: 2024-02-30\n---\nx\n",
         f"billing/a.md:4: error: front matter: review_by: {IMPOSSIBLE}"),
        ("billing/_category.yml", "title: Billing\norder: 2023-02-29\n",
         "billing/_category.yml:2: error: order: impossible value 2023-02-29 "
         "(day is out of range for month)"),
        ("billing/b.md", "---\ntitle: B\nupdated: 2024-01-01 25:00:00\n---\nx\n",
         "billing/b.md:3: error: front matter: updated: impossible value 2024-01-01 25:00:00 "
         "(hour must be in 0..23)"),
        ("billing/c.md", "---\ntitle: C\naliases:\n  - old/\n  - 2024-13-01\n---\nx\n",
         "billing/c.md:5: error: front matter: aliases.1: impossible value 2024-13-01 "
         "(month must be in 1..12)"),
    ],
)  # fmt: skip
def test_impossible_yaml_values_are_problems_not_crashes(
    tmp_path: Path, rel: str, text: str, expected: str
) -> None:
    """Found by the fuzz above: YAML that parses but names no real date raised ValueError.

    The problem names the key and the value, on the key's line: it used to say only "impossible
    value: month must be in 1..12" on line 1, and in a long front matter the writer had to find
    which of its dates was wrong."""
    (tmp_path / "billing").mkdir()
    (tmp_path / "billing" / "ok.md").write_text("---\ntitle: OK\n---\nx\n", encoding="utf-8")
    (tmp_path / rel).write_text(text, encoding="utf-8")
    problems = check(load_content(tmp_path, SiteConfig()), SiteConfig(), today=date(2026, 1, 1))
    assert expected in [str(p).removeprefix(f"{tmp_path}/") for p in problems]


def test_impossible_date_in_site_config_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "site_config.yml"
    path.write_text("site:\n  name: X\ngaps:\n  since: 2024-02-30\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert [str(p) for p in raised.value.problems] == [f"{path}:4: error: gaps.since: {IMPOSSIBLE}"]


# -- hostile bodies and query strings ---------------------------------------------------------

WRITE_PATHS = ["/api/ratings", "/api/contact", "/api/events/click", "/api/events/view"]
NESTED = "The body is not valid JSON: it is nested too deeply."
BODIES: list[tuple[str, bytes, str, int, str | None]] = [
    ("oversize", b'{"a": "' + b"x" * 70_000 + b'"}', "application/json", 413, None),
    ("invalid UTF-8", b'{"name": "\xff\xfe"}', "application/json", 400, "it is not UTF-8"),
    ("latin-1 claimed", b'{"name": "\xe9"}', "application/json; charset=latin-1", 400, None),
    ("text/plain", b'{"value": 1}', "text/plain", 415, None),
    ("form encoded", b"value=1", "application/x-www-form-urlencoded", 415, None),
    ("multipart", b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x", 415, None),
    ("no content type", b'{"value": 1}', "", 415, None),
    ("empty body", b"", "application/json", 400, None),
    ("not an object", b"[1, 2]", "application/json", 400, "The body must be a JSON object."),
    ("deep arrays", b"[" * 5000 + b"]" * 5000, "application/json", 400, NESTED),
    ("deep objects", b'{"a":' * 3000 + b"1" + b"}" * 3000, "application/json", 400, NESTED),
    ("deep in a field", b'{"reason": ' + b"[" * 3000 + b"]" * 3000 + b"}", "application/json",
     400, NESTED),
    ("huge integer", b'{"value": ' + b"9" * 5000 + b"}", "application/json", 400,
     "The body is not valid JSON: a number in it is too long."),
    ("NaN", b'{"value": NaN, "position": NaN}', "application/json", 400, None),
    ("lone surrogate", b'{"reason": "\\ud800", "id": "\\udfff"}', "application/json", 400,
     None),
    ("NUL bytes", b'{"reason": "a\\u0000b", "id": "a\\u0000"}', "application/json", 400, None),
]  # fmt: skip


def assert_shape(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.get_json()
    assert body["status"] == status and body["error"].endswith(".")
    assert "Traceback" not in response.get_data(as_text=True)
    return body


@pytest.mark.parametrize("path", WRITE_PATHS)
@pytest.mark.parametrize(
    ("data", "content_type", "status", "error"),
    [b[1:] for b in BODIES],
    ids=[b[0] for b in BODIES],
)
def test_hostile_bodies_get_a_4xx_in_the_error_shape(
    client: FlaskClient, path: str, data: bytes, content_type: str, status: int, error: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    add("hostile_requests", 1)
    body = assert_shape(client.post(path, data=data, headers=headers), status)
    if error is not None:
        assert error in body["error"]


def _query_operations() -> list[str]:
    return [
        path
        for path, item in openapi_document()["paths"].items()
        if any(p.get("name") == "q" for p in item.get("get", {}).get("parameters", []))
    ]


@pytest.mark.parametrize("path", _query_operations())
@pytest.mark.parametrize(
    "query",
    [
        "q=" + "a" * 100_000,
        "q=" + "%F0%9F%92%A9" * 5000,
        "q=x&" + "&".join(f"p{i}=v" for i in range(5000)),
        "q=x&limit=" + "9" * 5000,
        "q=%00%0a%0d",
        "q=" + "%ff%fe" * 100 + "&limit=-1",
    ],
    ids=["long q", "long emoji q", "many params", "huge limit", "control chars", "bad bytes"],
)
def test_huge_or_odd_query_strings_are_4xx_with_the_shape(
    client: FlaskClient, path: str, query: str
) -> None:
    add("hostile_requests", 1)
    response = client.get(f"{path}?{query}")
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
    body = assert_shape(response, response.status_code)
    if len(query) > 4096:  # more than any API query needs, whatever the parameters
        assert body == {
            "error": "The query string is too long (at most 4096 bytes).",
            "status": 414,
        }


def test_real_server_limits_before_the_app(
    built: Path, gunicorn: Callable[..., Gunicorn], tmp_path: Path
) -> None:
    """Under gunicorn, a query string the app can see gets the shape; beyond gunicorn's own
    request-line limit (4,094 bytes) gunicorn answers 414 itself, in HTML: the app never sees
    that request, so it cannot shape the answer. Nothing hangs, nothing is a 5xx."""
    config = proof_config(tmp_path / "site_config.yml", api=GENEROUS)
    db = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    env = server_env(built, config, db)
    server = gunicorn(env)

    seen = http("GET", f"{server.url}/api/search?q={'a' * 3000}")
    assert seen.status == 400 and seen.json()["error"].startswith("Invalid q:")
    cut = http("GET", f"{server.url}/api/search?q={'a' * 100_000}")
    assert cut.status == 414 and b"Request Line is too large" in cut.body  # gunicorn's own
    big_header = http("GET", f"{server.url}/api/search?q=x", headers={"X-Big": "b" * 20_000})
    assert big_header.status == 431 and b"Traceback" not in big_header.body  # gunicorn too
    line = b"GET /api/search?q=\xff\xfe%ff HTTP/1.1\r\n"
    raw = raw_request(server.port, line + b"Host: x\r\nConnection: close\r\n\r\n")
    assert raw.status == 400 and b"Invalid HTTP request line" in raw.body  # gunicorn again
    encoded = http("GET", f"{server.url}/api/search?q=%ff%fe")  # the same bytes, encoded
    assert encoded.status == 200 and encoded.json()["total"] == 0
    wrong = http("POST", server.url + "/api/ratings", b"\xff", headers={"Content-Type": "a/b"})
    assert wrong.status == 415 and wrong.json()["status"] == 415
    assert http("GET", server.url + "/api/health").status == 200  # still serving
    assert "Traceback" not in server.log_text()
