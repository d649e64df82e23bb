"""Type-ahead, facet type-ahead and typo correction on zero results."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.errors import QueryError
from catalog.store import Store
from index.build import update_index
from index.search import SearchIndex
from tests.factories import make_record

RECORDS = [
    make_record(
        oai_id="oai:s:1",
        title="Địa chí Cà Mau",
        subjects=("Địa chí", "Lịch sử"),
        places=("Cà Mau",),
        creators=("Phan Phước Khoa",),
    ),
    make_record(
        oai_id="oai:s:2",
        title="Hương rừng Cà Mau",
        subjects=("Văn học",),
        places=("Cà Mau", "U Minh"),
        creators=("Sơn Nam",),
    ),
    make_record(
        oai_id="oai:s:3",
        title="Dòng họ ở Đồng Tháp",
        subjects=("Gia phả", "Du lịch"),
        places=("Đồng Tháp",),
        creators=("Sơn Nam",),
    ),
]


@pytest.fixture
def search_index(store: Store, tmp_path: Path) -> Iterator[SearchIndex]:
    store.upsert_page(RECORDS)
    update_index(store, tmp_path / "index")
    index = SearchIndex(tmp_path / "index")
    yield index
    index.close()


def test_typeahead_completes_unaccented_prefix_to_accented_values(
    search_index: SearchIndex,
) -> None:
    found = search_index.suggest("ca m")

    assert found[0] == "Cà Mau"  # a place two records share, and it opens with the prefix
    assert "Địa chí Cà Mau" in found and "Hương rừng Cà Mau" in found


def test_typeahead_with_marks_prefers_values_written_that_way(search_index: SearchIndex) -> None:
    assert search_index.suggest("Đồng")[0] == "Đồng Tháp"
    assert search_index.suggest("dong")[:2] != ()


def test_typeahead_by_field_and_limit(search_index: SearchIndex) -> None:
    assert search_index.suggest("son", field="creator") == ("Sơn Nam",)
    assert search_index.suggest("lich", field="subject") == ("Lịch sử", "Du lịch")
    assert search_index.suggest("u", field="place") == ("U Minh",)
    assert len(search_index.suggest("d", limit=2)) == 2


def test_facet_typeahead_matches_any_word_of_a_value(search_index: SearchIndex) -> None:
    assert search_index.suggest("cant", field="library") == ("cantho",)
    assert search_index.suggest("", field="kind") == ("book",)


def test_typeahead_rejects_unknown_fields(search_index: SearchIndex) -> None:
    with pytest.raises(QueryError, match="cannot suggest 'isbn'"):
        search_index.suggest("97", field="isbn")


# The index is only read here, so sharing the function-scoped fixture is safe.
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(prefix=st.text(max_size=30))
def test_typeahead_never_fails_on_any_text(search_index: SearchIndex, prefix: str) -> None:
    assert len(search_index.suggest(prefix)) <= 8


def test_zero_results_suggest_the_corrected_accented_query(search_index: SearchIndex) -> None:
    result = search_index.search("huong rumg ca mau")

    assert result.total == 0
    assert result.suggestion == "hương rừng cà mau"
    assert search_index.search(result.suggestion).total == 1


def test_typos_are_not_corrected_when_the_query_finds_something(
    search_index: SearchIndex,
) -> None:
    # "ca mau" finds records: the suggestion only restores diacritics, never "corrects".
    assert search_index.search("ca mau").suggestion == "cà mau"
    assert search_index.search("Cà Mau").suggestion is None


def test_short_or_hopeless_words_get_no_correction(search_index: SearchIndex) -> None:
    assert search_index.search("xyzzyq").suggestion is None
    assert search_index.search("zq").suggestion is None
