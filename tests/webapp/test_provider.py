"""The union's OAI-PMH provider: verbs, errors, tokens, deleted records."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask
from flask.testing import FlaskClient
from lxml import etree

from config.settings import Settings
from tests.webapp.conftest import LIBRARIES
from webapp import create_app

NS = {"o": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/"}


def oai(client: FlaskClient, query: str) -> etree._Element:
    response = client.get(f"/oai?{query}")
    assert response.status_code == 200
    assert response.content_type.startswith("text/xml")
    return etree.fromstring(response.data)


def error_code(root: etree._Element) -> str | None:
    node = root.find("o:error", NS)
    return None if node is None else node.get("code")


def test_identify_says_persistent_deletions_and_seconds(client: FlaskClient) -> None:
    root = oai(client, "verb=Identify")

    assert root.findtext("o:Identify/o:deletedRecord", namespaces=NS) == "persistent"
    assert root.findtext("o:Identify/o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"


def test_list_records_pages_with_tokens_and_serves_tombstones(
    app: Flask, settings: Settings
) -> None:
    client = create_app(replace(settings, oai_page_size=1), libraries=LIBRARIES).test_client()
    seen: list[str] = []
    deleted = pages = 0
    root = oai(client, "verb=ListRecords&metadataPrefix=oai_dc")
    while True:
        for header in root.iterfind(".//o:header", NS):
            seen.append(header.findtext("o:identifier", namespaces=NS))
            deleted += header.get("status") == "deleted"
        token = root.findtext(".//o:resumptionToken", namespaces=NS)
        pages += 1
        if not token:
            break
        root = oai(client, f"verb=ListRecords&resumptionToken={token}")
    assert pages == 4
    assert len(seen) == len(set(seen)) == 4
    assert deleted == 1
    assert "oai:mekong-union.invalid:cantho:oai:ct:1" in seen


def test_get_record_and_errors(client: FlaskClient) -> None:
    identifier = "oai:mekong-union.invalid:cantho:oai:ct:1"
    root = oai(client, f"verb=GetRecord&metadataPrefix=oai_dc&identifier={identifier}")
    assert root.findtext(".//dc:title", namespaces=NS) == "Cần Thơ xưa và nay"

    assert error_code(oai(client, "verb=Nope")) == "badVerb"
    assert error_code(oai(client, "verb=GetRecord&identifier=x")) == "badArgument"
    assert (
        error_code(oai(client, "verb=GetRecord&metadataPrefix=oai_dc&identifier=x"))
        == "idDoesNotExist"
    )
    assert (
        error_code(oai(client, "verb=ListRecords&metadataPrefix=mods")) == "cannotDisseminateFormat"
    )
    assert (
        error_code(oai(client, "verb=ListRecords&metadataPrefix=oai_dc&from=2999-01-01"))
        == "noRecordsMatch"
    )
    assert (
        error_code(oai(client, "verb=ListRecords&metadataPrefix=oai_dc&from=yesterday"))
        == "badArgument"
    )
    assert (
        error_code(oai(client, "verb=ListRecords&resumptionToken=forged")) == "badResumptionToken"
    )
    assert error_code(oai(client, "verb=Identify&verb=Identify")) == "badVerb"


def test_sets_select_by_library_and_type(client: FlaskClient) -> None:
    specs = [node.text for node in oai(client, "verb=ListSets").iterfind(".//o:setSpec", NS)]
    maps = oai(client, "verb=ListIdentifiers&metadataPrefix=oai_dc&set=type:map")

    assert {"library:cantho", "library:camau", "type:map"} <= set(specs)
    assert [h.text for h in maps.iterfind(".//o:identifier", NS)] == [
        "oai:mekong-union.invalid:cantho:oai:ct:2"
    ]
