"""Our harvester against a second third-party provider: the `oai-repo` 0.5.2 package.

The peer (tests/peers/oai_repo_server.py) serves 4,000 synthetic Vietnamese oai_dc records
over real HTTP on 127.0.0.1, 300 per page with oai-repo's own resumption tokens, every 9th
deleted, in hierarchical sets. The harvest must store exactly what it serves: every record
once, every deletion as a tombstone, every set selection and datestamp window to the record.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from catalog.store import Store
from harvester import HarvestOptions, harvest_library
from tests.factories import make_library
from tests.peers.oai_repo_server import RepoData, serve_repo
from tests.peers.peer_server import PeerRecord, make_records

RECORDS = make_records(4000, deleted_every=9)
OPTIONS = HarvestOptions(timeout=30, max_retries=0)


@pytest.fixture(scope="module")
def peer() -> Iterator[str]:
    with serve_repo(RepoData(RECORDS, limit=300)) as url:
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


def in_set(records: list[PeerRecord], spec: str) -> list[PeerRecord]:
    return [r for r in records if any(s == spec or s.startswith(f"{spec}:") for s in r.set_specs)]


def test_harvest_stores_every_record_and_deletion_oai_repo_serves(peer: str, store: Store) -> None:
    summary = harvest_library(make_library(code="repo", endpoint=peer), store, OPTIONS)

    assert summary.ok, summary.error
    assert summary.pages == 14 and summary.skipped == 0 and summary.errors == ()
    assert (summary.stored, summary.deleted) == (4000 - 444, 444)
    assert harvested(store) == served(RECORDS)
    tombstone = store.get("repo", "oai:peer.example.vn:8").record
    assert tombstone.deleted and tombstone.title is None
    record = store.get("repo", "oai:peer.example.vn:1").record
    assert record.title == "Lịch sử Cần Thơ – tập 1" and record.kind == "map"
    assert record.provinces_today == ("Cần Thơ",) and record.languages == ("vie",)


def test_second_harvest_starts_from_the_servers_clock_and_finds_nothing(
    peer: str, store: Store
) -> None:
    library = make_library(code="repo", endpoint=peer)
    harvest_library(library, store, OPTIONS)
    window = store.harvest_window("repo")
    again = harvest_library(library, store, OPTIONS)

    assert window is not None and not window.in_flight and window.next_from is not None
    assert again.ok and (again.pages, again.stored, again.deleted) == (0, 0, 0)
    assert len(store.select()) == 4000


@pytest.mark.parametrize(
    ("set_spec", "count"), [("prov:camau", 500), ("type:bando", 1333), ("prov", 4000)]
)
def test_set_harvest_gets_exactly_the_set(
    peer: str, store: Store, set_spec: str, count: int
) -> None:
    library = make_library(code="repo", endpoint=peer, set_spec=set_spec)
    summary = harvest_library(library, store, OPTIONS)

    assert summary.ok, summary.error
    assert len(in_set(RECORDS, set_spec)) == count
    assert harvested(store) == served(in_set(RECORDS, set_spec))


def test_unknown_set_is_an_empty_harvest_not_a_failure(peer: str, store: Store) -> None:
    library = make_library(code="repo", endpoint=peer, set_spec="prov:hanoi")
    summary = harvest_library(library, store, OPTIONS)

    assert summary.ok and (summary.stored, summary.deleted) == (0, 0)
    assert store.select() == []


def test_window_harvest_gets_exactly_the_window(peer: str, store: Store) -> None:
    since, until = datetime(2020, 2, 1, 6, tzinfo=UTC), datetime(2020, 2, 20, 5, tzinfo=UTC)
    options = HarvestOptions(timeout=30, max_retries=0, from_=since, until=until)
    summary = harvest_library(make_library(code="repo", endpoint=peer), store, options)
    expected = [r for r in RECORDS if since <= r.datestamp.replace(tzinfo=UTC) <= until]

    assert summary.ok, summary.error
    assert len(expected) == 456 and summary.pages == 2  # both ends inclusive
    assert harvested(store) == served(expected)


def test_identifiers_mode_lists_then_gets_every_record(peer: str, store: Store) -> None:
    library = make_library(code="repo", endpoint=peer, set_spec="prov:cantho")
    options = HarvestOptions(timeout=30, max_retries=0, harvest_mode="identifiers")
    summary = harvest_library(library, store, options)

    assert summary.ok, summary.error
    assert (summary.stored, summary.deleted) == (444, 56)
    assert harvested(store) == served(in_set(RECORDS, "prov:cantho"))


def test_unserved_format_fails_the_library_naming_the_format_and_stores_nothing(
    peer: str, store: Store
) -> None:
    library = make_library(code="repo", endpoint=peer, metadata_prefix="marc21")
    summary = harvest_library(library, store, OPTIONS)

    assert not summary.ok and summary.error is not None
    assert "[repo]" in summary.error and "cannotDisseminateFormat" in summary.error
    assert "set metadata_prefix in the registry" in summary.error  # names the fix
    assert store.select() == []
    window = store.harvest_window("repo")
    assert window is not None and window.in_flight  # the next run tries the window again


def test_token_voided_by_a_shrunken_list_restarts_the_window_and_loses_nothing(
    store: Store,
) -> None:
    # oai-repo refuses a token once the list is shorter than when the token was made
    # (badResumptionToken "data has changed"): here, records hard-deleted between two runs.
    data = RepoData(make_records(1000, deleted_every=9), limit=100)
    with serve_repo(data) as url:
        library = make_library(code="repo", endpoint=url)
        capped = HarvestOptions(timeout=30, max_retries=0, max_requests=3)
        first = harvest_library(library, store, capped)
        stored_first = harvested(store)
        gone = {f"oai:peer.example.vn:{n}" for n in range(950, 1000)}
        data.records = [r for r in data.records if r.identifier not in gone]
        rest = harvest_library(library, store, OPTIONS)

    assert first.ok and first.pages == 3 and len(stored_first) == 300
    assert rest.ok, rest.error
    assert any("restarted" in line for line in rest.errors), rest.errors
    assert harvested(store) == served(data.records)  # the hard-deleted 50 were never sent
    assert stored_first.items() <= harvested(store).items()


def test_oai_repo_alone_never_reports_a_deletion(store: Store) -> None:
    # Pins the package's gap that oai_repo_server works around: without the wrapper, 0.5.2
    # leaves deleted records out of ListRecords, so a harvester never hears of them. If a
    # newer oai-repo writes header status itself, this fails and the wrapper can go.
    records = make_records(300, deleted_every=5)
    with serve_repo(RepoData(records, limit=100, mark_deletions=False)) as url:
        summary = harvest_library(make_library(code="repo", endpoint=url), store, OPTIONS)

    assert summary.ok and (summary.stored, summary.deleted) == (240, 0)
    assert harvested(store) == served([r for r in records if not r.deleted])
