"""The deletion sweep over real HTTP: records the server no longer lists, and its safety rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from catalog.models import Library
from catalog.store import Store
from harvester.run import HarvestOptions
from harvester.sweep import sweep_deletions
from tests.factories import make_library, make_record

FAST = HarvestOptions(timeout=2.0, max_retries=0, max_retry_after=0.01)


def _library(oai_server: str, name: str) -> Library:
    return make_library(code=name, endpoint=f"{oai_server}/{name}/oai")


def _stock(store: Store, library: str, numbers: range) -> None:
    store.upsert_page(
        [make_record(library=library, oai_id=f"oai:sweep:{n}", title=f"Sách {n}") for n in numbers]
    )


def _deleted(store: Store, library: str) -> list[str]:
    return sorted(s.record.oai_id for s in store.select(library=library) if s.record.deleted)


def test_records_the_server_no_longer_lists_become_tombstones(
    oai_server: str, store: Store
) -> None:
    _stock(store, "sweep", range(1, 6))  # 1-5 live; the server lists 1-3, and 5 as deleted

    summary = sweep_deletions(_library(oai_server, "sweep"), store, FAST)

    assert summary.ok, summary.refused
    assert (summary.listed, summary.live, summary.deleted) == (3, 5, 2)
    assert _deleted(store, "sweep") == ["oai:sweep:4", "oai:sweep:5"]
    gone = store.get("sweep", "oai:sweep:4").record
    assert gone.title == "Sách 4"  # the tombstone keeps what was stored
    assert gone.datestamp == datetime(2025, 6, 2, 9, 0, tzinfo=UTC)  # the server's clock


def test_a_sweep_listing_nothing_deletes_nothing(oai_server: str, store: Store) -> None:
    _stock(store, "gone422", range(1, 4))

    summary = sweep_deletions(_library(oai_server, "gone422"), store, FAST)

    assert not summary.ok and "listed no identifiers" in (summary.refused or "")
    assert _deleted(store, "gone422") == []


def test_a_sweep_that_would_delete_too_much_deletes_nothing(oai_server: str, store: Store) -> None:
    _stock(store, "sweep", range(1, 11))  # 7 of 10 would go

    summary = sweep_deletions(_library(oai_server, "sweep"), store, FAST, max_share=0.5)

    assert not summary.ok and "7 of 10 live records (70%)" in (summary.refused or "")
    assert _deleted(store, "sweep") == []
    assert sweep_deletions(_library(oai_server, "sweep"), store, FAST, max_share=0.8).deleted == 7


@pytest.mark.parametrize(
    ("name", "options", "expected"),
    [
        ("sweep", replace(FAST, max_requests=1), "cut short (request_cap)"),
        ("down", FAST, "HTTP 503"),
        ("html", FAST, "HTML page"),
    ],
)
def test_a_sweep_that_did_not_read_the_whole_list_deletes_nothing(
    oai_server: str, store: Store, name: str, options: HarvestOptions, expected: str
) -> None:
    _stock(store, name, range(1, 5))

    summary = sweep_deletions(_library(oai_server, name), store, options)

    assert not summary.ok and expected in (summary.refused or ""), summary.refused
    assert (summary.refused or "").startswith(f"[{name}] ")
    assert _deleted(store, name) == []
