"""Work keys made the fast way are the keys the plain definitions gave.

``work_key`` works out only the title proper and the part (not all of ``_title``), remembers
creator keys of short names, ``_clean`` uses ``str.split``, and titles are split into words and
folded word by word from memory; the plain definitions are written out below.
WORK_KEY_VERSION stays: no key may change.
"""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.provider import make_record as make_bench_record
from bench.work_pairs import DEFAULT as WORK_PAIRS
from bench.work_pairs import load_pairs
from catalog import merge
from catalog.merge import creator_key, record_work_key, work_key
from catalog.models import Record
from catalog.normalize import fold


def _plain_clean(title: str | None) -> str:
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", title or "")).strip()
    return merge._NEXT_AREA.split(text, maxsplit=1)[0]


def _plain_words(value: str) -> str:
    return " ".join(re.sub(r"[^\w]+|_", " ", value).split())


def _plain_work_key(
    title: str | None,
    creators: tuple[str, ...],
    isbns: tuple[str, ...],
    *,
    kind: str | None = None,
    identifiers: tuple[str, ...] = (),
) -> str:
    """work_key as it was: every value of _title worked out, creator keys never remembered."""
    parsed = merge._title(title)
    if kind == merge._SERIAL and (serial := merge.issns(identifiers)):
        numbers = " ".join(str(n) for n in sorted(parsed.numbers))
        return f"issn:{min(serial)}" + (f"|{numbers}" if numbers else "")
    suffix = f"|v{parsed.part}" if parsed.part else ""
    if isbns:
        return "isbn:" + min(isbns) + suffix
    first = next(
        (merge._creator_key(part) for name in creators[:1] for part in name.split(";")), ""
    )
    prefix = f"tc:{kind}:" if kind else "tc:"
    return f"{prefix}{parsed.key}|{first}{suffix}"


def _plain_record_key(record: Record) -> str:
    return _plain_work_key(record.title, record.creators, record.isbns, kind=record.kind,
                           identifiers=record.identifiers)  # fmt: skip


def test_the_labelled_and_benchmark_records_keep_their_keys() -> None:
    labelled = load_pairs(WORK_PAIRS).pairs
    records = [record for pair in labelled for record in (pair.a, pair.b)]
    records += [make_bench_record(n) for n in range(0, 3000, 7)]
    assert len(records) > 900
    for record in records:
        assert record_work_key(record) == _plain_record_key(record), record
        assert record_work_key(record) == _plain_record_key(record), record  # names remembered


# Titles and names built from the pieces the key reads: volumes, editions, ISBD marks,
# articles, life dates, roles, ISSNs, odd spaces and decomposed letters.
_PIECES = st.sampled_from(
    [
        "Địa chí", "Cần Thơ", "tập 1", "T.2", "Tập II", "quyển thượng", "số 1234", "vol. 3",
        "Feuille 215", "Tái bản lần thứ 2", "In lần 3", "2nd ed.", "2e édition", "tái bản có",
        "sửa chữa bổ sung", ":", ";", " / ", " = ", ". - ", ". – ", ".\t— ", ",", "(", ")", "_",
        "&", "và", "Le", "The", "L'", "An Giang", "1998", "[199-?]", "Sơn Nam, 1926-2008.",
        "chủ biên", "dịch",
        "Nguyễn, Văn An", "Cà Mau", "\u0300", "Ca\u0300 Mau", "\xa0", "\t", "\u2003", "Σ",
    ]
)  # fmt: skip
_TEXT = st.one_of(
    st.lists(_PIECES, max_size=8).map(" ".join),
    st.lists(_PIECES, max_size=8).map("".join),
    st.text(max_size=30),
)


@settings(max_examples=400, deadline=None)
@given(
    title=st.none() | _TEXT,
    creators=st.lists(_TEXT, max_size=2).map(tuple),
    isbns=st.sampled_from([(), ("9786040000001",), ("9786040000001", "9780306406157")]),
    kind=st.sampled_from([None, "book", "map", "newspaper"]),
    identifiers=st.sampled_from([(), ("ISSN 1859-6738",), ("ISSN 1859-6739", "x")]),
)
def test_work_key_matches_its_plain_definition(
    title: str | None,
    creators: tuple[str, ...],
    isbns: tuple[str, ...],
    kind: str | None,
    identifiers: tuple[str, ...],
) -> None:
    args = (title, creators, isbns)
    expected = _plain_work_key(*args, kind=kind, identifiers=identifiers)
    assert work_key(*args, kind=kind, identifiers=identifiers) == expected


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_cleaning_and_word_splitting_match_their_plain_definitions(text: str) -> None:
    assert merge._clean(text) == _plain_clean(text)
    assert merge._words(text) == _plain_words(text)
    assert creator_key(text) == merge._creator_key(text)
    assert creator_key(text) == merge._creator_key(text)  # now from memory


# Letters whose folding depends on their neighbours (a final sigma; marks that NFD reorders;
# "İ", whose lower case adds a mark), white space of every kind, and word-joining punctuation.
_TRICKY = "ΣσςΑα İıĐđ\u0301\u0300\u0323\u031b \t\n\xa0\u2000\u2003\x1c\x85'.:·_-"
_AROUND_WORDS = st.one_of(
    st.text(st.one_of(st.sampled_from(_TRICKY), st.characters()), max_size=40),
    st.lists(st.text(st.sampled_from(_TRICKY), max_size=3), max_size=8).map(" ".join),
)


@settings(max_examples=500, deadline=None)
@given(_AROUND_WORDS)
def test_word_by_word_splitting_and_folding_match_the_whole_value(text: str) -> None:
    assert merge._words(text) == _plain_words(text)
    assert merge._fold(text) == fold(text)
    long_text = (text + " ") * 20  # past what is worked out word by word
    assert merge._words(long_text) == _plain_words(long_text)
    assert merge._fold(long_text) == fold(long_text)


def test_final_sigma_is_folded_by_its_word_alone() -> None:
    assert merge._fold("ΟΔΟΣ ΟΔΟΣ") == fold("ΟΔΟΣ ΟΔΟΣ") == "οδος οδος"


def test_long_names_are_keyed_but_not_remembered() -> None:
    name = "Nguyễn Văn An, " + "chủ biên " * 40
    before = merge._remembered_creator_key.cache_info().currsize

    assert creator_key(name) == merge._creator_key(name) == "an nguyen van"
    assert merge._remembered_creator_key.cache_info().currsize == before
