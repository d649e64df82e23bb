"""The librarians' dashboard through Flask's test client: login, CSRF, throttling, pages."""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from catalog.errors import ConfigError
from catalog.models import HarvestSummary
from catalog.store import Store
from config.settings import Settings, load_settings
from tests.factories import make_library
from webapp import create_app
from webapp.admin_jobs import HarvestJobs, settings_environment
from webapp.auth import LoginThrottle, is_local_host
from webapp.shared_state import SharedState

PASSWORD = "mật khẩu đúng"
# A cheap hash keeps the tests fast; production hashes use werkzeug's default (scrypt).
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The webapp fixtures' settings, with the dashboard on."""
    return replace(
        settings,
        admin_password_hash=PASSWORD_HASH,
        quarantine_dir=tmp_path / "quarantine",
        harvest_log_dir=tmp_path / "harvest-logs",
    )


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF token field"
    return match[1]


def log_in(client: FlaskClient, password: str = PASSWORD, **kwargs: object) -> str:
    """Log in through the form; return the dashboard's HTML (or the login page on failure)."""
    token = csrf_of(client.get("/admin/login").text)
    response = client.post(
        "/admin/login",
        data={"username": "admin", "password": password, "csrf_token": token},
        follow_redirects=True,
        **kwargs,  # type: ignore[arg-type]
    )
    return response.text


# -- accounts and security -----------------------------------------------------------------


def test_dashboard_is_off_without_a_password_hash(settings: Settings) -> None:
    app = create_app(replace(settings, admin_password_hash=""), libraries=(make_library(),))
    try:
        client = app.test_client()
        response = client.get("/admin")
        assert response.status_code == 404
        assert "UNIONCAT_ADMIN_PASSWORD_HASH" in response.text
        assert client.get("/admin/login").status_code == 404
        assert 'href="/admin"' not in client.get("/libraries").text
    finally:
        app.extensions["unioncat"].search_index.close()


def test_a_password_hash_that_is_not_one_fails_with_the_command_to_make_one(
    settings: Settings,
) -> None:
    with pytest.raises(ConfigError, match="generate_password_hash"):
        create_app(replace(settings, admin_password_hash="hunter2"), libraries=())
    with pytest.raises(ConfigError, match="session_cookie_secure"):
        create_app(replace(settings, session_cookie_secure="yes"), libraries=())


def test_dashboard_redirects_to_login_when_not_logged_in(client: FlaskClient) -> None:
    response = client.get("/admin")
    assert response.status_code == 302
    assert response.location == "/admin/login?next=/admin"
    assert client.get("/admin/api/progress").status_code == 401
    assert client.get("/admin/quarantine/cantho").status_code == 302


def test_login_with_the_right_password_opens_the_dashboard_and_logout_closes_it(
    client: FlaskClient,
) -> None:
    page = log_in(client)
    assert "Bảng điều khiển thu thập" in page
    assert 'href="/admin"' in client.get("/libraries").text  # the header link, when enabled

    response = client.post("/admin/logout", data={"csrf_token": csrf_of(page)})
    assert response.status_code == 303
    assert client.get("/admin").status_code == 302


def test_wrong_password_is_rejected(client: FlaskClient) -> None:
    page = log_in(client, password="sai")
    assert "Sai tên đăng nhập hoặc mật khẩu." in page
    assert client.get("/admin").status_code == 302


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(app: Flask) -> None:
    for asked, expected in [
        ("/admin/quarantine/cantho", "/admin/quarantine/cantho"),
        ("//evil.example/", "/admin"),
        ("https://evil.example/", "/admin"),
    ]:
        client = app.test_client()
        page = client.get("/admin/login", query_string={"next": asked}).text
        data = {"username": "admin", "password": PASSWORD, "csrf_token": csrf_of(page)}
        response = client.post("/admin/login", data={**data, "next": asked})
        assert response.location == expected, asked


