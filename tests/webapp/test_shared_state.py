"""The state the web server's processes share: failed logins and the dashboard's harvests.

Two objects on one file stand for two server processes; a real separate Python process stands
for a server process that stops while its harvest runs. Harvests are real child processes.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask

from config.settings import Settings
from tests.webapp.conftest import LIBRARIES
from tests.webapp.test_admin import PASSWORD_HASH, csrf_of, log_in
from webapp import create_app
from webapp.admin_jobs import HarvestJobs, settings_environment
from webapp.auth import LoginThrottle
from webapp.shared_state import SharedState, SharedStateError

# A harvest stand-in: waits until its release file exists (60 s at most), then exits.
CHILD = (
    "import os, sys, time\n"
    "deadline = time.monotonic() + 60\n"
    "while not os.path.exists(sys.argv[1]) and time.monotonic() < deadline:\n"
    "    time.sleep(0.02)\n"
    "print('[cantho] harvested: 3 records so far', flush=True)\n"
    "sys.exit(int(sys.argv[2]))\n"
)

# A server process that starts a harvest, says the child's PID, then waits for a line on stdin
# (or for SIGKILL) before it exits without waiting for the child.
SERVER = (
    "import sys\n"
    "from config.settings import load_settings\n"
    "from webapp.admin_jobs import HarvestJobs\n"
    "jobs = HarvestJobs(load_settings(), command=lambda code: sys.argv[1:])\n"
    "job, started = jobs.start('cantho')\n"
    "print(job.pid, started, flush=True)\n"
    "sys.stdin.readline()\n"
)


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The webapp fixtures' settings, with the dashboard on and a harvest log folder."""
    return replace(
        settings, admin_password_hash=PASSWORD_HASH, harvest_log_dir=tmp_path / "harvest-logs"
    )


@pytest.fixture
def release(tmp_path: Path) -> Iterator[Path]:
    """The file whose creation ends the CHILD harvests; made at the end in any case."""
    path = tmp_path / "release"
    yield path
    path.touch()


def harvest_until(release: Path, exit_code: int = 0) -> Callable[[str], list[str]]:
    return lambda code: [sys.executable, "-c", CHILD, str(release), str(exit_code)]


