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
threads, sockets or catalog is copied into them), started when a page is first sent, each
mapping one page at a time while the next waits in its pipe. They ignore SIGINT and SIGTERM
(the harvest decides when to stop) and end when the harvest closes their pipe or dies, however
it dies: the pipe then reads as ended. A worker that dies fails the pages it had not
answered, each for its library, with a `HarvestError` (nothing of those pages is stored; the
next run asks for them again), and the next page sent starts a new worker.
"""

from __future__ import annotations

import fcntl
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection

from lxml import etree

from catalog.errors import HarvestError, RecordError
from catalog.store import PreparedRecord, prepare_record
from harvester.mapping import map_record
from harvester.oai import Header, Page, page_metadata

log = logging.getLogger(__name__)


class PageNotSent(Exception):
    """A page was not sent to be mapped: the harvest that fetched it is leaving."""


@dataclass(frozen=True, slots=True)
class Unmapped:
    """A record mapping refused: why, and its whole ``<record>`` as received (for the
    quarantine; None when it had no metadata)."""

    oai_id: str
    reason: str  # the RecordError's message, naming the library and the record
    xml: bytes | None


Mapped = PreparedRecord | Unmapped

# Pages a worker is sent before it answers the first: one mapped while the next waits in its
# pipe, so that the worker maps a page while the harvest stores the one before. More would only
# hold more pages in memory: the harvest fetches, and so sends, one page at a time.
PAGES_PER_WORKER = 2
# The size asked for each pipe (Linux only; 64 KiB otherwise): a page's bytes, or the answer
# for 100 records, then fits in the pipe whole, and neither side waits for the other to read.
_PIPE_BYTES = 1 << 20
# How often a page waiting for a place checks whether its harvest is leaving.
_CANCEL_CHECK_SECONDS = 0.05


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
        self._worker = worker
        self._request = request
        self._answer: bytes | None = None  # read from the worker's pipe, not taken yet
        self.taken = False  # its records were taken, or dropped

    def result(self, library: str) -> list[Mapped]:
        """The page's mapped records, once mapped; logs what the mapping logged.

        Raises HarvestError for ``library`` when the worker died before answering for the page,
        and what mapping raised (a bug: mapping raises RecordError only for one record, and
        that record comes back `Unmapped`).
        """
        mapped, logged = self._receive(library)
        for record in logged:
            logger = logging.getLogger(record.name)
            if logger.isEnabledFor(record.levelno):
                logger.handle(record)
        return mapped

    def drop(self) -> None:
        """Wait for the page's records and forget them (a page fetched ahead but not stored)."""
        if not self.taken:
            try:
                self._receive("")
            except Exception:  # noqa: BLE001 - nothing of a dropped page is wanted, not even its bug
                return

    def _receive(self, library: str) -> tuple[list[Mapped], list[logging.LogRecord]]:
        if self.taken:
            raise RuntimeError(f"{self._request}: the page's records were already taken")
        self.taken = True
        worker = self._worker
        with worker.receiving:
            # Answers come in the order pages were sent: those of pages sent before this one
            # are read first and kept for their own `result`.
            while self._answer is None:
                if not worker.ended:
                    try:
                        answer = worker.answers.recv_bytes()
                    except (EOFError, OSError):
                        self._processes._discard(worker)
                    else:
                        worker.waiting.popleft()._answer = answer
                        self._processes._answered(worker)
                        continue
                raise HarvestError(
                    library,
                    f"{self._request}: the process mapping the page (pid {worker.process.pid}) "
                    f"ended before it was done (exit code {worker.process.poll()}); nothing of "
                    "the page was stored, the next run asks for it again",
                )
            answer, self._answer = self._answer, b""
        kind, value, logged = pickle.loads(answer)
        if kind == "error":
            raise value
        return value, logged


@dataclass(slots=True)
class _Worker:
    process: subprocess.Popen[bytes]
    pages: Connection  # written here, read by the worker
    answers: Connection  # written by the worker, read here
    # Pages sent and not answered yet, in the order sent (appended under ``sending``).
    waiting: deque[PendingPage] = field(default_factory=deque)
    sent: int = 0  # pages sent or being sent and not answered yet (MappingProcesses._changed)
    ended: bool = False  # discarded: its pipes are closed
    sending: threading.Lock = field(default_factory=threading.Lock)
    receiving: threading.RLock = field(default_factory=threading.RLock)

    def close(self) -> None:
        self.pages.close()
        self.answers.close()


