"""Commands for running the catalog unattended: status, run, schedule, backup, restore."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from catalog.store import Store

from .base import Context, fail, log, main, pass_context


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON for monitoring.")
@pass_context
def status(context: Context, as_json: bool) -> None:
    """Show each member's records, last success and failure, failure streak and next run,
    and whether a run holds the run lock now.

    Exit status 1 if a member's last harvest failed.
    """
    from operations.schedule import next_run_time
    from operations.status import lock_status, member_rows

    settings = context.settings()
    members = context.libraries(settings)
    next_run = next_run_time(settings)
    lock = lock_status(settings.run_lock_path)
    with Store.open(settings.catalog_path) as store:
        rows = member_rows(store, members, settings)
    if as_json:
        document = {
            "lock": lock,
            "libraries": rows,
            "next_run": next_run.isoformat() if next_run else None,
            "schedule": {"cron": settings.schedule_cron, "timezone": settings.schedule_timezone},
        }
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        holder = f"PID {lock['pid']} ({lock['command']!r}), since {lock['since']}"
        if lock["held"]:
            click.echo(f"Run lock: held by {holder}")
        elif lock["stale"]:
            click.echo(f"Run lock: free; left by {holder}, no longer running (taken over next)")
        else:
            click.echo("Run lock: free")
        for row in rows:
            when = row["last_harvest"] or "never harvested"
            outcome = f" ({row['last_outcome']})" if row["last_outcome"] else ""
            streak = row["consecutive_failures"]
            failing = f", {streak} failed in a row" if streak else ""
            own = (
                f", own schedule {row['schedule_cron']!r}, next run {row['next_run']}"
                if row["own_schedule"] and row["enabled"]
                else ""
            )
            click.echo(
                f"{row['code']:<10} {row['records']:>7} records  {when}{outcome}{failing}{own}"
            )
        if next_run:
            click.echo(f"Next scheduled run: {next_run.isoformat()} ({settings.schedule_cron})")
    failed = [str(row["code"]) for row in rows if row["last_outcome"] == "failed"]
    if failed:
        fail(f"the last harvest failed for {', '.join(failed)}")


@main.command(name="run")
@pass_context
def run_command(context: Context) -> None:
    """Harvest the enabled members, then update the index: the nightly job, in one run.

    Holds the run lock throughout. The index is updated even when a member failed, so the
    others' changes are searchable; then alerts are checked. SIGTERM/SIGINT finish the page in
    flight and stop cleanly (exit 0); the next run resumes. Exit status 1 if anything failed.
    """
    from operations import StopFlag

    stop = StopFlag()
    with stop.on_signals():
        result = _run_and_alert(context, stop)
    if not result.ok:
        problems = []
        if result.failed_libraries:
            failed = ", ".join(result.failed_libraries)
            problems.append(
                f"{len(result.failed_libraries)} of {len(result.harvests)} libraries failed: "
                f"{failed}"
            )
        if result.index_error:
            problems.append(result.index_error)
        fail("; ".join(problems) + " (details in the log above)")


@main.command()
@click.option(
    "--every-seconds",
    type=click.IntRange(1, 59),
    hidden=True,
    help="For tests: run every schedule every N seconds instead of at its cron times.",
)
@pass_context
def schedule(context: Context, every_seconds: int | None) -> None:
    """Run harvest + index on schedule_cron, and members with their own schedule_cron on
    theirs, until SIGTERM/SIGINT (exit 0).

    Each schedule harvests its members, then updates the index. Runs never overlap: a
    schedule due while another runs waits its turn; one due while a run outside this process
    holds the run lock waits run_lock_wait seconds, then is skipped until its next time. The
    registry and settings are read again before each run and every minute.
    """
    from operations import StopFlag
    from operations.schedule import group_trigger, plan_groups, run_schedule

    def plan() -> Any:
        settings = context.settings()
        return plan_groups(settings, context.libraries(settings))

    def job(flag: StopFlag, group: Any) -> None:
        _run_and_alert(context, flag, group=group)

    stop = StopFlag()
    with stop.on_signals():
        run_schedule(
            job,
            plan,
            stop,
            trigger_for=lambda group: group_trigger(group, every_seconds=every_seconds),
            say=click.echo,
        )
    click.echo("Schedule stopped.")


def _run_and_alert(context: Context, stop: Any, *, group: Any = None) -> Any:
    """One run under the lock (of ``group``'s members only, if given), then the alert check.

    Returns the RunResult, or None when no member is on ``group``'s schedule any more.
    """
    import os

    from operations import run_once
    from operations.alerts import Delivery, deliver, find_alerts, password_from
    from operations.schedule import plan_groups

    settings = context.settings()
    libraries = context.libraries(settings)
    if group is not None:  # the registry may have changed since the schedule was planned
        current = {planned.key: planned for planned in plan_groups(settings, libraries)}
        codes = current[group.key].codes if group.key in current else ()
        if not codes:
            log.warning("schedule: no enabled member runs at %s any more; nothing run", group.key)
            return None
        libraries = tuple(library for library in libraries if library.code in codes)
    result = run_once(settings, libraries, stop=stop, say=click.echo)
    delivery = Delivery.from_settings(settings, password_from(os.environ))
    with Store.open(settings.catalog_path) as store:
        alerts = find_alerts(
            store,
            [library for library in libraries if library.enabled],
            settings.alert_state_path,
            after_failures=settings.alert_after_failures,
            shrink_share=settings.alert_shrink_share,
        )
    if alerts:
        sent = deliver(alerts, delivery, settings.alert_state_path)
        click.echo(f"{len(alerts)} alert(s), {sent} delivered.")
    return result


@main.command(name="backup")
@click.argument("dest", required=False, type=click.Path(file_okay=False, path_type=Path))
@pass_context
def backup_command(context: Context, dest: Path | None) -> None:
    """Write a consistent copy of the catalog, settings and registry into a folder in DEST.

    DEST defaults to the backup_dir setting. Safe while a harvest runs (SQLite online backup).
    """
    from operations.backup import backup

    settings = context.settings()
    info = backup(
        settings.catalog_path,
        dest or settings.backup_dir,
        settings_path=Path(context.config_path) if context.config_path else None,
        registry_path=settings.registry_path,
        alert_state_path=settings.alert_state_path,
    )
    click.echo(
        f"Backed up {info.records} records (catalog change {info.max_seq}) and "
        f"{', '.join(info.files[1:]) or 'no other files'} to {info.path}"
    )


@main.command(name="restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--force", is_flag=True, help="Replace the catalog even if it has changes the backup lacks."
)
@pass_context
def restore_command(context: Context, src: Path, force: bool) -> None:
    """Bring back the catalog, settings and registry from backup folder SRC; rebuild the index.

    Holds the run lock. Replaced settings and registry files are kept as *.before-restore.
    """
    from index.build import update_index
    from operations import run_lock
    from operations.backup import restore

    settings = context.settings()
    with run_lock(settings.run_lock_path, wait=settings.run_lock_wait):
        written = restore(
            src,
            settings.catalog_path,
            settings_path=Path(context.config_path) if context.config_path else None,
            registry_path=settings.registry_path,
            alert_state_path=settings.alert_state_path,
            force=force,
        )
        settings = context.settings()  # the restored settings file may move the index
        with Store.open(settings.catalog_path) as store:
            summary = update_index(store, settings.index_dir, rebuild=True)
    click.echo(f"Restored {', '.join(str(path) for path in written)} from {src}.")
    click.echo(f"Rebuilt the index: {summary.indexed} records, catalog change {summary.last_seq}.")
