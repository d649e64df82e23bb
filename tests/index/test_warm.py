"""A server reads what every search needs when it starts, not in its first patron's search."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from catalog.errors import SearchIndexError
from catalog.store import Store
from index.build import update_index
from index.search import SearchIndex
from index.swap import live_directory
from tests.factories import make_record

ROOT = Path(__file__).resolve().parents[2]


def test_warm_reads_the_columns_orders_and_accents_once(store: Store, tmp_path: Path) -> None:
    store.upsert_page(
        [make_record(oai_id=f"oai:w:{n}", title=f"Địa chí Cà Mau {n}") for n in range(5)]
    )
    update_index(store, tmp_path / "index")
    index = SearchIndex(tmp_path / "index")
    try:
        index.warm()
        misses = index._values.misses
        values = index._values.peek(index.generation(), "values")
        assert values is not None
        assert set(values._ranks) == {"title", "newest", "oldest"}
        assert values._files and None not in values._files.values()  # postings files mapped
        accents_misses = index._accents.misses

        result = index.search("dia chi ca mau", sort="newest")

        assert result.records == 5
        assert result.suggestion == "địa chí cà mau"
        assert index._values.misses == misses  # the search found them kept
        assert index._accents.misses == accents_misses
    finally:
        index.close()


def test_warm_without_an_index_says_so(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "missing")
    with pytest.raises(SearchIndexError):
        index.warm()


def test_a_server_warms_each_new_generation_before_a_search_asks(
    store: Store, tmp_path: Path
) -> None:
    """After a commit, the next search finds the new generation's columns already read."""
    index_dir = tmp_path / "index"
    stop = threading.Event()
    index = SearchIndex(index_dir)
    thread = index.keep_warm(interval=0.02, stop=stop)  # before there is an index: it waits
    try:
        for night in range(2):
            records = [
                make_record(oai_id=f"oai:k:{night}:{n}", title=f"Bạc Liêu {night}") for n in (1, 2)
            ]
            store.upsert_page(records)
            update_index(store, index_dir)
            ix = whoosh_index.open_dir(str(live_directory(index_dir)))
            generation = int(ix.latest_generation())
            ix.close()
            deadline = time.monotonic() + 20
            while index._values.peek(generation, "values") is None:
                assert time.monotonic() < deadline, "the new generation was never warmed"
                time.sleep(0.02)
            misses = index._values.misses

            assert index.search("bac lieu").records == 2 * (night + 1)

            assert index._values.misses == misses  # the search read nothing itself
        assert thread.is_alive()
    finally:
        stop.set()
        thread.join(timeout=10)
        index.close()
    assert not thread.is_alive()
