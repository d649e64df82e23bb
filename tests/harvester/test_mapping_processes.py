"""Pages mapped in worker processes (harvester.mapper), over real HTTP and real processes.

The server here makes a list of eight pages of five records each: on every page a record in a
TCVN3 font read as CP1252 (mapping repairs it and logs that at INFO), and on some pages a
deletion or a record whose metadata is MODS although oai_dc was asked for (mapping refuses
it: it is quarantined, its neighbours stored). A harvest with mapping processes must store
exactly what a harvest mapping in its own process stores, report the same, and log the same.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from catalog.errors import HarvestError
from catalog.models import Library
from catalog.store import PreparedRecord, Store
from harvester.hosts import harvest_libraries
from harvester.mapper import MappingProcesses, PageNotSent, PendingPage, Unmapped, map_records
from harvester.oai import Page, page_metadata
from harvester.run import HarvestOptions, harvest_library
from tests.factories import make_library, start_harvest

FAST = HarvestOptions(timeout=10.0, max_retries=0)
PAGES, PER_PAGE = 8, 5

_ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<responseDate>2025-06-01T10:00:00Z</responseDate>"
    '<request verb="{verb}">http://127.0.0.1/oai</request><{verb}>{body}</{verb}></OAI-PMH>'
)
_IDENTIFY = (
    "<repositoryName>Mixed list</repositoryName><baseURL>http://127.0.0.1/oai</baseURL>"
    "<protocolVersion>2.0</protocolVersion><adminEmail>a@example.org</adminEmail>"
    "<earliestDatestamp>2025-01-01T00:00:00Z</earliestDatestamp>"
    "<deletedRecord>persistent</deletedRecord><granularity>YYYY-MM-DDThh:mm:ssZ</granularity>"
)
_DC = (
    '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/">{fields}</oai_dc:dc>'
)


_DELETED = ' status="deleted"'


def _record(n: int) -> str:
    header = (
        "<header{status}><identifier>oai:mixed:{n}</identifier>"
        "<datestamp>2025-05-01T08:{minute:02}:00Z</datestamp><setSpec>dia-chi</setSpec></header>"
    )
    if n % 5 == 2 and n % 3 == 0:  # a deletion now and then
        return f"<record>{header.format(status=_DELETED, n=n, minute=n % 60)}</record>"
    if n % 5 == 4 and n % 2 == 0:  # MODS where oai_dc was asked for: refused, quarantined
        metadata = (
            '<mods xmlns="http://www.loc.gov/mods/v3"><titleInfo><title>Sai định dạng '
            f"{n}</title></titleInfo></mods>"
        )
    elif n % 5 == 0:  # "Lịch sử Sóc Trăng" typed in a TCVN3 font, read as CP1252
        metadata = _DC.format(fields=f"<dc:title>LÞch sö Sãc Tr¨ng, tËp {n}</dc:title>")
    else:
        metadata = _DC.format(
            fields=f"<dc:title>Địa chí Cần Thơ, tập {n}</dc:title>"
            "<dc:creator>Sơn Nam, 1926-2008</dc:creator>"
            "<dc:subject>Đồng bằng sông Cửu Long</dc:subject><dc:coverage>Cà Mau</dc:coverage>"
            f"<dc:date>{1990 + n % 30}</dc:date><dc:type>Text</dc:type>"
            f"<dc:identifier>http://thuvien.example.org/item/{n}</dc:identifier>"
        )
    return (
        f"<record>{header.format(status='', n=n, minute=n % 60)}"
        f"<metadata>{metadata}</metadata></record>"
    )


def _answer(verb: str, token: str | None) -> str:
    if verb == "Identify":
        return _ENVELOPE.format(verb=verb, body=_IDENTIFY)
    page = int(token[1:]) if token else 1
    items = "".join(_record(n) for n in range((page - 1) * PER_PAGE + 1, page * PER_PAGE + 1))
    if page < PAGES:
        items += f'<resumptionToken completeListSize="{PAGES * PER_PAGE}">p{page + 1}'
        items += "</resumptionToken>"
    return _ENVELOPE.format(verb=verb, body=items)


class _Handler(BaseHTTPRequestHandler):
    """The mixed list under any path; under ``/slow/``, page 6 waits until ``released``."""

    released = threading.Event()
    asked: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        url = urlsplit(self.path)
        params = {key: values[0] for key, values in parse_qs(url.query).items()}
        token = params.get("resumptionToken")
        _Handler.asked.append(f"{url.path}:{token}")
        if url.path.startswith("/slow/") and token == "p6":
            _Handler.released.wait(30)
        body = _answer(params.get("verb", ""), token).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - its signature
        pass


@pytest.fixture(scope="module")
def mixed_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    _Handler.released.set()
    server.shutdown()
    server.server_close()
    thread.join()


def _library(base: str, code: str = "mixed") -> Library:
    return make_library(code=code, endpoint=f"{base}/{code}/oai")


def _rows(path: Path) -> list[tuple[object, ...]]:
    """Every stored row but its change number and storing time."""
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT library, oai_id, datestamp, deleted, source_format, kind, fields, raw_xml, "
            "cluster FROM records ORDER BY library, oai_id"
        ).fetchall()


def _mapping_children(parent: int | None = None) -> list[int]:
    """The running mapping processes of ``parent`` (this process by default)."""
    return [
        pid
        for pid in _children_of(os.getpid() if parent is None else parent)
        if b"harvester.mapper import serve" in _command_line(pid) and _alive(pid)
    ]


def _command_line(pid: int) -> bytes:
    """``pid``'s command line, empty once it has ended. A worker just started reads as empty
    for a moment: Popen returns once the exec has closed its pipes, before the kernel has set
    the new command line; so an empty one of a live process is read again."""
    deadline = time.monotonic() + 5
    while True:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:  # it ended meanwhile
            return b""
        if command or not _alive(pid) or time.monotonic() > deadline:
            return command
        time.sleep(0.001)


def _wait_for_end(pid: int) -> None:
    deadline = time.monotonic() + 10
    while _alive(pid):
        assert time.monotonic() < deadline, f"process {pid} did not end"
        time.sleep(0.01)


def _no_mapping_children_soon() -> bool:
    deadline = time.monotonic() + 10
    while _mapping_children():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _harvest(
    base: str, path: Path, options: HarvestOptions, caplog: pytest.LogCaptureFixture
) -> tuple[object, list[str], list[int]]:
    """Harvest the mixed list into a fresh store at ``path``; return the summary, the mapping
    log lines (legacy repairs, refused records) and how many workers ran at each page."""
    workers: list[int] = []

    def progress(code: str, page: Page, received: int) -> None:
        workers.append(len(_mapping_children()))

    caplog.clear()
    with caplog.at_level(logging.INFO), Store.open(path) as store:
        summary = harvest_library(_library(base), store, options, progress=progress)
    logged = sorted(
        re.sub(r"kept in \S+\.xml", "kept in FILE", r.getMessage())  # names vary by run
        for r in caplog.records
        if "legacy encoding" in r.getMessage() or "skipped" in r.getMessage()
    )
    return summary, logged, workers


def test_pages_mapped_in_a_process_are_stored_reported_and_logged_as_pages_mapped_here(
    mixed_server: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    here, logged_here, workers_here = _harvest(
        mixed_server,
        tmp_path / "here.sqlite",
        replace(FAST, quarantine_dir=tmp_path / "q-here"),
        caplog,
    )
    there, logged_there, workers_there = _harvest(
        mixed_server,
        tmp_path / "there.sqlite",
        replace(FAST, quarantine_dir=tmp_path / "q-there", map_processes=1),
        caplog,
    )

    assert here.ok and there.ok, (here.error, there.error)
    # Pages 1 and 2 are mapped in the harvest's process; from page 3 on, in one worker (which
    # may be up once page 2 is stored: page 3 was fetched and sent meanwhile).
    assert workers_here == [0] * PAGES
    assert workers_there[0] == 0 and workers_there[2:] == [1] * (PAGES - 2)
    assert _no_mapping_children_soon()
    rows = _rows(tmp_path / "there.sqlite")
    assert rows == _rows(tmp_path / "here.sqlite")
    deleted = [n for n in range(1, 41) if n % 5 == 2 and n % 3 == 0]
    refused = [n for n in range(1, 41) if n % 5 == 4 and n % 2 == 0]
    assert len(rows) == 40 - len(refused)
    assert [row[1] for row in rows if row[3]] == sorted(f"oai:mixed:{n}" for n in deleted)
    assert (here.stored, here.deleted, here.skipped) == (there.stored, there.deleted, there.skipped)
    assert (there.deleted, there.skipped) == (len(deleted), len(refused))
    titles = {row[1]: row[6] for row in rows}
    assert "Lịch sử Sóc Trăng, tập 40" in str(titles["oai:mixed:40"])
    # The same log lines, each once: those the worker wrote came back to the harvest's log.
    assert logged_there == logged_here
    assert sum("legacy encoding" in line for line in logged_there) == PAGES
    assert sum("is not oai_dc" in line for line in logged_there) == len(refused)
    kept_here = sorted(p.read_bytes() for p in (tmp_path / "q-here").rglob("*.xml"))
    kept_there = sorted(p.read_bytes() for p in (tmp_path / "q-there").rglob("*.xml"))
    assert len(kept_there) == len(refused) and kept_there == kept_here
    assert any("Sai định dạng 34</title>".encode() in kept for kept in kept_there)


def test_a_short_window_starts_no_process(
    mixed_server: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    summary, _, workers = _harvest(
        mixed_server, tmp_path / "c.sqlite", replace(FAST, map_processes=2, max_requests=2), caplog
    )

    assert summary.ok and summary.pages == 2 and workers == [0, 0]


def _page(base: str, token: str | None = None) -> Page:
    """One page of the mixed list, fetched and read by the harvester's client."""
    from harvester.run import open_client

    client = open_client(_library(base), FAST)
    pages = client.list_records(
        metadata_prefix="oai_dc",
        from_=None,
        until=None,
        set_spec=None,
        resumption_token=token,
        max_requests=1,
        max_empty_pages=5,
    )
    return next(iter(pages))


