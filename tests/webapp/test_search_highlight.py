"""Highlights on the search page and in the API, and the full list of a long facet."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from catalog.store import Store
from config.settings import Settings
from index.build import update_index
from tests.factories import make_record
from tests.webapp.conftest import LIBRARIES
from webapp import create_app

EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
SUBJECTS = [f"Chủ đề {n:02d}" for n in range(1, 21)] + ["Lịch sử"]
RECORDS = [
    make_record(
        oai_id="oai:ct:1",
        title="Địa chí Cà Mau",
        description="Sách giới thiệu đất và người. " * 8 + "Vùng Cà Mau ở cực nam. " + "Hết. " * 40,
        subjects=("Địa chí", "Lịch sử"),
    ),
    make_record(oai_id="oai:ct:2", title=f"{EVIL} Cà Mau", description=f"{EVIL} mô tả"),
] + [
    make_record(oai_id=f"oai:ct:s{n}", title=f"Tài liệu {n}", subjects=(subject,))
    for n, subject in enumerate(SUBJECTS)
]


@pytest.fixture
def client(settings: Settings) -> Iterator[FlaskClient]:
    with Store.open(settings.catalog_path) as store:
        store.upsert_page(RECORDS)
        update_index(store, settings.index_dir)
    app: Flask = create_app(settings, libraries=LIBRARIES)
    yield app.test_client()
    app.extensions["unioncat"].search_index.close()


def test_search_page_marks_ca_mau_in_titles_and_descriptions(client: FlaskClient) -> None:
    html = client.get("/?q=ca+mau").get_data(as_text=True)

    assert (
        '<a class="title" href="/records/cantho:oai:ct:1">Địa chí <mark>Cà Mau</mark></a>' in html
    )
    snippet = re.search(r'<p class="snippet">(.*?)</p>', html, re.S)
    assert snippet is not None
    assert "Vùng <mark>Cà Mau</mark> ở cực nam." in snippet.group(1)
    assert snippet.group(1).startswith("…") and snippet.group(1).endswith("…")


def test_harvested_markup_in_titles_and_snippets_is_escaped(client: FlaskClient) -> None:
    html = client.get("/?q=ca+mau").get_data(as_text=True)

    assert "<script>window" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=" in html


def test_api_hits_carry_title_and_description_highlights(client: FlaskClient) -> None:
    hits = client.get("/api/search?q=ca+mau").get_json()["hits"]
    by_id = {hit["id"]: hit for hit in hits}

    first = by_id["cantho:oai:ct:1"]
    assert first["title_highlight"] == [["Địa chí ", False], ["Cà Mau", True]]
    assert ["Cà Mau", True] in first["description_highlight"]
    evil = by_id["cantho:oai:ct:2"]
    assert "".join(text for text, _ in evil["title_highlight"]) == evil["title"]
    assert client.get("/api/search?q=tai+lieu").get_json()["hits"][0]["description_highlight"] == []


def test_long_facet_links_to_its_full_list_and_offers_a_finder(client: FlaskClient) -> None:
    html = client.get("/?q=").get_data(as_text=True)
    subject = html[html.index('id="facet-subject"') :]
    subject = subject[: subject.index("</fieldset>")]

    assert subject.count('type="checkbox"') == 15
    assert 'href="/?facet_more=subject#facet-subject"' in subject
    assert '<label for="find-subject">Tìm trong Chủ đề</label>' in subject
    assert 'data-values-url="/api/facets/subject"' in subject
    assert 'id="find-library"' not in html  # short facets need no finder


def test_full_list_shows_every_value_of_the_search_and_keeps_the_state(
    client: FlaskClient,
) -> None:
    html = client.get("/?q=tai+lieu&facet_more=subject&kind=book").get_data(as_text=True)
    subject = html[html.index('id="facet-subject"') :]
    subject = subject[: subject.index("</fieldset>")]

    assert subject.count('type="checkbox"') == len(SUBJECTS)
    assert 'value="Lịch sử"' in subject
    assert "Thu gọn" in subject  # back to the short list


def test_chosen_value_beyond_the_short_list_stays_checked(client: FlaskClient) -> None:
    html = client.get("/?q=&subject=Chủ+đề+20").get_data(as_text=True)

    assert re.search(r'name="subject" value="Chủ đề 20"\s+checked', html)


def test_unknown_facet_more_is_a_400(client: FlaskClient) -> None:
    response = client.get("/?facet_more=colour")

    assert response.status_code == 400
    assert "facet_more must be one of" in response.get_data(as_text=True)


def test_facet_values_api_finds_lich_su_typed_without_marks(client: FlaskClient) -> None:
    data = client.get("/api/facets/subject?q=&contains=lich+su").get_json()

    assert data["ok"] is True
    assert data["values"] == [{"value": "Lịch sử", "count": 2}]


def test_facet_values_api_counts_within_the_search_and_filters(client: FlaskClient) -> None:
    values = client.get("/api/facets/subject?q=dia+chi&limit=50").get_json()["values"]
    filtered = client.get("/api/facets/subject?q=dia+chi&kind=map").get_json()["values"]

    assert values == [{"value": "Địa chí", "count": 2}, {"value": "Lịch sử", "count": 1}]
    assert filtered == []
    assert client.get("/api/facets/subject?q=&contains=chu+de&limit=3").get_json()["values"] == [
        {"value": "Chủ đề 01", "count": 1},
        {"value": "Chủ đề 02", "count": 1},
        {"value": "Chủ đề 03", "count": 1},
    ]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/facets/colour", "no facet 'colour'"),
        ("/api/facets/subject?limit=0", "limit must be 1 to 1000"),
        ("/api/facets/subject?limit=x", "limit must be a whole number"),
        ("/api/facets/subject?contains=" + "a" * 201, "the limit is 200"),
    ],
)
def test_facet_values_api_bad_arguments_are_400_naming_the_fix(
    client: FlaskClient, url: str, message: str
) -> None:
    response = client.get(url)

    assert response.status_code == 400
    assert response.get_json()["ok"] is False
    assert message in response.get_json()["error"]
