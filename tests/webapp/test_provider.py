"""The union's OAI-PMH provider: verbs, errors, tokens, deleted records, streaming.

Every response these tests read is validated against the official OAI-PMH 2.0, oai_dc,
oai-identifier and MARCXML schemas (vendored in webapp/schemas/) before anything else.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from lxml import etree

from catalog.store import Store, format_datestamp
from config.settings import Settings
from tests.conformance.oai_schema import assert_valid
from tests.factories import make_library, make_record
from tests.webapp.conftest import LIBRARIES
from webapp import create_app, create_member_app
from webapp.provider import TOKEN_SALT

NS = {
    "o": "http://www.openarchives.org/OAI/2.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "marc": "http://www.loc.gov/MARC21/slim",
    "id": "http://www.openarchives.org/OAI/2.0/oai-identifier",
}
UNION = "oai:mekong-union.invalid:"
MARC_XML = (
    '<marc:record xmlns:marc="http://www.loc.gov/MARC21/slim">'
    "<marc:leader>00000nam a2200000 a 4500</marc:leader>"
    '<marc:controlfield tag="001">1085</marc:controlfield>'
    '<marc:datafield tag="245" ind1="1" ind2="0">'
    '<marc:subfield code="a">Đình làng ở Trà Vinh /</marc:subfield></marc:datafield>'
    "</marc:record>"
).encode()
MARC_RECORD = make_record(
    library="travinh",
    oai_id="oai:tv:1085",
    title="Đình làng ở Trà Vinh",
    source_format="marc21",
    raw_xml=MARC_XML,
)


def oai(client: FlaskClient, query: str, *, method: str = "GET") -> etree._Element:
    """Send one request, check HTTP and the schemas, return the parsed response."""
    if method == "POST":
        response = client.post("/oai", data=query, content_type="application/x-www-form-urlencoded")
    else:
        response = client.get(f"/oai?{query}")
    assert response.status_code == 200
    assert response.content_type == "text/xml; charset=utf-8"
    return assert_valid(response.data)


def error_code(root: etree._Element) -> str | None:
    node = root.find("o:error", NS)
    return None if node is None else node.get("code")


def identifiers(root: etree._Element) -> list[str]:
    return [node.text or "" for node in root.iterfind(".//o:header/o:identifier", NS)]


def walk(client: FlaskClient, query: str) -> tuple[list[str], list[etree._Element]]:
    """Follow resumption tokens to the end; return the identifiers and each page's token."""
    seen: list[str] = []
    tokens: list[etree._Element] = []
    root = oai(client, query)
    verb = query.split("&")[0]
    while True:
        seen += identifiers(root)
        token = root.find(".//o:resumptionToken", NS)
        if token is None or not token.text:
            if token is not None:
                tokens.append(token)
            return seen, tokens
        tokens.append(token)
        root = oai(client, f"{verb}&resumptionToken={token.text}")


@pytest.fixture
def union(app: Flask, settings: Settings) -> FlaskClient:
    """The union app over the webapp fixtures plus one record harvested as MARCXML."""
    with Store.open(settings.catalog_path) as store:
        store.upsert_page([MARC_RECORD])
    return app.test_client()


@pytest.fixture
def paged(union: FlaskClient, settings: Settings) -> Iterator[FlaskClient]:
    """The same catalog, one record per page."""
    app = create_app(replace(settings, oai_page_size=1), libraries=LIBRARIES)
    yield app.test_client()
    app.extensions["unioncat"].search_index.close()


# -- verbs -----------------------------------------------------------------------------


def test_identify_describes_the_union(union: FlaskClient, settings: Settings) -> None:
    root = oai(union, "verb=Identify")
    with Store.open(settings.catalog_path) as store:
        earliest = store.earliest_datestamp()

    assert earliest is not None
    assert root.findtext("o:Identify/o:deletedRecord", namespaces=NS) == "persistent"
    assert root.findtext("o:Identify/o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert root.findtext("o:Identify/o:earliestDatestamp", namespaces=NS) == format_datestamp(
        earliest
    )
    assert root.findtext("o:Identify/o:adminEmail", namespaces=NS) == settings.contact_email
    assert root.findtext(".//id:repositoryIdentifier", namespaces=NS) == "mekong-union.invalid"


