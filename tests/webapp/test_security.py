"""Security headers on every kind of response, and templates that keep within the CSP."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from config.settings import Settings
from tests.factories import make_library
from webapp import create_app
from webapp.security import CONTENT_SECURITY_POLICY

TEMPLATES = Path(__file__).resolve().parents[2] / "webapp" / "templates"

# Every kind of response the app gives: (path, status, content type it must keep).
RESPONSES = [
    ("/?q=can+tho", 200, "text/html"),
    ("/records/cantho:oai:ct:1", 200, "text/html"),
    ("/libraries", 200, "text/html"),
    ("/browse", 200, "text/html"),
    ("/new", 200, "text/html"),
    ("/api/search?q=can+tho", 200, "application/json"),
    ("/api/records/cantho:oai:ct:1", 200, "application/json"),
    ("/api/search?page=0", 400, "application/json"),
    ("/oai?verb=Identify", 200, "text/xml"),
    ("/oai?verb=Nonsense", 200, "text/xml"),
    ("/feed.atom", 200, "application/atom+xml"),
    ("/opensearch.xml", 200, "application/opensearchdescription+xml"),
    ("/static/style.css", 200, "text/css"),
    ("/records/cantho:oai:none", 404, "text/html"),
    ("/healthz", 200, "application/json"),
]


@pytest.mark.parametrize(("path", "status", "content_type"), RESPONSES)
def test_every_response_carries_the_security_headers_and_still_works(
    client: FlaskClient, path: str, status: int, content_type: str
) -> None:
    response = client.get(path)
    response.close()  # a static file is sent from an open file

    assert response.status_code == status
    assert response.content_type.startswith(content_type)
    headers = response.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "geolocation=()" in headers["Permissions-Policy"]
    assert headers.get("Cache-Control") != "no-store"  # public pages may be cached


def test_the_policy_allows_only_this_site_and_no_plugins_framing_or_base_tricks() -> None:
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))

    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"


def test_dashboard_pages_are_never_cached_even_when_off_or_missing(
    client: FlaskClient, settings: Settings
) -> None:
    for path in ("/admin/login", "/admin", "/admin/works", "/admin/no-such-page"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
    assert client.get("/administrators").headers.get("Cache-Control") != "no-store"

    on = replace(
        settings,
        admin_password_hash=generate_password_hash("pw", method="pbkdf2:sha256:1000"),
        quarantine_dir=settings.catalog_path.parent / "quarantine",
    )
    app = create_app(on, libraries=(make_library(),))
    try:
        login = app.test_client().get("/admin/login")
        assert login.status_code == 200
        assert login.headers["Cache-Control"] == "no-store"
        assert login.headers["X-Frame-Options"] == "DENY"
    finally:
        app.extensions["unioncat"].search_index.close()


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("template", _templates(), ids=lambda path: path.name)
def test_templates_hold_no_inline_style_script_or_event_handler(template: Path) -> None:
    """What style-src/script-src 'self' would block: style="", <script> bodies, onclick=."""
    html = template.read_text(encoding="utf-8")

    assert not re.search(r"\sstyle\s*=", html, re.IGNORECASE)
    assert not re.search(r"<style[\s>]", html, re.IGNORECASE)
    assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE)
    assert not re.search(r"javascript:", html, re.IGNORECASE)
    for script in re.findall(r"<script\b[^>]*>", html, re.IGNORECASE):
        # A script from /static, or a data block (JSON-LD), which is never run.
        assert " src=" in script or 'type="application/ld+json"' in script, script
