"""Commands that serve or query the union catalog: serve, search, demo."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from catalog.errors import ConfigError

from .base import Context, fail, log, main, pass_context


@main.command()
@click.option("--host", help="Address to bind (default: the host setting, 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default: the port setting, 5000).")
@click.option(
    "--workers",
    type=click.IntRange(0, 32),
    default=0,
    help="Server processes: 1 runs one waitress process; more run gunicorn workers that "
    "share the port. Default (0): one per core, at most 4.",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Worker threads in each process.",
)
@click.option("--debug", is_flag=True, help="Use Flask's development server with reloading.")
@pass_context
def serve(
    context: Context, host: str | None, port: int | None, workers: int, threads: int, debug: bool
) -> None:
    """Serve the search page, JSON API and OAI-PMH endpoint with a production server.

    A search is CPU work in Python: one process serves at most one core's worth of searches,
    so by default there is a process per core (gunicorn workers); `--workers 1` serves from a
    single waitress process.
    """
    from webapp import create_app

    settings = context.settings()
    settings = replace(
        settings, host=host or settings.host, port=settings.port if port is None else port
    )
    workers = workers or default_workers()
    if workers > 1 and not debug:
        from .processes import serve_in_processes

        serve_in_processes(settings, workers=workers, threads=threads)
        return
    app = create_app(settings)
    _serve(app, settings.host, settings.port, threads=threads, debug=debug)


def default_workers() -> int:
    """One server process per core the machine lets us use, at most four."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


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
            _serve(app, "127.0.0.1", port, threads=4, debug=False, demo=True)
    if failed:
        fail(f"harvest failed for {', '.join(failed)}")


def _serve(
    app: Any, host: str, port: int, *, threads: int, debug: bool, demo: bool = False
) -> None:
    """Serve ``app`` with waitress in this process until Ctrl-C or SIGTERM; port 0: any port."""
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    import signal

    from waitress.server import create_server

    from .processes import ready_to_search

    ready_to_search(app)
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
