"""A web app over a small real catalog and index in tmp_path."""

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

LIBRARIES = (
    make_library(
        code="cantho",
        name_vi="Thư viện thành phố Cần Thơ",
        name_en="Can Tho City Library",
        record_url_template="https://opac.example.invalid/cantho/{oai_id}",
    ),
    make_library(code="camau", name_vi="Thư viện tỉnh Cà Mau", name_en="Ca Mau Library"),
)

RECORDS = [
    make_record(oai_id="oai:ct:1", title="Cần Thơ xưa và nay", isbns=("9786040000001",)),
    make_record(
        library="camau",
        oai_id="oai:cm:7",
        title="Cần Thơ xưa và nay",
        isbns=("9786040000001",),
        identifiers=("https://camau.example.invalid/record/7",),
    ),
    make_record(oai_id="oai:ct:2", title="Bản đồ <b>Cà Mau</b>", kind="map", creators=()),
    make_record(library="camau", oai_id="oai:cm:gone", title="Đã rút", deleted=True),
]


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    with Store.open(settings.catalog_path) as store:
        store.upsert_page(RECORDS)
        update_index(store, settings.index_dir)
    app = create_app(settings, libraries=LIBRARIES)
    yield app
    app.extensions["unioncat"].search_index.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
