"""The Content-Security-Policy as Chromium enforces it: the pages break none of it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from catalog.models import HarvestSummary
from catalog.store import Store
from config.settings import Settings
from index.build import update_index
from tests.browser.conftest import ADMIN_PASSWORD, dashboard_settings, serving
from tests.factories import make_library, make_record
from webapp import create_app

pytestmark = pytest.mark.browser

PASSWORD = ADMIN_PASSWORD
# Runs in every document before its own scripts; reports to the test through a binding, so
# that violations on a page the test has already left are not lost.
LISTEN = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile || document.location.href}:${event.lineNumber}`
  );
});
"""


@dataclass
class Watch:
    """What Chromium reported while the test walked the site."""

    violations: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    not_found: set[str] = field(default_factory=set)  # pages the test asks for to see a 404

    def problems(self) -> list[str]:
        console = [
            message
            for message in self.console
            if not any(message.endswith(f"(NOT FOUND) ({url})") for url in self.not_found)
        ]
        return self.violations + console


def watched_page(browser: Any) -> tuple[Any, Watch]:
    """Open a page whose CSP violations, console errors and warnings, and script errors land
    in the returned Watch."""
    watch = Watch()
    page = browser.new_page()
    page.expose_function("reportViolation", lambda text: watch.violations.append(text))
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: (
            watch.console.append(f"{message.type}: {message.text} ({message.location.get('url')})")
            if message.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda error: watch.console.append(f"script error: {error}"))
    return page, watch


@pytest.fixture
def full_site(settings: Settings, tmp_path: Path, oai_server: str) -> Iterator[str]:
    """The union app with records, a harvest history, a quarantined page and the dashboard on."""
    settings = dashboard_settings(settings, tmp_path, oai_server)
    started = datetime(2025, 3, 1, 1, 30, tzinfo=UTC)
    with Store.open(settings.catalog_path) as store:
        store.upsert_page(
            [
                make_record(
                    oai_id=f"oai:ct:{n}",
                    title=f"Cần Thơ xưa và nay, tập {n}",
                    description="</script><script>window.hacked = 1</script>",
                    provinces_today=("Cần Thơ",),
                )
                for n in range(1, 4)
            ]
            + [make_record(library="camau", oai_id="oai:cm:1", title="Địa chí", kind="map")]
        )
        for day, error in ((0, None), (1, "[camau] ListRecords: HTTP 503")):
            store.record_harvest(
                HarvestSummary(
                    library="camau",
                    started_at=started + timedelta(days=day),
                    finished_at=started + timedelta(days=day, seconds=3),
                    stored=4,
                    error=error,
                )
            )
        update_index(store, settings.index_dir)
    quarantine = tmp_path / "quarantine" / "camau"
    quarantine.mkdir(parents=True)
    (quarantine / "20250302T013000Z-page-ListRecords-abc123.xml").write_text("<oops style=x>")
    libraries = (
        make_library(code="good", endpoint=f"{oai_server}/clean/oai"),
        make_library(code="camau", name_vi="Thư viện tỉnh Cà Mau", name_en="Ca Mau Library"),
        make_library(code="cantho", name_vi="Thư viện TP Cần Thơ", name_en="Can Tho Library"),
    )
    app = create_app(settings, libraries=libraries)
    with serving(app) as url:
        yield url
    app.extensions["unioncat_jobs"].wait(30)
    app.extensions["unioncat"].search_index.close()


def test_patron_pages_break_no_part_of_the_policy(browser: Any, full_site: str) -> None:
    page, watch = watched_page(browser)
    page.goto(full_site + "/?q=")
    page.fill("#q", "can th")  # type-ahead: app.js fetches and draws the suggestion list
    page.wait_for_selector("#q-suggestions li")
    page.keyboard.press("ArrowDown")  # app.js colours the chosen suggestion
    page.fill("#q", "can tho")
    page.click("#go")
    page.wait_for_url("**q=can+tho**")
    page.locator(".hit .title").first.click()
    page.wait_for_selector("article.record h1")
    json_ld = page.locator('script[type="application/ld+json"]').text_content()
    assert json_ld is not None and '"@type"' in json_ld
    assert page.evaluate("window.hacked") is None
    watch.not_found.add(full_site + "/records/nothing")  # the error page, under the policy too
    for path in ("/libraries", "/browse", "/new", "/?q=can+tho&lang=en", "/records/nothing"):
        page.goto(full_site + path)
        page.wait_for_load_state("load")

    assert watch.problems() == []
    page.close()


def test_dashboard_breaks_no_part_of_the_policy_while_it_harvests(
    browser: Any, full_site: str
) -> None:
    page, watch = watched_page(browser)
    page.goto(full_site + "/admin")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")  # form-action 'self' lets the login post and its redirect through
    page.wait_for_url("**/admin")
    assert page.locator(".chart svg").count() == 2
    assert page.locator(".chart svg rect.run").count() == 2

    # admin.js polls /admin/api/progress (connect-src) and reloads when the harvest ends.
    page.click("#member-good button.harvest-now")
    job = page.wait_for_selector('#member-good .job:not([data-state="running"])', timeout=30000)
    assert job is not None and job.get_attribute("data-state") == "succeeded"
    page.click('a[href="/admin/quarantine/camau"]')
    page.wait_for_selector("table.admin-quarantine")
    page.click("table.admin-quarantine a")
    page.wait_for_selector("pre.raw")

    assert watch.problems() == []
    page.close()


def test_the_watch_sees_a_violation_when_there_is_one(browser: Any, full_site: str) -> None:
    """The check above can fail: an inline style and an inline script are reported."""
    page, watch = watched_page(browser)
    page.goto(full_site + "/libraries")
    page.evaluate(
        """() => {
          document.body.insertAdjacentHTML("beforeend", '<p style="color: red">x</p>');
          const script = document.createElement("script");
          script.textContent = "window.ran = 1";
          document.body.append(script);
        }"""
    )
    page.wait_for_function("document.querySelector('p[style]') !== null")
    page.wait_for_timeout(200)  # violation events are queued as tasks

    assert page.evaluate("window.ran") is None
    assert any(v.startswith("style-src-attr blocked inline") for v in watch.violations)
    assert any(v.startswith("script-src-elem blocked inline") for v in watch.violations)
    assert any("Content Security Policy" in message for message in watch.console)
    page.close()
