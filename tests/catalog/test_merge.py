"""One entry per work: cluster keys and the pairwise same-work check."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from catalog import normalize
from catalog.merge import creator_key, same_work, title_key, work_key
from demo.sample_data import generate_libraries
from harvester.mapping import map_record
from tests.factories import make_record


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("Địa chí Cần Thơ", "dia chi can tho"),
        ("Địa chí Cần Thơ : tập 1 /", "dia chi can tho"),
        ("Cần Thơ: xưa và nay", "can tho"),
        ("An Giang xưa và nay /", "an giang xua va nay"),  # "An" is Vietnamese, not an article
        ("Le delta du Mékong", "delta du mekong"),
        ("L'Annam et le Cambodge", "annam et le cambodge"),
        ("The Mekong Delta: a history", "mekong delta"),
        ("Lê Lợi", "le loi"),  # folds like the article "le", but is a name
        ("Bản đồ tỷ lệ 1:50.000", "ban do ty le 1 50 000"),
        ("Lịch sử Đảng bộ tỉnh Cà Mau (1975-2000)", "lich su dang bo tinh ca mau 1975 2000"),
        (None, ""),
    ],
)
def test_title_key(title: str | None, key: str) -> None:
    assert title_key(title) == key


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Sơn Nam", "nam son"),
        ("Sơn Nam, 1926-2008.", "nam son"),
        ("Trương Vĩnh Ký (1837-1898)", "ky truong vinh"),
        ("Nguyễn, Văn An", "an nguyen van"),
        ("Nguyễn Văn An dịch", "an nguyen van"),
        ("Huỳnh Minh chủ biên", "huynh minh"),
        ("Lê Văn A ch.b.", "a le van"),
        ("Dupont, Jean, 1900-", "dupont jean"),
        ("Nguyễn", "nguyen"),
    ],
)
def test_creator_key(name: str, key: str) -> None:
    assert creator_key(name) == key


def test_marc_and_dc_forms_of_one_work_share_a_key() -> None:
    marc = work_key("Hương rừng Cà Mau :", ("Sơn Nam, 1926-2008.",), (), kind="book")
    dc = work_key("Hương rừng Cà Mau : truyện ngắn", ("Sơn Nam",), (), kind="book")
    assert marc == dc


def test_isbn_is_the_key_when_there_is_one() -> None:
    key = work_key("Anything", ("Someone",), ("9786040000001", "9780306406157"))
    assert key == "isbn:9780306406157"


def test_family_name_alone_never_merges() -> None:
    one = work_key("Gia phả họ Nguyễn", ("Nguyễn Văn An",), ())
    other = work_key("Gia phả họ Nguyễn", ("Nguyễn Văn Anh",), ())
    assert one != other


def test_different_kinds_never_share_a_key() -> None:
    assert work_key("Cần Thơ", (), (), kind="map") != work_key("Cần Thơ", (), (), kind="book")


def test_work_key_stays_importable_from_normalize() -> None:
    args = ("Địa chí Cần Thơ", ("Huỳnh Minh",), ())
    assert normalize.work_key(*args) == work_key(*args)
    assert normalize.work_key(*args, kind="book") == work_key(*args, kind="book")


BOOK = make_record(title="Hương rừng Cà Mau", creators=("Sơn Nam",), date="1962",
                   year_from=1962, year_to=1962)  # fmt: skip


@pytest.mark.parametrize(
    ("other", "same"),
    [
        (dict(title="Hương rừng Cà Mau : truyện", creators=("Sơn Nam, 1926-2008.",)), True),
        (dict(library="camau", year_from=1963, year_to=1963), True),  # a year's disagreement
        (dict(year_from=1970, year_to=1979), False),  # [197-?]: more than two years apart
        (dict(year_from=None, year_to=None), True),
        (dict(kind="map"), False),
        (dict(creators=("Sơn Nam Anh",)), False),
        (dict(creators=()), False),  # one side without a creator
        (dict(title="Hương rừng Cà Mau tập 2"), False),
        (dict(title="Huong rung Ca Mau"), True),  # typed without diacritics
    ],
)
def test_same_work(other: dict[str, object], same: bool) -> None:
    copy = replace(BOOK, oai_id="oai:other:1", **other)  # type: ignore[arg-type]
    assert same_work(BOOK, copy) is same
    assert same_work(copy, BOOK) is same


def test_same_work_by_isbn_and_different_isbns_are_editions() -> None:
    a = make_record(isbns=("9780306406157",))
    assert same_work(a, make_record(title="Other title", isbns=("9780306406157",)))
    assert not same_work(a, make_record(isbns=("9786040000001",)))


def test_numbers_in_titles_keep_volumes_and_years_apart() -> None:
    a = make_record(title="Niên giám thống kê tỉnh Cà Mau 2018", creators=("Cục Thống kê",),
                    year_from=2019, year_to=2019)  # fmt: skip
    b = make_record(title="Niên giám thống kê tỉnh Cà Mau 2020", creators=("Cục Thống kê",),
                    year_from=2019, year_to=2019)  # fmt: skip
    assert not same_work(a, b)


def test_anonymous_records_merge_only_on_a_known_shared_year() -> None:
    photo = make_record(title="Chợ nổi Cái Răng", creators=(), kind="photograph",
                        year_from=1995, year_to=1995)  # fmt: skip
    assert same_work(photo, make_record(title="Chợ nổi Cái Răng", creators=(), kind="photograph",
                                        year_from=1995, year_to=1995))  # fmt: skip
    assert not same_work(
        photo,
        make_record(
            title="Chợ nổi Cái Răng", creators=(), kind="photograph", year_from=None, year_to=None
        ),
    )


def test_demo_sample_data_groups_every_shared_work_without_false_merges() -> None:
    keys_of: dict[str, set[str]] = defaultdict(set)
    works_of: dict[str, set[str]] = defaultdict(set)
    libraries_of: dict[str, set[str]] = defaultdict(set)
    for library in generate_libraries():
        for sample in library.records:
            if sample.metadata_xml is None:
                continue
            element = etree.fromstring(sample.metadata_xml)
            record = map_record(
                library=library.code,
                oai_id=sample.oai_id,
                datestamp=sample.datestamp,
                deleted=False,
                metadata_prefix=library.metadata_prefix,
                element=element,
            )
            work = title_key((record.title or "").split(" : ")[0])
            key = work_key(record.title, record.creators, record.isbns, kind=record.kind)
            keys_of[work].add(key)
            works_of[key].add(work)
            libraries_of[work].add(library.code)
    shared = [work for work, libraries in libraries_of.items() if len(libraries) > 1]
    assert len(shared) == 49
    assert all(len(keys_of[work]) == 1 for work in shared)
    assert all(len(works) == 1 for works in works_of.values())


names = st.text(alphabet="NguyễnVănAnhTrầnThịSơnam ,.-0123456789()", max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.text(), st.lists(st.text(), max_size=2), st.lists(st.text(), max_size=2))
def test_work_key_never_raises(title: str, creators: list[str], isbns: list[str]) -> None:
    assert work_key(title, tuple(creators), tuple(isbns), kind="book")


@settings(max_examples=150, deadline=None)
@given(names, names)
def test_nfc_and_nfd_give_the_same_key(title: str, creator: str) -> None:
    nfd = unicodedata.normalize("NFD", title), unicodedata.normalize("NFD", creator)
    assert work_key(*nfd[:1], (nfd[1],), ()) == work_key(title, (creator,), ())


# A key is not fed back into itself (folding "Lá" gives "la", an article), so instead of
# idempotence the key must ignore what cataloguers vary: case, ISBD marks, a subtitle.
@settings(max_examples=150, deadline=None)
@given(names)
def test_title_key_ignores_case_isbd_marks_and_subtitles(title: str) -> None:
    key = title_key(title)
    assert title_key(title.upper()) == title_key(title.lower()) or not title.strip()
    assert title_key(title + " /") == key
    if key and ":" not in title and "/" not in title:
        assert title_key(title + " : phụ đề") == key


@settings(max_examples=100, deadline=None)
@given(names, st.integers(1000, 2100))
def test_same_work_is_symmetric_and_reflexive(title: str, year: int) -> None:
    a = make_record(title=title, year_from=year, year_to=year)
    b = make_record(title=title + " : phụ đề", year_from=year + 1, year_to=year + 1)
    assert same_work(a, b) == same_work(b, a)
    if title_key(title):
        assert same_work(a, a)
