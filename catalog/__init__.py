"""The catalog: record types, the exception tree, normalisers and the store.

The bottom layer: it imports nothing of ours and no third-party package.
"""

from catalog.errors import (
    ConfigError,
    EndpointError,
    HarvestError,
    OAIResponseError,
    QueryError,
    RecordError,
    RecordNotFoundError,
    SearchIndexError,
    StoreError,
    UnionCatalogError,
)
from catalog.models import KINDS, HarvestSummary, Library, Record, StoredRecord
from catalog.store import PageResult, Store, format_datestamp, parse_datestamp

__all__ = [
    "KINDS",
    "ConfigError",
    "EndpointError",
    "HarvestError",
    "HarvestSummary",
    "Library",
    "OAIResponseError",
    "PageResult",
    "QueryError",
    "Record",
    "RecordError",
    "RecordNotFoundError",
    "SearchIndexError",
    "Store",
    "StoreError",
    "StoredRecord",
    "UnionCatalogError",
    "format_datestamp",
    "parse_datestamp",
]
