"""The readers' query language and Vietnamese text preparation."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.store import Store
from index.build import update_index
from index.query import parse_query
from index.search import SearchIndex
from index.text import prepare
from tests.factories import make_record

RECORDS = [
    make_record(oai_id="a", title="Văn minh miệt vườn", creators=("Sơn Nam",), year_from=1970,
                year_to=1970, subjects=("Nam Bộ",)),
    make_record(oai_id="b", title="Lịch sử Khẩn hoang miền Nam", creators=("Sơn Nam",),
                year_from=1973, year_to=1973),
    make_record(oai_id="c", title="Thanh Hoá xưa", creators=("Nguyễn Văn A",), year_from=1995,
                year_to=2003),
    make_record(oai_id="d", title="Đất Cà Mau", creators=("Trần Văn B",), places=("Năm Căn",),
                year_from=2010, year_to=2010),
    make_record(oai_id="e", title="Cà phê và mau chóng", creators=("Lê C",), year_from=None,
                year_to=None),
    make_record(oai_id="f", title="Địa chí Cà Mau", creators=("Ủy ban nhân dân tỉnh Cà Mau",),
                year_from=2009, year_to=2009),
]  # fmt: skip


@pytest.fixture
def index(store: Store, tmp_path: Path) -> Iterator[SearchIndex]:
    store.upsert_page(RECORDS)
    update_index(store, tmp_path / "index")
    search_index = SearchIndex(tmp_path / "index")
    yield search_index
    search_index.close()


def ids(index: SearchIndex, text: str, **kwargs: object) -> list[str]:
    hits = index.search(text, **kwargs).hits  # type: ignore[arg-type]
    return [hit.key.split(":", 1)[1] for hit in hits]


def test_tone_placement_is_one_convention() -> None:
    assert prepare("Thanh Hoá") == prepare("Thanh Hóa") == "Thanh Hóa"
    assert prepare("thuỷ lợi") == "thủy lợi"
    assert prepare("quý") == "quý" and prepare("hoàn") == "hoàn"
    # The dot below sits before the breve in NFD: "hoặc" has its mark on ă already.
    assert prepare("HOẶC") == "HOẶC" and prepare("xoặn") == "xoặn"
    assert prepare("hoạ") == "họa" and prepare("khoẻ") == "khỏe"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nam:1945-1975 lich su", [("word", "year", "1945-1975"), ("word", None, "lich"),
                                   ("word", None, "su")]),
        ("noi:can tho", [("word", "places", "can"), ("word", None, "tho")]),
        # Mark-less "nam"/"noi" with a space after the colon are title words, not prefixes.
        ("viet nam: lich su", [("word", None, "viet"), ("word", None, "nam:"),
                               ("word", None, "lich"), ("word", None, "su")]),
        ("ha noi: pho co", [("word", None, "ha"), ("word", None, "noi:"),
                            ("word", None, "pho"), ("word", None, "co")]),
        ("nam:xua", [("word", None, "nam:xua")]),
        ("a HOẶC b", [("word", None, "a"), ("op", None, "HOẶC"), ("word", None, "b")]),
    ],
)  # fmt: skip
def test_year_and_place_prefixes_typed_without_marks(
    text: str, expected: list[tuple[str, str | None, str]]
) -> None:
    from index.query import _tokens

    assert _tokens(prepare(text)) == expected


def test_either_tone_placement_finds_the_exact_form(index: SearchIndex) -> None:
    assert ids(index, "Thanh Hóa") == ["c"]
    assert ids(index, "thanh hoa") == ["c"]


def test_author_prefix_in_vietnamese_and_english(index: SearchIndex) -> None:
    assert sorted(ids(index, 'tác giả:"sơn nam"')) == ["a", "b"]
    assert sorted(ids(index, 'author:"son nam"')) == ["a", "b"]
    assert ids(index, "nhan đề:miệt") == ["a"]
    assert ids(index, "nơi:năm") == ["d"]


def test_year_prefix_with_a_range_overlaps(index: SearchIndex) -> None:
    assert sorted(ids(index, "năm:1960-1975")) == ["a", "b"]
    assert sorted(ids(index, "year:2000")) == ["c"]


def test_year_filter_keeps_records_that_overlap(index: SearchIndex) -> None:
    assert sorted(ids(index, "", years=(2000, 2009))) == ["c", "f"]
    assert sorted(ids(index, "", years=(None, 1970))) == ["a"]


def test_operators_upper_case_only(index: SearchIndex) -> None:
    assert sorted(ids(index, "miệt OR thanh")) == ["a", "c"]
    assert sorted(ids(index, "sơn nam KHÔNG vườn")) == ["b"]
    assert sorted(ids(index, "sơn nam -vườn")) == ["b"]
    # Lower-case "và" is a word of titles, not an operator.
    assert ids(index, "cà phê và") == ["e"]


def test_phrase_and_adjacent_words_rank_first(index: SearchIndex) -> None:
    assert ids(index, '"cà mau"')[0] in ("d", "f")
    assert "e" not in ids(index, '"cà mau"')
    assert ids(index, "ca mau")[-1] == "e"  # "cà ... mau" scattered ranks last


def test_did_you_mean_restores_diacritics(index: SearchIndex) -> None:
    assert index.search("dia chi ca mau").suggestion == "địa chí cà mau"
    assert index.search("địa chí").suggestion is None


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_any_text_parses(text: str) -> None:
    parse_query(text)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["Cần Thơ", "Đồng Tháp", "Thanh Hoá", "Khmer Nam Bộ", "thuỷ lợi"]))
def test_nfc_and_nfd_queries_are_one_query(text: str) -> None:
    nfd = unicodedata.normalize("NFD", text)
    assert repr(parse_query(text).query) == repr(parse_query(nfd).query)
