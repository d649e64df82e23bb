"""Record pages: every field, and each holding library with a link to its own record."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, render_template, url_for

from catalog.errors import QueryError
from catalog.models import Record, StoredRecord
from webapp.export import bibtex_key, to_bibtex, to_csv, to_json_ld, to_ris
from webapp.i18n import current_language
from webapp.services import Services, services

bp = Blueprint("records", __name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Holding:
    """One library's copy of a work, as the record page lists it."""

    library: str
    key: str
    oai_id: str
    url: str | None


def holdings_of(service: Services, stored: StoredRecord) -> list[Holding]:
    """Return the libraries holding the work ``stored`` belongs to, this record first."""
    records = [stored] + [
        other
        for other in service.store().cluster(stored.cluster)
        if other.record.key != stored.record.key
    ]
    holdings = []
    for item in records:
        record = item.record
        library = service.libraries.get(record.library)
        url = library.record_url(record.oai_id, record.identifiers) if library else None
        holdings.append(
            Holding(library=record.library, key=record.key, oai_id=record.oai_id, url=url)
        )
    return holdings


@bp.get("/records/<path:key>")
def record_page(key: str) -> str:
    service = services()
    stored = service.store().get_by_key(key)
    holdings = holdings_of(service, stored)
    permalink = url_for("records.record_page", key=key, _external=True)
    lang = current_language()
    holders = [(service.library_name(h.library, lang), h.url) for h in holdings]
    return render_template(
        "record.html",
        stored=stored,
        record=stored.record,
        holdings=holdings,
        permalink=permalink,
        citation=citation(stored.record),
        json_ld=to_json_ld(stored.record, permalink, holders),
        formats=EXPORTS,
    )


EXPORTS = {
    "ris": ("application/x-research-info-systems", "ris"),
    "bibtex": ("application/x-bibtex", "bib"),
    "csv": ("text/csv", "csv"),
}


@bp.get("/export/<fmt>/<path:key>")
def export(fmt: str, key: str) -> Response:
    """Download one record as RIS, BibTeX or CSV."""
    if fmt not in EXPORTS:
        raise QueryError(f"no export format {fmt!r}; use one of {', '.join(EXPORTS)}")
    record = services().store().get_by_key(key).record
    permalink = url_for("records.record_page", key=key, _external=True)
    body = {
        "ris": lambda: to_ris(record, permalink),
        "bibtex": lambda: to_bibtex(record, permalink),
        "csv": lambda: to_csv([record]),
    }[fmt]()
    mimetype, suffix = EXPORTS[fmt]
    filename = f"{bibtex_key(record)}.{suffix}"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def citation(record: Record) -> str:
    """A plain citation: Creators. Title. Publisher, date."""
    parts = [
        "; ".join(record.creators),
        record.title,
        ", ".join(value for value in (record.publisher, record.date) if value),
    ]
    return ". ".join(part.rstrip(".") for part in parts if part) + "."
