"""Vietnamese alphabetical order: a sort key for a title, compared as plain code points.

Word by word, as Vietnamese dictionaries sort (Hoàng Phê's Từ điển tiếng Việt): a word's
letters in the order of the alphabet (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư
v x y; the f, j, w and z of foreign words at their Latin places), then its tone (level, huyền,
hỏi, ngã, sắc, nặng), then the next word. So "ma" < "ma cà rồng" < "mà" < "má" < "mác", and
"An Giang" < "Ăn" < "Ấp" < "Bạc Liêu" < "Dương" < "Đồng Tháp". Case and punctuation are
ignored, numbers compare by value ("Tập 2" < "Tập 10") before letters, and other scripts
(Khmer, Chinese) follow the Latin letters in code point order.
"""

from __future__ import annotations

import re
import unicodedata

from index.text import prepare

ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
# Code points of the key: word separator < tones < digits < letters < other scripts, so a
# shorter word sorts before a longer one that starts with it ("ma" < "mac"), and tones
# decide only between words with the same letters.
_SEPARATOR = " "
_TONE_MARKS = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_TONES = '!"#$%&'  # level, huyền, hỏi, ngã, sắc, nặng
_LETTERS = {letter: chr(0x41 + place) for place, letter in enumerate(ALPHABET)}
_MODIFIERS = frozenset("\u0302\u0306\u031b")  # circumflex, breve, horn: â ă ê ô ơ ư
_DIGITS = 12  # numbers are zero-padded to this width so that they compare by value
_PARTS = re.compile(r"\d+|\D")
_WORDS = re.compile(r"[^\W_]+")


def sort_key(text: str | None) -> str:
    """Return the key that puts ``text`` in Vietnamese alphabetical order (see the module).

    The empty key ("") belongs to a text without any letter or digit; callers decide where
    those go. Never raises: titles are harvested, untrusted text.
    """
    if not text:
        return ""
    words = _WORDS.findall(prepare(text).casefold())
    return _SEPARATOR.join(_word_key(word) for word in words)


def _word_key(word: str) -> str:
    letters: list[str] = []
    tones: list[str] = []
    for part in _PARTS.findall(unicodedata.normalize("NFD", word)):
        if part.isdigit():
            letters.append(part.zfill(_DIGITS) if part.isascii() else part)
            continue
        tone = _TONE_MARKS.get(part)
        if tone is not None:
            tones.append(_TONES[tone])
        elif part in _MODIFIERS and letters:
            # NFD puts the modifier after the letter (and sometimes after a dot below).
            modified = unicodedata.normalize("NFC", _base(letters[-1]) + part)
            letters[-1] = _LETTERS.get(modified, letters[-1])
        elif not unicodedata.combining(part):
            letters.append(_LETTERS.get(part, part))
    return "".join(letters) + ("".join(tones) or _TONES[0])


def _base(code: str) -> str:
    """Return the plain letter a key letter stands for ("A" → "a"), or the character itself."""
    place = ord(code) - 0x41
    return ALPHABET[place] if len(code) == 1 and 0 <= place < len(ALPHABET) else code
