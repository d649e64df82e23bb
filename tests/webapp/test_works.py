"""Librarians split a record from a wrongly grouped work and undo it, in /admin/works."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from catalog.store import Store
from config.settings import Settings
from tests.webapp.test_admin import PASSWORD_HASH, csrf_of, log_in

SHARED = "cantho:oai:ct:1"  # shares its ISBN with camau:oai:cm:7 (tests/webapp/conftest.py)
OTHER = "camau:oai:cm:7"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return replace(settings, admin_password_hash=PASSWORD_HASH)


def _api_hits(client: FlaskClient, q: str) -> list[tuple[str, int]]:
    data = client.get("/api/search", query_string={"q": q}).get_json()
    return [(hit["title"], hit["holdings"]) for hit in data["hits"]]


def test_the_works_page_needs_a_login(client: FlaskClient) -> None:
    response = client.get(f"/admin/works?key={SHARED}")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_a_split_without_the_csrf_token_is_refused_and_changes_nothing(
    client: FlaskClient, settings: Settings
) -> None:
    log_in(client)
    response = client.post("/admin/works/split", data={"key": OTHER, "reason": "khác"})
    assert response.status_code == 400
    with Store.open(settings.catalog_path) as store:
        assert store.cluster_splits() == []


def test_a_librarian_splits_a_wrong_grouping_and_groups_it_again(
    client: FlaskClient, settings: Settings
) -> None:
    log_in(client)
    page = client.get(f"/admin/works?key={SHARED}").text
    assert OTHER in page and page.count('action="/admin/works/split"') == 2
    assert _api_hits(client, "Cần Thơ xưa và nay") == [("Cần Thơ xưa và nay", 2)]

    response = client.post(
        "/admin/works/split",
        data={"key": OTHER, "reason": "Bản <script>khác</script>", "csrf_token": csrf_of(page)},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Bản &lt;script&gt;khác&lt;/script&gt;" in response.text  # the reason, escaped
    assert "<script>khác" not in response.text
    # Search and the record page show two works at once (the index was updated).
    assert sorted(_api_hits(client, "Cần Thơ xưa và nay")) == [
        ("Cần Thơ xưa và nay", 1),
        ("Cần Thơ xưa và nay", 1),
    ]
    record_page = client.get(f"/records/{SHARED}").text
    assert "camau.example.invalid/record/7" not in record_page
    with Store.open(settings.catalog_path) as store:
        [split] = store.cluster_splits()
        assert (split.key, split.split_by) == (OTHER, "admin")

    response = client.post(
        "/admin/works/rejoin",
        data={"key": OTHER, "csrf_token": csrf_of(response.text)},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert _api_hits(client, "Cần Thơ xưa và nay") == [("Cần Thơ xưa và nay", 2)]
    with Store.open(settings.catalog_path) as store:
        assert store.cluster_splits() == []


def test_a_split_needs_a_reason_and_a_known_record(client: FlaskClient, settings: Settings) -> None:
    log_in(client)
    token = csrf_of(client.get("/admin/works").text)
    response = client.post(
        "/admin/works/split",
        data={"key": OTHER, "reason": "   ", "csrf_token": token},
        follow_redirects=True,
    )
    assert "reason" in response.text.lower() or "lý do" in response.text.lower()
    missing = client.post(
        "/admin/works/split", data={"key": "camau:nope", "reason": "x", "csrf_token": token}
    )
    assert missing.status_code == 404
    page = client.get("/admin/works?key=camau:nope").text
    assert "camau:nope" in page
    with Store.open(settings.catalog_path) as store:
        assert store.cluster_splits() == []


def test_the_dashboard_and_a_record_page_link_a_librarian_to_the_work(
    client: FlaskClient,
) -> None:
    assert "/admin/works" not in client.get(f"/records/{SHARED}").text  # not for patrons
    dashboard = log_in(client)
    assert 'href="/admin/works"' in dashboard
    record_page = client.get(f"/records/{SHARED}").text
    assert f'href="/admin/works?key={SHARED}"' in record_page


def test_a_search_result_names_each_holding_library_with_its_own_link(
    client: FlaskClient,
) -> None:
    page = client.get("/?q=C%E1%BA%A7n+Th%C6%A1+x%C6%B0a+v%C3%A0+nay").text
    assert page.count('class="hit"') == 1  # one work, shown once
    # Each member's own record page: Cần Thơ's from its URL template, Cà Mau's from the record.
    assert 'href="https://opac.example.invalid/cantho/oai:ct:1" rel="external noopener"' in page
    assert 'href="https://camau.example.invalid/record/7" rel="external noopener"' in page
