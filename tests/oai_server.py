"""A loopback OAI-PMH server replaying tests/fixtures/oai/, with failure modes as paths.

``/<library>/oai?verb=ListRecords`` serves ``fixtures/oai/<library>/ListRecords.xml``; a
resumption token names the next page's file. Fault paths answer every verb the same way,
except Identify, which they answer from ``good`` so that the fault shows in ListRecords:

- ``/down/``     HTTP 503 with ``Retry-After: 0``, always
- ``/flaky/``    HTTP 503 (Retry-After as an HTTP date) on every other request, else ``good``
- ``/html/``     an HTML error page with status 200
- ``/garbage/``  a body that is not XML
- ``/broken/``   XML cut off in the middle of a page
- ``/gone422/``  an OAI noRecordsMatch error sent with HTTP 422, as Zenodo does
- ``/badformat/`` an OAI cannotDisseminateFormat error
- ``/slow/``     answers after 3 seconds
- ``/corpus/<file>/`` the named file of the shared corpus of real responses (UNIONCAT_OAI_CORPUS)
"""

from __future__ import annotations

import os
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures" / "oai"
CORPUS = Path(
    os.environ.get(
        "UNIONCAT_OAI_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "oai-corpus"
    )
)

_ERROR = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
    "<responseDate>2025-06-01T10:00:00Z</responseDate>"
    '<request verb="ListRecords">http://127.0.0.1/oai</request>'
    '<error code="{code}">{message}</error></OAI-PMH>'
)


class ReplayHandler(BaseHTTPRequestHandler):
    counter = 0
    lock = threading.Lock()

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        url = urlsplit(self.path)
        library = url.path.strip("/").split("/")[0]
        params = {key: values[0] for key, values in parse_qs(url.query).items()}
        verb = params.get("verb", "")
        if library == "corpus":
            name = Path(url.path.strip("/").split("/")[1]).name
            if verb == "Identify" and "Identify" not in name:
                return self._file("good", "Identify")
            return self._send(200, (CORPUS / name).read_bytes(), "text/xml")
        if verb == "Identify" and library not in ("html", "garbage"):
            return self._file("good", "Identify")
        with ReplayHandler.lock:
            ReplayHandler.counter += 1
            odd = ReplayHandler.counter % 2 == 1
        if library == "down":
            return self._send(503, b"busy", "text/plain", {"Retry-After": "0"})
        if library == "flaky" and odd:
            past = formatdate(time.time() - 5, usegmt=True)
            return self._send(503, b"busy", "text/plain", {"Retry-After": past})
        if library == "html":
            page = b"<!DOCTYPE html><html><body><h1>Login required</h1></body></html>"
            return self._send(200, page, "text/html")
        if library == "garbage":
            return self._send(200, b"this is not xml", "text/plain")
        if library == "broken":
            body = (FIXTURES / "good" / "ListRecords.xml").read_bytes()
            return self._send(200, body[: len(body) // 2], "text/xml")
        if library == "gone422":
            body = _ERROR.format(code="noRecordsMatch", message="no records").encode()
            return self._send(422, body, "text/xml")
        if library == "badformat":
            body = _ERROR.format(code="cannotDisseminateFormat", message="no such format").encode()
            return self._send(200, body, "text/xml")
        if library == "slow":
            time.sleep(3)
        source = "good" if library in ("flaky", "slow") else library
        return self._file(source, params.get("resumptionToken", verb))

    def _file(self, library: str, name: str) -> None:
        path = FIXTURES / library / f"{Path(name).name}.xml"
        if not path.is_file():
            return self._send(404, b"no such fixture", "text/plain")
        return self._send(200, path.read_bytes(), "text/xml; charset=utf-8")

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the /slow/ case)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # keep test output quiet
