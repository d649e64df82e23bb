"""The web app: patrons' search page, record pages, JSON API and the union's OAI-PMH provider.

Imports `index`, `catalog` and `config`; never `harvester`: a web request never harvests.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from urllib.parse import urlencode

from flask import Flask, jsonify, render_template, request
from flask.wrappers import Response
from werkzeug.exceptions import HTTPException

from catalog.errors import (
    QueryError,
    RecordNotFoundError,
    SearchIndexError,
    UnionCatalogError,
)
from catalog.models import Library
from catalog.store import Store
from config.registry import load_registry
from config.settings import Settings, load_settings
from index.search import SearchIndex
from webapp import auth, i18n, local_time, security
from webapp.i18n import LANGUAGE_NAMES, LANGUAGES, current_language, gettext
from webapp.provider import KIND_NAMES_VI, Provider, ProviderConfig
from webapp.services import Services, services

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None, *, libraries: tuple[Library, ...] | None = None
) -> Flask:
    """Build the union catalog's web app; tests pass their own Settings and libraries."""
    settings = settings or load_settings()
    if libraries is None:
        libraries = load_registry(settings.registry_path)
    app = Flask(__name__)
    app.config["SECRET_KEY"] = _secret(settings)
    auth.init_app(app, settings)  # session cookie flags, the dashboard's administrator
    i18n.init_app(app)  # gettext catalogues; the locale from ?lang=, the cookie, then vi
    security.init_app(app)  # CSP and the other security headers on every response
    local_time.init_app(app, settings)  # the |local_time filter: the display time zone
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    service = Services(
        settings=settings,
        libraries={library.code: library for library in libraries},
        search_index=SearchIndex(settings.index_dir),
    )
    app.extensions["unioncat"] = service
    provider_config = ProviderConfig(
        repository_name=settings.repository_name,
        admin_email=settings.contact_email,
        secret_key=app.config["SECRET_KEY"],
        page_size=settings.oai_page_size,
        namespace=settings.oai_namespace,
        library_names={library.code: library.name_vi for library in libraries},
    )
    app.extensions["unioncat_provider"] = lambda: Provider(service.store(), provider_config)

    from webapp.views import admin, api, browse, feed, oai, records, search, works

    blueprints = (search.bp, records.bp, api.bp, oai.bp, admin.bp, works.bp, feed.bp, browse.bp)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    _add_template_helpers(app)
    app.register_error_handler(UnionCatalogError, _render_error)
    app.register_error_handler(HTTPException, _render_error)

    @app.get("/healthz")
    def health() -> Response | tuple[Response, int]:
        store = services().store()
        try:
            documents = services().search_index.count()
        except SearchIndexError as exc:  # serving, but nothing to search yet
            return jsonify(ok=False, records=store.max_seq(), documents=None, error=str(exc)), 503
        return jsonify(ok=True, records=store.max_seq(), documents=documents)

    @app.after_request
    def remember_language(response: Response) -> Response:
        if request.args.get("lang") in LANGUAGES:
            response.set_cookie("lang", request.args["lang"], max_age=365 * 86400, samesite="Lax")
        return response

    return app


def create_member_app(
    store_factory: Callable[[], Store], library: Library, *, secret_key: str, page_size: int
) -> Flask:
    """Build a stand-in member library: its OAI-PMH provider and a page per record.

    The demo serves each sample member with this, the same provider code as the union's.
    """
    app = Flask(__name__)  # same package, so the same templates
    config = ProviderConfig(
        repository_name=library.name_vi,
        admin_email="librarian@example.invalid",
        secret_key=secret_key,
        page_size=page_size,
        namespace=None,
    )

    @app.route("/oai", methods=["GET", "POST"])
    def oai() -> Response:
        args = {name: request.values.getlist(name) for name in request.values}
        body = Provider(store_factory(), config).stream(args, request.base_url)
        return Response(body, content_type="text/xml; charset=utf-8")

    @app.get("/records/<path:oai_id>")
    def record(oai_id: str) -> str:
        stored = store_factory().get(library.code, oai_id)
        return render_template("member_record.html", library=library, record=stored.record)

    app.register_error_handler(RecordNotFoundError, lambda exc: ("Not found", 404))
    return app


def _secret(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    log.warning(
        "no secret_key set: using a random one, so resumption tokens and sessions end when "
        "the server restarts; set UNIONCAT_SECRET_KEY in production"
    )
    return secrets.token_hex(32)


def _add_template_helpers(app: Flask) -> None:
    @app.context_processor
    def helpers() -> dict[str, object]:
        lang = current_language()
        service = services()
        other_lang = "en" if lang == "vi" else "vi"
        return {
            "lang": lang,
            "other_lang": other_lang,
            "other_language_name": LANGUAGE_NAMES[other_lang],
            "other_language_url": _same_page_in(other_lang),
            "library_name": lambda code: service.library_name(code, lang),
            "kind_name": lambda kind: i18n.kind_name(kind) if kind else "",
            "facet_name": i18n.facet_name,
            "job_state_name": i18n.job_state_name,
            "kind_names_vi": KIND_NAMES_VI,
            "web_url": web_url,
        }


def web_url(value: object) -> str | None:
    """``value`` when it is an http(s) URL (a harvested link may be anything), else None."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else None


def _same_page_in(lang: str) -> str:
    """This page's URL with ``lang`` set, every other argument kept (repeated ones too)."""
    args = [(name, value) for name, value in request.args.items(multi=True) if name != "lang"]
    return "?" + urlencode([*args, ("lang", lang)])


def _render_error(exc: Exception) -> tuple[Response | str, int]:
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        message = exc.description or exc.name
    elif isinstance(exc, QueryError):
        status, message = 400, str(exc)
    elif isinstance(exc, RecordNotFoundError):
        status, message = 404, str(exc)
    elif isinstance(exc, SearchIndexError):  # no index yet, or one of another version
        status, message = 503, str(exc)
        log.warning("request %s: %s", request.path, exc)
    else:
        status, message = 500, "the server failed; the error is in its log"
        log.error("request %s failed: %s", request.path, exc, exc_info=exc)
    if request.path.startswith("/api/"):
        return jsonify(ok=False, error=message), status
    if status == 400:
        summary = gettext("The request is not valid.")
    elif status == 404:
        summary = gettext("This page does not exist.")
    elif status == 503:
        summary = gettext("Search is not available yet; please try again later.")
    else:
        summary = gettext("The server failed; please try again later.")
    return render_template("error.html", status=status, summary=summary, detail=message), status
