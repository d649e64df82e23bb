"""Result orders, and the language and subject facets, on a real index of Vietnamese titles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog.errors import QueryError
from catalog.models import Record
from catalog.store import Store
from index.build import update_index
from index.search import SORTS, SearchIndex
from tests.factories import make_record


def record(oai_id: str, title: str | None, year: int | None, **overrides: object) -> Record:
    return make_record(
        oai_id=oai_id,
        title=title,
        date=str(year) if year else None,
        year_from=year,
        year_to=year,
        **overrides,
    )


RECORDS = [
    record("oai:s:1", "Đồng Tháp", 1990, languages=("vie",), subjects=("Địa chí", "Lịch sử.")),
    record("oai:s:2", "Dương", 2001, languages=("vie", "fra"), subjects=("Lịch sử",)),
    record("oai:s:3", "Bạc Liêu", None, languages=("vie",), subjects=("Lịch sử, văn hóa",)),
    record("oai:s:4", "Ấp", 1975, languages=("khm",), subjects=("Khmer Nam Bộ",)),
    record("oai:s:5", "An Giang", 1975, languages=("fra",), subjects=()),
    record("oai:s:6", "Ăn", 2020, languages=(), subjects=("Ẩm thực",)),
    record("oai:s:7", None, 1800, languages=("vie",), subjects=()),
    record("oai:s:8", "Cà Mau", None, languages=("eng",), subjects=("Địa chí",)),
]


@pytest.fixture
def search_index(store: Store, tmp_path: Path) -> Iterator[SearchIndex]:
    store.upsert_page(RECORDS)
    update_index(store, tmp_path / "index")
    index = SearchIndex(tmp_path / "index")
    yield index
    index.close()


def titles(index: SearchIndex, text: str = "", **kwargs: object) -> list[str | None]:
    result = index.search(text, per_page=50, **kwargs)  # type: ignore[arg-type]
    return [hit.title for hit in result.hits]


def test_title_order_is_the_vietnamese_alphabet_untitled_last(search_index: SearchIndex) -> None:
    assert titles(search_index, sort="title") == [
        "An Giang", "Ăn", "Ấp", "Bạc Liêu", "Cà Mau", "Dương", "Đồng Tháp", None,
    ]  # fmt: skip


def test_newest_first_puts_records_without_a_year_last_ties_by_title(
    search_index: SearchIndex,
) -> None:
    # 1975 twice: "An Giang" before "Ấp"; no year: "Bạc Liêu", "Cà Mau", by title.
    assert titles(search_index, sort="newest") == [
        "Ăn", "Dương", "Đồng Tháp", "An Giang", "Ấp", None, "Bạc Liêu", "Cà Mau",
    ]  # fmt: skip


def test_oldest_first_puts_records_without_a_year_last_too(search_index: SearchIndex) -> None:
    assert titles(search_index, sort="oldest") == [
        None, "An Giang", "Ấp", "Đồng Tháp", "Dương", "Ăn", "Bạc Liêu", "Cà Mau",
    ]  # fmt: skip


def test_an_empty_query_by_relevance_lists_titles_alphabetically(
    search_index: SearchIndex,
) -> None:
    assert titles(search_index) == titles(search_index, sort="title")


def test_a_sorted_query_keeps_its_matches_and_their_scores(search_index: SearchIndex) -> None:
    relevance = search_index.search("lich su")
    newest = search_index.search("lich su", sort="newest")

    assert [hit.title for hit in newest.hits] == ["Dương", "Đồng Tháp", "Bạc Liêu"]
    assert {hit.key: hit.score for hit in newest.hits} == {
        hit.key: hit.score for hit in relevance.hits
    }
    assert all(hit.score > 0 for hit in newest.hits)


@pytest.mark.parametrize("sort", SORTS)
def test_pages_of_any_order_neither_overlap_nor_skip(search_index: SearchIndex, sort: str) -> None:
    whole = [hit.key for hit in search_index.search("", per_page=50, sort=sort).hits]
    paged = [
        hit.key
        for page in range(1, 4)
        for hit in search_index.search("", page=page, per_page=3, sort=sort).hits
    ]

    assert paged == whole and len(set(paged)) == len(RECORDS)


def test_a_work_takes_the_place_of_its_first_record_in_the_order(
    store: Store, tmp_path: Path
) -> None:
    # Two libraries hold one work (same ISBN), one copy dated 1960, the other 2010.
    store.upsert_page(
        [
            record("oai:w:1", "Cần Thơ xưa và nay", 1960, isbns=("9786040000001",)),
            record(
                "oai:w:2",
                "Cần Thơ xưa và nay",
                2010,
                library="camau",
                isbns=("9786040000001",),
            ),
            record("oai:w:3", "Bến Tre", 1990),
        ]
    )
    update_index(store, tmp_path / "ix")
    index = SearchIndex(tmp_path / "ix")
    try:
        newest = index.search("", sort="newest")
        oldest = index.search("", sort="oldest")
    finally:
        index.close()

    assert [(hit.key, hit.year) for hit in newest.hits] == [
        ("camau:oai:w:2", 2010), ("cantho:oai:w:3", 1990),
    ]  # fmt: skip
    assert [(hit.key, hit.year) for hit in oldest.hits] == [
        ("cantho:oai:w:1", 1960), ("cantho:oai:w:3", 1990),
    ]  # fmt: skip
    assert newest.total == oldest.total == 2


def test_unknown_sort_is_a_query_error_naming_the_choices(search_index: SearchIndex) -> None:
    with pytest.raises(QueryError, match="sort must be one of relevance, newest, oldest, title"):
        search_index.search("", sort="year")


def test_language_and_subject_facets_count_every_matching_record(
    search_index: SearchIndex,
) -> None:
    facets = search_index.search("").facets

    assert dict(facets["language"]) == {"vie": 4, "fra": 2, "khm": 1, "eng": 1}
    # "Lịch sử." and "Lịch sử" are one value; a subject holding a comma stays whole.
    assert facets["subject"] == (
        ("Địa chí", 2), ("Lịch sử", 2), ("Ẩm thực", 1), ("Khmer Nam Bộ", 1),
        ("Lịch sử, văn hóa", 1),
    )  # fmt: skip


def test_language_and_subject_filters_narrow_and_combine(search_index: SearchIndex) -> None:
    assert titles(search_index, filters={"language": ("fra",)}) == ["An Giang", "Dương"]
    assert titles(search_index, filters={"language": ("KHM", "eng")}) == ["Ấp", "Cà Mau"]
    assert titles(search_index, filters={"subject": ("Lịch sử.",)}) == ["Dương", "Đồng Tháp"]
    assert titles(search_index, filters={"subject": ("Lịch sử, văn hóa",)}) == ["Bạc Liêu"]
    both = search_index.search("", filters={"language": ("vie",), "subject": ("Địa chí",)})
    assert [hit.title for hit in both.hits] == ["Đồng Tháp"]
    assert dict(both.facets["language"]) == {"vie": 1}


def test_subject_facet_lists_only_the_most_frequent(store: Store, tmp_path: Path) -> None:
    store.upsert_page(
        [
            record(f"oai:m:{n}", f"Sách {n}", 2000, subjects=("Chung", f"Riêng {n}"))
            for n in range(40)
        ]
    )
    update_index(store, tmp_path / "ix")
    index = SearchIndex(tmp_path / "ix")
    try:
        subjects = index.search("").facets["subject"]
        narrowed = index.search("", filters={"subject": ("Riêng 39",)})
    finally:
        index.close()

    assert len(subjects) == 30 and subjects[0] == ("Chung", 40)
    assert narrowed.total == 1  # a value left out of the list still filters
