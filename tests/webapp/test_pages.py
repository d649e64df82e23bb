"""The search page, record pages and JSON API through Flask's test client."""

from __future__ import annotations

import re

from flask.testing import FlaskClient


def test_search_page_finds_can_tho_typed_without_diacritics_once_per_work(
    client: FlaskClient,
) -> None:
    page = client.get("/?q=can+tho")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Thơ</mark>" in html
    assert "1 kết quả" in html  # two libraries' records of one work: one entry
    assert 'lang="vi"' in html
    assert "Có tại 2 thư viện" in html


def test_search_page_in_english_is_remembered(client: FlaskClient) -> None:
    first = client.get("/?q=can+tho&lang=en")
    later = client.get("/?q=can+tho")

    assert "1 result<" in first.get_data(as_text=True)
    assert 'lang="en"' in later.get_data(as_text=True)


def test_facet_filter_is_a_url(client: FlaskClient) -> None:
    html = client.get("/?q=&kind=map").get_data(as_text=True)

    assert "1 kết quả" in html
    assert 'value="map" checked' in html


def test_harvested_markup_is_escaped(client: FlaskClient) -> None:
    html = client.get("/?q=ban+do").get_data(as_text=True)
    record = client.get("/records/cantho:oai:ct:2").get_data(as_text=True)

    assert "<b>Cà Mau</b>" not in html and "&lt;b&gt;" in html
    assert "<b>Cà Mau</b>" not in record and "&lt;b&gt;Cà Mau&lt;/b&gt;" in record


def test_record_page_links_to_every_holding_library(client: FlaskClient) -> None:
    html = client.get("/records/cantho:oai:ct:1").get_data(as_text=True)

    assert "https://opac.example.invalid/cantho/oai:ct:1" in html
    assert "https://camau.example.invalid/record/7" in html
    assert "Thư viện tỉnh Cà Mau" in html


def test_unknown_record_is_a_404_page(client: FlaskClient) -> None:
    page = client.get("/records/cantho:oai:none")

    assert page.status_code == 404
    assert "Không tìm thấy" in page.get_data(as_text=True)


def test_api_search_returns_hits_and_facets(client: FlaskClient) -> None:
    data = client.get("/api/search?q=can+tho").get_json()

    assert data["ok"] is True and data["total"] == 1 and data["records"] == 2
    assert [hit["holdings"] for hit in data["hits"]] == [2]
    assert {"value": "book", "count": 2} in data["facets"]["kind"]
    assert {"value": "camau", "count": 1} in data["facets"]["library"]


def test_api_record_lists_holdings(client: FlaskClient) -> None:
    data = client.get("/api/records/camau:oai:cm:7").get_json()

    assert data["record"]["title"] == "Cần Thơ xưa và nay"
    assert [holding["library"] for holding in data["holdings"]] == ["camau", "cantho"]


def test_api_errors_have_one_shape(client: FlaskClient) -> None:
    for url, status in [
        ("/api/search?page=zero", 400),
        ("/api/search?per_page=x", 400),
        ("/api/search?kind=map&page=0", 400),
        ("/api/records/nope:nothing", 404),
        ("/api/nothing-here", 404),
    ]:
        response = client.get(url)
        assert response.status_code == status, url
        body = response.get_json()
        assert body["ok"] is False and body["error"], url


def test_bad_page_number_is_a_400_page_not_a_crash(client: FlaskClient) -> None:
    assert client.get("/?page=-1").status_code == 400


def test_api_libraries_counts_live_records(client: FlaskClient) -> None:
    data = client.get("/api/libraries").get_json()

    assert {row["code"]: row["records"] for row in data["libraries"]} == {"cantho": 2, "camau": 1}


def test_health_endpoint(client: FlaskClient) -> None:
    data = client.get("/healthz").get_json()

    assert data["ok"] is True and data["documents"] == 3


def test_year_range_and_chips_are_in_the_url(client: FlaskClient) -> None:
    html = client.get("/?q=&kind=book&from_year=1960&to_year=1970").get_data(as_text=True)

    assert "1 kết quả" in html
    assert 'class="chips"' in html
    assert "Sách" in html and "Từ năm 1960" in html
    chips = html[html.index('class="chips"') : html.index("</ul>", html.index('class="chips"'))]
    links = re.findall(r'href="([^"]+)"[^>]*>([^<]+)<', chips)
    by_label = {label.strip(): url for url, label in links}
    # Each chip removes only its own filter.
    assert "kind=book" not in by_label["Sách"] and "from_year=1960" in by_label["Sách"]
    assert "kind=book" in by_label["Từ năm 1960"] and "from_year" not in by_label["Từ năm 1960"]


def test_bad_year_is_a_400(client: FlaskClient) -> None:
    assert client.get("/api/search?from_year=abc").status_code == 400
    assert client.get("/api/search?from_year=1990&to_year=1950").status_code == 400


def test_did_you_mean_links_to_the_accented_query(client: FlaskClient) -> None:
    html = client.get("/?q=xua+va+nay").get_data(as_text=True)

    assert "Có phải bạn muốn tìm" in html and "xưa và nay" in html


def test_record_exports_are_escaped_and_complete(client: FlaskClient) -> None:
    ris = client.get("/export/ris/cantho:oai:ct:1")
    bib = client.get("/export/bibtex/cantho:oai:ct:1").get_data(as_text=True)
    csv_text = client.get("/export/csv/cantho:oai:ct:2").get_data(as_text=True)

    assert ris.status_code == 200 and "attachment" in ris.headers["Content-Disposition"]
    assert "TI  - Cần Thơ xưa và nay" in ris.get_data(as_text=True)
    assert "SN  - 9786040000001" in ris.get_data(as_text=True)
    assert bib.startswith("@book{minh1966,") and "author = {Huỳnh Minh}" in bib
    assert "Bản đồ <b>Cà Mau</b>" in csv_text.splitlines()[1]
    assert client.get("/export/docx/cantho:oai:ct:1").status_code == 400


def test_record_page_has_json_ld_that_cannot_break_out(client: FlaskClient) -> None:
    html = client.get("/records/cantho:oai:ct:2").get_data(as_text=True)
    script = html[html.index('<script type="application/ld+json">') :]
    script = script[: script.index("</script>")]

    assert '"@type": "Map"' in script
    assert "<b>" not in script and "\\u003cb\\u003e" in script


def test_opensearch_description(client: FlaskClient) -> None:
    response = client.get("/opensearch.xml")

    assert response.status_code == 200
    assert "/?q={searchTerms}" in response.get_data(as_text=True)


def test_libraries_page_lists_members_with_links_to_their_records(client: FlaskClient) -> None:
    html = client.get("/libraries").get_data(as_text=True)

    assert "Thư viện thành phố Cần Thơ" in html and "Thư viện tỉnh Cà Mau" in html
    assert 'href="/?library=cantho"' in html


def test_language_link_keeps_every_argument_once(client: FlaskClient) -> None:
    html = client.get("/?q=c%C3%A0+mau&kind=map&kind=book&lang=vi").get_data(as_text=True)

    link = re.search(r'<a class="lang" href="([^"]+)"', html)
    assert link is not None
    assert link.group(1) == "?q=c%C3%A0+mau&amp;kind=map&amp;kind=book&amp;lang=en"
