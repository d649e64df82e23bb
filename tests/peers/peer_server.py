"""A third-party OAI-PMH data provider for harvest tests: the `oaipmh` 4.0.0 package's server.

`oaipmh.server.BatchingServer` (ETH Library's maintained fork of pyoai) answers every verb; this
module only gives it a repository of synthetic Vietnamese oai_dc records and a small WSGI
wrapper. The records: NFC titles, hierarchical sets (``prov``, ``prov:<slug>``, ``type``,
``type:<slug>``), every k-th record deleted (deletedRecord "persistent"), second-granularity
datestamps one hour apart.

How to run it by hand (or from a test, as a subprocess)::

    .venv/bin/python -m tests.peers.peer_server --port 0 --records 3000 --batch 250
    # prints "READY http://127.0.0.1:<port>/oai"; SIGTERM or Ctrl-C stops it

Tests start it in a thread instead: ``with serve_peer(repository) as url: ...``.
"""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from lxml import etree
from oaipmh import common, error
from oaipmh.metadata import MetadataRegistry
from oaipmh.server import BatchingServer, oai_dc_writer

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC = ("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
          "http://www.openarchives.org/OAI/2.0/oai_dc/")  # fmt: skip
EPOCH = datetime(2020, 1, 1)  # naive UTC, as the oaipmh package wants datestamps
PROVINCES = {
    "camau": "Cà Mau", "cantho": "Cần Thơ", "soctrang": "Sóc Trăng", "baclieu": "Bạc Liêu",
    "vinhlong": "Vĩnh Long", "travinh": "Trà Vinh", "dongthap": "Đồng Tháp",
    "angiang": "An Giang",
}  # fmt: skip
TYPES = {"sach": "Sách", "bando": "Bản đồ", "anh": "Ảnh"}


@dataclass(frozen=True, slots=True)
class PeerRecord:
    """One record the peer serves."""

    identifier: str
    datestamp: datetime  # naive UTC
    deleted: bool
    set_specs: tuple[str, ...]
    dc: dict[str, list[str]]


def make_records(count: int, deleted_every: int) -> list[PeerRecord]:
    """Make ``count`` records; every ``deleted_every``-th (1-based) is deleted (0: none)."""
    provinces, types = list(PROVINCES), list(TYPES)
    records = []
    for number in range(count):
        slug, kind = provinces[number % len(provinces)], types[number % len(types)]
        name = PROVINCES[slug]
        records.append(
            PeerRecord(
                identifier=f"oai:peer.example.vn:{number}",
                datestamp=EPOCH + timedelta(hours=number),
                deleted=bool(deleted_every) and (number + 1) % deleted_every == 0,
                set_specs=(f"prov:{slug}", f"type:{kind}"),
                dc={
                    "title": [f"Lịch sử {name} – tập {number}"],
                    "creator": ["Nguyễn Văn Đức"],
                    "subject": [f"Địa chí {name}"],
                    "date": [str(1900 + number % 120)],
                    "type": [TYPES[kind]],
                    "language": ["vie"],
                    "coverage": [name],
                    "identifier": [f"https://peer.example.vn/records/{number}"],
                },
            )
        )
    return records


def set_list() -> list[tuple[str, str]]:
    """Every set: the two parents, then each province and type."""
    sets = [("prov", "Tỉnh"), ("type", "Loại tài liệu")]
    sets += [(f"prov:{slug}", name) for slug, name in PROVINCES.items()]
    sets += [(f"type:{slug}", name) for slug, name in TYPES.items()]
    return sets


class PeerRepository:
    """The repository behind BatchingServer: `oaipmh.interfaces.IBatchingOAI`."""

    def __init__(self, records: list[PeerRecord], base_url: str = "") -> None:
        self.records = records
        self.base_url = base_url
        self._by_id = {record.identifier: record for record in records}

    def identify(self) -> common.Identify:
        return common.Identify(
            repositoryName="Kho thử nghiệm (oaipmh 4.0.0)",
            baseURL=self.base_url,
            protocolVersion="2.0",
            adminEmails=["admin@peer.example.vn"],
            earliestDatestamp=min((r.datestamp for r in self.records), default=EPOCH),
            deletedRecord="persistent",
            granularity="YYYY-MM-DDThh:mm:ssZ",
            compression=["identity"],
        )

    def listMetadataFormats(self, identifier: str | None = None) -> list[tuple[str, str, str]]:  # noqa: N802
        if identifier is not None:
            self._get(identifier)
        return [OAI_DC]

    def listSets(self, cursor: int = 0, batch_size: int = 10) -> list[tuple[str, str, None]]:  # noqa: N802
        return [(spec, name, None) for spec, name in set_list()][cursor : cursor + batch_size]

    def getRecord(self, metadataPrefix: str, identifier: str) -> tuple[Any, Any, None]:  # noqa: N802, N803
        _check_prefix(metadataPrefix)
        return self._item(self._get(identifier))

    def listIdentifiers(self, metadataPrefix: str, **kw: Any) -> list[common.Header]:  # noqa: N802, N803
        return [header for header, _, _ in self.listRecords(metadataPrefix, **kw)]

    def listRecords(  # noqa: N802
        self,
        metadataPrefix: str,  # noqa: N803
        set: str | None = None,  # noqa: A002 (the interface's own name)
        from_: datetime | None = None,
        until: datetime | None = None,
        cursor: int = 0,
        batch_size: int = 10,
    ) -> list[tuple[Any, Any, None]]:
        _check_prefix(metadataPrefix)
        if set is not None and set not in dict(set_list()):
            raise error.BadArgumentError(f"no set {set!r}")
        chosen = [r for r in self.records if _matches(r, set, from_, until)]
        return [self._item(r) for r in chosen[cursor : cursor + batch_size]]

    def _get(self, identifier: str) -> PeerRecord:
        try:
            return self._by_id[identifier]
        except KeyError:
            raise error.IdDoesNotExistError(f"no record {identifier!r}") from None

    @staticmethod
    def _item(record: PeerRecord) -> tuple[Any, Any, None]:
        header = common.Header(
            None, record.identifier, record.datestamp, list(record.set_specs), record.deleted
        )
        return header, None if record.deleted else common.Metadata(None, record.dc), None