def until(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def failure_rows(path: Path) -> list[tuple[str, float]]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT key, failed_at FROM login_failures ORDER BY failed_at")
        found = rows.fetchall()
    db.close()
    return found


# -- failed logins -----------------------------------------------------------------------


def test_two_throttles_on_one_file_see_each_others_failures(tmp_path: Path) -> None:
    now = [1_700_000_000.0]
    path = tmp_path / "web-state.sqlite"
    first = LoginThrottle(SharedState(path), max_failures=3, window=60, clock=lambda: now[0])
    second = LoginThrottle(SharedState(path), max_failures=3, window=60, clock=lambda: now[0])

    first.fail("address:10.0.0.1", "user:admin")
    second.fail("address:10.0.0.2", "user:admin")
    assert first.retry_after("user:admin") == second.retry_after("user:admin") == 0
    now[0] += 10
    first.fail("address:10.0.0.3", "user:admin")
    assert second.retry_after("address:10.0.0.9", "user:admin") == 50  # the first expires
    assert second.retry_after("address:10.0.0.1") == 0

    now[0] += 50
    assert first.retry_after("user:admin") == second.retry_after("user:admin") == 0


def test_forget_clears_the_failures_for_every_process(tmp_path: Path) -> None:
    path = tmp_path / "web-state.sqlite"
    first = LoginThrottle(SharedState(path), max_failures=1, window=900)
    second = LoginThrottle(SharedState(path), max_failures=1, window=900)
    first.fail("address:10.0.0.1", "user:admin")
    assert 899 < second.retry_after("user:admin") <= 900  # wall-clock time by default

    second.forget("address:10.0.0.1", "user:admin")
    assert first.retry_after("address:10.0.0.1", "user:admin") == 0
    assert failure_rows(path) == []


def test_failures_past_the_window_are_pruned_so_the_table_stays_small(tmp_path: Path) -> None:
    now = [1_700_000_000.0]
    path = tmp_path / "web-state.sqlite"
    throttle = LoginThrottle(SharedState(path), max_failures=5, window=60, clock=lambda: now[0])
    for number in range(200):  # a failure every 10 s, from a new address each time
        throttle.fail(f"address:10.0.{number // 250}.{number % 250}", "user:admin")
        now[0] += 10

    rows = failure_rows(path)
    assert len(rows) == 2 * 6  # an address and the user name per failure of the last minute
    assert min(failed_at for _key, failed_at in rows) > now[0] - 10 - 60


def test_a_login_limit_reached_in_one_server_process_holds_in_the_other(
    settings: Settings,
) -> None:
    apps = [create_app(settings, libraries=LIBRARIES) for _ in range(2)]
    try:
        for number in range(settings.admin_login_max_failures):
            client = apps[number % 2].test_client()
            assert "Sai tên đăng nhập" in log_in(client, password="sai")
        client = apps[1].test_client()
        token = csrf_of(client.get("/admin/login").text)
        response = client.post(
            "/admin/login", data={"username": "admin", "password": "x", "csrf_token": token}
        )
        assert response.status_code == 429
    finally:
        for app in apps:
            app.extensions["unioncat"].search_index.close()


def test_a_state_file_in_a_folder_that_cannot_be_made_names_the_setting(
    settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "not-a-folder").write_text("a file where the folder should be")
    broken = replace(settings, web_state_path=tmp_path / "not-a-folder" / "web-state.sqlite")
    with pytest.raises(SharedStateError, match=r"^web_state_path: .*not-a-folder"):
        create_app(broken, libraries=LIBRARIES)  # the server does not start


def test_a_corrupt_state_file_names_the_setting_and_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "web-state.sqlite"
    path.write_bytes(b"this is no SQLite database, but it is long enough to look like one " * 4)
    throttle = LoginThrottle(SharedState(path), max_failures=5, window=60)
    with pytest.raises(SharedStateError, match="web_state_path") as caught:
        throttle.fail("user:admin")
    assert "not a database" in str(caught.value) and "delete it" in str(caught.value)


# -- the dashboard's harvests ------------------------------------------------------------


@pytest.mark.parametrize(("exit_code", "state"), [(0, "succeeded"), (1, "failed")])
def test_a_harvest_started_in_one_process_runs_once_and_ends_for_both(
    settings: Settings, release: Path, exit_code: int, state: str
) -> None:
    first = HarvestJobs(settings, command=harvest_until(release, exit_code))
    second = HarvestJobs(settings, command=harvest_until(release))
    try:
        job, started = first.start("cantho")
        assert started and job.state == "running"
        assert second.jobs()["cantho"].state == "running"
        assert second.jobs()["cantho"].pid == job.pid

        again, started = second.start("cantho")
        assert not started
        assert (again.pid, again.log_path, again.state) == (job.pid, job.log_path, "running")
    finally:
        release.touch()
        first.wait(20)
    for jobs in (first, second):
        ended = jobs.jobs()["cantho"]
        assert (ended.state, ended.exit_code) == (state, exit_code)
        assert ended.finished_at is not None and ended.finished_at >= ended.started_at
        assert ended.records_so_far() == (3, None)


def test_a_killed_harvest_shows_failed_with_its_signal_in_both(
    settings: Settings, release: Path
) -> None:
    first = HarvestJobs(settings, command=harvest_until(release))
    second = HarvestJobs(settings, command=harvest_until(release))
    job, _ = first.start("cantho")
    os.kill(job.pid, signal.SIGKILL)
    first.wait(20)
    for jobs in (first, second):
        ended = jobs.jobs()["cantho"]
        assert (ended.state, ended.exit_code) == ("failed", -signal.SIGKILL)


@pytest.mark.parametrize("server_ends", ["exits", "is killed"])
def test_a_harvest_that_outlives_its_server_process_shows_ended_and_blocks_nothing(
    app: Flask, settings: Settings, release: Path, tmp_path: Path, server_ends: str
) -> None:
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, *harvest_until(release, 1)("cantho")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, **settings_environment(settings)},
        cwd=tmp_path,
        text=True,
    )
    jobs: HarvestJobs = app.extensions["unioncat_jobs"]
    jobs.command = harvest_until(release)
    try:
        assert server.stdout is not None and server.stdin is not None
        pid, started = server.stdout.readline().split()
        assert started == "True"
        assert jobs.jobs()["cantho"].state == "running"
        if server_ends == "exits":
            server.stdin.write("stop\n")
            server.stdin.flush()
        else:
            server.kill()
        server.wait(20)

        job = jobs.jobs()["cantho"]
        assert (job.pid, job.state) == (int(pid), "running")  # the child outlived its server
        assert not jobs.start("cantho")[1]

        release.touch()
        until(lambda: jobs.jobs()["cantho"].state != "running")
        job = jobs.jobs()["cantho"]
        assert (job.state, job.exit_code, job.finished_at) == ("ended", None, None)

        client = app.test_client()
        page = log_in(client)
        assert 'data-state="ended"' in page
        assert "Đã kết thúc; không ghi nhận được kết quả, xem nhật ký thu thập" in page
        progress = client.get("/admin/api/progress").get_json()
        assert progress["running"] == []
        assert progress["jobs"][0]["state"] == "ended"
        assert progress["jobs"][0]["output"] == ["[cantho] harvested: 3 records so far"]

        job, started_again = jobs.start("cantho")  # the ended job blocks no new one
        assert started_again
        jobs.wait(20)
        assert jobs.jobs()["cantho"].state == "succeeded"
    finally:
        release.touch()
        if server.poll() is None:
            server.kill()
        server.communicate(timeout=20)
