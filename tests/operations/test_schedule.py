"""`unioncat schedule`: each schedule runs on its trigger, never two runs at once, a run due
while another process holds the lock is skipped, SIGTERM stops cleanly; status shows it all."""

from __future__ import annotations

import json
import logging
import signal
import sqlite3
import threading
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from click.testing import CliRunner

from catalog.errors import ConfigError
from cli import main
from config.registry import load_registry
from config.settings import Settings, load_settings
from operations.runs import StopFlag, run_once
from operations.schedule import Group, next_run_time, plan_groups, run_schedule
from tests.factories import make_library
from tests.operations.conftest import MakeConfig, finish, hold_lock, unioncat


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


def _runs_of(catalog: Path) -> dict[str, int]:
    """Harvest runs recorded so far per member."""
    if not catalog.exists():
        return {}
    with closing(sqlite3.connect(catalog)) as db:
        try:
            rows = db.execute("SELECT library, COUNT(*) FROM harvest_runs GROUP BY library")
            return {library: int(count) for library, count in rows}
        except sqlite3.OperationalError:  # the first run is creating the tables
            return {}


def _registry(tmp_path: Path, cron: str) -> Path:
    path = tmp_path / "libraries.toml"
    path.write_text(
        '[[library]]\ncode = "cantho"\nname_vi = "Thư viện Cần Thơ"\nname_en = "Can Tho"\n'
        f'province = "Cần Thơ"\nschedule_cron = "{cron}"\n',
        encoding="utf-8",
    )
    return path


def test_a_members_own_schedule_is_read_from_the_registry(tmp_path: Path) -> None:
    (library,) = load_registry(_registry(tmp_path, "0 3 * * 1-5"))

    assert library.schedule_cron == "0 3 * * 1-5"


@pytest.mark.parametrize(
    ("cron", "fault"),
    [
        ("0 25 * * *", "hour field '25': 25 is not in 0-23"),
        ("every night", "2 field(s) instead of 5"),
        ("0 3 * * funday", "day of week field 'funday': unknown value 'funday'"),
        ("0 3 31-1 * *", "day of month field '31-1': empty range '31-1'"),
    ],
)
def test_a_bad_member_schedule_names_the_file_the_entry_and_the_fix(
    tmp_path: Path, cron: str, fault: str
) -> None:
    path = _registry(tmp_path, cron)

    with pytest.raises(ConfigError) as caught:
        load_registry(path)

    message = str(caught.value)
    assert f"{path}: library 'cantho': schedule_cron {cron!r}: {fault}" in message
    assert "expected five cron fields (minute hour day month weekday)" in message


def test_cron_weekdays_and_days_are_read_as_cron_reads_them() -> None:
    saturday = datetime(2025, 5, 31, 12, 0, tzinfo=UTC)
    settings = Settings()

    def next_at(cron: str) -> str:
        fire = next_run_time(settings, saturday, cron=cron)
        assert fire is not None
        return fire.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%a %d %H:%M")

    # APScheduler 3's from_crontab takes 0 for Monday and ANDs the two day fields.
    assert next_at("0 2 * * 0") == "Sun 01 02:00"
    assert next_at("0 2 * * 7") == "Sun 01 02:00"
    assert next_at("0 2 * * 1-5") == "Mon 02 02:00"
    assert next_at("0 2 15 * mon") == "Mon 02 02:00"  # the 15th, or any Monday
    assert next_at("*/20 9 * * sat") == "Sat 07 09:00"


def test_members_are_grouped_by_the_schedule_they_run_on() -> None:
    settings = Settings()
    members = [
        make_library(code="cantho"),
        make_library(code="angiang", schedule_cron="0  3 * * *"),
        make_library(code="camau", schedule_cron="0 3 * * *"),
        make_library(code="kiengiang", schedule_cron="30 1 * * *"),  # the common one, written out
        make_library(code="soctrang", enabled=False, schedule_cron="0 4 * * *"),
    ]

    groups = plan_groups(settings, members)

    assert [(group.cron, group.codes, group.own) for group in groups] == [
        ("30 1 * * *", ("cantho", "kiengiang"), False),
        ("0 3 * * *", ("angiang", "camau"), True),
    ]