def test_sixth_failed_login_is_refused_even_with_the_right_password(client: FlaskClient) -> None:
    for _ in range(5):
        assert "Sai tên đăng nhập" in log_in(client, password="sai")
    token = csrf_of(client.get("/admin/login").text)
    response = client.post(
        "/admin/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in response.text
    assert int(response.headers["Retry-After"]) > 0
    assert client.get("/admin").status_code == 302


def test_failures_count_per_user_name_across_addresses(app: Flask) -> None:
    for number in range(5):
        client = app.test_client()
        log_in(client, password="sai", environ_base={"REMOTE_ADDR": f"10.0.0.{number}"})
    client = app.test_client()
    page = log_in(client, environ_base={"REMOTE_ADDR": "10.0.0.99"})
    assert "Đăng nhập sai quá nhiều lần" in page


def test_throttle_lets_a_key_try_again_once_its_window_passes(tmp_path: Path) -> None:
    now = [1000.0]
    state = SharedState(tmp_path / "web-state.sqlite")
    throttle = LoginThrottle(state, max_failures=2, window=60, clock=lambda: now[0])
    throttle.fail("address:1", "user:admin")
    assert throttle.retry_after("address:1") == 0
    throttle.fail("address:1", "user:admin")
    assert throttle.retry_after("address:2", "user:admin") == 60
    now[0] += 30
    assert throttle.retry_after("address:1") == 30
    now[0] += 31
    assert throttle.retry_after("address:1", "user:admin") == 0


def test_login_without_csrf_token_is_refused(client: FlaskClient) -> None:
    client.get("/admin/login")
    response = client.post("/admin/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 400
    assert "reload the page" in response.text
    assert client.get("/admin").status_code == 302


def test_harvest_now_without_csrf_token_is_refused(client: FlaskClient) -> None:
    log_in(client)
    assert client.post("/admin/harvest/cantho").status_code == 400
    assert client.post("/admin/harvest/cantho", data={"csrf_token": "guess"}).status_code == 400
    assert client.post("/admin/logout").status_code == 400


def test_session_cookie_is_httponly_lax_and_secure_except_on_localhost(app: Flask) -> None:
    local = app.test_client().get("/admin/login").headers["Set-Cookie"]
    assert "HttpOnly" in local and "SameSite=Lax" in local and "Secure" not in local
    for base_url in ("https://catalog.example", "http://catalog.example"):
        remote = app.test_client().get("/admin/login", base_url=base_url)
        assert "Secure" in remote.headers["Set-Cookie"], base_url


def test_local_hosts_are_recognised() -> None:
    assert all(map(is_local_host, ["localhost:5000", "127.0.0.1", "[::1]:8080", "a.localhost"]))
    assert not any(map(is_local_host, ["catalog.example", "127.0.0.1.example:80", "10.0.0.1"]))


def test_patron_pages_set_no_session_cookie(client: FlaskClient) -> None:
    assert "Set-Cookie" not in client.get("/libraries").headers


# -- the dashboard -----------------------------------------------------------------------


def test_dashboard_shows_last_harvest_with_its_error_escaped(
    client: FlaskClient, settings: Settings
) -> None:
    started = datetime(2025, 3, 1, 1, 30, tzinfo=UTC)
    with Store.open(settings.catalog_path) as store:
        store.record_harvest(
            HarvestSummary(
                library="cantho",
                started_at=started - timedelta(days=1),
                finished_at=started - timedelta(days=1) + timedelta(seconds=5),
                stored=7,
            )
        )
        store.record_harvest(
            HarvestSummary(
                library="cantho",
                started_at=started,
                finished_at=started + timedelta(seconds=75),
                pages=2,
                stored=3,
                deleted=1,
                skipped=2,
                error="[cantho] ListRecords: <script>alert('x')</script> in the response",
                errors=("[cantho] oai:ct:9: title <img src=x onerror=alert(1)>",),
            )
        )
    page = log_in(client)
    row = page[page.index('id="member-cantho"') :]
    row = row[: row.index("</tr>")]
    assert "01/03/2025 08:30 (giờ Việt Nam)" in row and "1 min 15 s" in row  # local time
    assert "Thất bại" in row
    assert "3 · 1 · 2 · 0" in row
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in row
    assert "&lt;img src=x onerror=alert(1)&gt;" in row
    assert "<script>alert" not in page and "<img src=x" not in page
    assert '<span class="live">2</span> / <span class="deleted">0</span>' in row  # from RECORDS
    # the charts: one bar per member, one per harvest run (the failed one red)
    assert page.count('class="run run-ok"') == 1 and page.count('class="run run-failed"') == 1
    assert "Thư viện tỉnh Cà Mau: 1 còn, 1 đã xóa" in page


QUARANTINED = "20250301T013000Z-page-ListRecords-abc123.xml"


def quarantine_file(settings: Settings, body: bytes) -> Path:
    folder = settings.quarantine_dir / "cantho"
    folder.mkdir(parents=True)
    path = folder / QUARANTINED
    path.write_bytes(body)
    path.with_suffix(".json").write_text(
        '{"library": "cantho", "kind": "page", "request": "ListRecords page 3", '
        '"url": "https://opac.example/oai?verb=ListRecords", "http_status": 200, '
        '"reason": "not XML: <html> error page"}',
        encoding="utf-8",
    )
    return path


def test_quarantined_file_is_listed_viewable_escaped_and_downloadable(
    client: FlaskClient, settings: Settings
) -> None:
    body = b"<html><script>alert(1)</script><p>C\xe1\xba\xa7n Th\xc6\xa1</p></html>"
    quarantine_file(settings, body)
    dashboard = log_in(client)
    assert 'href="/admin/quarantine/cantho"' in dashboard and "1 tệp" in dashboard

    listing = client.get("/admin/quarantine/cantho").text
    assert QUARANTINED in listing and "not XML: &lt;html&gt; error page" in listing

    shown = client.get(f"/admin/quarantine/cantho/{QUARANTINED}")
    assert shown.status_code == 200
    assert "&lt;html&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in shown.text
    assert "Cần Thơ" in shown.text and "<script>alert" not in shown.text
    assert shown.headers["Cache-Control"] == "no-store"

    raw = client.get(f"/admin/quarantine/cantho/{QUARANTINED}/raw")
    assert raw.data == body
    assert raw.mimetype == "application/octet-stream"
    assert raw.headers["Content-Disposition"].startswith("attachment")
    raw.close()


def test_quarantined_file_preview_is_capped(client: FlaskClient, settings: Settings) -> None:
    quarantine_file(settings, b"x" * (settings.admin_preview_bytes + 10))
    log_in(client)
    shown = client.get(f"/admin/quarantine/cantho/{QUARANTINED}").text
    assert f"Chỉ hiện {settings.admin_preview_bytes} byte đầu" in shown
    assert "x" * settings.admin_preview_bytes in shown
    assert "x" * (settings.admin_preview_bytes + 1) not in shown


@pytest.mark.parametrize(
    "path",
    [
        f"/admin/quarantine/cantho/{QUARANTINED[:-4]}.json",
        "/admin/quarantine/cantho/..%2F..%2Fcatalog.sqlite",
        "/admin/quarantine/..%2Fcantho/" + QUARANTINED,
        "/admin/quarantine/cantho/missing.xml",
    ],
)
def test_only_quarantined_xml_files_are_served(
    client: FlaskClient, settings: Settings, path: str
) -> None:
    quarantine_file(settings, b"<x/>")
    log_in(client)
    assert client.get(path).status_code == 404


# -- harvest now -------------------------------------------------------------------------


def test_settings_reach_the_harvest_subprocess_through_its_environment(
    settings: Settings,
) -> None:
    variables = settings_environment(settings)
    assert not any("PASSWORD" in name or "SECRET" in name for name in variables)
    again = load_settings(environ=variables)
    assert replace(again, secret_key=settings.secret_key, admin_password_hash=PASSWORD_HASH) == (
        settings
    )


def test_second_harvest_of_a_member_is_refused_while_one_runs(
    app: Flask, client: FlaskClient
) -> None:
    jobs: HarvestJobs = app.extensions["unioncat_jobs"]
    jobs.command = lambda code: [sys.executable, "-c", "import time; time.sleep(30)"]
    page = log_in(client)
    try:
        first = client.post("/admin/harvest/cantho", data={"csrf_token": csrf_of(page)})
        assert first.status_code == 303 and first.location == "/admin#member-cantho"
        page = client.get("/admin").text
        assert "Đã bắt đầu thu thập Thư viện thành phố Cần Thơ." in page
        assert 'data-state="running"' in page and "Đang thu thập…" in page

        client.post("/admin/harvest/cantho", data={"csrf_token": csrf_of(page)})
        assert "đang được thu thập; xin chờ" in client.get("/admin").text
        assert client.get("/admin/api/progress").get_json()["running"] == ["cantho"]
    finally:
        for job in jobs.jobs().values():
            if job.state == "running":
                os.kill(job.pid, signal.SIGKILL)
        jobs.wait(10)


def test_harvest_that_cannot_start_says_why(app: Flask, client: FlaskClient) -> None:
    def missing(code: str) -> list[str]:
        raise FileNotFoundError("no `unioncat` command beside python; install the project")

    app.extensions["unioncat_jobs"].command = missing
    page = log_in(client)
    client.post("/admin/harvest/cantho", data={"csrf_token": csrf_of(page)})
    assert "install the project" in client.get("/admin").text
    assert client.get("/admin/api/progress").get_json()["jobs"] == []


def test_harvest_now_needs_a_member_with_an_endpoint(client: FlaskClient) -> None:
    page = log_in(client)
    response = client.post("/admin/harvest/nowhere", data={"csrf_token": csrf_of(page)})
    assert response.status_code == 404


def test_harvest_now_runs_unioncat_and_the_records_reach_the_store(
    settings: Settings, tmp_path: Path, oai_server: str
) -> None:
    registry = tmp_path / "libraries.toml"
    registry.write_text(
        '[[library]]\ncode = "good"\nname_vi = "Thư viện thử nghiệm"\n'
        'name_en = "Test library"\nprovince = "Cần Thơ"\n'
        f'endpoint = "{oai_server}/clean/oai"\nenabled = true\n',
        encoding="utf-8",
    )
    settings = replace(
        settings,
        registry_path=registry,
        harvest_timeout=2,
        harvest_max_retries=0,
        harvest_polite_delay=0,
    )
    app = create_app(settings)
    try:
        client = app.test_client()
        page = log_in(client)
        response = client.post("/admin/harvest/good", data={"csrf_token": csrf_of(page)})
        assert response.status_code == 303

        deadline = time.monotonic() + 60
        progress: dict[str, Any] = client.get("/admin/api/progress").get_json()
        while progress["running"] and time.monotonic() < deadline:
            time.sleep(0.2)
            progress = client.get("/admin/api/progress").get_json()
        (job,) = progress["jobs"]
        assert job["state"] == "succeeded", job["output"]
        assert job["live"] == 2

        with Store.open(settings.catalog_path) as store:
            assert store.count_by_library()["good"] == (2, 0)
        page = client.get("/admin").text
        assert "Đã xong" in page and "Thành công" in page
        assert list(settings.harvest_log_dir.glob("good-*.log"))
    finally:
        app.extensions["unioncat_jobs"].wait(30)
        app.extensions["unioncat"].search_index.close()
