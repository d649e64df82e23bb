"""One run: harvest the members, then update the index, under the run lock; stoppable.

A stop (SIGTERM/SIGINT, or the scheduler shutting down) sets a StopFlag, which the harvester
reads through ``HarvestOptions.should_stop`` after each committed page and before each member:
the page in flight is finished and stored with its window, the run ends there and the next run
resumes at the saved resumption token (the page already stored is not asked for again). During
the index update the flag is read after each committed batch, so the index and its change
mark agree and the next run indexes the rest.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import FrameType

from catalog.models import HarvestSummary, Library
from catalog.store import Store
from config.settings import Settings
from harvester import HarvestOptions, harvest_libraries
from harvester.oai import Page
from index.build import IndexSummary, update_index
from operations.lock import run_lock

log = logging.getLogger(__name__)

Say = Callable[[str], None]


class _IndexStopped(Exception):
    """Raised between two committed index batches when a stop was asked for."""


class StopFlag:
    """A cooperative stop: set by a signal or the scheduler, checked between pages."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason: str | None = None

    def set(self, reason: str) -> None:
        if not self._event.is_set():
            self.reason = reason
            log.warning("%s: finishing the page in flight, then stopping", reason)
        self._event.set()

    @property
    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float) -> bool:
        return self._event.wait(timeout)

    @contextmanager
    def on_signals(self) -> Iterator[StopFlag]:
        """Set the flag on SIGTERM/SIGINT for the block (main thread only); restore after."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return

        def handle(signum: int, frame: FrameType | None) -> None:
            self.set(f"{signal.Signals(signum).name} received")

        previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunResult:
    """What one run did; ``stopped`` is a clean stop on request, not a failure."""

    started_at: datetime
    finished_at: datetime
    harvests: tuple[HarvestSummary, ...] = ()
    index: IndexSummary | None = None
    index_error: str | None = None
    stopped: bool = False
    failed_libraries: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.failed_libraries and self.index_error is None


def harvest_options(
    settings: Settings, *, full: bool = False, from_: datetime | None = None
) -> HarvestOptions:
    """Build the harvester's options from Settings, as every command uses them."""
    return HarvestOptions(
        timeout=settings.harvest_timeout,
        max_retries=settings.harvest_max_retries,
        max_retry_after=settings.harvest_max_retry_after,
        max_requests=settings.harvest_max_requests,
        user_agent=f"MekongUnionCatalog/0.1 (+mailto:{settings.contact_email})",
        full=full,
        from_=from_,
        quarantine_dir=settings.quarantine_dir,
        polite_delay=settings.harvest_polite_delay,
        max_empty_pages=settings.harvest_max_empty_pages,
        max_parallel_hosts=settings.harvest_max_parallel_hosts,
        map_processes=settings.harvest_map_processes,
    )


def harvest_until_stopped(
    libraries: Sequence[Library],
    store: Store,
    options: HarvestOptions,
    stop: StopFlag,
    *,
    progress: Callable[[str, Page, int], None] | None = None,
) -> tuple[list[HarvestSummary], bool]:
    """Harvest ``libraries``; return the summaries and whether the run was stopped.

    On a stop, the libraries cut short (or never started) come back with ``stopped=True``:
    they neither succeeded nor failed, and the next run resumes them.
    """
    if stop.is_set:
        return [], True
    summaries = harvest_libraries(
        libraries, store, replace(options, should_stop=lambda: stop.is_set), progress=progress
    )
    return summaries, stop.is_set or any(summary.stopped for summary in summaries)


def run_once(
    settings: Settings,
    libraries: Sequence[Library],
    *,
    stop: StopFlag,
    say: Say = lambda line: None,
    progress: Callable[[str, Page, int], None] | None = None,
) -> RunResult:
    """Harvest the enabled members, then update the index, holding the run lock throughout.

    The index is updated even when members failed, so the others' changes become searchable.
    Raises RunLockError when another run holds the lock past ``settings.run_lock_wait``.
    """
    started = _now()
    members = [library for library in libraries if library.enabled and library.endpoint]
    with run_lock(settings.run_lock_path, wait=settings.run_lock_wait) as holder:
        log.info(
            "run started (PID %d): harvesting %d members: %s",
            holder.pid,
            len(members),
            ", ".join(library.code for library in members) or "none",
        )
        with Store.open(settings.catalog_path) as store:
            summaries, stopped = harvest_until_stopped(
                members, store, harvest_options(settings), stop, progress=progress
            )
            for summary in summaries:
                say(describe_summary(summary))
            index: IndexSummary | None = None
            index_error: str | None = None
            if stopped:
                say("Stopped on request; the next run resumes the harvest and updates the index.")
            else:
                log.info("run: harvest done, updating the index %s", settings.index_dir)

                def between_batches(done: int) -> None:
                    log.debug("index: %d changes indexed so far", done)
                    if stop.is_set:  # the batch is committed and its change mark written
                        raise _IndexStopped

                try:
                    index = update_index(store, settings.index_dir, progress=between_batches)
                    say(
                        f"Indexed {index.indexed} records, removed {index.removed}, "
                        f"catalog change {index.last_seq}."
                    )
                except _IndexStopped:
                    stopped = True
                    log.warning("index update stopped on request; the next run indexes the rest")
                    say("Stopped on request during the index update; the next run finishes it.")
                except Exception as exc:  # the harvest is kept; the next run indexes again
                    log.exception("index update failed; the next run tries again")
                    index_error = f"index update failed: {exc}"
    result = RunResult(
        started_at=started,
        finished_at=_now(),
        harvests=tuple(summaries),
        index=index,
        index_error=index_error,
        stopped=stopped,
        failed_libraries=tuple(s.library for s in summaries if not s.ok),
    )
    log.info(
        "run finished: %d members harvested, %d failed%s%s",
        len(summaries),
        len(result.failed_libraries),
        ", stopped on request" if stopped else "",
        f", {index_error}" if index_error else "",
    )
    return result


def describe_summary(summary: HarvestSummary) -> str:
    """One line per member, as `harvest` and `run` print them."""
    outcome = (
        f"FAILED: {summary.error}"
        if not summary.ok
        else "stopped on request, the next run resumes"
        if summary.stopped
        else "ok"
    )
    return (
        f"{summary.library:<10} {summary.pages} pages, {summary.stored} stored, "
        f"{summary.deleted} deleted, {summary.skipped} skipped — {outcome}"
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
