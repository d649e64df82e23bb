"""Text preparation before analysis: NFC and one tone-mark placement for oa, oe and uy.

Done before the writer, not in a custom Whoosh filter: the schema is pickled into the index,
so the analyzers stay stock ones.
"""

from __future__ import annotations

import re
import unicodedata

_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
# A syllable ending in oa, oe or uy, with its tone mark on the last vowel ("hoà", "thuỷ"),
# not after "q" ("quý" is the same in both conventions). The vowel carries no other mark:
# in NFD the dot below comes before a breve, so "hoặc" (a, dot, breve, c) is not "hoà".
_NEW_STYLE = re.compile(
    rf"(?<![qQ])([oOuU])([aAeEyY])([{_TONES}])(?![\w\u0300-\u036f])",
)


def prepare(text: str) -> str:
    """Return ``text`` in NFC with tone marks placed the traditional way (hoà → hòa).

    Both placements are in wide use; indexing one of them lets "Thanh Hoá" match the exact
    field of "Thanh Hóa". Syllables with a final consonant ("hoàn", "thuyền") are untouched.
    """
    decomposed = unicodedata.normalize("NFD", text)
    if any(mark in decomposed for mark in _TONES):
        decomposed = _NEW_STYLE.sub(_move_tone, decomposed)
    return unicodedata.normalize("NFC", decomposed)


def _move_tone(match: re.Match[str]) -> str:
    first, second, tone = match.groups()
    pair = (first + second).lower()
    if pair not in ("oa", "oe", "uy"):
        return match.group(0)
    return first + tone + second
