"""The union's OAI-PMH 2.0 endpoint at /oai (GET and POST)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from webapp.provider import Provider

bp = Blueprint("oai", __name__)


@bp.route("/oai", methods=["GET", "POST"])
def endpoint() -> Response:
    provider: Provider = current_app.extensions["unioncat_provider"]()
    # request.values merges query and form; lists keep repeated arguments for badArgument.
    args = {name: request.values.getlist(name) for name in request.values}
    body = provider.respond(args, request.base_url)
    return Response(body, mimetype="text/xml", content_type="text/xml; charset=utf-8")
