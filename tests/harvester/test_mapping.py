"""Mapping harvested metadata to Records: legacy encodings repaired, places and provinces read."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from harvester.mapping import map_record

DC = (
    '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/">{}</oai_dc:dc>'
)


def _map(body: str):  # noqa: ANN202
    return map_record(
        library="cantho",
        oai_id="oai:test:1",
        datestamp=datetime(2025, 1, 1, tzinfo=UTC),
        deleted=False,
        metadata_prefix="oai_dc",
        element=etree.fromstring(DC.format(body)),
    )


def test_tcvn3_title_read_as_cp1252_is_repaired() -> None:
    # "Lịch sử Sóc Trăng" typed in a TCVN3 (ABC) font, then read as if it were CP1252.
    record = _map("<dc:title>LÞch sö Sãc Tr¨ng</dc:title>")

    assert record.title == "Lịch sử Sóc Trăng"
    assert record.provinces_today == ("Cần Thơ",)


def test_clean_vietnamese_and_french_are_untouched() -> None:
    record = _map(
        "<dc:title>Đồng Tháp Mười</dc:title><dc:subject>Monographie de la province</dc:subject>"
    )

    assert record.title == "Đồng Tháp Mười"
    assert record.subjects == ("Monographie de la province",)


def test_places_map_to_the_province_then_and_now() -> None:
    record = _map(
        "<dc:title>Địa chí Sóc Trăng</dc:title><dc:coverage>Sa Đéc</dc:coverage>"
        "<dc:subject>Lịch sử</dc:subject>"
    )

    assert set(record.provinces) == {"Sóc Trăng", "Đồng Tháp"}
    assert set(record.provinces_today) == {"Cần Thơ", "Đồng Tháp"}


def test_kept_metadata_carries_no_namespace_of_the_oai_envelope() -> None:
    # The record as a page holds it: the envelope declares the OAI and xsi namespaces.
    page = etree.fromstring(
        '<record xmlns="http://www.openarchives.org/OAI/2.0/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><metadata>'
        + DC.format('<dc:date xsi:type="dcterms:W3CDTF" xmlns:dcterms="http://purl.org/dc/terms/">'
                    "1966</dc:date>")
        + "</metadata></record>"
    )  # fmt: skip
    element = page[0][0]
    record = map_record(
        library="cantho",
        oai_id="oai:test:1",
        datestamp=datetime(2025, 1, 1, tzinfo=UTC),
        deleted=False,
        metadata_prefix="oai_dc",
        element=element,
    )

    assert record.raw_xml is not None
    assert b'OAI/2.0/"' not in record.raw_xml  # the envelope's default namespace is gone
    # xsi is used, and dcterms is the member's own (used only inside an attribute value).
    assert b"xmlns:xsi=" in record.raw_xml and b"xmlns:dcterms=" in record.raw_xml
    assert etree.fromstring(record.raw_xml).findtext("{*}date") == "1966"
