"""The OpenAPI description of the JSON API, checked against the API's real responses."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parents[2] / "webapp" / "static" / "openapi.json"
SPEC: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
_REGISTRY: Registry[Any] = Registry().with_resource(
    "urn:openapi", Resource.from_contents(SPEC, default_specification=DRAFT202012)
)

# Each documented operation, with the status codes that real calls must show.
CALLS = [
    ("/api/search?q=can+tho", 200),
    ("/api/search?q=&kind=map&kind=book&library=cantho&from_year=1900&to_year=2000", 200),
    ("/api/search?q=ban+do&page=1&per_page=1&province=C%E1%BA%A7n+Th%C6%A1&decade=1960s", 200),
    ("/api/search?q=xua+va+nay", 200),  # a "did you mean" suggestion
    ("/api/search?page=zero", 400),
    ("/api/search?per_page=101", 400),
    ("/api/search?from_year=1990&to_year=1950", 400),
    ("/api/facets/kind?q=&library=cantho&from_year=1900&to_year=2000&contains=ban&limit=5", 200),
    ("/api/facets/colour?q=can+tho", 400),
    ("/api/records/cantho:oai:ct:1", 200),
    ("/api/records/camau:oai:cm:gone", 200),  # a withdrawn record: deleted, still described
    ("/api/records/nope:nothing", 404),
    ("/api/libraries", 200),
    ("/api/suggest?q=can", 200),
    ("/api/suggest?q=c&field=library&limit=3", 200),
    ("/api/suggest?q=can&limit=x", 400),
    ("/api/suggest?q=can&field=colour", 400),
]


def _operation(path: str) -> tuple[str, dict[str, Any]]:
    """Return the path template and GET operation that ``path`` falls under."""
    for template, item in SPEC["paths"].items():
        pattern = re.sub(r"\\\{[^}]+\\\}", ".+", re.escape(template))
        if re.fullmatch(pattern, path):
            return template, item["get"]
    raise AssertionError(f"{path} is not described in openapi.json")


def _response(operation: dict[str, Any], status: int) -> dict[str, Any]:
    response = operation["responses"].get(str(status))
    assert response is not None, f"status {status} is not documented"
    if "$ref" in response:  # "#/components/responses/BadRequest"
        response = SPEC
        for part in operation["responses"][str(status)]["$ref"].lstrip("#/").split("/"):
            response = response[part]
    return response


def _validator(pointer: str) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": f"urn:openapi#{pointer}"},
        registry=_REGISTRY,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def test_openapi_document_is_valid() -> None:
    validate(SPEC)  # raises OpenAPIValidationError with the path of what is wrong


def test_openapi_document_is_served(client: FlaskClient) -> None:
    with client.get("/api/openapi.json") as response:  # a file response: close it
        assert response.status_code == 200 and response.mimetype == "application/json"
        assert response.get_json() == SPEC


@pytest.mark.parametrize(("url", "status"), CALLS)
def test_real_response_matches_the_openapi_document(
    client: FlaskClient, url: str, status: int
) -> None:
    path, query = urlsplit(url).path, parse_qsl(urlsplit(url).query, keep_blank_values=True)
    template, operation = _operation(path)
    declared = {parameter["name"] for parameter in operation.get("parameters", ())}
    assert {name for name, _ in query} <= declared, "the call uses undocumented parameters"

    response = client.get(url)

    assert response.status_code == status, response.get_data(as_text=True)
    documented = _response(operation, status)
    assert response.mimetype in documented["content"]
    schema = documented["content"][response.mimetype]["schema"]
    pointer = schema["$ref"].lstrip("#")  # every response body is a named schema
    errors = sorted(_validator(pointer).iter_errors(response.get_json()), key=str)
    assert not errors, f"{template} {status}: " + "; ".join(
        f"{list(error.absolute_path)}: {error.message}" for error in errors
    )


def test_every_documented_response_is_exercised() -> None:
    documented = {
        (template, int(status))
        for template, item in SPEC["paths"].items()
        for status in item["get"]["responses"]
    }
    exercised = {(_operation(urlsplit(url).path)[0], status) for url, status in CALLS}

    assert documented == exercised


def test_schemas_reject_what_the_api_must_not_send() -> None:
    """The schemas are strict enough to catch a drifting response, not just any JSON."""
    search = _validator("/components/schemas/SearchResponse")
    error = _validator("/components/schemas/Error")

    assert not search.is_valid({"ok": True})  # fields missing
    assert not error.is_valid({"ok": True, "error": "x"})
    assert not error.is_valid({"ok": False, "error": "x", "trace": "..."})
