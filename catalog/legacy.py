"""Repair Vietnamese typed in TCVN3 (ABC) or VNI and read as Latin-1/CP1252 (mojibake).

Old records were typed in 8-bit Vietnamese fonts; a later export read those bytes as CP1252,
so "Việt Nam" arrives as "ViÖt Nam" (TCVN3) or "Vieät Nam" (VNI). A value is converted only
when it cannot be genuine text and its conversion is wholly Vietnamese: a string holding any
letter outside CP1252 (ệ, ơ, đ...) is Unicode already, and French or English stays as it is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# TCVN 5712:1993 (VN1, a superset of the VN3 "ABC" fonts), bytes 0x80-0xFF; "." marks a byte
# that is not a letter (0xA0 no-break space, 0xB0-0xB4 the rarely used combining tone marks,
# kept as they are because "°" and "±" are common in clean text). Taken from glibc's
# TCVN5712-1 charmap (`iconv -f TCVN5712-1`), and checked against the lower-case table that
# Vietnamese converters share ("µ¸¶·¹¨»¾¼½Æ©ÇÊÈÉË®ÌÐÎÏÑª..." → "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹê...",
# e.g. the TCVN3 table in khiemdoan/VBKey Modules/mdlCodeTable.bas).
_TCVN3_HIGH = (
    "ÀẢÃÁẠẶẬÈẺẼÉẸỆÌỈĨ"  # 0x80
    "ÍỊÒỎÕÓỌỘỜỞỠỚỢÙỦŨ"  # 0x90
    ".ĂÂÊÔƠƯĐăâêôơưđẰ"  # 0xa0
    ".....àảãáạẲằẳẵắẴ"  # 0xb0
    "ẮẦẨẪẤỀặầẩẫấậèỂẻẽ"  # 0xc0
    "éẹềểễếệìỉỄẾỒĩíịò"  # 0xd0
    "Ổỏõóọồổỗốộờởỡớợù"  # 0xe0
    "ỖủũúụừửữứựỳỷỹýỵỐ"  # 0xf0
)


def _misread(byte: int) -> tuple[str, ...]:
    """Return the characters a byte becomes when read as CP1252 or as Latin-1."""
    latin1 = chr(byte)
    try:
        cp1252 = bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D are undefined in CP1252
        return (latin1,)
    return (cp1252,) if cp1252 == latin1 else (cp1252, latin1)


_TCVN3: dict[str, str] = {
    seen: letter
    for offset, letter in enumerate(_TCVN3_HIGH)
    if letter != "."
    for seen in _misread(0x80 + offset)
}

# VNI-Windows writes a base letter and then one byte for its marks (the font draws them over
# the letter); đ/Đ, ơ/Ơ, ư/Ư and some i/y forms are single bytes. Rules from the VNI table in
# lamdao/xvnkb vni.h (e.g. "aù"=á, "aâ"=â, "aá"=ấ, "aê"=ă, "aé"=ắ, "ô"=ơ, "ö"=ư, "ñ"=đ).
_VNI_TONES = {"ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_VNI_HAT = {"â": "", "á": "\u0301", "à": "\u0300", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
_VNI_BREVE = {"ê": "", "é": "\u0301", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}
_VNI_SINGLE = {"ñ": "đ", "ô": "ơ", "ö": "ư", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ"}


def _vni_tables() -> tuple[dict[str, str], dict[str, str]]:
    pairs: dict[str, str] = {}
    for base in ("a", "e", "o", "u", "y", "ô", "ö"):
        letter = _VNI_SINGLE.get(base, base)
        for mark, tone in _VNI_TONES.items():
            pairs[base + mark] = letter + tone
    for base in ("a", "e", "o"):
        for mark, tone in _VNI_HAT.items():
            pairs[base + mark] = base + "\u0302" + tone
    for mark, tone in _VNI_BREVE.items():
        pairs["a" + mark] = "a\u0306" + tone
    pairs.pop("yï")  # ỵ is the single byte "î"; "y" + "ï" is not written
    lower = {key: unicodedata.normalize("NFC", value) for key, value in pairs.items()}
    table = dict(lower)
    for key, value in lower.items():
        # Upper-case letters take upper-case marks ("AÙ"); a title-cased word written with
        # a lower-case mark after a capital ("Aán") is read the same way.
        table[key[0].upper() + key[1].upper()] = value.upper()
        table[key[0].upper() + key[1]] = value.upper()
    single = dict(_VNI_SINGLE)
    single.update({key.upper(): value.upper() for key, value in _VNI_SINGLE.items()})
    return table, single


_VNI_PAIRS, _VNI_SINGLES = _vni_tables()

# Characters that CP1252 or Latin-1 can produce: a string with any other non-ASCII character
# was never an 8-bit string misread, so it is left alone.
_MISREAD = frozenset(ch for byte in range(0x80, 0x100) for ch in _misread(byte))
_ASCII_OR_MISREAD = _MISREAD | frozenset(map(chr, range(0x80)))

# Vietnamese syllable = onset + rhyme + at most one tone; p/t/c/ch endings take only the
# acute or dot-below tone. Written for the "is this plausible Vietnamese?" test, not as a
# full phonology: lenient where it costs nothing (k/c, g/gh spelling rules are not enforced).
_ONSETS = "b c ch d đ g gh gi h k kh l m n ng ngh nh p ph q qu r s t th tr v x"
_RHYMES = """
a ac ach ai am an ang anh ao ap at au ay ăc ăm ăn ăng ăp ăt
âc âm ân âng âp ât âu ây e ec em en eng eo ep et ê êch êm ên ênh êp êt êu
i ia ich im in inh ip it iu iêc iêm iên iêng iêp iêt iêu
o oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt
oc oe oem oen oeo oet oi om on ong ooc oong op ot ô ôc ôi ôm ôn ông ôp ôt ơ ơi ơm ơn ơp ơt
u ua uân uâng uât uây uc ui um un ung uôc uôi uôm uôn uông uôt up ut
uy uya uych uyên uyêt uynh uyt uyu uê uêch uênh uơ
uan uang uanh uat uay uăc uăn uăng uăt uen ueo uet ui
ư ưa ưc ưi ưm ưn ưng ươc ươi ươm ươn ương ươp ươt ươu ưt ưu
y yêm yên yêt yêu ynh yt
"""
_SYLLABLE = re.compile(
    "(?:" + "|".join(sorted(_ONSETS.split(), key=len, reverse=True)) + ")?"
    "(" + "|".join(sorted(set(_RHYMES.split()), key=len, reverse=True)) + ")"
)
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_STOPPED = ("p", "t", "c", "ch")
_LETTERS = re.compile(r"[^\W\d_]+")
_GLUED = re.compile(
    "[^\\W\\d_]["
    + re.escape("".join(sorted(ch for ch in _MISREAD if not ch.isalpha() and not ch.isspace())))
    + "]"
)
# Vietnamese words of one letter; only these may stand for a lone symbol ("™" → "Ở").
_ONE_LETTER_WORDS = frozenset("àáạảôồơờởừưýÔỒƠỜỞỪƯÝÀÁẠẢ")


def is_vietnamese_syllable(word: str) -> bool:
    """Tell whether ``word`` is spelt as one Vietnamese syllable ("Thơ", "nghiêng", "CẦN")."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = [ch for ch in decomposed if ch in _TONES]
    if len(tones) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    match = _SYLLABLE.fullmatch(bare)
    if match is None:
        return False
    if tones and match.group(1).endswith(_STOPPED):
        return tones[0] in ("\u0301", "\u0323")
    return True


