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
@click.pass_context
def main(ctx: click.Context, config_path: str | None, verbose: bool, quiet: bool) -> None:
    """Mekong Union Catalog: harvest the member libraries, index and serve the union catalog."""
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
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
            from harvester.oai import OAIClient

            try:
                identity = OAIClient(
                    library,
                    timeout=settings.harvest_timeout,
                    max_retries=settings.harvest_max_retries,
                    max_retry_after=settings.harvest_max_retry_after,
                    user_agent=_user_agent(settings),
                ).identify()
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
    Exit status 1 if any library failed.
    """
    from harvester.run import HarvestOptions, harvest_libraries

    settings = context.settings()
    members = {library.code: library for library in context.libraries(settings)}
    unknown = [code for code in codes if code not in members]
    if unknown:
        raise click.BadParameter(
            f"unknown library code(s) {', '.join(unknown)}; see `unioncat libraries`",
            param_hint="CODE",
        )
    chosen = [members[code] for code in codes] or [m for m in members.values() if m.enabled]
    missing = [library.code for library in chosen if not library.endpoint]
    if missing:
        fail(f"no OAI-PMH endpoint for {', '.join(missing)}; add one in {settings.registry_path}")
    if not chosen:
        click.echo(f"No enabled libraries in {settings.registry_path}; nothing to harvest.")
        return
    options = HarvestOptions(
        timeout=settings.harvest_timeout,
        max_retries=settings.harvest_max_retries,
        max_retry_after=settings.harvest_max_retry_after,
        max_requests=settings.harvest_max_requests,
        user_agent=_user_agent(settings),
        full=full,
        from_=from_.replace(tzinfo=UTC) if from_ else None,
        quarantine_dir=settings.quarantine_dir,
        polite_delay=settings.harvest_polite_delay,
        max_parallel_hosts=settings.harvest_max_parallel_hosts,
    )

    def progress(code: str, page: Any, count: int) -> None:
        size = f" of {page.complete_list_size}" if page.complete_list_size else ""
        click.echo(f"[{code}] {page.request}: {count}{size} records so far", err=True)

    with Store.open(settings.catalog_path) as store:
        summaries = harvest_libraries(chosen, store, options, progress=progress)
    for summary in summaries:
        outcome = "ok" if summary.ok else f"FAILED: {summary.error}"
        click.echo(
            f"{summary.library:<10} {summary.pages} pages, {summary.stored} stored, "
            f"{summary.deleted} deleted, {summary.skipped} skipped — {outcome}"
        )
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
    from harvester.oai import OAIClient
    from harvester.run import HarvestOptions
    from harvester.sweep import sweep_deletions

    settings = context.settings()
    members = {library.code: library for library in context.libraries(settings)}
    unknown = [code for code in codes if code not in members]
    if unknown:
        raise click.BadParameter(
            f"unknown library code(s) {', '.join(unknown)}; see `unioncat libraries`",
            param_hint="CODE",
        )
    options = HarvestOptions(
        timeout=settings.harvest_timeout,
        max_retries=settings.harvest_max_retries,
        max_retry_after=settings.harvest_max_retry_after,
        max_requests=settings.harvest_max_requests,
        user_agent=_user_agent(settings),
        polite_delay=settings.harvest_polite_delay,
    )
    chosen = [members[code] for code in codes] or [
        m for m in members.values() if m.enabled and m.endpoint
    ]
    refused = []
    with Store.open(settings.catalog_path) as store:
        for library in chosen:
            if not codes:
                try:
                    identity = OAIClient(
                        library, timeout=options.timeout, user_agent=options.user_agent
                    ).identify()
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
    """Bring the search index up to date with the catalog."""
    from index.build import update_index

    settings = context.settings()
    with Store.open(settings.catalog_path) as store:
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
    """Show each member's records and last harvest; exit 1 if a last harvest failed."""
    settings = context.settings()
    members = context.libraries(settings)
    with Store.open(settings.catalog_path) as store:
        counts = store.count_by_library()
        harvests = store.last_harvests()
    rows = []
    for library in members:
        last = harvests.get(library.code)
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
            }
        )
    if as_json:
        click.echo(json.dumps({"libraries": rows}, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            when = row["last_harvest"] or "never harvested"
            outcome = f" ({row['last_outcome']})" if row["last_outcome"] else ""
            click.echo(f"{row['code']:<10} {row['records']:>7} records  {when}{outcome}")
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


def _user_agent(settings: Settings) -> str:
    return f"MekongUnionCatalog/0.1 (+mailto:{settings.contact_email})"


if __name__ == "__main__":
    main()
