"""The demo's sample data meets what the harvester, catalog and search tests rely on."""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from demo.sample_data import SampleLibrary, SampleRecord, generate_libraries, main

DC = "{http://purl.org/dc/elements/1.1/}"
MARC = "{http://www.loc.gov/MARC21/slim}"
ROOT_TAGS = {
    "oai_dc": "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc",
    "marc21": f"{MARC}record",
}
KINDS = {"book", "map", "photograph", "newspaper", "manuscript", "audio", "video"}
PROVINCES = {
    "cantho", "camau", "dongthap", "travinh", "soctrang", "baclieu", "haugiang", "angiang",
    "kiengiang", "vinhlong", "bentre", "tiengiang", "longan",
}  # fmt: skip
# MARC leader/06 values that fit each kind (i and j are non-musical and musical sound).
LEADER_TYPES = {"book": "a", "map": "e", "photograph": "k", "newspaper": "a",
                "manuscript": "t", "audio": "ij", "video": "g"}  # fmt: skip
PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


@pytest.fixture(scope="module")
def libraries() -> tuple[SampleLibrary, ...]:
    return generate_libraries()


def live(library: SampleLibrary) -> list[tuple[SampleRecord, etree._Element]]:
    return [
        (record, etree.fromstring(record.metadata_xml, PARSER))
        for record in library.records
        if record.metadata_xml is not None
    ]


def fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").casefold()
    return " ".join(re.sub(r"\W+", " ", text).split())


def title_proper(root: etree._Element) -> str:
    """The title without subtitle or ISBD punctuation, folded, from oai_dc or MARCXML."""
    dc_title = root.findtext(f"{DC}title")
    if dc_title is not None:
        return fold(dc_title.split(" : ")[0])
    return fold(root.findtext(f"{MARC}datafield[@tag='245']/{MARC}subfield[@code='a']") or "")


def isbns(root: etree._Element) -> list[str]:
    found = [
        (node.text or "").removeprefix("ISBN ")
        for node in root.iter(f"{DC}identifier")
        if (node.text or "").startswith("ISBN ")
    ]
    found += [
        node.text or ""
        for node in root.iterfind(f"{MARC}datafield[@tag='020']/{MARC}subfield[@code='a']")
    ]
    return found


def isbn_is_valid(value: str) -> bool:
    digits = value.replace("-", "")
    if re.fullmatch(r"\d{9}[\dX]", digits):
        total = sum((10 - i) * (10 if ch == "X" else int(ch)) for i, ch in enumerate(digits))
        return total % 11 == 0
    if re.fullmatch(r"97[89]\d{10}", digits):
        return sum((1, 3)[i % 2] * int(ch) for i, ch in enumerate(digits)) % 10 == 0
    return False


def holders_by_title(libraries: tuple[SampleLibrary, ...]) -> dict[str, dict[str, list[str]]]:
    """Folded title proper -> library code -> the ISBNs that library records for it."""
    works: dict[str, dict[str, list[str]]] = {}
    for library in libraries:
        for _, root in live(library):
            works.setdefault(title_proper(root), {})[library.code] = isbns(root)
    return works


def test_the_same_seed_gives_the_same_records_and_another_seed_does_not() -> None:
    first, again, other = generate_libraries(7), generate_libraries(7), generate_libraries(8)
    assert first == again
    assert [r.metadata_xml for lib in first for r in lib.records] == [
        r.metadata_xml for lib in again for r in lib.records
    ]
    assert first != other


def test_there_are_enough_records_for_several_pages_per_library(
    libraries: tuple[SampleLibrary, ...],
) -> None:
    assert sum(len(library.records) for library in libraries) >= 600
    assert all(len(library.records) >= 120 for library in libraries)


