"""The mapping's fast paths give exactly what the plain ones they replaced gave.

``metadata_bytes`` finds the element's own namespace declarations in one walk (lxml's
"start-ns" events) instead of asking every node for its namespaces in scope, and
``_dublin_core`` reads the DC elements in one walk instead of one per element name; both are
checked against the plain versions, written out below, on every fixture and corpus response.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from lxml import etree

from harvester.fields import unique_values
from harvester.mapping import _dublin_core
from harvester.repair import repair_xml
from harvester.xml import DC_NS, OAI_DC_NS, OAI_NS, metadata_bytes, parse_xml
from tests.oai_server import CORPUS, FIXTURES

_DC_NAMES = (
    "title creator contributor subject description publisher date type format identifier "
    "source language relation coverage rights spatial"
).split()


def _plain_metadata_bytes(element: etree._Element) -> bytes:
    parent = element.getparent()
    inherited = parent.nsmap if parent is not None else {}
    own = [
        prefix
        for node in element.iter()
        if isinstance(node.tag, str)
        for prefix, uri in node.nsmap.items()
        if prefix is not None and inherited.get(prefix) != uri
    ]
    detached = copy.deepcopy(element)
    etree.cleanup_namespaces(detached, keep_ns_prefixes=own)
    return etree.tostring(detached, encoding="UTF-8")


def _documents() -> list[tuple[str, etree._Element]]:
    paths = sorted(FIXTURES.rglob("*.xml")) + sorted(Path(CORPUS).glob("*.xml"))
    documents = []
    for path in paths:
        try:
            documents.append((path.name, parse_xml(repair_xml(path.read_bytes()).body)))
        except etree.XMLSyntaxError:
            continue  # the malformed-page fixtures
    return documents


def _metadata_elements(root: etree._Element) -> list[etree._Element]:
    return [
        child
        for metadata in root.iter(f"{{{OAI_NS}}}metadata")
        for child in metadata
        if isinstance(child.tag, str)
    ]


def test_there_are_responses_to_compare() -> None:
    documents = _documents()
    assert len(documents) > 30
    assert sum(len(_metadata_elements(root)) for _, root in documents) > 100


@pytest.mark.parametrize(("name", "root"), [pytest.param(*d, id=d[0]) for d in _documents()])
def test_kept_xml_is_byte_for_byte_what_the_plain_serialisation_gives(
    name: str, root: etree._Element
) -> None:
    for element in root.iter():  # every element, not only metadata: any depth, any scope
        if isinstance(element.tag, str):
            assert metadata_bytes(element) == _plain_metadata_bytes(element), name


@pytest.mark.parametrize(
    "xml",
    [
        # A prefix declared again below with another URI, and one only used in a value.
        b'<a xmlns="urn:env" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        b'<m xmlns:dc="urn:dc"><r xmlns="urn:r" xmlns:dc="urn:dc">'
        b'<dc:t xmlns:x="urn:x" xsi:type="x:y">1</dc:t>'
        b'<q xmlns:dc="urn:other" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
        b'<z xmlns=""/></r></m></a>',
        # A prefix bound to one URI, rebound, and bound back.
        b'<a xmlns:p="urn:1"><r xmlns:p="urn:2"><p:x xmlns:p="urn:1"/></r></a>',
        # Default namespaces only.
        b'<r xmlns:p="urn:1" xmlns="urn:d"><p:x/><y xmlns="urn:e"/></r>',
    ],
)
def test_kept_xml_matches_in_namespace_corner_cases(xml: bytes) -> None:
    for element in etree.fromstring(xml).iter():
        assert metadata_bytes(element) == _plain_metadata_bytes(element)


def test_dublin_core_values_match_one_walk_per_element_name() -> None:
    compared = 0
    for name, root in _documents():
        for element in _metadata_elements(root):
            if element.tag != f"{{{OAI_DC_NS}}}dc":
                continue
            values = _dublin_core(element)
            plain = {
                dc: unique_values(node.text for node in element.iter(f"{{{DC_NS}}}{dc}"))
                for dc in _DC_NAMES
            }
            assert values["title"] == (plain["title"] or (None,))[0], name
            assert values["creators"] == plain["creator"] + plain["contributor"], name
            assert values["subjects"] == plain["subject"], name
            assert values["places"] == plain["coverage"] + plain["spatial"], name
            assert values["identifiers"] == plain["identifier"], name
            assert values["date"] == (plain["date"] or (None,))[0], name
            assert values["description"] == (" ".join(plain["description"]) or None), name
            compared += 1
    assert compared > 50