def test_status_json_gives_each_member_its_own_next_run_and_the_lock(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    config = make_config("good", "lag", schedules={"lag": "0 3 * * *"})

    result = CliRunner().invoke(main, ["--config", str(config), "status", "--json"])

    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    rows = {row["code"]: row for row in document["libraries"]}
    assert rows["good"]["next_run"] == document["next_run"]
    assert rows["good"]["schedule_cron"] == "30 1 * * *" and not rows["good"]["own_schedule"]
    assert rows["lag"]["next_run"].endswith("T03:00:00+07:00")
    assert rows["lag"]["schedule_cron"] == "0 3 * * *" and rows["lag"]["own_schedule"]
    assert document["lock"] == {
        "path": str(tmp_path / "unioncat.lock"),
        "held": False,
        "stale": False,
        "pid": None,
        "command": None,
        "since": None,
    }
    text = CliRunner().invoke(main, ["--config", str(config), "status"]).output
    assert "Run lock: free" in text
    assert "own schedule '0 3 * * *', next run 20" in text


def test_status_names_the_run_holding_the_lock_now(make_config: MakeConfig, tmp_path: Path) -> None:
    config = make_config("good")
    holder = hold_lock(tmp_path / "unioncat.lock", 30)
    try:
        result = CliRunner().invoke(main, ["--config", str(config), "status", "--json"])
        text = CliRunner().invoke(main, ["--config", str(config), "status"]).output
    finally:
        holder.kill()
        holder.communicate()
    after = CliRunner().invoke(main, ["--config", str(config), "status", "--json"]).output

    lock = json.loads(result.output)["lock"]
    assert lock["held"] and lock["pid"] == holder.pid and lock["command"] == "holder"
    assert lock["since"].startswith("20")
    assert f"Run lock: held by PID {holder.pid} ('holder'), since 20" in text
    # Killed: the file still names it, but nothing holds the lock; the next run takes it over.
    assert json.loads(after)["lock"]["held"] is False
    assert json.loads(after)["lock"]["stale"] is True


def _log(err: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_each_schedule_runs_its_own_members_then_the_index_one_run_at_a_time(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    config = make_config("good", "lag", schedules={"lag": "0 3 * * *"})
    child = unioncat(config, "schedule", "--every-seconds", "2", log_format="json")
    try:
        deadline = time.monotonic() + 30
        while min(_runs_of(tmp_path / "catalog.sqlite").values(), default=0) < 2 or (
            len(_runs_of(tmp_path / "catalog.sqlite")) < 2
        ):
            assert child.poll() is None, finish(child)
            assert time.monotonic() < deadline, "both schedules did not run twice in 30 s"
            time.sleep(0.1)
        child.send_signal(signal.SIGTERM)
    finally:
        code, out, err = finish(child)

    assert code == 0, out + err
    assert "Scheduled good (30 1 * * *, Asia/Ho_Chi_Minh)" in out
    assert "Scheduled lag (0 3 * * *, Asia/Ho_Chi_Minh)" in out
    messages = [line["message"] for line in _log(err)]
    runs: list[list[str]] = []  # the messages of each run, in order
    inside = False
    for message in messages:
        if message.startswith("run started"):
            assert not inside, "a run started before the last one finished"
            inside = True
            runs.append([])
        if inside:
            runs[-1].append(message)
        if message.startswith("run finished"):
            inside = False
    finished = [run for run in runs if run[-1].startswith("run finished")]
    members = [run[0].rsplit(": ", 1)[1] for run in finished]
    assert members.count("good") >= 2 and members.count("lag") >= 2  # one group per run
    for run in finished:
        if not run[-1].startswith("run finished: 0 members"):
            index = [n for n, m in enumerate(run) if m.startswith("index: ")]
            harvested = [n for n, m in enumerate(run) if m.startswith("run: harvest done")]
            assert harvested and index and harvested[0] < index[0]  # harvest, then index


def test_each_schedule_fires_on_its_own_trigger(make_config: MakeConfig, tmp_path: Path) -> None:
    config = make_config("good", "lag", schedules={"lag": "0 3 * * *"})
    settings = load_settings(config, environ={})
    libraries = load_registry(settings.registry_path)
    lag_at = datetime.now(UTC) + timedelta(seconds=2.5)
    triggers: dict[str, BaseTrigger] = {
        "30 1 * * *": IntervalTrigger(seconds=1),
        "0 3 * * *": DateTrigger(lag_at),
    }
    started: dict[str, list[datetime]] = {"good": [], "lag": []}
    stop = StopFlag()

    def job(flag: StopFlag, group: Group) -> None:
        for code in group.codes:
            started[code].append(datetime.now(UTC))
        members = [library for library in libraries if library.code in group.codes]
        run_once(settings, members, stop=flag)

    thread = threading.Thread(
        target=run_schedule,
        args=(job, lambda: plan_groups(settings, libraries), stop),
        kwargs={"trigger_for": lambda group: triggers[group.cron]},
    )
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while len(started["good"]) < 4 or not started["lag"]:
            assert time.monotonic() < deadline, f"schedules did not fire: {started}"
            time.sleep(0.05)
    finally:
        stop.set("test over")
        thread.join(30)

    assert len(started["lag"]) == 1 and started["lag"][0] >= lag_at - timedelta(seconds=0.05)
    assert _runs_of(tmp_path / "catalog.sqlite")["lag"] == 1
    assert _runs_of(tmp_path / "catalog.sqlite")["good"] >= 4


def test_a_run_due_while_another_process_holds_the_lock_waits_then_is_skipped_until_next_time(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    config = make_config("good", run_lock_wait=0.5)
    holder = hold_lock(tmp_path / "unioncat.lock", 3)
    child = unioncat(config, "schedule", "--every-seconds", "1", log_format="json")
    try:
        deadline = time.monotonic() + 30
        while not _runs_of(tmp_path / "catalog.sqlite"):
            assert child.poll() is None, finish(child)
            assert time.monotonic() < deadline, "no run after the holder let the lock go"
            time.sleep(0.1)
        child.send_signal(signal.SIGTERM)
    finally:
        holder.kill()
        holder.communicate()
        code, out, err = finish(child)

    assert code == 0, out + err
    skips = [
        line
        for line in _log(err)
        if line["level"] == "WARNING" and "the run of good was skipped" in line["message"]
    ]
    assert skips, err
    message = skips[0]["message"]
    assert (
        f"another run holds the run lock {tmp_path / 'unioncat.lock'}: PID {holder.pid}" in message
    )
    assert "(waited 0.5 s)" in message
    assert "; good run next at 20" in message
    assert "run finished: 1 members harvested, 0 failed" in err


def test_schedules_added_to_the_registry_start_without_a_restart_and_a_bad_one_changes_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    good = Group(cron="30 1 * * *", timezone="UTC", codes=("good",), own=False)
    lag = Group(cron="0 3 * * *", timezone="UTC", codes=("lag",), own=True)
    planned: list[Group] = [good]
    broken = threading.Event()
    fired: list[str] = []
    stop = StopFlag()

    def plan() -> list[Group]:
        if broken.is_set():
            raise ConfigError("libraries.toml: library 'lag': schedule_cron '0 25 * * *': …")
        return list(planned)

    def job(flag: StopFlag, group: Group) -> None:
        fired.append(group.codes[0])

    thread = threading.Thread(
        target=run_schedule,
        args=(job, plan, stop),
        kwargs={"trigger_for": lambda group: IntervalTrigger(seconds=0.3), "replan_every": 0.2},
    )
    with caplog.at_level(logging.INFO, logger="operations.schedule"):
        thread.start()
        try:
            deadline = time.monotonic() + 20
            while "good" not in fired:
                assert time.monotonic() < deadline, "the first schedule never fired"
                time.sleep(0.05)
            assert "lag" not in fired
            planned.append(lag)  # the registry now gives lag a schedule of its own
            while "lag" not in fired:
                assert time.monotonic() < deadline, "the added schedule never fired"
                time.sleep(0.05)
            broken.set()  # then someone saves a broken registry
            time.sleep(0.5)
            count = len(fired)
            while len(fired) < count + 4:  # both schedules keep running
                assert time.monotonic() < deadline, "the schedules stopped after a bad registry"
                time.sleep(0.05)
        finally:
            stop.set("test over")
            thread.join(30)

    assert {"good", "lag"} <= set(fired[count:])
    assert "schedule: lag (0 3 * * *, UTC), next run at" in caplog.text
    assert "keeping the schedules as they were" in caplog.text


def test_a_time_due_while_the_last_run_is_still_going_is_skipped_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    group = Group(cron="30 1 * * *", timezone="UTC", codes=("good",), own=False)
    started: list[float] = []
    stop = StopFlag()

    def job(flag: StopFlag, group: Group) -> None:
        started.append(time.monotonic())
        flag.wait(1.5)  # a run longer than the interval between its times

    thread = threading.Thread(
        target=run_schedule,
        args=(job, lambda: [group], stop),
        kwargs={"trigger_for": lambda group: IntervalTrigger(seconds=0.4)},
    )
    with caplog.at_level(logging.WARNING, logger="operations.schedule"):
        thread.start()
        try:
            deadline = time.monotonic() + 20
            while len(started) < 2:
                assert time.monotonic() < deadline, "the schedule did not run twice"
                time.sleep(0.05)
        finally:
            stop.set("test over")
            thread.join(30)

    assert started[1] - started[0] >= 1.4  # the second run waited for the first to end
    assert "the run of good (30 1 * * *, UTC) due at 20" in caplog.text
    assert "was skipped: its last run is still going" in caplog.text
