"""Value helpers every metadata mapper shares: unique cleaned values, language codes,
identifiers and ISBNs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from catalog.normalize import clean_text, isbn13, strip_isbd

# Language names and ISO 639-1/639-2B codes members use, to ISO 639-3.
_LANGUAGES = {
    "vi": "vie", "vie": "vie", "tiếng việt": "vie", "vietnamese": "vie", "việt": "vie",
    "fr": "fra", "fre": "fra", "fra": "fra", "tiếng pháp": "fra", "french": "fra",
    "français": "fra", "en": "eng", "eng": "eng", "english": "eng", "tiếng anh": "eng",
    "km": "khm", "khm": "khm", "tiếng khmer": "khm", "khmer": "khm",
    "zh": "zho", "chi": "zho", "zho": "zho", "tiếng hoa": "zho", "chinese": "zho",
    "hán nôm": "vie",
}  # fmt: skip


# Types, formats, languages, subjects, publishers and rights repeat from record to record, so
# short values come cleaned from memory.
_remembered_clean_text = lru_cache(maxsize=4096)(clean_text)


def unique_values(items: Iterable[str | None], *, isbd: bool = False) -> tuple[str, ...]:
    """Cleaned (or ISBD-stripped, for MARC) non-empty values, first occurrence kept."""
    seen: dict[str, None] = {}
    for item in items:
        value = strip_isbd(item) if isbd else clean_text_remembered(item)
        if value:
            seen.setdefault(value)
    return tuple(seen)


def clean_text_remembered(value: str | None) -> str | None:
    """``catalog.normalize.clean_text``, remembered for short values."""
    if value is not None and len(value) <= 80:
        return _remembered_clean_text(value)
    return clean_text(value)


def language_codes(values: Iterable[str]) -> tuple[str, ...]:
    """Language names, 639-1/639-2B codes and locale tags to unique ISO 639-3 codes."""

    def code(value: str) -> str:
        key = value.strip().lower()
        # Locale tags as DSpace writes them ("en_US", "vi-VN") name the language first.
        return _LANGUAGES.get(key) or _LANGUAGES.get(_LOCALE_SEPARATOR.split(key)[0]) or key

    codes = (code(value) for value in values)
    return tuple(dict.fromkeys(code for code in codes if _THREE_LETTERS.fullmatch(code)))


_LOCALE_SEPARATOR = re.compile(r"[_-]")
_THREE_LETTERS = re.compile(r"[a-z]{3}")


def split_joined(values: Iterable[str]) -> tuple[str, ...]:
    """Split values CONTENTdm joins with ";" ("Cần Thơ; Sóc Trăng") into one value each."""
    return unique_values(part for value in values for part in value.split(";"))


_ISBN_LIKE = re.compile(r"[\d\- X]{10,17}")


def identifiers_and_isbns(values: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The identifiers as given, and the valid ISBNs among them as ISBN-13."""
    isbns = tuple(
        dict.fromkeys(
            code
            for value in values
            if "isbn" in value.lower() or _ISBN_LIKE.fullmatch(value)
            for code in [isbn13(value)]
            if code
        )
    )
    return values, isbns


_IMAGE = re.compile(r"\.(?:jpe?g|png|gif|webp)(?:$|[?#])|thumb", re.IGNORECASE)


def thumbnail_of(urls: Iterable[str]) -> str | None:
    """The first http(s) URL among ``urls`` that names an image (a file type or "thumb")."""
    for url in urls:
        url = url.strip()
        if url.lower().startswith(("http://", "https://")) and _IMAGE.search(url.split("/", 3)[-1]):
            return url
    return None
