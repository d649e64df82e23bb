"""OAI-PMH 2.0 XML for the provider: the envelope, headers, records and oai_dc, as lxml trees.

The provider's verb logic lives in `webapp.provider`; this module only builds and serializes
elements, so that a list response can be sent one record at a time (`Envelope`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from lxml import etree

from catalog.models import Record
from catalog.store import format_datestamp

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_IDENTIFIER_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
MARC_NS = "http://www.loc.gov/MARC21/slim"

OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
OAI_IDENTIFIER_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
MARC_SCHEMA = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"

# A member's metadata is untrusted: no entities, no network, as everywhere we read XML.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
# Stands in for the records while the envelope is serialized, then is cut out (see Envelope).
_SLOT = "\ue000records\ue000"


def _oai(name: str) -> str:
    return f"{{{OAI_NS}}}{name}"


class Envelope:
    """The <OAI-PMH> root with responseDate and request: built whole, or sent in pieces."""

    def __init__(self, now: datetime, base_url: str) -> None:
        self.root = etree.Element(_oai("OAI-PMH"), nsmap={None: OAI_NS, "xsi": XSI_NS})
        self.root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_NS} {OAI_SCHEMA}")
        etree.SubElement(self.root, _oai("responseDate")).text = format_datestamp(now)
        self.request = etree.SubElement(self.root, _oai("request"))
        self.request.text = base_url

    def echo(self, verb: str, params: Mapping[str, str]) -> None:
        """Echo the request's arguments; the spec wants them only when they were valid."""
        for name, value in params.items():
            self.request.set(name, value)
        self.request.set("verb", verb)

    def add(self, name: str) -> etree._Element:
        """Add the verb's (or error's) element under the root and return it."""
        return etree.SubElement(self.root, _oai(name))

    def error(self, code: str, message: str) -> None:
        node = self.add("error")
        node.set("code", code)
        node.text = message

    def tobytes(self) -> bytes:
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8")

    def split(self, verb: str) -> tuple[bytes, bytes]:
        """Serialize with an empty verb element; return the bytes before and after its content.

        Whatever goes between (records, then the resumption token) is serialized on its own,
        so a list response never holds more than one record's tree at a time.
        """
        self.add(verb).text = _SLOT
        whole = self.tobytes()
        # rpartition: the slot is the last text in the document, after any echoed argument.
        head, slot, tail = whole.rpartition(_SLOT.encode())
        if not slot:
            raise AssertionError("the record slot went missing from the serialized envelope")
        return head, tail


def element_bytes(element: etree._Element) -> bytes:
    """Serialize one element (a record, a header, a token) without an XML declaration."""
    return etree.tostring(element, encoding="UTF-8", xml_declaration=False)


def header(
    identifier: str, datestamp: datetime, *, deleted: bool, set_specs: Iterable[str]
) -> etree._Element:
    """Build a record's <header>; a deleted record's carries status="deleted"."""
    node = etree.Element(_oai("header"), nsmap={None: OAI_NS})
    if deleted:
        node.set("status", "deleted")
    etree.SubElement(node, _oai("identifier")).text = identifier
    etree.SubElement(node, _oai("datestamp")).text = format_datestamp(datestamp)
    for spec in set_specs:
        etree.SubElement(node, _oai("setSpec")).text = spec
    return node


def record(head: etree._Element, metadata: etree._Element | None) -> etree._Element:
    """Build a <record> from its header and, unless it is deleted, its metadata."""
    node = etree.Element(_oai("record"), nsmap={None: OAI_NS})
    node.append(head)
    if metadata is not None:
        etree.SubElement(node, _oai("metadata")).append(metadata)
    return node


def resumption_token(
    token: str | None, *, complete_list_size: int, cursor: int, expiration: datetime | None
) -> etree._Element:
    """Build a <resumptionToken>; an empty one (token None) ends a list that was split."""
    node = etree.Element(_oai("resumptionToken"), nsmap={None: OAI_NS})
    node.set("completeListSize", str(complete_list_size))
    node.set("cursor", str(cursor))
    if token is not None:
        node.text = token
        if expiration is not None:
            node.set("expirationDate", format_datestamp(expiration))
    return node


def identify(
    parent: etree._Element,
    *,
    repository_name: str,
    base_url: str,
    admin_email: str,
    earliest: datetime,
    namespace: str | None,
    sample_key: str,
) -> None:
    """Fill <Identify>; a union (namespace set) describes its oai-identifier scheme too."""
    for name, value in (
        ("repositoryName", repository_name),
        ("baseURL", base_url),
        ("protocolVersion", "2.0"),
        ("adminEmail", admin_email),
        ("earliestDatestamp", format_datestamp(earliest)),
        ("deletedRecord", "persistent"),
        ("granularity", "YYYY-MM-DDThh:mm:ssZ"),
    ):
        etree.SubElement(parent, _oai(name)).text = value
    if namespace:
        description = etree.SubElement(parent, _oai("description"))
        ident = etree.SubElement(
            description,
            f"{{{OAI_IDENTIFIER_NS}}}oai-identifier",
            nsmap={None: OAI_IDENTIFIER_NS, "xsi": XSI_NS},
        )
        ident.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_IDENTIFIER_NS} {OAI_IDENTIFIER_SCHEMA}")
        for name, value in (
            ("scheme", "oai"),
            ("repositoryIdentifier", namespace),
            ("delimiter", ":"),
            ("sampleIdentifier", f"oai:{namespace}:{sample_key}"),
        ):
            etree.SubElement(ident, f"{{{OAI_IDENTIFIER_NS}}}{name}").text = value


def metadata_format(parent: etree._Element, prefix: str, schema: str, namespace: str) -> None:
    node = etree.SubElement(parent, _oai("metadataFormat"))
    for name, value in (
        ("metadataPrefix", prefix),
        ("schema", schema),
        ("metadataNamespace", namespace),
    ):
        etree.SubElement(node, _oai(name)).text = value


def oai_set(parent: etree._Element, spec: str, name: str) -> None:
    node = etree.SubElement(parent, _oai("set"))
    etree.SubElement(node, _oai("setSpec")).text = spec
    etree.SubElement(node, _oai("setName")).text = name


def parse_metadata(raw_xml: bytes) -> etree._Element:
    """Parse a member's metadata element as received (untrusted: no entities, no network)."""
    return etree.fromstring(raw_xml, _PARSER)


def dublin_core(record: Record) -> etree._Element:
    """Build an oai_dc element from a Record's normalized fields."""
    dc = etree.Element(
        f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS}
    )
    dc.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_DC_NS} {OAI_DC_SCHEMA}")
    values: list[tuple[str, str | None]] = [("title", record.title)]
    values += [("creator", v) for v in record.creators]
    values += [("subject", v) for v in record.subjects]
    values += [("description", record.description), ("publisher", record.publisher)]
    values += [("date", record.date), ("type", record.kind)]
    values += [("identifier", v) for v in record.identifiers]
    values += [("language", v) for v in record.languages]
    values += [("coverage", v) for v in record.places]
    values += [("rights", record.rights)]
    values += [("format", v) for v in record.formats]
    values += [("relation", record.thumbnail)]  # read back as the thumbnail (an image URL)
    for name, value in values:
        if value:
            etree.SubElement(dc, f"{{{DC_NS}}}{name}").text = value
    return dc
