"""Validate OAI-PMH responses against the official schemas vendored in webapp/schemas/.

The schemas import each other by their published URLs; a resolver maps every one of them to
the local copy, and the parser never touches the network, so validation works offline.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "webapp" / "schemas"

# Published location (as the schemas and our responses name them) -> vendored file.
LOCATIONS = {
    "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd": "OAI-PMH.xsd",
    "http://www.openarchives.org/OAI/2.0/oai_dc.xsd": "oai_dc.xsd",
    "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd": "oai-identifier.xsd",
    "http://dublincore.org/schemas/xmls/simpledc20021212.xsd": "simpledc20021212.xsd",
    "http://www.w3.org/2001/03/xml.xsd": "xml.xsd",
    "http://www.w3.org/2001/xml.xsd": "xml.xsd",
    "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd": "MARC21slim.xsd",
}

# OAI-PMH.xsd validates <metadata> and <description> content strictly ("##other", strict), so
# every namespace that may appear there is imported next to the protocol's own schema.
_DRIVER = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:import namespace="http://www.openarchives.org/OAI/2.0/"
             schemaLocation="http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"/>
  <xs:import namespace="http://www.openarchives.org/OAI/2.0/oai_dc/"
             schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc.xsd"/>
  <xs:import namespace="http://www.openarchives.org/OAI/2.0/oai-identifier"
             schemaLocation="http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"/>
  <xs:import namespace="http://www.loc.gov/MARC21/slim"
             schemaLocation="http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"/>
</xs:schema>"""


class _VendoredSchemas(etree.Resolver):
    """Answer every schema URL from webapp/schemas/; refuse anything else loudly."""

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        name = LOCATIONS.get(system_url) or (
            Path(system_url).name if Path(system_url).parent == SCHEMA_DIR else None
        )
        if name is None:
            raise LookupError(
                f"schema {system_url!r} is not vendored in {SCHEMA_DIR}; add it and map it "
                "in tests/conformance/oai_schema.py"
            )
        return self.resolve_filename(str(SCHEMA_DIR / name), context)


@cache
def oai_schema() -> etree.XMLSchema:
    """Return the compiled OAI-PMH schema with oai_dc, oai-identifier and MARCXML."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(_VendoredSchemas())
    driver = etree.fromstring(_DRIVER.encode(), parser, base_url=str(SCHEMA_DIR) + "/driver.xsd")
    return etree.XMLSchema(driver)


def assert_valid(body: bytes) -> etree._Element:
    """Parse one response body, fail with every schema error if it is invalid, return it."""
    root = etree.fromstring(body, etree.XMLParser(no_network=True, resolve_entities=False))
    schema = oai_schema()
    if not schema.validate(root):
        errors = "\n".join(
            f"  line {e.line}: {e.message}"
            for e in schema.error_log  # type: ignore[attr-defined]
        )
        raise AssertionError(f"response is not valid OAI-PMH 2.0:\n{errors}\n{body[:2000]!r}")
    return root
