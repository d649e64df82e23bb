"""Harvest runs: one library window by window into the store, and many libraries at once.

A run harvests one *window* per library (and set): from the saved ``next_from`` (the server's
responseDate when the last window started) to now. The window, its resumption token and the
server's clock are saved in the store after every page, so a run killed mid-harvest loses at
most the page it was storing (and the next one, fetched ahead from the second page on: see
`harvester.ahead`) and the next run resumes from the saved token. A token the server
rejects (``badResumptionToken``, e.g. expired; or ``badArgument`` for a saved token, e.g. one
made by the other harvest mode's verb) restarts the window from its ``from``; upserts are
idempotent, so records seen twice are neither lost nor duplicated. A window in flight whose
member has since changed its harvest mode or metadata prefix is not resumed at all (its token
was made for another verb or format): it restarts from its ``from``.

A run can be asked to stop (``HarvestOptions.should_stop``, e.g. on SIGTERM): the flag is read
after each page is committed and its window saved, and before each library starts. A stopped
library's window stays in flight at the saved token, so the next run asks for the next page,
never the one already stored (a page already fetched ahead is dropped unstored and asked for
again); its summary says ``stopped`` and it is neither a success nor a failure (it is not
written to the harvest history, see `harvest_library`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from lxml import etree

from catalog.errors import HarvestError, OAIResponseError
from catalog.models import HarvestSummary, Library
from catalog.store import HarvestWindow, PreparedRecord, Store
from harvester.ahead import fetch_ahead
from harvester.mapper import MappingProcesses, PendingPage, Unmapped, map_records
from harvester.oai import Header, Identity, OAIClient, Page
from harvester.polite import HostGate
from harvester.quarantine import Quarantine

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class HarvestOptions:
    """How to talk to members; built from Settings by the CLI."""

    timeout: float = 30.0
    max_retries: int = 3
    max_retry_after: float = 120.0
    max_requests: int = 10000
    user_agent: str = "MekongUnionCatalog/0.1"
    full: bool = False  # ignore the saved window and harvest everything
    from_: datetime | None = None  # overrides the saved window
    until: datetime | None = None  # end of the window; None: up to the server's now
    quarantine_dir: Path | None = None  # where unreadable pages and records are kept
    polite_delay: float = 0.0  # seconds between the end of one request and the next, per host
    max_parallel_hosts: int = 4  # hosts harvested at the same time by harvest_libraries
    # "records" (ListRecords) or "identifiers" (ListIdentifiers, then GetRecord for each, for
    # members whose ListRecords is broken); None: each library's own `harvest_mode`.
    harvest_mode: str | None = None
    # Consecutive pages with a resumption token but no records after which the window is ended
    # with a warning (a server that hands out tokens forever).
    max_empty_pages: int = 5
    # Asked after each committed page (and before each library): True ends the harvest there,
    # cleanly, with the window in flight for the next run. Called from harvest threads.
    should_stop: Callable[[], bool] | None = None
    # Worker processes that map ListRecords pages while this process fetches and stores (see
    # harvester.mapper); 0 maps in the harvest's own process. Started from a window's third
    # page on, so a short harvest starts none.
    map_processes: int = 0


HARVEST_MODES = ("records", "identifiers")


def open_client(
    library: Library,
    options: HarvestOptions,
    *,
    gate: HostGate | None = None,
    quarantine: Quarantine | None = None,
) -> OAIClient:
    """Return an OAI client for ``library`` with the options' timeouts, retries and manners."""
    return OAIClient(
        library,
        timeout=options.timeout,
        max_retries=options.max_retries,
        max_retry_after=options.max_retry_after,
        user_agent=options.user_agent,
        gate=gate or HostGate(options.polite_delay),
        quarantine=quarantine,
    )


# Called after each committed page with the library's code, the page and the records received
# so far in this run (mapped or not; compare with the page's complete_list_size).
ProgressCallback = Callable[[str, Page, int], None]


