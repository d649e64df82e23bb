"""The patrons' search page."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from index.search import FACETS
from webapp.services import services
from webapp.views.params import read_search_args

bp = Blueprint("search", __name__)


@bp.get("/")
def search_page() -> str:
    args = read_search_args(request.args)
    service = services()
    result = service.search_index.search(
        args.text,
        filters=args.filters,
        page=args.page,
        per_page=service.settings.results_per_page,
    )
    holdings = {hit.cluster: len(service.store().cluster(hit.cluster)) for hit in result.hits}
    return render_template(
        "search.html",
        args=args,
        result=result,
        facets=FACETS,
        holdings=holdings,
    )
