"""The `unioncat` command: one entry point, a subcommand per job. Nothing imports this module."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from catalog.errors import ConfigError, HarvestError, UnionCatalogError
from catalog.models import Library
from catalog.store import Store
from config.registry import load_registry
from config.settings import Settings, load_settings

log = logging.getLogger("unioncat")


@dataclass(slots=True)
class Context:
    config_path: str | None
    overrides: dict[str, Any]

    def settings(self) -> Settings:
        return load_settings(self.config_path, overrides=self.overrides)

    def libraries(self, settings: Settings) -> tuple[Library, ...]:
        return load_registry(settings.registry_path)


def _members(context: Context, settings: Settings, codes: tuple[str, ...]) -> dict[str, Library]:
    """Return the registry by code; an unknown CODE is a usage error (exit 2)."""
    members = {library.code: library for library in context.libraries(settings)}
    unknown = [code for code in codes if code not in members]
    if unknown:
        raise click.BadParameter(
            f"unknown library code(s) {', '.join(unknown)}; see `unioncat libraries`",
            param_hint="CODE",
        )
    return members


def fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


class Group(click.Group):
    """Turns our own errors into one line and exit status 1; tracebacks go to the log."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UnionCatalogError as exc:
            log.debug("command failed", exc_info=exc)
            fail(str(exc))


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="UNIONCAT_CONFIG",
    help="Settings file (TOML). Default: $UNIONCAT_CONFIG, else built-in defaults.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail (each page and record).")
@click.option("-q", "--quiet", is_flag=True, help="Log warnings and errors only.")
@click.option(
    "--log-format",
    type=click.Choice(["human", "json"]),
    default="human",
    show_default=True,
    envvar="UNIONCAT_LOG_FORMAT",
    help="Logs on stderr as human lines (no timestamps under journald) or JSON lines.",
)
@click.pass_context
def main(
    ctx: click.Context, config_path: str | None, verbose: bool, quiet: bool, log_format: str
) -> None:
    """Mekong Union Catalog: harvest the member libraries, index and serve the union catalog."""
    from operations.logs import configure_logging

    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    configure_logging(level, log_format)
    ctx.obj = Context(config_path=config_path, overrides={})


pass_context = click.make_pass_decorator(Context)


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
@pass_context
def harvest(context: Context, codes: tuple[str, ...], full: bool, from_: datetime | None) -> None:
    """Harvest the enabled members (or only CODE...) into the catalog, then stop.

    Each library is committed page by page; one library's failure never stops the others.
    Holds the run lock. SIGTERM/SIGINT finish the page in flight and stop cleanly (exit 0);
    the next run resumes. Exit status 1 if any library failed.
    """
    from operations import StopFlag, harvest_options, run_lock
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

    def progress(code: str, page: Any, count: int) -> None:
        size = f" of {page.complete_list_size}" if page.complete_list_size else ""
        click.echo(f"[{code}] {page.request}: {count}{size} records so far", err=True)

    stop = StopFlag()
    with (
        stop.on_signals(),
        run_lock(settings.run_lock_path, wait=settings.run_lock_wait),
        Store.open(settings.catalog_path) as store,
    ):
        summaries, stopped = harvest_until_stopped(chosen, store, options, stop, progress=progress)
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


@main.command(name="index")
@click.option("--rebuild", is_flag=True, help="Rebuild the index from the whole catalog.")
@pass_context
def index_command(context: Context, rebuild: bool) -> None:
    """Bring the search index up to date with the catalog (holds the run lock)."""
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
        f"Indexed {summary.indexed} records, removed {summary.removed}, "
        f"catalog change {summary.last_seq}."
    )


@main.command()
@click.option("--host", help="Address to bind (default: the host setting, 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default: the port setting, 5000).")
@click.option("--threads", type=int, default=8, show_default=True, help="Worker threads.")
@click.option("--debug", is_flag=True, help="Use Flask's development server with reloading.")
@pass_context
def serve(context: Context, host: str | None, port: int | None, threads: int, debug: bool) -> None:
    """Serve the search page, JSON API and OAI-PMH endpoint (waitress, a production server)."""
    from webapp import create_app

    settings = context.settings()
    settings = replace(settings, host=host or settings.host, port=port or settings.port)
    app = create_app(settings)
    _serve(app, settings.host, settings.port, threads=threads, debug=debug)


@main.command()
@click.argument("query")
@click.option(
    "--limit", type=click.IntRange(1, 100), default=10, show_default=True, help="Hits to print."
)
@pass_context
def search(context: Context, query: str, limit: int) -> None:
    """Print the top hits for QUERY: the quickest check that the index works."""
    from index.search import SearchIndex

    settings = context.settings()
    index = SearchIndex(settings.index_dir)
    try:
        result = index.search(query, per_page=limit)
    finally:
        index.close()
    click.echo(f"{result.total} results for {query!r}")
    for hit in result.hits:
        year = f" ({hit.date})" if hit.date else ""
        click.echo(f"  [{hit.library}] {hit.title}{year}  — {hit.key}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON for monitoring.")
