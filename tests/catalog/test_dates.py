"""Free-text dates to year ranges: every form members type, and never a wrong year."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import normalize
from catalog.dates import EARLIEST, LATEST, year_range


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1975", (1975, 1975)),
        ("[1975]", (1975, 1975)),
        ("[197-?]", (1970, 1979)),
        ("[197-]", (1970, 1979)),
        ("[19--]", (1900, 1999)),
        ("[18--]", (1800, 1899)),
        ("c1998", (1998, 1998)),
        ("©1998", (1998, 1998)),
        ("1998-2003", (1998, 2003)),
        ("1998–2003", (1998, 2003)),
        ("1998 - 2003", (1998, 2003)),
        ("2003-04-05", (2003, 2003)),
        ("05/04/2003", (2003, 2003)),
        ("5.4.2003", (2003, 2003)),
        ("năm 1930", (1930, 1930)),
        ("thế kỷ XIX", (1800, 1900)),
        ("thế kỉ 19", (1800, 1900)),
        ("đầu thế kỷ 20", (1900, 1935)),
        ("cuối thế kỷ XIX", (1865, 1900)),
        ("giữa thế kỷ 20", (1930, 1970)),
        ("cuối thế kỷ XIX đầu thế kỷ XX", (1865, 1935)),
        ("XIXe siècle", (1800, 1900)),
        ("khoảng 1930", (1925, 1935)),
        ("[ca. 1932]", (1927, 1937)),
        ("1930?", (1928, 1932)),
        ("[1930?]", (1928, 1932)),
        ("thập niên 1930", (1930, 1939)),
        ("những năm 1960", (1960, 1969)),
        ("1990s", (1990, 1999)),
        ("Minh Mạng năm thứ 5 (1824)", (1824, 1824)),
        ("Sài Gòn : Nxb. Trẻ, 1998.", (1998, 1998)),
        ("1998, c1997", (1997, 1998)),
        ("19uu", (1900, 1999)),  # MARC 008 with unknown digits
        ("197u", (1970, 1979)),
        (unicodedata.normalize("NFD", "đầu thế kỷ 20"), (1900, 1935)),
        ("[s.a.]", None),
        ("s.d.", None),
        ("không rõ năm", None),
        ("n.d.", None),
        ("nguyên niên", None),
        ("1200 tr.", None),  # an extent, not a year
        ("1998-1995", None),  # a typing error we cannot read right
        ("", None),
        (None, None),
    ],
)
def test_year_range(text: str | None, expected: tuple[int, int] | None) -> None:
    assert year_range(text) == expected


def test_year_range_stays_importable_from_normalize() -> None:
    assert normalize.year_range is year_range


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_year_range_never_raises_and_stays_in_bounds(text: str) -> None:
    found = year_range(text)
    if found is not None:
        first, last = found
        assert EARLIEST <= first <= last <= LATEST


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"[\[c©]?(1[0-9]|20)[0-9-]{2}[?\]]?( ?[-–] ?(1[0-9]|20)\d\d)?", fullmatch=True)
)
def test_year_range_on_date_shaped_text(text: str) -> None:
    found = year_range(text)
    if found is not None:
        assert EARLIEST <= found[0] <= found[1] <= LATEST


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1000, max_value=2100))
def test_a_plain_year_is_itself(year: int) -> None:
    assert year_range(str(year)) == (year, year)
    assert year_range(f"năm {year}") == (year, year)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="thếkỷ XIV0123456789đầucuốigiữa[]-?.năm "))
def test_nfc_and_nfd_dates_read_alike(text: str) -> None:
    assert year_range(unicodedata.normalize("NFD", text)) == year_range(text)
