"""Browse by province and by type: counts from the index, links to the filtered search."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from catalog.store import Store
from config.settings import Settings
from index.build import update_index
from tests.factories import make_library, make_record
from webapp import create_app

LIBRARIES = (
    make_library(code="cantho", name_vi="Thư viện thành phố Cần Thơ", name_en="Can Tho Library"),
    make_library(code="camau", name_vi="Thư viện tỉnh Cà Mau", name_en="Ca Mau Library"),
)
MARKUP_PROVINCE = '<i>Hà "Tiên"</i> & co'
MARKUP_KIND = "<b>poster</b>"
RECORDS = [
    # One work held by two libraries: one search result, two records.
    make_record(oai_id="ct:1", title="Địa chí Sóc Trăng", isbns=("9786040000001",),
                provinces=("Sóc Trăng",), provinces_today=("Cần Thơ",)),
    make_record(library="camau", oai_id="cm:1", title="Địa chí Sóc Trăng",
                isbns=("9786040000001",), provinces=("Sóc Trăng",), provinces_today=("Cần Thơ",)),
    # A map of two provinces counts under each.
    make_record(oai_id="ct:2", title="Bản đồ miền Tây", kind="map",
                provinces_today=("Cần Thơ", "Cà Mau")),
    make_record(library="camau", oai_id="cm:2", title="Bạc Liêu xưa", kind="photograph",
                provinces=("Bạc Liêu",), provinces_today=("Cà Mau",)),
    make_record(library="camau", oai_id="cm:3", title="Tờ rơi", kind=MARKUP_KIND,
                provinces_today=(MARKUP_PROVINCE,)),
    # Withdrawn: counted nowhere.
    make_record(library="camau", oai_id="cm:gone", title="Đã rút", deleted=True,
                provinces_today=("Vĩnh Long",)),
]  # fmt: skip
ROW = re.compile(
    r'<td><a href="(?P<href>[^"]+)">(?P<label>[^<]*)</a></td>\s*'
    r"(?:<td>[^<]*</td>\s*)?"
    r'<td class="num">(?P<works>\d+)</td>\s*<td class="num">(?P<records>\d+)</td>'
)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    with Store.open(settings.catalog_path) as store:
        store.upsert_page(RECORDS)
        update_index(store, settings.index_dir)
    app = create_app(settings, libraries=LIBRARIES)
    yield app
    app.extensions["unioncat"].search_index.close()


def _section(page: str, section: str) -> str:
    match = re.search(rf'<section class="browse" id="{section}".*?</section>', page, re.S)
    assert match, f"no {section} section"
    return match[0]


def _rows(page: str, section: str) -> dict[str, tuple[str, int, int]]:
    """Return label → (link, documents, records) for the linked rows of one section."""
    return {
        html.unescape(row["label"]): (
            html.unescape(row["href"]),
            int(row["works"]),
            int(row["records"]),
        )
        for row in ROW.finditer(_section(page, section))
    }


def test_each_count_is_what_the_search_finds_with_that_filter(client: FlaskClient) -> None:
    page = client.get("/browse").text
    rows = {**_rows(page, "provinces"), **_rows(page, "types")}

    assert rows["Cần Thơ"][1:] == (2, 3)  # the shared work is one document, two records
    assert rows["Cà Mau"][1:] == (2, 2)
    assert rows["Bản đồ"][1:] == (1, 1)
    assert len(rows) == 7  # 3 provinces, 4 kinds with records
    for label, (link, works, records) in rows.items():
        api = client.get("/api/search" + link[link.index("?") :]).json
        assert api is not None
        assert (api["total"], api["records"]) == (works, records), label
        search_page = client.get(link).text
        assert f">{works} kết quả<" in search_page, label


def test_provinces_of_today_are_all_listed_with_their_former_provinces(
    client: FlaskClient,
) -> None:
    provinces = _section(client.get("/browse").text, "provinces")

    for today, former in [
        ("Cần Thơ", "Sóc Trăng, Hậu Giang"),
        ("Cà Mau", "Bạc Liêu"),
        ("Vĩnh Long", "Bến Tre, Trà Vinh"),
        ("Tây Ninh", "Long An"),
    ]:
        assert re.search(rf">{today}(</a>)?</td>\s*<td>{former}</td>", provinces), today
    # No records (the only one was withdrawn): listed, with no link to an empty search.
    assert re.search(r"<td>Vĩnh Long</td>\s*<td>[^<]*</td>\s*<td class=\"num\">0</td>", provinces)
    assert "province=V%C4%A9nh" not in provinces


def test_every_type_is_listed_and_empty_ones_are_not_links(client: FlaskClient) -> None:
    types = _section(client.get("/browse?lang=en").text, "types")

    assert '<a href="/?kind=book">Book</a>' in types
    assert "<td>Manuscript</td>" in types  # no manuscripts: no link
    assert types.index(">Book<") < types.index(">Map<") < types.index(">Other<")


def test_harvested_province_and_type_labels_are_escaped(client: FlaskClient) -> None:
    page = client.get("/browse").text

    assert MARKUP_PROVINCE not in page and MARKUP_KIND not in page
    assert "&lt;i&gt;Hà &#34;Tiên&#34;&lt;/i&gt; &amp; co" in page
    assert "&lt;b&gt;poster&lt;/b&gt;" in page
    rows = {**_rows(page, "provinces"), **_rows(page, "types")}
    link, works, _ = rows[MARKUP_PROVINCE]
    assert link.startswith("/?province=%3Ci%3E") and works == 1
    assert client.get(link).status_code == 200
    assert rows[MARKUP_KIND][0] == "/?kind=%3Cb%3Eposter%3C/b%3E"


def test_browse_is_linked_from_every_page_and_from_the_libraries_page(
    client: FlaskClient,
) -> None:
    search = client.get("/").text
    libraries = client.get("/libraries?lang=en").text

    assert '<a href="/browse">Duyệt danh mục</a>' in search
    assert '<a href="/browse#provinces">By province</a>' in libraries
    assert '<a href="/libraries" aria-current="page">By library</a>' in libraries


def test_browse_page_in_both_languages(client: FlaskClient) -> None:
    vietnamese = client.get("/browse").text
    english = client.get("/browse?lang=en").text

    assert "<h1>Duyệt mục lục</h1>" in vietnamese
    assert "Theo tỉnh, thành" in vietnamese and "Gồm các tỉnh cũ" in vietnamese
    assert "Tổng cộng 4 tài liệu, 5 biểu ghi" in vietnamese
    assert "<h1>Browse the catalog</h1>" in english
    assert "4 documents, 5 records in all" in english


def test_pages_without_an_index_say_what_to_run(settings: Settings) -> None:
    client = create_app(settings, libraries=LIBRARIES).test_client()

    for path in ("/browse", "/?q=can+tho", "/?q=can+tho&lang=en"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert "unioncat index" in response.text, path
    assert "Chức năng tìm kiếm chưa sẵn sàng" in client.get("/browse?lang=vi").text
    assert "Search is not available yet" in client.get("/?lang=en").text
    api = client.get("/api/search?q=can+tho")
    assert api.status_code == 503
    assert api.json is not None and "unioncat index" in api.json["error"]
