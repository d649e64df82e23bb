"""Map a page's records for the store: in the harvest's own process, or in worker processes.

A harvest fetches, maps and stores under one interpreter lock, so only one of those runs at a
time; mapping (the XML walk, legacy encodings, places) and what the store derives from a
record (its field JSON and work key) take most of it. `MappingProcesses` hands each page's
bytes to a worker process instead, which parses them again, maps every record and prepares it
for the store (`catalog.store.prepare_record`), while the harvest's process fetches the next
page and stores the last one. The worker gives back what mapping here gives: the same
records, in the page's order, each one either prepared or `Unmapped` with its XML for the
quarantine, and the log lines mapping wrote, which are logged again here under the harvest's
own logging settings.

Workers are plain ``python -c`` processes importing this module (nothing of the harvest's
threads, sockets or catalog is copied into them), started when a page is first sent, one page
at a time each over pipes of their own. They ignore SIGINT and SIGTERM (the harvest decides
when to stop) and end when the harvest closes their pipe or dies, however it dies: the pipe
then reads as ended. A worker that dies mid-page fails that page's library with a
`HarvestError` (nothing of the page is stored; the next run asks for it again) and the next
page sent starts a new worker.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection

from lxml import etree

from catalog.errors import HarvestError, RecordError
from catalog.store import PreparedRecord, prepare_record
from harvester.mapping import map_record
from harvester.oai import Header, Page, page_metadata

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Unmapped:
    """A record mapping refused: why, and its whole ``<record>`` as received (for the
    quarantine; None when it had no metadata)."""

    oai_id: str
    reason: str  # the RecordError's message, naming the library and the record
    xml: bytes | None


Mapped = PreparedRecord | Unmapped


def map_records(
    library: str,
    metadata_prefix: str,
    records: Iterable[tuple[Header, etree._Element | None]],
) -> list[Mapped]:
    """Map and prepare each record of a page; a record that cannot be mapped comes back
    `Unmapped` and its neighbours are mapped all the same."""
    mapped: list[Mapped] = []
    for header, element in records:
        try:
            record = map_record(
                library=library,
                oai_id=header.oai_id,
                datestamp=header.datestamp,
                deleted=header.deleted,
                metadata_prefix=metadata_prefix,
                element=element,
                set_specs=header.set_specs,
            )
        except RecordError as exc:
            mapped.append(Unmapped(header.oai_id, str(exc), record_xml(element)))
            continue
        mapped.append(prepare_record(record))
    return mapped


def record_xml(element: etree._Element | None) -> bytes | None:
    """The whole ``<record>`` around a metadata element, as received."""
    if element is None:
        return None
    record = element.getparent()
    record = record.getparent() if record is not None else None
    return etree.tostring(record if record is not None else element, encoding="UTF-8")


class PendingPage:
    """A page sent to a mapping process: `result` waits for its records, `drop` for nothing."""

    def __init__(self, processes: MappingProcesses, worker: _Worker, request: str) -> None:
        self._processes = processes
        self._worker: _Worker | None = worker
        self._request = request

    def result(self, library: str) -> list[Mapped]:
        """The page's mapped records, once mapped; logs what the mapping logged.

        Raises HarvestError for ``library`` when the worker died mapping the page, and what
        mapping raised (a bug: mapping raises RecordError only for one record, and that record
        comes back `Unmapped`).
        """
        mapped, logged = self._receive(library)
        for record in logged:
            logger = logging.getLogger(record.name)
            if logger.isEnabledFor(record.levelno):
                logger.handle(record)
        return mapped

    def drop(self) -> None:
        """Wait for the page's records and forget them (a page fetched ahead but not stored)."""
        if self._worker is not None:
            try:
                self._receive("")
            except Exception:  # noqa: BLE001 - nothing of a dropped page is wanted, not even its bug
                return

    def _receive(self, library: str) -> tuple[list[Mapped], list[logging.LogRecord]]:
        worker, self._worker = self._worker, None
        if worker is None:
            raise RuntimeError(f"{self._request}: the page's records were already taken")
        try:
            answer = pickle.loads(worker.answers.recv_bytes())
        except (EOFError, OSError) as exc:
            self._processes._discard(worker)
            code = worker.process.poll()
            raise HarvestError(
                library,
                f"{self._request}: the process mapping the page (pid {worker.process.pid}) "
                f"ended before it was done (exit code {code}); nothing of the page was stored, "
                "the next run asks for it again",
            ) from exc
        self._processes._give_back(worker)
        kind, value, logged = answer
        if kind == "error":
            raise value
        return value, logged


@dataclass(slots=True)
class _Worker:
    process: subprocess.Popen[bytes]
    pages: Connection  # written here, read by the worker
    answers: Connection  # written by the worker, read here

    def close(self) -> None:
        self.pages.close()
        self.answers.close()