def test_list_metadata_formats_per_record(union: FlaskClient) -> None:
    def prefixes(query: str) -> list[str]:
        root = oai(union, f"verb=ListMetadataFormats{query}")
        return [node.text or "" for node in root.iterfind(".//o:metadataPrefix", NS)]

    assert prefixes("") == ["oai_dc", "marc21"]
    assert prefixes(f"&identifier={UNION}travinh:oai:tv:1085") == ["oai_dc", "marc21"]
    assert prefixes(f"&identifier={UNION}cantho:oai:ct:1") == ["oai_dc"]


def test_list_sets_names_libraries_and_types_in_vietnamese(union: FlaskClient) -> None:
    root = oai(union, "verb=ListSets")
    names = {
        node.findtext("o:setSpec", namespaces=NS): node.findtext("o:setName", namespaces=NS)
        for node in root.iterfind(".//o:set", NS)
    }

    assert names["library:cantho"] == "Thư viện thành phố Cần Thơ"
    assert names["type:map"] == "Bản đồ"
    assert {"library", "type", "library:camau", "library:travinh", "type:book"} <= names.keys()


def test_get_record_in_oai_dc_and_marc21(union: FlaskClient) -> None:
    dc = oai(union, f"verb=GetRecord&metadataPrefix=oai_dc&identifier={UNION}cantho:oai:ct:1")
    marc = oai(union, f"verb=GetRecord&metadataPrefix=marc21&identifier={UNION}travinh:oai:tv:1085")

    assert dc.findtext(".//dc:title", namespaces=NS) == "Cần Thơ xưa và nay"
    assert dc.xpath("//o:header/o:setSpec/text()", namespaces=NS) == [
        "library:cantho",
        "type:book",
    ]
    assert marc.findtext(".//marc:subfield", namespaces=NS) == "Đình làng ở Trà Vinh /"


def test_deleted_record_is_a_header_without_metadata(union: FlaskClient) -> None:
    root = oai(union, f"verb=GetRecord&metadataPrefix=oai_dc&identifier={UNION}camau:oai:cm:gone")

    assert root.find(".//o:header", NS).get("status") == "deleted"
    assert root.find(".//o:metadata", NS) is None


@pytest.mark.parametrize("verb", ["ListRecords", "ListIdentifiers"])
def test_lists_in_oai_dc_hold_everything_and_marc21_only_marc(
    union: FlaskClient, verb: str
) -> None:
    everything = oai(union, f"verb={verb}&metadataPrefix=oai_dc")
    marc = oai(union, f"verb={verb}&metadataPrefix=marc21")

    assert len(identifiers(everything)) == 5
    assert identifiers(marc) == [f"{UNION}travinh:oai:tv:1085"]
    # One page holds the whole list: no resumption token at all.
    assert everything.find(".//o:resumptionToken", NS) is None


