"""The patrons' search page: results, highlights, facets and their full lists, sort, filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for

from catalog.errors import QueryError, RecordNotFoundError
from catalog.models import Library
from index.highlight import Segment
from index.search import FACETS, SORTS, SearchResult
from webapp.i18n import (
    current_language,
    facet_name,
    kind_name,
    language_name,
    sort_name,
    year_bound_name,
)
from webapp.services import Services, services
from webapp.views.params import SearchArgs, read_search_args
from webapp.views.records import holdings_of

bp = Blueprint("search", __name__)

FACET_SHOWN = 15  # values of a facet listed at first; the others behind "all values"


@bp.get("/")
def search_page() -> str:
    service = services()
    # A page depends on its URL (host included: links are absolute in places), the language,
    # the index's generation (results) and the catalog's last change (holdings, snippets).
    key = (
        request.full_path,
        request.host_url,
        current_language(),
        service.search_index.generation(),
        service.store().max_seq(),
    )
    return service.pages.get(key, lambda: _search_page(service))


def _search_page(service: Services) -> str:
    args = read_search_args(request.args)
    result = service.search_index.search(
        args.text,
        filters=args.filters,
        years=args.years,
        page=args.page,
        per_page=service.settings.results_per_page,
        sort=args.sort,
    )
    store = service.store()
    holdings = store.cluster_sizes(hit.cluster for hit in result.hits)
    # A work held by several libraries names each, with its link (few hits on a page).
    held_by = {
        hit.cluster: holdings_of(service, store.get_by_key(hit.key))
        for hit in result.hits
        if holdings.get(hit.cluster, 0) > 1
    }
    more = request.args.get("facet_more", "")
    if more and more not in FACETS:
        raise QueryError(f"facet_more must be one of {', '.join(FACETS)}, got {more!r}")
    facet_lists = dict(result.facets)
    if more:  # the full list of one facet (without JavaScript, its type-ahead's place)
        facet_lists[more] = service.search_index.facet_values(
            args.text, more, filters=args.filters, years=args.years
        )
    state = _state(args)
    return render_template(
        "search.html",
        args=args,
        result=result,
        facets=FACETS,
        facet_rows={
            facet: _facet_rows(
                facet_lists.get(facet, ()), args.filters.get(facet, ()), full=facet == more
            )
            for facet in FACETS
        },
        facet_more=more,
        facet_urls={
            facet: {
                "more": _search_url(dict(state, facet_more=[facet])) + f"#facet-{facet}",
                "fewer": _search_url(state) + f"#facet-{facet}",
                "finder": url_for("api.facet_values", name=facet, **state),  # type: ignore[arg-type]
            }
            for facet in FACETS
        },
        apply_url=_search_url(state),
        snippets=description_snippets(service, result),
        holdings=holdings,
        held_by=held_by,
        chips=_chips(args, service),
        first_number=(result.page - 1) * service.settings.results_per_page + 1,
        feed_url=_feed_url(args),
        sorts=[(value, sort_name(value)) for value in SORTS],
        # The sort menu's form carries every other argument of this page (a new order
        # starts again at page 1).
        kept_args=[
            (name, value)
            for name, value in request.args.items(multi=True)
            if name not in ("sort", "page")
        ],
        facet_heading=facet_name,
        language_name=language_name,
    )


def description_snippets(service: Services, result: SearchResult) -> dict[str, tuple[Segment, ...]]:
    """Return each hit's description as a short snippet around the query's words, by key.

    Descriptions are not stored in the index; the page's 20 records come from the catalog.
    """
    snippets = {}
    store = service.store()
    for hit in result.hits:
        try:
            description = store.get_by_key(hit.key).record.description
        except RecordNotFoundError:  # withdrawn since the index was updated
            continue
        if description:
            snippets[hit.key] = result.highlighter.description(description)
    return snippets


def _facet_rows(
    counts: tuple[tuple[str, int], ...], chosen: tuple[str, ...], *, full: bool
) -> tuple[list[tuple[str, int | None]], bool]:
    """Return the values a facet lists and whether it has more than it lists.

    Chosen values come first when they would not be listed (one found by typing into the
    facet), so that applying the form again keeps them.
    """
    listed: list[tuple[str, int | None]] = list(counts if full else counts[:FACET_SHOWN])
    shown = {value for value, _ in listed}
    known = dict(counts)
    missing = [(value, known.get(value)) for value in chosen if value not in shown]
    return missing + listed, len(counts) > FACET_SHOWN


@dataclass(frozen=True, slots=True)
class LibraryRow:
    library: Library
    records: int


@bp.get("/libraries")
def libraries_page() -> str:
    """Browse by member library: every member, its province and its records."""
    service = services()
    counts = service.store().count_by_library()
    rows = [
        LibraryRow(library=library, records=counts.get(code, (0, 0))[0])
        for code, library in service.libraries.items()
    ]
    return render_template("libraries.html", rows=rows)


@bp.get("/opensearch.xml")
def opensearch() -> Response:
    """Let browsers add the catalog as a search engine."""
    body = render_template("opensearch.xml", base=request.url_root.rstrip("/"))
    return Response(body, mimetype="application/opensearchdescription+xml")


@dataclass(frozen=True, slots=True)
class Chip:
    """An active filter, shown as a link that removes it."""

    label: str
    url: str


def _chips(args: SearchArgs, service: Services) -> list[Chip]:
    lang = current_language()
    chips = []
    for name, values in args.filters.items():
        for value in values:
            rest = {
                k: [x for x in v if not (k == name and x == value)] for k, v in _state(args).items()
            }
            label: str
            if name == "library":
                label = service.library_name(value, lang)
            elif name == "kind":
                label = kind_name(value)
            elif name == "language":
                label = language_name(value)
            else:
                label = value
            chips.append(Chip(label=label, url=_search_url(rest)))
    for bound, year in (("from_year", args.years[0]), ("to_year", args.years[1])):
        if year is not None:
            rest = {k: v for k, v in _state(args).items() if k != bound}
            chips.append(Chip(label=f"{year_bound_name(bound)} {year}", url=_search_url(rest)))
    return chips


def _feed_url(args: SearchArgs) -> str:
    """Return the URL of the Atom feed filtered like the search.

    The feed takes one value per filter, so a filter with several values is left out: the feed
    is then wider than the search rather than silently narrower.
    """
    feed_filters: dict[str, Any] = {
        name: values[0]
        for name, values in args.filters.items()
        if name in ("library", "kind", "province") and len(values) == 1
    }
    return url_for("feed.atom_feed", **feed_filters)


def _search_url(state: dict[str, list[str]]) -> str:
    return url_for("search.search_page", **state)  # type: ignore[arg-type]


def _state(args: SearchArgs) -> dict[str, list[str]]:
    state: dict[str, list[str]] = {"q": [args.text]} if args.text else {}
    state.update({name: list(values) for name, values in args.filters.items()})
    if args.years[0] is not None:
        state["from_year"] = [str(args.years[0])]
    if args.years[1] is not None:
        state["to_year"] = [str(args.years[1])]
    if args.sort != SORTS[0]:
        state["sort"] = [args.sort]
    return state
