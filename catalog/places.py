"""Recognise Mekong Delta places in subjects and coverage, and name their province then and now.

A document keeps the province it names ("Hậu Giang", "tỉnh Sa Đéc", "Soctrang"); each place is
also mapped to its province after the merger of 1 July 2025 (Resolution 202/2025/QH15), so a
search for today's Cần Thơ finds documents about Sóc Trăng and Hậu Giang. The names and their
sources are data: catalog/data/provinces.toml.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources


@dataclass(frozen=True, slots=True, kw_only=True)
class Place:
    """A place a document names, with the province it belonged to and the province of today."""

    name: str  # our spelling of the place: "Cần Thơ" for "Cantho" or "can tho"
    written: str  # as the document writes it, in NFC: "Cantho"
    province: str  # the province as the document knows it: "Sóc Trăng", "Hậu Giang", "Sa Đéc"
    province_today: str  # since 1 July 2025: "Cần Thơ"


@dataclass(frozen=True, slots=True)
class _Reading:
    province: str
    province_today: str
    needs_prefix: bool = False  # a province name only after "tỉnh" ("tỉnh Cửu Long")
    as_province: bool = False  # a former province: wins over a town of that name after "tỉnh"


@dataclass(frozen=True, slots=True)
class _Gazetteer:
    readings: dict[str, tuple[_Reading, ...]]  # by our spelling
    spellings: dict[str, str]  # casefolded written form with diacritics → our spelling
    pattern: re.Pattern[str]
    by_key: dict[str, tuple[str, ...]]  # folded, no spaces → our spellings ("Kiên", "Kiến")
    # The same language as ``pattern``, its names merged into a tree of shared prefixes: a
    # text it does not match names no place, found in a fifth of ``pattern``'s time.
    screen: re.Pattern[str]


# Words that introduce an administrative unit; "tỉnh" (province) also says which reading of a
# name that is both a town and a former province ("tỉnh Mỹ Tho") the document means.
_PROVINCE_WORDS = ("tinh", "province de", "province of", "province")
_UNIT_WORDS = ("thanh pho", "tp.", "tp", "thi xa", "huyen", "quan", "thi tran", "ville de")


class _FoldTable(dict[int, str]):
    """``str.translate`` table folding one character to one, filled as characters are met."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if ch in "đĐ":
            folded = "d"
        else:
            base = "".join(
                c for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c) != "Mn"
            ).lower()
            folded = base if len(base) == 1 else " "
        if len(self) < _FOLD_TABLE_SIZE:
            self[code] = folded
        return folded


# Vietnamese, French and English text uses a few hundred distinct characters; the cap keeps a
# harvested record full of rare ones from growing the table without end.
_FOLD_TABLE_SIZE = 4096
_FOLD_TABLE = _FoldTable()


def _fold_aligned(text: str) -> str:
    """Fold ``text`` (NFC) one character for one, so spans in the result match the original."""
    return text.translate(_FOLD_TABLE)


def _key(name: str) -> str:
    return _fold_aligned(unicodedata.normalize("NFC", name)).replace(" ", "")


@cache
def _gazetteer() -> _Gazetteer:
    """Load catalog/data/provinces.toml once, on first use."""
    raw = (resources.files("catalog") / "data" / "provinces.toml").read_text(encoding="utf-8")
    data = tomllib.loads(raw)
    readings: dict[str, list[_Reading]] = {}

    def add(name: str, reading: _Reading) -> None:
        readings.setdefault(name, []).append(reading)

    for province in data["province"]:
        name, today = province["name"], province["today"]
        add(name, _Reading(name, today, as_province=True))
        for place in province.get("places", ()):
            add(place, _Reading(name, today))
        for former in province.get("former", ()):
            add(former, _Reading(former, today, as_province=True))
        for former in province.get("prefixed", ()):
            add(former, _Reading(former, today, needs_prefix=True, as_province=True))
    spellings = {name.casefold(): name for name in readings}
    spellings.update(
        {written.casefold(): name for written, name in data.get("spellings", {}).items()}
    )
    by_key: dict[str, tuple[str, ...]] = {}
    for written, name in spellings.items():
        if name not in by_key.get(_key(written), ()):
            by_key[_key(written)] = (*by_key.get(_key(written), ()), name)
    # Longest first, so "Mỏ Cày Nam" wins over "Mỏ Cày" and "U Minh Thượng" over "U Minh".
    names = sorted(by_key, key=len, reverse=True)
    splits = [_split_key(k, spellings) for k in names]
    alternatives = "|".join(r"\s*".join(map(re.escape, words)) for words in splits)
    units = "|".join(re.escape(word) for word in _PROVINCE_WORDS + _UNIT_WORDS)
    pattern = re.compile(rf"(?<!\w)(?:({units})\s*)?({alternatives})(?!\w)")
    screen = re.compile(rf"(?<!\w)(?:(?:{units})\s*)?(?:{_prefix_tree(splits)})(?!\w)")
    return _Gazetteer(
        readings={name: tuple(found) for name, found in readings.items()},
        spellings=spellings,
        pattern=pattern,
        by_key=by_key,
        screen=screen,
    )