def test_four_members_and_exactly_one_serves_marcxml(libraries: tuple[SampleLibrary, ...]) -> None:
    assert [library.code for library in libraries] == ["cantho", "camau", "dongthap", "travinh"]
    prefixes = {library.code: library.metadata_prefix for library in libraries}
    assert prefixes == {"cantho": "oai_dc", "camau": "oai_dc", "dongthap": "oai_dc",
                        "travinh": "marc21"}  # fmt: skip
    assert libraries[0].name_vi == "Thư viện thành phố Cần Thơ"
    assert {library.province for library in libraries} == {
        "Cần Thơ", "Cà Mau", "Đồng Tháp", "Trà Vinh",
    }  # fmt: skip


def test_every_metadata_element_parses_safely_with_the_right_root(
    libraries: tuple[SampleLibrary, ...],
) -> None:
    for library in libraries:
        for record, root in live(library):
            assert root.tag == ROOT_TAGS[library.metadata_prefix], record.oai_id
            assert record.metadata_xml is not None
            assert b"<!DOCTYPE" not in record.metadata_xml
            assert b"<!ENTITY" not in record.metadata_xml
            assert not record.metadata_xml.startswith(b"<?xml")


def test_oai_dc_declares_its_namespaces(libraries: tuple[SampleLibrary, ...]) -> None:
    for _, root in live(libraries[0]):
        assert root.nsmap == {
            "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
            "dc": "http://purl.org/dc/elements/1.1/",
        }


def test_deleted_records_have_a_datestamp_but_no_metadata_or_sets(
    libraries: tuple[SampleLibrary, ...],
) -> None:
    for library in libraries:
        deleted = [record for record in library.records if record.deleted]
        assert 3 <= len(deleted) <= 6
        assert all(r.metadata_xml is None and r.set_specs == () for r in deleted)
        assert all(isinstance(r.datestamp, datetime) for r in deleted)
        assert all(r.metadata_xml is not None for r in library.records if not r.deleted)


def test_datestamps_are_whole_utc_seconds_within_the_demo_window(
    libraries: tuple[SampleLibrary, ...],
) -> None:
    start, end = datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 11, 21, tzinfo=UTC)
    stamps = [record.datestamp for library in libraries for record in library.records]
    assert all(s.utcoffset() == timedelta(0) for s in stamps)
    assert all(s.microsecond == 0 and start <= s < end for s in stamps)
    assert {s.year for s in stamps} == {2024, 2025}


def test_oai_ids_are_unique_per_library_in_the_demo_namespace(
    libraries: tuple[SampleLibrary, ...],
) -> None:
    for library in libraries:
        ids = [record.oai_id for record in library.records]
        assert len(set(ids)) == len(ids)
        pattern = re.compile(rf"oai:{library.code}\.demo\.mekong:(\d+)")
        numbers = [int(pattern.fullmatch(oai_id).group(1)) for oai_id in ids]  # type: ignore[union-attr]
        gaps = {b - a for a, b in zip(sorted(numbers), sorted(numbers)[1:], strict=False)}
        assert gaps != {1}, "identifiers should not be one unbroken sequence"


def test_set_specs_name_a_known_type_and_provinces(libraries: tuple[SampleLibrary, ...]) -> None:
    seen: Counter[str] = Counter()
    for library in libraries:
        for record, _ in live(library):
            kind, *provinces = record.set_specs
            assert kind.removeprefix("type:") in KINDS
            assert provinces and all(p.removeprefix("prov:") in PROVINCES for p in provinces)
            seen[kind] += 1
    assert set(seen) == {f"type:{kind}" for kind in KINDS}


def test_about_five_percent_of_records_carry_nfd_text(libraries: tuple[SampleLibrary, ...]) -> None:
    total = 0
    for library in libraries:
        texts = [record.metadata_xml.decode() for record, _ in live(library)]  # type: ignore[union-attr]
        nfd = [text for text in texts if unicodedata.normalize("NFC", text) != text]
        assert 1 <= len(nfd) <= len(texts) * 0.1, library.code
        # Decomposed titles still read as the same words once normalised.
        assert all(unicodedata.is_normalized("NFC", unicodedata.normalize("NFC", t)) for t in nfd)
        total += len(nfd)
    assert total >= 20


