"""Pure normalisers for harvested values: Unicode, whitespace, punctuation, ISBNs, kinds.

Dates live in catalog.dates, legacy encodings in catalog.legacy, places in catalog.places and
clustering in catalog.merge; ``year_range`` and ``work_key`` stay importable from here.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from catalog.dates import year_range

__all__ = ["clean_text", "fold", "isbn13", "kind_of", "strip_isbd", "work_key", "year_range"]

# ISBD punctuation that ends a MARC subfield: " /", " :", " ;", " =", "," and a final "."
_ISBD_TAIL = re.compile(r"\s*[/:;=,]\s*$")
_FINAL_PERIOD = re.compile(r"\.$")
# A final period that belongs to the word: an initial ("Nguyễn V.") or a cataloguing abbreviation.
_ABBREVIATION = re.compile(r"(?:^|\s)(?:\w|tr|t|nxb|s\.l|s\.n|v\.v|etc|ed|éd|vol|no|tp)\.$", re.I)


def clean_text(value: str | None) -> str | None:
    """Return ``value`` in NFC with whitespace collapsed, or None when nothing is left."""
    if value is None:
        return None
    # str.split() splits on exactly the characters \s matches (both use str.isspace).
    text = " ".join(unicodedata.normalize("NFC", value).split())
    return text or None


def strip_isbd(value: str | None) -> str | None:
    """Strip ISBD punctuation that ends a MARC value ("Cần Thơ :" → "Cần Thơ").

    Initials and cataloguing abbreviations ("Nguyễn V.", "tr.", "Nxb.") keep their period.
    """
    text = clean_text(value)
    if text is None:
        return None
    previous = None
    while previous != text:
        previous = text
        text = _ISBD_TAIL.sub("", text)
        if not _ABBREVIATION.search(text):
            text = _FINAL_PERIOD.sub("", text)
    return text.strip() or None


def fold(value: str) -> str:
    """Return ``value`` lower-cased, without diacritics, đ/Đ as d ("Đồng Tháp" → "dong thap")."""
    text = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    return " ".join(text.translate(_NO_MARKS).lower().split())


class _MarkTable(dict[int, int | None]):
    """``str.translate`` table dropping combining marks (category Mn), filled as met."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.category(chr(code)) == "Mn" else code
        if len(self) < 4096:  # a record full of rare characters must not grow it without end
            self[code] = kept
        return kept


_NO_MARKS = _MarkTable()


def isbn13(value: str) -> str | None:
    """Return the ISBN-13 for a valid ISBN-10 or ISBN-13 found in ``value``, else None."""
    match = re.search(r"(97[89][\d -]{10,14}|[\d][\d -]{8,11}[\dXx])", value)
    if not match:
        return None
    digits = re.sub(r"[^\dXx]", "", match.group(1)).upper()
    if len(digits) == 10:
        if "X" in digits[:9]:
            return None
        total = sum((10 - i) * (10 if ch == "X" else int(ch)) for i, ch in enumerate(digits))
        if total % 11:
            return None
        digits = "978" + digits[:9]
        return digits + _isbn13_check(digits)
    if len(digits) == 13 and digits.isdigit() and digits[:3] in ("978", "979"):
        return digits if _isbn13_check(digits[:12]) == digits[12] else None
    return None


def _isbn13_check(first12: str) -> str:
    total = sum((1 if i % 2 == 0 else 3) * int(ch) for i, ch in enumerate(first12))
    return str((10 - total % 10) % 10)


# Words members use for a resource's kind, folded, to the controlled vocabulary in models.KINDS.
# Checked in order: "moving image" is a video before "image" makes it a photograph.
_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("audio", ("audio", "sound", "am thanh", "ghi am")),
    ("video", ("video", "moving image", "movingimage", "phim")),
    ("map", ("map", "maps", "ban do", "cartographic", "carte", "cartes", "atlas")),
    (
        "photograph",
        (
            "photo",
            "photos",
            "photograph",
            "photographs",
            "anh",
            "image",
            "still image",
            "stillimage",
            "hinh",
            "hinh anh",
        ),
    ),
    (
        "newspaper",
        ("newspaper", "newspapers", "bao", "periodical", "tap chi", "serial", "journal", "bao chi"),
    ),
    (
        "manuscript",
        (
            "manuscript",
            "manuscripts",
            "viet tay",
            "han nom",
            "thu tich",
            "gia pha",
            "ban thao",
            "sac phong",
        ),
    ),
    ("article", ("article", "bai bao", "bai viet")),
    ("book", ("book", "books", "sach", "text", "monograph", "van ban", "livre")),
)


def kind_of(values: tuple[str, ...] | list[str]) -> str:
    """Map a member's type words ("Bản đồ", "Still Image", "Sách") to one of models.KINDS."""
    for value in values:
        kind = (_remembered_kind_of if len(value) <= 100 else _kind_of)(value)
        if kind is not None:
            return kind
    return "other"


def _kind_of(value: str) -> str | None:
    words = f" {_NOT_LETTER.sub(' ', fold(value))} "
    for kind, needles in _KIND_WORDS:
        if any(f" {needle} " in words for needle in needles):
            return kind
    return None


_NOT_LETTER = re.compile(r"[^a-z ]")
# Members repeat a handful of type words in every record, so their kinds are remembered.
_remembered_kind_of = lru_cache(maxsize=1024)(_kind_of)


def work_key(
    title: str | None,
    creators: tuple[str, ...],
    isbns: tuple[str, ...],
    *,
    kind: str | None = None,
    identifiers: tuple[str, ...] = (),
) -> str:
    """Return the key that groups the records of one work; see ``catalog.merge.work_key``."""
    # Imported here: catalog.merge imports this module for `fold`.
    from catalog.merge import work_key as merge_work_key

    return merge_work_key(title, creators, isbns, kind=kind, identifiers=identifiers)
