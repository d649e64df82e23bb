"""Invalid XML over real HTTP: safe repairs are made and logged, the rest is quarantined whole."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from catalog.errors import RecordNotFoundError
from catalog.models import Library
from catalog.store import Store
from harvester.repair import repair_xml
from harvester.run import HarvestOptions, harvest_library
from harvester.xml import parse_xml
from tests.factories import make_library, make_record

FAST = HarvestOptions(timeout=2.0, max_retries=1, max_retry_after=0.01)


def _library(oai_server: str, name: str) -> Library:
    return make_library(code=name, endpoint=f"{oai_server}/{name}/oai")


def _titles(store: Store, library: str) -> list[str | None]:
    return [stored.record.title for stored in store.select(library=library)]


def test_forbidden_control_characters_are_removed_and_logged(
    oai_server: str, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)

    summary = harvest_library(_library(oai_server, "controlchars"), store, FAST)

    assert summary.ok, summary.error
    assert _titles(store, "controlchars") == ["Bạc Liêu xưa", "Hậu Giang ngày nay", "An Giang"]
    logged = [r.getMessage() for r in caplog.records if "control character" in r.getMessage()]
    assert len(logged) == 2  # raw characters, then character references
    assert all(line.startswith("[controlchars] ListRecords page 1: removed") for line in logged)
    assert "U+000B" in logged[0] and "&#11;" in logged[1]
    assert sum("control character" in line for line in summary.errors) == 2


def test_windows_1252_bytes_declared_utf8_are_read_as_windows_1252(
    oai_server: str, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)

    summary = harvest_library(_library(oai_server, "cp1252"), store, FAST)

    assert summary.ok, summary.error
    assert _titles(store, "cp1252") == [
        "Société des études indochinoises",
        "L’Indochine française: Mytho",
    ]
    assert any(
        r.getMessage().startswith("[cp1252] ListRecords page 1: the page declares UTF-8")
        and "windows-1252" in r.getMessage()
        for r in caplog.records
    )


def test_utf8_bytes_declared_iso_8859_1_are_read_as_utf8(oai_server: str, store: Store) -> None:
    summary = harvest_library(_library(oai_server, "latin1lie"), store, FAST)

    assert summary.ok, summary.error
    assert _titles(store, "latin1lie") == ["Cần Thơ", "Đồng Tháp"]
    assert any("declares ISO-8859-1" in line for line in summary.errors)


def test_a_page_that_cannot_be_repaired_is_quarantined_whole_with_its_request(
    oai_server: str, store: Store, tmp_path: Path
) -> None:
    store.upsert_page([make_record(library="mixedenc", oai_id="oai:kept:1")])
    options = replace(FAST, quarantine_dir=tmp_path / "quarantine")

    summary = harvest_library(_library(oai_server, "mixedenc"), store, options)

    assert not summary.ok
    assert "not well-formed XML even after safe repairs" in (summary.error or "")
    with pytest.raises(RecordNotFoundError):
        store.get("mixedenc", "oai:mixedenc:1")  # never half-read: not even the good record
    assert not store.get("mixedenc", "oai:kept:1").record.deleted
    (page,) = (tmp_path / "quarantine" / "mixedenc").glob("*-page-*.xml")
    raw = Path(__file__).parents[1] / "fixtures/oai/mixedenc/ListRecords.xml"
    assert page.read_bytes() == raw.read_bytes()  # the bytes as received, not repaired
    about = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    assert about["library"] == "mixedenc" and about["request"] == "ListRecords page 1"
    assert about["url"].endswith("/mixedenc/oai?verb=ListRecords&metadataPrefix=oai_dc")
    assert str(page) in (summary.error or "")
    assert any(str(page) in line for line in summary.errors)
    window = store.harvest_window("mixedenc")
    assert window is not None and window.in_flight  # the next run asks for the page again


def test_a_truncated_page_is_refused_and_quarantined(
    oai_server: str, store: Store, tmp_path: Path
) -> None:
    options = replace(FAST, quarantine_dir=tmp_path)

    summary = harvest_library(_library(oai_server, "broken"), store, options)

    assert not summary.ok and store.count(library="broken") == 0
    assert len(list((tmp_path / "broken").glob("*-page-*.xml"))) == 1


def test_without_a_quarantine_folder_the_error_says_how_to_keep_the_bytes(
    oai_server: str, store: Store
) -> None:
    summary = harvest_library(_library(oai_server, "broken"), store, FAST)

    assert "set a quarantine folder" in (summary.error or "")


def test_a_record_that_cannot_be_mapped_is_quarantined_alone(
    oai_server: str, store: Store, tmp_path: Path
) -> None:
    options = replace(FAST, quarantine_dir=tmp_path)

    summary = harvest_library(_library(oai_server, "good"), store, options)

    assert summary.ok and summary.stored == 4 and summary.skipped == 1
    (kept,) = (tmp_path / "good").glob("*-record-*.xml")
    assert b"<identifier>oai:good:4</identifier>" in kept.read_bytes()
    about = json.loads(kept.with_suffix(".json").read_text(encoding="utf-8"))
    assert about["oai_id"] == "oai:good:4" and "not oai_dc" in about["reason"]
    assert any(str(kept) in line for line in summary.errors)


@pytest.mark.parametrize(
    "body",
    [
        '<?xml version="1.0" encoding="UTF-8"?><a>Cần Thơ &#10; &#x9;</a>'.encode(),
        b"<a>plain</a>",
        '<?xml version="1.0" encoding="windows-1258"?><a>C\u00e2\u0300n</a>'.encode("cp1258"),
        "\ufeff<a>x\x0b</a>".encode("utf-16"),
    ],
)
def test_pages_that_need_no_safe_repair_are_left_alone(body: bytes) -> None:
    assert repair_xml(body).body == body and repair_xml(body).repairs == ()


def test_php_notices_after_the_root_element_are_cut_off_and_logged(
    oai_server: str, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)

    summary = harvest_library(_library(oai_server, "phpnotice"), store, FAST)

    assert summary.ok, summary.error
    assert _titles(store, "phpnotice") == ["Sóc Trăng: địa chí", "Vĩnh Long xưa"]
    (logged,) = [r.getMessage() for r in caplog.records if "</OAI-PMH>" in r.getMessage()]
    assert logged.startswith("[phpnotice] ListRecords page 1: removed")
    assert "'<br /> <b>Notice</b>: Undefined index: set" in logged
    assert any("after the closing </OAI-PMH> tag" in line for line in summary.errors)


def test_xml_declarations_repeated_inside_metadata_are_removed(
    oai_server: str, store: Store
) -> None:
    summary = harvest_library(_library(oai_server, "xmldecl"), store, FAST)

    assert summary.ok, summary.error
    assert _titles(store, "xmldecl") == ["Bến Tre đồng khởi", "Hà Tiên thập cảnh"]
    record = store.get("xmldecl", "oai:xmldecl:2").record
    assert record.description == 'Exported as <?xml version="1.0"?> by the ILS'  # CDATA kept
    assert any("removed 2 XML declaration(s)" in line for line in summary.errors)


def test_windows_1258_bytes_declared_utf8_are_read_as_vietnamese_in_nfc(
    oai_server: str, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)

    summary = harvest_library(_library(oai_server, "cp1258"), store, FAST)

    assert summary.ok, summary.error
    assert _titles(store, "cp1258") == [
        "Cần Thơ xưa và nay",
        "Lịch sử Đồng Tháp Mười",
        "Địa chí Sóc Trăng",
    ]  # NFC literals: the combining tone marks are composed
    record = store.get("cp1258", "oai:cp1258:1").record
    assert record.creators == ("Huỳnh Minh",)
    assert any(
        r.getMessage().startswith("[cp1258] ListRecords page 1: the page declares UTF-8")
        and "windows-1258" in r.getMessage()
        and "NFC" in r.getMessage()
        for r in caplog.records
    )


def test_text_that_may_be_windows_1258_but_not_surely_is_refused_and_quarantined(
    oai_server: str, store: Store, tmp_path: Path
) -> None:
    options = replace(FAST, quarantine_dir=tmp_path)

    summary = harvest_library(_library(oai_server, "cp1258unsure"), store, options)

    assert not summary.ok and store.count(library="cp1258unsure") == 0
    assert "windows-1258, but not surely" in (summary.error or "")
    assert "2 of 3 tone marks follow no Vietnamese vowel" in (summary.error or "")
    assert "ask the member to serve UTF-8" in (summary.error or "")
    (page,) = (tmp_path / "cp1258unsure").glob("*-page-*.xml")
    raw = Path(__file__).parents[1] / "fixtures/oai/cp1258unsure/ListRecords.xml"
    assert page.read_bytes() == raw.read_bytes()
    about = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    assert "windows-1258" in about["reason"]


# Vietnamese typed in the legacy TCVN3 and VNI fonts (not windows-1258): read as windows-1252
# as before, so that catalog.legacy can repair the words afterwards.
_TCVN3_VIET_NAM = b"Vi\xd6t Nam"  # "Việt Nam"
_VNI_LICH_SU = b"L\xf2ch s\xf6\xfb"  # "Lịch sử"


@pytest.mark.parametrize("text", [_TCVN3_VIET_NAM, _VNI_LICH_SU, "São Paulo".encode("cp1252")])
def test_single_byte_text_that_is_not_windows_1258_is_still_read_as_windows_1252(
    text: bytes,
) -> None:
    repaired = repair_xml(b'<?xml version="1.0" encoding="UTF-8"?><a>' + text + b"</a>")

    assert repaired.body.decode("utf-8").endswith(text.decode("cp1252") + "</a>")
    assert "windows-1252" in repaired.repairs[0]


@pytest.mark.parametrize(
    "body",
    [
        b'<OAI-PMH xmlns="x"><a/></OAI-PMH>\n<!-- served by oai2.php -->\n<?pi ok?>\n',
        b'<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="oai.xsl"?><OAI-PMH/>',
        b"<OAI-PMH><a><![CDATA[</OAI-PMH> PHP Notice]]></a></OAI-PMH>",
    ],
)
def test_what_xml_allows_after_the_root_or_as_processing_instructions_is_kept(
    body: bytes,
) -> None:
    assert repair_xml(body) == repair_xml(body).__class__(body)


def test_php_messages_before_the_xml_declaration_are_cut_off_and_logged(
    oai_server: str, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)

    summary = harvest_library(_library(oai_server, "phpbefore"), store, FAST)

    assert summary.ok, summary.error
    assert _titles(store, "phpbefore") == ["Bạc Liêu: địa chí", "Cà Mau: đất mũi"]
    logged = [r.getMessage() for r in caplog.records if "before the XML document" in r.getMessage()]
    assert len(logged) == 2
    assert logged[0].startswith("[phpbefore] ListRecords page 1: removed")
    assert (
        "2 PHP message(s)" in logged[0] and "<b>Warning</b>: Undefined variable $set" in logged[0]
    )
    assert logged[1].startswith("[phpbefore] ListRecords page 2: removed")
    assert "3 PHP message(s)" in logged[1] and "'Deprecated: Function utf8_encode()" in logged[1]
    assert sum("before the XML document" in line for line in summary.errors) == 2


def test_an_html_page_after_a_php_warning_is_still_refused(
    oai_server: str, store: Store, tmp_path: Path
) -> None:
    summary = harvest_library(
        _library(oai_server, "phphtml"), store, replace(FAST, quarantine_dir=tmp_path)
    )

    assert not summary.ok and store.count(library="phphtml") == 0
    assert "got an HTML page (HTTP 200), not OAI-PMH XML" in (summary.error or "")


_DOCUMENT = (
    b'<?xml version="1.0" encoding="UTF-8"?><OAI-PMH><a>C\xe1\xba\xa7n Th\xc6\xa1</a></OAI-PMH>'
)


@pytest.mark.parametrize(
    ("preamble", "kept"),
    [
        (b"\n<br />\n<b>Warning</b>:  Undefined variable $x in /oai.php on line 12<br />\n", b""),
        (b"\xef\xbb\xbf\r\n<b>Notice</b>: Undefined in /a on line 9<br />\r\n", b"\xef\xbb\xbf"),
        (b"Deprecated: Function each() is deprecated in /oai.php on line 5\n", b""),
        (b"PHP Warning:  Undefined array key 1 in /a on line 7\nNotice: x in /a on line 1\n", b""),
        (b"\xef\xbb\xbf\n  \n", b"\xef\xbb\xbf"),  # a byte-order mark, then a blank line
        (b"\n\t\n", b""),
    ],
)  # fmt: skip
def test_php_messages_and_white_space_before_the_declaration_are_removed(
    preamble: bytes, kept: bytes
) -> None:
    repaired = repair_xml(preamble + _DOCUMENT)

    assert repaired.body == kept + _DOCUMENT
    (repair,) = repaired.repairs
    assert repair.startswith(f"removed {len(preamble) - len(kept)} byte(s) ")
    assert "before the XML" in repair
    assert parse_xml(repaired.body).findtext("a") == "Cần Thơ"


def test_php_messages_before_an_undeclared_root_are_removed() -> None:
    body = b"Notice: Undefined offset: 0 in /oai.php on line 3\n<OAI-PMH><a/></OAI-PMH>"

    repaired = repair_xml(body)

    assert repaired.body == b"<OAI-PMH><a/></OAI-PMH>" and len(repaired.repairs) == 1


@pytest.mark.parametrize(
    "preamble",
    [
        b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>\n",
        b"<b>Fatal error</b>: Allowed memory size exhausted in /oai.php on line 3<br />\n",
        b"Hello from the load balancer\n",
    ],
)
def test_anything_but_php_notices_before_the_document_is_left_for_the_parser_to_refuse(
    preamble: bytes,
) -> None:
    repaired = repair_xml(preamble + _DOCUMENT)

    assert repaired.body.startswith(preamble)
    assert not any("before the XML" in repair for repair in repaired.repairs)
    assert "are not PHP messages or white space" in repaired.doubts[0]
    with pytest.raises(etree.XMLSyntaxError):
        parse_xml(repaired.body)


def test_white_space_before_an_undeclared_root_is_allowed_and_left_alone() -> None:
    body = b"\n\n<OAI-PMH><a/></OAI-PMH>"

    assert repair_xml(body) == repair_xml(body).__class__(body)
