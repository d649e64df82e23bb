"""Interface language: Vietnamese by default, English by choice (?lang=, then a cookie).

The text itself is gettext (Flask-Babel): English message ids in the templates and code, the
Vietnamese catalogue in ``webapp/translations/vi/LC_MESSAGES/messages.po``. This module picks the
locale and names the words that code chooses at run time (kinds, facets, job states), so that
extraction still sees every message id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask_babel  # type: ignore[import-untyped]  # Flask-Babel 4.0 ships no type hints
from flask import Flask, g, request

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
# Each language's own name, shown on the link that switches to it (never translated).
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def init_app(app: Flask) -> None:
    """Install Flask-Babel on ``app``: catalogues in webapp/translations, our locale choice.

    Templates get gettext as ``_``, ``ngettext`` and ``pgettext``, in Jinja's "newstyle":
    ``_("Signed in as %(name)s", name=user)`` escapes ``user`` and fills it in.
    """
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    flask_babel.Babel(app, locale_selector=current_language)
    # Flask-Babel's own callables, with the catalogue looked up once per request instead of
    # once per message (a results page has ~40; measured: a tenth of rendering one).
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )


def _translations() -> Any:
    """Return this request's gettext catalogue (Flask-Babel's, for the reader's language)."""
    found = g.get("_translations")
    if found is None:
        found = g._translations = flask_babel.get_translations()
    return found


# Typed doors to Flask-Babel, for code; `pybabel extract` finds calls to these names.
def gettext(message: str, **values: object) -> str:
    """Return ``message`` in the reader's language, ``%(name)s`` filled from ``values``."""
    return str(flask_babel.gettext(message, **values))


def ngettext(singular: str, plural: str, num: int, **values: object) -> str:
    """Return the form for ``num`` of a counted message; ``%(num)d`` is ``num``."""
    return str(flask_babel.ngettext(singular, plural, num, **values))


def pgettext(context: str, message: str, **values: object) -> str:
    """Return ``message`` as meant in ``context`` (one English word, two Vietnamese ones)."""
    return str(flask_babel.pgettext(context, message, **values))


def current_language() -> str:
    """Return the reader's language: ?lang=, then the cookie, then Vietnamese."""
    if "lang" not in g:
        choice = request.args.get("lang") or request.cookies.get("lang") or DEFAULT_LANGUAGE
        g.lang = choice if choice in LANGUAGES else DEFAULT_LANGUAGE
    return str(g.lang)


def _names(table: str, build: Callable[[], dict[str, str]]) -> dict[str, str]:
    """Build a table of translated names once per request (a results page asks ~25 times)."""
    tables: dict[str, dict[str, str]] = g.setdefault("_translated_names", {})
    if table not in tables:
        tables[table] = build()
    return tables[table]


def kind_name(kind: str) -> str:
    """Return a record kind (one of ``catalog.models.KINDS``) in the reader's language."""
    return _names("kind", _kind_names).get(kind, kind)


def _kind_names() -> dict[str, str]:
    return {
        "book": gettext("Book"),
        "map": gettext("Map"),
        "photograph": gettext("Photograph"),
        "newspaper": gettext("Newspaper, periodical"),
        "manuscript": gettext("Manuscript"),
        "audio": gettext("Audio"),
        "video": gettext("Video"),
        "article": gettext("Article"),
        "other": gettext("Other"),
    }


def facet_name(facet: str) -> str:
    """Return the heading of a search facet (one of ``index.search.FACETS``)."""
    return _names("facet", _facet_names).get(facet, facet)


def _facet_names() -> dict[str, str]:
    return {
        "library": gettext("Library"),
        "kind": pgettext("facet", "Type"),
        "decade": gettext("Decade"),
        "province": gettext("Province (since 2025)"),
        "language": gettext("Language"),
        "subject": gettext("Subject"),
    }


def language_name(code: str) -> str:
    """Return an ISO 639-3 language code's name in the reader's language; unknown codes as is."""
    return _names("language", _language_names).get(code, code)


def _language_names() -> dict[str, str]:
    return {
        "vie": gettext("Vietnamese"),
        "fra": gettext("French"),
        "eng": gettext("English"),
        "khm": gettext("Khmer"),
        "zho": gettext("Chinese"),
        "lzh": gettext("Classical Chinese"),
        "cjm": gettext("Cham"),
        "rus": gettext("Russian"),
        "deu": gettext("German"),
        "jpn": gettext("Japanese"),
    }


def sort_name(sort: str) -> str:
    """Return the label of a result order (one of ``index.SORTS``)."""
    return _names("sort", _sort_names).get(sort, sort)


def _sort_names() -> dict[str, str]:
    return {
        "relevance": gettext("Relevance"),
        "newest": gettext("Newest first"),
        "oldest": gettext("Oldest first"),
        "title": gettext("Title, A to Z"),
    }


def year_bound_name(bound: str) -> str:
    """Return the label of a year-range bound: ``from_year`` or ``to_year``."""
    return gettext("From") if bound == "from_year" else gettext("To")


def job_state_name(state: str) -> str:
    """Return the words for a dashboard harvest's state: running, succeeded, failed or ended."""
    names = {
        "running": gettext("Harvesting…"),
        "succeeded": gettext("Finished"),
        "failed": gettext("Ended with errors"),
        "ended": gettext("Ended; outcome not recorded, see its output"),
    }
    return names.get(state, state)
