"""The one XML parser for harvested bytes: no network, no entity expansion, no silent repair."""

from __future__ import annotations

from lxml import etree

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
MARC_NS = "http://www.loc.gov/MARC21/slim"

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
