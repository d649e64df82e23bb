"""Every exception the union catalog raises on purpose.

::

    UnionCatalogError           catch this to catch anything we raise on purpose
    ├── ConfigError             bad settings file, environment variable or registry entry
    ├── HarvestError            one library's harvest failed; has .library
    │   ├── EndpointError       network failure, timeout, HTTP error status
    │   └── OAIResponseError    malformed XML, or an OAI error other than noRecordsMatch
    ├── RecordError             one record could not be mapped; has .library and .oai_id
    ├── RecordNotFoundError     no record with that key (HTTP 404)
    ├── StoreError              the catalog database is missing, locked or from a newer version
    ├── SearchIndexError        index missing, locked, or built with another schema
    └── QueryError              the reader's query can't be parsed (HTTP 400)
"""

from __future__ import annotations


class UnionCatalogError(Exception):
    """Base of every error the union catalog raises on purpose."""


class ConfigError(UnionCatalogError):
    """A settings file, environment variable or registry entry is wrong.

    ``problems`` lists every fault found, each naming file, entry and field.
    """

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        self.problems = problems or (message,)
        super().__init__(message)


class HarvestError(UnionCatalogError):
    """One library's harvest failed; the others go on."""

    def __init__(self, library: str, message: str) -> None:
        self.library = library
        super().__init__(f"[{library}] {message}")


class EndpointError(HarvestError):
    """The endpoint could not be reached, timed out or answered with an HTTP error."""


class OAIResponseError(HarvestError):
    """The endpoint answered with something that is not a usable OAI-PMH response."""

    def __init__(self, library: str, message: str, *, oai_code: str | None = None) -> None:
        self.oai_code = oai_code
        super().__init__(library, message)


class RecordError(UnionCatalogError):
    """One harvested record could not be mapped; its neighbours are kept."""

    def __init__(self, library: str, oai_id: str, message: str) -> None:
        self.library = library
        self.oai_id = oai_id
        super().__init__(f"[{library}] record {oai_id!r}: {message}")


class RecordNotFoundError(UnionCatalogError):
    """No record with that key."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"no record {key!r} in the catalog")


class StoreError(UnionCatalogError):
    """The catalog database cannot be used as it is."""


class SearchIndexError(UnionCatalogError):
    """The search index is missing, locked, or was built with another schema."""


class QueryError(UnionCatalogError):
    """The reader's query or filters cannot be used."""
