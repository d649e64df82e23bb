"""The harvest's fast paths read what the plain versions they replaced read.

Headers and records are read in one walk over their children, control bytes are looked for
with ``bytes.translate`` first, legacy repairs skip the tuple dance for single values, and
cleaned values and legacy readings of short values are remembered. Each is checked against
the plain version, written out below, on every fixture and corpus response and on made-up
corner cases.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from catalog.legacy import fix_legacy
from catalog.normalize import clean_text
from harvester import mapping, oai, repair
from harvester.fields import clean_text_remembered, unique_values
from harvester.oai import Header
from harvester.repair import repair_xml
from harvester.xml import OAI_NS, parse_xml
from tests.oai_server import CORPUS, FIXTURES

_RESPONSE_DATE = datetime(2025, 1, 1, tzinfo=UTC)


def _plain_record(item: etree._Element) -> tuple[Header, etree._Element | None] | str:
    header = oai._child(item, "header")
    if header is None:
        return "no header"
    read = _plain_header(header)
    if isinstance(read, str):
        return read
    metadata = oai._child(item, "metadata")
    element = None
    if metadata is not None:
        children = [child for child in metadata if isinstance(child.tag, str)]
        element = children[0] if children else None
    return read[0], element


def _plain_header(header: etree._Element) -> tuple[Header, None] | str:
    oai_id = oai._text(header, "identifier")
    datestamp = oai._datestamp(oai._text(header, "datestamp"))
    deleted = header.get("status") == "deleted"
    if oai_id and deleted and datestamp is None:
        datestamp = _RESPONSE_DATE
    if not oai_id or datestamp is None:
        return f"unusable ({oai_id!r})"
    set_specs = tuple(
        (node.text or "").strip() for node in header.iterchildren(f"{{{OAI_NS}}}setSpec")
    )
    return Header(oai_id=oai_id, datestamp=datestamp, deleted=deleted, set_specs=set_specs), None


def _same_reading(item: etree._Element) -> None:
    fast = oai._record("lib", "request", item, _RESPONSE_DATE)
    plain = _plain_record(item)
    if isinstance(plain, str):
        assert isinstance(fast, str)
        assert ("without <header>" in fast) == (plain == "no header")
        return
    assert not isinstance(fast, str)
    assert fast[0] == plain[0]
    assert fast[1] is plain[1] or (fast[1] is not None and fast[1] == plain[1])


def _documents() -> list[tuple[str, etree._Element]]:
    documents = []
    for path in sorted(FIXTURES.rglob("*.xml")) + sorted(Path(CORPUS).glob("*.xml")):
        try:
            documents.append((path.name, parse_xml(repair_xml(path.read_bytes()).body)))
        except etree.XMLSyntaxError:
            continue  # the malformed-page fixtures
    return documents


def test_every_record_of_the_fixtures_and_corpus_is_read_as_before() -> None:
    read = 0
    for _name, root in _documents():
        for item in root.iter(f"{{{OAI_NS}}}record"):
            _same_reading(item)
            read += 1
        for header in root.iter(f"{{{OAI_NS}}}header"):  # ListIdentifiers reads headers alone
            fast = oai._header("lib", "request", header, _RESPONSE_DATE)
            plain = _plain_header(header)
            assert (fast if isinstance(fast, str) else fast[0]) == (
                plain if isinstance(plain, str) else plain[0]
            ) or (isinstance(fast, str) and isinstance(plain, str))
    assert read > 300


_HEADERS = [
    # The first identifier counts, even when it is empty; every setSpec, in order.
    "<header><identifier> </identifier><identifier>oai:x:2</identifier>"
    "<datestamp>2025-01-01</datestamp></header>",
    "<header><identifier>oai:x:1</identifier><setSpec> a </setSpec><datestamp>2025-01-01"
    "</datestamp><setSpec/><setSpec>b</setSpec><datestamp>2026-01-01</datestamp></header>",
    # A deleted record without a datestamp takes the page's responseDate.
    '<header status="deleted"><identifier>oai:x:3</identifier></header>',
    "<header><identifier>oai:x:4</identifier><datestamp>not a date</datestamp></header>",
    "<header><datestamp>2025-01-01T10:00:00Z</datestamp></header>",
]
_RECORDS = [
    "<record>{header}<metadata><m/></metadata></record>",
    "<record><metadata><m/></metadata>{header}<metadata><n/></metadata>{header}</record>",
    "<record>{header}<metadata>  <!-- c --><?pi x?><m/><n/></metadata></record>",
    "<record>{header}<metadata/><about/></record>",
    "<record>{header}</record>",
    "<record><about/></record>",
    "<record><other:header xmlns:other='urn:x'/>{header}</record>",
]


@pytest.mark.parametrize("header", _HEADERS)
@pytest.mark.parametrize("record", _RECORDS)
def test_records_in_odd_shapes_are_read_as_before(record: str, header: str) -> None:
    xml = f'<r xmlns="{OAI_NS}">{record.format(header=header)}</r>'
    root = etree.fromstring(xml, etree.XMLParser(remove_comments=False, remove_pis=False))
    _same_reading(root[0])


_TEXT = st.text(
    st.one_of(st.sampled_from("ViÖt Ñoàng Thaùp aăâđ\u0300\u0301 \t\xa0"), st.characters()),
    max_size=30,
)


def _plain_repair_legacy(values: dict[str, object]) -> list[tuple[str, str, str]]:
    changed: list[tuple[str, str, str]] = []
    for name in mapping._TEXT_FIELDS:
        value = values.get(name)
        items = value if isinstance(value, tuple) else (value,)
        fixed = tuple(
            fix_legacy(item) if isinstance(item, str) and not item.isascii() else item
            for item in items
        )
        if fixed != items:
            changed.extend(
                (name, str(before), str(after))
                for before, after in zip(items, fixed, strict=True)
                if before != after
            )
        values[name] = fixed if isinstance(value, tuple) else fixed[0]
    return changed


@settings(max_examples=300, deadline=None)
@given(
    title=st.none() | _TEXT,
    creators=st.lists(_TEXT, max_size=3).map(tuple),
    publisher=st.none() | _TEXT,
    leave_out=st.sets(st.sampled_from(mapping._TEXT_FIELDS)),
)
def test_legacy_repairs_match_their_plain_definition(
    title: str | None, creators: tuple[str, ...], publisher: str | None, leave_out: set[str]
) -> None:
    values: dict[str, object] = dict(
        title=title, creators=creators, subjects=("ViÖt Nam", "Cần Thơ"), description=title,
        publisher=publisher, places=creators, rights="Ñoàng Thaùp",
    )  # fmt: skip
    for name in leave_out:
        del values[name]
    plain = dict(values)

    assert mapping._repair_legacy(values) == _plain_repair_legacy(plain)
    assert values == plain


@settings(max_examples=300, deadline=None)
@given(st.lists(st.none() | _TEXT, max_size=4))
def test_cleaned_values_match_with_and_without_memory(items: list[str | None]) -> None:
    plain = tuple(dict.fromkeys(v for v in map(clean_text, items) if v))

    assert unique_values(items) == plain
    assert mapping._unique_values(items) == plain
    assert [clean_text_remembered(item) for item in items] == [clean_text(i) for i in items]
    for item in items:
        if item is not None:
            assert mapping._fix_legacy(item) == fix_legacy(item)
    long_value = "ViÖt Nam " * 20  # too long to be remembered, read all the same
    assert mapping._fix_legacy(long_value) == fix_legacy(long_value)
    assert clean_text_remembered(long_value + " ") == clean_text(long_value)


def _plain_remove_controls(body: bytes) -> tuple[bytes, int]:
    return re.sub(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", b"", body), len(
        re.findall(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", body)
    )


_BYTES = st.sampled_from([b"<a>", b"\t", b"\n\r", b"\x1f", b"\x00", b"\x7f", b"\xc3\xa0", b"\x0b"])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60) | st.lists(_BYTES).map(b"".join))
def test_control_bytes_are_found_and_removed_as_before(body: bytes) -> None:
    repairs: list[str] = []
    kept, count = _plain_remove_controls(body)

    assert repair._remove_controls(body, repairs) == kept
    assert bool(repairs) == (count > 0)
    if count:
        assert f"removed {count} control character(s)" in repairs[0]


@pytest.mark.parametrize(
    "tag", ["{urn:x}dc", "dc", "{urn:x}record", "record", "{http://www.loc.gov/mods/v3}mods"]
)
def test_the_root_check_reads_the_local_name_as_qname_did(tag: str) -> None:
    element = etree.Element(tag)
    for roots, _ in [(v[1], v[2]) for v in mapping._FORMATS.values()]:
        local = etree.QName(element).localname
        plain = any(root == element.tag or root == f"{{*}}{local}" for root in roots)
        assert mapping._is_root(element, roots) == plain
