"""A full build writes its segments itself (index/writer.py); the index is the one Whoosh writes.

The demo's sample records are indexed twice, by Whoosh's writer and by the full build, and
the two indexes compared term by term, block by block, document by document and search by
search; then the fast-built index takes updates and merges through Whoosh, and a build
stopped part way keeps (first build) or drops (rebuild) what it wrote.
"""

from __future__ import annotations

import sys
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from pickle import loads
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3LeafMatcher, W3TermInfo
from whoosh.fields import UnknownFieldError
from whoosh.filedb.filestore import FileStorage

import index.build as build
from catalog.errors import SearchIndexError
from catalog.models import Record, StoredRecord
from catalog.store import Store
from demo.members import map_sample
from demo.sample_data import generate_libraries
from index.build import open_or_create, update_index
from index.schema import make_schema, to_document
from index.search import SearchIndex
from index.swap import live_directory
from index.writer import SegmentBuilder, _fast_analysis
from tests.factories import make_record

QUERIES = [
    "can tho", "Cần Thơ", "dia chi", "lịch sử", "ca mau", "ban do", "1975", "son nam",
    'tác giả:"sơn nam"', '"chợ nổi"', "nơi:cần thơ", "title:bản đồ", "khmer OR chăm",
    "năm:1945-1975 lịch sử", "văn hóa -ảnh", "tra vinh",
]  # fmt: skip
FILTERS: list[dict[str, tuple[str, ...]]] = [{"kind": ("book",)}, {"library": ("camau",)}]


@pytest.fixture(scope="module")
def sample() -> list[Record]:
    return [record for library in generate_libraries(2025) for record in map_sample(library)]


@pytest.fixture(scope="module")
def live(sample: list[Record]) -> list[Record]:
    return [record for record in sample if not record.deleted]


