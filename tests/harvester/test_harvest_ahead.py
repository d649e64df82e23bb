"""A harvest fetches the next page while it stores this one, over real HTTP, and keeps its promises.

The server here makes a list of six pages of three records each (tokens ``p2``-``p6``), in
ListRecords and ListIdentifiers (tokens ``i2``-``i6``) with GetRecord, and logs every request
with the time it arrived and how many were in progress at once. ``/fail4/`` answers page 4
with HTTP 500, ``/busy4/`` the first request for page 4 with HTTP 503 (``Retry-After: 0``), and
``/garbage5/`` page 5 with XML cut off.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from catalog.models import Library
from catalog.store import Store
from harvester.oai import Page
from harvester.run import HarvestOptions, harvest_library
from tests.factories import make_library

FAST = HarvestOptions(timeout=5.0, max_retries=0, max_retry_after=0.01)
PAGES, PER_PAGE = 6, 3
ALL_IDS = sorted(f"oai:list:{n}" for n in range(1, PAGES * PER_PAGE + 1))

_ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
    "<responseDate>2025-06-01T10:00:00Z</responseDate>"
    '<request verb="{verb}">http://127.0.0.1/oai</request><{verb}>{body}</{verb}></OAI-PMH>'
)
_IDENTIFY = (
    "<repositoryName>Generated list</repositoryName><baseURL>http://127.0.0.1/oai</baseURL>"
    "<protocolVersion>2.0</protocolVersion><adminEmail>a@example.org</adminEmail>"
    "<earliestDatestamp>2025-01-01T00:00:00Z</earliestDatestamp>"
    "<deletedRecord>persistent</deletedRecord><granularity>YYYY-MM-DDThh:mm:ssZ</granularity>"
)
_HEADER = (
    "<header><identifier>oai:list:{n}</identifier>"
    "<datestamp>2025-05-01T08:00:00Z</datestamp></header>"
)
_METADATA = (
    '<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Địa chí Cần Thơ, tập {n}</dc:title>'
    "<dc:subject>Đồng bằng sông Cửu Long</dc:subject></oai_dc:dc></metadata>"
)


@dataclass
class _Log:
    """What the server saw: each request's token (or verb) and when, and the most at once."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    seen: list[tuple[str, float]] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0

    def names(self) -> list[str]:
        with self.lock:
            return [name for name, _ in self.seen]


class _ListHandler(BaseHTTPRequestHandler):
    log_book = _Log()

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        url = urlsplit(self.path)
        params = {key: values[0] for key, values in parse_qs(url.query).items()}
        verb = params.get("verb", "")
        token = params.get("resumptionToken")
        name = token or (f"get:{params['identifier']}" if verb == "GetRecord" else verb)
        book = _ListHandler.log_book
        with book.lock:
            book.seen.append((name, time.monotonic()))
            book.in_flight += 1
            book.most_in_flight = max(book.most_in_flight, book.in_flight)
        try:
            time.sleep(0.01)  # a server takes a moment: requests that overlap would show it
            if url.path.startswith("/fail4/") and token == "p4":
                self._send(500, b"Internal Server Error", "text/plain")
            elif url.path.startswith("/busy4/") and token == "p4" and book.names().count("p4") == 1:
                self._send(503, b"busy", "text/plain", {"Retry-After": "0"})
            elif url.path.startswith("/garbage5/") and token == "p5":
                self._send(200, b"<OAI-PMH><ListRecords><record>cut off", "text/xml")
            else:
                self._send(200, _answer(verb, token, params).encode(), "text/xml; charset=utf-8")
        finally:
            self._leave()

    def _leave(self) -> None:
        # Counted out before the response goes out: once the client has it, it may send the
        # next request before this thread runs again, and that must not count as an overlap.
        if not getattr(self, "_left", False):
            self._left = True
            with _ListHandler.log_book.lock:
                _ListHandler.log_book.in_flight -= 1

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self._leave()
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - its signature
        pass


