"""A second third-party OAI-PMH data provider for harvest tests: the `oai-repo` 0.5.2 package.

`oai_repo.OAIRepository` (Michigan State University Libraries) checks each request's
arguments, pages with its own base64 resumption tokens (which it invalidates when the list
shrinks) and writes the XML. This module gives it a `DataInterface` over the same synthetic
Vietnamese records as the `oaipmh` peer (tests/peers/peer_server.py) and a small WSGI wrapper,
served by werkzeug on 127.0.0.1 in a thread: ``with serve_repo(data) as url: ...``.

oai-repo 0.5.2 cannot send a deleted record: `getrecord.add_header` never writes the header's
``status`` attribute, and `add_records` leaves out every record whose metadata is None. So the
interface hands the package a placeholder as a deleted record's metadata, and the wrapper
marks that record's header ``status="deleted"`` and drops the placeholder. ``RepoData(...,
mark_deletions=False)`` serves the package's own output instead (deleted records are missing).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from lxml import etree
from oai_repo import DataInterface, Identify, MetadataFormat, OAIRepository, RecordHeader, Set
from oai_repo.error import OAIErrorResponse
from oai_repo.exceptions import OAIErrorBadArgument
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.peers.peer_server import OAI_DC, OAI_NS, PeerRecord, set_list

DC_NS = "http://purl.org/dc/elements/1.1/"
_PLACEHOLDER = "{urn:x-unioncat-test}deleted"  # a deleted record's "metadata", see above


def _aware(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC)  # PeerRecord datestamps are naive UTC


class RepoData(DataInterface):  # type: ignore[misc]
    """Records behind `OAIRepository`: oai-repo's `DataInterface`, ``limit`` records a page.

    ``records`` may be replaced between requests (a test hard-deletes some to shrink a list).
    """

    def __init__(
        self, records: list[PeerRecord], *, limit: int, mark_deletions: bool = True
    ) -> None:
        self.records = records
        self.limit = limit
        self.mark_deletions = mark_deletions
        self.base_url = "http://127.0.0.1/oai"  # set once the server has its port
        self._sets = dict(set_list())

    def get_identify(self) -> Identify:
        earliest = min((r.datestamp for r in self.records), default=datetime(2020, 1, 1))
        return Identify(
            repository_name="Kho thử nghiệm (oai-repo 0.5.2)",
            base_url=self.base_url,
            admin_email=["admin@peer.example.vn"],
            # oai-repo 0.5.2's validator takes only a string here, not a datetime.
            earliest_datestamp=earliest.strftime("%Y-%m-%dT%H:%M:%SZ"),
            deleted_record="persistent" if self.mark_deletions else "no",
            granularity="YYYY-MM-DDThh:mm:ssZ",
        )

    def is_valid_identifier(self, identifier: str) -> bool:
        return self._find(identifier) is not None

    def get_metadata_formats(self, identifier: str | None = None) -> list[MetadataFormat]:
        return [MetadataFormat(*OAI_DC)]

    def get_record_header(self, identifier: str) -> RecordHeader:
        record = self._get(identifier)
        return RecordHeader(
            identifier=record.identifier,
            datestamp=_aware(record.datestamp),
            setspecs=list(record.set_specs),
            status="deleted" if record.deleted else None,  # 0.5.2 never writes it
        )

    def get_record_metadata(self, identifier: str, metadataprefix: str) -> Any:
        record = self._get(identifier)
        if metadataprefix != "oai_dc":
            return None
        if record.deleted:
            return etree.Element(_PLACEHOLDER) if self.mark_deletions else None
        return _oai_dc(record.dc)

    def get_record_abouts(self, identifier: str) -> list[Any]:
        return []

    def list_set_specs(self, identifier: str | None = None, cursor: int = 0) -> tuple[Any, ...]:
        specs = list(self._get(identifier).set_specs) if identifier else list(self._sets)
        return specs, len(specs), None

    def get_set(self, setspec: str) -> Set | None:
        name = self._sets.get(setspec)
        return Set(spec=setspec, name=name, description=[]) if name else None

    def list_identifiers(
        self,
        metadataprefix: str,
        filter_from: datetime | None = None,
        filter_until: datetime | None = None,
        filter_set: str | None = None,
        cursor: int = 0,
    ) -> tuple[Any, ...]:
        chosen = [
            r.identifier
            for r in self.records
            if _in_set(r, filter_set)
            and (filter_from is None or _aware(r.datestamp) >= filter_from)
            and (filter_until is None or _aware(r.datestamp) <= filter_until)
        ]
        return chosen[cursor : cursor + self.limit], len(chosen), None

    @property
    def records(self) -> list[PeerRecord]:
        return self._records

    @records.setter
    def records(self, records: list[PeerRecord]) -> None:
        self._records = records
        self._by_id = {record.identifier: record for record in records}

    def deleted_identifiers(self) -> set[str]:
        return {r.identifier for r in self.records if r.deleted}

    def _find(self, identifier: str) -> PeerRecord | None:
        return self._by_id.get(identifier)

    def _get(self, identifier: str) -> PeerRecord:
        record = self._find(identifier)
        if record is None:  # oai-repo asks is_valid_identifier first; this is a bug guard
            raise KeyError(identifier)
        return record


def _in_set(record: PeerRecord, spec: str | None) -> bool:
    return spec is None or any(s == spec or s.startswith(f"{spec}:") for s in record.set_specs)


def _oai_dc(dc: dict[str, list[str]]) -> etree._Element:
    root = etree.Element(f"{{{OAI_DC[2]}}}dc", nsmap={"oai_dc": OAI_DC[2], "dc": DC_NS})
    for name, values in dc.items():
        for value in values:
            etree.SubElement(root, f"{{{DC_NS}}}{name}").text = value
    return root


def make_app(data: RepoData) -> Callable[..., Iterable[bytes]]:
    """Wrap `OAIRepository` in a WSGI app answering GET and POST."""
    repository = OAIRepository(data)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        query = environ.get("QUERY_STRING", "")
        if environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            query = environ["wsgi.input"].read(length).decode("utf-8")
        args = parse_qs(query, keep_blank_values=True)
        if any(len(values) > 1 for values in args.values()):
            # OAIRepository takes one value per argument and cannot see a repeated one.
            response = OAIErrorResponse(repository, OAIErrorBadArgument("an argument is repeated"))
        else:
            response = repository.process({name: values[0] for name, values in args.items()})
        body = bytes(response)
        if data.mark_deletions and response:
            body = _mark_deletions(body, data.deleted_identifiers())
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8")])
        return [body]

    return app


def _mark_deletions(body: bytes, deleted: set[str]) -> bytes:
    """Give each deleted record's header status="deleted" and drop its placeholder metadata."""
    root = etree.fromstring(body)
    changed = False
    for header in root.iter(f"{{{OAI_NS}}}header"):
        if header.findtext(f"{{{OAI_NS}}}identifier") in deleted:
            header.set("status", "deleted")
            for metadata in list(header.itersiblings(f"{{{OAI_NS}}}metadata")):
                metadata.getparent().remove(metadata)  # type: ignore[union-attr]
            changed = True
    if not changed:
        return body
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def serve_repo(data: RepoData) -> Iterator[str]:
    """Serve ``data`` through oai-repo on 127.0.0.1 (any free port) in a thread; yield its URL."""
    server = make_server(
        "127.0.0.1", 0, make_app(data), threaded=True, request_handler=_QuietHandler
    )
    data.base_url = f"http://127.0.0.1:{server.server_port}/oai"
    thread = threading.Thread(target=server.serve_forever, name="oai-repo-peer", daemon=True)
    thread.start()
    try:
        yield data.base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
