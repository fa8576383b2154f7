"""Serving build/public: pages, assets, 404s, permanent links, redirects, traversal."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize(
    ("path", "marker"),
    [
        ("/", "<h1>Help Center</h1>"),
        ("/index.html", "<h1>Help Center</h1>"),
        ("/billing/refunds/", "<h1>Request a refund</h1>"),
        ("/billing/refunds/index.html", "<h1>Request a refund</h1>"),
        ("/billing/plans/change-plan/", "<h1>Change your plan</h1>"),
    ],
)
def test_pages_are_served(client: FlaskClient, path: str, marker: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert marker in response.get_data(as_text=True)
    assert response.headers["Cache-Control"].startswith("no-cache")


def test_assets_are_served_with_cache_headers(client: FlaskClient) -> None:
    hashed = client.get("/assets/javascripts/bundle.0123abcd.min.js")
    assert hashed.status_code == 200 and hashed.mimetype in {
        "text/javascript",
        "application/javascript",
    }
    assert "immutable" in hashed.headers["Cache-Control"]
    plain = client.get("/assets/stylesheets/main.css")
    assert plain.mimetype == "text/css" and "immutable" not in plain.headers["Cache-Control"]
    index = client.get("/search/search_index.json")
    assert index.status_code == 200 and index.get_json() == {"docs": []}
    assert client.head("/billing/refunds/").status_code == 200


def test_directory_without_slash_redirects_to_it(client: FlaskClient) -> None:
    response = client.get("/billing/refunds?utm=mail")
    assert response.status_code == 301
    assert response.headers["Location"] == "/billing/refunds/?utm=mail"


def test_missing_page_is_the_portal_404_page(client: FlaskClient) -> None:
    response = client.get("/billing/no-such-article/")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "kb-404-page" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/../internal/secret-runbook/",
        "/%2e%2e/internal/secret-runbook/",
        "/%2E%2E/internal/secret-runbook/index.html",
        "/billing/%2e%2e/%2e%2e/internal/secret-runbook/index.html",
        "/..%2finternal/secret-runbook/index.html",
        "/%2e%2e%2finternal%2fsecret-runbook%2findex.html",
        "/billing/..%5c..%5cinternal/secret-runbook/index.html",
        "/internal/secret-runbook/",
        "/%2e%2e/manifest.json",
        "/../index/public/kb_search.json",
        "/..%252f..%252finternal/secret-runbook/",
        "//etc/passwd",
        "/%00/index.html",
    ],
)
def test_traversal_never_leaves_build_public(client: FlaskClient, path: str) -> None:
    response = client.get(path, follow_redirects=True)
    # /internal/... belongs to the agents' sign-in (tests/agents): it ends on the login form.
    assert response.status_code in (400, 404) or response.request.path == "/internal/login"
    text = response.get_data(as_text=True)
    assert "internal-only-secret" not in text and '"articles"' not in text
    assert "root:" not in text


def test_permanent_links_redirect_to_the_current_address(client: FlaskClient) -> None:
    response = client.get("/a/refunds")
    assert response.status_code == 301 and response.headers["Location"] == "/billing/refunds/"
    assert client.get("/a/refunds/").headers["Location"] == "/billing/refunds/"
    unknown = client.get("/a/nope")
    assert unknown.status_code == 404 and "kb-404-page" in unknown.get_data(as_text=True)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/billing/money-back/", "/billing/refunds/"),  # alias given as a source path
        ("/billing/money-back", "/billing/refunds/"),
        ("/billing/old-refunds/", "/billing/refunds/"),  # alias given as a URL
        ("/billing/old-plans/", "/billing/plans/change-plan/"),  # manifest redirects
        ("/billing/old-plans/index.html", "/billing/plans/change-plan/"),
    ],
)
def test_old_addresses_redirect(client: FlaskClient, old: str, new: str) -> None:
    response = client.get(old)
    assert response.status_code == 301
    assert response.headers["Location"] == new


@pytest.mark.parametrize(
    ("raw_path", "status", "location"),
    [
        ("/evil/", 404, None),  # manifest redirect to https://evil.example/ is ignored
        ("/evil2/", 404, None),  # ... and to //evil.example/x
        ("//evil.example/", 404, None),
        ("///evil.example", 404, None),
        ("/\\evil.example/", 404, None),
        ("//billing/refunds", 301, "/billing/refunds/"),  # the slash redirect stays local
        ("//billing/money-back/", 301, "/billing/refunds/"),
    ],
)
def test_never_an_open_redirect(
    client: FlaskClient, raw_path: str, status: int, location: str | None
) -> None:
    response = client.get("/", environ_overrides={"PATH_INFO": raw_path})
    assert response.status_code == status
    assert response.headers.get("Location") == location
