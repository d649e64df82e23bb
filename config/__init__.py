"""Settings and the member-library registry: data read at the edges, never code.

Imports only `catalog`. Only `cli` and `webapp.create_app` call the loaders.
"""

from config.registry import MAPPED_PREFIXES, load_registry, parse_registry
from config.settings import DEFAULT_REGISTRY, Settings, describe, load_settings

__all__ = [
    "DEFAULT_REGISTRY",
    "MAPPED_PREFIXES",
    "Settings",
    "describe",
    "load_registry",
    "load_settings",
    "parse_registry",
]