def _check_prefix(prefix: str) -> None:
    if prefix != "oai_dc":
        raise error.CannotDisseminateFormatError(f"{prefix!r} is not served; use oai_dc")


def _matches(
    record: PeerRecord, spec: str | None, from_: datetime | None, until: datetime | None
) -> bool:
    if spec is not None and not any(
        s == spec or s.startswith(f"{spec}:") for s in record.set_specs
    ):
        return False
    if from_ is not None and record.datestamp < from_:
        return False
    return until is None or record.datestamp <= until


def make_app(
    repository: PeerRepository, *, batch_size: int, empty_last_token: bool = True
) -> Callable[..., Iterable[bytes]]:
    """Wrap BatchingServer in a WSGI app answering GET and POST."""
    registry = MetadataRegistry()
    registry.registerWriter("oai_dc", oai_dc_writer)
    server = BatchingServer(repository, registry, resumption_batch_size=batch_size)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        query = environ.get("QUERY_STRING", "")
        if environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            query = environ["wsgi.input"].read(length).decode("utf-8")
        args = parse_qs(query, keep_blank_values=True)
        if any(len(values) > 1 for values in args.values()):
            body = _error_body(server, "badArgument", "an argument is repeated")
        else:
            body = server.handleRequest({k: v[0] for k, v in args.items()})
            if empty_last_token and "resumptionToken" in args:
                body = _add_empty_token(body)
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8")])
        return [body]

    return app


def _error_body(server: BatchingServer, code: str, message: str) -> bytes:
    # The package checks no repeated arguments (its handleRequest takes one value each).
    name = {"badArgument": error.BadArgumentError}[code]
    return bytes(server.handleException({}, (name, name(message), None)))


def _add_empty_token(body: bytes) -> bytes:
    """End the last page of a split list with an empty <resumptionToken/> (OAI-PMH §3.5).

    oaipmh 4.0.0 leaves it out; harvesters cope, but the spec asks for it.
    """
    root = etree.fromstring(body)
    for verb in ("ListRecords", "ListIdentifiers", "ListSets"):
        node = root.find(f"{{{OAI_NS}}}{verb}")
        if node is not None and node.find(f"{{{OAI_NS}}}resumptionToken") is None:
            etree.SubElement(node, f"{{{OAI_NS}}}resumptionToken")
            return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return body


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def _bind(app: Callable[..., Iterable[bytes]], port: int) -> WSGIServer:
    return make_server("127.0.0.1", port, app, handler_class=_QuietHandler)


@contextmanager
def serve_peer(
    records: list[PeerRecord], *, batch_size: int, empty_last_token: bool = True
) -> Iterator[str]:
    """Serve ``records`` on 127.0.0.1 (any free port) in a thread; yield the base URL."""
    repository = PeerRepository(records)
    server = _bind(make_app(repository, batch_size=batch_size,
                            empty_last_token=empty_last_token), 0)  # fmt: skip
    repository.base_url = f"http://127.0.0.1:{server.server_port}/oai"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield repository.base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100, help="records per page")
    parser.add_argument("--deleted-every", type=int, default=10, help="0: no deletions")
    parser.add_argument(
        "--no-empty-last-token",
        action="store_true",
        help="the package's raw output: no empty token on the last page",
    )
    options = parser.parse_args(argv)
    repository = PeerRepository(make_records(options.records, options.deleted_every))
    app = make_app(repository, batch_size=options.batch,
                   empty_last_token=not options.no_empty_last_token)  # fmt: skip
    server = _bind(app, options.port)
    repository.base_url = f"http://127.0.0.1:{server.server_port}/oai"
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print("READY", repository.base_url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
