"""Vietnamese alphabetical order: letters of the Vietnamese alphabet, then tones, word by word."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.collation import sort_key
from index.schema import title_sort_key


def ordered(titles: list[str]) -> list[str]:
    return sorted(titles, key=sort_key)


def test_provinces_sort_in_the_vietnamese_alphabet() -> None:
    titles = ["Đồng Tháp", "Dương", "Bạc Liêu", "Ấp", "Ăn", "An Giang", "Cà Mau", "Zen"]

    # a < ă < â, d < đ; z (foreign words only) after y.
    assert ordered(titles) == [
        "An Giang", "Ăn", "Ấp", "Bạc Liêu", "Cà Mau", "Dương", "Đồng Tháp", "Zen",
    ]  # fmt: skip


def test_vowels_with_marks_follow_their_plain_vowel() -> None:
    assert ordered(["Ưu", "Uy", "Ơn", "Ôn", "On", "Ê", "E"]) == [
        "E", "Ê", "On", "Ôn", "Ơn", "Uy", "Ưu",
    ]  # fmt: skip


def test_tones_come_level_huyen_hoi_nga_sac_nang() -> None:
    assert ordered(["mạ", "má", "mã", "mả", "mà", "ma"]) == ["ma", "mà", "mả", "mã", "má", "mạ"]


def test_letters_decide_before_tones_and_words_before_the_next_word() -> None:
    # A tone orders only words with the same letters; a word's tone before the next word.
    assert ordered(["mác", "mà", "ma cà rồng", "má", "ma"]) == [
        "ma", "ma cà rồng", "mà", "má", "mác",
    ]  # fmt: skip


def test_case_punctuation_and_unicode_form_do_not_matter() -> None:
    nfd = unicodedata.normalize("NFD", "Địa chí Cần Thơ")

    assert sort_key(nfd) == sort_key("ĐỊA CHÍ CẦN THƠ") == sort_key("«Địa chí» - Cần Thơ!")
    # Tone placement: "hoà" (new style) and "hòa" (traditional) are one word.
    assert sort_key("Thanh Hoà") == sort_key("Thanh Hòa")


def test_numbers_compare_by_value_and_before_letters() -> None:
    assert ordered(["Tập 10", "Tập A", "Tập 2", "Tập 1"]) == ["Tập 1", "Tập 2", "Tập 10", "Tập A"]
    assert ordered(["Báo Cà Mau", "1975"]) == ["1975", "Báo Cà Mau"]


def test_other_scripts_follow_the_latin_letters() -> None:
    assert ordered(["中国", "ខ្មែរ", "Zen", "An"]) == ["An", "Zen", "ខ្មែរ", "中国"]


def test_titles_without_words_sort_after_every_titled_record() -> None:
    keys = [title_sort_key(title) for title in ("Ấp", None, "---", "中国", "", "Zen")]

    assert sorted(keys)[-3:] == [title_sort_key(None)] * 3
    assert sorted(keys)[0] == title_sort_key("Ấp")


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_any_text_has_a_key_and_its_nfd_form_the_same_one(text: str) -> None:
    key = sort_key(text)

    assert isinstance(key, str)
    assert sort_key(unicodedata.normalize("NFD", text)) == sort_key(
        unicodedata.normalize("NFC", text)
    )


@pytest.mark.parametrize("title", ["Cần Thơ xưa và nay", "Ấp Bắc", "Đ", "x" * 500])
def test_title_sort_key_is_bounded(title: str) -> None:
    assert 1 <= len(title_sort_key(title)) <= 201
