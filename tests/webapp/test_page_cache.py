"""A repeated search page comes from the page cache, and never outlives what it shows."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from catalog.store import Store
from config.settings import Settings
from index.build import update_index
from tests.factories import make_record


def _cache(app: Flask) -> object:
    return app.extensions["unioncat"].pages


def test_a_repeated_search_is_served_from_the_cache(app: Flask, client: FlaskClient) -> None:
    first = client.get("/?q=can+tho")
    kept = len(_cache(app))  # type: ignore[arg-type]
    second = client.get("/?q=can+tho")

    assert first.status_code == second.status_code == 200
    assert second.data == first.data
    assert len(_cache(app)) == kept == 1  # type: ignore[arg-type]
    # Security headers come from the response, not the cache.
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_each_language_and_query_has_its_own_page(app: Flask, client: FlaskClient) -> None:
    vietnamese = client.get("/?q=can+tho").get_data(as_text=True)
    english = client.get("/?q=can+tho&lang=en").get_data(as_text=True)
    remembered = client.get("/?q=can+tho").get_data(as_text=True)  # the cookie says English
    other = client.get("/?q=ca+mau").get_data(as_text=True)

    assert 'lang="vi"' in vietnamese and 'lang="en"' in english
    assert 'lang="en"' in remembered
    assert "Bản đồ" in other and "Bản đồ" not in vietnamese
    assert len(_cache(app)) == 4  # type: ignore[arg-type]


def test_a_new_record_shows_after_the_index_update(
    app: Flask, client: FlaskClient, settings: Settings
) -> None:
    before = client.get("/?q=vinh+long").get_data(as_text=True)
    with Store.open(settings.catalog_path) as store:
        store.upsert_page([make_record(oai_id="oai:ct:9", title="Vĩnh Long quê tôi")])
        stored_only = client.get("/?q=vinh+long").get_data(as_text=True)
        update_index(store, settings.index_dir)

    after = client.get("/?q=vinh+long").get_data(as_text=True)

    # The title's words are marked in the page: look for the record's link.
    assert "oai:ct:9" not in before and "oai:ct:9" not in stored_only
    assert "oai:ct:9" in after


def test_a_catalog_change_renders_the_page_again(
    app: Flask, client: FlaskClient, settings: Settings
) -> None:
    """Holdings and snippets come from the catalog, which can change before the index does."""
    before = client.get("/?q=ban+do").get_data(as_text=True)
    with Store.open(settings.catalog_path) as store:
        changed = make_record(
            oai_id="oai:ct:2",
            title="Bản đồ <b>Cà Mau</b>",
            kind="map",
            creators=(),
            description="Tờ bản đồ vẽ tay năm 1930",
        )
        store.upsert_page([changed])

    after = client.get("/?q=ban+do").get_data(as_text=True)

    assert "vẽ tay" not in before
    assert "vẽ tay" in after  # the description snippet is read from the catalog


def test_a_bad_request_is_not_kept(app: Flask, client: FlaskClient) -> None:
    response = client.get("/?q=can+tho&sort=sideways")

    assert response.status_code == 400
    assert len(_cache(app)) == 0  # type: ignore[arg-type]
