"""The `unioncat` command: one entry point, a subcommand per job. Nothing imports this package.

``base`` holds the command group; each other module registers its commands on it when
imported here.
"""

from . import catalog_jobs, operating, serving  # noqa: F401  (registers the commands)
from .base import main

__all__ = ["main"]