@dataclass(slots=True)
class _Tally:
    """The counts of one library's run (mutable while it runs; the summary is frozen)."""

    pages: int = 0
    received: int = 0  # records on the pages so far, mapped or skipped
    stored: int = 0
    deleted: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def harvest_library(
    library: Library,
    store: Store,
    options: HarvestOptions,
    *,
    progress: ProgressCallback | None = None,
    gate: HostGate | None = None,
    mapper: MappingProcesses | None = None,
) -> HarvestSummary:
    """Harvest one library's window into ``store``, committing page by page.

    Never raises for the library's own faults: they end up in the summary's ``error``.
    Records stored before a failure stay stored, and the window stays in flight for the next
    run. ``gate`` is shared between libraries on the same host and ``mapper`` between all
    (see harvest_libraries); without ``mapper``, ``options.map_processes`` workers of its own
    are started when needed and stopped at the end.

    When ``options.should_stop`` says so (before the first request, or after a committed page)
    the harvest ends cleanly: the summary has ``stopped=True`` and no error, and it is not
    written to the harvest history, so a stopped run neither counts as the member's last
    success nor breaks (or extends) its run of failures.
    """
    started = _now()
    if _stop_asked(options):
        log.warning(
            "[%s] stop requested before the harvest started; the next run harvests it",
            library.code,
        )
        return HarvestSummary(
            library=library.code, started_at=started, finished_at=started, stopped=True
        )
    tally = _Tally()
    error: str | None = None
    outcome: _Outcome = "ended"
    quarantine = Quarantine(options.quarantine_dir, library.code)
    client = open_client(library, options, gate=gate, quarantine=quarantine)
    own_mapper = None
    if mapper is None and options.map_processes > 0:
        mapper = own_mapper = MappingProcesses(options.map_processes)
    try:
        identity = client.identify()
        for target in _set_targets(library):
            window = _open_window(target, store, options, identity)
            resumed_token, pages_before = window.resumption_token, tally.pages
            try:
                window, outcome = _harvest_window(
                    client, target, store, options, window, quarantine, tally, progress, mapper
                )
            except OAIResponseError as exc:
                # badArgument for the very token a run saved: it was made for the other verb (the
                # harvest mode changed) or by another version of the server. Start the window over.
                saved_token_refused = (
                    exc.oai_code == "badArgument"
                    and resumed_token is not None
                    and tally.pages == pages_before
                )
                if exc.oai_code != "badResumptionToken" and not saved_token_refused:
                    raise
                log.warning(
                    "[%s] the server rejected resumption token %r (%s); restarting the window "
                    "from %s, records already stored are kept",
                    library.code,
                    window.resumption_token,
                    exc,
                    window.from_ or "the beginning",
                )
                tally.errors.append(f"{exc}; the window was restarted from {window.from_}")
                window = replace(window, resumption_token=None)
                store.save_harvest_window(window)
                window, outcome = _harvest_window(
                    client, target, store, options, window, quarantine, tally, progress, mapper
                )
            if outcome == "ended":
                # The server's clock, not ours, starts the next window: no gap from clock skew.
                next_from = window.response_date or identity.response_date or started
                store.save_harvest_window(
                    replace(window, resumption_token=None, in_flight=False, next_from=next_from)
                )
            if outcome != "ended":
                break  # stopped, or the request cap: the next run resumes this set
    except HarvestError as exc:
        error = str(exc)
        log.error("%s; records stored so far are kept, the next run goes on from there", exc)
    finally:
        if own_mapper is not None:
            own_mapper.close()
    for path in quarantine.kept:
        tally.errors.append(f"[{library.code}] quarantined: {path}")
    stopped = outcome == "stopped" and error is None
    summary = HarvestSummary(
        library=library.code,
        started_at=started,
        finished_at=_now(),
        pages=tally.pages,
        stored=tally.stored,
        deleted=tally.deleted,
        skipped=tally.skipped,
        error=error,
        errors=tuple(tally.errors),
        stopped=stopped,
    )
    if not stopped:
        store.record_harvest(summary)
    log.info(
        "[%s] %s: %d pages, %d stored, %d deleted, %d skipped, %d quarantined%s",
        library.code,
        "stopped on request" if stopped else "done" if summary.ok else "FAILED",
        tally.pages,
        tally.stored,
        tally.deleted,
        tally.skipped,
        len(quarantine.kept),
        "; the next run resumes from the saved window" if stopped else "",
    )
    return summary


