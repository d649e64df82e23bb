"""Harvest runs: one library page by page into the store, and every enabled library in turn."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from catalog.errors import HarvestError, RecordError
from catalog.models import HarvestSummary, Library, Record
from catalog.store import Store
from harvester.mapping import map_record
from harvester.oai import OAIClient, Page

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


ProgressCallback = Callable[[str, Page, int], None]


def harvest_library(
    library: Library,
    store: Store,
    options: HarvestOptions,
    *,
    progress: ProgressCallback | None = None,
) -> HarvestSummary:
    """Harvest one library into ``store``, committing page by page.

    Never raises for the library's own faults: they end up in the summary's ``error``.
    Records stored before a failure stay stored.
    """
    started = datetime.now(UTC).replace(microsecond=0)
    pages = stored = deleted = skipped = 0
    errors: list[str] = []
    error: str | None = None
    client = OAIClient(
        library,
        timeout=options.timeout,
        max_retries=options.max_retries,
        max_retry_after=options.max_retry_after,
        user_agent=options.user_agent,
    )
    try:
        identity = client.identify()
        since = options.from_ or (None if options.full else store.next_from(library.code))
        from_ = _format_for(identity.granularity, since) if since else None
        log.info(
            "[%s] harvesting %s from %s (%s)",
            library.code,
            library.metadata_prefix,
            from_ or "the beginning",
            library.endpoint,
        )
        response_date: datetime | None = None
        for page in client.list_records(
            metadata_prefix=library.metadata_prefix,
            from_=from_,
            set_spec=library.set_spec,
            max_requests=options.max_requests,
        ):
            response_date = response_date or page.response_date
            records: list[Record] = []
            for reason in page.skipped:
                skipped += 1
                errors.append(reason)
                log.warning("%s; the rest of the page is kept", reason)
            for header, element in page.records:
                try:
                    records.append(
                        map_record(
                            library=library.code,
                            oai_id=header.oai_id,
                            datestamp=header.datestamp,
                            deleted=header.deleted,
                            metadata_prefix=library.metadata_prefix,
                            element=element,
                            set_specs=header.set_specs,
                        )
                    )
                except RecordError as exc:
                    skipped += 1
                    errors.append(str(exc))
                    log.warning("%s; skipped, the rest of the page is kept", exc)
            result = store.upsert_page(records)
            pages += 1
            stored += result.stored
            deleted += result.deleted
            if progress:
                progress(library.code, page, stored + deleted)
            log.debug("[%s] %s: %d records", library.code, page.request, len(records))
        # The server's clock, not ours, starts the next window: no gap from clock skew.
        store.set_next_from(library.code, response_date or identity.response_date or started)
    except HarvestError as exc:
        error = str(exc)
        log.error("%s; records stored so far are kept, the next run retries", exc)
    summary = HarvestSummary(
        library=library.code,
        started_at=started,
        finished_at=datetime.now(UTC).replace(microsecond=0),
        pages=pages,
        stored=stored,
        deleted=deleted,
        skipped=skipped,
        error=error,
        errors=tuple(errors),
    )
    store.record_harvest(summary)
    log.info(
        "[%s] %s: %d pages, %d stored, %d deleted, %d skipped",
        library.code,
        "done" if summary.ok else "FAILED",
        pages,
        stored,
        deleted,
        skipped,
    )
    return summary


def harvest_libraries(
    libraries: Iterable[Library],
    store: Store,
    options: HarvestOptions,
    *,
    progress: ProgressCallback | None = None,
) -> list[HarvestSummary]:
    """Harvest each library in turn; one library's failure never stops the others."""
    return [harvest_library(library, store, options, progress=progress) for library in libraries]


def _format_for(granularity: str, when: datetime) -> str:
    if "hh" in granularity:
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    # Day granularity: the same day again, so changes later that day are not missed.
    return when.astimezone(UTC).strftime("%Y-%m-%d")
