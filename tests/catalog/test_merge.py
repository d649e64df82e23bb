"""One entry per work: cluster keys and the pairwise same-work check."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from bench.work_pairs import DEFAULT as WORK_PAIRS
from bench.work_pairs import LabelledSet, load_pairs, score
from catalog import normalize
from catalog.merge import (
    creator_key,
    edition,
    issns,
    record_work_key,
    same_work,
    title_key,
    work_key,
)
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


@pytest.fixture(scope="module")
def labelled() -> LabelledSet:
    """The labelled pairs (tests/catalog/data/work_pairs.toml): records written the way members
    catalogue them, labelled by what a cataloguer decides. bench/work_pairs.py prints figures."""
    return load_pairs(WORK_PAIRS)


def test_labelled_pairs_file_has_its_shape(labelled: LabelledSet) -> None:
    pairs = labelled.pairs
    assert len(pairs) >= 300
    assert {pair.same for pair in pairs} == {True, False}
    assert {pair.category for pair in pairs} == set(labelled.categories)
    keys = [frozenset((pair.a.key, pair.b.key)) for pair in pairs]
    assert len(set(keys)) == len(keys), "a pair is labelled twice"
    assert all(len(key) == 2 for key in keys), "a record is paired with itself"
    assert all(pair.reason.strip() for pair in pairs)
    # A category says which way it is labelled; every pair in it goes that way.
    for pair in pairs:
        expected = labelled.categories[pair.category].split(":")[0]
        assert expected == ("same" if pair.same else "different"), (pair.category, pair.reason)


def test_same_work_meets_precision_and_recall_on_the_labelled_pairs(
    labelled: LabelledSet,
) -> None:
    result = score(labelled.pairs, same_work)
    wrong = "\n".join(f"{'missed' if p.same else 'false merge'}: {p.reason}" for p in result.errors)
    assert result.precision >= 0.98, wrong
    assert result.recall >= 0.90, wrong


def test_same_work_is_symmetric_on_the_labelled_pairs(labelled: LabelledSet) -> None:
    assert all(same_work(p.a, p.b) == same_work(p.b, p.a) for p in labelled.pairs)


@pytest.mark.parametrize(
    ("values", "found"),
    [
        (("ISSN 1859-6738",), ("1859-6738",)),
        (("urn:ISSN:1859-6738",), ("1859-6738",)),
        (("ISSN: 18596738",), ("1859-6738",)),
        (("1859-2333", "ISSN 1859-2333 (bản in)"), ("1859-2333",)),
        (("issn 0866-384x",), ("0866-384X",)),  # check digit X
        (("ISSN 1859-6739",), ()),  # wrong check digit: a typing error, not an ISSN
        (("18596738",), ()),  # eight bare digits may be anything
        (("978-604-2-25290-4", "https://lib.vn/1859-6738"), ()),
    ],
)
def test_issns_are_read_from_every_written_form_with_their_check_digit(
    values: tuple[str, ...], found: tuple[str, ...]
) -> None:
    assert issns(values) == found


def test_a_serial_is_keyed_by_its_issn_and_one_issue_keeps_its_numbers() -> None:
    run = work_key("Báo Cần Thơ", (), (), kind="newspaper", identifiers=("ISSN 1859-6738",))
    masthead = work_key("Cần Thơ : cơ quan của Đảng bộ", (), (), kind="newspaper",
                        identifiers=("urn:ISSN:1859-6738",))  # fmt: skip
    issue = work_key("Báo Cần Thơ : số 1234, ngày 20-4-1985", (), (), kind="newspaper",
                     identifiers=("1859-6738",))  # fmt: skip
    assert run == masthead == "issn:1859-6738"
    assert issue == "issn:1859-6738|4 20 1234 1985"
    # An article carries its journal's ISSN, and a book its series': neither names the work.
    article = work_key("Chợ nổi", ("Trần Phỏng Diều",), (), kind="article",
                       identifiers=("ISSN 1859-2333",))  # fmt: skip
    assert article == "tc:article:cho noi|dieu phong tran"


def test_record_work_key_reads_the_identifiers() -> None:
    paper = make_record(title="Báo An Giang", creators=(), kind="newspaper",
                        identifiers=("ISSN 1859-1353",))  # fmt: skip
    assert record_work_key(paper) == "issn:1859-1353"


def test_serials_with_different_issns_are_different_even_with_one_title_and_year() -> None:
    bulletin = make_record(title="Thông tin khoa học và công nghệ", creators=(),
                           kind="newspaper", year_from=2005, year_to=2005,
                           identifiers=("ISSN 1859-4050",))  # fmt: skip
    other = replace(bulletin, library="dongthap", identifiers=("ISSN 1859-3534",))
    assert not same_work(bulletin, other)
    assert same_work(bulletin, replace(other, identifiers=("1859-4050",), title="Thông tin"))


@pytest.mark.parametrize(
    ("title", "description", "number"),
    [
        ("Đất rừng phương Nam", "Tái bản lần thứ 13", 14),  # the 13th re-edition
        ("Đất rừng phương Nam. - Tái bản lần thứ nhất", None, 2),
        ("Cánh đồng bất tận", "In lần thứ 2", 2),
        ("Cánh đồng bất tận", "In lần thứ ba", 3),
        ("Lịch sử", "Lần xuất bản thứ 2", 2),
        ("The Mekong", "2nd ed.", 2),
        ("The Mekong. Third edition", None, 3),
        ("Petit cours de géographie. 2e édition", None, 2),
        ("Petit cours", "Deuxième édition", 2),
        ("Ẩm thực", "Tái bản có sửa chữa, bổ sung", 0),
        ("L'Indochine", "Édition revue et augmentée", 0),
        ("The Mekong", "Updated ed.", 0),
        ("Hương rừng Cà Mau", "Xuất bản năm 2009", None),  # a year, not an edition
        ("Hương rừng Cà Mau", None, None),
    ],
)
def test_edition_statements(title: str, description: str | None, number: int | None) -> None:
    assert edition(make_record(title=title, description=description)) == number


def test_different_edition_statements_are_different_works() -> None:
    reprint = replace(BOOK, title="Hương rừng Cà Mau", description="Tái bản lần thứ 5",
                      year_from=2018, year_to=2018)  # fmt: skip
    assert not same_work(reprint, replace(reprint, description="Tái bản lần thứ 6"))
    assert same_work(reprint, replace(reprint, title="Hương rừng Cà Mau. - Tái bản lần thứ 5",
                                      description=None))  # fmt: skip
    # A later edition on one side only, and another year: the other is the first edition.
    first = replace(reprint, description=None, year_from=2017, year_to=2017)
    assert not same_work(reprint, first)
    assert same_work(reprint, replace(first, year_from=2018, year_to=2018))


def test_volumes_written_differently_match_and_other_volumes_never_do() -> None:
    one = make_record(title="Địa chí Tiền Giang : T.1", creators=("Thạch Phương",),
                      year_from=2005, year_to=2005)  # fmt: skip
    assert same_work(one, replace(one, title="ĐỊA CHÍ TIỀN GIANG. TẬP I"))
    assert not same_work(one, replace(one, title="Địa chí Tiền Giang. Tập II"))
    assert not same_work(one, replace(one, title="Địa chí Tiền Giang"))  # the whole work
    upper = replace(one, title="Gia Định thành thông chí : Tập thượng")
    assert not same_work(upper, replace(upper, title="Gia Định thành thông chí. Tập trung"))
    # A set's ISBN on both volumes does not make them one.
    with_set = replace(one, isbns=("9786045811443", "9786045972182"))
    assert not same_work(with_set, replace(one, title="Địa chí Tiền Giang : T.2",
                                           isbns=("9786045811443", "9786046257448")))  # fmt: skip
    assert work_key(one.title, one.creators, ()) == "tc:dia chi tien giang|phuong thach|v1"
    assert work_key(one.title, one.creators, with_set.isbns).endswith("|v1")


def test_different_translators_make_different_translations() -> None:
    le_huong = make_record(title="Chân Lạp phong thổ ký", year_from=1973, year_to=1973,
                           creators=("Châu Đạt Quan", "Lê Hương dịch"))  # fmt: skip
    other = replace(le_huong, creators=("Châu Đạt Quan", "Đặng Văn Phúc dịch"))
    assert not same_work(le_huong, other)
    in_title = replace(le_huong, title="Chân Lạp phong thổ ký / Châu Đạt Quan ; Lê Hương dịch",
                       creators=("Châu Đạt Quan",))  # fmt: skip
    assert same_work(le_huong, in_title)
    assert not same_work(in_title, other)


def test_numbers_after_a_colon_keep_yearbooks_apart() -> None:
    a = make_record(title="Niên giám thống kê tỉnh An Giang : 2018", creators=("Cục Thống kê",),
                    year_from=2019, year_to=2019)  # fmt: skip
    b = replace(a, title="Niên giám thống kê tỉnh An Giang : 2019", year_from=2020, year_to=2020)
    assert not same_work(a, b)
    assert title_key(a.title) == "nien giam thong ke tinh an giang 2018"
    assert same_work(a, replace(a, title="NIÊN GIÁM THỐNG KÊ TỈNH AN GIANG 2018 = Statistical"))


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        (
            '[[group]]\npairs = []\n[group.records]\nx = { library = "a", kind = "book", '
            'title = "T", isbn = "1" }\n',
            "record 'x': unknown fields ['isbn']",
        ),
        (
            '[[group]]\npairs = []\n[group.records]\nx = { library = "a", kind = "novel", '
            'title = "T" }\n',
            "kind 'novel' is not one of",
        ),
        (
            '[categories]\nvolume = "different: v"\n[[group]]\npairs = [["x", "y", "different", '
            '"volume", "r"]]\n[group.records]\nx = { library = "a", kind = "book", title = "T" }\n',
            "no record 'y'",
        ),
        (
            '[categories]\nvolume = "different: v"\n[[group]]\npairs = [["x", "x", "maybe", '
            '"volume", "r"]]\n[group.records]\nx = { library = "a", kind = "book", title = "T" }\n',
            "label must be 'same' or 'different', got 'maybe'",
        ),
        (
            '[[group]]\npairs = [["x", "x", "same", "typo", "r"]]\n[group.records]\n'
            'x = { library = "a", kind = "book", title = "T" }\n',
            "category 'typo' is not under",
        ),
    ],
)
def test_a_bad_labelled_file_names_its_fault(tmp_path: Path, text: str, fault: str) -> None:
    path = tmp_path / "pairs.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(fault)):
        load_pairs(path)