class MappingProcesses:
    """Worker processes that map harvested pages; shared by the harvest's threads.

    A worker maps one page while up to one more waits in its pipe (`PAGES_PER_WORKER`): while
    the harvest stores a page and reads the worker's answer, the worker maps the next. A page
    is sent to an idle worker, else to a new one while fewer than ``processes`` run, else to
    the worker with a free place; when none has one, the sender waits for an answer.
    """

    def __init__(self, processes: int) -> None:
        if processes < 1:
            raise ValueError(f"processes must be at least 1, got {processes}")
        self.processes = processes
        # Guards the list below and each worker's ``sent``; notified when a place frees.
        self._changed = threading.Condition()
        self._workers: list[_Worker] = []  # started and not discarded
        self._closed = False

    def submit(
        self,
        library: str,
        metadata_prefix: str,
        page: Page,
        *,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> PendingPage:
        """Send a ListRecords page (one with its ``body``) to be mapped; returns once sent.

        While every worker has its pages, waits for a place; raises PageNotSent if
        ``cancelled()`` becomes true meanwhile (the harvest is leaving, and will not read the
        pages that hold the places).
        """
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
            worker = self._place(page.request, cancelled)
            pending = PendingPage(self, worker, page.request)
            with worker.sending:
                worker.waiting.append(pending)
                try:
                    worker.pages.send_bytes(message)
                except OSError:  # it died since it last mapped a page: the page goes to another
                    worker.waiting.pop()
                    sent = False
                else:
                    sent = True
            if sent:
                return pending
            log.warning("mapping process %s had ended; starting another", worker.process.pid)
            self._discard(worker)

    def close(self) -> None:
        """Stop the workers; pages sent afterwards are refused."""
        with self._changed:
            self._closed = True
            workers, self._workers = self._workers, []
            self._changed.notify_all()
        for worker in workers:
            worker.ended = True
            _stop(worker)

    def __enter__(self) -> MappingProcesses:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _place(self, request: str, cancelled: Callable[[], bool]) -> _Worker:
        """A place for one page: an idle worker, else a new one while fewer than ``processes``
        run, else the least busy worker with a free place, else the first to free one."""
        with self._changed:
            while True:
                if self._closed:
                    raise RuntimeError("the mapping processes were closed")
                if cancelled():
                    raise PageNotSent(f"{request}: not sent to be mapped, the harvest is leaving")
                idle = [worker for worker in self._workers if not worker.sent]
                if idle:
                    worker = idle[0]
                elif len(self._workers) < self.processes:
                    worker = _start(_harvest_log_level())
                    self._workers.append(worker)
                else:
                    free = [w for w in self._workers if w.sent < PAGES_PER_WORKER]
                    if not free:
                        self._changed.wait(_CANCEL_CHECK_SECONDS)
                        continue
                    worker = min(free, key=lambda w: w.sent)
                worker.sent += 1
                return worker

    def _answered(self, worker: _Worker) -> None:
        with self._changed:
            worker.sent -= 1
            self._changed.notify()

    def _discard(self, worker: _Worker) -> None:
        """Forget a worker that died (or whose pipe broke): the pages it was sent fail."""
        with self._changed:
            if worker in self._workers:
                self._workers.remove(worker)
            self._changed.notify_all()
        # Killed first, so that a thread reading its answers reads their end; their pipes are
        # closed once no thread reads them.
        if worker.process.poll() is None:
            worker.process.kill()
        with worker.receiving:
            if not worker.ended:
                worker.ended = True
                _stop(worker)


def _start(level: int) -> _Worker:
    """Start a worker: ``python -c`` importing this module, which maps what it reads from one
    pipe and answers on another. A plain command rather than multiprocessing's spawn, which
    would import the harvest's main module again in the worker (and fail for a script that does
    not guard its harvest with ``if __name__ == "__main__"``)."""
    pages_read, pages_write = os.pipe()
    answers_read, answers_write = os.pipe()
    for end in (pages_write, answers_read):
        _widen(end)
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


def _widen(pipe: int) -> None:
    try:
        fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    except (AttributeError, OSError):  # not Linux, or above /proc/sys/fs/pipe-max-size
        log.debug("pipe %d keeps its default size", pipe)


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
