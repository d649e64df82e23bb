"""The search page as a patron uses it, in a real headless Chromium."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_patron_types_can_tho_without_diacritics_and_finds_records(browser: Any, site: str) -> None:
    page = browser.new_page()
    page.goto(site + "/")
    page.fill("#q", "can tho")
    page.click("#go")
    page.wait_for_selector(".hit")

    assert "q=can+tho" in page.url
    assert page.locator("#result-count").inner_text() == "25 kết quả"
    assert "Cần Thơ xưa và nay" in page.locator(".hit .title").first.inner_text()
    page.close()


def test_facet_checkbox_filters_and_back_button_restores(browser: Any, site: str) -> None:
    page = browser.new_page()
    page.goto(site + "/?q=")
    page.check("#facet-kind input[value=map]")
    page.click(".facets button[type=submit]")
    page.wait_for_url("**kind=map**")
    assert page.locator("#result-count").inner_text() == "1 kết quả"

    page.go_back()
    page.wait_for_selector("#result-count")
    assert page.locator("#result-count").inner_text() == "26 kết quả"
    page.close()


def test_results_page_through_and_open_a_record(browser: Any, site: str) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 740})  # a phone
    page.goto(site + "/?q=can+tho")
    page.click("a[rel=next]")
    page.wait_for_url("**page=2**")
    assert page.locator(".hit").count() == 5

    page.locator(".hit .title").first.click()
    page.wait_for_selector("article.record h1")
    assert "Cần Thơ" in page.locator("h1").inner_text()
    assert page.locator("html").get_attribute("lang") == "vi"
    page.close()
