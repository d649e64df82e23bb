"""One writer at a time; readers, the web app's included, see each commit without a restart."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from catalog.errors import SearchIndexError
from catalog.store import Store
from config.settings import Settings
from index.build import update_index
from tests.factories import make_library, make_record
from webapp import create_app


def test_a_second_writer_waits_then_names_the_fix(store: Store, tmp_path: Path) -> None:
    store.upsert_page([make_record(oai_id="oai:w:1", title="Cà Mau")])
    update_index(store, tmp_path / "index")
    store.upsert_page([make_record(oai_id="oai:w:2", title="Bạc Liêu")])
    # Another process's `unioncat index` holding the lock, as Whoosh's own writer does.
    holder = whoosh_index.open_dir(str(tmp_path / "index")).writer()
    try:
        started = time.perf_counter()
        with pytest.raises(SearchIndexError, match="another process is writing the index") as info:
            update_index(store, tmp_path / "index", lock_timeout=0.5)
        waited = time.perf_counter() - started
    finally:
        holder.cancel()

    assert waited >= 0.5
    assert "wait for it to finish" in str(info.value)
    assert update_index(store, tmp_path / "index").indexed == 1  # the lock is free again


def test_web_app_sees_a_commit_without_restart(settings: Settings) -> None:
    with Store.open(settings.catalog_path) as store:
        store.upsert_page([make_record(oai_id="oai:w:1", title="Cần Thơ xưa")])
        update_index(store, settings.index_dir)
        app = create_app(settings, libraries=(make_library(code="cantho"),))
        client = app.test_client()
        try:
            before = client.get("/api/search?q=bac+lieu").get_json()
            store.upsert_page([make_record(oai_id="oai:w:2", title="Bạc Liêu xưa")])
            update_index(store, settings.index_dir)
            after = client.get("/api/search?q=bac+lieu").get_json()
            typed = client.get("/api/suggest?q=bac").get_json()
        finally:
            app.extensions["unioncat"].search_index.close()

    assert before["total"] == 0
    assert [hit["id"] for hit in after["hits"]] == ["cantho:oai:w:2"]
    assert typed == {"ok": True, "query": "bac", "field": None, "suggestions": ["Bạc Liêu xưa"]}


def test_suggest_api_refuses_unknown_fields_with_the_error_shape(settings: Settings) -> None:
    with Store.open(settings.catalog_path) as store:
        store.upsert_page([make_record(oai_id="oai:w:1", title="Cần Thơ xưa")])
        update_index(store, settings.index_dir)
    app = create_app(settings, libraries=(make_library(code="cantho"),))
    try:
        response = app.test_client().get("/api/suggest?q=c&field=isbn")
        bad_limit = app.test_client().get("/api/suggest?q=c&limit=x")
    finally:
        app.extensions["unioncat"].search_index.close()

    assert response.status_code == 400 and response.get_json()["ok"] is False
    assert bad_limit.status_code == 400
