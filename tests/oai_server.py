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

Paths whose behaviour depends on the harvest run (a run starts with Identify; the server counts
them per path, and ``ReplayHandler.reset()`` forgets everything between tests):

- ``/interrupted/`` ``good``'s pages, but page 2 is HTTP 500 for the whole first run (a run
  that dies mid-harvest), then served normally
- ``/expiring/``  like ``/interrupted/``, and every resumption token expires when the next run
  starts: an old token gets badResumptionToken with HTTP 422, as Zenodo sends it
- ``/stall/``     ``good``'s pages, but in the first run page 2 hangs until the test releases
  it (the client is killed meanwhile)

Other fault paths (fixtures in their own folder unless said otherwise):

- ``/daily/``     an Identify with day granularity, ``good``'s pages
- ``/loop/``      a list whose second page repeats its own resumption token
- ``/dropped/``   ``good``'s pages, each first sent cut off mid-body (connection closed)
- ``/lag/``       ``good``'s pages after 0.2 s (for concurrency checks)
- ``/controlchars/``, ``/cp1252/``, ``/latin1lie/``, ``/mixedenc/``, ``/nodate/``: fixtures
- ``/phpnotice/``  PHP notices appended after ``</OAI-PMH>``
- ``/xmldecl/``    an ``<?xml?>`` declaration repeated inside every ``<metadata>``
- ``/cp1258/``     windows-1258 (Vietnamese) bytes under a UTF-8 declaration
- ``/cp1258unsure/`` single-byte text that might be windows-1258 but is not surely so
- ``/empties/``    a first page, then pages with a token and no records (``empty.xml`` for
  tokens ``empty1``-``empty7``, each naming the next), then ``last.xml`` for ``empty8``
- ``/redirectloop/`` every request (Identify too) redirected to itself with HTTP 302
- ``/modeswitch/`` ``good``'s pages, but ListRecords answers the ListIdentifiers token ``ids2``
  with badArgument, as a server does for a token made by the other verb

``ReplayHandler.seen`` lists every request (path, Host header, parameters, arrival time);
``max_in_flight`` holds the most requests to one path in progress at once, per Host header
(``"127.0.0.1:8000/lag"``) and in all (``"*/lag"``).
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass
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


_BAD_TOKEN = _ERROR.replace('verb="ListRecords"', 'verb="ListRecords" resumptionToken="{token}"')
_TOKEN = re.compile(rb"(<resumptionToken[^>]*>)([^<]+)(</resumptionToken>)")
_LAST_EMPTY = 8  # /empties/: tokens empty1-empty7 name empty pages, empty8 the last page
_GOOD_PAGES = ("interrupted", "expiring", "stall", "daily", "dropped", "lag", "flaky", "slow")


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    library: str
    host: str
    params: dict[str, str]
    at: float


