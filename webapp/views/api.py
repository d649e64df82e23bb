"""The JSON API: the same searches and records as the pages, for machines."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.wrappers import Response

from catalog.errors import QueryError
from catalog.models import Record
from webapp.services import services
from webapp.views.params import read_search_args
from webapp.views.records import holdings_of
from webapp.views.search import description_snippets

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search() -> Response:
    args = read_search_args(request.args)
    service = services()
    per_page = request.args.get("per_page", str(service.settings.results_per_page))
    if not per_page.isdigit():
        raise QueryError(f"per_page must be a whole number from 1 to 100, got {per_page!r}")
    result = service.search_index.search(
        args.text,
        filters=args.filters,
        years=args.years,
        page=args.page,
        per_page=int(per_page),
        sort=args.sort,
    )
    holdings = service.store().cluster_sizes(hit.cluster for hit in result.hits)
    snippets = description_snippets(service, result)
    return jsonify(
        ok=True,
        query=result.query,
        sort=args.sort,
        total=result.total,
        records=result.records,
        suggestion=result.suggestion,
        page=result.page,
        pages=result.pages,
        hits=[
            {
                "id": hit.key,
                "title": hit.title,
                "title_highlight": [list(segment) for segment in hit.title_highlight],
                "description_highlight": [list(segment) for segment in snippets.get(hit.key, ())],
                "creators": list(hit.creators),
                "date": hit.date,
                "year": hit.year,
                "type": hit.kind,
                "library": hit.library,
                "cluster": hit.cluster,
                "holdings": holdings[hit.cluster],
                "score": round(hit.score, 4),
                "url": f"/records/{hit.key}",
                "thumbnail": hit.thumbnail,
            }
            for hit in result.hits
        ],
        facets={
            name: [{"value": v, "count": c} for v, c in values]
            for name, values in result.facets.items()
        },
    )


@bp.get("/suggest")
def suggest() -> Response:
    """Type-ahead: ?q=prefix[&field=title|subject|place|creator|<facet>][&limit=8]."""
    limit = request.args.get("limit", "8")
    if not limit.isdigit():
        raise QueryError(f"limit must be a whole number from 1 to 50, got {limit!r}")
    field = request.args.get("field") or None
    values = services().search_index.suggest(
        request.args.get("q", ""), field=field, limit=int(limit)
    )
    return jsonify(ok=True, query=request.args.get("q", ""), field=field, suggestions=list(values))


@bp.get("/facets/<name>")
def facet_values(name: str) -> Response:
    """Values of one facet for a search: ?q=&<filters>&contains=lich+su&limit=20."""
    args = read_search_args(request.args)
    limit = request.args.get("limit", "20")
    if not limit.isdigit():
        raise QueryError(f"limit must be a whole number from 1 to 1000, got {limit!r}")
    contains = request.args.get("contains", "")
    values = services().search_index.facet_values(
        args.text,
        name,
        filters=args.filters,
        years=args.years,
        contains=contains,
        limit=int(limit),
    )
    return jsonify(
        ok=True,
        facet=name,
        query=args.text,
        contains=contains,
        values=[{"value": value, "count": count} for value, count in values],
    )


@bp.get("/records/<path:key>")
def record(key: str) -> Response:
    service = services()
    stored = service.store().get_by_key(key)
    return jsonify(
        ok=True,
        record=record_json(stored.record),
        stored_at=stored.stored_at.isoformat(),
        holdings=[
            {"library": h.library, "id": h.key, "oai_id": h.oai_id, "url": h.url}
            for h in holdings_of(service, stored)
        ],
    )


@bp.get("/libraries")
def libraries() -> Response:
    service = services()
    counts = service.store().count_by_library()
    return jsonify(
        ok=True,
        libraries=[
            {
                "code": library.code,
                "name_vi": library.name_vi,
                "name_en": library.name_en,
                "province": library.province,
                "kind": library.kind,
                "enabled": library.enabled,
                "records": counts.get(library.code, (0, 0))[0],
            }
            for library in service.libraries.values()
        ],
    )


@bp.get("/openapi.json")
def openapi() -> Response:
    """Serve the OpenAPI 3.1 description of this API (``webapp/static/openapi.json``)."""
    return current_app.send_static_file("openapi.json")


def record_json(record: Record) -> dict[str, Any]:
    """Return a record's public fields as JSON-ready values (the raw XML stays out)."""
    return {
        "id": record.key,
        "library": record.library,
        "oai_id": record.oai_id,
        "datestamp": record.datestamp.isoformat(),
        "deleted": record.deleted,
        "source_format": record.source_format,
        "title": record.title,
        "creators": list(record.creators),
        "subjects": list(record.subjects),
        "description": record.description,
        "publisher": record.publisher,
        "date": record.date,
        "year_from": record.year_from,
        "year_to": record.year_to,
        "type": record.kind,
        "languages": list(record.languages),
        "identifiers": list(record.identifiers),
        "isbns": list(record.isbns),
        "places": list(record.places),
        "provinces": list(record.provinces),
        "provinces_today": list(record.provinces_today),
        "rights": record.rights,
        "edition": record.edition,
        "formats": list(record.formats),
        "thumbnail": record.thumbnail,
    }
