"""An update merges only the small segments updates wrote, a bounded number of documents at once.

Whoosh's default policy merged most of a 40-segment index (1,000,000 records) in one nightly
delta of 1,000 changes, which then did not end in 15 minutes. These tests build a real index
of several full-size segments (a small ``_SEGMENT``), apply real deltas through
``update_index``, and count the segments and the documents each commit leaves.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh import index as whoosh_index

import index.build as build
from catalog.store import Store
from index.build import update_index
from index.search import SearchIndex
from index.swap import live_directory
from tests.factories import make_record

SEGMENT = 40  # documents a full build's segment holds at most, in these tests
RECORDS = 480  # twelve segments: enough for Whoosh's own policy to merge most of them


def sizes(index_dir: Path) -> list[int]:
    ix = whoosh_index.open_dir(str(live_directory(index_dir)))
    try:
        return sorted(segment.doc_count_all() for segment in ix._segments())
    finally:
        ix.close()


@pytest.fixture
def built(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An index of RECORDS records in full-size segments (SEGMENT documents or nearly)."""
    monkeypatch.setattr(build, "_SEGMENT", SEGMENT)
    monkeypatch.setattr(build, "_MERGE_BUDGET", SEGMENT)
    monkeypatch.setattr(build, "_BATCH", SEGMENT)
    store.upsert_page(
        [make_record(oai_id=f"oai:m:{n}", title=f"Địa chí Sóc Trăng {n}") for n in range(RECORDS)]
    )
    index_dir = tmp_path / "index"
    assert update_index(store, index_dir).indexed == RECORDS
    assert all(size >= SEGMENT // 2 for size in sizes(index_dir))
    return index_dir


def delta(store: Store, night: int, count: int, first: int | None = None) -> list[str]:
    """Give ``count`` records (from number ``first``, by default night × count) a new title,
    as a night's harvest does; return their keys."""
    first = night * count if first is None else first
    changed = [
        make_record(oai_id=f"oai:m:{n}", title=f"Địa chí Sóc Trăng {n} đêm{night}")
        for n in range(first, first + count)
    ]
    store.upsert_page(changed)
    return [record.key for record in changed]


def test_updates_never_merge_full_size_segments(built: Path, store: Store) -> None:
    full = sizes(built)
    assert len(full) == 12
    delta(store, 0, 5)
    assert update_index(store, built).indexed == 5
    # The full-size segments are as they were (five documents deleted from them aside), and
    # the update's documents are one new segment.
    assert sorted(sizes(built)) == sorted([*full, 5])


def test_update_segments_merge_once_enough_pile_up_and_the_index_stays_whole(
    built: Path, store: Store
) -> None:
    full = len(sizes(built))
    for night in range(build._UPDATE_SEGMENTS):
        delta(store, night, 3)
        update_index(store, built)
        assert len(sizes(built)) == full + night + 1  # one more small segment a night
    keys = delta(store, build._UPDATE_SEGMENTS, 3)
    update_index(store, built)

    # This commit folded the eight small segments (24 documents) and its own 3 into one.
    assert len(sizes(built)) == full + 1
    assert sorted(sizes(built))[0] == 3 * (build._UPDATE_SEGMENTS + 1)
    index = SearchIndex(built)
    try:
        assert index.count() == RECORDS
        keys_found: set[str] = set()
        for page in range(1, RECORDS // 100 + 2):
            found = index.search("", page=page, per_page=100)
            assert found.total == RECORDS
            keys_found |= {hit.key for hit in found.hits}
        assert len(keys_found) == RECORDS  # each record once: no copy left behind by the merge
        night = f"đêm{build._UPDATE_SEGMENTS}"
        assert {hit.key for hit in index.search(night, per_page=10).hits} == set(keys)
        assert index.search("đêm0", per_page=10).total == 3  # merged, still found
    finally:
        index.close()


def test_a_merge_takes_at_most_its_budget_of_documents(
    built: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three segments of 15 documents and five of 1, each of records of its own: smallest
    # first, the five of 1 and two of 15 (35 documents) fit in a merge of at most SEGMENT
    # (40, the budget here); the third of 15 would not.
    full = len(sizes(built))
    first = 0
    for night in range(build._UPDATE_SEGMENTS):
        count = 15 if night < 3 else 1
        delta(store, night, count, first)
        first += count
        update_index(store, built)
    before = sizes(built)
    assert len(before) == full + build._UPDATE_SEGMENTS
    delta(store, 50, 1, first)
    update_index(store, built)
    after = sizes(built)
    assert len(after) == len(before) - 7 + 1
    assert 15 in after and 5 + 15 + 15 + 1 in after
    assert max(after) <= SEGMENT


def test_the_merge_policy_leaves_segments_alone_below_its_count(
    store: Store, tmp_path: Path
) -> None:
    """A small index (the demo's) is one small segment, and stays so until updates pile up."""
    store.upsert_page([make_record(oai_id=f"oai:s:{n}", title=f"Cà Mau {n}") for n in range(9)])
    index_dir = tmp_path / "index"
    update_index(store, index_dir)
    for night in range(3):
        store.upsert_page([make_record(oai_id=f"oai:s:{night}", title=f"Bạc Liêu {night}")])
        update_index(store, index_dir)
    assert len(sizes(index_dir)) == 4
