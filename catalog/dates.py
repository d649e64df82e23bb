"""Read a year range from a free-text date as member libraries type it ("[197-?]", "thế kỷ XIX").

The range is what the date allows, not a guess: a date that names no year gives None, and an
uncertain one ("khoảng 1930", "1930?") gives a range wide enough to hold the real year.
"""

from __future__ import annotations

import re
import unicodedata

EARLIEST = 1000
LATEST = 2100

_YEAR = r"(1\d{3}|20\d\d|2100)"
# A number followed by a unit is an extent, not a year ("1200 tr.", "1500 p.").
_NOT_EXTENT = r"(?!\d)(?!\s*(?:tr|trang|p|pp|to|cm|ban|phut|min)\b)"
_SPAN = re.compile(r"(?<!\d)" + _YEAR + r"\s*(?:-|–|—|/|den|to|a)\s*" + _YEAR + _NOT_EXTENT)
_SINGLE = re.compile(r"(?<![\d/.-])" + _YEAR + _NOT_EXTENT + r"(?![/.-]\d)")
# Day-month-year and year-month-day dates: the year is the only part we keep.
_DMY = re.compile(r"(?<!\d)\d{1,2}[/.-]\d{1,2}[/.-]" + _YEAR + r"(?!\d)")
_YMD = re.compile(r"(?<!\d)" + _YEAR + r"[/.-]\d{1,2}(?:[/.-]\d{1,2})?(?!\d)")
_DECADE_WORDS = re.compile(
    r"(?:thap nien|nhung nam|annees|decade)\s+(1\d{2}|20\d)0(?!\d)|(?<!\d)(1\d{2}|20\d)0s\b"
)
_DECADE = re.compile(r"(?<!\d)(1\d{2}|20\d)(?:-|u)(?!\d)")
_CENTURY_DIGITS = re.compile(r"(?<!\d)(1\d|20)(?:--|uu)(?!\d)")
_ROMAN = {"x": 10, "xi": 11, "xii": 12, "xiii": 13, "xiv": 14, "xv": 15, "xvi": 16,
          "xvii": 17, "xviii": 18, "xix": 19, "xx": 20, "xxi": 21}  # fmt: skip
# "thế kỷ XIX", "thế kỉ 19", "TK XIX", French "XIXe siècle", each with an optional part.
_PART = r"(dau|giua|cuoi|nua dau|nua sau|debut du|milieu du|fin du)?\s*"
_CENTURY = re.compile(
    _PART + r"(?:the k[yi]|tk)\.?\s+([xvi]+|\d{2})\b" + r"|" + _PART + r"\b([xvi]+)e\s+siecle\b"
)
# Part of a century, as (first, last) offsets from its start: generous, so never wrong.
_PARTS = {
    None: (0, 100),
    "dau": (0, 35),
    "debut du": (0, 35),
    "nua dau": (0, 50),
    "giua": (30, 70),
    "milieu du": (30, 70),
    "nua sau": (50, 100),
    "cuoi": (65, 100),
    "fin du": (65, 100),
}
_ABOUT = re.compile(r"\b(?:khoang|chung|ca|circa|approx|vers|environ)\b\.?|~")


def _fold(value: str) -> str:
    text = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", text.lower()).strip()


def _clip(first: int, last: int) -> tuple[int, int] | None:
    first, last = max(first, EARLIEST), min(last, LATEST)
    return (first, last) if first <= last else None


def _centuries(text: str) -> tuple[int, int] | None:
    ranges = []
    for match in _CENTURY.finditer(text):
        part, token = (match.group(1), match.group(2)) if match.group(2) else match.group(3, 4)
        number = int(token) if token.isdigit() else _ROMAN.get(token)
        if number is None or not 10 <= number <= 21:
            continue
        start = (number - 1) * 100
        low, high = _PARTS[part.strip() if part else None]
        ranges.append((start + low, start + high))
    if not ranges:
        return None
    return min(r[0] for r in ranges), max(r[1] for r in ranges)


def year_range(value: str | None) -> tuple[int, int] | None:
    """Read a year range from a free-text date, or None when it names no year.

    "1975" → (1975, 1975); "[197-?]" → (1970, 1979); "[19--]" → (1900, 1999);
    "1998–2003" → (1998, 2003); "05/04/2003" → (2003, 2003); "thế kỷ XIX" → (1800, 1900);
    "đầu thế kỷ 20" → (1900, 1935); "khoảng 1930" → (1925, 1935); "[s.a.]" → None.
    Years lie within 1000..2100. Never raises.
    """
    if not value:
        return None
    text = _fold(value)
    if not text:
        return None
    span = _SPAN.search(text)
    if span:
        first, last = int(span.group(1)), int(span.group(2))
        # "1998-1995" is a typing error whose right reading we can't know.
        return _clip(first, last) if first <= last else None
    decade = _DECADE_WORDS.search(text) or _DECADE.search(text)
    if decade and not _SINGLE.search(_DECADE_WORDS.sub(" ", text)):
        start = int(next(group for group in decade.groups() if group)) * 10
        return _clip(start, start + 9)
    years = [int(m.group(1)) for m in _DMY.finditer(text)]
    years += [int(m.group(1)) for m in _YMD.finditer(_DMY.sub(" ", text))]
    years += [int(m.group(1)) for m in _SINGLE.finditer(text)]
    if years:
        first, last = min(years), max(years)
        if _ABOUT.search(text):
            return _clip(first - 5, last + 5)
        if re.search(_YEAR + r"\s*\?", text):
            return _clip(first - 2, last + 2)
        return _clip(first, last)
    century = _centuries(text)
    if century:
        return _clip(*century)
    hundred = _CENTURY_DIGITS.search(text)
    if hundred:
        start = int(hundred.group(1)) * 100
        return _clip(start, start + 99)
    return None
