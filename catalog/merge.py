"""Group the records of one work held by several libraries: a cluster key, and a pairwise check.

After NatLibFi's RecordManager (DedupHandler: ISBN keys, then a title key with the main
author; matchRecords vetoes): the key is a serial's ISSN, else the ISBN-13, else the kind, the
folded title proper and the first creator's full name, with the volume when the title names one.
``same_work`` verifies a pair: it vetoes differing kinds, volumes, numbers in the titles,
edition statements, ISSNs, ISBNs, translators and creators, and years more than two apart.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from catalog.models import Record
from catalog.normalize import fold

# Articles that open French and English titles, matched before folding so that Vietnamese
# words that fold alike ("Lê", "Lá", "Thế") stay; "An" is left out (An Giang, An Xuyên).
# Matched on the title's words (punctuation gone: "L'Annam" is "L Annam").
_ARTICLE = re.compile(r"^(?:the|a|les?|la|une?|l)\s+", re.IGNORECASE)
# What separates a title proper from its subtitle, parallel title or statement (ISBD).
_TITLE_PROPER = re.compile(r"\s+[:;=/](?:\s|$)|[:;]\s")
# What ends the title and its subtitle: a parallel title (" = "), a statement of
# responsibility (" / "), or ISBD's ". - " that opens the edition or publication area.
_TITLE_END = re.compile(r"\s+[=/](?:\s|$)")
_NEXT_AREA = re.compile(r"\.\s+[-–—]\s")
_LETTER = re.compile(r"[^\W\d_]")
# Life dates after a MARC name ("Sơn Nam, 1926-2008.", "Trương Vĩnh Ký (1837-1898)").
_DATES = re.compile(r",?\s*\(?\s*(?:[bs]\.\s*|d\.\s*|ca?\.\s*)?\d{3,4}\??\s*-\s*(?:\d{3,4}\??)?\)?")
# Roles cataloguers append to names, folded ("chủ biên" → "chu bien").
# Matched as whole words at the end of the name, after punctuation became spaces.
_ROLES = (
    "chu bien", "ch b", "bien soan", "b s", "bien tap", "dich", "hieu dinh", "tac gia",
    "suu tam", "s t", "gioi thieu", "tuyen chon", "hieu chu", "minh hoa", "chup anh", "ed",
    "eds", "editor", "edited by", "trans", "translator", "photographer", "author", "auteur",
    "dir", "sous la direction de",
)  # fmt: skip
_ROLE = re.compile(r"(?:^|\s)(?:" + "|".join(re.escape(role) for role in _ROLES) + r")$")
_TRANSLATED = re.compile(
    r"(?:^|\s)(?:dich|trans|translated by|translator|traduit par|trad)(?=\s|$)"
)
# A volume, part, map sheet or issue, in folded words: "T.1" is "t 1", "Tập II" is "tap ii",
# "Tập thượng" is "tap thuong", "số 1234" is "so 1234", "Feuille 215" is "feuille 215".
# Parts end the title proper; an issue number ("An Hà báo, số 252") belongs to it.
_PARTS = (
    r"(?:tap|t|quyen|cuon|phan|vol|volume|tome|part)\s+(\d+|[ivxl]{1,6})"
    r"|(?:feuille|sheet)\s+(\d+)|(?:tap|quyen|cuon)\s+(thuong|trung|ha)"
)
_PART = re.compile(rf"(?:^|\s)(?:{_PARTS})(?=\s|$)")
_VOLUME = re.compile(rf"(?:^|\s)(?:{_PARTS}|(?:so|no)\s+(\d+))(?=\s|$)")
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50}
# Edition statements in folded words. "Tái bản lần thứ N" is the (N+1)th edition: the first
# re-edition is the second. "Xuất bản năm 2009" names a year, so a number needs "lần".
_NUMBER = r"(\d{1,2}|nhat|dau|mot|hai|ba|tu|bon|nam|sau|bay|tam|chin|muoi)"
_ORDINAL = r"(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)"
_ORDINAL_FR = r"(premiere|deuxieme|seconde|troisieme|quatrieme|cinquieme|sixieme)"
_NUMBERS = {"nhat": 1, "dau": 1, "mot": 1, "hai": 2, "ba": 3, "tu": 4, "bon": 4, "nam": 5,
            "sau": 6, "bay": 7, "tam": 8, "chin": 9, "muoi": 10, "first": 1, "second": 2,
            "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
            "ninth": 9, "tenth": 10, "premiere": 1, "deuxieme": 2, "seconde": 2,
            "troisieme": 3, "quatrieme": 4, "cinquieme": 5, "sixieme": 6}  # fmt: skip
_EDITIONS = (  # (pattern, what to add to the number it captures)
    (re.compile(rf"\b(?:tai ban lan|lan tai ban) (?:thu )?{_NUMBER}\b"), 1),
    (re.compile(rf"\b(?:(?:in|xuat ban) lan|lan (?:in|xuat ban)) (?:thu )?{_NUMBER}\b"), 0),
    (re.compile(rf"\b(?:(\d{{1,2}}) ?(?:st|nd|rd|th)|{_ORDINAL}) ed(?:ition)?\b"), 0),
    (re.compile(rf"\b(?:(\d{{1,2}}) ?(?:e|eme|ere|re|de)|{_ORDINAL_FR}) ed(?:ition)?\b"), 0),
)
# A later edition whose number is not given ("tái bản có sửa chữa", "édition revue").
_LATER_EDITION = re.compile(
    r"\btai ban\b|\b(?:nouvelle|new|revised|rev|updated|enlarged) ed(?:ition)?\b"
    r"|\bed(?:ition)? (?:revue|augmentee|corrigee|mise a jour)\b|\bsua chua bo sung\b"
)
_CONJUNCTIONS = frozenset({"va", "and", "et"})  # "&" is dropped with the punctuation
_ISSN = re.compile(r"(?<![\dX])(\d{4})\s?-?\s?(\d{3}[\dX])(?![\dX])")
_SERIAL = "newspaper"  # the kind whose ISSN names the work; an article's ISSN is its journal's
_YEARS_APART = 2  # RecordManager rejects any year difference; catalogues disagree by one or two
# Raise when work_key's output changes for any record: the store re-keys every stored record
# once when it opens a catalog keyed by another version.
WORK_KEY_VERSION = 3


_NOT_WORD = re.compile(r"[^\w]+|_")


def _plain_words(value: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", value).split())


# Titles share most of their words, so what word splitting and folding make of each
# white-space-separated word is remembered, and a value's result is joined from its words'.
# Both work word by word: white space only ever separates words, before and after (folding
# lower-cases a final sigma by its word alone, as white space is neither cased nor ignorable).
# Values longer than _REMEMBERED_VALUE_LENGTH are worked out whole, which bounds the memory.
_REMEMBERED_VALUE_LENGTH = 200
_word_parts = lru_cache(maxsize=4096)(_plain_words)
_folded_word = lru_cache(maxsize=4096)(fold)


def _words(value: str) -> str:
    """The word characters of ``value``, single-spaced: all else (and "_") separates words."""
    if len(value) > _REMEMBERED_VALUE_LENGTH:
        return _plain_words(value)
    return " ".join(filter(None, map(_word_parts, value.split())))


def _fold(value: str) -> str:
    """``catalog.normalize.fold``, word by word from memory."""
    if len(value) > _REMEMBERED_VALUE_LENGTH:
        return fold(value)
    return " ".join(filter(None, map(_folded_word, value.split())))


def _clean(title: str | None) -> str:
    # str.split() splits on exactly the characters \s matches (both use str.isspace).
    text = " ".join(unicodedata.normalize("NFC", title or "").split())
    return _NEXT_AREA.split(text, maxsplit=1)[0] if "." in text else text


def _cut(text: str, pattern: re.Pattern[str] | None) -> str:
    """Cut folded words where a volume or an edition statement starts (not at the start)."""
    match = pattern.search(text) if pattern is not None else None
    return text[: match.start()].strip() if match and match.start() > 0 else text


# Every edition pattern needs one of these words: most titles are passed over with four
# substring tests instead of five regular expressions (keys are made for every record stored).
_EDITION_WORDS = ("lan", "ed", "tai ban", "sua chua")


def _edition_start(text: str) -> re.Pattern[str] | None:
    if not any(word in text for word in _EDITION_WORDS):
        return None
    for pattern, _ in _EDITIONS:
        if pattern.search(text):
            return pattern
    return _LATER_EDITION


def title_key(title: str | None) -> str:
    """Fold a title proper for matching: no subtitle, part, edition, ISBD marks, article.

    "Địa chí Cần Thơ : tập 1 /" → "dia chi can tho"; "Le delta du Mékong" → "delta du mekong".
    A subtitle of numbers only stays: "Niên giám thống kê : 2018" is the 2018 yearbook.
    """
    return _key_of(_clean(title))


def _key_of(text: str) -> str:
    """``title_key`` of a title already through ``_clean``."""
    parts = _TITLE_PROPER.split(text)
    proper = parts[0]
    for part in parts[1:]:
        if _LETTER.search(part):
            break
        proper = f"{proper} {part}"
    key = _fold(_ARTICLE.sub("", _words(proper))) or _fold(_words(proper))
    key = _cut(_cut(key, _PART), _edition_start(key))
    return key or _fold(_words(text))


def creator_key(name: str | None) -> str:
    """Normalise a name for matching: no life dates, roles or punctuation; inversion undone.

    "Sơn Nam, 1926-2008." and "Sơn Nam" → "nam son"; "Nguyễn, Văn An" and "Nguyễn Văn An" →
    "an nguyen van". The whole name is kept: a family name alone (Nguyễn) says almost nothing.
    """
    # Names repeat from record to record (a library's authors), so short ones are remembered.
    if name is not None and len(name) <= _REMEMBERED_NAME_LENGTH:
        return _remembered_creator_key(name)
    return _creator_key(name)


def _creator_key(name: str | None) -> str:
    text = _words(_DATES.sub(" ", fold(unicodedata.normalize("NFC", name or ""))))
    previous = None
    while previous != text:
        previous = text
        text = _ROLE.sub("", text).strip()
    # Token order is dropped so "Dupont, Jean" meets "Jean Dupont" and "Nguyễn, Văn A" meets
    # "Nguyễn Văn A"; the full set of tokens stays, so "Nguyễn Văn An" ≠ "Nguyễn Văn Anh".
    return " ".join(sorted(text.split()))


_REMEMBERED_NAME_LENGTH = 200
_remembered_creator_key = lru_cache(maxsize=4096)(_creator_key)


def issns(identifiers: tuple[str, ...]) -> tuple[str, ...]:
    """Return the valid ISSNs ("1859-6738") in identifiers that are or name an ISSN.

    Read from "ISSN 1859-6738", "urn:ISSN:1859-6738", "ISSN: 18596738" and a bare
    "1859-6738"; a wrong check digit means a typing error, so the value is left out.
    """
    found: dict[str, None] = {}
    for value in identifiers:
        text = value.upper()
        if "ISSN" not in text and not re.fullmatch(r"\s*\d{4}-\d{3}[\dX]\s*", text):
            continue
        for first, last in _ISSN.findall(text):
            digits = first + last
            total = sum((8 - i) * int(ch) for i, ch in enumerate(digits[:7]))
            check = (11 - total % 11) % 11
            if digits[7] == ("X" if check == 10 else str(check)):
                found.setdefault(f"{first}-{last}")
    return tuple(found)


def _roman(value: str) -> int | None:
    numbers = [_ROMAN[ch] for ch in value]
    total = sum(-n if i + 1 < len(numbers) and n < numbers[i + 1] else n
                for i, n in enumerate(numbers))  # fmt: skip
    return total if 0 < total < 100 else None


def _volume_text(match: re.Match[str]) -> str:
    value = next(group for group in match.groups() if group)
    if value.isdigit():
        return str(int(value))
    number = _roman(value) if set(value) <= set(_ROMAN) else None
    return str(number) if number is not None else value


@dataclass(frozen=True, slots=True)
class _Title:
    """What same_work compares in a title."""

    key: str  # title_key
    full: str  # title and subtitle, folded, volumes written "vol N", no edition statement
    volume: str | None  # "1", "215", "thuong": a volume, part, map sheet or issue
    part: str | None  # the same, but not an issue (that stays in title_key)
    numbers: frozenset[int]  # every number in ``full``: volumes, years, issues


def _title_words(cleaned: str) -> str:
    """The folded words of a title and its subtitle (``_Title.full`` before volumes are
    rewritten): no parallel title, statement of responsibility, article or edition statement."""
    text = _TITLE_END.split(cleaned, maxsplit=1)[0]
    words = _fold(_ARTICLE.sub("", _words(text)))
    return _cut(words, _edition_start(words))


def _title(title: str | None) -> _Title:
    cleaned = _clean(title)
    words = _title_words(cleaned)
    volume, part = _VOLUME.search(words), _PART.search(words)
    full = _VOLUME.sub(lambda m: f" vol {_volume_text(m)}", words).strip()
    numbers = frozenset(int(n) for n in re.findall(r"\d+", full))
    return _Title(
        key=_key_of(cleaned),
        full=full,
        volume=_volume_text(volume) if volume else None,
        part=_volume_text(part) if part else None,
        numbers=numbers,
    )


def _titles_match(a: _Title, b: _Title) -> bool:
    """Same title proper, or same title and subtitle, or either up to a typo in a long title."""
    if (a.key and a.key == b.key) or (a.full and a.full == b.full):
        return True
    plain_a = [word for word in a.full.split() if word not in _CONJUNCTIONS]
    if plain_a and plain_a == [word for word in b.full.split() if word not in _CONJUNCTIONS]:
        return True  # "đất & người" is "đất và người"
    for one, other in ((a.key, b.key), (a.full, b.full)):
        # Numbers name a volume, an issue or a year: "Niên giám 2018" is not "Niên giám 2020".
        if not one or not other or re.findall(r"\d+", one) != re.findall(r"\d+", other):
            continue
        longest = max(len(one), len(other))
        if longest >= 20 and _distance(one, other) * 10 < longest:
            return True
    return False


def edition(record: Record) -> int | None:
    """Return the edition the edition statement, title or description states (N, or 0 for a
    later one unnumbered).

    "Tái bản lần thứ 2" and "In lần thứ 3" → 3; "2e édition", "2nd ed." → 2; "Tái bản có sửa
    chữa, bổ sung", "Updated ed." → 0. None when neither states an edition.
    """
    for text in (record.edition, record.title, record.description):
        words = fold(_words(unicodedata.normalize("NFC", text or "")))
        for pattern, offset in _EDITIONS:
            match = pattern.search(words)
            if match:
                value = next(group for group in match.groups() if group)
                return (int(value) if value.isdigit() else _NUMBERS[value]) + offset
        if _LATER_EDITION.search(words):
            return 0
    return None


def _editions_differ(a: int | None, b: int | None, apart: int | None) -> bool:
    if a is not None and b is not None:
        # An unnumbered later edition may be any numbered one from the second on.
        return a != b and not (0 in (a, b) and max(a, b) >= 2)
    stated = a if a is not None else b
    # A later edition on one side and a different year: the other is most likely the first.
    return stated is not None and stated != 1 and bool(apart)


def _names(record: Record) -> list[str]:
    """Creator keys, with "A ; B" in one value read as two names."""
    names = (creator_key(part) for name in record.creators for part in name.split(";"))
    return [name for name in names if name]


def _translators(record: Record) -> list[str]:
    """Names the record gives as translators, in its creators or statement of responsibility."""
    found = []
    for name in (part for value in record.creators for part in value.split(";")):
        words = _words(fold(unicodedata.normalize("NFC", name)))
        match = _TRANSLATED.search(words)
        if match:
            found.append(creator_key(words[: match.start()] or words[match.end() :]))
    statement = _TITLE_END.split(_clean(record.title), maxsplit=1)[1:]
    for part in statement[0].split(";") if statement else ():
        words = _words(fold(part))
        match = _TRANSLATED.search(words)
        if match:
            found.extend(creator_key(name) for name in re.split(r" va |,", words[: match.start()]))
    return [name for name in found if name]


def work_key(
    title: str | None,
    creators: tuple[str, ...],
    isbns: tuple[str, ...],
    *,
    kind: str | None = None,
    identifiers: tuple[str, ...] = (),
) -> str:
    """Return the key that groups the records of one work held by several libraries.

    A serial's (kind "newspaper") smallest valid ISSN, with the numbers of its title for one
    issue; else the smallest ISBN-13; else the kind (when given), the folded title proper and
    the first creator's normalised full name. The volume or part a title names ends the ISBN
    and title keys (an issue number stays in the title key). Differing kinds never share a
    key; years can't go into an exact key without splitting "1998" from "[199-?]", and
    editions often go unstated, so ``same_work`` checks both.
    """
    if kind == _SERIAL and (serial := issns(identifiers)):
        numbers = " ".join(str(n) for n in sorted(_title(title).numbers))
        return f"issn:{min(serial)}" + (f"|{numbers}" if numbers else "")
    # A key is made for every record stored: of what _title finds, only the part and the
    # title proper are worked out here (each as _title works it out).
    cleaned = _clean(title)
    part = _PART.search(_title_words(cleaned))
    suffix = f"|v{_volume_text(part)}" if part else ""
    if isbns:
        return "isbn:" + min(isbns) + suffix
    first = next((creator_key(part) for name in creators[:1] for part in name.split(";")), "")
    prefix = f"tc:{kind}:" if kind else "tc:"
    return f"{prefix}{_key_of(cleaned)}|{first}{suffix}"


def record_work_key(record: Record) -> str:
    """Return ``work_key`` of a record, from every field the key reads."""
    return work_key(record.title, record.creators, record.isbns, kind=record.kind,
                    identifiers=record.identifiers)  # fmt: skip


def _years_apart(a: Record, b: Record) -> int | None:
    if a.year_from is None or b.year_from is None:
        return None
    a_to = a.year_to if a.year_to is not None else a.year_from
    b_to = b.year_to if b.year_to is not None else b.year_from
    return max(0, a.year_from - b_to, b.year_from - a_to)


def _distance(a: str, b: str) -> int:
    """Levenshtein distance, for titles that differ by a typo."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ch_a in enumerate(a, 1):
        current = [i]
        for j, ch_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ch_a != ch_b))
            )
        previous = current
    return previous[-1]


