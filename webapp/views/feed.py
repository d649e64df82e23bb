"""What is new in the union catalog: an Atom 1.0 feed and the "new this week" page.

Both list live records by catalog change (newest first), filtered like a search by one member
library, kind and province. Harvested text reaches the feed only as lxml text nodes, so it is
escaped, and characters XML cannot hold are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from lxml import etree
from werkzeug.datastructures import MultiDict

from catalog.errors import QueryError
from catalog.models import KINDS, StoredRecord
from catalog.store import format_datestamp
from webapp.i18n import current_language, gettext, kind_name
from webapp.services import Services, services

bp = Blueprint("feed", __name__)

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_NS = "http://www.w3.org/XML/1998/namespace"
FEED_ENTRIES = 50  # entries in one feed document
WEEK_SHOWN = 100  # records listed on the "new this week" page
# Characters outside XML 1.0's Char production (C0 controls, lone surrogates, U+FFFE/F).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedFilters:
    """One member library, kind and province at most, as ``Store.newest`` takes them."""

    library: str | None = None
    kind: str | None = None
    province: str | None = None

    def as_args(self) -> dict[str, Any]:
        """Return the filters given, as URL arguments."""
        return {
            name: value
            for name, value in (
                ("library", self.library),
                ("kind", self.kind),
                ("province", self.province),
            )
            if value
        }


def read_feed_filters(args: MultiDict[str, str], service: Services) -> FeedFilters:
    """Return the feed's filters; raise QueryError for repeated or unknown values."""
    values: dict[str, str | None] = {}
    for name in ("library", "kind", "province"):
        given = [value for value in args.getlist(name) if value]
        if len(given) > 1:
            raise QueryError(f"the feed takes one {name} at most, got {len(given)}: {given!r}")
        values[name] = given[0] if given else None
    if values["library"] is not None and values["library"] not in service.libraries:
        raise QueryError(
            f"library must be a member's code ({', '.join(sorted(service.libraries))}), "
            f"got {values['library']!r}"
        )
    if values["kind"] is not None and values["kind"] not in KINDS:
        raise QueryError(f"kind must be one of {', '.join(KINDS)}, got {values['kind']!r}")
    return FeedFilters(**values)


@bp.get("/feed.atom")
def atom_feed() -> Response:
    """Serve the newest live records as Atom 1.0, filtered by ?library=&kind=&province=."""
    service = services()
    filters = read_feed_filters(request.args, service)
    records = service.store().newest(
        FEED_ENTRIES, library=filters.library, kind=filters.kind, province=filters.province
    )
    body = etree.tostring(_feed(records, filters, service), xml_declaration=True, encoding="utf-8")
    return Response(body, mimetype="application/atom+xml")


@bp.get("/new")
def new_this_week() -> str:
    """List the records added or changed in the catalog in the last seven days."""
    service = services()
    filters = read_feed_filters(request.args, service)
    since = datetime.now(UTC) - timedelta(days=7)
    records = [
        stored
        for stored in service.store().newest(
            WEEK_SHOWN, library=filters.library, kind=filters.kind, province=filters.province
        )
        if stored.stored_at >= since
    ]
    return render_template(
        "new.html",
        records=records,
        shown=WEEK_SHOWN,
        feed_url=url_for("feed.atom_feed", **filters.as_args()),
    )


def _feed(records: list[StoredRecord], filters: FeedFilters, service: Services) -> etree._Element:
    lang = current_language()
    feed = etree.Element(_atom("feed"), nsmap={None: ATOM_NS})
    feed.set(f"{{{XML_NS}}}lang", lang)
    canonical = url_for("feed.atom_feed", _external=True, **filters.as_args())
    _add(feed, "id", canonical)
    _add(feed, "title", gettext("New in the Mekong Union Catalog"))
    _add(feed, "subtitle", gettext("Local-history collections of 14 Mekong Delta libraries"))
    newest = max((stored.stored_at for stored in records), default=datetime.now(UTC))
    _add(feed, "updated", format_datestamp(newest))
    _link(feed, "self", url_for("feed.atom_feed", _external=True, **_with_lang(filters)))
    search = url_for("search.search_page", _external=True, **_with_lang(filters))
    _link(feed, "alternate", search, "text/html")
    author = etree.SubElement(feed, _atom("author"))
    _add(author, "name", gettext("Mekong Union Catalog"))
    _add(author, "uri", url_for("search.search_page", _external=True))
    for stored in records:
        feed.append(_entry(stored, service, lang))
    return feed


def _entry(stored: StoredRecord, service: Services, lang: str) -> etree._Element:
    record = stored.record
    entry = etree.Element(_atom("entry"))
    permalink = url_for("records.record_page", key=record.key, _external=True)
    _add(entry, "id", permalink)  # the permanent link: one work's entry keeps its id
    _add(entry, "title", record.title or record.oai_id)
    _add(entry, "updated", format_datestamp(stored.stored_at))
    _link(entry, "alternate", permalink, "text/html")
    for creator in record.creators:
        _add(etree.SubElement(entry, _atom("author")), "name", creator)
    category = etree.SubElement(entry, _atom("category"))
    category.set("term", record.kind)
    category.set("label", _xml_text(kind_name(record.kind)))
    library = service.library_name(record.library, lang)
    parts = ["; ".join(record.creators), record.date, kind_name(record.kind), library]
    summary = " · ".join(part for part in parts if part)
    if record.description:
        summary += "\n\n" + record.description
    _add(entry, "summary", summary)
    return entry


def _with_lang(filters: FeedFilters) -> dict[str, Any]:
    args = filters.as_args()
    if request.args.get("lang"):
        args["lang"] = current_language()
    return args


def _atom(name: str) -> str:
    return f"{{{ATOM_NS}}}{name}"


def _add(parent: etree._Element, name: str, text: str) -> etree._Element:
    node = etree.SubElement(parent, _atom(name))
    node.text = _xml_text(text)
    return node


def _link(parent: etree._Element, rel: str, href: str, media_type: str | None = None) -> None:
    link = etree.SubElement(parent, _atom("link"))
    link.set("rel", rel)
    link.set("href", href)
    if media_type:
        link.set("type", media_type)


def _xml_text(text: str) -> str:
    """Drop what XML 1.0 cannot hold; lxml escapes the rest (<, &, quotes) as it writes."""
    return _NOT_XML.sub("", text)
