"""Politeness and concurrency over real HTTP: one request at a time per host, hosts in parallel."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from catalog.models import Library
from catalog.store import Store
from harvester.hosts import harvest_libraries
from harvester.polite import HostGate
from harvester.run import HarvestOptions, harvest_library
from tests.factories import make_library
from tests.oai_server import ReplayHandler

FAST = HarvestOptions(timeout=5.0, max_retries=1, max_retry_after=0.01)


def _library(base: str, name: str, code: str | None = None) -> Library:
    return make_library(code=code or name, endpoint=f"{base}/{name}/oai")


def _other_host(oai_server: str) -> str:
    """The same server under another host name (localhost instead of 127.0.0.1)."""
    return oai_server.replace("127.0.0.1", "localhost")


def test_polite_delay_separates_requests_to_one_host(oai_server: str, store: Store) -> None:
    harvest_library(_library(oai_server, "good"), store, replace(FAST, polite_delay=0.15))

    times = [seen.at for seen in ReplayHandler.seen if seen.library == "good"]
    assert len(times) == 3  # Identify, page 1, page 2
    assert all(later - earlier >= 0.15 for earlier, later in zip(times, times[1:], strict=False))


def test_hosts_are_harvested_concurrently_but_each_host_one_request_at_a_time(
    oai_server: str, store: Store
) -> None:
    other = _other_host(oai_server)
    libraries = [
        _library(oai_server, "lag", "lag_a"),
        _library(oai_server, "lag", "lag_b"),  # same host as lag_a: after it, never beside it
        _library(other, "lag", "lag_c"),
    ]

    summaries = harvest_libraries(libraries, store, FAST)

    assert [s.library for s in summaries] == ["lag_a", "lag_b", "lag_c"]
    assert all(s.ok and s.stored == 4 for s in summaries), [s.error for s in summaries]
    port = oai_server.rsplit(":", 1)[1]
    assert ReplayHandler.max_in_flight[f"127.0.0.1:{port}/lag"] == 1
    assert ReplayHandler.max_in_flight[f"localhost:{port}/lag"] == 1
    assert ReplayHandler.max_in_flight["*/lag"] == 2  # the two hosts overlapped
    assert set(store.last_harvests()) == {"lag_a", "lag_b", "lag_c"}


def test_one_failing_member_never_stops_the_others(oai_server: str, store: Store) -> None:
    other = _other_host(oai_server)
    libraries = [
        _library(oai_server, "down"),
        _library(other, "good"),
        _library(oai_server, "html"),
    ]

    summaries = harvest_libraries(libraries, store, replace(FAST, max_retries=0))

    assert [s.ok for s in summaries] == [False, True, False]
    assert summaries[1].stored == 4 and store.count(library="good") == 5


def test_a_crash_in_one_member_is_reported_and_the_others_go_on(
    oai_server: str, store: Store, monkeypatch
) -> None:
    # A bug (not a HarvestError) is a fault no real server can be made to show: patch it in.
    import harvester.mapper as mapper

    real = mapper.map_record

    def crash_for_one(**kwargs):  # noqa: ANN003, ANN202
        if kwargs["library"] == "good":
            raise ZeroDivisionError("a bug")
        return real(**kwargs)

    monkeypatch.setattr(mapper, "map_record", crash_for_one)
    libraries = [_library(oai_server, "good"), _library(_other_host(oai_server), "clean")]

    summaries = harvest_libraries(libraries, store, FAST)

    assert not summaries[0].ok and "ZeroDivisionError: a bug" in (summaries[0].error or "")
    assert summaries[1].ok, summaries[1].error
    assert store.last_harvests()["good"].error == summaries[0].error


def test_the_gate_lets_one_request_through_at_a_time() -> None:
    gate = HostGate(0.0)
    inside = 0
    most = 0
    lock = threading.Lock()

    def request() -> None:
        nonlocal inside, most
        with gate.turn():
            with lock:
                inside += 1
                most = max(most, inside)
            threading.Event().wait(0.01)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=request) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1


def test_each_thread_uses_its_own_store_connection(oai_server: str, tmp_path: Path) -> None:
    other = _other_host(oai_server)
    with Store.open(tmp_path / "catalog.sqlite") as store:
        summaries = harvest_libraries(
            [_library(oai_server, "good"), _library(other, "clean")], store, FAST
        )
        assert all(s.ok for s in summaries)
        assert set(store.count_by_library()) == {"good", "clean"}