def _set_targets(library: Library) -> list[Library]:
    """The library once per set it names in ``sets``, else the library itself."""
    return [replace(library, set_spec=name, sets=()) for name in library.sets] or [library]


def _stop_asked(options: HarvestOptions) -> bool:
    return options.should_stop is not None and bool(options.should_stop())


def _open_window(
    library: Library, store: Store, options: HarvestOptions, identity: Identity
) -> HarvestWindow:
    """Resume the saved window in flight, or start the next one (or the one asked for)."""
    saved = store.harvest_window(library.code, library.set_spec)
    if saved is None and library.set_spec:
        legacy = store.harvest_window(library.code)  # a version-1 catalog's state, set or not
        saved = legacy if legacy and legacy.metadata_prefix is None else None
    granularity = identity.granularity
    until = _format_for(granularity, options.until) if options.until else None
    mode = _harvest_mode(library, options)
    if options.from_ or options.full:
        since = options.from_
    elif saved is not None and saved.in_flight and saved.set_spec == library.set_spec:
        return _resume_window(library, store, saved, mode)
    else:
        since = saved.next_from if saved else None
    window = HarvestWindow(
        library=library.code,
        set_spec=library.set_spec,
        metadata_prefix=library.metadata_prefix,
        harvest_mode=mode,
        from_=_format_for(granularity, since) if since else None,
        until=until,
        next_from=saved.next_from if saved else None,
        in_flight=True,
    )
    log.info(
        "[%s] harvesting %s%s from %s (%s)",
        library.code,
        library.metadata_prefix,
        f" set {library.set_spec!r}" if library.set_spec else "",
        window.from_ or "the beginning",
        library.endpoint,
    )
    store.save_harvest_window(window)
    return window


def _resume_window(
    library: Library, store: Store, saved: HarvestWindow, mode: str
) -> HarvestWindow:
    """Resume ``saved`` at its token, or restart it from its ``from`` when the token belongs to
    another verb or format: the member's harvest mode or metadata prefix changed since."""
    changed = [
        f"the {what} changed from {before!r} to {now!r}"
        for what, before, now in (
            ("metadata prefix", saved.metadata_prefix, library.metadata_prefix),
            ("harvest mode", saved.harvest_mode, mode),
        )
        # A window saved before catalog version 4 has no mode: its token is tried, and a
        # badArgument for it restarts the window then (see harvest_library).
        if before is not None and before != now
    ]
    if not changed:
        log.info(
            "[%s] resuming the window from %s saved at %s, %s",
            library.code,
            saved.from_ or "the beginning",
            saved.updated_at,
            f"at resumption token {saved.resumption_token!r}"
            if saved.resumption_token
            else "from its start",
        )
        return replace(saved, harvest_mode=mode)
    log.warning(
        "[%s] %s since the window in flight from %s was saved at %s: its resumption token %r "
        "was made for the other verb or format, so it is not resumed; the window restarts from "
        "%s, records already stored are kept",
        library.code,
        " and ".join(changed),
        saved.from_ or "the beginning",
        saved.updated_at,
        saved.resumption_token,
        saved.from_ or "the beginning",
    )
    window = replace(
        saved,
        metadata_prefix=library.metadata_prefix,
        harvest_mode=mode,
        resumption_token=None,
        response_date=None,
    )
    store.save_harvest_window(window)
    return window


