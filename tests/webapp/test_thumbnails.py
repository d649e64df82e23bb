"""Members' thumbnails, edition and format on the search page, the record page and the API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from catalog.store import Store
from config.settings import Settings
from index.build import update_index
from tests.factories import make_library, make_record
from webapp import create_app

THUMB = "https://thuvien.example.vn/files/7/thumb.jpg?size=s&x=<b>"
RECORDS = [
    make_record(oai_id="oai:t:1", title="Chợ nổi Cái Răng", kind="photograph", thumbnail=THUMB,
                edition="Tái bản lần thứ 2", formats=("1 ảnh : màu ; 9 x 14 cm",)),
    # Stored by an older mapping or tampered with: never rendered as an image.
    make_record(oai_id="oai:t:2", title="Chợ nổi Phong Điền", thumbnail="javascript:alert(1)"),
]  # fmt: skip


@pytest.fixture
def client(settings: Settings) -> Iterator[FlaskClient]:
    with Store.open(settings.catalog_path) as store:
        store.upsert_page(RECORDS)
        update_index(store, settings.index_dir)
    app: Flask = create_app(settings, libraries=(make_library(code="cantho"),))
    yield app.test_client()
    app.extensions["unioncat"].search_index.close()


def test_search_page_shows_an_http_thumbnail_escaped_and_never_another_scheme(
    client: FlaskClient,
) -> None:
    page = client.get("/?q=cho+noi").text
    assert page.count('class="thumb"') == 1
    assert 'src="https://thuvien.example.vn/files/7/thumb.jpg?size=s&amp;x=&lt;b&gt;"' in page
    assert "javascript:alert" not in page
    assert 'referrerpolicy="no-referrer"' in page


def test_record_page_shows_thumbnail_edition_and_format(client: FlaskClient) -> None:
    page = client.get("/records/cantho:oai:t:1").text
    assert 'class="record-thumb"' in page and "Tái bản lần thứ 2" in page
    assert "1 ảnh : màu ; 9 x 14 cm" in page
    assert 'class="record-thumb"' not in client.get("/records/cantho:oai:t:2").text


def test_api_gives_thumbnail_edition_and_formats(client: FlaskClient) -> None:
    hits = client.get("/api/search?q=cai+rang").get_json()["hits"]
    assert [hit["thumbnail"] for hit in hits] == [THUMB]
    record = client.get("/api/records/cantho:oai:t:1").get_json()["record"]
    assert (record["edition"], record["formats"], record["thumbnail"]) == (
        "Tái bản lần thứ 2",
        ["1 ảnh : màu ; 9 x 14 cm"],
        THUMB,
    )


def test_the_csp_lets_member_images_load_but_nothing_else_from_them(
    client: FlaskClient,
) -> None:
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https: http:" in policy
    assert "script-src 'self';" in policy and "default-src 'self'" in policy