def _answer(verb: str, token: str | None, params: dict[str, str]) -> str:
    if verb == "Identify":
        return _ENVELOPE.format(verb=verb, body=_IDENTIFY)
    if verb == "GetRecord":
        n = int(params["identifier"].rsplit(":", 1)[1])
        record = f"<record>{_HEADER.format(n=n)}{_METADATA.format(n=n)}</record>"
        return _ENVELOPE.format(verb=verb, body=record)
    page = int(token[1:]) if token else 1
    numbers = range((page - 1) * PER_PAGE + 1, page * PER_PAGE + 1)
    if verb == "ListRecords":
        items = "".join(
            f"<record>{_HEADER.format(n=n)}{_METADATA.format(n=n)}</record>" for n in numbers
        )
        prefix = "p"
    else:
        items = "".join(_HEADER.format(n=n) for n in numbers)
        prefix = "i"
    if page < PAGES:
        items += (
            f'<resumptionToken completeListSize="{PAGES * PER_PAGE}">{prefix}{page + 1}'
            "</resumptionToken>"
        )
    return _ENVELOPE.format(verb=verb, body=items)


@pytest.fixture
def list_server() -> Iterator[str]:
    """Base URL of a server making the six-page list; a fresh request log for each test."""
    _ListHandler.log_book = _Log()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ListHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


def _library(base: str, path: str = "list", **overrides: object) -> Library:
    return make_library(code=path, endpoint=f"{base}/{path}/oai", **overrides)


def _ids(store: Store, library: str) -> list[str]:
    return sorted(stored.record.oai_id for stored in store.select(library=library))


def _fetch_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("harvest-")]


def _wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def test_the_next_page_is_asked_for_before_this_one_is_committed(
    list_server: str, store: Store
) -> None:
    book = _ListHandler.log_book
    asked_while_committing: dict[int, bool] = {}

    def progress(code: str, page: Page, received: int) -> None:
        # Called after page k is committed. From page 2 on, page k+1 is already on its way;
        # a serial harvest would ask for it only after this returns, and this would time out.
        number = received // PER_PAGE
        following = f"p{number + 1}"
        if number == 1:
            asked_while_committing[number] = following in book.names()
        elif number < PAGES:
            asked_while_committing[number] = _wait_until(lambda: following in book.names())

    summary = harvest_library(_library(list_server), store, FAST, progress=progress)

    assert summary.ok and summary.pages == PAGES and summary.stored == len(ALL_IDS)
    assert _ids(store, "list") == ALL_IDS
    assert asked_while_committing == {1: False, 2: True, 3: True, 4: True, 5: True}
    assert book.names() == ["Identify", "ListRecords", "p2", "p3", "p4", "p5", "p6"]
    assert book.most_in_flight == 1  # still one request at a time
    assert _fetch_threads() == []
    window = store.harvest_window("list")
    assert window is not None and not window.in_flight


def test_a_stop_after_a_later_page_drops_the_page_fetched_ahead_and_resumes_there(
    list_server: str, store: Store
) -> None:
    flag = threading.Event()

    def progress(code: str, page: Page, received: int) -> None:
        if received == 3 * PER_PAGE:
            flag.set()

    library = _library(list_server)
    stopped = harvest_library(
        library, store, replace(FAST, should_stop=flag.is_set), progress=progress
    )

    assert stopped.stopped and stopped.ok and stopped.pages == 3
    assert _ids(store, "list") == sorted(f"oai:list:{n}" for n in range(1, 10))
    window = store.harvest_window("list")
    assert window is not None and window.in_flight and window.resumption_token == "p4"
    first_run = _ListHandler.log_book.names()
    # Page 4 may have been asked for ahead (at most once); it was not stored.
    assert first_run in (
        ["Identify", "ListRecords", "p2", "p3"],
        ["Identify", "ListRecords", "p2", "p3", "p4"],
    )
    assert _fetch_threads() == []

    rest = harvest_library(library, store, FAST)

    assert rest.ok and not rest.stopped
    assert _ListHandler.log_book.names()[len(first_run) :] == ["Identify", "p4", "p5", "p6"]
    assert _ids(store, "list") == ALL_IDS


