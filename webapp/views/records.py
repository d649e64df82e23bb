"""Record pages: every field, and each holding library with a link to its own record."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template

from catalog.models import StoredRecord
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
    return render_template(
        "record.html", stored=stored, record=stored.record, holdings=holdings_of(service, stored)
    )