# How a window's harvest came back: its list ended (or a guard ended it), the request cap
# paused it, or a stop was asked for; the last two leave the window in flight.
_Outcome = Literal["ended", "capped", "stopped"]


def _harvest_window(
    client: OAIClient,
    library: Library,
    store: Store,
    options: HarvestOptions,
    window: HarvestWindow,
    quarantine: Quarantine,
    tally: _Tally,
    progress: ProgressCallback | None,
    mapper: MappingProcesses | None,
) -> tuple[HarvestWindow, _Outcome]:
    """Harvest ``window`` from its token (or its start); return it and how the harvest ended."""
    identifiers = _harvest_mode(library, options) == "identifiers"
    list_pages = client.list_identifiers if identifiers else client.list_records
    pages = list_pages(
        metadata_prefix=library.metadata_prefix,
        from_=window.from_,
        until=window.until,
        set_spec=library.set_spec,
        resumption_token=window.resumption_token,
        max_requests=options.max_requests,
        max_empty_pages=options.max_empty_pages,
    )
    if identifiers:
        pages = (_fetch_records(client, library, page) for page in pages)
    # The next page (and its GetRecords) is fetched, and sent to be mapped, while this one is
    # stored.
    leaving = threading.Event()  # set when the harvest stops taking pages
    sent: list[PendingPage] = []  # pages sent to be mapped whose records were not taken yet
    to_store = _send_to_map(pages, library, mapper, leaving, sent)
    # With a mapping process, two pages come ahead: one waits in its pipe while it maps the
    # other, and it need not wait for the harvest to store a page to get the next.
    depth = 2 if mapper is not None and not identifiers else 1
    name = f"harvest-{library.code}-fetch"
    try:
        with fetch_ahead(to_store, name=name, depth=depth, leaving=leaving) as ahead:
            return _store_pages(ahead, library, store, options, window, quarantine, tally, progress)
    finally:
        # The fetching has ended. Pages sent but never stored (a stop, an error) are read and
        # dropped, or they would hold their places in mapping processes that other members'
        # harvests share.
        for pending in sent:
            pending.drop()  # a no-op when its records were taken


def _send_to_map(
    pages: Iterator[Page],
    library: Library,
    mapper: MappingProcesses | None,
    leaving: threading.Event,
    sent: list[PendingPage],
) -> Iterator[tuple[Page, PendingPage | None]]:
    """Each page, sent to ``mapper`` from the third on (as pages start being fetched ahead, see
    harvester.ahead: a short window starts no process); None: it is mapped when stored. Pages
    sent are kept in ``sent`` until their records are taken; a page waiting for a place in a
    mapping process gives up once the harvest is ``leaving``."""
    for number, page in enumerate(pages, 1):
        pending = None
        if mapper is not None and number > 2 and page.body:
            pending = mapper.submit(
                library.code, library.metadata_prefix, page, cancelled=leaving.is_set
            )
            sent[:] = [*(p for p in sent if not p.taken), pending]
        yield page, pending


