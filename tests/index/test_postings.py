"""Postings files: the same lists as Whoosh's, searches the same with or without them."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader

from bench.relevance import load_sample_catalog
from catalog.store import Store
from index import postings
from index.build import update_index
from index.search import SearchIndex
from index.swap import live_directory
from tests.factories import make_record

QUERIES = [
    ("lịch sử", {}, "relevance"),
    ("can tho", {}, "relevance"),
    ("Cần Thơ", {"kind": ("book",)}, "relevance"),
    ("son nam", {}, "newest"),
    ("địa chí cà mau", {}, "relevance"),
    ('"địa chí"', {}, "relevance"),
    ("nơi:cần thơ", {}, "title"),
    ("năm:1945-1975", {}, "oldest"),
    ("huế OR hue", {}, "relevance"),
    ("cà mau NOT bản đồ", {}, "relevance"),
    ("", {"library": ("camau",)}, "relevance"),
]


@pytest.fixture
def short_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    """Put lists of 3 postings or more in the files: the demo has few of 128."""
    monkeypatch.setattr(postings, "MIN_POSTINGS", 3)


@pytest.fixture
def demo(tmp_path: Path, short_lists: None) -> Iterator[Path]:
    with load_sample_catalog(tmp_path / "catalog.sqlite") as store:
        update_index(store, tmp_path / "index", rebuild=True)
    yield tmp_path / "index"


def _segments(index_dir: Path) -> list[tuple[Path, SegmentReader]]:
    directory = live_directory(index_dir) or index_dir
    ix = whoosh_index.open_dir(str(directory))
    return [(directory, SegmentReader(ix.storage, ix.schema, seg)) for seg in ix._segments()]


def _results(index_dir: Path) -> list[object]:
    index = SearchIndex(index_dir)
    try:
        return [
            index.search(text, filters=filters, sort=sort, per_page=50)
            for text, filters, sort in QUERIES
        ]
    finally:
        index.close()


def test_an_update_writes_each_segment_the_lists_whoosh_holds(demo: Path) -> None:
    segments = _segments(demo)
    assert segments
    checked = 0
    for directory, reader in segments:
        mapped = postings.open_postings(
            directory, reader.segment().segment_id(), reader.doc_count_all()
        )
        assert mapped is not None
        for field, text in reader.all_terms():
            ids, weights = postings.read_blocks(reader.postings(field, text))
            found = mapped.get(field, text)
            if len(ids) < postings.MIN_POSTINGS or field in postings.UNSEARCHED:
                assert found is None
                continue
            assert found is not None, (field, text)
            assert found[0].tolist() == ids
            expected = np.array(weights, dtype=np.float32)
            got = np.ones(len(ids), dtype=np.float32) if found[1] is None else found[1]
            assert np.array_equal(got, expected)
            checked += 1
        reader.close()
    assert checked > 1000


def test_searches_find_and_score_the_same_without_the_files(demo: Path) -> None:
    with_files = _results(demo)
    directory = live_directory(demo)
    assert directory is not None
    removed = list(directory.glob(f"*.{postings.SUFFIX}"))
    assert removed
    for path in removed:
        path.unlink()

    without = _results(demo)

    assert without == with_files


def test_a_file_written_after_a_server_read_the_generation_is_used_then(demo: Path) -> None:
    """An update writes the files just after its commit; a server that read the new
    generation in between (keep_warm) uses each file from the search after it appears."""
    directory = live_directory(demo)
    assert directory is not None
    for path in directory.glob(f"*.{postings.SUFFIX}"):
        path.unlink()
    index = SearchIndex(demo)
    try:
        index.warm()
        values = index._values.peek(index.generation(), "values")
        assert values is not None and values._files == {}  # nothing kept as "none"
        before = index.search("lịch sử", per_page=50)  # searched without the files
        assert values._files == {}

        postings.complete(directory)
        after = index.search("can tho", per_page=50)  # a new search: its lists read anew

        assert before.records and after.records
        assert values._files and None not in values._files.values()
    finally:
        index.close()


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: b"NOTMAGIC" + data[8:],
        lambda data: data[: len(data) // 2],
        lambda data: data[:-7] + b"garbage",
    ],
    ids=["empty", "wrong magic", "truncated", "bad directory"],
)
def test_a_damaged_file_is_ignored_with_a_warning(
    demo: Path, damage: object, caplog: pytest.LogCaptureFixture
) -> None:
    expected = _results(demo)
    directory = live_directory(demo)
    assert directory is not None
    for path in directory.glob(f"*.{postings.SUFFIX}"):
        path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]

    with caplog.at_level(logging.WARNING, logger="index.postings"):
        found = _results(demo)

    assert found == expected
    assert "searching that segment without it" in caplog.text
    assert postings.complete(directory) >= 1  # the next update writes them again
    for directory, reader in _segments(demo):
        segment_id = reader.segment().segment_id()
        assert postings.open_postings(directory, segment_id, reader.doc_count_all()) is not None
        reader.close()


def test_a_file_of_another_segment_is_not_used(
    demo: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (directory, reader), *_ = _segments(demo)
    segment_id = reader.segment().segment_id()
    reader.close()
    path = postings.path_of(directory, segment_id)
    postings.write_postings(directory, "MAIN_other", 5, [("title", b"x", [0, 1, 2, 3], [1.0] * 4)])
    postings.path_of(directory, "MAIN_other").replace(path)

    with caplog.at_level(logging.WARNING, logger="index.postings"):
        assert postings.open_postings(directory, segment_id, 5) is None
    assert "written for segment MAIN_other" in caplog.text


def test_files_follow_their_segments_through_updates_and_merges(
    store: Store, tmp_path: Path, short_lists: None
) -> None:
    index_dir = tmp_path / "index"
    for batch in range(3):
        store.upsert_page(
            [
                make_record(oai_id=f"oai:p:{batch}:{n}", title=f"Địa chí Cần Thơ {batch} {n}")
                for n in range(20)
            ]
        )
        update_index(store, index_dir)
    directory = live_directory(index_dir)
    assert directory is not None
    ix = whoosh_index.open_dir(str(directory))
    segment_ids = {segment.segment_id() for segment in ix._segments()}
    assert {path.stem for path in directory.glob(f"*.{postings.SUFFIX}")} == segment_ids
    writer = ix.writer()
    writer.commit(optimize=True)  # one segment: Whoosh removes the others' files with them
    (merged,) = ix._segments()
    ix.close()
    assert not any(postings.path_of(directory, segment_id).exists() for segment_id in segment_ids)

    assert postings.complete(directory) == 1
    assert {path.stem for path in directory.glob(f"*.{postings.SUFFIX}")} == {merged.segment_id()}
    index = SearchIndex(index_dir)
    try:
        assert index.search("dia chi can tho").records == 60
    finally:
        index.close()


def test_an_update_that_cannot_write_the_files_still_succeeds(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store.upsert_page([make_record(oai_id=f"oai:q:{n}", title=f"Cà Mau {n}") for n in range(5)])

    def refuse(directory: Path) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(postings, "complete", refuse)
    with caplog.at_level(logging.WARNING, logger="index.build"):
        summary = update_index(store, tmp_path / "index")

    assert summary.indexed == 5
    assert "postings files not written" in caplog.text
    assert "the next index update writes them" in caplog.text
    index = SearchIndex(tmp_path / "index")
    try:
        assert index.search("ca mau").records == 5
    finally:
        index.close()


def test_a_full_build_writes_the_files_itself(
    tmp_path: Path, short_lists: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """index/writer.py writes each segment's file from memory: nothing is read back."""

    def no_reading_back(reader: SegmentReader) -> Iterator[object]:
        raise AssertionError("a full build read a segment back to write its postings file")

    monkeypatch.setattr(postings, "_long_lists", no_reading_back)
    with load_sample_catalog(tmp_path / "catalog.sqlite") as store:
        update_index(store, tmp_path / "index", rebuild=True)

    for directory, reader in _segments(tmp_path / "index"):
        segment_id = reader.segment().segment_id()
        mapped = postings.open_postings(directory, segment_id, reader.doc_count_all())
        assert mapped is not None and len(mapped) > 100
        ids, _ = postings.read_blocks(reader.postings("title_f", b"can"))
        found = mapped.get("title_f", b"can")
        assert found is not None and found[0].tolist() == ids
        reader.close()
