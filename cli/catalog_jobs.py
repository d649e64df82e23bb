"""Commands that fill the catalog and the index: libraries, harvest, sweep, rebuild, index."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

import click

from catalog.errors import HarvestError
from catalog.store import Store

from .base import Context, _members, fail, main, pass_context


@main.command()
@click.option("--check", is_flag=True, help="Send Identify to each enabled member and report.")
@pass_context
def libraries(context: Context, check: bool) -> None:
    """List the member libraries in the registry."""
    settings = context.settings()
    members = context.libraries(settings)
    failed = 0
    for library in members:
        state = "enabled " if library.enabled else "disabled"
        endpoint = library.endpoint or "(no endpoint yet)"
        click.echo(f"{library.code:<10} {state} {library.name_vi} — {endpoint}")
        if check and library.enabled:
            from harvester.run import open_client
            from operations import harvest_options

            try:
                identity = open_client(library, harvest_options(settings)).identify()
            except HarvestError as exc:
                failed += 1
                click.echo(f"           FAILED: {exc}")
            else:
                click.echo(
                    f"           OK: {identity.repository_name!r}, granularity "
                    f"{identity.granularity}, deletedRecord {identity.deleted_record}"
                )
    enabled = sum(library.enabled for library in members)
    click.echo(f"{len(members)} libraries, {enabled} enabled.")
    if failed:
        fail(f"{failed} of {enabled} enabled libraries did not answer Identify")


@main.command()
@click.argument("codes", nargs=-1, metavar="[CODE]...")
@click.option(
    "--full", is_flag=True, help="Harvest everything, not only changes since the last run."
)
@click.option(
    "--from",
    "from_",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Harvest changes since this day (YYYY-MM-DD) instead of the last run.",
)
@click.option(
    "--page-lines",
    is_flag=True,
    help="Print '[CODE] … page N: X of Y records so far' on stderr for each page, terminal or "
    "not, instead of the progress bars (for programs that follow the output).",
)
@pass_context
def harvest(
    context: Context,
    codes: tuple[str, ...],
    full: bool,
    from_: datetime | None,
    page_lines: bool,
) -> None:
    """Harvest the enabled members (or only CODE...) into the catalog, then stop.

    Each library is committed page by page; one library's failure never stops the others.
    On a terminal a bar per member shows its progress; otherwise pages are logged at DEBUG
    (-v) and one summary per member at INFO. Holds the run lock. SIGTERM/SIGINT finish the
    page in flight and stop cleanly (exit 0); the next run resumes. Exit status 1 if any
    library failed.
    """
    from operations import StopFlag, harvest_options, run_lock
    from operations.progress import harvest_display
    from operations.runs import describe_summary, harvest_until_stopped

    settings = context.settings()
    members = _members(context, settings, codes)
    chosen = [members[code] for code in codes] or [m for m in members.values() if m.enabled]
    missing = [library.code for library in chosen if not library.endpoint]
    if missing:
        fail(f"no OAI-PMH endpoint for {', '.join(missing)}; add one in {settings.registry_path}")
    if not chosen:
        click.echo(f"No enabled libraries in {settings.registry_path}; nothing to harvest.")
        return
    options = harvest_options(
        settings, full=full, from_=from_.replace(tzinfo=UTC) if from_ else None
    )
    stop = StopFlag()
    codes = tuple(library.code for library in chosen)
    with (
        stop.on_signals(),
        run_lock(settings.run_lock_path, wait=settings.run_lock_wait),
        Store.open(settings.catalog_path) as store,
        harvest_display(codes, sys.stderr, page_lines=page_lines) as display,
    ):
        summaries, stopped = harvest_until_stopped(
            chosen, store, options, stop, progress=display.update if display else None
        )
        if display:
            display.finish(summaries)
    for summary in summaries:
        click.echo(describe_summary(summary))
    if stopped:
        click.echo("Stopped on request; the next harvest resumes from the saved windows.")
    failed = [summary.library for summary in summaries if not summary.ok]
    skipped = [f"{s.library} ({s.skipped})" for s in summaries if s.skipped]
    problems = []
    if failed:
        problems.append(f"{len(failed)} of {len(summaries)} libraries failed: {', '.join(failed)}")
    if skipped:
        problems.append(f"records that could not be mapped were skipped: {', '.join(skipped)}")
    if problems:
        fail("; ".join(problems) + " (details in the log above)")


@main.command()
@click.argument("codes", nargs=-1, metavar="[CODE]...")
@pass_context
def sweep(context: Context, codes: tuple[str, ...]) -> None:
    """Find records members deleted without saying so, and mark them deleted.

    For members whose server reports no deletions (Identify: deletedRecord=no), or CODE...
    Lists every identifier the member still has (ListIdentifiers); a stored record not
    listed becomes a tombstone. Deletes nothing when the list is incomplete or empty, or when
    more than sweep_max_share of the member's records would go.
    """
    from harvester.run import open_client
    from harvester.sweep import sweep_deletions
    from operations import harvest_options, run_lock

    settings = context.settings()
    members = _members(context, settings, codes)
    options = harvest_options(settings)
    chosen = [members[code] for code in codes] or [
        m for m in members.values() if m.enabled and m.endpoint
    ]
    refused = []
    with (
        run_lock(settings.run_lock_path, wait=settings.run_lock_wait),
        Store.open(settings.catalog_path) as store,
    ):
        for library in chosen:
            if not codes:
                try:
                    identity = open_client(library, options).identify()
                except HarvestError as exc:
                    click.echo(f"{library.code:<10} skipped: {exc}")
                    refused.append(library.code)
                    continue
                if identity.deleted_record != "no":
                    click.echo(f"{library.code:<10} reports deletions itself; no sweep needed")
                    continue
            result = sweep_deletions(library, store, options, max_share=settings.sweep_max_share)
            outcome = f"REFUSED: {result.refused}" if result.refused else "ok"
            click.echo(
                f"{library.code:<10} {result.listed} listed, {result.live} held, "
                f"{result.deleted} marked deleted — {outcome}"
            )
            if result.refused:
                refused.append(library.code)
    if refused:
        fail(f"the sweep did not finish for {', '.join(refused)}")


@main.command()
@click.argument("codes", nargs=-1, metavar="[CODE]...")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@pass_context
def rebuild(context: Context, codes: tuple[str, ...], dry_run: bool) -> None:
    """Map every stored record (or CODE...'s) again from its raw XML, then update the index.

    No harvest: after a mapping change, records are rebuilt from the metadata XML kept with
    them. Only records that change get a new change number. A record that no longer maps is
    kept as it is, reported and quarantined. Holds the run lock; SIGTERM/SIGINT stop after the
    batch in flight. Exit status 1 if any record failed.
    """
    from harvester.rebuild import rebuild_catalog
    from index.build import update_index
    from operations import StopFlag, run_lock

    settings = context.settings()
    stop = StopFlag()
    with (
        stop.on_signals(),
        run_lock(settings.run_lock_path, wait=settings.run_lock_wait),
        Store.open(settings.catalog_path) as store,
    ):
        known = {library.code for library in context.libraries(settings)}
        unknown = [code for code in codes if code not in known | set(store.count_by_library())]
        if unknown:
            raise click.BadParameter(
                f"unknown library code(s) {', '.join(unknown)}; see `unioncat libraries`",
                param_hint="CODE",
            )
        summaries = rebuild_catalog(
            store,
            codes or None,
            dry_run=dry_run,
            quarantine_dir=settings.quarantine_dir,
            progress=lambda done, total: click.echo(f"rebuilt {done} of {total} records", err=True),
            should_stop=lambda: stop.is_set,
        )
        index = None if dry_run else update_index(store, settings.index_dir)
    _report_rebuild(summaries, dry_run)
    if index is not None:
        click.echo(f"Indexed {index.indexed} records, catalog change {index.last_seq}.")
    failed = [line for summary in summaries for line in summary.failed]
    if failed:
        fail(f"{len(failed)} record(s) no longer map and were kept as they are (listed above)")


def _report_rebuild(summaries: list[Any], dry_run: bool) -> None:
    """Print one line per library, what changed on a dry run, and each record that failed."""
    verb = "would change" if dry_run else "changed"
    for summary in summaries:
        click.echo(
            f"{summary.library:<10} {summary.examined} examined, {summary.changed} {verb}, "
            f"{summary.unchanged} unchanged, {len(summary.failed)} failed, "
            f"{summary.missing_raw_xml} without raw XML"
        )
        shown = summary.changes if dry_run else ()
        for line in shown[:20]:
            click.echo(f"  {line}")
        if len(shown) > 20:
            click.echo(f"  … and {len(shown) - 20} more")
        for line in summary.failed:
            click.echo(f"  FAILED: {line}")
    if any(summary.missing_raw_xml for summary in summaries):
        click.echo(
            "Records without raw XML were stored before it was kept; `unioncat harvest CODE "
            "--full` fetches them again with it."
        )
    if any(summary.stopped for summary in summaries):
        click.echo("Stopped on request; run `unioncat rebuild` again to finish.")
    elif dry_run:
        click.echo("Dry run: nothing was written.")


@main.command(name="index")
@click.option(
    "--rebuild",
    is_flag=True,
    help="Build a fresh index from the whole catalog beside the live one, then switch to it; "
    "searches carry on meanwhile.",
)
@pass_context
def index_command(context: Context, rebuild: bool) -> None:
    """Bring the search index up to date with the catalog (holds the run lock).

    Applies the catalog's changes since the last update (adds, updates, deletions); running
    it again indexes nothing new. A rebuild, or an index of an older schema, is built beside
    the live index and switched in when complete: searches see the old index until then.
    """
    from index.build import update_index
    from operations import run_lock

    settings = context.settings()
    with (
        run_lock(settings.run_lock_path, wait=settings.run_lock_wait),
        Store.open(settings.catalog_path) as store,
    ):
        summary = update_index(
            store,
            settings.index_dir,
            rebuild=rebuild,
            progress=lambda n: click.echo(f"indexed {n} changes so far", err=True),
        )
    click.echo(
        ("Rebuilt the index beside the live one and switched to it. " if summary.rebuilt else "")
        + f"Indexed {summary.indexed} records, removed {summary.removed}, "
        f"catalog change {summary.last_seq}."
    )