@pass_context
def status(context: Context, as_json: bool) -> None:
    """Show each member's records, last success and failure, failure streak and next run.

    Exit status 1 if a member's last harvest failed.
    """
    from operations.schedule import next_run_time
    from operations.status import member_rows

    settings = context.settings()
    members = context.libraries(settings)
    next_run = next_run_time(settings)
    with Store.open(settings.catalog_path) as store:
        rows = member_rows(store, members, next_run)
    if as_json:
        document = {
            "libraries": rows,
            "next_run": next_run.isoformat() if next_run else None,
            "schedule": {"cron": settings.schedule_cron, "timezone": settings.schedule_timezone},
        }
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            when = row["last_harvest"] or "never harvested"
            outcome = f" ({row['last_outcome']})" if row["last_outcome"] else ""
            streak = row["consecutive_failures"]
            failing = f", {streak} failed in a row" if streak else ""
            click.echo(f"{row['code']:<10} {row['records']:>7} records  {when}{outcome}{failing}")
        if next_run:
            click.echo(f"Next scheduled run: {next_run.isoformat()} ({settings.schedule_cron})")
    failed = [str(row["code"]) for row in rows if row["last_outcome"] == "failed"]
    if failed:
        fail(f"the last harvest failed for {', '.join(failed)}")


@main.command()
@click.option(
    "--port", type=int, default=8080, show_default=True, help="Port of the search page (0: any)."
)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/demo"),
    show_default=True,
    help="Folder for the demo's catalog, index and member databases (rebuilt each run).",
)
@click.option("--seed", type=int, default=2025, show_default=True, help="Seed of the sample data.")
@click.option(
    "--page-size",
    type=click.IntRange(1, 1000),
    default=50,
    show_default=True,
    help="Records per OAI-PMH page the sample members serve.",
)
@click.option("--no-serve", is_flag=True, help="Harvest and index, print a search, then exit.")
@pass_context
def demo(
    context: Context, port: int, workdir: Path, seed: int, page_size: int, no_serve: bool
) -> None:
    """Run the offline demo: four sample members, harvested, indexed and served on 127.0.0.1."""
    from demo.run import running_demo
    from webapp import create_app

    try:
        registry = context.libraries(context.settings())
    except ConfigError as exc:
        log.warning("registry not loaded (%s); the demo uses sample names only", exc)
        registry = ()
    with running_demo(
        workdir, registry=registry, seed=seed, page_size=page_size, say=click.echo
    ) as running:
        failed = [h.library for h in running.harvests if not h.ok]
        app = create_app(replace(running.settings, port=port), libraries=running.libraries)
        if no_serve:
            from index.search import SearchIndex

            index = SearchIndex(running.settings.index_dir)
            result = index.search("can tho", per_page=3)
            index.close()
            first = result.hits[0].title if result.hits else None
            click.echo(f"Search 'can tho': {result.total} results, first: {first}")
        else:
            _serve(app, "127.0.0.1", port, threads=8, debug=False, demo=True)
    if failed:
        fail(f"harvest failed for {', '.join(failed)}")


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
    help="For tests: run every N seconds instead of schedule_cron.",
)
@pass_context
def schedule(context: Context, every_seconds: int | None) -> None:
    """Run `unioncat run` on the schedule_cron schedule until SIGTERM/SIGINT (exit 0).

    Runs never overlap; a run still going at the next time makes that time skipped. The
    registry and settings are read again before each run.
    """
    from operations import StopFlag
    from operations.schedule import make_trigger, run_schedule

    settings = context.settings()
    trigger = make_trigger(settings, every_seconds=every_seconds)
    stop = StopFlag()

    def job(flag: StopFlag) -> None:
        _run_and_alert(context, flag)

    with stop.on_signals():
        run_schedule(job, trigger, stop, say=click.echo)
    click.echo("Schedule stopped.")


def _run_and_alert(context: Context, stop: Any) -> Any:
    """One run under the lock, then the alert check; returns the RunResult."""
    import os

    from operations import run_once
    from operations.alerts import Delivery, deliver, find_alerts, password_from

    settings = context.settings()
    libraries = context.libraries(settings)
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


def _serve(
    app: Any, host: str, port: int, *, threads: int, debug: bool, demo: bool = False
) -> None:
    """Serve ``app`` with waitress until Ctrl-C or SIGTERM; port 0 picks a free port."""
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    import signal

    from waitress.server import create_server

    server = create_server(app, host=host, port=port, threads=threads, ident="unioncat")
    url = f"http://{host}:{server.effective_port}/"
    if demo:
        click.echo(f"\nMekong Union Catalog demo: {url}  (Ctrl-C stops)")
        click.echo(f"Try: {url}?q=can+tho")
    else:
        click.echo(f"Serving on {url} (Ctrl-C stops)")

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # SIGINT too: a shell starts background jobs with SIGINT ignored, and Ctrl-C must stop.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    click.echo("Stopped.")


if __name__ == "__main__":
    main()