_SPACES = object()  # the token between two words of a name: any white space, or none


def _prefix_tree(names: list[list[str]]) -> str:
    """Return a regular expression matching exactly the ``names`` (each a list of words, its
    words separated by any white space or none), built as a tree of their shared prefixes so
    that each text position is tried against one character class, not every name."""
    tree: dict[object, dict] = {}  # type: ignore[type-arg]
    end = object()
    for words in names:
        node = tree
        for index, word in enumerate(words):
            if index:
                node = node.setdefault(_SPACES, {})
            for char in word:
                node = node.setdefault(char, {})
        node[end] = {}

    def regex(node: dict) -> str:  # type: ignore[type-arg]
        branches = [
            (r"\s*" if token is _SPACES else re.escape(str(token))) + regex(child)
            for token, child in node.items()
            if token is not end
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        if end in node:  # a name ends here, and longer ones go on
            return f"(?:{body})?"
        return body

    return regex(tree)


def _split_key(key: str, spellings: dict[str, str]) -> list[str]:
    """Return the folded words of the spelling whose key is ``key`` ("cantho" → ["can", "tho"])."""
    for written in spellings:
        if _key(written) == key:
            words = _fold_aligned(unicodedata.normalize("NFC", written)).split()
            if len(words) > 1:
                return words
    return [key]


def _name_written(surface: str, names: tuple[str, ...], spellings: dict[str, str]) -> str | None:
    """Return which of ``names`` the text really writes: capitalised, with its own diacritics."""
    words = surface.split()
    if not all(word[:1].isupper() for word in words):
        return None  # "bình minh" is dawn, "Bình Minh" the town
    if surface.isascii():
        return names[0]  # written without diacritics: "Can Tho", "Cantho"
    # Diacritics must be the name's own: "Ở Môn" is not "Ô Môn", "Kiên" is not "Kiến".
    written = spellings.get(" ".join(words).casefold())
    return written if written in names else None


_WHITE_SPACE = re.compile(r"\s+")
_ODD_SPACE = re.compile(r"[^\S ]| \s")  # white space other than single spaces


def recognise_places(texts: Iterable[str]) -> tuple[Place, ...]:
    """Return the Mekong Delta places named in ``texts`` (subjects, coverage), each once."""
    found: dict[Place, None] = {}
    for value in texts:
        read = _remembered_places_in if len(value) <= _REMEMBERED_LENGTH else _places_in
        found.update(dict.fromkeys(read(value)))
    return tuple(found)


def _places_in(value: str) -> tuple[Place, ...]:
    """Return the places named in one text, in order."""
    gazetteer = _gazetteer()
    found: list[Place] = []
    text = unicodedata.normalize("NFC", value)
    if _ODD_SPACE.search(text):
        text = _WHITE_SPACE.sub(" ", text)
    folded = _fold_aligned(text)
    for match in _matches(gazetteer, folded):
        unit, (start, end) = match.group(1), match.span(2)
        surface = text[start:end]
        names = gazetteer.by_key[folded[start:end].replace(" ", "")]
        name = _name_written(surface, names, gazetteer.spellings)
        if name is None:
            continue
        after_province_word = unit in _PROVINCE_WORDS
        readings = [
            r for r in gazetteer.readings[name] if after_province_word or not r.needs_prefix
        ]
        if not readings:
            continue
        if after_province_word and any(r.as_province for r in readings):
            readings = [r for r in readings if r.as_province]
        elif not after_province_word and any(not r.as_province for r in readings):
            readings = [r for r in readings if not r.as_province]
        reading = readings[0]
        found.append(
            Place(
                name=name,
                written=surface,
                province=reading.province,
                province_today=reading.province_today,
            )
        )
    return tuple(found)


def _matches(gazetteer: _Gazetteer, folded: str) -> Iterator[re.Match[str]]:
    """``gazetteer.pattern.finditer(folded)``, in a fraction of its time.

    The screen finds where the next match starts (both match the same language, so the
    leftmost place either can match at is the same), and the full pattern is tried there
    only: what it matches there is what finditer would. Its alternation tried at every
    position of a title costs more than the rest of reading the title's places.
    """
    position = 0
    while found := gazetteer.screen.search(folded, position):
        match = gazetteer.pattern.match(folded, found.start())
        if match is None:  # cannot happen while both are the same language
            raise AssertionError(f"the place screen and pattern disagree on {folded!r}")
        yield match
        position = match.end()


# Subjects and coverage repeat from record to record ("Địa chí", "Cần Thơ"), so the places of
# the last few thousand short values are remembered; titles, mostly unique, pass through.
_REMEMBERED_LENGTH = 200
_remembered_places_in = lru_cache(maxsize=4096)(_places_in)


def provinces_today(places: Iterable[Place]) -> tuple[str, ...]:
    """Return the provinces of today that ``places`` lie in, each once, in order."""
    return tuple(dict.fromkeys(place.province_today for place in places))