def test_works_are_shared_across_libraries(libraries: tuple[SampleLibrary, ...]) -> None:
    works = holders_by_title(libraries)
    shared = {title: held for title, held in works.items() if len(held) >= 2}
    assert len(shared) >= 30
    assert sum(1 for held in shared.values() if len(held) >= 3) >= 10
    with_isbn = [held for held in shared.values() if any(held.values())]
    assert len(with_isbn) >= 10
    assert len(shared) - len(with_isbn) >= 10
    assert "gia dinh thanh thong chi" in shared
    assert "van minh miet vuon" in shared


def test_shared_works_are_catalogued_differently_by_different_members(
    libraries: tuple[SampleLibrary, ...],
) -> None:
    works = holders_by_title(libraries)
    isbn_forms = [
        {len(isbn.replace("-", "")) for found in held.values() for isbn in found}
        for held in works.values()
        if len(held) >= 2
    ]
    assert any(forms == {10, 13} for forms in isbn_forms), "ISBN-10 in one, ISBN-13 in another"
    # One holder in MARCXML (Trà Vinh), another in oai_dc.
    assert sum(1 for held in works.values() if "travinh" in held and len(held) >= 2) >= 10
    # Subtitles and date forms drift between holders of the same work.
    full_titles: dict[str, set[str]] = {}
    dates: dict[str, set[str]] = {}
    for library in libraries[:3]:
        for _, root in live(library):
            key = title_proper(root)
            full_titles.setdefault(key, set()).add(root.findtext(f"{DC}title") or "")
            dates.setdefault(key, set()).add(root.findtext(f"{DC}date") or "")
    assert any(len(values) > 1 for values in full_titles.values())
    assert any(len(values) > 1 for values in dates.values())


def test_every_isbn_has_a_valid_check_digit(libraries: tuple[SampleLibrary, ...]) -> None:
    found = [isbn for library in libraries for _, root in live(library) for isbn in isbns(root)]
    assert len(found) >= 20
    assert all(isbn_is_valid(isbn) for isbn in found), [i for i in found if not isbn_is_valid(i)]


def test_every_library_holds_records_about_the_four_member_provinces(
    libraries: tuple[SampleLibrary, ...],
) -> None:
    for library in libraries:
        records = live(library)
        for province in ("cantho", "camau", "dongthap", "travinh"):
            count = sum(1 for record, _ in records if f"prov:{province}" in record.set_specs)
            assert count >= 5, (library.code, province)
        mentions = [
            root for _, root in records if "can tho" in fold(" ".join(map(str, root.itertext())))
        ]
        assert len(mentions) >= 10, library.code


def test_dc_types_use_plain_words_and_marc_leaders_match_the_kind(
    libraries: tuple[SampleLibrary, ...],
) -> None:
    dc_types: set[str] = set()
    for library in libraries:
        for record, root in live(library):
            kind = record.set_specs[0].removeprefix("type:")
            if library.metadata_prefix == "oai_dc":
                values = [node.text or "" for node in root.iter(f"{DC}type")]
                assert values, record.oai_id
                dc_types.update(values)
                continue
            leader = root.findtext(f"{MARC}leader") or ""
            assert len(leader) == 24 and leader[6] in LEADER_TYPES[kind], (record.oai_id, leader)
            assert leader[7] == ("s" if kind == "newspaper" else "m")
            fixed = root.findtext(f"{MARC}controlfield[@tag='008']") or ""
            assert len(fixed) == 40
            assert root.find(f"{MARC}datafield[@tag='655']") is not None
            title = root.find(f"{MARC}datafield[@tag='245']")
            assert title is not None and (title[-1].text or "").endswith(".")
    assert {"Sách", "Book", "Bản đồ", "Map", "Ảnh", "Photograph", "Báo", "Newspaper"} <= dc_types
    assert {"Tài liệu viết tay", "Hán Nôm", "Manuscript"} <= dc_types


