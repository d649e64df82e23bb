"""A patron's whole visit in headless Chromium: highlights, chips, pages, keyboard, phone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from catalog.store import Store
from config.settings import Settings
from index.build import update_index
from tests.browser.conftest import serving
from tests.factories import make_library, make_record
from webapp import create_app

pytestmark = pytest.mark.browser

EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


@pytest.fixture
def patron_site(settings: Settings) -> Iterator[str]:
    records = [
        make_record(
            oai_id=f"oai:ct:{n}",
            title=f"Cần Thơ xưa và nay, tập {n}",
            subjects=(f"Chủ đề {n:02d}",),
        )
        for n in range(1, 26)
    ] + [
        make_record(
            library="camau",
            oai_id="oai:cm:1",
            title="Địa chí Cà Mau",
            kind="map",
            subjects=("Lịch sử",),
            description="Bản đồ và tư liệu về vùng đất Cà Mau.",
        ),
        make_record(
            library="camau", oai_id="oai:cm:evil", title=f"{EVIL} Cà Mau", description=EVIL
        ),
    ]
    with Store.open(settings.catalog_path) as store:
        store.upsert_page(records)
        update_index(store, settings.index_dir)
    libraries = (
        make_library(code="cantho", name_vi="Thư viện thành phố Cần Thơ", name_en="Can Tho"),
        make_library(code="camau", name_vi="Thư viện tỉnh Cà Mau", name_en="Ca Mau"),
    )
    app = create_app(settings, libraries=libraries)
    with serving(app) as url:
        yield url
    app.extensions["unioncat"].search_index.close()


def test_ca_mau_is_highlighted_and_harvested_markup_runs_nothing(
    browser: Any, patron_site: str
) -> None:
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(patron_site + "/?q=ca+mau")

    marks = page.locator(".hit .title mark").all_inner_texts()
    assert marks and set(marks) == {"Cà Mau"}
    assert "Cà Mau" in page.locator(".hit .snippet mark").all_inner_texts()
    evil = page.locator(".hit .title", has_text="window.__pwned=1")
    assert evil.inner_text().startswith("<script>window.__pwned=1</script><img src=x")
    assert page.locator(".hit script, .hit img").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"

    evil.click()
    page.wait_for_selector("article.record h1")
    assert page.locator("h1").inner_text().startswith("<script>")
    assert page.locator("article.record img, article.record script").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == []
    page.close()


def test_chip_removal_pagination_and_language_switch_keep_the_search(
    browser: Any, patron_site: str
) -> None:
    page = browser.new_page()
    page.goto(patron_site + "/?q=can+tho&kind=book")
    assert page.locator(".chips a").count() == 1

    page.click("a[rel=next]")
    page.wait_for_url("**page=2**")
    assert page.locator(".hit").count() == 5
    page.click("a[rel=prev]")
    page.wait_for_url(lambda url: "page=1" in url)
    assert page.locator(".hit").count() == 20

    page.click(".lang")  # to English: the query, filter and page stay
    page.wait_for_selector("html[lang=en]")
    assert page.locator("#q").input_value() == "can tho"
    assert page.locator("#result-count").inner_text() == "25 results"

    page.click(".chips a")
    page.wait_for_selector(".chips", state="detached")
    assert "kind=" not in page.url and "q=can+tho" in page.url
    assert page.locator("#result-count").inner_text() == "25 results"
    page.close()


def test_keyboard_only_search_and_facet_with_a_visible_focus(
    browser: Any, patron_site: str
) -> None:
    page = browser.new_page()
    page.goto(patron_site + "/")
    for _ in range(12):  # Tab past the header's links to the search box
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"

    page.keyboard.type("ca mau")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#result-count").inner_text() == "2 kết quả"

    for _ in range(30):  # on to the first kind checkbox
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "kind":
            break
    focused = page.evaluate_handle("document.activeElement")
    assert page.evaluate("document.activeElement.name") == "kind"
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; })()"
    )
    assert style[0] == "solid" and style[1] == "3px" or style[2] != "none"
    kind = page.evaluate("document.activeElement.value")
    page.keyboard.press("Space")
    assert focused.evaluate("element => element.checked") is True
    with page.expect_navigation():
        page.keyboard.press("Enter")  # submits the filter form
    assert f"kind={kind}" in page.url
    assert page.locator("#result-count").inner_text() == "1 kết quả"
    page.close()


def test_phone_shows_filter_results_closed_and_opens_it(browser: Any, patron_site: str) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 667})
    page.goto(patron_site + "/?q=can+tho")

    summary = page.locator("details.facets summary")
    assert summary.inner_text() == "Lọc kết quả"
    assert not page.locator("#facet-kind").is_visible()
    summary.click()
    assert page.locator("#facet-kind").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375  # nothing wider than the phone
    page.close()


def test_typing_into_the_subject_facet_finds_lich_su_and_applies_it(
    browser: Any, patron_site: str
) -> None:
    page = browser.new_page()
    page.goto(patron_site + "/?q=")
    finder = page.locator("#find-subject")
    assert finder.is_visible()  # shown only with JavaScript; the "all values" link is the rest
    assert page.get_by_label("Tìm trong Chủ đề").count() == 1

    finder.press_sequentially("lich su", delay=30)
    page.wait_for_selector("#find-subject-values [role=option]")
    assert page.locator("#find-subject-values [role=option]").all_inner_texts() == ["Lịch sử (1)"]
    finder.press("ArrowDown")
    assert finder.get_attribute("aria-activedescendant") == "find-subject-value-0"
    with page.expect_navigation():
        finder.press("Enter")

    assert page.locator("#result-count").inner_text() == "1 kết quả"
    assert page.locator(".chips a").inner_text().startswith("Lịch sử")
    assert page.locator("#facet-subject input[value='Lịch sử']").is_checked()
    page.close()


def test_all_values_link_lists_the_whole_facet_without_javascript(
    browser: Any, patron_site: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(patron_site + "/?q=")
    assert not page.locator("#find-subject").is_visible()
    assert page.locator("#facet-subject input[type=checkbox]").count() == 15

    page.click("#facet-subject .facet-more")
    page.wait_for_url("**facet_more=subject**")
    assert (
        page.locator("#facet-subject input[type=checkbox]").count() == 27
    )  # 25 + Lịch sử + Địa chí
    page.check("#facet-subject input[value='Lịch sử']")
    page.click(".facets button[type=submit]")
    page.wait_for_url("**subject=**")
    assert page.locator("#result-count").inner_text() == "1 kết quả"
    context.close()