class MappingProcesses:
    """Worker processes that map harvested pages; shared by the harvest's threads.

    A worker maps one page at a time: it is taken when a page is sent and given back when its
    records are received (or dropped). At most ``processes`` run; a page sent while all are
    taken waits for one to be given back.
    """

    def __init__(self, processes: int) -> None:
        if processes < 1:
            raise ValueError(f"processes must be at least 1, got {processes}")
        self.processes = processes
        # Guards the lists below; notified whenever a worker is given back or discarded.
        self._changed = threading.Condition()
        self._idle: list[_Worker] = []
        self._workers: list[_Worker] = []  # started and not discarded, idle or taken
        self._closed = False

    def submit(self, library: str, metadata_prefix: str, page: Page) -> PendingPage:
        """Send a ListRecords page (one with its ``body``) to be mapped; returns once sent."""
        if not page.body:
            raise ValueError(f"{page.request}: only a page with its body can be sent")
        # Headers cross as plain tuples: a third of the time of pickling the dataclasses.
        headers = [
            (header.oai_id, header.datestamp, header.deleted, header.set_specs)
            for header, _ in page.records
        ]
        message = pickle.dumps(
            (library, metadata_prefix, headers, page.body, page.positions), protocol=5
        )
        while True:
            worker = self._take()
            try:
                worker.pages.send_bytes(message)
            except OSError:  # it died since it last mapped a page: the page goes to another
                log.warning("mapping process %s had ended; starting another", worker.process.pid)
                self._discard(worker)
                continue
            return PendingPage(self, worker, page.request)

    def close(self) -> None:
        """Stop the workers; pages sent afterwards are refused."""
        with self._changed:
            self._closed = True
            workers, self._workers, self._idle = self._workers, [], []
            self._changed.notify_all()
        for worker in workers:
            _stop(worker)

    def __enter__(self) -> MappingProcesses:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _take(self) -> _Worker:
        """An idle worker, else a new one while fewer than ``processes`` run, else the first
        given back (or a new one in place of the first discarded)."""
        with self._changed:
            while True:
                if self._closed:
                    raise RuntimeError("the mapping processes were closed")
                if self._idle:
                    return self._idle.pop()
                if len(self._workers) < self.processes:
                    worker = _start(_harvest_log_level())
                    self._workers.append(worker)
                    return worker
                self._changed.wait()

    def _give_back(self, worker: _Worker) -> None:
        with self._changed:
            if worker in self._workers:
                self._idle.append(worker)
                self._changed.notify()

    def _discard(self, worker: _Worker) -> None:
        with self._changed:
            if worker in self._workers:
                self._workers.remove(worker)
                self._changed.notify()
        _stop(worker)


def _start(level: int) -> _Worker:
    """Start a worker: ``python -c`` importing this module, which maps what it reads from one
    pipe and answers on another. A plain command rather than multiprocessing's spawn, which
    would import the harvest's main module again in the worker (and fail for a script that does
    not guard its harvest with ``if __name__ == "__main__"``)."""
    pages_read, pages_write = os.pipe()
    answers_read, answers_write = os.pipe()
    command = [
        sys.executable,
        "-P",  # not the working folder first: a "harvester" there is not the harvest's
        "-c",
        "from harvester.mapper import serve; serve()",
        str(pages_read),
        str(answers_write),
        str(level),
    ]
    # The worker imports what the harvest imports, from the same folders.
    path = os.pathsep.join(entry or os.getcwd() for entry in sys.path)
    try:
        process = subprocess.Popen(
            command,
            pass_fds=(pages_read, answers_write),
            env={**os.environ, "PYTHONPATH": path},
            stdin=subprocess.DEVNULL,
        )
    finally:
        # Only the worker holds these ends now: its death reads as the end of the answers.
        os.close(pages_read)
        os.close(answers_write)
    return _Worker(
        process,
        pages=Connection(pages_write, readable=False),
        answers=Connection(answers_read, writable=False),
    )


def _stop(worker: _Worker) -> None:
    """Close the worker's pipes (it ends on reading their end); kill it if it does not end."""
    worker.close()
    try:
        worker.process.wait(timeout=_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        log.warning("mapping process %s did not end; killing it", worker.process.pid)
        worker.process.kill()
        worker.process.wait()


_STOP_SECONDS = 5.0


def _harvest_log_level() -> int:
    """The lowest level the harvest logs from mapping's modules: the workers log from there."""
    return min(logging.getLogger(name).getEffectiveLevel() for name in ("harvester", "catalog"))


# --- in the worker process ---------------------------------------------------------------


class _Kept(logging.Handler):
    """Keeps the log records of the page being mapped, to send back with its records."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Only the message goes back: its arguments and traceback may not pickle.
        record.msg, record.args = record.getMessage(), None
        record.exc_info = record.exc_text = None
        self.records.append(record)


def serve() -> None:
    """The worker's main: map the pages the harvest sends until it closes the pipe (or dies).

    Arguments: the pipe to read pages from, the pipe to answer on, the lowest log level.
    """
    pages, answers, level = (int(argument) for argument in sys.argv[1:4])
    _serve(Connection(pages, writable=False), Connection(answers, readable=False), level)


def _serve(pages: Connection, answers: Connection, level: int) -> None:
    # The harvest decides when to stop (a SIGTERM or Ctrl-C sent to the whole process group
    # would otherwise kill the worker mid-page); closing the pipe ends the worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    kept = _Kept()
    root = logging.getLogger()
    root.handlers[:] = [kept]
    root.setLevel(level)
    while True:
        try:
            message = pages.recv_bytes()
        except (EOFError, OSError):
            return
        kept.records = []
        try:
            answer: tuple[str, object, list[logging.LogRecord]] = (
                "mapped",
                _map_page(*pickle.loads(message)),
                kept.records,
            )
            reply = pickle.dumps(answer, protocol=5)
        except Exception as exc:  # noqa: BLE001 - a bug in mapping is raised in the harvest
            reply = pickle.dumps(("error", _picklable(exc), kept.records), protocol=5)
        try:
            answers.send_bytes(reply)
        except OSError:
            return


def _picklable(exc: Exception) -> Exception:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - any exception that does not survive the trip
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _map_page(
    library: str,
    metadata_prefix: str,
    headers: list[tuple[str, datetime, bool, tuple[str, ...]]],
    body: bytes,
    positions: tuple[int, ...],
) -> list[Mapped]:
    elements = page_metadata(body, positions)
    records = (
        (Header(oai_id=oai_id, datestamp=datestamp, deleted=deleted, set_specs=set_specs), element)
        for (oai_id, datestamp, deleted, set_specs), element in zip(headers, elements, strict=True)
    )
    return map_records(library, metadata_prefix, records)