def test_a_worker_maps_a_page_as_the_harvest_would(mixed_server: str) -> None:
    page = _page(mixed_server, "p3")  # records 11-15: 12 deleted, 14 refused

    with MappingProcesses(1) as mapper:
        mapped = mapper.submit("mixed", "oai_dc", page).result("mixed")
        (worker,) = _mapping_children()

    assert not _alive(worker)  # closing stops it
    assert mapped == map_records("mixed", "oai_dc", page.records)
    assert [type(item) for item in mapped] == [
        PreparedRecord, PreparedRecord, PreparedRecord, Unmapped, PreparedRecord
    ]  # fmt: skip
    assert mapped[1].deleted and isinstance(mapped[3], Unmapped)
    assert mapped[3].oai_id == "oai:mixed:14" and b"Sai" in (mapped[3].xml or b"")
    assert [e is None for e in page_metadata(page.body, page.positions)] == [
        False, True, False, False, False
    ]  # fmt: skip


def test_a_worker_imports_the_harvests_modules_whatever_the_working_folder(
    mixed_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``python -c`` puts the working folder first on the import path: a harvest run from a
    folder holding another "harvester" (an old checkout) must still map with its own code."""
    decoy = tmp_path / "harvester"
    decoy.mkdir()
    (decoy / "__init__.py").write_text("")
    (decoy / "mapper.py").write_text("raise SystemExit('the decoy harvester was imported')\n")
    monkeypatch.chdir(tmp_path)
    page = _page(mixed_server, "p3")

    with MappingProcesses(1) as mapper:
        mapped = mapper.submit("mixed", "oai_dc", page).result("mixed")

    assert mapped == map_records("mixed", "oai_dc", page.records)


def test_a_page_sent_to_a_busy_worker_waits_in_its_pipe_and_answers_keep_their_pages(
    mixed_server: str,
) -> None:
    first, second = _page(mixed_server, "p3"), _page(mixed_server, "p5")
    with MappingProcesses(1) as mapper:
        # Both sent before either is answered: the one worker has a page queued behind one.
        one = mapper.submit("mixed", "oai_dc", first)
        two = mapper.submit("mixed", "oai_dc", second)
        assert len(_mapping_children()) == 1
        # Read in the other order: the first page's answer, read on the way, waits for it.
        assert two.result("mixed") == map_records("mixed", "oai_dc", second.records)
        assert one.result("mixed") == map_records("mixed", "oai_dc", first.records)
        with pytest.raises(RuntimeError, match="already taken"):
            one.result("mixed")


def test_a_page_waits_for_a_place_while_every_worker_has_two(mixed_server: str) -> None:
    page = _page(mixed_server, "p3")
    with MappingProcesses(1) as mapper:
        sent = [mapper.submit("mixed", "oai_dc", page) for _ in range(2)]
        third: list[PendingPage] = []
        sender = threading.Thread(
            target=lambda: third.append(mapper.submit("mixed", "oai_dc", page)), daemon=True
        )
        sender.start()
        sender.join(0.3)
        assert sender.is_alive() and not third  # no place: both are the first page's worker's

        sent[0].result("mixed")  # its answer read, a place is free
        sender.join(10)
        assert not sender.is_alive() and len(third) == 1
        expected = map_records("mixed", "oai_dc", page.records)
        assert [p.result("mixed") for p in (sent[1], third[0])] == [expected, expected]
        assert len(_mapping_children()) == 1


def test_a_page_waiting_for_a_place_gives_up_when_its_harvest_leaves(mixed_server: str) -> None:
    """A harvest leaving (an error while storing) stops taking pages, so a page its fetch
    thread still waits to send would wait for ever for places only that harvest frees."""
    page = _page(mixed_server, "p3")
    leaving = threading.Event()
    with MappingProcesses(1) as mapper:
        sent = [mapper.submit("mixed", "oai_dc", page) for _ in range(2)]
        raised: list[BaseException] = []

        def send_third() -> None:
            try:
                mapper.submit("mixed", "oai_dc", page, cancelled=leaving.is_set)
            except PageNotSent as exc:
                raised.append(exc)

        sender = threading.Thread(target=send_third, daemon=True)
        sender.start()
        sender.join(0.2)
        assert sender.is_alive()
        leaving.set()
        sender.join(5)

        assert not sender.is_alive()
        assert [str(exc) for exc in raised] == [
            "ListRecords page 1 (resumed): not sent to be mapped, the harvest is leaving"
        ]
        expected = map_records("mixed", "oai_dc", page.records)
        assert [p.result("mixed") for p in sent] == [expected, expected]


def test_a_worker_killed_with_two_pages_fails_each_for_its_library(mixed_server: str) -> None:
    page = _page(mixed_server, "p3")
    with MappingProcesses(1) as mapper:
        mapper.submit("mixed", "oai_dc", page).result("mixed")  # the worker is up
        (worker,) = _mapping_children()
        os.kill(worker, signal.SIGSTOP)  # it answers neither page
        pending = [mapper.submit(code, "oai_dc", page) for code in ("mixed", "other")]
        os.kill(worker, signal.SIGKILL)

        failures = []
        for code, sent in zip(("other", "mixed"), reversed(pending), strict=True):
            with pytest.raises(HarvestError) as raised:
                sent.result(code)
            failures.append(str(raised.value))

        # The next page gets a new worker.
        assert mapper.submit("mixed", "oai_dc", page).result("mixed")
        assert _mapping_children() != [worker]
    for code, message in zip(("other", "mixed"), failures, strict=True):
        assert message.startswith(f"[{code}] ListRecords page 1 (resumed): the process mapping")
        assert f"(pid {worker}) ended before it was done (exit code -9)" in message


def test_a_worker_killed_before_a_page_is_sent_is_replaced(mixed_server: str) -> None:
    page = _page(mixed_server, "p3")
    with MappingProcesses(1) as mapper:
        first = mapper.submit("mixed", "oai_dc", page).result("mixed")
        (worker,) = _mapping_children()
        os.kill(worker, signal.SIGKILL)
        _wait_for_end(worker)

        again = mapper.submit("mixed", "oai_dc", page).result("mixed")

        (replacement,) = _mapping_children()
    assert replacement != worker and again == first


def test_a_worker_killed_mapping_a_page_fails_that_page_clearly(mixed_server: str) -> None:
    page = _page(mixed_server, "p3")
    with MappingProcesses(1) as mapper:
        mapper.submit("mixed", "oai_dc", page).result("mixed")  # the worker is up
        (worker,) = _mapping_children()
        # Stopped, it cannot read the page it is sent; killed, it never answers.
        os.kill(worker, signal.SIGSTOP)
        pending = mapper.submit("mixed", "oai_dc", page)
        os.kill(worker, signal.SIGKILL)

        with pytest.raises(HarvestError) as raised:
            pending.result("mixed")

        # The next page gets a new worker.
        assert mapper.submit("mixed", "oai_dc", page).result("mixed")
    message = str(raised.value)
    assert message.startswith("[mixed] ListRecords page 1 (resumed): the process mapping")
    assert f"(pid {worker}) ended before it was done (exit code -9)" in message
    assert "nothing of the page was stored, the next run asks for it again" in message


def test_a_worker_killed_mid_harvest_loses_nothing(
    mixed_server: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    killed: list[int] = []

    def progress(code: str, page: Page, received: int) -> None:
        if received == 3 * PER_PAGE:
            (worker,) = _mapping_children()
            os.kill(worker, signal.SIGKILL)
            killed.append(worker)

    options = replace(FAST, map_processes=1)
    with Store.open(tmp_path / "c.sqlite") as store:
        first = harvest_library(_library(mixed_server), store, options, progress=progress)
        # The page being mapped when the worker died (if one was) fails the run, and the
        # next run asks for it again; a page sent after it goes to a new worker.
        if not first.ok:
            assert "the process mapping the page" in (first.error or "")
            assert "ended before it was done" in (first.error or "")
            again = harvest_library(_library(mixed_server), store, options)
            assert again.ok
        stored = store.count(library="mixed")
    assert killed and _no_mapping_children_soon()
    assert _rows(tmp_path / "c.sqlite") == _rows_of_a_plain_harvest(mixed_server, tmp_path)
    assert stored == len(_rows(tmp_path / "c.sqlite"))


def _rows_of_a_plain_harvest(base: str, tmp_path: Path) -> list[tuple[object, ...]]:
    with Store.open(tmp_path / "plain.sqlite") as store:
        assert harvest_library(_library(base), store, FAST).ok
    return _rows(tmp_path / "plain.sqlite")


@pytest.mark.parametrize("ending", ["stop", "error"])
def test_pages_sent_but_not_stored_give_their_places_back(
    mixed_server: str, tmp_path: Path, ending: str
) -> None:
    # A stop (or an error) after page 3: pages 4 and 5, fetched ahead and sent to the one
    # worker, are dropped. Their places must come back for the next library, or its first
    # page would wait for ever.
    stop = threading.Event()

    def progress(code: str, page: Page, received: int) -> None:
        if received == 3 * PER_PAGE:
            stop.set()
            if ending == "error":
                raise RuntimeError("the progress display broke")

    done: list[object] = []

    def harvest_twice() -> None:
        with MappingProcesses(1) as mapper, Store.open(tmp_path / "c.sqlite") as store:
            options = replace(FAST, should_stop=stop.is_set)
            try:
                done.append(
                    harvest_library(
                        _library(mixed_server), store, options, progress=progress, mapper=mapper
                    )  # fmt: skip
                )
            except RuntimeError as exc:
                done.append(exc)
            stop.clear()
            other = _library(mixed_server, "other")
            done.append(harvest_library(other, store, FAST, mapper=mapper))

    thread = threading.Thread(target=harvest_twice, daemon=True)
    thread.start()
    thread.join(60)

    assert not thread.is_alive(), "the second harvest waited for places that never came back"
    first, other = done
    if ending == "stop":
        assert first.stopped and first.pages == 3  # type: ignore[attr-defined]
    else:
        assert str(first) == "the progress display broke"
    assert other.ok and other.pages == PAGES  # type: ignore[attr-defined]
    assert _no_mapping_children_soon()


def test_libraries_harvested_at_once_share_the_mapping_processes(
    mixed_server: str, tmp_path: Path
) -> None:
    hosts = [mixed_server, mixed_server.replace("127.0.0.1", "localhost")]
    libraries = [_library(host, code) for host, code in zip(hosts, ("mixed", "other"), strict=True)]
    options = replace(FAST, map_processes=1, max_parallel_hosts=2)

    with Store.open(tmp_path / "c.sqlite") as store:
        summaries = harvest_libraries(libraries, store, options)

    assert [s.ok for s in summaries] == [True, True]
    rows = _rows(tmp_path / "c.sqlite")
    mixed = [row[1:] for row in rows if row[0] == "mixed"]
    other = [row[1:] for row in rows if row[0] == "other"]
    assert len(mixed) == 36 and [r[:-1] for r in mixed] == [r[:-1] for r in other]
    assert _no_mapping_children_soon()


def test_a_page_without_its_bytes_cannot_be_sent(mixed_server: str) -> None:
    page = replace(_page(mixed_server), body=b"")
    with MappingProcesses(1) as mapper, pytest.raises(ValueError, match="with its body"):
        mapper.submit("mixed", "oai_dc", page)
    assert _mapping_children() == []


def _children_of(pid: int) -> list[int]:
    children = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
        except OSError:  # the process ended meanwhile
            continue
        if fields.get("PPid", "").strip() == str(pid):
            children.append(int(status.parent.name))
    return children


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_killed_harvest_leaves_no_mapping_process_behind_and_resumes_without_loss(
    mixed_server: str, tmp_path: Path
) -> None:
    catalog = tmp_path / "c.sqlite"
    endpoint = f"{mixed_server}/slow/oai"
    child = start_harvest(catalog, "slow", endpoint, "timeout=60, map_processes=1")
    try:
        deadline = time.monotonic() + 30
        workers: list[int] = []
        while "/slow/oai:p6" not in _Handler.asked or not workers:
            assert child.poll() is None, "the harvest ended before page 6"
            assert time.monotonic() < deadline, "the harvest never reached page 6 with a worker"
            workers = _mapping_children(child.pid)
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        deadline = time.monotonic() + 10
        while any(_alive(worker) for worker in workers):
            assert time.monotonic() < deadline, f"mapping processes {workers} outlived the harvest"
            time.sleep(0.02)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    with Store.open(catalog) as store:
        stored_before = store.count(library="slow")
        window = store.harvest_window("slow")
        assert window is not None and window.in_flight and window.resumption_token
        _Handler.released.set()
        rest = harvest_library(make_library(code="slow", endpoint=f"{mixed_server}/slow/oai"),
                               store, replace(FAST, map_processes=1))  # fmt: skip
        assert rest.ok, rest.error
    assert 0 < stored_before < 36
    rows = [row[1:] for row in _rows(catalog)]
    assert rows == [row[1:] for row in _rows_of_a_plain_harvest(mixed_server, tmp_path)]


def test_a_script_harvesting_at_its_top_level_can_map_in_a_process(
    mixed_server: str, tmp_path: Path
) -> None:
    # No `if __name__ == "__main__":` guard: a worker must not run the script again.
    script = tmp_path / "harvest_now.py"
    script.write_text(
        "from catalog.store import Store\n"
        "from harvester.run import HarvestOptions, harvest_library\n"
        "from tests.factories import make_library\n"
        f"library = make_library(code='mixed', endpoint='{mixed_server}/mixed/oai')\n"
        f"with Store.open({str(tmp_path / 'c.sqlite')!r}) as store:\n"
        "    summary = harvest_library(library, store, HarvestOptions(map_processes=1))\n"
        "print(summary.ok, summary.pages, summary.stored + summary.deleted)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", str(PAGES), "36"]


def test_a_bug_met_in_a_worker_is_raised_in_the_harvest_and_the_worker_goes_on(
    mixed_server: str,
) -> None:
    page = _page(mixed_server, "p3")
    broken = replace(page, positions=tuple(position + 100 for position in page.positions))

    with MappingProcesses(1) as mapper:
        with pytest.raises(IndexError, match="list index out of range"):
            mapper.submit("mixed", "oai_dc", broken).result("mixed")
        (worker,) = _mapping_children()

        mapped = mapper.submit("mixed", "oai_dc", page).result("mixed")

        assert _mapping_children() == [worker]
    assert mapped == map_records("mixed", "oai_dc", page.records)
