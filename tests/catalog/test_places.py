"""Mekong Delta places in subjects and coverage, and their provinces before and after 2025."""

from __future__ import annotations

import tomllib
import unicodedata
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.places import Place, provinces_today, recognise_places

# Resolution 202/2025/QH15: each province of today and the provinces it took in.
MERGED = {
    "Cần Thơ": {"Cần Thơ", "Sóc Trăng", "Hậu Giang"},
    "Vĩnh Long": {"Vĩnh Long", "Bến Tre", "Trà Vinh"},
    "Đồng Tháp": {"Đồng Tháp", "Tiền Giang"},
    "An Giang": {"An Giang", "Kiên Giang"},
    "Cà Mau": {"Cà Mau", "Bạc Liêu"},
    "Tây Ninh": {"Tây Ninh", "Long An"},
}


def only(text: str) -> tuple[str, str, str]:
    (place,) = recognise_places([text])
    return place.name, place.province, place.province_today


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cần Thơ", ("Cần Thơ", "Cần Thơ", "Cần Thơ")),
        ("Lịch sử Sóc Trăng", ("Sóc Trăng", "Sóc Trăng", "Cần Thơ")),
        ("Hậu Giang", ("Hậu Giang", "Hậu Giang", "Cần Thơ")),
        ("Bến Tre", ("Bến Tre", "Bến Tre", "Vĩnh Long")),
        ("tỉnh Trà Vinh", ("Trà Vinh", "Trà Vinh", "Vĩnh Long")),
        ("Tiền Giang", ("Tiền Giang", "Tiền Giang", "Đồng Tháp")),
        ("Kiên Giang", ("Kiên Giang", "Kiên Giang", "An Giang")),
        ("Bạc Liêu", ("Bạc Liêu", "Bạc Liêu", "Cà Mau")),
        ("Long An", ("Long An", "Long An", "Tây Ninh")),
        ("Sa Đéc", ("Sa Đéc", "Đồng Tháp", "Đồng Tháp")),
        ("tỉnh Sa Đéc", ("Sa Đéc", "Sa Đéc", "Đồng Tháp")),
        ("Mỹ Tho", ("Mỹ Tho", "Tiền Giang", "Đồng Tháp")),
        ("tỉnh Mỹ Tho", ("Mỹ Tho", "Mỹ Tho", "Đồng Tháp")),
        ("Rạch Giá", ("Rạch Giá", "Kiên Giang", "An Giang")),
        ("Châu Đốc", ("Châu Đốc", "An Giang", "An Giang")),
        ("Long Xuyên", ("Long Xuyên", "An Giang", "An Giang")),
        ("Chợ nổi Cái Răng", ("Cái Răng", "Cần Thơ", "Cần Thơ")),
        ("Vĩnh Châu", ("Vĩnh Châu", "Sóc Trăng", "Cần Thơ")),
        ("Mỏ Cày Nam", ("Mỏ Cày Nam", "Bến Tre", "Vĩnh Long")),
        ("U Minh Thượng", ("U Minh Thượng", "Kiên Giang", "An Giang")),
        ("U Minh", ("U Minh", "Cà Mau", "Cà Mau")),
        ("Minh Hải", ("Minh Hải", "Minh Hải", "Cà Mau")),
        ("Phong Dinh", ("Phong Dinh", "Phong Dinh", "Cần Thơ")),
        ("Ba Xuyên", ("Ba Xuyên", "Ba Xuyên", "Cần Thơ")),
        ("tỉnh Cửu Long", ("Cửu Long", "Cửu Long", "Vĩnh Long")),
        ("Cantho", ("Cần Thơ", "Cần Thơ", "Cần Thơ")),
        ("Monographie de la province de Soctrang", ("Sóc Trăng", "Sóc Trăng", "Cần Thơ")),
        ("Bentré - Le port.", ("Bến Tre", "Bến Tre", "Vĩnh Long")),
        ("Can Tho", ("Cần Thơ", "Cần Thơ", "Cần Thơ")),
        ("CẦN THƠ", ("Cần Thơ", "Cần Thơ", "Cần Thơ")),
        ("TP. Cần Thơ", ("Cần Thơ", "Cần Thơ", "Cần Thơ")),
        ("thành phố Cần Thơ", ("Cần Thơ", "Cần Thơ", "Cần Thơ")),
        ("Kiến Hoà", ("Kiến Hòa", "Kiến Hòa", "Vĩnh Long")),
    ],
)
def test_recognise_places(text: str, expected: tuple[str, str, str]) -> None:
    assert only(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "đồng bằng sông Cửu Long",  # the river, not the former province
        "Bình minh trên sông",  # dawn, not the town of Bình Minh
        "Ở Môn học",  # diacritics differ from Ô Môn
        "Hà Nội",
        "Thành phố Hồ Chí Minh",
        "Châu Thành",  # a district name in nearly every province
        "",
    ],
)
def test_text_without_a_delta_place_gives_none(text: str) -> None:
    assert recognise_places([text]) == ()


