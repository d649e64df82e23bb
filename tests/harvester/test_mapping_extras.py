"""Edition statements, formats (extent, medium, file type) and thumbnails, in every format."""

from __future__ import annotations

import pytest

from tests.harvester.test_mapping_formats import MODS, QDC, _fixture, _map

DC = (
    '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/">{}</oai_dc:dc>'
)
MARC = '<record xmlns="http://www.loc.gov/MARC21/slim"><leader>00000nam a2200000 a 4500</leader>{}</record>'  # noqa: E501


def _field(tag: str, **subfields: str) -> str:
    inner = "".join(
        f'<subfield code="{code}">{value}</subfield>' for code, value in subfields.items()
    )
    return f'<datafield tag="{tag}" ind1=" " ind2=" ">{inner}</datafield>'


def test_oai_dc_formats_and_an_image_identifier_as_thumbnail() -> None:
    record = _map(
        DC.format(
            "<dc:title>Chợ nổi Cái Răng</dc:title><dc:format>1 ảnh : màu ; 9 x 14 cm</dc:format>"
            "<dc:format>image/jpeg</dc:format>"
            "<dc:identifier>https://thuvien.example.vn/record/7</dc:identifier>"
            "<dc:relation>javascript:alert(1).jpg</dc:relation>"
            "<dc:identifier>https://thuvien.example.vn/files/7/thumb.JPG</dc:identifier>"
        ),
        "oai_dc",
    )
    assert record.formats == ("1 ảnh : màu ; 9 x 14 cm", "image/jpeg")
    assert record.thumbnail == "https://thuvien.example.vn/files/7/thumb.JPG"
    assert record.edition is None


def test_oai_dc_without_an_image_has_no_thumbnail() -> None:
    record = _map(
        DC.format("<dc:identifier>http://opac.example.vn/cgi-bin/koha?id=5</dc:identifier>"),
        "oai_dc",
    )
    assert record.thumbnail is None and record.formats == ()


def test_marc_edition_extent_and_a_cover_link() -> None:
    record = _map(
        MARC.format(
            _field("245", a="Địa chí Cần Thơ /")
            + _field("250", a="Tái bản lần thứ 2,", b="có sửa chữa, bổ sung.")
            + _field("300", a="567 tr. :", b="ảnh, bản đồ ;", c="27 cm.")
            + _field("856", u="https://thuvien.example.vn/record/9")
            + _field("856", **{"3": "Ảnh bìa", "u": "https://thuvien.example.vn/cover?id=9"})
        ),
        "marc21",
    )
    assert record.edition == "Tái bản lần thứ 2, có sửa chữa, bổ sung"
    assert record.formats == ("567 tr. : ảnh, bản đồ ; 27 cm",)
    assert record.thumbnail == "https://thuvien.example.vn/cover?id=9"


def test_marc_thumbnail_never_takes_a_link_that_is_not_http() -> None:
    record = _map(
        MARC.format(_field("856", **{"3": "thumbnail", "u": "javascript:alert(1)"})), "marc21"
    )
    assert record.thumbnail is None


def test_mods_edition_physical_description_and_preview() -> None:
    record = _fixture("islandora_mods.xml", "mods")
    assert record.thumbnail == "http://127.0.0.1/islandora/object/bando:31/datastream/TN/view"
    assert record.formats  # extent and form from physicalDescription
    edition = _map(
        MODS.format(
            "<titleInfo><title>Bản đồ Cần Thơ</title></titleInfo>"
            "<originInfo><edition>In lần thứ 3</edition></originInfo>"
            '<location><url access="preview">ftp://example.vn/tn.jpg</url></location>'
        ),
        "mods",
    )
    assert edition.edition == "In lần thứ 3" and edition.thumbnail is None


@pytest.mark.parametrize("prefix", ["oai_qdc"])
def test_qualified_dc_extent_medium_and_thumbnail(prefix: str) -> None:
    record = _map(
        QDC.format(
            "<dc:title>Ảnh chợ nổi</dc:title><dcterms:extent>1 ảnh</dcterms:extent>"
            "<dcterms:medium>giấy ảnh</dcterms:medium>"
            "<dcterms:hasFormat>https://cdm.example.vn/thumbnail/12.png</dcterms:hasFormat>"
        ),
        prefix,
    )
    assert record.formats == ("1 ảnh", "giấy ảnh")
    assert record.thumbnail == "https://cdm.example.vn/thumbnail/12.png"


def test_an_edition_statement_keeps_two_editions_apart() -> None:
    from dataclasses import replace

    from catalog.merge import same_work

    first = _map(MARC.format(_field("245", a="Địa chí Cần Thơ /") + _field("100", a="Huỳnh Minh")),
                 "marc21")  # fmt: skip
    first = replace(first, edition="In lần thứ nhất")
    assert same_work(first, replace(first, library="camau"))
    # The statement is read from the edition field (MARC 250), not only from the title.
    assert not same_work(first, replace(first, library="camau", edition="Tái bản lần thứ 2"))
