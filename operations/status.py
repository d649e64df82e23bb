"""Per-member status for `unioncat status`: records, last success and failure, the streak."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from catalog.models import Library
from catalog.store import Store


def member_rows(
    store: Store, libraries: Sequence[Library], next_run: datetime | None
) -> list[dict[str, object]]:
    """One row per member: the monitoring keys of ``status --json``."""
    counts = store.count_by_library()
    harvests = store.last_harvests()
    outcomes = store.harvest_outcomes()
    rows: list[dict[str, object]] = []
    for library in libraries:
        last = harvests.get(library.code)
        outcome = outcomes.get(library.code)
        rows.append(
            {
                "code": library.code,
                "name": library.name_vi,
                "enabled": library.enabled,
                "records": counts.get(library.code, (0, 0))[0],
                "deleted": counts.get(library.code, (0, 0))[1],
                "last_harvest": last.finished_at.isoformat() if last else None,
                "last_outcome": None if last is None else ("ok" if last.ok else "failed"),
                "last_error": last.error if last else None,
                "last_success": _iso(outcome.last_success if outcome else None),
                "last_failure": _iso(outcome.last_failure if outcome else None),
                "consecutive_failures": outcome.consecutive_failures if outcome else 0,
                "next_run": _iso(next_run) if library.enabled else None,
            }
        )
    return rows


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
