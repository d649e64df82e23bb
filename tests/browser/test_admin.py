"""The librarians' dashboard as a librarian uses it, in a real headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from catalog.models import HarvestSummary
from catalog.store import Store
from config.settings import Settings
from tests.browser.conftest import ADMIN_PASSWORD, dashboard_settings, serving
from tests.factories import make_library, make_record
from webapp import create_app

pytestmark = pytest.mark.browser

PASSWORD = ADMIN_PASSWORD


@pytest.fixture
def admin_site(settings: Settings, tmp_path: Path, oai_server: str) -> Iterator[str]:
    """Base URL of the union app with the dashboard on, served on a free loopback port."""
    settings = dashboard_settings(settings, tmp_path, oai_server)
    started = datetime(2025, 3, 1, 1, 30, tzinfo=UTC)
    with Store.open(settings.catalog_path) as store:
        store.upsert_page([make_record(library="camau", oai_id="oai:cm:1", title="Địa chí")])
        store.record_harvest(
            HarvestSummary(
                library="camau",
                started_at=started,
                finished_at=started + timedelta(seconds=3),
                error="[camau] ListRecords: <script>window.hacked = 1</script>",
            )
        )
    libraries = (
        make_library(code="good", endpoint=f"{oai_server}/clean/oai"),
        make_library(code="camau", name_vi="Thư viện tỉnh Cà Mau", name_en="Ca Mau Library"),
    )
    app = create_app(settings, libraries=libraries)
    with serving(app) as url:
        yield url
    app.extensions["unioncat_jobs"].wait(30)
    app.extensions["unioncat"].search_index.close()


def test_librarian_logs_in_sees_the_dashboard_and_harvests_now(
    browser: Any, admin_site: str
) -> None:
    page = browser.new_page()
    page.goto(admin_site + "/admin")
    page.wait_for_url("**/admin/login?next=/admin")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url("**/admin")

    assert page.locator("h1").inner_text() == "Bảng điều khiển thu thập"
    failed = page.locator("#member-camau .error-message")
    assert failed.inner_text() == "[camau] ListRecords: <script>window.hacked = 1</script>"
    assert page.evaluate("window.hacked") is None
    assert page.locator(".chart svg").count() == 2

    # "Harvest now": admin.js polls the progress and reloads the page when the harvest ends.
    page.click("#member-good button.harvest-now")
    job = page.wait_for_selector('#member-good .job:not([data-state="running"])', timeout=30000)
    assert job is not None
    assert job.get_attribute("data-state") == "succeeded", job.inner_text()
    assert page.locator("#member-good .live").inner_text() == "2"
    assert page.locator("#member-good .ok").inner_text() == "Thành công"
    page.close()
