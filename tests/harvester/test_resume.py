"""Resumable harvests over real HTTP: saved windows, resumed tokens, expired tokens, guards."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from catalog.models import Library
from catalog.store import HarvestWindow, Store
from harvester.run import HarvestOptions, harvest_library
from tests.factories import make_library, start_harvest
from tests.oai_server import ReplayHandler

FAST = HarvestOptions(timeout=2.0, max_retries=1, max_retry_after=0.01)
GOOD_IDS = {"oai:good:1", "oai:good:2", "oai:good:3", "oai:good:5", "oai:good:6"}


def _library(oai_server: str, name: str, **overrides: object) -> Library:
    return make_library(code=name, endpoint=f"{oai_server}/{name}/oai", **overrides)


def _ids(store: Store, library: str) -> list[str]:
    return sorted(stored.record.oai_id for stored in store.select(library=library))


def _verbs(library: str) -> list[str]:
    return [
        params.get("resumptionToken", params.get("verb", ""))
        for params in ReplayHandler.requests_to(library)
    ]


def test_a_run_that_dies_mid_harvest_resumes_from_the_saved_token(
    oai_server: str, store: Store
) -> None:
    library = _library(oai_server, "interrupted")

    first = harvest_library(library, store, FAST)

    assert not first.ok and "HTTP 500" in (first.error or "")
    assert first.pages == 1
    window = store.harvest_window("interrupted")
    assert window is not None and window.in_flight
    assert window.resumption_token == "page2"
    assert window.response_date == datetime(2025, 6, 1, 10, 0, 1, tzinfo=UTC)
    ReplayHandler.forget_requests()

    second = harvest_library(library, store, FAST)

    assert second.ok, second.error
    assert _verbs("interrupted") == ["Identify", "page2"]  # page 1 is not asked for again
    assert _ids(store, "interrupted") == sorted(GOOD_IDS)  # each once: the primary key
    assert first.stored + first.deleted + second.stored + second.deleted == 5
    done = store.harvest_window("interrupted")
    assert done is not None and not done.in_flight and done.resumption_token is None
    # The next window starts at the server's clock when the window began, not at ours.
    assert done.next_from == datetime(2025, 6, 1, 10, 0, 1, tzinfo=UTC)


def test_an_expired_token_restarts_the_window_without_loss_or_duplicates(
    oai_server: str, store: Store
) -> None:
    library = _library(oai_server, "expiring")
    harvest_library(library, store, FAST)
    seq_after_first = store.max_seq()

    second = harvest_library(library, store, FAST)

    assert second.ok, second.error
    assert _verbs("expiring")[-4:] == ["Identify", "page2~1", "ListRecords", "page2~2"]
    assert any("badResumptionToken" in line and "restarted" in line for line in second.errors)
    assert _ids(store, "expiring") == sorted(GOOD_IDS)
    # Page 1 came twice; storing it again changed nothing.
    assert store.max_seq() == seq_after_first + 2  # only page 2's two records are new


def test_a_killed_harvest_subprocess_resumes_without_loss(
    oai_server: str, store: Store, tmp_path
) -> None:
    import signal
    import time

    child = start_harvest(
        store.path, "stall", f"{oai_server}/stall/oai", "timeout=30, max_retries=0"
    )
    try:
        deadline = time.monotonic() + 20
        while "page2" not in _verbs("stall"):
            assert child.poll() is None, "the harvest ended before page 2"
            assert time.monotonic() < deadline, "the harvest never asked for page 2"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(10)
    window = store.harvest_window("stall")
    assert window is not None and window.in_flight and window.resumption_token == "page2"
    ReplayHandler.forget_requests()

    summary = harvest_library(_library(oai_server, "stall"), store, FAST)

    assert summary.ok, summary.error
    assert _verbs("stall") == ["Identify", "page2"]
    assert _ids(store, "stall") == sorted(GOOD_IDS)


def test_full_discards_the_token_in_flight_and_starts_from_the_beginning(
    oai_server: str, store: Store
) -> None:
    library = _library(oai_server, "interrupted")
    harvest_library(library, store, FAST)
    ReplayHandler.forget_requests()

    summary = harvest_library(library, store, replace(FAST, full=True))

    assert summary.ok, summary.error
    assert _verbs("interrupted") == ["Identify", "ListRecords", "page2"]
    assert "from" not in ReplayHandler.requests_to("interrupted")[1]


def test_from_overrides_the_saved_window(oai_server: str, store: Store) -> None:
    library = _library(oai_server, "good")
    harvest_library(library, store, FAST)
    ReplayHandler.forget_requests()

    harvest_library(library, store, replace(FAST, from_=datetime(2024, 12, 31, tzinfo=UTC)))

    assert ReplayHandler.requests_to("good")[1]["from"] == "2024-12-31T00:00:00Z"


def test_next_window_starts_at_the_saved_response_date_in_seconds(
    oai_server: str, store: Store
) -> None:
    library = _library(oai_server, "good")
    harvest_library(library, store, FAST)
    ReplayHandler.forget_requests()

    harvest_library(library, store, FAST)

    first = ReplayHandler.requests_to("good")[1]
    assert first["from"] == "2025-06-01T10:00:01Z"
    window = store.harvest_window("good")
    assert window is not None and window.from_ == "2025-06-01T10:00:01Z"


def test_day_granularity_sends_days_and_overlaps_the_same_day(
    oai_server: str, store: Store
) -> None:
    library = _library(oai_server, "daily")
    harvest_library(library, store, replace(FAST, from_=datetime(2025, 5, 1, 13, 30, tzinfo=UTC)))
    assert ReplayHandler.requests_to("daily")[1]["from"] == "2025-05-01"
    ReplayHandler.forget_requests()

    summary = harvest_library(library, store, FAST)

    assert summary.ok, summary.error
    # responseDate 2025-06-01T10:00:01Z: the next window asks for the whole of that day again.
    assert ReplayHandler.requests_to("daily")[1]["from"] == "2025-06-01"


def test_window_state_is_kept_per_set(oai_server: str, store: Store) -> None:
    whole = _library(oai_server, "good")
    one_set = _library(oai_server, "good", set_spec="type:book")
    harvest_library(whole, store, FAST)
    ReplayHandler.forget_requests()

    harvest_library(one_set, store, FAST)

    assert "from" not in ReplayHandler.requests_to("good")[1]  # a new set starts from scratch
    assert ReplayHandler.requests_to("good")[1]["set"] == "type:book"
    assert store.harvest_window("good", "type:book") is not None
    assert store.harvest_window("good") != store.harvest_window("good", "type:book")


def test_request_cap_keeps_the_token_for_the_next_run(oai_server: str, store: Store) -> None:
    library = _library(oai_server, "good")

    capped = harvest_library(library, store, replace(FAST, max_requests=1))

    assert capped.ok and capped.pages == 1
    assert any("harvest_max_requests" in line for line in capped.errors)
    window = store.harvest_window("good")
    assert window is not None and window.in_flight and window.resumption_token == "page2"
    ReplayHandler.forget_requests()

    rest = harvest_library(library, store, FAST)

    assert rest.ok and _verbs("good") == ["Identify", "page2"]
    assert _ids(store, "good") == sorted(GOOD_IDS)


def test_a_repeated_token_ends_the_window_with_a_warning(oai_server: str, store: Store) -> None:
    summary = harvest_library(_library(oai_server, "loop"), store, FAST)

    assert summary.ok, summary.error
    assert summary.pages == 2 and _ids(store, "loop") == ["oai:loop:1", "oai:loop:2"]
    assert any("repeated resumption token 'again'" in line for line in summary.errors)
    window = store.harvest_window("loop")
    assert window is not None and not window.in_flight


def test_a_deleted_header_without_datestamp_deletes_as_of_the_response_date(
    oai_server: str, store: Store
) -> None:
    summary = harvest_library(_library(oai_server, "nodate"), store, FAST)

    assert summary.ok and (summary.stored, summary.deleted, summary.skipped) == (1, 1, 0)
    record = store.get("nodate", "oai:nodate:1").record
    assert record.deleted and record.datestamp == datetime(2025, 6, 1, 10, 0, 1, tzinfo=UTC)


def test_a_dropped_connection_mid_body_is_retried(oai_server: str, store: Store) -> None:
    summary = harvest_library(_library(oai_server, "dropped"), store, FAST)

    assert summary.ok, summary.error
    assert _ids(store, "dropped") == sorted(GOOD_IDS)
    assert _verbs("dropped") == ["Identify", "ListRecords", "ListRecords", "page2", "page2"]


def test_pages_with_a_token_but_no_records_end_the_window_after_max_empty_pages(
    oai_server: str, store: Store
) -> None:
    summary = harvest_library(_library(oai_server, "empties"), store, FAST)  # default: 5

    assert summary.ok, summary.error
    assert _verbs("empties") == ["Identify", "ListRecords", *(f"empty{n}" for n in range(1, 6))]
    assert _ids(store, "empties") == ["oai:empties:1", "oai:empties:2"]
    assert any(
        "5 pages in a row had a resumption token but no records (max_empty_pages)" in line
        for line in summary.errors
    )
    window = store.harvest_window("empties")
    assert window is not None and not window.in_flight and window.resumption_token is None


def test_fewer_empty_pages_in_a_row_than_the_limit_are_followed_to_the_end(
    oai_server: str, store: Store
) -> None:
    summary = harvest_library(
        _library(oai_server, "empties"), store, replace(FAST, max_empty_pages=10)
    )

    assert summary.ok, summary.error
    assert summary.pages == 9 and _verbs("empties")[-1] == "empty8"  # 7 empty in a row
    assert _ids(store, "empties") == ["oai:empties:1", "oai:empties:2", "oai:empties:3"]
    assert not any("max_empty_pages" in line for line in summary.errors)


def test_a_saved_token_the_other_verb_made_restarts_the_window(
    oai_server: str, store: Store
) -> None:
    # A run in "identifiers" mode left its ListIdentifiers token; the member is now harvested
    # with ListRecords, which refuses that token with badArgument.
    store.save_harvest_window(
        HarvestWindow(
            library="modeswitch", metadata_prefix="oai_dc", resumption_token="ids2", in_flight=True
        )
    )

    summary = harvest_library(_library(oai_server, "modeswitch"), store, FAST)

    assert summary.ok, summary.error
    assert _verbs("modeswitch") == ["Identify", "ids2", "ListRecords", "page2"]
    assert _ids(store, "modeswitch") == sorted(GOOD_IDS)
    assert any("badArgument" in line and "restarted" in line for line in summary.errors)


def test_an_oai_error_on_a_fresh_window_does_not_restart_it(oai_server: str, store: Store) -> None:
    summary = harvest_library(_library(oai_server, "badformat"), store, FAST)

    assert not summary.ok and "cannotDisseminateFormat" in (summary.error or "")
    assert _verbs("badformat") == ["Identify", "ListRecords"]  # asked once, not restarted


def _in_flight(library: str, **overrides: object) -> HarvestWindow:
    values: dict[str, object] = dict(
        library=library,
        metadata_prefix="oai_dc",
        harvest_mode="records",
        from_="2025-01-01T00:00:00Z",
        resumption_token="page2",
        in_flight=True,
    )
    values.update(overrides)
    return HarvestWindow(**values)  # type: ignore[arg-type]


def test_a_window_records_the_mode_and_prefix_that_made_its_token(
    oai_server: str, store: Store
) -> None:
    library = _library(oai_server, "interrupted", harvest_mode="records")

    harvest_library(library, store, FAST)  # dies on page 2, the window stays in flight

    window = store.harvest_window("interrupted")
    assert window is not None and window.in_flight and window.resumption_token == "page2"
    assert (window.harvest_mode, window.metadata_prefix) == ("records", "oai_dc")


def test_a_token_made_in_another_harvest_mode_is_not_resumed_the_window_restarts_from_its_from(
    oai_server: str, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    # The run that saved this window used ListIdentifiers; the member is now set to "records".
    store.save_harvest_window(
        _in_flight("modeswitch", harvest_mode="identifiers", resumption_token="ids2")
    )
    caplog.set_level(logging.INFO)

    summary = harvest_library(_library(oai_server, "modeswitch"), store, FAST)

    assert summary.ok, summary.error
    assert _verbs("modeswitch") == ["Identify", "ListRecords", "page2"]  # ids2 never sent
    first = ReplayHandler.requests_to("modeswitch")[1]
    assert first["from"] == "2025-01-01T00:00:00Z" and first["metadataPrefix"] == "oai_dc"
    assert _ids(store, "modeswitch") == sorted(GOOD_IDS)
    (logged,) = [r for r in caplog.records if "is not resumed" in r.getMessage()]
    assert logged.levelno == logging.WARNING
    assert logged.getMessage().startswith(
        "[modeswitch] the harvest mode changed from 'identifiers' to 'records' since the "
        "window in flight from 2025-01-01T00:00:00Z was saved at "
    )
    assert "token 'ids2'" in logged.getMessage()
    assert "restarts from 2025-01-01T00:00:00Z" in logged.getMessage()
    done = store.harvest_window("modeswitch")
    assert done is not None and not done.in_flight and done.harvest_mode == "records"


def test_a_token_made_for_another_metadata_prefix_is_not_resumed(
    oai_server: str, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    store.save_harvest_window(_in_flight("good", metadata_prefix="marc21"))
    caplog.set_level(logging.WARNING)

    summary = harvest_library(_library(oai_server, "good"), store, FAST)

    assert summary.ok, summary.error
    assert _verbs("good") == ["Identify", "ListRecords", "page2"]
    assert ReplayHandler.requests_to("good")[1]["from"] == "2025-01-01T00:00:00Z"
    assert any(
        "the metadata prefix changed from 'marc21' to 'oai_dc'" in r.getMessage()
        for r in caplog.records
    )
    done = store.harvest_window("good")
    assert done is not None and done.metadata_prefix == "oai_dc"


def test_a_token_of_the_same_mode_and_prefix_is_resumed(oai_server: str, store: Store) -> None:
    store.save_harvest_window(_in_flight("good"))

    summary = harvest_library(_library(oai_server, "good"), store, FAST)

    assert summary.ok, summary.error
    assert _verbs("good") == ["Identify", "page2"]


def test_a_window_saved_before_modes_were_recorded_is_resumed_at_its_token(
    oai_server: str, store: Store
) -> None:
    store.save_harvest_window(_in_flight("good", harvest_mode=None))  # a migrated version-3 row

    summary = harvest_library(_library(oai_server, "good"), store, FAST)

    assert summary.ok, summary.error
    assert _verbs("good") == ["Identify", "page2"]  # tried; a badArgument would restart it
    window = store.harvest_window("good")
    assert window is not None and window.harvest_mode == "records"