def test_a_page_that_fails_ahead_fails_the_harvest_after_the_pages_before_it_are_stored(
    list_server: str, store: Store
) -> None:
    library = _library(list_server, "fail4")

    summary = harvest_library(library, store, FAST)

    # The same error, with the same words, as when page 4 is fetched without fetching ahead.
    assert summary.error == "[fail4] ListRecords page 4: HTTP 500 Internal Server Error"
    assert summary.pages == 3 and summary.stored == 9
    assert _ids(store, "fail4") == sorted(f"oai:list:{n}" for n in range(1, 10))
    window = store.harvest_window("fail4")
    assert window is not None and window.in_flight and window.resumption_token == "p4"
    assert _fetch_threads() == []


def test_an_unexpected_error_while_storing_stops_the_fetching_and_propagates(
    list_server: str, store: Store
) -> None:
    def progress(code: str, page: Page, received: int) -> None:
        if received == 3 * PER_PAGE:
            raise RuntimeError("the progress display broke")

    with pytest.raises(RuntimeError, match="the progress display broke"):
        harvest_library(_library(list_server), store, FAST, progress=progress)

    assert _fetch_threads() == []
    assert len(_ListHandler.log_book.names()) <= 1 + 4  # Identify and at most one page ahead


def test_identifiers_mode_fetches_the_next_page_and_its_records_ahead_one_request_at_a_time(
    list_server: str, store: Store
) -> None:
    library = _library(list_server, harvest_mode="identifiers")

    summary = harvest_library(library, store, FAST)

    assert summary.ok and summary.pages == PAGES and summary.stored == len(ALL_IDS)
    assert _ids(store, "list") == ALL_IDS
    expected = ["Identify"]
    for page in range(1, PAGES + 1):
        expected.append("ListIdentifiers" if page == 1 else f"i{page}")
        numbers = range((page - 1) * PER_PAGE + 1, page * PER_PAGE + 1)
        expected.extend(f"get:oai:list:{n}" for n in numbers)
    assert _ListHandler.log_book.names() == expected
    assert _ListHandler.log_book.most_in_flight == 1


def test_a_request_cap_sends_no_request_beyond_it(list_server: str, store: Store) -> None:
    summary = harvest_library(_library(list_server), store, replace(FAST, max_requests=4))

    assert summary.ok and summary.pages == 4
    assert _ListHandler.log_book.names() == ["Identify", "ListRecords", "p2", "p3", "p4"]
    window = store.harvest_window("list")
    assert window is not None and window.in_flight and window.resumption_token == "p5"


def test_a_page_fetched_ahead_is_retried_as_before(
    list_server: str, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    summary = harvest_library(_library(list_server, "busy4"), store, replace(FAST, max_retries=1))

    assert summary.ok and summary.stored == len(ALL_IDS)
    assert _ListHandler.log_book.names().count("p4") == 2
    assert any(
        r.levelname == "WARNING"
        and "[busy4] ListRecords" in r.getMessage()
        and "HTTP 503, retrying in 0.0 s" in r.getMessage()
        for r in caplog.records
    )


def test_a_malformed_page_fetched_ahead_is_quarantined_after_the_pages_before_it_are_stored(
    list_server: str, store: Store, tmp_path: Path
) -> None:
    options = replace(FAST, quarantine_dir=tmp_path / "quarantine")

    summary = harvest_library(_library(list_server, "garbage5"), store, options)

    assert summary.error is not None and summary.error.startswith(
        "[garbage5] ListRecords page 5: the response is not well-formed XML"
    )
    assert summary.pages == 4 and _ids(store, "garbage5") == sorted(
        f"oai:list:{n}" for n in range(1, 13)
    )
    (kept,) = (tmp_path / "quarantine" / "garbage5").glob("*.xml")
    assert kept.read_bytes() == b"<OAI-PMH><ListRecords><record>cut off"
    assert any(str(kept) in line for line in summary.errors)
    window = store.harvest_window("garbage5")
    assert window is not None and window.in_flight and window.resumption_token == "p5"
