"""The search page as a patron uses it, in a real headless Chromium."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

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


def test_type_ahead_suggests_and_arrow_down_enter_searches_the_suggestion(
    browser: Any, site: str
) -> None:
    page = browser.new_page()
    page.goto(site + "/")
    box = page.locator("#q")
    box.press_sequentially("can", delay=50)  # real key presses: input events, as a patron types
    page.wait_for_selector("#q-suggestions [role=option]")

    options = page.locator("#q-suggestions [role=option]")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "true"
    assert options.count() >= 1
    assert all("Cần" in text for text in options.all_inner_texts())  # completed with marks
    first = options.first.inner_text()

    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "q-suggestion-0"
    assert options.first.get_attribute("aria-selected") == "true"

    with page.expect_navigation():
        box.press("Enter")
    page.wait_for_selector("#result-count")

    assert page.locator("#q").input_value() == first
    assert "q=" in page.url and page.locator(".hit").count() >= 1
    page.close()


def test_type_ahead_escape_closes_the_list_and_keeps_the_typed_text(
    browser: Any, site: str
) -> None:
    page = browser.new_page()
    page.goto(site + "/")
    box = page.locator("#q")
    box.press_sequentially("dia chi", delay=50)
    page.wait_for_selector("#q-suggestions [role=option]")

    box.press("Escape")

    assert page.locator("#q-suggestions").is_hidden()
    assert box.get_attribute("aria-expanded") == "false"
    assert box.input_value() == "dia chi" and page.url == site + "/"
    page.close()


def test_search_page_in_english_and_its_feed_link(browser: Any, site: str) -> None:
    page = browser.new_page()
    page.goto(site + "/?q=can+tho&lang=en")
    page.wait_for_selector("#result-count")

    assert page.locator("#result-count").inner_text() == "25 results"
    assert page.locator("html").get_attribute("lang") == "en"
    feed = page.locator('link[rel=alternate][type="application/atom+xml"]')
    assert feed.get_attribute("href") == "/feed.atom"
    page.click("text=New this week")
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "New this week"
    assert page.locator(".hit").count() == 26
    page.close()


def test_sort_menu_works_without_javascript_and_keeps_the_search(browser: Any, site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/?q=can+tho&kind=book")
    page.select_option("#sort", "title")
    page.click("#sort-go")
    page.wait_for_url("**sort=title**")

    assert parse_qs(urlsplit(page.url).query) == {
        "q": ["can tho"], "kind": ["book"], "sort": ["title"],
    }  # fmt: skip
    assert page.locator("#sort").input_value() == "title"
    # Numbers by value: "tập 2" before "tập 10".
    assert page.locator(".hit .title").all_inner_texts()[:3] == [
        f"Cần Thơ xưa và nay, tập {n}" for n in (1, 2, 3)
    ]
    page.click("a[rel=next]")
    page.wait_for_url("**page=2**")
    assert "sort=title" in page.url
    assert page.locator(".hit .title").first.inner_text() == "Cần Thơ xưa và nay, tập 21"
    context.close()


def test_language_facet_is_named_and_filters(browser: Any, site: str) -> None:
    page = browser.new_page()
    page.goto(site + "/?q=")
    label = page.locator("#facet-language label").first

    assert page.locator("#facet-language legend").inner_text() == "Ngôn ngữ"
    assert label.inner_text().replace(" ", "") == "TiếngViệt(26)"
    label.click()
    page.click(".facets button[type=submit]")
    page.wait_for_url("**language=vie**")
    assert page.locator("#result-count").inner_text() == "26 kết quả"
    assert page.locator(".chips a").first.inner_text().startswith("Tiếng Việt")
    page.close()