@pytest.fixture(scope="module")
def built(sample: list[Record], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The sample indexed by Whoosh's writer (one commit) and by update_index's full build."""
    root = tmp_path_factory.mktemp("built")
    patch = pytest.MonkeyPatch()
    patch.setattr(build, "_SEGMENT", 250)  # several segments from a small catalog
    patch.setattr(build, "_BATCH", 100)
    with Store.open(root / "catalog.sqlite") as store:
        store.upsert_page(sample)
        changes = store.changes_since(0, limit=10_000)
        whoosh_ix = open_or_create(root / "whoosh", rebuild=True)
        writer = whoosh_ix.writer()
        for stored in changes:
            if not stored.record.deleted:
                writer.add_document(**to_document(stored))
        writer.commit()
        summary = update_index(store, root / "fast")
        first_batch = sum(not stored.record.deleted for stored in changes[:100])
    patch.undo()
    fast_ix = whoosh_index.open_dir(str(live_directory(root / "fast")))
    yield whoosh_ix, fast_ix, summary, root, first_batch
    whoosh_ix.close()
    fast_ix.close()


def _postings(reader: Any, field: str, term: bytes) -> list[tuple[int, float, bytes]]:
    matcher = reader.postings(field, term)
    found = []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight(), matcher.value()))
        matcher.next()
    return found


def test_the_full_build_writes_several_segments_and_merges_none(built: Any) -> None:
    whoosh_ix, fast_ix, summary, _, first_batch = built
    sizes = [segment.doc_count_all() for segment in fast_ix._segments()]
    # The first batch alone (a first build has something to search at once), then the rest
    # in slices of 250 changes (tombstones take their places), built by helper processes
    # and published in order; nothing merged.
    assert sizes[0] == first_batch and len(sizes) == 4
    assert all(200 <= size <= 250 for size in sizes[1:-1])
    assert summary.indexed == sum(sizes) == whoosh_ix.doc_count_all() == 690
    assert summary.removed == 20  # the sample's tombstones


def test_every_term_has_the_same_postings_and_statistics(built: Any) -> None:
    whoosh_ix, fast_ix, _, _, _ = built
    with whoosh_ix.reader() as expected, fast_ix.reader() as got:
        fields = sorted(expected.indexed_field_names())
        assert sorted(got.indexed_field_names()) == fields
        compared = 0
        for field in fields:
            terms = list(expected.lexicon(field))
            assert list(got.lexicon(field)) == terms, field
            for term in terms:
                assert _postings(got, field, term) == _postings(expected, field, term)
                assert got.doc_frequency(field, term) == expected.doc_frequency(field, term)
                assert got.frequency(field, term) == expected.frequency(field, term)
                mine, theirs = got.term_info(field, term), expected.term_info(field, term)
                assert (mine.max_weight(), mine.min_length(), mine.max_length()) == (
                    theirs.max_weight(),
                    theirs.min_length(),
                    theirs.max_length(),
                ), (field, term)
                compared += 1
        assert compared > 10_000  # every field, not an empty comparison


def test_stored_fields_columns_and_field_lengths_are_the_same(built: Any) -> None:
    whoosh_ix, fast_ix, _, _, _ = built
    schema = make_schema()
    with whoosh_ix.reader() as expected, fast_ix.reader() as got:
        count = expected.doc_count_all()
        assert got.doc_count_all() == count and got.doc_count() == count
        assert list(got.all_stored_fields()) == list(expected.all_stored_fields())
        for name, field in schema.items():
            if field.column_type:
                assert list(got.column_reader(name)) == list(expected.column_reader(name)), name
            if field.scorable:
                assert got.field_length(name) == expected.field_length(name), name
                assert got.max_field_length(name) == expected.max_field_length(name), name
                assert [got.doc_field_length(n, name) for n in range(count)] == [
                    expected.doc_field_length(n, name) for n in range(count)
                ], name


def test_one_segment_has_the_same_blocks_as_whoosh_writes(built: Any, tmp_path: Path) -> None:
    """Block by block: ids, weights, values, and each block's statistics."""
    whoosh_ix, _, _, root, _ = built
    with Store.open(root / "catalog.sqlite") as store:
        changes = store.changes_since(0, limit=10_000)
    ix = open_or_create(tmp_path / "one", rebuild=True)
    builder = SegmentBuilder(ix)
    for stored in changes:
        if not stored.record.deleted:
            builder.add_document(**to_document(stored))
    builder.commit()
    builder.close()
    ours, theirs = _segment_files(ix), _segment_files(whoosh_ix)
    assert sorted(ours) == sorted(theirs)
    for name in ours:
        if not name.endswith((".pst", ".trm")):  # columns, stored fields, lengths
            assert ours[name] == theirs[name], name
    blocks = 0
    with ix.reader() as got, whoosh_ix.reader() as expected:
        for (field, term), info in expected._terms.items():
            mine = got._terms.term_info(field, term)
            for attribute in ("_weight", "_df", "_minlength", "_maxlength", "_maxweight",
                              "_minid", "_maxid"):  # fmt: skip
                assert getattr(mine, attribute) == getattr(info, attribute), (field, term)
            format_ = whoosh_ix.schema[field].format
            ours_blocks = _blocks(got._terms._postfile, mine, format_)
            assert ours_blocks == _blocks(expected._terms._postfile, info, format_)
            blocks += len(ours_blocks)
    assert blocks > 10_000


def _segment_files(ix: Any) -> dict[str, bytes]:
    (segment,) = ix._segments()
    storage = segment.open_compound_file(ix.storage)
    return {
        name.replace(segment.segment_id(), "SEGMENT"): storage.open_file(name).read()
        for name in storage.list()
    }


def _blocks(postfile: Any, info: W3TermInfo, format_: Any) -> list[tuple[Any, ...]]:
    """Each block of a posting list: its statistics and its decoded ids, weights, values."""
    offset, length = info.extent()
    matcher = W3LeafMatcher(postfile, offset, length, format_)
    blocks = []
    while True:
        data = postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
        if matcher._compression:
            data = zlib.decompress(data)
        ids, weights, values = loads(data)
        blocks.append(
            (matcher._blocklength, matcher._maxid, matcher._maxweight, matcher._minlength,
             matcher._maxlength, ids, weights, values)
        )  # fmt: skip
        if matcher._lastblock:
            return blocks
        matcher._next_block()


def test_searches_give_the_same_hits_scores_and_facets(built: Any) -> None:
    _, _, _, root, _ = built
    expected, got = SearchIndex(root / "whoosh"), SearchIndex(root / "fast")
    try:
        for query in QUERIES:
            for sort in ("relevance", "newest", "title"):
                for filters in [{}, *FILTERS]:
                    mine = got.search(query, filters=filters, sort=sort, per_page=50)
                    theirs = expected.search(query, filters=filters, sort=sort, per_page=50)
                    assert (mine.total, mine.records) == (theirs.total, theirs.records), query
                    assert [(hit.key, hit.score) for hit in mine.hits] == [
                        (hit.key, hit.score) for hit in theirs.hits
                    ], (query, sort, filters)
                    assert mine.facets == theirs.facets, query
        assert expected.search("ca mau", years=(1900, 1975)).total == (
            got.search("ca mau", years=(1900, 1975)).total
        )
        assert expected.search("dia chi").total > 20  # the comparison sees real matches
        assert expected.suggest("ca m") == got.suggest("ca m") != ()
    finally:
        expected.close()
        got.close()


def test_a_fast_built_index_takes_updates_deletions_and_merges(
    store: Store, tmp_path: Path, live: list[Record], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "_SEGMENT", 200)
    index_dir = tmp_path / "index"
    store.upsert_page(live[:400])
    assert update_index(store, index_dir).indexed == 400
    first = store.changes_since(0, limit=10_000)
    changed = replace(live[3], title="Sổ tay Phù Sa mới")
    gone = replace(live[5], deleted=True)
    store.upsert_page([changed, gone, *live[400:450]])

    summary = update_index(store, index_dir)  # Whoosh's writer: update_document, delete

    assert (summary.indexed, summary.removed, summary.rebuilt) == (51, 1, False)
    index = SearchIndex(index_dir)
    try:
        assert index.count() == 449
        assert [hit.key for hit in index.search('"phù sa mới"').hits] == [changed.key]
        assert gone.key not in {hit.key for hit in index.search("", per_page=100).hits}
    finally:
        index.close()
    ix = whoosh_index.open_dir(str(live_directory(index_dir)))
    try:
        ix.optimize()  # Whoosh merges the fast-built segments with its own
        assert len(ix._segments()) == 1 and ix.doc_count_all() == 449
    finally:
        ix.close()
    # The same story told to Whoosh's writer alone: the same index once merged. (Not the
    # index a fresh build makes: a merge keeps lengths as their one-byte approximations.)
    expected_ix = open_or_create(tmp_path / "expected", rebuild=True)
    writer = expected_ix.writer()
    for stored in first:
        writer.add_document(**to_document(stored))
    writer.commit()
    writer = expected_ix.writer()
    for stored in store.changes_since(first[-1].seq, limit=10_000):
        if stored.record.deleted:
            writer.delete_by_term("key", stored.record.key)
        else:
            writer.update_document(**to_document(stored))
    writer.commit()
    expected_ix.optimize()
    index, expected = SearchIndex(index_dir), SearchIndex(tmp_path / "expected")
    try:
        for query in QUERIES:
            assert [(hit.key, hit.score) for hit in index.search(query).hits] == [
                (hit.key, hit.score) for hit in expected.search(query).hits
            ], query
    finally:
        index.close()
        expected.close()


def _stop_after(commits: int) -> Any:
    def progress(done: int) -> None:
        if done >= commits:
            raise KeyboardInterrupt  # as Ctrl-C during `unioncat index`

    return progress


def test_a_first_build_stopped_part_way_searches_what_it_committed(
    store: Store, tmp_path: Path, live: list[Record], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "_BATCH", 100)
    monkeypatch.setattr(build, "_SEGMENT", 150)
    index_dir = tmp_path / "index"
    store.upsert_page(live[:500])

    # Commits the first batch (100), then helper processes build slices of 150 changes
    # (to 250, 400, 500), published in order; stopped once 400 are published.
    with pytest.raises(KeyboardInterrupt):
        update_index(store, index_dir, progress=_stop_after(400))

    generation = live_directory(index_dir)
    assert generation is not None and (generation / "unioncat-seq").read_text() == "400"
    assert not list(generation.glob("*.tmp*")) and not (generation / "unioncat-writer").exists()
    index = SearchIndex(index_dir)
    try:
        assert index.count() == 400
    finally:
        index.close()
    assert update_index(store, index_dir).indexed == 100  # the rest, by Whoosh's writer
    index = SearchIndex(index_dir)
    try:
        assert index.count() == 500
    finally:
        index.close()


def test_a_rebuild_stopped_part_way_is_dropped_and_the_live_index_serves(
    store: Store, tmp_path: Path, live: list[Record], monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = tmp_path / "index"
    store.upsert_page(live[:100])
    update_index(store, index_dir)
    serving = live_directory(index_dir)
    store.upsert_page(live[100:500])
    monkeypatch.setattr(build, "_BATCH", 100)
    monkeypatch.setattr(build, "_SEGMENT", 150)
    monkeypatch.setattr(build, "_MAX_HELPERS", 1)  # in this process: to_document is patched
    failing = {live[450].key}
    real = build.to_document

    def to_document(stored: Any) -> dict[str, object]:
        if stored.record.key in failing:
            raise RuntimeError("disk full")  # a fault after two segments were written
        return real(stored)

    monkeypatch.setattr(build, "to_document", to_document)

    with pytest.raises(RuntimeError, match="disk full"):
        update_index(store, index_dir, rebuild=True)

    assert live_directory(index_dir) == serving
    assert [path.name for path in tmp_path.glob("index.new-*")] == []
    index = SearchIndex(index_dir)
    try:
        assert index.count() == 100
    finally:
        index.close()
    failing.clear()
    assert update_index(store, index_dir, rebuild=True).indexed == 500


def test_a_helper_process_that_fails_stops_the_rebuild_and_leaves_no_files(
    store: Store, tmp_path: Path, live: list[Record], monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = tmp_path / "index"
    store.upsert_page(live[:100])
    update_index(store, index_dir)
    serving = live_directory(index_dir)
    store.upsert_page(live[100:600])
    monkeypatch.setattr(build, "_BATCH", 100)
    monkeypatch.setattr(build, "_SEGMENT", 150)
    real = build._segment_command

    def failing_after_the_first(catalog: Path, directory: Path, after: int, end: int, batch: int):
        if after > 250:  # a real process that fails as a full disk would make it
            return [
                sys.executable,
                "-c",
                "import sys; sys.exit('OSError: No space left on device')",
            ]
        return real(catalog, directory, after, end, batch)

    monkeypatch.setattr(build, "_segment_command", failing_after_the_first)

    with pytest.raises(SearchIndexError, match=r"indexing changes \d+ to \d+ failed .*No space"):
        update_index(store, index_dir, rebuild=True)

    assert live_directory(index_dir) == serving
    assert [path.name for path in tmp_path.iterdir() if ".new-" in path.name] == []
    index = SearchIndex(index_dir)
    try:
        assert index.count() == 100
    finally:
        index.close()
    monkeypatch.undo()
    assert update_index(store, index_dir, rebuild=True).indexed == 600


def test_a_full_build_waits_for_the_writer_lock_then_names_the_fix(
    store: Store, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    update_index(store, index_dir)  # an empty catalog: an empty live index
    store.upsert_page([make_record(oai_id="oai:f:1")])
    holder = whoosh_index.open_dir(str(live_directory(index_dir))).writer()
    try:
        with pytest.raises(SearchIndexError, match="is writing the index .* wait for it"):
            update_index(store, index_dir, lock_timeout=0.3)
    finally:
        holder.cancel()
    assert update_index(store, index_dir).indexed == 1  # the full build's own writer


def test_a_document_that_fails_leaves_nothing_behind(tmp_path: Path) -> None:
    ix = open_or_create(tmp_path / "index", rebuild=True)
    builder = SegmentBuilder(ix)
    good = to_document(_stored(make_record(oai_id="oai:f:1", title="Cà Mau")))
    builder.add_document(**good)
    with pytest.raises(UnknownFieldError, match="No field named 'colour'"):
        builder.add_document(**good, colour="red")
    with pytest.raises(ValueError, match="'_boost': boosts"):
        builder.add_document(**good, _boost=2.0)
    with pytest.raises(ValueError):  # a year NUMERIC cannot hold, after the texts analysed
        builder.add_document(**{**good, "key": "x", "title": "Bạc Liêu", "year": "năm"})
    assert builder.pending == 1
    builder.add_document(**to_document(_stored(make_record(oai_id="oai:f:2", title="Sóc Trăng"))))
    builder.commit()
    builder.close()
    index = SearchIndex(tmp_path / "index")
    try:
        assert index.count() == 2
        assert index.search("bac lieu").total == 0
        assert [hit.key for hit in index.search("soc trang").hits] == ["cantho:oai:f:2"]
    finally:
        index.close()
    with pytest.raises(ValueError, match="closed"):
        builder.add_document(**good)


def _stored(record: Record) -> StoredRecord:
    return StoredRecord(record=record, seq=1, cluster=record.key, stored_at=datetime.now(UTC))


_TEXT = st.text(
    alphabet=st.sampled_from(list("aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèéẹềếệìíịòóọồốộờớợùúụừứựỳýỵ"
                                  "AĂÂĐÊÔƠƯÀÁ0123456789 ,.;:-_'\"\n\t\u0300\u0301\u0323")),
    max_size=80,
)  # fmt: skip
_FAST = [
    (name, field, analysis)
    for name, field in make_schema().items()
    if field.indexed and (analysis := _fast_analysis(field)) is not None
]


def test_every_text_field_of_the_schema_has_a_fast_analysis() -> None:
    names = {name for name, _, _ in _FAST}
    assert names == {name for name, field in make_schema().items() if field.indexed} - {
        "year",
        "year_to",
    }


@settings(max_examples=60, deadline=None)
@given(text=_TEXT, nfd=st.booleans())
def test_the_fast_analysis_gives_whooshs_terms_weights_values_and_lengths(
    text: str, nfd: bool
) -> None:
    if nfd:
        text = unicodedata.normalize("NFD", text)
    for name, field, analysis in _FAST:
        try:
            expected = list(field.index(text))
        except UnboundLocalError:  # whoosh 2.7's BiWordFilter on a text without a word
            with pytest.raises(UnboundLocalError):
                analysis.tokenize(text)
            continue
        terms: dict[Any, Any] = {}
        length = analysis.index(analysis.tokenize(text), 7, terms)
        assert {term.encode("utf-8"): entry for term, entry in terms.items()} == {
            term: (7, weight * 1.0, value) for term, _, weight, value in expected
        }, name
        assert length == (sum(freq for _, freq, _, _ in expected) if field.scorable else 0)


def test_an_index_written_by_the_full_build_opens_in_stock_whoosh(built: Any) -> None:
    _, fast_ix, _, _, _ = built
    storage = FileStorage(str(fast_ix.storage.folder))
    reopened = storage.open_index()
    with reopened.searcher() as searcher:
        assert searcher.doc_count() == 690
        assert searcher.document(key=searcher.stored_fields(0)["key"]) is not None
