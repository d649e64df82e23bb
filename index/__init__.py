"""The search index: Whoosh behind a small interface; built from the catalog, read by the web app.

Imports `catalog` and `config` only; never `harvester` or `webapp`. Owns whoosh.
"""

from index import storage
from index.build import IndexSummary, update_index
from index.query import ParsedQuery, parse_query
from index.search import FACETS, SORTS, SearchHit, SearchIndex, SearchResult

storage.install()  # before any index is opened: readers share the page cache (index/storage.py)

__all__ = [
    "FACETS",
    "IndexSummary",
    "ParsedQuery",
    "SORTS",
    "SearchHit",
    "SearchIndex",
    "SearchResult",
    "parse_query",
    "update_index",
]