def test_marc_titles_carry_isbd_punctuation(libraries: tuple[SampleLibrary, ...]) -> None:
    marc = next(library for library in libraries if library.metadata_prefix == "marc21")
    seen_b = seen_c = False
    for _, root in live(marc):
        title = root.find(f"{MARC}datafield[@tag='245']")
        assert title is not None
        codes = [sf.get("code") for sf in title]
        texts = [sf.text or "" for sf in title]
        for text, following in zip(texts, codes[1:] + [None], strict=True):
            expected = {"b": " :", "c": " /", None: "."}[following]
            assert text.endswith(expected.strip()), (codes, texts)
        seen_b |= "b" in codes
        seen_c |= "c" in codes
    assert seen_b and seen_c


def test_dates_are_free_text_from_the_1800s_to_2025(libraries: tuple[SampleLibrary, ...]) -> None:
    dates = []
    for library in libraries:
        for _, root in live(library):
            if library.metadata_prefix == "oai_dc":
                dates.append(root.findtext(f"{DC}date") or "")
            else:
                path = f"{MARC}datafield[@tag='260']/{MARC}subfield[@code='c']"
                dates.append((root.findtext(path) or "").removesuffix("."))
    years = [int(y) for d in dates for y in re.findall(r"(?<!\d)(1[89]\d\d|20[0-2]\d)(?!\d)", d)]
    assert min(years) < 1850 and max(years) >= 2024
    patterns = [r"^\d{4}$", r"^\[\d{3}-\?\]$", r"^c\d{4}$", r"^\d{4}-\d{4}$",
                r"^\d{4}-\d\d-\d\d$", r"^năm \d{4}$", r"^thế kỷ [XVI]+$"]  # fmt: skip
    for pattern in patterns:
        assert any(re.match(pattern, d) for d in dates), pattern


def test_languages_are_mostly_vietnamese_with_some_french_and_khmer(
    libraries: tuple[SampleLibrary, ...],
) -> None:
    languages: Counter[str] = Counter()
    for library in libraries:
        for _, root in live(library):
            code = root.findtext(f"{DC}language") or root.findtext(
                f"{MARC}datafield[@tag='041']/{MARC}subfield[@code='a']"
            )
            languages[code or ""] += 1
    assert set(languages) == {"vie", "fre", "khm"}
    assert languages["vie"] > 0.8 * sum(languages.values())


def test_creators_include_real_southern_authors_in_ho_ten_order(
    libraries: tuple[SampleLibrary, ...],
) -> None:
    names: set[str] = set()
    for library in libraries:
        for _, root in live(library):
            names.update(node.text or "" for node in root.iter(f"{DC}creator"))
            for field in root.iterfind(f"{MARC}datafield"):
                if field.get("tag") in ("100", "700"):
                    names.add((field.findtext(f"{MARC}subfield[@code='a']") or "").rstrip(",."))
    assert {"Sơn Nam", "Huỳnh Minh", "Trịnh Hoài Đức", "Nguyễn Liên Phong", "Vương Hồng Sển"} <= (
        names
    )
    assert any(re.fullmatch(r"Nguyễn (Văn|Thị) \w+", name) for name in names)


def test_metadata_invents_no_urls(libraries: tuple[SampleLibrary, ...]) -> None:
    for library in libraries:
        for record, root in live(library):
            values = list(root.itertext()) + [v for el in root.iter() for v in el.attrib.values()]
            assert not any("://" in value or "www." in value for value in values), record.oai_id


def test_summary_prints_counts_for_every_library(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["sample_data", "--summary", "--seed", "2025"])
    main()
    output = capsys.readouterr().out
    for code in ("cantho", "camau", "dongthap", "travinh"):
        assert code in output
    assert "deleted" in output and "NFD" in output and "shared works" in output
