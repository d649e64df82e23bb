"""Building the index: rebuilds and schema changes never duplicate or lose a record."""

from __future__ import annotations

from pathlib import Path

from whoosh import index as whoosh_index

from catalog.store import Store
from index.build import schema_version_of, update_index
from index.schema import SCHEMA_VERSION
from index.search import SearchIndex
from tests.factories import make_record


def live_keys(index_dir: Path) -> list[str]:
    ix = whoosh_index.open_dir(str(index_dir))
    try:
        with ix.searcher() as searcher:
            return sorted(fields["key"] for fields in searcher.all_stored_fields())
    finally:
        ix.close()


def test_rebuild_and_later_updates_keep_one_document_per_record(
    store: Store, tmp_path: Path
) -> None:
    store.upsert_page([make_record(oai_id=f"oai:b:{n}", title=f"Cà Mau {n}") for n in range(3)])
    index_dir = tmp_path / "index"
    update_index(store, index_dir)

    rebuilt = update_index(store, index_dir, rebuild=True)
    store.upsert_page([make_record(oai_id="oai:b:1", title="Bạc Liêu")])
    updated = update_index(store, index_dir)

    assert rebuilt.indexed == 3 and updated.indexed == 1
    assert live_keys(index_dir) == ["cantho:oai:b:0", "cantho:oai:b:1", "cantho:oai:b:2"]
    index = SearchIndex(index_dir)
    try:
        assert [hit.title for hit in index.search("bac lieu").hits] == ["Bạc Liêu"]
        assert index.search("ca mau").total == 2
    finally:
        index.close()


def test_an_index_of_an_older_schema_is_rebuilt_not_refused(store: Store, tmp_path: Path) -> None:
    store.upsert_page([make_record(oai_id="oai:old:1", title="Ấp Bắc")])
    index_dir = tmp_path / "index"
    update_index(store, index_dir)
    (index_dir / "unioncat-schema").write_text("5")  # as the version before sort keys left it

    summary = update_index(store, index_dir)

    assert summary.rebuilt is True  # not asked for: the version check did it
    assert schema_version_of(index_dir) == SCHEMA_VERSION
    assert live_keys(index_dir) == ["cantho:oai:old:1"]
    index = SearchIndex(index_dir)
    try:
        assert [hit.title for hit in index.search("", sort="title").hits] == ["Ấp Bắc"]
    finally:
        index.close()