def test_list_records_pages_with_tokens_and_serves_tombstones(paged: FlaskClient) -> None:
    seen, tokens = walk(paged, "verb=ListRecords&metadataPrefix=oai_dc")

    assert len(seen) == len(set(seen)) == 5
    assert f"{UNION}cantho:oai:ct:1" in seen
    assert [t.get("cursor") for t in tokens] == ["0", "1", "2", "3", "4"]
    assert {t.get("completeListSize") for t in tokens} == {"5"}
    assert tokens[-1].text is None and tokens[-1].get("expirationDate") is None
    expires = datetime.strptime(tokens[0].get("expirationDate") or "", "%Y-%m-%dT%H:%M:%SZ")
    lifetime = expires.replace(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(hours=23) < lifetime <= timedelta(hours=24)


def test_sets_select_by_library_and_type(paged: FlaskClient) -> None:
    maps, _ = walk(paged, "verb=ListIdentifiers&metadataPrefix=oai_dc&set=type:map")
    camau, _ = walk(paged, "verb=ListIdentifiers&metadataPrefix=oai_dc&set=library:camau")
    everything, _ = walk(paged, "verb=ListIdentifiers&metadataPrefix=oai_dc&set=library")

    assert maps == [f"{UNION}cantho:oai:ct:2"]
    assert sorted(camau) == [f"{UNION}camau:oai:cm:7", f"{UNION}camau:oai:cm:gone"]
    assert len(everything) == 5


def test_from_and_until_select_by_catalog_datestamp(union: FlaskClient) -> None:
    earliest = oai(union, "verb=Identify").findtext(".//o:earliestDatestamp", namespaces=NS)
    soon = format_datestamp(datetime.now(UTC) + timedelta(hours=1))
    query = "verb=ListIdentifiers&metadataPrefix=oai_dc"

    assert len(identifiers(oai(union, f"{query}&from={earliest}&until={soon}"))) == 5
    assert len(identifiers(oai(union, f"{query}&from={(earliest or '')[:10]}"))) == 5
    assert error_code(oai(union, f"{query}&from={soon}")) == "noRecordsMatch"


def test_post_answers_like_get(union: FlaskClient) -> None:
    query = "verb=ListIdentifiers&metadataPrefix=oai_dc&set=library:cantho"

    assert identifiers(oai(union, query, method="POST")) == identifiers(oai(union, query))
    assert error_code(oai(union, "verb=Identify&verb=Identify", method="POST")) == "badVerb"


def test_list_responses_stream(union: FlaskClient) -> None:
    response = union.get("/oai?verb=ListRecords&metadataPrefix=oai_dc")

    assert response.is_streamed
    assert_valid(response.data)


def test_pages_longer_than_a_store_chunk_walk_everything(settings: Settings) -> None:
    # 100 records are read from the store at a time: a 150-record page spans chunks.
    records = [make_record(oai_id=f"oai:ct:{n}", title=f"Tập {n}") for n in range(330)]
    with Store.open(settings.catalog_path) as store:
        store.upsert_page(records)
    app = create_app(replace(settings, oai_page_size=150), libraries=LIBRARIES)
    try:
        seen, tokens = walk(app.test_client(), "verb=ListRecords&metadataPrefix=oai_dc")
    finally:
        app.extensions["unioncat"].search_index.close()

    assert seen == [f"{UNION}cantho:oai:ct:{n}" for n in range(330)]
    assert [t.get("cursor") for t in tokens] == ["0", "150", "300"]


# -- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "badVerb"),
        ("verb=Nope", "badVerb"),
        ("verb=Identify&verb=Identify", "badVerb"),
        ("verb=Identify&set=x", "badArgument"),
        ("verb=GetRecord&identifier=x", "badArgument"),
        ("verb=ListRecords", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=marc21", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&set=type:map&set=type:book", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=yesterday", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2025-01-01T00:00:00.5Z", "badArgument"),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&from=2025-01-01&until=2025-02-01T00:00:00Z",
            "badArgument",
        ),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2025-02-01&until=2025-01-01", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai dc", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&set=library:", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&set=shelf:3", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=x", "badArgument"),
        ("verb=ListRecords&metadataPrefix=mods", "cannotDisseminateFormat"),
        (
            f"verb=GetRecord&metadataPrefix=marc21&identifier={UNION}cantho:oai:ct:1",
            "cannotDisseminateFormat",
        ),
        ("verb=GetRecord&metadataPrefix=oai_dc&identifier=x", "idDoesNotExist"),
        (f"verb=GetRecord&metadataPrefix=oai_dc&identifier={UNION}cantho:nope", "idDoesNotExist"),
        ("verb=ListMetadataFormats&identifier=oai:elsewhere:1", "idDoesNotExist"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2999-01-01", "noRecordsMatch"),
        ("verb=ListRecords&metadataPrefix=oai_dc&until=2000-01-01", "noRecordsMatch"),
        ("verb=ListIdentifiers&metadataPrefix=oai_dc&set=library:nowhere", "noRecordsMatch"),
        ("verb=ListRecords&resumptionToken=forged", "badResumptionToken"),
        ("verb=ListSets&resumptionToken=anything", "badResumptionToken"),
    ],
)
def test_error_codes(union: FlaskClient, query: str, code: str) -> None:
    root = oai(union, query)

    assert error_code(root) == code
    request = root.find("o:request", NS)
    # After badVerb or badArgument the request element carries the base URL only.
    assert (request.attrib == {}) == (code in ("badVerb", "badArgument"))


