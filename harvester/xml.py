"""The one XML parser for harvested bytes: no network, no entity expansion, no silent repair."""

from __future__ import annotations

from lxml import etree

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
MARC_NS = "http://www.loc.gov/MARC21/slim"
DCTERMS_NS = "http://purl.org/dc/terms/"
MODS_NS = "http://www.loc.gov/mods/v3"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XLINK_NS = "http://www.w3.org/1999/xlink"

# recover=False: a page that is not well-formed is refused, never half-read (sickle's own
# parser recovers silently and drops content).
PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    recover=False,
)


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted XML bytes; raises lxml.etree.XMLSyntaxError when not well-formed."""
    return etree.fromstring(data, parser=PARSER)


def metadata_bytes(element: etree._Element) -> bytes:
    """Serialize a record's metadata element as the member wrote it, without the envelope.

    lxml copies every namespace in scope onto a serialized subelement, so the OAI envelope's
    own declarations (``xmlns="…/OAI/2.0/"``, ``xmlns:xsi``) would end up in the kept XML. Those
    inherited from the envelope are dropped when unused; the element's own are all kept, since
    a prefix may be used only inside attribute values (``xsi:type="dcterms:W3CDTF"``).
    """
    parent = element.getparent()
    inherited = parent.nsmap if parent is not None else {}
    # The prefixes declared in the element or below it ("start-ns" reports each declaration
    # once, where it is made; the default namespace comes as "").
    own = [
        prefix
        for _, (prefix, uri) in etree.iterwalk(element, events=("start-ns",))
        if prefix and inherited.get(prefix) != uri
    ]
    # An element's __copy__ copies its whole subtree (copy.deepcopy calls it, after its own
    # bookkeeping): a detached tree whose declarations can be cleaned up.
    detached = element.__copy__()
    etree.cleanup_namespaces(detached, keep_ns_prefixes=own)
    return etree.tostring(detached, encoding="UTF-8")
