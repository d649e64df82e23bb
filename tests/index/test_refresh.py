"""A long-lived searcher (the web server's) sees changed and deleted records after an update.

Whoosh's Searcher.refresh() reuses the reader of each segment it had, with the deletions of
that time; a record changed or deleted by a later update then stayed findable until a
restart. These tests keep one SearchIndex open across updates, as the server does.
"""

from __future__ import annotations

from pathlib import Path

from catalog.models import Record
from catalog.store import Store
from index.build import update_index
from index.search import SearchIndex
from tests.factories import make_record


def _keys(index: SearchIndex, text: str) -> list[str]:
    return sorted(hit.key for hit in index.search(text, per_page=50).hits)


def test_changed_and_deleted_records_leave_a_searcher_that_stays_open(
    store: Store, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    store.upsert_page(
        [make_record(oai_id=f"oai:r:{n}", title=f"Bạc Liêu xưa {n}") for n in range(1, 4)]
    )
    update_index(store, index_dir)
    index = SearchIndex(index_dir)
    try:
        assert _keys(index, "bac lieu") == ["cantho:oai:r:1", "cantho:oai:r:2", "cantho:oai:r:3"]
        # One record changes its title, one is deleted: two updates, two generations.
        store.upsert_page([make_record(oai_id="oai:r:1", title="Sóc Trăng xưa")])
        update_index(store, index_dir)
        assert _keys(index, "bac lieu") == ["cantho:oai:r:2", "cantho:oai:r:3"]
        assert _keys(index, "soc trang") == ["cantho:oai:r:1"]
        gone = Record(library="cantho", oai_id="oai:r:2", datestamp=make_record().datestamp,
                      deleted=True)  # fmt: skip
        store.upsert_page([gone])
        update_index(store, index_dir)
        assert _keys(index, "bac lieu") == ["cantho:oai:r:3"]
        assert index.search("", per_page=50).total == 2
        assert index.searcher().reader().doc_count() == 2
    finally:
        index.close()


def test_an_incremental_only_update_never_starts_a_full_build(store: Store, tmp_path: Path) -> None:
    import pytest

    from catalog.errors import SearchIndexError

    store.upsert_page([make_record(oai_id="oai:r:1", title="Bạc Liêu xưa")])
    with pytest.raises(SearchIndexError, match="run `unioncat index`"):
        update_index(store, tmp_path / "index", incremental_only=True)
    assert not (tmp_path / "index").exists()
    update_index(store, tmp_path / "index")
    store.upsert_page([make_record(oai_id="oai:r:2", title="Cà Mau xưa")])
    assert update_index(store, tmp_path / "index", incremental_only=True).indexed == 1
