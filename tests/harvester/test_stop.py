"""Stopping a harvest on request (HarvestOptions.should_stop) over real HTTP: clean, resumable."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from catalog.models import Library
from catalog.store import Store
from harvester.hosts import harvest_libraries
from harvester.oai import Page
from harvester.run import HarvestOptions, harvest_library
from tests.factories import make_library
from tests.oai_server import ReplayHandler

FAST = HarvestOptions(timeout=5.0, max_retries=1, max_retry_after=0.01)
GOOD_IDS = ["oai:good:1", "oai:good:2", "oai:good:3", "oai:good:5", "oai:good:6"]


def _library(base: str, name: str, code: str | None = None) -> Library:
    return make_library(code=code or name, endpoint=f"{base}/{name}/oai")


def _verbs(library: str) -> list[str]:
    return [
        params.get("resumptionToken", params.get("verb", ""))
        for params in ReplayHandler.requests_to(library)
    ]


def _ids(store: Store, library: str) -> list[str]:
    return sorted(stored.record.oai_id for stored in store.select(library=library))


def _stop_after_first_page() -> tuple[Callable[[str, Page, int], None], threading.Event]:
    """A progress callback that asks for a stop once a page is committed, and its flag."""
    flag = threading.Event()

    def progress(code: str, page: Page, count: int) -> None:
        flag.set()

    return progress, flag


def test_a_stop_after_a_committed_page_leaves_the_window_at_the_next_token(
    oai_server: str, store: Store
) -> None:
    library = _library(oai_server, "good")
    progress, flag = _stop_after_first_page()

    stopped = harvest_library(
        library, store, replace(FAST, should_stop=flag.is_set), progress=progress
    )

    assert stopped.stopped and stopped.ok and stopped.error is None
    assert stopped.pages == 1 and _verbs("good") == ["Identify", "ListRecords"]
    window = store.harvest_window("good")
    assert window is not None and window.in_flight and window.resumption_token == "page2"
    assert store.harvest_history(10) == []  # neither a success nor a failure
    ReplayHandler.forget_requests()

    rest = harvest_library(library, store, FAST)

    assert rest.ok and not rest.stopped
    assert _verbs("good") == ["Identify", "page2"]  # page 1 is not fetched twice
    assert _ids(store, "good") == GOOD_IDS
    assert [summary.library for summary in store.harvest_history(10)] == ["good"]


def test_a_stop_asked_before_the_harvest_sends_no_request(oai_server: str, store: Store) -> None:
    summary = harvest_library(
        _library(oai_server, "good"), store, replace(FAST, should_stop=lambda: True)
    )

    assert summary.stopped and summary.ok and summary.pages == 0
    assert _verbs("good") == []
    assert store.harvest_window("good") is None


def test_a_stop_after_the_last_page_finishes_the_window(oai_server: str, store: Store) -> None:
    asked: list[bool] = []

    def should_stop() -> bool:
        asked.append(True)
        return len(asked) > 1  # not before the harvest; at every check after that

    summary = harvest_library(
        _library(oai_server, "clean"), store, replace(FAST, should_stop=should_stop)
    )

    assert summary.ok and not summary.stopped and summary.stored == 2
    window = store.harvest_window("clean")
    assert window is not None and not window.in_flight


def test_a_stop_leaves_the_libraries_not_started_untouched(oai_server: str, store: Store) -> None:
    libraries = [_library(oai_server, "good"), _library(oai_server, "clean")]  # one host
    progress, flag = _stop_after_first_page()

    summaries = harvest_libraries(
        libraries, store, replace(FAST, should_stop=flag.is_set), progress=progress
    )

    assert [(s.library, s.stopped, s.ok, s.pages) for s in summaries] == [
        ("good", True, True, 1),
        ("clean", True, True, 0),
    ]
    assert _verbs("clean") == []


def test_a_stop_ends_libraries_harvested_in_parallel_cleanly(oai_server: str, store: Store) -> None:
    other = oai_server.replace("127.0.0.1", "localhost")
    libraries = [_library(oai_server, "lag", "lag_a"), _library(other, "lag", "lag_b")]
    progress, flag = _stop_after_first_page()

    summaries = harvest_libraries(
        libraries, store, replace(FAST, should_stop=flag.is_set), progress=progress
    )

    assert all(s.stopped and s.ok for s in summaries), summaries
    assert _verbs("lag").count("page2") == 0
    for code in ("lag_a", "lag_b"):
        window = store.harvest_window(code)
        assert window is None or window.in_flight  # never finished by a stop
