"""Harvesting over real HTTP from the replay server: paging, deletions, and every fault."""

from __future__ import annotations

from dataclasses import replace

import pytest

from catalog.errors import RecordNotFoundError
from catalog.store import Store
from harvester.run import HarvestOptions, harvest_library
from tests.factories import make_library, make_record

FAST = HarvestOptions(timeout=1.0, max_retries=2, max_retry_after=0.05)


def _library(oai_server: str, name: str):  # noqa: ANN202
    return make_library(code=name, endpoint=f"{oai_server}/{name}/oai")


def test_harvest_follows_tokens_and_keeps_bad_records_out(oai_server: str, store: Store) -> None:
    summary = harvest_library(_library(oai_server, "good"), store, FAST)

    assert summary.ok, summary.error
    assert (summary.pages, summary.stored, summary.deleted, summary.skipped) == (2, 4, 1, 1)
    assert "oai:good:4" in summary.errors[0]
    assert store.get("good", "oai:good:6").record.title == "Cà Mau quê tôi"
    assert store.get("good", "oai:good:3").record.deleted
    with pytest.raises(RecordNotFoundError):
        store.get("good", "oai:good:4")


def test_nfd_titles_are_stored_as_nfc(oai_server: str, store: Store) -> None:
    harvest_library(_library(oai_server, "good"), store, FAST)

    assert store.get("good", "oai:good:2").record.title == "Đồng Tháp Mười"  # NFC literal


def test_mapping_normalises_dates_kinds_and_isbns(oai_server: str, store: Store) -> None:
    harvest_library(_library(oai_server, "good"), store, FAST)

    map_record = store.get("good", "oai:good:2").record
    photo = store.get("good", "oai:good:5").record
    assert (map_record.kind, map_record.year_from, map_record.year_to) == ("map", 1970, 1979)
    assert (photo.kind, photo.year_from, photo.isbns) == ("photograph", 1998, ("9780306406157",))


def test_second_harvest_is_incremental_and_changes_nothing(oai_server: str, store: Store) -> None:
    library = _library(oai_server, "good")
    harvest_library(library, store, FAST)
    seq = store.max_seq()

    again = harvest_library(library, store, FAST)

    assert again.ok and again.stored == 0 and again.deleted == 0
    assert store.max_seq() == seq
    assert store.next_from("good") is not None


def test_deletion_of_a_stored_record_keeps_its_metadata_as_a_tombstone(
    oai_server: str, store: Store
) -> None:
    store.upsert_page([make_record(library="good", oai_id="oai:good:3", title="Trước khi xóa")])

    harvest_library(_library(oai_server, "good"), store, FAST)

    record = store.get("good", "oai:good:3").record
    assert record.deleted and record.title == "Trước khi xóa"


def test_503_with_http_date_retry_after_is_retried(oai_server: str, store: Store) -> None:
    summary = harvest_library(_library(oai_server, "flaky"), store, FAST)

    assert summary.ok, summary.error
    assert summary.stored == 4


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("down", "HTTP 503"),
        ("html", "HTML page"),
        ("garbage", "not well-formed XML"),
        ("broken", "not well-formed XML"),
        ("badformat", "cannotDisseminateFormat"),
    ],
)
def test_a_failing_member_reports_the_fault_and_loses_nothing(
    oai_server: str, store: Store, name: str, expected: str
) -> None:
    store.upsert_page([make_record(library=name, oai_id="oai:kept:1")])

    summary = harvest_library(_library(oai_server, name), store, FAST)

    assert not summary.ok
    assert expected in (summary.error or ""), summary.error
    assert f"[{name}]" in (summary.error or "")
    assert not store.get(name, "oai:kept:1").record.deleted
    assert store.last_harvests()[name].error == summary.error


def test_timeout_is_retried_then_reported(oai_server: str, store: Store) -> None:
    options = replace(FAST, timeout=0.3, max_retries=1)

    summary = harvest_library(_library(oai_server, "slow"), store, options)

    assert not summary.ok
    assert "timed out after 2 attempt(s)" in (summary.error or "")


def test_no_records_match_sent_with_http_422_is_an_empty_harvest(
    oai_server: str, store: Store
) -> None:
    summary = harvest_library(_library(oai_server, "gone422"), store, FAST)

    assert summary.ok, summary.error
    assert summary.stored == 0 and summary.pages == 0


def test_unreachable_endpoint_is_an_endpoint_error(store: Store) -> None:
    library = make_library(code="nowhere", endpoint="http://127.0.0.1:9/oai")

    summary = harvest_library(library, store, replace(FAST, max_retries=0))

    assert not summary.ok
    assert "connection failed" in (summary.error or "")


def test_a_redirect_loop_is_a_clear_error_naming_the_url(oai_server: str, store: Store) -> None:
    library = _library(oai_server, "redirectloop")

    summary = harvest_library(library, store, FAST)

    assert not summary.ok
    assert (summary.error or "").startswith(
        f"[redirectloop] Identify: {oai_server}/redirectloop/oai redirects in a loop (Exceeded"
    )
    assert "check the endpoint URL in the registry" in (summary.error or "")
    assert store.count(library="redirectloop") == 0
