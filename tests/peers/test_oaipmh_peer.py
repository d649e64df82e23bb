"""Our harvester against a third-party provider: the `oaipmh` 4.0.0 package's server.

The peer (tests/peers/peer_server.py) serves 3,000 synthetic Vietnamese oai_dc records over
real HTTP on 127.0.0.1, 250 per page, every 7th deleted, in hierarchical sets. The harvest
must store exactly what it serves: every record once, every deletion as a tombstone, every
set selection and datestamp window to the record.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from catalog.store import Store
from harvester import HarvestOptions, harvest_library
from tests.factories import make_library
from tests.peers.peer_server import PeerRecord, make_records, serve_peer

RECORDS = make_records(3000, deleted_every=7)
OPTIONS = HarvestOptions(timeout=30, max_retries=0)


@pytest.fixture(scope="module")
def peer() -> Iterator[str]:
    with serve_peer(RECORDS, batch_size=250) as url:
        yield url


def harvested(store: Store) -> dict[str, tuple[bool, tuple[str, ...], str | None]]:
    return {
        s.record.oai_id: (s.record.deleted, s.record.set_specs, s.record.title)
        for s in store.select()
    }


def served(records: list[PeerRecord]) -> dict[str, tuple[bool, tuple[str, ...], str | None]]:
    return {
        r.identifier: (r.deleted, r.set_specs, None if r.deleted else r.dc["title"][0])
        for r in records
    }


def test_harvest_stores_every_record_and_deletion_the_peer_serves(peer: str, store: Store) -> None:
    summary = harvest_library(make_library(code="peer", endpoint=peer), store, OPTIONS)

    assert summary.ok, summary.error
    assert summary.pages == 12 and summary.skipped == 0
    assert (summary.stored, summary.deleted) == (3000 - 428, 428)
    assert harvested(store) == served(RECORDS)
    record = store.get("peer", "oai:peer.example.vn:1").record
    assert record.title == "Lịch sử Cần Thơ – tập 1" and record.kind == "map"
    assert record.provinces_today == ("Cần Thơ",) and record.languages == ("vie",)


def test_second_harvest_finds_nothing_new(peer: str, store: Store) -> None:
    library = make_library(code="peer", endpoint=peer)
    harvest_library(library, store, OPTIONS)
    again = harvest_library(library, store, OPTIONS)

    assert again.ok and (again.stored, again.deleted) == (0, 0)
    assert len(store.select()) == 3000


@pytest.mark.parametrize("set_spec", ["prov:camau", "type:bando", "prov"])
def test_set_harvest_gets_exactly_the_set(peer: str, store: Store, set_spec: str) -> None:
    library = make_library(code="peer", endpoint=peer, set_spec=set_spec)
    summary = harvest_library(library, store, OPTIONS)
    expected = [
        r
        for r in RECORDS
        if any(s == set_spec or s.startswith(f"{set_spec}:") for s in r.set_specs)
    ]

    assert summary.ok, summary.error
    assert harvested(store) == served(expected)


def test_window_harvest_gets_exactly_the_window(peer: str, store: Store) -> None:
    since, until = datetime(2020, 1, 3, tzinfo=UTC), datetime(2020, 1, 5, 11, tzinfo=UTC)
    options = HarvestOptions(timeout=30, max_retries=0, from_=since, until=until)
    summary = harvest_library(make_library(code="peer", endpoint=peer), store, options)
    naive = since.replace(tzinfo=None), until.replace(tzinfo=None)
    expected = [r for r in RECORDS if naive[0] <= r.datestamp <= naive[1]]

    assert summary.ok, summary.error
    assert len(expected) == 60 and harvested(store) == served(expected)


def test_peer_runs_as_a_subprocess_and_stops_on_sigterm(store: Store) -> None:
    command = [sys.executable, "-m", "tests.peers.peer_server", "--port", "0",
               "--records", "300", "--batch", "40", "--deleted-every", "5",
               "--no-empty-last-token"]  # fmt: skip
    root = Path(__file__).resolve().parents[2]
    with subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            ready = process.stdout.readline().split()
            assert ready[:1] == ["READY"], ready
            summary = harvest_library(make_library(code="peer", endpoint=ready[1]), store, OPTIONS)
        finally:
            process.terminate()
            process.wait(timeout=10)
            process.stdout.close()  # type: ignore[union-attr]

    assert process.returncode == 0
    assert summary.ok and (summary.stored, summary.deleted) == (240, 60)


def test_identifiers_mode_lists_then_gets_every_record(peer: str, store: Store) -> None:
    library = make_library(code="peer", endpoint=peer, set_spec="prov:cantho")
    options = HarvestOptions(timeout=30, max_retries=0, harvest_mode="identifiers")
    summary = harvest_library(library, store, options)
    expected = [r for r in RECORDS if "prov:cantho" in r.set_specs]

    assert summary.ok, summary.error
    assert (summary.stored, summary.deleted) == (322, 53)
    assert harvested(store) == served(expected)


def test_identifiers_mode_resumes_from_the_saved_page(peer: str, store: Store) -> None:
    library = make_library(code="peer", endpoint=peer, set_spec="type:sach")
    capped = HarvestOptions(timeout=30, max_retries=0, harvest_mode="identifiers", max_requests=2)
    first = harvest_library(library, store, capped)
    window = store.harvest_window("peer", "type:sach")

    assert first.ok and first.pages == 2 and len(store.select()) == 500
    assert window is not None and window.in_flight and window.resumption_token
    rest = harvest_library(library, store, replace(capped, max_requests=10000))
    assert rest.ok and rest.pages == 2
    assert harvested(store) == served([r for r in RECORDS if "type:sach" in r.set_specs])