def test_until_before_earliest_datestamp_matches_nothing(union: FlaskClient) -> None:
    earliest = oai(union, "verb=Identify").findtext(".//o:earliestDatestamp", namespaces=NS)
    before = datetime.strptime(earliest or "", "%Y-%m-%dT%H:%M:%SZ") - timedelta(seconds=1)
    until = before.strftime("%Y-%m-%dT%H:%M:%SZ")

    root = oai(union, f"verb=ListIdentifiers&metadataPrefix=oai_dc&until={until}")
    assert error_code(root) == "noRecordsMatch"


def _signed(settings: Settings, state: dict[str, object], *, age: timedelta) -> str:
    """Sign a token as the provider does, timestamped ``age`` ago."""

    class AgedSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - age.total_seconds())

    serializer = URLSafeTimedSerializer(settings.secret_key, salt=TOKEN_SALT, signer=AgedSigner)
    return serializer.dumps(state)


TOKEN_STATE: dict[str, object] = {
    "verb": "ListRecords", "prefix": "oai_dc", "set": None, "from": None, "until": None,
    "after": 1, "cursor": 1, "total": 5,
}  # fmt: skip


def test_an_expired_token_is_a_bad_resumption_token(paged: FlaskClient, settings: Settings) -> None:
    fresh = _signed(settings, TOKEN_STATE, age=timedelta(hours=1))
    expired = _signed(settings, TOKEN_STATE, age=timedelta(hours=25))

    assert error_code(oai(paged, f"verb=ListRecords&resumptionToken={fresh}")) is None
    root = oai(paged, f"verb=ListRecords&resumptionToken={expired}")
    assert error_code(root) == "badResumptionToken"
    assert "expired" in (root.findtext("o:error", namespaces=NS) or "")


def test_a_tampered_token_is_a_bad_resumption_token(paged: FlaskClient) -> None:
    first = oai(paged, "verb=ListRecords&metadataPrefix=oai_dc")
    token = first.findtext(".//o:resumptionToken", namespaces=NS) or ""
    payload, _, signature = token.rpartition(".")
    tampered = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"

    assert error_code(oai(paged, f"verb=ListRecords&resumptionToken={token}")) is None
    assert error_code(oai(paged, f"verb=ListRecords&resumptionToken={tampered}")) == (
        "badResumptionToken"
    )
    # A valid token is only good for the verb that issued it.
    assert error_code(oai(paged, f"verb=ListIdentifiers&resumptionToken={token}")) == (
        "badResumptionToken"
    )


def test_a_member_has_no_set_hierarchy(tmp_path: Path) -> None:
    with Store.open(tmp_path / "member.sqlite") as store:
        store.upsert_page([make_record(oai_id="oai:ct:1")], member_datestamps=True)
        app = create_member_app(
            lambda: store, make_library(code="cantho"), secret_key="s", page_size=10
        )
        client = app.test_client()

        assert error_code(oai(client, "verb=ListSets")) == "noSetHierarchy"
        assert error_code(oai(client, "verb=ListRecords&metadataPrefix=oai_dc&set=a")) == (
            "noSetHierarchy"
        )
        assert identifiers(oai(client, "verb=ListIdentifiers&metadataPrefix=oai_dc")) == [
            "oai:ct:1"
        ]
        assert oai(client, "verb=Identify").find(".//o:description", NS) is None
