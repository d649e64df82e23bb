"""The normalisers' fast paths give exactly what the plain per-character definitions give.

Folding, whitespace and legacy-encoding checks were rewritten for speed (``str.translate``
tables filled as characters are met, ``str.split``, set tests, remembered results); each is
checked here against the plain definition it replaced, written out below.
"""

from __future__ import annotations

import re
import sys
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import legacy, normalize, places
from catalog.normalize import clean_text, fold, kind_of
from catalog.places import recognise_places

# Vietnamese and French letters, combining marks, odd spaces and some far-away characters.
_TEXT = st.text(
    st.one_of(
        st.sampled_from("aăâđeêioôơuưyĐĂÂÊÔƠƯ àáảãạ\u0300\u0301\u0303\u0309\u0323 \t\n\xa0\u2003"),
        st.characters(),
    ),
    max_size=40,
)


def _plain_fold(value: str) -> str:
    text = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", text.lower()).strip()


def _plain_clean_text(value: str) -> str | None:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", value)).strip() or None


def _plain_fold_aligned(text: str) -> str:
    out = []
    for ch in text:
        if ch in "đĐ":
            out.append("d")
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c) != "Mn"
        ).lower()
        out.append(base if len(base) == 1 else " ")
    return "".join(out)


def _plain_kind_of(values: tuple[str, ...]) -> str:
    for value in values:
        words = f" {re.sub(r'[^a-z ]', ' ', _plain_fold(value))} "
        for kind, needles in normalize._KIND_WORDS:
            if any(f" {needle} " in words for needle in needles):
                return kind
    return "other"


@settings(max_examples=300)
@given(_TEXT)
def test_fold_and_clean_text_match_their_plain_definitions(value: str) -> None:
    assert fold(value) == _plain_fold(value)
    assert clean_text(value) == _plain_clean_text(value)


@settings(max_examples=300)
@given(_TEXT)
def test_place_folding_matches_its_plain_definition_one_character_for_one(value: str) -> None:
    folded = places._fold_aligned(value)

    assert folded == _plain_fold_aligned(value) and len(folded) == len(value)


def test_folding_tables_stay_bounded_and_right_past_their_size() -> None:
    every = "".join(chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code < 0xE000)
    sample = every[::7]  # 158,000 distinct characters, far more than the tables keep

    assert places._fold_aligned(sample) == _plain_fold_aligned(sample)
    assert fold(sample) == _plain_fold(sample)
    assert len(places._FOLD_TABLE) <= places._FOLD_TABLE_SIZE
    assert len(normalize._NO_MARKS) <= 4096


def test_the_legacy_check_for_genuine_unicode_matches_the_per_character_one() -> None:
    values = ["Cần Thơ", "ViÖt Nam", "Vieät Nam", "Ñoàng Thaùp", "café", "Đồng Tháp Mười", "€™"]
    for value in values + [chr(code) + "x" for code in range(0x80, 0x2200)]:
        text = unicodedata.normalize("NFC", value)
        per_character = any(not ch.isascii() and ch not in legacy._MISREAD for ch in text)
        assert (not legacy._ASCII_OR_MISREAD.issuperset(text)) == per_character, value
    assert legacy.fix_legacy("ViÖt Nam") == "Việt Nam"
    assert legacy.fix_legacy("Đồng Tháp Mười") == "Đồng Tháp Mười"


@settings(max_examples=200)
@given(st.lists(st.one_of(_TEXT, st.sampled_from(["Bản đồ", "Sách", "Still Image", "ảnh"]))))
def test_kind_of_matches_its_plain_definition_remembered_or_not(values: list[str]) -> None:
    assert kind_of(tuple(values)) == _plain_kind_of(tuple(values))
    assert kind_of(tuple(values)) == _plain_kind_of(tuple(values))  # now from memory


def test_a_long_type_value_is_read_but_not_remembered() -> None:
    long_value = "Bản đồ " + "x" * 200
    before = normalize._remembered_kind_of.cache_info().currsize

    assert kind_of((long_value,)) == "map"
    assert normalize._remembered_kind_of.cache_info().currsize == before


def test_places_are_the_same_remembered_or_not() -> None:
    texts = ["Chợ nổi Cái Răng, Cần Thơ", "tỉnh Sa Đéc", "Soctrang", "bình minh", "Bình Minh"]
    first = recognise_places(texts)
    again = recognise_places(texts)  # every value is short: this time from memory
    long_texts = [text + " " + "." * 300 for text in texts]  # too long to be remembered

    assert first == again
    assert [(p.name, p.province) for p in recognise_places(long_texts)] == [
        (p.name, p.province) for p in first
    ]
    assert [p.name for p in first] == ["Cái Răng", "Cần Thơ", "Sa Đéc", "Sóc Trăng", "Bình Minh"]


def test_places_in_several_values_come_once_in_first_seen_order() -> None:
    found = recognise_places(["Sóc Trăng", "Cần Thơ", "Sóc Trăng; Cần Thơ", "Sóc Trăng"])

    assert [place.name for place in found] == ["Sóc Trăng", "Cần Thơ"]
