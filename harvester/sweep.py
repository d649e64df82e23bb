"""The deletion sweep: for members whose server does not report deletions (deletedRecord=no).

ListIdentifiers lists every identifier the server still has; each live record the catalog
holds that is not listed becomes a tombstone (its metadata kept). Safety rules, because a
sweep that deletes by absence turns every server fault into data loss:

- a sweep that did not read the whole list (a failure, a guard, the request cap) deletes nothing;
- a sweep whose list holds no live identifier deletes nothing;
- a sweep that would delete more than ``max_share`` of the member's live records deletes
  nothing and says so (check the member, then sweep again with a higher share).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from catalog.errors import HarvestError
from catalog.models import Library, Record
from catalog.store import Store
from harvester.polite import HostGate
from harvester.run import HarvestOptions, open_client

log = logging.getLogger(__name__)

_BATCH = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepSummary:
    """What one member's deletion sweep found and did."""

    library: str
    listed: int = 0  # live identifiers the server listed
    live: int = 0  # live records the catalog held before the sweep
    deleted: int = 0  # records the sweep turned into tombstones
    refused: str | None = None  # why nothing was deleted, when a safety rule stopped it

    @property
    def ok(self) -> bool:
        return self.refused is None


def sweep_deletions(
    library: Library,
    store: Store,
    options: HarvestOptions,
    *,
    max_share: float = 0.5,
    gate: HostGate | None = None,
) -> SweepSummary:
    """Mark deleted the stored records of ``library`` its server no longer lists.

    Never raises for the member's faults: a failed or unsafe sweep deletes nothing and says
    why in ``refused``.
    """
    client = open_client(library, options, gate=gate)
    live = {
        stored.record.oai_id
        for stored in store.select(library=library.code)
        if not stored.record.deleted
    }
    listed: set[str] = set()
    response_date: datetime | None = None
    try:
        identity = client.identify()
        if identity.deleted_record != "no":
            log.info(
                "[%s] the server reports deletions itself (deletedRecord=%s); sweeping anyway",
                library.code,
                identity.deleted_record,
            )
        for page in client.list_identifiers(
            metadata_prefix=library.metadata_prefix,
            set_spec=library.set_spec,
            max_requests=options.max_requests,
        ):
            response_date = response_date or page.response_date
            listed.update(header.oai_id for header, _ in page.records if not header.deleted)
            if page.stop_reason:
                return _refuse(
                    library,
                    live,
                    listed,
                    f"{page.request}: the list was cut short ({page.stop_reason}), so absence "
                    "proves nothing",
                )
    except HarvestError as exc:
        return _refuse(library, live, listed, f"the sweep failed: {exc}")
    if not listed:
        return _refuse(library, live, listed, "the server listed no identifiers")
    gone = sorted(live - listed)
    if live and len(gone) / len(live) > max_share:
        return _refuse(
            library,
            live,
            listed,
            f"{len(gone)} of {len(live)} live records ({len(gone) / len(live):.0%}) would be "
            f"deleted, more than the {max_share:.0%} allowed; check the member's server, then "
            "sweep again with a higher maximum share",
        )
    when = response_date or datetime.now(UTC).replace(microsecond=0)
    deleted = 0
    for start in range(0, len(gone), _BATCH):
        result = store.upsert_page(
            Record(
                library=library.code,
                oai_id=oai_id,
                datestamp=when,
                deleted=True,
                source_format=library.metadata_prefix,
            )
            for oai_id in gone[start : start + _BATCH]
        )
        deleted += result.deleted
    log.info(
        "[%s] deletion sweep: %d identifiers listed, %d of %d live records no longer listed "
        "are now deleted",
        library.code,
        len(listed),
        deleted,
        len(live),
    )
    return SweepSummary(library=library.code, listed=len(listed), live=len(live), deleted=deleted)


def _refuse(library: Library, live: set[str], listed: set[str], why: str) -> SweepSummary:
    log.warning("[%s] deletion sweep: %s; nothing was deleted", library.code, why)
    return SweepSummary(
        library=library.code,
        listed=len(listed),
        live=len(live),
        refused=f"[{library.code}] {why}; nothing was deleted",
    )
