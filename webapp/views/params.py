"""Read the search arguments shared by the page and the JSON API."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from catalog.errors import QueryError
from index.search import FACETS, SORTS


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchArgs:
    text: str
    filters: dict[str, tuple[str, ...]]
    years: tuple[int | None, int | None]
    page: int
    sort: str = "relevance"  # one of index.SORTS


def read_search_args(args: MultiDict[str, str]) -> SearchArgs:
    """Return the query, facet filters, page and order; raise QueryError for bad values."""
    raw_page = args.get("page", "1")
    if not raw_page.isdigit() or int(raw_page) < 1:
        raise QueryError(f"page must be a whole number from 1, got {raw_page!r}")
    filters = {
        name: tuple(value for value in args.getlist(name) if value)
        for name in FACETS
        if args.getlist(name)
    }
    years = (_year(args, "from_year"), _year(args, "to_year"))
    sort = args.get("sort", "").strip() or SORTS[0]
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, got {sort!r}")
    return SearchArgs(
        text=args.get("q", ""),
        filters=filters,
        years=years,
        page=min(int(raw_page), 10000),
        sort=sort,
    )


def _year(args: MultiDict[str, str], name: str) -> int | None:
    value = args.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or not 1000 <= int(value) <= 2100:
        raise QueryError(f"{name} must be a year from 1000 to 2100, got {value!r}")
    return int(value)
