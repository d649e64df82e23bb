"""Qualified DC (CONTENTdm oai_qdc, DSpace/Omeka qdc) and MODS mapped to Records, then harvested.

The records in tests/fixtures/formats/ have the shapes real servers send (each file says whose);
the pages in tests/fixtures/oai/{contentdm,dspaceqdc,islandora}/ are served over real HTTP.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from catalog.errors import RecordError
from catalog.models import KINDS, Record
from catalog.store import Store
from config.registry import MAPPED_PREFIXES
from harvester.mapping import map_record
from harvester.run import HarvestOptions, harvest_library
from harvester.xml import parse_xml
from tests.factories import make_library

FORMATS = Path(__file__).parents[1] / "fixtures" / "formats"
FAST = HarvestOptions(timeout=1.0, max_retries=2, max_retry_after=0.05)
QDC = (
    '<oai_qdc:qualifieddc xmlns:oai_qdc="http://worldcat.org/xmlschemas/qdc-1.0/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{}</oai_qdc:qualifieddc>'
)
MODS = (
    '<mods xmlns="http://www.loc.gov/mods/v3" xmlns:xlink="http://www.w3.org/1999/xlink">{}</mods>'
)


def _map(xml: str | bytes, metadata_prefix: str) -> Record:
    data = xml.encode() if isinstance(xml, str) else xml
    return map_record(
        library="cantho",
        oai_id="oai:test:1",
        datestamp=datetime(2025, 1, 1, tzinfo=UTC),
        deleted=False,
        metadata_prefix=metadata_prefix,
        element=parse_xml(data),
    )


def _fixture(name: str, metadata_prefix: str) -> Record:
    return _map((FORMATS / name).read_bytes(), metadata_prefix)


def test_contentdm_oai_qdc_maps_every_field() -> None:
    record = _fixture("contentdm_oai_qdc.xml", "oai_qdc")

    assert record.title == "Chợ nổi Cái Răng nhìn từ bến Ninh Kiều"  # not the alternative
    # Values CONTENTdm joins with ";" are split; dcterms:temporal is a subject, not a place.
    assert record.creators == ("Nguyễn Văn Kiệt", "Trần Thị Hoa", "Thư viện thành phố Cần Thơ")
    assert record.subjects == ("Chợ nổi", "Đời sống sông nước", "1954-1975")
    assert record.places == ("Cái Răng (Cần Thơ)", "Phong Điền")
    assert record.description == (
        "Ảnh chụp chợ nổi lúc sáng sớm, ghe treo hàng trên cây bẹo. "
        "Một trong những ảnh sớm nhất về chợ nổi."
    )
    assert record.publisher == "Thư viện thành phố Cần Thơ"
    # dcterms:created (the first one is empty) before dc:date (here the digitisation).
    assert (record.date, record.year_from, record.year_to) == ("khoảng 1965", 1960, 1970)
    assert record.kind == "photograph"
    assert record.languages == ("vie",)
    assert record.identifiers == (
        "ANHXUA_0042",
        "http://127.0.0.1/cdm/ref/collection/anhxua/id/42",
    )
    assert record.isbns == ()
    # Rights are one statement: its ";" is not a list separator.
    assert record.rights == "Thư viện thành phố Cần Thơ giữ bản quyền; chỉ dùng cho nghiên cứu."
    assert record.provinces == ("Cần Thơ",) and record.provinces_today == ("Cần Thơ",)
    assert record.source_format == "oai_qdc"


def test_dspace_qdc_maps_every_field() -> None:
    record = _fixture("dspace_qdc.xml", "qdc")

    assert record.title == "Địa chí Sóc Trăng"
    assert record.creators == ("Trần Văn Hiếu", "Ban Tuyên giáo Tỉnh ủy Sóc Trăng")
    assert record.subjects == ("Địa chí", "Lịch sử -- Sóc Trăng")
    assert record.description == (
        "Khái quát địa lý, lịch sử, văn hóa của tỉnh Sóc Trăng từ thế kỷ XVII đến nay."
    )
    assert record.publisher == "Nxb. Chính trị Quốc gia"
    # dcterms:issued, not the accession date DSpace writes as created and dateAccepted.
    assert (record.date, record.year_from, record.year_to) == ("2012", 2012, 2012)
    assert record.kind == "book"
    assert record.languages == ("vie",)  # from the locale "vi_VN"
    assert record.identifiers == ("978-604-57-1234-4", "http://127.0.0.1/handle/123456789/77")
    assert record.isbns == ("9786045712344",)
    assert record.places == ("Sóc Trăng",)
    assert record.rights == "Bản quyền thuộc Nhà xuất bản Chính trị Quốc gia"
    assert record.provinces == ("Sóc Trăng",) and record.provinces_today == ("Cần Thơ",)


def test_dspace_qdc_with_a_dcterms_record_root_and_misspelt_coverage() -> None:
    record = _fixture("dspace_dcterms_record.xml", "qdc")

    assert record.title == "Tạp chí Văn hóa Bạc Liêu, số 12"
    assert record.creators == ("Sở Văn hóa, Thể thao và Du lịch Bạc Liêu",)
    assert (record.date, record.year_from, record.kind) == ("2018-06", 2018, "newspaper")
    assert record.places == ("Bạc Liêu",)
    assert record.provinces_today == ("Cà Mau",)


def test_qualified_dc_reads_typed_identifiers_and_refinements() -> None:
    record = _map(
        QDC.format(
            "<dcterms:title>Cần Thơ xưa</dcterms:title>"
            '<dc:identifier xsi:type="dcterms:ISBN">604-0-00031-7 (bìa mềm)</dc:identifier>'
            '<dc:identifier xsi:type="dcterms:URI">http://127.0.0.1/item/9</dc:identifier>'
            "<dcterms:bibliographicCitation>Cần Thơ xưa, tr. 12</dcterms:bibliographicCitation>"
            "<dcterms:tableOfContents>Phần I. Đất; Phần II. Người</dcterms:tableOfContents>"
            "<dcterms:dateAccepted>2003</dcterms:dateAccepted>"
            "<dcterms:license>CC BY 4.0</dcterms:license>"
            "<dcterms:type>Text</dcterms:type>"
            "<dc:language>vie; fre</dc:language>"
        ),
        "oai_qdc",
    )

    assert record.title == "Cần Thơ xưa"  # dcterms:title, as Ohio's hub writes it
    assert record.isbns == ("9786040000316",)  # ISBN-10 with a note, made ISBN-13
    assert record.identifiers == (
        "604-0-00031-7 (bìa mềm)",
        "http://127.0.0.1/item/9",
        "Cần Thơ xưa, tr. 12",
    )
    assert record.description == "Phần I. Đất; Phần II. Người"
    assert (record.date, record.year_from) == ("2003", 2003)
    assert (record.rights, record.kind, record.languages) == ("CC BY 4.0", "book", ("vie", "fra"))


def test_alternative_title_stands_in_when_there_is_no_title() -> None:
    record = _map(QDC.format("<dcterms:alternative>Sóc Trăng xưa</dcterms:alternative>"), "qdc")

    assert record.title == "Sóc Trăng xưa"


@pytest.mark.parametrize(
    ("xml", "metadata_prefix"),
    [
        (QDC.format(""), "oai_qdc"),
        (
            QDC.format(
                "<dc:title/><dc:creator> </dc:creator><dcterms:issued/><dc:subject>;</dc:subject>"
            ),
            "qdc",
        ),  # noqa: E501
        (MODS.format(""), "mods"),
        (
            MODS.format(
                "<titleInfo><title/></titleInfo><name><namePart/></name><originInfo>"
                "<dateIssued/><publisher> </publisher></originInfo><subject><topic/>"
                "<hierarchicalGeographic><country/></hierarchicalGeographic></subject>"
                "<identifier/><location><url/></location><accessCondition/>"
            ),
            "mods",
        ),
    ],
)
def test_empty_and_missing_elements_give_empty_fields(xml: str, metadata_prefix: str) -> None:
    record = _map(xml, metadata_prefix)

    assert record.title is None and record.description is None and record.date is None
    assert record.creators == record.subjects == record.places == record.identifiers == ()
    assert (record.year_from, record.year_to, record.kind, record.rights) == (
        None,
        None,
        "other",
        None,
    )  # noqa: E501
    assert record.raw_xml is not None


@pytest.mark.parametrize(
    ("metadata_prefix", "xml", "expected"),
    [
        (
            "oai_qdc",
            '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"/>',
            "metadata element <dc> in namespace http://www.openarchives.org/OAI/2.0/oai_dc/ is "
            "not oai_qdc; expected <oai_qdc:qualifieddc>",
        ),
        ("qdc", MODS.format(""), "is not qdc; expected <qdc:qualifieddc> or <dcterms:record>"),
        (
            "mods",
            '<mods:modsCollection xmlns:mods="http://www.loc.gov/mods/v3"><mods:mods/>'
            "</mods:modsCollection>",
            "metadata element <modsCollection> in namespace http://www.loc.gov/mods/v3 is not "
            "mods; expected one <mods:mods> record in namespace http://www.loc.gov/mods/v3",
        ),
        (
            "mods",
            '<mods xmlns="http://www.loc.gov/mods/"/>',  # MODS 2's namespace
            "metadata element <mods> in namespace http://www.loc.gov/mods/ is not mods",
        ),
        ("oai_dc", QDC.format(""), "<qualifieddc> in namespace"),
        ("marc21", MODS.format(""), "expected <marc:record>"),
    ],
)
def test_a_root_that_is_not_the_declared_format_names_the_one_expected(
    metadata_prefix: str, xml: str, expected: str
) -> None:
    with pytest.raises(RecordError) as caught:
        _map(xml, metadata_prefix)

    assert expected in str(caught.value)
    assert (caught.value.library, caught.value.oai_id) == ("cantho", "oai:test:1")


def test_a_prefix_without_a_mapping_is_a_record_error_naming_those_mapped() -> None:
    with pytest.raises(RecordError, match=r"'nsdl_dc' has no mapping; the harvester maps oai_dc"):
        _map(QDC.format(""), "nsdl_dc")


@pytest.mark.parametrize("metadata_prefix", MAPPED_PREFIXES)
def test_every_prefix_the_registry_accepts_has_a_mapping(metadata_prefix: str) -> None:
    with pytest.raises(RecordError) as caught:
        _map("<unknown/>", metadata_prefix)

    assert "has no mapping" not in str(caught.value)
    assert f"is not {metadata_prefix}; expected " in str(caught.value)


NFC_FIELDS = ("title", "creators", "subjects", "description", "publisher", "places", "rights")


@pytest.mark.parametrize(
    ("template", "metadata_prefix"),
    [
        (
            QDC.format(
                "<dc:title>{title}</dc:title><dc:creator>{name}; {name}</dc:creator>"
                "<dc:subject>{subject}</dc:subject><dcterms:abstract>{text}</dcterms:abstract>"
                "<dc:publisher>{name}</dc:publisher><dcterms:spatial>{place}</dcterms:spatial>"
                "<dcterms:accessRights>{text}</dcterms:accessRights>"
            ),
            "oai_qdc",
        ),
        (
            MODS.format(
                "<titleInfo><title>{title}</title><subTitle>{text}</subTitle></titleInfo>"
                "<name><namePart>{name}</namePart></name><subject><topic>{subject}</topic>"
                "<geographic>{place}</geographic></subject><abstract>{text}</abstract>"
                "<originInfo><publisher>{name}</publisher></originInfo>"
                "<accessCondition>{text}</accessCondition>"
            ),
            "mods",
        ),
    ],
)
def test_nfd_input_gives_nfc_values(template: str, metadata_prefix: str) -> None:
    words = {
        "title": "Địa chí Đồng Tháp",
        "name": "Nguyễn Hữu Hiệp",
        "subject": "Lịch sử",
        "text": "Vùng đất Sa Đéc",
        "place": "Cao Lãnh",
    }
    nfd = {key: unicodedata.normalize("NFD", value) for key, value in words.items()}
    assert nfd != words

    record = _map(template.format(**nfd), metadata_prefix)

    for name in NFC_FIELDS:
        value = getattr(record, name)
        for text in value if isinstance(value, tuple) else (value,):
            assert text and unicodedata.is_normalized("NFC", text), (name, text)
    assert record.title and record.title.startswith("Địa chí Đồng Tháp")
    assert "Đồng Tháp" in record.provinces


def test_islandora_mods_maps_every_field() -> None:
    record = _fixture("islandora_mods.xml", "mods")

    # The main titleInfo, not the alternative before it nor the host relatedItem's.
    assert record.title == "Bản đồ tỉnh Cần Thơ : tỷ lệ 1:100.000. Tờ 2"
    # The cartographer (a creator role) first; the name's dates left out.
    assert record.creators == ("Nguyễn, Văn Sâm", "Service géographique de l'Indochine")
    assert record.subjects == ("Hành chính", "1925-1930", "Phan Thanh Giản")
    assert record.places == ("Ô Môn (Cần Thơ)", "Phụng Hiệp, Cần Thơ, Việt Nam")
    assert record.description == (
        "Bản đồ hành chính tỉnh Cần Thơ thời Pháp thuộc, ghi các quận Châu Thành, Ô Môn, "
        "Phụng Hiệp."
    )
    assert record.publisher == "Service géographique de l'Indochine"  # ISBD "," stripped
    # The free-text date is shown; the years come from the keyDate start/end pair, and the
    # digitisation's keyDate and the host's 1999 are not the record's.
    assert (record.date, record.year_from, record.year_to) == ("[1925-1930?]", 1925, 1930)
    assert record.kind == "map"
    assert record.languages == ("fra", "vie")
    assert record.identifiers == (
        "http://127.0.0.1/islandora/object/bando:31",
        "BD-0031",
        "http://127.0.0.1/handle/11111/31",
    )
    assert record.isbns == ()  # the host's ISBN is not this map's
    assert record.rights == "Hết thời hạn bảo hộ quyền tác giả"
    assert set(record.provinces) == {"Cần Thơ", "Hậu Giang"}
    assert record.provinces_today == ("Cần Thơ",)
    # The member's record page is the URL "object in context", not the thumbnail.
    library = make_library(metadata_prefix="mods")
    assert library.record_url(record.oai_id, record.identifiers) == record.identifiers[0]


@pytest.mark.parametrize(
    ("title_infos", "expected"),
    [
        ("<titleInfo><nonSort>La </nonSort><title>Cochinchine française</title></titleInfo>",
         "La Cochinchine française"),
        ("<titleInfo><nonSort>L'</nonSort><title>Indochine</title></titleInfo>", "L'Indochine"),
        ("<titleInfo><nonSort>The</nonSort><title>Mekong</title></titleInfo>", "The Mekong"),
        # A converter's type="alternative" on <title> itself (DPLA's Tennessee sample).
        ('<titleInfo><title type="alternative">Tên khác</title></titleInfo>'
         "<titleInfo><title>Tên chính</title><partName>Quyển thượng</partName></titleInfo>",
         "Tên chính. Quyển thượng"),
        ('<titleInfo type="translated"><title>Can Tho of old</title></titleInfo>',
         "Can Tho of old"),
        ('<titleInfo><title>Phụ</title></titleInfo><titleInfo usage="primary">'
         "<title>Chính /</title></titleInfo>", "Chính"),
        ("<relatedItem><titleInfo><title>Bộ sưu tập</title></titleInfo></relatedItem>", None),
    ],
)  # fmt: skip
def test_mods_title(title_infos: str, expected: str | None) -> None:
    assert _map(MODS.format(title_infos), "mods").title == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("<displayForm>Trương Vĩnh Ký</displayForm><namePart>Trương, Vĩnh Ký</namePart>",
         "Trương Vĩnh Ký"),
        ('<namePart type="given">Jean</namePart><namePart type="family">Moura</namePart>'
         '<namePart type="termsOfAddress">Dr.</namePart>', "Moura, Jean"),
        ("<namePart>Việt Nam (Việt Nam Cộng hòa).</namePart><namePart>Bộ Giáo dục</namePart>",
         "Việt Nam (Việt Nam Cộng hòa), Bộ Giáo dục"),
        ('<namePart type="family">Sơn Nam</namePart>', "Sơn Nam"),
    ],
)  # fmt: skip
def test_mods_name(name: str, expected: str) -> None:
    assert _map(MODS.format(f"<name>{name}</name>"), "mods").creators == (expected,)


@pytest.mark.parametrize(
    ("origin_info", "date", "years"),
    [
        # A point="start"/"end" pair is a range, whatever the encoding.
        ('<dateCreated encoding="w3cdtf" point="start" keyDate="yes">1914-05</dateCreated>'
         '<dateCreated encoding="w3cdtf" point="end">1985</dateCreated>',
         "1914-05-1985", (1914, 1985)),
        ('<dateIssued encoding="marc" point="start">1975</dateIssued>'
         '<dateIssued encoding="marc" point="end">9999</dateIssued>',  # MARC's "still going"
         "1975-9999", (1975, 1975)),
        ('<dateIssued point="start">1930</dateIssued>', "1930", (1930, 1930)),
        # keyDate="yes" chooses the element; otherwise dateIssued comes before dateCreated.
        ('<dateIssued>1960</dateIssued><dateCreated keyDate="yes">1955</dateCreated>',
         "1955", (1955, 1955)),
        ("<dateCreated>1955</dateCreated><dateIssued>1960</dateIssued>", "1960", (1960, 1960)),
        ('<dateIssued encoding="edtf" keyDate="yes">197X</dateIssued>', "197X", (1970, 1979)),
        ('<dateIssued encoding="marc">18uu</dateIssued>', "18uu", (1800, 1899)),
        ('<dateCreated encoding="w3cdtf" qualifier="approximate">1930</dateCreated>',
         "1930", (1925, 1935)),
        ('<dateCreated qualifier="questionable">1930</dateCreated>', "1930", (1928, 1932)),
        ("<dateCreated>cuối thế kỷ XIX</dateCreated>", "cuối thế kỷ XIX", (1865, 1900)),
        # Free text is shown; the years come from the encoded date beside it.
        ('<dateIssued>Xuân Kỷ Mùi</dateIssued><dateIssued encoding="w3cdtf">1919</dateIssued>',
         "Xuân Kỷ Mùi", (1919, 1919)),
        ("<dateIssued>[s.d.]</dateIssued>", "[s.d.]", None),
        ('<dateIssued point="yes">1930</dateIssued>', "1930", (1930, 1930)),  # not start/end
        # The digitisation is not the work's date unless marked the key date.
        ("<dateCaptured>2020-11-02</dateCaptured>", None, None),
        ('<dateCaptured keyDate="yes">2020</dateCaptured>', "2020", (2020, 2020)),
    ],
)  # fmt: skip
def test_mods_dates(origin_info: str, date: str | None, years: tuple[int, int] | None) -> None:
    record = _map(MODS.format(f"<originInfo>{origin_info}</originInfo>"), "mods")

    assert record.date == date
    assert (record.year_from, record.year_to) == (years or (None, None))


def test_mods_dates_of_a_digitisation_event_are_left_out() -> None:
    record = _map(
        MODS.format(
            '<originInfo eventType="digitization"><dateCaptured keyDate="yes">2020</dateCaptured>'
            "</originInfo><originInfo><dateIssued>1966</dateIssued></originInfo>"
        ),
        "mods",
    )

    assert (record.date, record.year_from) == ("1966", 1966)


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("<typeOfResource>text</typeOfResource>", "book"),
        ("<typeOfResource>cartographic</typeOfResource>", "map"),
        ("<typeOfResource>still image</typeOfResource>", "photograph"),
        ("<typeOfResource>moving image</typeOfResource>", "video"),
        ("<typeOfResource>sound recording-nonmusical</typeOfResource>", "audio"),
        ("<typeOfResource>sound recording-musical</typeOfResource>", "audio"),
        ("<typeOfResource>notated music</typeOfResource>", "other"),
        ("<typeOfResource>three dimensional object</typeOfResource>", "other"),
        ("<typeOfResource>mixed material</typeOfResource>", "other"),
        ('<typeOfResource manuscript="yes">text</typeOfResource>', "manuscript"),
        ('<typeOfResource manuscript="yes">cartographic</typeOfResource>', "manuscript"),
        ("<typeOfResource>text</typeOfResource><originInfo><issuance>serial</issuance>"
         "</originInfo>", "newspaper"),
        ("<typeOfResource>text</typeOfResource><originInfo><issuance>continuing</issuance>"
         "</originInfo>", "newspaper"),
        # A genre our vocabulary knows beats typeOfResource, as MARC's 655 beats the leader.
        ("<typeOfResource>text</typeOfResource><genre>Bản đồ</genre>", "map"),
        ('<typeOfResource>text</typeOfResource><genre authority="marcgt">newspaper</genre>',
         "newspaper"),
        ("<typeOfResource>text</typeOfResource><genre>Gia phả</genre>", "manuscript"),
        ('<typeOfResource>text</typeOfResource><genre authority="marcgt">article</genre>',
         "article"),
        ("<typeOfResource>still image</typeOfResource><genre>Tranh cổ động</genre>",
         "photograph"),
        ("", "other"),
    ],
)  # fmt: skip
def test_mods_kind(body: str, kind: str) -> None:
    assert _map(MODS.format(body), "mods").kind == kind


def test_mods_identifiers_and_isbns() -> None:
    record = _map(
        MODS.format(
            '<identifier type="isbn">978-604-57-1234-4 (bìa cứng)</identifier>'
            '<identifier type="isbn" invalid="yes">0-306-40615-2</identifier>'
            '<identifier type="issn">0866-8078</identifier>'
            '<identifier type="uri">http://127.0.0.1/item/5</identifier>'
            '<location><url access="raw object">http://127.0.0.1/item/5.pdf</url></location>'
            '<accessCondition xlink:href="http://rightsstatements.org/vocab/InC/1.0/"/>'
        ),
        "mods",
    )

    assert record.isbns == ("9786045712344",)  # the cancelled ISBN is left out
    assert record.identifiers == (
        "978-604-57-1234-4 (bìa cứng)",
        "0866-8078",
        "http://127.0.0.1/item/5",
        "http://127.0.0.1/item/5.pdf",
    )
    assert record.rights == "http://rightsstatements.org/vocab/InC/1.0/"  # no text: the link


def test_mods_without_a_namespace_is_read() -> None:
    record = _map(
        "<mods><titleInfo><title>Sóc Trăng</title></titleInfo>"
        "<language><languageTerm>vi-VN</languageTerm></language></mods>",
        "mods",
    )

    assert (record.title, record.languages) == ("Sóc Trăng", ("vie",))


def test_legacy_encoded_mods_and_qdc_text_is_repaired() -> None:
    # "Lịch sử Sóc Trăng" typed in a TCVN3 (ABC) font, then read as if it were CP1252.
    garbled = "LÞch sö Sãc Tr¨ng"
    mods = _map(MODS.format(f"<titleInfo><title>{garbled}</title></titleInfo>"), "mods")
    qdc = _map(QDC.format(f"<dcterms:spatial>{garbled}</dcterms:spatial>"), "oai_qdc")

    assert mods.title == "Lịch sử Sóc Trăng" and mods.provinces_today == ("Cần Thơ",)
    assert qdc.places == ("Lịch sử Sóc Trăng",) and qdc.provinces == ("Sóc Trăng",)


# Any text an XML document can hold (no controls, surrogates, U+FFFE or U+FFFF), in any
# element the mappers read, with any of the attributes they look at.
_TEXT = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff"),
    max_size=30,
)
_QDC_NAMES = (
    "title",
    "alternative",
    "creator",
    "subject",
    "temporal",
    "issued",
    "created",
    "date",
    "identifier",
    "language",
    "type",
    "spatial",
    "rights",
    "license",
)
_MODS_PATHS = (
    "titleInfo/title",
    "titleInfo/nonSort",
    "titleInfo/subTitle",
    "name/namePart",
    "name/role/roleTerm",
    "subject/topic",
    "subject/hierarchicalGeographic/city",
    "originInfo/dateIssued",
    "originInfo/dateCreated",
    "originInfo/issuance",
    "typeOfResource",
    "genre",
    "language/languageTerm",
    "identifier",
    "location/url",
    "accessCondition",
    "abstract",
)
_ATTRIBUTES = st.dictionaries(
    st.sampled_from(("type", "keyDate", "point", "encoding", "qualifier", "manuscript",
                     "usage", "access", "invalid", "eventType")),
    st.sampled_from(("yes", "start", "end", "edtf", "marc", "w3cdtf", "approximate",
                     "alternative", "isbn", "primary", "preview", "family", "given", "")),
    max_size=3,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_QDC_NAMES), st.booleans(), _TEXT), max_size=12))
def test_any_qualified_dc_maps_to_a_record(elements: list[tuple[str, bool, str]]) -> None:
    root = etree.fromstring(QDC.format(""))
    for name, in_dcterms, text in elements:
        ns = "http://purl.org/dc/terms/" if in_dcterms else "http://purl.org/dc/elements/1.1/"
        etree.SubElement(root, f"{{{ns}}}{name}").text = text

    record = _map(etree.tostring(root), "oai_qdc")

    assert record.kind in KINDS
    assert record.year_from is None or record.year_from <= (record.year_to or 0)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_MODS_PATHS), _ATTRIBUTES, _TEXT), max_size=12))
def test_any_mods_maps_to_a_record(elements: list[tuple[str, dict[str, str], str]]) -> None:
    root = etree.fromstring(MODS.format(""))
    for path, attributes, text in elements:
        node = root
        for name in path.split("/"):
            node = etree.SubElement(node, f"{{http://www.loc.gov/mods/v3}}{name}")
        node.attrib.update(attributes)
        node.text = text

    record = _map(etree.tostring(root), "mods")

    assert record.kind in KINDS
    assert record.year_from is None or record.year_from <= (record.year_to or 0)


# End to end: pages served over real HTTP, harvested into a real catalog.


def _harvest(oai_server: str, store: Store, code: str, metadata_prefix: str):  # noqa: ANN202
    library = make_library(
        code=code, endpoint=f"{oai_server}/{code}/oai", metadata_prefix=metadata_prefix
    )
    return harvest_library(library, store, FAST)


def test_contentdm_oai_qdc_is_harvested(oai_server: str, store: Store) -> None:
    summary = _harvest(oai_server, store, "contentdm", "oai_qdc")

    assert summary.ok, summary.error
    assert (summary.pages, summary.stored, summary.deleted, summary.skipped) == (2, 2, 1, 1)
    assert "oai:127.0.0.1:bando/8" in summary.errors[0]
    assert "expected <oai_qdc:qualifieddc>" in summary.errors[0]
    photo = store.get("contentdm", "oai:127.0.0.1:anhxua/42").record
    assert photo.creators == ("Nguyễn Văn Kiệt", "Trần Thị Hoa")
    assert (photo.kind, photo.year_from, photo.year_to) == ("photograph", 1960, 1970)
    assert photo.places == ("Cái Răng (Cần Thơ)", "Phong Điền")
    assert photo.set_specs == ("anhxua",) and photo.source_format == "oai_qdc"
    assert photo.raw_xml is not None
    kept = etree.fromstring(photo.raw_xml)
    assert kept.tag == "{http://worldcat.org/xmlschemas/qdc-1.0/}qualifieddc"
    assert kept.findtext("{http://purl.org/dc/terms/}spatial") == "Cái Răng (Cần Thơ); Phong Điền"
    map_record_ = store.get("contentdm", "oai:127.0.0.1:bando/7").record
    assert (map_record_.kind, map_record_.year_from, map_record_.provinces_today) == (
        "map",
        1931,
        ("Cà Mau",),
    )
    assert store.get("contentdm", "oai:127.0.0.1:anhxua/43").record.deleted


def test_dspace_qdc_is_harvested(oai_server: str, store: Store) -> None:
    summary = _harvest(oai_server, store, "dspaceqdc", "qdc")

    assert summary.ok, summary.error
    assert (summary.pages, summary.stored, summary.skipped) == (2, 2, 0)
    book = store.get("dspaceqdc", "oai:127.0.0.1:123456789/77").record
    assert book.title == "Địa chí Sóc Trăng"  # NFC literal; the page has it in NFD
    assert (book.date, book.year_from, book.isbns) == ("2012", 2012, ("9786045712344",))
    assert book.languages == ("vie",) and book.kind == "book"
    assert book.raw_xml is not None
    raw_title = etree.fromstring(book.raw_xml).findtext("{http://purl.org/dc/elements/1.1/}title")
    assert raw_title and not unicodedata.is_normalized("NFC", raw_title)  # kept as received
    serial = store.get("dspaceqdc", "oai:127.0.0.1:123456789/80").record
    assert (serial.title, serial.kind, serial.year_from) == (
        "Tạp chí Văn hóa Bạc Liêu, số 12",
        "newspaper",
        2018,
    )


def test_islandora_mods_is_harvested(oai_server: str, store: Store) -> None:
    summary = _harvest(oai_server, store, "islandora", "mods")

    assert summary.ok, summary.error
    assert (summary.pages, summary.stored, summary.deleted, summary.skipped) == (2, 3, 0, 1)
    assert "oai:127.0.0.1:bao_3" in summary.errors[0] and "<modsCollection>" in summary.errors[0]
    bando = store.get("islandora", "oai:127.0.0.1:bando_31").record
    assert bando.title == "Bản đồ tỉnh Cần Thơ : tỷ lệ 1:100.000"
    assert bando.creators == ("Nguyễn, Văn Sâm",)
    assert (bando.kind, bando.year_from, bando.year_to) == ("map", 1925, 1930)
    assert bando.identifiers == ("http://127.0.0.1/islandora/object/bando:31",)
    assert bando.provinces_today == ("Cần Thơ",) and bando.languages == ("fra",)
    assert bando.raw_xml is not None
    assert etree.fromstring(bando.raw_xml).tag == "{http://www.loc.gov/mods/v3}mods"
    giapha = store.get("islandora", "oai:127.0.0.1:giapha_5").record
    assert (giapha.kind, giapha.year_from, giapha.year_to) == ("manuscript", 1800, 1899)
    bao = store.get("islandora", "oai:127.0.0.1:bao_2").record
    assert (bao.kind, bao.year_from, bao.year_to) == ("newspaper", 1907, 1944)
