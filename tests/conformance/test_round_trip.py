"""Round trip: our own harvester harvests our own provider, and every field survives.

The union (tests/conformance/union.py) is served over real HTTP on 127.0.0.1; the harvester
harvests it as a member called "union" into a second catalog, in oai_dc and in marc21, and
each harvested Record is compared field by field with the one the first catalog holds.

The union's Dublin Core writes ``kind`` as its English word in dc:type ("photograph"), which
the mapping reads back. One loss is known and accepted: a MARC record without a 260/264 $c
takes its years from 008; oai_dc has no place for years without a date, so through oai_dc
such a record keeps ``date=None`` and loses ``year_from``/``year_to``. The marc21 harvest keeps
them (its raw XML comes back byte for byte). The demo's records have no such case.
"""

from __future__ import annotations

from pathlib import Path

from catalog.models import Record
from catalog.store import Store
from harvester import HarvestOptions, harvest_library
from tests.conformance.union import Union
from tests.factories import make_library

# Every field the mapping derives from metadata; datestamps are the union's own, so they differ.
FIELDS = (
    "title", "creators", "subjects", "description", "publisher", "date", "year_from",
    "year_to", "kind", "languages", "identifiers", "isbns", "places", "provinces",
    "provinces_today", "rights", "formats", "thumbnail",
)  # fmt: skip


def harvest_union(union: Union, prefix: str, path: Path) -> dict[str, Record]:
    """Harvest the whole union in ``prefix`` into a new catalog; return records by union key."""
    library = make_library(code="union", endpoint=union.base_url, metadata_prefix=prefix)
    with Store.open(path) as store:
        summary = harvest_library(library, store, HarvestOptions(timeout=30, max_retries=0))
        assert summary.ok, summary.error
        assert summary.skipped == 0, summary.errors
        harvested = [s.record for s in store.select()]
    prefix_of_key = f"oai:{union.namespace}:"
    return {r.oai_id.removeprefix(prefix_of_key): r for r in harvested}


def source_records(union: Union, formats: tuple[str, ...] | None = None) -> dict[str, Record]:
    with Store.open(union.catalog_path) as store:
        return {s.record.key: s.record for s in store.select(source_formats=formats)}


def differences(source: Record, harvested: Record) -> list[str]:
    return [
        f"{name}: {getattr(source, name)!r} became {getattr(harvested, name)!r}"
        for name in FIELDS
        if getattr(source, name) != getattr(harvested, name)
    ]


def test_every_field_survives_a_harvest_of_our_own_oai_dc(union: Union, tmp_path: Path) -> None:
    source = source_records(union)
    harvested = harvest_union(union, "oai_dc", tmp_path / "again.sqlite")

    assert harvested.keys() == source.keys()
    assert {k for k, r in harvested.items() if r.deleted} == {
        k for k, r in source.items() if r.deleted
    }
    changed = {
        key: found
        for key, record in source.items()
        if not record.deleted and (found := differences(record, harvested[key]))
    }
    assert not changed, "\n".join(f"{k}: {v}" for k, v in list(changed.items())[:10])


def test_marc_survives_byte_for_byte_a_harvest_of_our_own_marc21(
    union: Union, tmp_path: Path
) -> None:
    source = source_records(union, ("marc21", "marcxml"))
    harvested = harvest_union(union, "marc21", tmp_path / "again.sqlite")

    assert harvested.keys() == source.keys() and len(source) == 173
    for key, record in source.items():
        again = harvested[key]
        assert again.deleted == record.deleted, key
        if record.deleted:
            continue
        assert again.raw_xml == record.raw_xml, key
        assert differences(record, again) == [], key
