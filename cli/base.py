"""The `unioncat` command group: settings and registry loading, errors to exit statuses."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import Any, NoReturn

import click

from catalog.errors import UnionCatalogError
from catalog.models import Library
from config.registry import load_registry
from config.settings import Settings, load_settings

log = logging.getLogger("unioncat")


@dataclass(slots=True)
class Context:
    config_path: str | None
    overrides: dict[str, Any]

    def settings(self) -> Settings:
        from operations.logs import add_log_file

        settings = load_settings(self.config_path, overrides=self.overrides)
        add_log_file(  # once per process: the first command to read settings opens the file
            settings.log_file,
            rotation=settings.log_rotation,
            max_bytes=settings.log_max_bytes,
            backups=settings.log_backups,
        )
        return settings

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
    help="Logs on stderr (and in the log_file setting's file) as human lines (no timestamps "
    "under journald) or JSON lines.",
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
