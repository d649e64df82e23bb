"""One writer at a time; readers, the web app's included, see each commit without a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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


# A writer in its own process: takes the lock as `update_index` does, writes half a batch,
# then hangs until the test kills it.
_HOLD_WRITER = """
import sys, time
from pathlib import Path
from whoosh import index as whoosh_index
from index.build import _writer
from index.swap import live_directory
from tests.factories import make_record
from index.schema import to_document
from catalog.models import StoredRecord
from datetime import UTC, datetime

directory = live_directory(Path(sys.argv[1]))
writer = _writer(whoosh_index.open_dir(str(directory)), directory, 5)
half = make_record(oai_id="oai:w:half", title="Nửa lô")
stored = StoredRecord(record=half, seq=99, cluster="half", stored_at=datetime.now(UTC))
writer.add_document(**to_document(stored))
print("holding", flush=True)
time.sleep(60)
"""


def test_a_writer_killed_holding_the_lock_blocks_nobody_and_leaves_no_half_batch(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index_dir = tmp_path / "index"
    store.upsert_page([make_record(oai_id="oai:w:1", title="Cà Mau")])
    update_index(store, index_dir)
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD_WRITER, str(index_dir)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.PIPE,
        text=True,
    )
    store.upsert_page([make_record(oai_id="oai:w:2", title="Bạc Liêu")])
    try:
        assert child.stdout is not None and child.stdout.readline() == "holding\n"
        with pytest.raises(SearchIndexError, match=rf"PID {child.pid}, since .* is writing"):
            update_index(store, index_dir, lock_timeout=0.3)  # alive: waits, then names it
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)
    assert (index_dir / "MAIN_WRITELOCK").exists()  # the lock file stays; its flock went

    started = time.perf_counter()
    summary = update_index(store, index_dir, lock_timeout=30)
    took = time.perf_counter() - started

    assert summary.indexed == 1 and took < 10  # took the lock at once, did not wait it out
    assert f"the previous writer (PID {child.pid}, since" in caplog.text
    assert "stopped without finishing" in caplog.text
    assert not (index_dir / "unioncat-writer").exists()
    ix = whoosh_index.open_dir(str(index_dir))
    try:
        with ix.searcher() as searcher:
            keys = sorted(fields["key"] for fields in searcher.all_stored_fields())
    finally:
        ix.close()
    assert keys == ["cantho:oai:w:1", "cantho:oai:w:2"]  # the half batch never landed
