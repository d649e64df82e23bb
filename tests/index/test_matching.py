"""Bulk matching finds, scores and counts exactly what Whoosh's own search does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh import sorting

from bench.relevance import sample_index
from catalog.store import Store
from index.build import update_index
from index.matching import DocValues, QueryRun
from index.query import parse_query
from index.search import _FACET_LIMITS, _OVERLAPPING, FACETS, SearchIndex
from tests.factories import make_record

QUERIES = [
    "lịch sử", "can tho", "Cần Thơ", "son nam", "cho noi cai rang", "địa chí cà mau",
    '"địa chí"', 'tác giả:"sơn nam"', "nơi:cần thơ", "title:bản đồ", "năm:1945-1975",
    "năm:1975 lịch sử", "huế OR hue", "cà mau NOT bản đồ", "-bản", "khmer -chùa",
    "Mỹ Hoà", "rạch giá", "1975", "xyzzy", "chủ đề:văn hóa dân gian",
]  # fmt: skip


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    with sample_index(tmp_path_factory.mktemp("matching")) as index:
        yield index


@pytest.mark.parametrize("text", QUERIES)
def test_bulk_matching_finds_and_scores_as_whoosh_does(demo_index: SearchIndex, text: str) -> None:
    searcher = demo_index.searcher()
    query = parse_query(text).query
    run = QueryRun(searcher, DocValues(searcher, FACETS, _OVERLAPPING), query)

    expected = {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}
    docs = run.docs()
    scores = run.scores(docs)

    assert set(np.flatnonzero(docs).tolist()) == set(expected)
    for docnum, score in expected.items():
        assert scores[docnum] == pytest.approx(score, rel=1e-9), docnum


@pytest.mark.parametrize("text", ["lịch sử", "can tho", "", "cà mau NOT bản đồ"])
def test_facet_counts_match_whooshs_grouping(demo_index: SearchIndex, text: str) -> None:
    searcher = demo_index.searcher()
    query = parse_query(text).query
    facets = {
        name: sorting.FieldFacet(name, maptype=sorting.Count, allow_overlap=name in _OVERLAPPING)
        for name in (*FACETS, "cluster")
    }
    results = searcher.search(query, limit=None, groupedby=facets)

    result = demo_index.search(text)

    for name in FACETS:
        expected = {str(key): count for key, count in results.groups(name).items() if key}
        found = dict(result.facets[name])
        limit = _FACET_LIMITS.get(name)
        if limit is not None and len(expected) > limit:  # the most frequent values only
            left_out = set(expected) - set(found)
            assert len(found) == limit, name
            assert min(found.values()) >= max(expected[value] for value in left_out), name
            expected = {value: expected[value] for value in found}
        assert found == expected, name
    assert result.total == len(results.groups("cluster"))
    assert result.records == len(results)


def test_deleted_records_are_neither_found_nor_counted(store: Store, tmp_path: Path) -> None:
    store.upsert_page(
        [
            make_record(oai_id=f"oai:d:{n}", title=f"Cần Thơ {n}", kind="map" if n % 2 else "book")
            for n in range(6)
        ]
    )
    update_index(store, tmp_path / "index")
    # Deleted without merging, as in a large index: the segment keeps the document, marked.
    ix = whoosh_index.open_dir(str(tmp_path / "index"))
    writer = ix.writer()
    writer.delete_by_term("key", "cantho:oai:d:1")
    writer.commit(merge=False)
    with ix.searcher() as searcher:
        assert searcher.reader().has_deletions()
    ix.close()
    index = SearchIndex(tmp_path / "index")
    try:
        result = index.search("can tho", per_page=50)
        everything = index.search("", per_page=50)
    finally:
        index.close()

    assert "cantho:oai:d:1" not in {hit.key for hit in result.hits}
    assert result.records == 5 and everything.records == 5
    assert dict(result.facets["kind"]) == {"book": 3, "map": 2}


@pytest.mark.parametrize("text", ["lịch sử cần thơ", "ca mau", ""])
def test_hits_come_in_whooshs_order_one_per_work(demo_index: SearchIndex, text: str) -> None:
    searcher = demo_index.searcher()
    parsed = parse_query(text)
    order = sorting.FieldFacet("title_sort") if parsed.is_empty else None
    seen: set[str] = set()
    expected = []
    for hit in searcher.search(parsed.query, limit=None, sortedby=order):
        if hit["cluster"] not in seen:
            seen.add(hit["cluster"])
            expected.append(hit["key"])

    first = [hit.key for hit in demo_index.search(text, per_page=50).hits]
    second = [hit.key for hit in demo_index.search(text, page=2, per_page=50).hits]

    assert first + second == expected[:100]


def test_kept_postings_stay_within_their_budget(
    demo_index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("index.matching._POSTINGS_BUDGET", 500)
    searcher = demo_index.searcher()
    values = DocValues(searcher, FACETS, _OVERLAPPING)
    for text in ("lịch sử", "can tho", "ca mau", "son nam"):
        QueryRun(searcher, values, parse_query(text).query).docs()

    kept = sum(len(postings.ids) for postings in values._postings.values())
    assert kept == values._held
    assert kept <= 500 or len(values._postings) == 1


@pytest.mark.parametrize("matches", [0, 1, 7, 60, 300, None])
def test_facet_counts_are_the_same_for_few_and_many_matches(
    demo_index: SearchIndex, matches: int | None
) -> None:
    """Few matches gather their own values, many test every value: the counts agree."""
    searcher = demo_index.searcher()
    values = DocValues(searcher, FACETS, _OVERLAPPING)
    rng = np.random.default_rng(matches or 0)
    docs = values.none()
    chosen = rng.choice(values.size, values.size if matches is None else matches, replace=False)
    docs[chosen] = True
    for name in FACETS:
        expected: dict[str, int] = {}
        facet = values._facets[name]
        for docnum in map(int, chosen):
            for code in facet.codes[facet.starts[docnum] : facet.starts[docnum + 1]]:
                value = facet.names[int(code)]
                expected[value] = expected.get(value, 0) + 1

        assert values.count(name, docs) == expected, name
