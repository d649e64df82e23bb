"""What `unioncat status` reports: who holds the run lock, and per member records, last success
and failure, the failure streak and the next scheduled run."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from catalog.models import Library
from catalog.store import Store
from config.settings import Settings
from operations.lock import read_holder
from operations.schedule import member_cron, next_run_times


def lock_status(path: Path) -> dict[str, object]:
    """The run lock now: ``held``, and the holder's ``pid``, ``command`` and ``since``.

    Read from the holder the lock file names, without taking the lock (taking it, even for
    an instant, could refuse a run starting at that moment). A holder that is no longer alive
    left the lock behind (``stale``): the next run takes it over.
    """
    holder = read_holder(path)
    alive = holder is not None and holder.is_alive
    return {
        "path": str(path),
        "held": alive,
        "stale": holder is not None and not alive,
        "pid": holder.pid if holder else None,
        "command": holder.command if holder else None,
        "since": holder.started_at.isoformat() if holder else None,
    }


def member_rows(
    store: Store, libraries: Sequence[Library], settings: Settings, now: datetime | None = None
) -> list[dict[str, object]]:
    """One row per member: the monitoring keys of ``status --json``."""
    counts = store.count_by_library()
    harvests = store.last_harvests()
    outcomes = store.harvest_outcomes()
    next_runs = next_run_times(settings, libraries, now)
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
                "schedule_cron": member_cron(settings, library),
                "own_schedule": library.schedule_cron is not None,
                "next_run": _iso(next_runs.get(library.code)),
            }
        )
    return rows


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
