"""Browsing by province and type as a patron does it, in a real headless Chromium."""

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


@pytest.fixture
def browse_site(settings: Settings) -> Iterator[str]:
    records = [
        make_record(
            oai_id=f"oai:ct:{n}",
            title=f"Sóc Trăng xưa, tập {n}",
            provinces=("Sóc Trăng",),
            provinces_today=("Cần Thơ",),
        )
        for n in range(1, 4)
    ] + [
        make_record(
            library="camau", oai_id="oai:cm:1", title="Bản đồ Bạc Liêu", kind="map",
            provinces=("Bạc Liêu",), provinces_today=("Cà Mau",),
        ),
    ]  # fmt: skip
    with Store.open(settings.catalog_path) as store:
        store.upsert_page(records)
        update_index(store, settings.index_dir)
    libraries = (
        make_library(code="cantho", name_vi="Thư viện TP Cần Thơ", name_en="Can Tho Library"),
        make_library(code="camau", name_vi="Thư viện tỉnh Cà Mau", name_en="Ca Mau Library"),
    )
    app = create_app(settings, libraries=libraries)
    with serving(app) as url:
        yield url
    app.extensions["unioncat"].search_index.close()


def test_patron_browses_to_a_province_of_today_and_gets_its_records(
    browser: Any, browse_site: str
) -> None:
    page = browser.new_page()
    page.goto(browse_site + "/")
    page.click("header.site >> text=Duyệt danh mục")
    page.wait_for_url("**/browse")
    row = page.locator("#provinces tr", has_text="Cần Thơ")
    assert row.locator("td").nth(1).inner_text() == "Sóc Trăng, Hậu Giang"
    documents = row.locator("td").nth(2).inner_text()
    assert documents == "3"

    row.locator("a").click()
    page.wait_for_url("**province=C%E1%BA%A7n+Th%C6%A1**")
    assert page.locator("#result-count").inner_text() == f"{documents} kết quả"
    assert page.locator('#facet-province input[value="Cần Thơ"]').is_checked()
    page.close()


def test_patron_browses_by_type_in_english(browser: Any, browse_site: str) -> None:
    page = browser.new_page()
    page.goto(browse_site + "/libraries?lang=en")
    page.click(".browse-nav >> text=By type of document")
    page.wait_for_url("**/browse#types")
    page.locator("#types a", has_text="Map").click()
    page.wait_for_url("**kind=map**")
    assert page.locator("#result-count").inner_text() == "1 result"
    assert "Bản đồ Bạc Liêu" in page.locator(".hit .title").inner_text()
    page.close()
