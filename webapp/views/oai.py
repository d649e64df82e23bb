"""The union's OAI-PMH 2.0 endpoint at /oai (GET and POST), streamed record by record."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from webapp.provider import Provider

bp = Blueprint("oai", __name__)


@bp.route("/oai", methods=["GET", "POST"])
def endpoint() -> Response:
    provider: Provider = current_app.extensions["unioncat_provider"]()
    # request.values merges the query and a POSTed form; lists keep repeated arguments, so
    # that a repeated one is a badArgument rather than silently the first value.
    args = {name: request.values.getlist(name) for name in request.values}
    # stream() checks everything before it returns; the body is then written as it is built,
    # so a large page never sits whole in memory.
    body = provider.stream(args, request.base_url)
    return Response(body, content_type="text/xml; charset=utf-8")
