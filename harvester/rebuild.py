"""Rebuild the catalog from the raw XML it keeps: map every stored record again, no harvest.

When the mapping improves (a new field, a better kind or place reading, a new work key) the
records already stored are mapped again from their kept metadata XML with the current
`harvester.mapping.map_record`, as if harvested again (same library, identifier, datestamp,
sets and format). Only records whose derived values change are written, in committed batches,
with a new change number; the others keep theirs, so neither the index nor the union's OAI-PMH
provider sees a change that is not one. A record that no longer maps is kept as it is,
reported and quarantined like the harvester does, never deleted. Updating the index is the
caller's job (the harvester never imports the index).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from catalog.errors import RecordError
from catalog.models import Record, StoredRecord
from catalog.store import Store
from harvester.mapping import map_record
from harvester.quarantine import Quarantine
from harvester.xml import parse_xml

log = logging.getLogger(__name__)

# Called after each batch with the records examined so far and the total to examine.
RebuildProgress = Callable[[int, int], None]

# Records mapped, compared and committed at a time: a transaction holds the writer's lock for
# about as long as one harvested page does.
BATCH_SIZE = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class RebuildSummary:
    """What rebuilding one library's live records did (or, on a dry run, would do)."""

    library: str
    examined: int = 0  # live records looked at: changed + unchanged + failed + missing_raw_xml
    changed: int = 0
    unchanged: int = 0
    failed: tuple[str, ...] = ()  # "[library] oai_id: why" for each record that did not map
    missing_raw_xml: int = 0  # stored before raw XML was kept: cannot be mapped again
    changes: tuple[str, ...] = ()  # "oai_id: field, field" for each changed record
    dry_run: bool = False
    stopped: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(slots=True)
class _Tally:
    examined: int = 0
    changed: int = 0
    unchanged: int = 0
    missing_raw_xml: int = 0
    failed: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)


def rebuild_catalog(
    store: Store,
    libraries: Sequence[str] | None = None,
    *,
    dry_run: bool = False,
    quarantine_dir: Path | None = None,
    batch_size: int = BATCH_SIZE,
    progress: RebuildProgress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[RebuildSummary]:
    """Map every live record of ``libraries`` (None: every library stored) again; one summary each.

    ``dry_run`` writes nothing: not the records, not the quarantine. ``should_stop`` is asked
    after each committed batch; True ends the rebuild there (the summaries say ``stopped``),
    and running it again finishes the job, since the records already rebuilt are unchanged.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    counts = store.count_by_library()
    chosen = tuple(sorted(counts)) if libraries is None else tuple(libraries)
    total = sum(counts.get(code, (0, 0))[0] for code in chosen)
    log.info(
        "rebuild%s: mapping %d live records of %d libraries again from their raw XML",
        " (dry run)" if dry_run else "",
        total,
        len(chosen),
    )
    tallies = {code: _Tally() for code in chosen}
    quarantines = {code: Quarantine(None if dry_run else quarantine_dir, code) for code in chosen}
    examined = 0
    stopped = False
    after: tuple[str, str] | None = None
    while chosen:
        batch = store.live_records(libraries=chosen, after=after, limit=batch_size)
        if not batch:
            break
        after = (batch[-1].record.library, batch[-1].record.oai_id)
        mapped = []
        for stored in batch:
            tally = tallies[stored.record.library]
            tally.examined += 1
            record = _map_again(stored, tally, quarantines[stored.record.library])
            if record is not None:
                mapped.append(record)
        changes = store.rewrite_records(mapped, dry_run=dry_run)
        for key, names in changes:
            library, _, oai_id = key.partition(":")
            tallies[library].changed += 1
            tallies[library].changes.append(f"{oai_id}: {', '.join(names)}")
            log.debug("[%s] %s: %s %s", library, oai_id, _verb(dry_run), ", ".join(names))
        changed_keys = {key for key, _ in changes}
        for record in mapped:
            if record.key not in changed_keys:
                tallies[record.library].unchanged += 1
        examined += len(batch)
        if progress:
            progress(examined, total)
        if should_stop is not None and should_stop():
            log.warning(
                "rebuild stopped on request after %d of %d records (committed); run it again "
                "to finish",
                examined,
                total,
            )
            stopped = True
            break
    summaries = [
        RebuildSummary(
            library=code,
            examined=tally.examined,
            changed=tally.changed,
            unchanged=tally.unchanged,
            failed=tuple(tally.failed),
            missing_raw_xml=tally.missing_raw_xml,
            changes=tuple(tally.changes),
            dry_run=dry_run,
            stopped=stopped,
        )
        for code, tally in tallies.items()
    ]
    for summary in summaries:
        log.info(
            "[%s] rebuild%s: %d examined, %d %s, %d unchanged, %d failed, %d without raw XML",
            summary.library,
            " (dry run)" if dry_run else "",
            summary.examined,
            summary.changed,
            "would change" if dry_run else "changed",
            summary.unchanged,
            len(summary.failed),
            summary.missing_raw_xml,
        )
    return summaries


def _map_again(stored: StoredRecord, tally: _Tally, quarantine: Quarantine) -> Record | None:
    """Map one stored record from its raw XML; None (counted and reported) when it cannot be."""
    record = stored.record
    if record.raw_xml is None:
        tally.missing_raw_xml += 1
        log.debug("[%s] %s: no raw XML kept; left as it is", record.library, record.oai_id)
        return None
    try:
        element = parse_xml(record.raw_xml)
        return map_record(
            library=record.library,
            oai_id=record.oai_id,
            datestamp=record.datestamp,
            deleted=False,
            metadata_prefix=record.source_format,
            element=element,
            set_specs=record.set_specs,
        )
    except etree.XMLSyntaxError as exc:
        reason = (
            f"[{record.library}] record {record.oai_id!r}: its kept raw XML does not parse ({exc})"
        )
    except RecordError as exc:
        reason = str(exc)
    kept = quarantine.keep_record(
        record.raw_xml, oai_id=record.oai_id, request="rebuild", url="", reason=reason
    )
    where = f"; its XML is kept in {kept}" if kept else ""
    tally.failed.append(f"{reason}{where}")
    log.warning("%s; the rebuild keeps the stored record as it is%s and goes on", reason, where)
    return None


def _verb(dry_run: bool) -> str:
    return "would change" if dry_run else "changed"
