"""The index: Vietnamese folding both ways, exact diacritics first, facets, incremental updates."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog.errors import QueryError, SearchIndexError
from catalog.store import Store
from index.build import update_index
from index.search import SearchIndex
from tests.factories import make_record

RECORDS = [
    make_record(oai_id="oai:t:1", title="Cần Thơ xưa và nay", kind="book"),
    make_record(oai_id="oai:t:2", title="Địa chí Cà Mau", kind="book", library="camau"),
    make_record(oai_id="oai:t:3", title="Bản đồ tỉnh Đồng Tháp", kind="map", library="dongthap"),
    # Typed without diacritics by a member: found, but ranked below "Cà Mau" for "Cà Mau".
    make_record(oai_id="oai:t:4", title="Ca mau va ca voi", kind="book", library="camau"),
    make_record(
        oai_id="oai:t:5",
        title=unicodedata.normalize("NFD", "Chợ nổi Cái Răng, Cần Thơ"),
        kind="photograph",
    ),
]


@pytest.fixture
def search_index(store: Store, tmp_path: Path) -> Iterator[SearchIndex]:
    store.upsert_page(RECORDS)  # one title is NFD: the index normalises it
    update_index(store, tmp_path / "index")
    index = SearchIndex(tmp_path / "index")
    yield index
    index.close()


def keys(index: SearchIndex, text: str, **kwargs: object) -> list[str]:
    return [hit.key for hit in index.search(text, **kwargs).hits]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "query", ["can tho", "Cần Thơ", "CẦN THƠ", unicodedata.normalize("NFD", "Cần Thơ")]
)
def test_can_tho_in_any_form_finds_both_can_tho_records(
    search_index: SearchIndex, query: str
) -> None:
    assert sorted(keys(search_index, query)) == ["cantho:oai:t:1", "cantho:oai:t:5"]


def test_dong_thap_without_diacritics_finds_dong_thap(search_index: SearchIndex) -> None:
    assert keys(search_index, "dong thap") == ["dongthap:oai:t:3"]


def test_exact_diacritics_rank_first(search_index: SearchIndex) -> None:
    assert keys(search_index, "Cà Mau")[0] == "camau:oai:t:2"
    assert set(keys(search_index, "ca mau")) == {"camau:oai:t:2", "camau:oai:t:4"}


def test_facets_count_all_matches_and_filters_narrow(search_index: SearchIndex) -> None:
    result = search_index.search("")

    assert result.total == 5
    assert dict(result.facets["kind"]) == {"book": 3, "map": 1, "photograph": 1}
    assert dict(result.facets["library"]) == {"cantho": 2, "camau": 2, "dongthap": 1}
    assert keys(search_index, "", filters={"kind": ("map",)}) == ["dongthap:oai:t:3"]


def test_highlight_marks_folded_matches_and_escapes_html(store: Store, tmp_path: Path) -> None:
    store.upsert_page([make_record(oai_id="oai:x", title="Đồng Tháp <script>alert(1)</script>")])
    update_index(store, tmp_path / "ix")
    index = SearchIndex(tmp_path / "ix")
    try:
        hit = index.search("dong thap").hits[0]
    finally:
        index.close()

    assert hit.title_highlight == (("Đồng Tháp", True), (" <script>alert(1)</script>", False))


def test_deleted_record_leaves_the_index(
    store: Store, search_index: SearchIndex, tmp_path: Path
) -> None:
    store.upsert_page([make_record(oai_id="oai:t:1", deleted=True)])

    summary = update_index(store, tmp_path / "index")

    assert summary.removed == 1 and summary.indexed == 0
    assert keys(search_index, "xưa và nay") == []


def test_update_indexes_only_what_changed(
    store: Store, search_index: SearchIndex, tmp_path: Path
) -> None:
    assert update_index(store, tmp_path / "index").indexed == 0
    store.upsert_page([make_record(oai_id="oai:t:9", title="Trà Vinh đất và người")])

    assert update_index(store, tmp_path / "index").indexed == 1
    assert keys(search_index, "tra vinh") == ["cantho:oai:t:9"]


def test_odd_query_syntax_never_errors(search_index: SearchIndex) -> None:
    for text in ['"cần thơ', "title:", "AND OR NOT", "(((", "ca*", "năm:[1900 TO"]:
        search_index.search(text)


def test_overlong_query_is_a_query_error(search_index: SearchIndex) -> None:
    with pytest.raises(QueryError, match="limit is 500"):
        search_index.search("x" * 501)


def test_missing_index_names_the_command_to_run(tmp_path: Path) -> None:
    with pytest.raises(SearchIndexError, match="run `unioncat index`"):
        SearchIndex(tmp_path / "nothing").search("x")


def test_records_with_empty_or_wordless_fields_index(store: Store, tmp_path: Path) -> None:
    store.upsert_page(
        [
            make_record(oai_id="oai:bare", title="Đất", creators=(), subjects=()),
            make_record(oai_id="oai:dash", title="---", creators=("…",), subjects=()),
            make_record(oai_id="oai:none", title=None, creators=(), subjects=(), languages=()),
        ]
    )

    summary = update_index(store, tmp_path / "ix")

    assert summary.indexed == 3


def test_search_for_todays_province_finds_its_former_parts(store: Store, tmp_path: Path) -> None:
    store.upsert_page(
        [
            make_record(
                oai_id="oai:st",
                title="Địa chí Sóc Trăng",
                provinces=("Sóc Trăng",),
                provinces_today=("Cần Thơ",),
            ),
            make_record(
                oai_id="oai:vl",
                title="Vĩnh Long xưa",
                provinces=("Vĩnh Long",),
                provinces_today=("Vĩnh Long",),
            ),  # fmt: skip
        ]
    )
    update_index(store, tmp_path / "ix")
    index = SearchIndex(tmp_path / "ix")
    try:
        by_facet = index.search("", filters={"province": ("Cần Thơ",)})
        by_text = index.search('nơi:"cần thơ"')
        facets = dict(index.search("").facets["province"])
    finally:
        index.close()

    assert [hit.key for hit in by_facet.hits] == ["cantho:oai:st"]
    assert [hit.key for hit in by_text.hits] == ["cantho:oai:st"]
    assert facets == {"Cần Thơ": 1, "Vĩnh Long": 1}