def _same_creator(a: str, b: str) -> bool:
    """Full names match, token for token; an initial ("v") may stand for one word ("van")."""
    words_a, words_b = a.split(), b.split()
    if words_a == words_b:
        return True
    if len(words_a) != len(words_b) or not words_a:
        return False
    # Pair the words after sorting full words first; an initial matches one word it starts.
    rest_b = list(words_b)
    for word in sorted(words_a, key=len, reverse=True):
        if word in rest_b:
            rest_b.remove(word)
            continue
        partner = next(
            (
                other
                for other in rest_b
                if (len(word) == 1 and other.startswith(word))
                or (len(other) == 1 and word.startswith(other))
            ),
            None,
        )
        if partner is None:
            return False
        rest_b.remove(partner)
    return True


def same_work(a: Record, b: Record) -> bool:
    """Tell whether two records describe the same work (RecordManager-style verification).

    Kinds must agree, and volumes (or issues), the numbers in the titles and stated editions
    must not differ. Then a shared ISSN (serials) or ISBN is enough, and different ones on
    both sides mean different serials or editions. Otherwise the years, when both are known,
    must be at most two apart (the same year when one side states a later edition and the
    other none), named translators must meet, the titles must match (up to a typo in a long
    title), and one record's first creator must be among the other's creators. Without a
    creator on either side only the same known year makes them one work; with a creator on
    one side only, never.
    """
    if a.kind != b.kind:
        return False
    title_a, title_b = _title(a.title), _title(b.title)
    if title_a.volume != title_b.volume:
        return False  # two volumes, or one volume against the whole work
    numbers_a, numbers_b = title_a.numbers, title_b.numbers
    if numbers_a and numbers_b and not (numbers_a <= numbers_b or numbers_b <= numbers_a):
        return False
    apart = _years_apart(a, b)
    if _editions_differ(edition(a), edition(b), apart):
        return False
    serial_a = issns(a.identifiers) if a.kind == _SERIAL else ()
    serial_b = issns(b.identifiers) if b.kind == _SERIAL else ()
    if serial_a and serial_b:
        # The run and one issue share the ISSN; only the numbers tell them apart.
        return bool(set(serial_a) & set(serial_b)) and numbers_a == numbers_b
    if a.isbns and b.isbns:
        return bool(set(a.isbns) & set(b.isbns))
    if apart is not None and apart > _YEARS_APART:
        return False
    translators_a, translators_b = _translators(a), _translators(b)
    if (
        translators_a
        and translators_b
        and not any(_same_creator(one, other) for one in translators_a for other in translators_b)
    ):
        return False
    if not _titles_match(title_a, title_b):
        return False
    names_a, names_b = _names(a), _names(b)
    if not names_a and not names_b:
        # Anonymous photographs and maps share titles ("Chợ nổi Cái Răng"); without a creator
        # only the same year (both known) makes them one work.
        return apart == 0
    if not names_a or not names_b:
        return False
    return any(_same_creator(names_a[0], name) for name in names_b) or any(
        _same_creator(names_b[0], name) for name in names_a
    )