def _store_pages(
    pages: Iterator[tuple[Page, PendingPage | None]],
    library: Library,
    store: Store,
    options: HarvestOptions,
    window: HarvestWindow,
    quarantine: Quarantine,
    tally: _Tally,
    progress: ProgressCallback | None,
) -> tuple[HarvestWindow, _Outcome]:
    """Map and store each page, committing it and saving the window after it."""
    for page, pending in pages:
        records = _map_page(library, page, pending, quarantine, tally)
        result = store.upsert_page(records)
        tally.pages += 1
        tally.received += len(page.records) + len(page.skipped)
        tally.stored += result.stored
        tally.deleted += result.deleted
        tally.errors.extend(f"[{library.code}] {page.request}: {r}" for r in page.repairs)
        if progress:
            progress(library.code, page, tally.received)
        log.debug(
            "[%s] %s: %d records, %d%s so far, %d stored or deleted",
            library.code,
            page.request,
            len(page.records) + len(page.skipped),
            tally.received,
            f" of {page.complete_list_size}" if page.complete_list_size else "",
            result.stored + result.deleted,
        )
        # Saved after the page is committed: a crash in between asks for this page again,
        # and storing it twice changes nothing.
        window = replace(
            window,
            resumption_token=page.resumption_token,
            response_date=window.response_date or page.response_date,
        )
        if page.stop_reason == "request_cap":
            tally.errors.append(
                f"[{library.code}] {page.request}: stopped after {options.max_requests} "
                "requests (harvest_max_requests); the next run goes on from the saved token"
            )
            store.save_harvest_window(window)
            return window, "capped"
        if page.stop_reason == "same_token":
            tally.errors.append(
                f"[{library.code}] {page.request}: the server repeated resumption token "
                f"{page.resumption_token!r}; the window was ended there"
            )
        elif page.stop_reason == "empty_pages":
            tally.errors.append(
                f"[{library.code}] {page.request}: {options.max_empty_pages} pages in a row "
                "had a resumption token but no records (max_empty_pages); the window was "
                "ended there"
            )
        elif page.resumption_token:
            store.save_harvest_window(window)
            if _stop_asked(options):
                log.warning(
                    "[%s] stopped on request after %s (committed); the next run resumes at "
                    "resumption token %r",
                    library.code,
                    page.request,
                    page.resumption_token,
                )
                return window, "stopped"
    return window, "ended"


def _harvest_mode(library: Library, options: HarvestOptions) -> str:
    mode = options.harvest_mode or library.harvest_mode
    if mode not in HARVEST_MODES:
        raise ValueError(
            f"library {library.code!r}: harvest_mode must be one of {HARVEST_MODES}, got {mode!r}"
        )
    return str(mode)


def _fetch_records(client: OAIClient, library: Library, page: Page) -> Page:
    """Fill a ListIdentifiers page with each live record's metadata, one GetRecord each.

    A record the server no longer knows (idDoesNotExist) is skipped and reported; any other
    failure fails the page, which is asked for again from the saved token next run.
    """
    records: list[tuple[Header, etree._Element | None]] = []
    skipped = list(page.skipped)
    for header, _ in page.records:
        if header.deleted:
            records.append((header, None))
            continue
        try:
            records.append(
                client.get_record(header.oai_id, metadata_prefix=library.metadata_prefix)
            )
        except OAIResponseError as exc:
            if exc.oai_code != "idDoesNotExist":
                raise
            skipped.append(f"{exc}; listed by ListIdentifiers but gone, skipped")
    return replace(page, records=tuple(records), skipped=tuple(skipped))


def _map_page(
    library: Library,
    page: Page,
    pending: PendingPage | None,
    quarantine: Quarantine,
    tally: _Tally,
) -> list[PreparedRecord]:
    """The page's records mapped (here, or by the process ``pending`` was sent to); each
    record that cannot be is quarantined and reported, and its neighbours are kept."""
    for reason in page.skipped:
        tally.skipped += 1
        tally.errors.append(reason)
        log.warning("%s; the rest of the page is kept", reason)
    if pending is not None:
        mapped = pending.result(library.code)
    else:
        mapped = map_records(library.code, library.metadata_prefix, page.records)
    records: list[PreparedRecord] = []
    for item in mapped:
        if not isinstance(item, Unmapped):
            records.append(item)
            continue
        tally.skipped += 1
        kept = quarantine.keep_record(
            item.xml, oai_id=item.oai_id, request=page.request, url=page.url, reason=item.reason
        )
        where = f"; its XML is kept in {kept}" if kept else ""
        tally.errors.append(f"{item.reason}{where}")
        log.warning("%s; skipped%s, the rest of the page is kept", item.reason, where)
    return records


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _format_for(granularity: str, when: datetime) -> str:
    if "hh" in granularity:
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    # Day granularity: the same day again, so changes later that day are not missed.
    return when.astimezone(UTC).strftime("%Y-%m-%d")
