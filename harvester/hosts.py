"""Harvest many libraries: different hosts at the same time, one request at a time per host."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from catalog.models import HarvestSummary, Library
from catalog.store import Store
from harvester.mapper import MappingProcesses
from harvester.polite import HostGate, host_of
from harvester.run import HarvestOptions, ProgressCallback, harvest_library

log = logging.getLogger(__name__)


def harvest_libraries(
    libraries: Iterable[Library],
    store: Store,
    options: HarvestOptions,
    *,
    progress: ProgressCallback | None = None,
) -> list[HarvestSummary]:
    """Harvest every library; summaries come back in the order given.

    Libraries on different hosts are harvested at the same time (at most
    ``options.max_parallel_hosts``, each thread with its own Store connection); libraries on
    one host go one after another through one HostGate, so a host never gets two requests at
    once. One library's failure, even an unexpected crash, never stops the others. All share
    ``options.map_processes`` mapping processes (see harvester.mapper).
    Once ``options.should_stop`` says so, the libraries not started yet come back at once
    with ``stopped=True`` and no request sent.
    """
    members = list(libraries)
    by_host: dict[str, list[int]] = {}
    for number, library in enumerate(members):
        by_host.setdefault(host_of(library.endpoint), []).append(number)
    gates = {host: HostGate(options.polite_delay) for host in by_host}
    summaries: dict[int, HarvestSummary] = {}
    mapper = MappingProcesses(options.map_processes) if options.map_processes > 0 else None

    def harvest_host(host: str, numbers: list[int], own: Store) -> None:
        for number in numbers:
            summaries[number] = _harvest_safely(
                members[number], own, options, progress, gates[host], mapper
            )

    def harvest_host_in_thread(host: str, numbers: list[int]) -> None:
        with Store.open(store.path) as own:
            harvest_host(host, numbers, own)

    workers = min(max(1, options.max_parallel_hosts), len(by_host))
    try:
        if workers <= 1:
            for host, numbers in by_host.items():
                harvest_host(host, numbers, store)
        else:
            with ThreadPoolExecutor(workers, thread_name_prefix="harvest") as pool:
                futures = [
                    pool.submit(harvest_host_in_thread, host, numbers)
                    for host, numbers in by_host.items()
                ]
            for numbers, future in zip(by_host.values(), futures, strict=True):
                exc = future.exception()
                if exc is not None:  # the catalog could not be opened for this host's thread
                    for number in numbers:
                        summaries.setdefault(number, _crashed(members[number], exc))
    finally:
        if mapper is not None:
            mapper.close()
    return [summaries[number] for number in range(len(members))]


def _harvest_safely(
    library: Library,
    store: Store,
    options: HarvestOptions,
    progress: ProgressCallback | None,
    gate: HostGate,
    mapper: MappingProcesses | None,
) -> HarvestSummary:
    try:
        return harvest_library(library, store, options, progress=progress, gate=gate, mapper=mapper)
    except Exception as exc:  # a bug or a broken catalog must not stop the other members
        log.exception("[%s] the harvest crashed; the other members go on", library.code)
        summary = _crashed(library, exc)
        try:
            store.record_harvest(summary)
        except Exception:  # the store itself is what broke; the log above has it
            log.exception("[%s] the failed run could not be recorded", library.code)
        return summary


def _crashed(library: Library, exc: BaseException) -> HarvestSummary:
    now = datetime.now(UTC).replace(microsecond=0)
    return HarvestSummary(
        library=library.code,
        started_at=now,
        finished_at=now,
        error=f"[{library.code}] the harvest crashed: {type(exc).__name__}: {exc}; "
        "see the log for the traceback",
    )