def test_written_form_is_kept() -> None:
    (place,) = recognise_places(["Cantho"])
    assert place == Place(name="Cần Thơ", written="Cantho", province="Cần Thơ",
                          province_today="Cần Thơ")  # fmt: skip


def test_places_come_once_in_order_across_texts() -> None:
    places = recognise_places(["Chợ nổi Cái Răng, Cần Thơ", "Cần Thơ", "Sóc Trăng"])
    assert [p.name for p in places] == ["Cái Răng", "Cần Thơ", "Sóc Trăng"]
    assert provinces_today(places) == ("Cần Thơ",)


def test_data_file_maps_every_former_province_as_resolution_202_says() -> None:
    raw = (resources.files("catalog") / "data" / "provinces.toml").read_text(encoding="utf-8")
    data = tomllib.loads(raw)
    assert "202/2025/QH15" in raw  # the data names its source
    merged: dict[str, set[str]] = {}
    for province in data["province"]:
        merged.setdefault(province["today"], set()).add(province["name"])
    assert merged == MERGED


def test_a_search_for_todays_province_reaches_its_former_parts() -> None:
    for today, parts in MERGED.items():
        for part in parts:
            assert provinces_today(recognise_places([part])) == (today,)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(), max_size=3))
def test_recognise_places_never_raises(texts: list[str]) -> None:
    for place in recognise_places(texts):
        assert place.province_today in MERGED


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(
        sorted(
            {p for parts in MERGED.values() for p in parts}
            | {"Chợ nổi Cái Răng, Cần Thơ", "Đình Bình Thủy", "Địa chí Đồng Tháp", "Rạch Giá"}
        )
    )
)
def test_nfc_and_nfd_texts_give_the_same_places(text: str) -> None:
    nfd = recognise_places([unicodedata.normalize("NFD", text)])
    assert [(p.name, p.province, p.province_today) for p in nfd] == [
        (p.name, p.province, p.province_today) for p in recognise_places([text])
    ]


def _gazetteer_words() -> list[str]:
    from catalog.places import _PROVINCE_WORDS, _UNIT_WORDS, _gazetteer

    words = {word for key in _gazetteer().by_key for word in (key, key[:3], key[2:])}
    return sorted(words | set(_PROVINCE_WORDS) | set(_UNIT_WORDS) | {"an", "tho", "x", "."})


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(_gazetteer_words()), st.sampled_from([" ", "  ", "", "\t"])),
        max_size=8,
    )
)
def test_the_quick_screen_matches_exactly_what_the_full_pattern_matches(parts: list[str]) -> None:
    """The prefix-tree screen skips texts that name no place: it must never skip one that does,
    nor pass one the full pattern would not match (it is the same language)."""
    from catalog.places import _gazetteer

    gazetteer = _gazetteer()
    text = "".join(parts)
    assert bool(gazetteer.screen.search(text)) == bool(gazetteer.pattern.search(text)), text


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(_gazetteer_words()),
            st.sampled_from([" ", "  ", "", "\t", ", ", "-", "tinh ", "Tỉnh ", "1"]),
        ),
        max_size=10,
    )
)
def test_places_are_found_where_the_full_pattern_alone_finds_them(parts: list[str]) -> None:
    """Places are read where the screen says a match starts, with the full pattern tried
    there only: every match (span and groups) must be the one finditer gives."""
    from catalog.places import _gazetteer, _matches

    gazetteer = _gazetteer()
    text = "".join(parts)
    expected = [(m.span(), m.groups()) for m in gazetteer.pattern.finditer(text)]
    assert [(m.span(), m.groups()) for m in _matches(gazetteer, text)] == expected, text
