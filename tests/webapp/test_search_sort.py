"""Sort orders and the language and subject facets on the search page and in the JSON API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient

from catalog.models import Record
from catalog.store import Store
from config.settings import Settings
from index.build import update_index
from tests.factories import make_record
from tests.webapp.conftest import LIBRARIES
from tests.webapp.test_openapi import _operation, _response, _validator
from webapp import create_app


def record(oai_id: str, title: str, year: int | None, **overrides: object) -> Record:
    return make_record(
        oai_id=oai_id,
        title=title,
        date=str(year) if year else None,
        year_from=year,
        year_to=year,
        **overrides,
    )


RECORDS = [
    record("oai:s:1", "Đồng Tháp", 1990, subjects=("Địa chí", "Lịch sử")),
    record("oai:s:2", "Dương", 2001, languages=("vie", "fra"), subjects=("Lịch sử",)),
    record("oai:s:3", "Bạc Liêu", None, subjects=("Lịch sử, văn hóa",)),
    record("oai:s:4", "Ấp", 1975, languages=("khm",), subjects=("Khmer Nam Bộ",), kind="map"),
    record("oai:s:5", "An Giang", 1975, library="camau", languages=("fra",), subjects=()),
    record("oai:s:6", "Ăn", 2020, languages=("eng",), subjects=("Ẩm thực",)),
]
BY_TITLE = ["An Giang", "Ăn", "Ấp", "Bạc Liêu", "Dương", "Đồng Tháp"]
NEWEST = ["Ăn", "Dương", "Đồng Tháp", "An Giang", "Ấp", "Bạc Liêu"]


@pytest.fixture
def client(settings: Settings) -> Iterator[FlaskClient]:
    # Two results a page, so that the six records take three pages.
    settings = replace(settings, results_per_page=2)
    with Store.open(settings.catalog_path) as store:
        store.upsert_page(RECORDS)
        update_index(store, settings.index_dir)
    app: Flask = create_app(settings, libraries=LIBRARIES)
    yield app.test_client()
    app.extensions["unioncat"].search_index.close()


def page(client: FlaskClient, url: str) -> lxml.html.HtmlElement:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return lxml.html.fromstring(response.get_data(as_text=True))


def hit_titles(html: lxml.html.HtmlElement) -> list[str]:
    return [
        title.text_content() for hit in html.find_class("hit") for title in hit.find_class("title")
    ]


def form_args(form: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    """Return what submitting ``form`` as it stands sends, as a browser would."""
    return list(form.form_values())


def test_sort_menu_is_labelled_and_marks_the_current_order(client: FlaskClient) -> None:
    html = page(client, "/?q=&sort=newest")

    select = html.get_element_by_id("sort")
    label = html.xpath("//label[@for='sort']")
    assert label and label[0].text_content() == "Sắp xếp theo"
    options = {o.get("value"): o.text_content() for o in select.xpath(".//option")}
    assert options == {
        "relevance": "Phù hợp nhất",
        "newest": "Mới nhất trước",
        "oldest": "Cũ nhất trước",
        "title": "Nhan đề, A đến Z",
    }
    assert select.value == "newest"
    assert hit_titles(html) == NEWEST[:2]  # two a page


def test_sort_form_keeps_every_other_argument_and_starts_at_page_one(
    client: FlaskClient,
) -> None:
    url = "/?q=lich+su&kind=book&kind=map&language=vie&from_year=1900&page=2&sort=title&lang=en"
    form = page(client, url).find_class("sort")[0]

    assert form.tag == "form" and form.get("method") == "get"
    assert form.xpath(".//button[@type='submit']")
    sent = form_args(form)
    assert sorted(sent) == sorted(
        [("q", "lich su"), ("kind", "book"), ("kind", "map"), ("language", "vie"),
         ("from_year", "1900"), ("lang", "en"), ("sort", "title")]
    )  # fmt: skip


def test_search_and_filter_forms_keep_the_order(client: FlaskClient) -> None:
    html = page(client, "/?q=&sort=oldest&language=vie")

    search_form = html.xpath("//form[@class='search']")[0]
    facet_form = html.find_class("facets")[0].xpath(".//form")[0]
    assert ("sort", "oldest") in form_args(search_form)
    assert ("sort", "oldest") in form_args(facet_form)
    chips = [a.get("href") for a in html.xpath("//ul[@class='chips']//a")]
    assert chips and all(parse_qs(urlsplit(href).query)["sort"] == ["oldest"] for href in chips)


def test_title_order_pages_through_without_overlap(client: FlaskClient) -> None:
    seen: list[str] = []
    for number in (1, 2, 3):
        html = page(client, f"/?q=&sort=title&page={number}")
        seen += hit_titles(html)
        links = html.xpath("//a[@rel='next']")
        if links:  # the pager keeps the order
            assert "sort=title" in links[0].get("href")

    assert seen == BY_TITLE


@pytest.mark.parametrize("value", ["year", "Newest", "relevance;drop"])
def test_unknown_sort_is_a_400_page_and_api_error(client: FlaskClient, value: str) -> None:
    response = client.get("/", query_string={"q": "", "sort": value})
    api = client.get("/api/search", query_string={"sort": value})

    assert response.status_code == 400
    assert "sort must be one of relevance, newest, oldest, title" in response.get_data(as_text=True)
    assert api.status_code == 400
    assert api.get_json() == {
        "ok": False,
        "error": f"sort must be one of relevance, newest, oldest, title, got {value!r}",
    }


def test_empty_sort_means_relevance(client: FlaskClient) -> None:
    assert client.get("/api/search?q=&sort=").get_json()["sort"] == "relevance"


def test_language_facet_is_named_in_the_readers_language(client: FlaskClient) -> None:
    vietnamese = page(client, "/?q=")
    english = page(client, "/?q=&lang=en")

    def labels(html: lxml.html.HtmlElement) -> dict[str, str]:
        facet = html.get_element_by_id("facet-language")
        return {
            box.get("value"): " ".join(
                facet.xpath(f".//label[@for='{box.get('id')}']")[0].text_content().split()
            )
            for box in facet.xpath(".//input[@type='checkbox']")
        }

    legend = vietnamese.get_element_by_id("facet-language").xpath("legend")[0]
    assert legend.text == "Ngôn ngữ"
    assert labels(vietnamese) == {
        "vie": "Tiếng Việt(3)", "fra": "Tiếng Pháp(2)", "eng": "Tiếng Anh(1)",
        "khm": "Tiếng Khmer(1)",
    }  # fmt: skip
    assert labels(english) == {
        "vie": "Vietnamese(3)", "fra": "French(2)", "eng": "English(1)", "khm": "Khmer(1)",
    }  # fmt: skip


def test_subject_facet_filters_by_url_and_shows_a_chip(client: FlaskClient) -> None:
    html = page(client, "/?q=&subject=L%E1%BB%8Bch+s%E1%BB%AD")

    assert hit_titles(html) == ["Dương", "Đồng Tháp"]
    facet = html.get_element_by_id("facet-subject")
    assert facet.xpath("legend")[0].text == "Chủ đề"
    checked = [box.get("value") for box in facet.xpath(".//input[@checked]")]
    assert checked == ["Lịch sử"]
    chip = html.xpath("//ul[@class='chips']//a")[0]
    assert chip.text_content().startswith("Lịch sử")
    assert "subject" not in parse_qs(urlsplit(chip.get("href")).query)


def test_language_chip_names_the_language(client: FlaskClient) -> None:
    html = page(client, "/?q=&language=khm&lang=en")

    assert hit_titles(html) == ["Ấp"]
    assert [
        a.text_content().split("×")[0].strip() for a in html.xpath("//ul[@class='chips']//a")
    ] == ["Khmer"]


def test_api_sorts_and_filters_by_language_and_subject(client: FlaskClient) -> None:
    newest = client.get("/api/search?q=&sort=newest&per_page=10").get_json()
    by_title = client.get("/api/search?q=&sort=title&per_page=4&page=2").get_json()
    filtered = client.get("/api/search?q=&language=fra&subject=L%E1%BB%8Bch+s%E1%BB%AD")

    assert newest["sort"] == "newest"
    assert [hit["title"] for hit in newest["hits"]] == NEWEST
    assert [hit["title"] for hit in by_title["hits"]] == BY_TITLE[4:]
    assert [hit["title"] for hit in filtered.get_json()["hits"]] == ["Dương"]
    assert {f["value"]: f["count"] for f in newest["facets"]["language"]} == {
        "vie": 3, "fra": 2, "khm": 1, "eng": 1,
    }  # fmt: skip
    assert newest["facets"]["subject"][0] == {"value": "Lịch sử", "count": 2}


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/search?q=&sort=oldest&language=vie&language=khm", 200),
        ("/api/search?q=lich+su&sort=title&subject=%C4%90%E1%BB%8Ba+ch%C3%AD", 200),
        ("/api/search?sort=year", 400),
        ("/api/suggest?q=v&field=language", 200),
    ],
)
def test_sort_and_new_facets_match_the_openapi_document(
    client: FlaskClient, url: str, status: int
) -> None:
    path, query = urlsplit(url).path, parse_qs(urlsplit(url).query, keep_blank_values=True)
    template, operation = _operation(path)
    declared = {parameter["name"] for parameter in operation.get("parameters", ())}
    assert set(query) <= declared

    response = client.get(url)

    assert response.status_code == status
    schema = _response(operation, status)["content"]["application/json"]["schema"]
    errors = list(_validator(schema["$ref"].lstrip("#")).iter_errors(response.get_json()))
    assert not errors, errors
