"""`unioncat schedule`: runs on its trigger, never two at once, stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from config.settings import Settings
from operations.schedule import next_run_time
from tests.operations.conftest import MakeConfig, finish, unioncat


def _runs(catalog: Path) -> int:
    """Harvest runs recorded so far (one per member per run)."""
    if not catalog.exists():
        return 0
    with closing(sqlite3.connect(catalog)) as db:
        try:
            return int(db.execute("SELECT COUNT(*) FROM harvest_runs").fetchone()[0])
        except sqlite3.OperationalError:  # the first run is creating the tables
            return 0


def test_schedule_runs_twice_without_overlap_and_stops_on_sigterm(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    config = make_config("lag")
    child = unioncat(config, "schedule", "--every-seconds", "2", log_format="json")
    try:
        deadline = time.monotonic() + 20
        while _runs(tmp_path / "catalog.sqlite") < 2:
            assert child.poll() is None, finish(child)
            assert time.monotonic() < deadline, "two scheduled runs did not happen in 20 s"
            time.sleep(0.1)
        child.send_signal(signal.SIGTERM)
    finally:
        code, out, err = finish(child)

    assert code == 0, out + err
    assert "Schedule stopped." in out
    lines = [json.loads(line) for line in err.splitlines()]
    starts = [line["ts"] for line in lines if line["message"].startswith("run started")]
    ends = [line["ts"] for line in lines if line["message"].startswith("run finished")]
    assert len(starts) >= 2 and len(ends) == len(starts)
    for (start, end), next_start in zip(zip(starts, ends, strict=True), starts[1:], strict=False):
        assert start < end <= next_start  # each run ends before the next begins


def test_next_run_is_at_0130_in_ho_chi_minh_by_default() -> None:
    after = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)  # 19:00 in Ho Chi Minh City

    fire = next_run_time(Settings(), after)

    assert fire is not None
    assert fire.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).isoformat() == "2025-06-02T01:30:00+07:00"
