"""`unioncat run` as a real process: kill -9, two at once, a clean stop on SIGTERM (during the
harvest and during the index update)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from catalog.store import Store
from index.search import SearchIndex
from tests.factories import make_record
from tests.oai_server import ReplayHandler
from tests.operations.conftest import MakeConfig, finish, unioncat

GOOD_IDS = ["oai:good:1", "oai:good:2", "oai:good:3", "oai:good:5", "oai:good:6"]


def _verbs(library: str) -> list[str]:
    return [
        params.get("resumptionToken", params.get("verb", ""))
        for params in ReplayHandler.requests_to(library)
    ]


def _wait_for(library: str, verb: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while verb not in _verbs(library):
        assert time.monotonic() < deadline, f"no {verb} request to /{library}/ yet"
        time.sleep(0.02)


def _ids(catalog: Path, library: str) -> list[str]:
    with Store.open(catalog) as store:
        return sorted(stored.record.oai_id for stored in store.select(library=library))


def test_a_run_killed_mid_harvest_leaves_the_lock_to_the_next_run_which_loses_nothing(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    config = make_config("stall", harvest_timeout=30.0)
    child = unioncat(config, "run")
    try:
        _wait_for("stall", "page2")  # page 1 stored; page 2 hangs on the server
        child.send_signal(signal.SIGKILL)
    finally:
        finish(child)
    assert f'"pid": {child.pid}' in (tmp_path / "unioncat.lock").read_text()
    ReplayHandler.forget_requests()

    code, out, err = finish(unioncat(config, "run"))

    assert code == 0, out + err
    assert f"took over from PID {child.pid}" in err
    assert _verbs("stall") == ["Identify", "page2"]  # resumed from the saved token
    assert _ids(tmp_path / "catalog.sqlite", "stall") == GOOD_IDS
    assert "Indexed 4 records, removed 1" in out  # one of the five is a deletion


def test_two_runs_at_once_never_overlap(make_config: MakeConfig, tmp_path: Path) -> None:
    config = make_config("lag", run_lock_wait=30.0)

    first, second = unioncat(config, "run"), unioncat(config, "run")
    results = [finish(first), finish(second)]

    for code, out, err in results:
        assert code == 0, out + err
    assert ReplayHandler.max_in_flight["*/lag"] == 1
    # One whole harvest, then the other: Identify, page 1, page 2, twice over.
    assert _verbs("lag") == ["Identify", "ListRecords", "page2"] * 2
    assert sum("waiting up to 30 s" in err for _, _, err in results) == 1


def test_a_second_run_without_waiting_exits_1_naming_the_holder(
    make_config: MakeConfig,
) -> None:
    config = make_config("stall", harvest_timeout=30.0)
    holder = unioncat(config, "run")
    try:
        _wait_for("stall", "page2")
        code, out, err = finish(unioncat(config, "harvest"))
        index_code, _, index_err = finish(unioncat(config, "index"))
    finally:
        holder.kill()
        finish(holder)

    assert code == 1 and index_code == 1
    assert "Error: another run holds the run lock" in err
    assert f"PID {holder.pid}" in err and "started 20" in err
    assert f"PID {holder.pid}" in index_err


def test_sigterm_finishes_the_page_stops_cleanly_and_the_next_run_resumes(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    config = make_config("lag")
    child = unioncat(config, "run")
    try:
        _wait_for("lag", "ListRecords")  # page 1 is in flight (the server takes 0.2 s)
        child.send_signal(signal.SIGTERM)
    finally:
        code, out, err = finish(child)

    assert code == 0, out + err
    assert "SIGTERM received: finishing the page in flight" in err
    assert "Stopped on request" in out
    assert "page2" not in _verbs("lag")
    assert len(_ids(tmp_path / "catalog.sqlite", "lag")) == 3  # page 1, committed
    assert "lag" in out and "stopped on request, the next run resumes" in out
    assert (tmp_path / "unioncat.lock").read_text() == ""  # released, not left behind
    ReplayHandler.forget_requests()

    code, out, err = finish(unioncat(config, "run"))

    assert code == 0, out + err
    assert "took over" not in err
    assert _verbs("lag") == ["Identify", "page2"]  # the page in flight is not fetched twice
    assert _ids(tmp_path / "catalog.sqlite", "lag") == GOOD_IDS


def test_sigterm_during_the_index_update_stops_after_a_committed_batch_and_the_next_run_ends_it(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    config = make_config("good")
    catalog, index_dir = tmp_path / "catalog.sqlite", tmp_path / "index"
    with Store.open(catalog) as store:  # more than one index batch (2,000 changes) to index
        store.upsert_page([make_record(oai_id=f"oai:test:{n}") for n in range(2010)])
    child = unioncat(config, "run")
    try:
        assert child.stderr is not None
        for line in child.stderr:  # the harvest is done; the first index batch is being written
            if "run: harvest done, updating the index" in line:
                child.send_signal(signal.SIGTERM)
                break
    finally:
        code, out, err = finish(child)

    assert code == 0, out + err
    assert "Stopped on request during the index update; the next run finishes it." in out
    assert "Indexed" not in out
    assert (tmp_path / "unioncat.lock").read_text() == ""  # released
    # Consistent: the index holds exactly the changes up to the mark it wrote, no more, no less.
    indexed_to = int((index_dir / "unioncat-seq").read_text())
    assert indexed_to == 2000
    index = SearchIndex(index_dir)
    try:
        assert index.count() == 2000
    finally:
        index.close()

    code, out, err = finish(unioncat(config, "run"))

    assert code == 0, out + err
    with Store.open(catalog) as store:
        live, last = store.count_by_library(), store.max_seq()
    assert f"catalog change {last}" in out and "took over" not in err
    index = SearchIndex(index_dir)
    try:
        assert index.count() == sum(records for records, _ in live.values())
    finally:
        index.close()