def _plausible(word: str) -> bool:
    # Acronyms such as "ĐBSCL" or "UBND" sit among syllables in Vietnamese titles.
    if len(word) > 1 and word.isupper() and all(ch.isascii() or ch == "Đ" for ch in word):
        return True
    return is_vietnamese_syllable(word)


def _decode_tcvn3(text: str) -> str:
    return "".join(_TCVN3.get(ch, ch) for ch in text)


def _decode_vni(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        pair = _VNI_PAIRS.get(text[i : i + 2])
        if pair is not None:
            out.append(pair)
            i += 2
            continue
        out.append(_VNI_SINGLES.get(text[i], text[i]))
        i += 1
    return "".join(out)


_DECODERS = (("tcvn3", _decode_tcvn3), ("vni", _decode_vni))


def _suspicious(token: str) -> bool:
    """Tell whether a token holds a non-ASCII word that is not Vietnamese, or a symbol glued
    to a letter the way TCVN3 bytes read as CP1252 are ("S¬n", "ng÷")."""
    if _GLUED.search(token):
        return True
    return any(not word.isascii() and not _plausible(word) for word in _LETTERS.findall(token))


def _convert(tokens: list[str], decode: Callable[[str], str]) -> str | None:
    """Decode each token; None unless every changed token reads as Vietnamese."""
    converted = []
    for token in tokens:
        if token.isascii():
            converted.append(token)
            continue
        new = decode(token)
        if not any(ch.isalpha() for ch in token):
            # A lone symbol ("–", "«", "©") is punctuation unless it reads as a one-letter word.
            converted.append(new if new in _ONE_LETTER_WORDS else token)
            continue
        if new != token:
            words = _LETTERS.findall(new)
            if not words or not all(_plausible(word) for word in words):
                return None
        converted.append(new)
    if any(_suspicious(token) for token in converted):
        return None
    return unicodedata.normalize("NFC", "".join(converted))


def _repair(value: str) -> tuple[str | None, str]:
    """Return the encoding found (or None) and the text, converted when one was found."""
    text = unicodedata.normalize("NFC", value)
    if text.isascii() or not _ASCII_OR_MISREAD.issuperset(text):
        return None, text
    tokens = re.split(r"(\s+)", text)
    if not any(_suspicious(token) for token in tokens):
        return None, text
    found = [
        (name, converted)
        for name, decode in _DECODERS
        if (converted := _convert(tokens, decode)) is not None
    ]
    # Both readings valid happens only for tiny strings; guessing would risk a wrong change.
    return found[0] if len(found) == 1 else (None, text)


def detect_legacy(value: str) -> str | None:
    """Return "tcvn3" or "vni" when ``value`` is that encoding misread as CP1252, else None."""
    return _repair(value)[0]


def fix_legacy(value: str) -> str:
    """Return ``value`` in NFC, converted to Unicode if it is misread TCVN3 or VNI text.

    "ViÖt Nam" → "Việt Nam", "Ñoàng Thaùp" → "Đồng Tháp"; clean Vietnamese, French and
    English come back unchanged (in NFC).
    """
    return _repair(value)[1]