class ReplayHandler(BaseHTTPRequestHandler):
    counter = 0
    lock = threading.Lock()
    seen: list[Seen] = []
    runs: dict[str, int] = {}
    in_flight: dict[str, int] = {}
    max_in_flight: dict[str, int] = {}
    dropped: set[str] = set()
    release = threading.Event()

    @classmethod
    def reset(cls) -> None:
        """Forget every request and run, and let stalled requests go."""
        cls.release.set()
        with cls.lock:
            cls.seen = []
            cls.runs = {}
            cls.max_in_flight = {}
            cls.dropped = set()
        cls.release = threading.Event()

    @classmethod
    def forget_requests(cls) -> None:
        """Forget the requests seen so far, but not the runs (the next run is run 2)."""
        with cls.lock:
            cls.seen = []

    @classmethod
    def requests_to(cls, library: str) -> list[dict[str, str]]:
        return [seen.params for seen in cls.seen if seen.library == library]

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        host = self.headers.get("Host", "")
        keys = (f"{host}/{self._library()}", f"*/{self._library()}")
        with ReplayHandler.lock:
            for key in keys:
                count = ReplayHandler.in_flight.get(key, 0) + 1
                ReplayHandler.in_flight[key] = count
                ReplayHandler.max_in_flight[key] = max(
                    count, ReplayHandler.max_in_flight.get(key, 0)
                )
        self._counted = keys
        try:
            self._answer(host)
        finally:
            self._leave()

    def end_headers(self) -> None:
        # Counted out before the body goes out: once the client has the whole response it may
        # send its next request before this thread runs again; that is not an overlap.
        self._leave()
        super().end_headers()

    def _leave(self) -> None:
        keys: tuple[str, ...] = getattr(self, "_counted", ())
        self._counted = ()
        with ReplayHandler.lock:
            for key in keys:
                ReplayHandler.in_flight[key] = ReplayHandler.in_flight.get(key, 1) - 1

    def _library(self) -> str:
        return urlsplit(self.path).path.strip("/").split("/")[0]

    def _answer(self, host: str) -> None:
        url = urlsplit(self.path)
        library = self._library()
        params = {key: values[0] for key, values in parse_qs(url.query).items()}
        verb = params.get("verb", "")
        with ReplayHandler.lock:
            ReplayHandler.seen.append(Seen(library, host, params, time.monotonic()))
            if verb == "Identify":
                ReplayHandler.runs[library] = ReplayHandler.runs.get(library, 0) + 1
            run = ReplayHandler.runs.get(library, 0)
        if library == "corpus":
            name = Path(url.path.strip("/").split("/")[1]).name
            if verb == "Identify" and "Identify" not in name:
                return self._file("good", "Identify")
            return self._send(200, (CORPUS / name).read_bytes(), "text/xml")
        if library == "redirectloop":
            return self._send(302, b"", "text/plain", {"Location": f"http://{host}{self.path}"})
        if verb == "Identify" and library not in ("html", "garbage"):
            own = (FIXTURES / library / "Identify.xml").is_file()
            return self._file(library if own else "good", "Identify")
        token = params.get("resumptionToken")
        if library == "expiring" and token:
            name, _, issued = token.partition("~")
            if issued != str(run):
                message = f"resumptionToken {token} expired"
                body = _BAD_TOKEN.format(code="badResumptionToken", message=message, token=token)
                return self._send(422, body.encode(), "text/xml")
            token = name
        if library in ("interrupted", "expiring") and token == "page2" and run == 1:
            return self._send(500, b"Internal Server Error", "text/plain", {"Retry-After": "0"})
        if library == "stall" and token == "page2" and run == 1:
            ReplayHandler.release.wait(10)
            return self._send(500, b"Internal Server Error", "text/plain")
        if library == "lag":
            time.sleep(0.2)
        if library == "dropped":
            with ReplayHandler.lock:
                first = self.path not in ReplayHandler.dropped
                ReplayHandler.dropped.add(self.path)
            if first:
                body = (FIXTURES / "good" / f"{token or verb}.xml").read_bytes()
                return self._send(200, body, "text/xml", cut=len(body) // 2)
        if library == "expiring":
            body = (FIXTURES / "good" / f"{token or verb}.xml").read_bytes()
            body = _TOKEN.sub(lambda m: m[1] + m[2] + f"~{run}".encode() + m[3], body)
            return self._send(200, body, "text/xml; charset=utf-8")
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
        if library == "modeswitch":
            if verb == "ListRecords" and token == "ids2":
                message = f"resumptionToken {token} was issued for ListIdentifiers"
                body = _BAD_TOKEN.format(code="badArgument", message=message, token=token)
                return self._send(200, body.encode(), "text/xml")
            return self._file("good", token or verb)
        if library == "empties" and token and token.startswith("empty"):
            number = int(token.removeprefix("empty"))
            if number >= _LAST_EMPTY:
                return self._file("empties", "last")
            empty = (FIXTURES / "empties" / "empty.xml").read_bytes()
            following = f"empty{number + 1}".encode()
            return self._send(200, empty.replace(b"NEXT", following), "text/xml")
        source = "good" if library in _GOOD_PAGES else library
        return self._file(source, token or verb)

    def _file(self, library: str, name: str) -> None:
        path = FIXTURES / library / f"{Path(name).name}.xml"
        if not path.is_file():
            return self._send(404, b"no such fixture", "text/plain")
        return self._send(200, path.read_bytes(), "text/xml; charset=utf-8")

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        *,
        cut: int | None = None,
    ) -> None:
        """Send ``body``; with ``cut``, announce it whole but close after ``cut`` bytes."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if cut is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        try:
            self.wfile.write(body if cut is None else body[:cut])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the /slow/ case) or was killed

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # keep test output quiet
