"""The run lock: one holder at a time, a named holder in the refusal, dead holders taken over."""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path

import pytest

from operations.lock import RunLockError, read_holder, run_lock
from tests.operations.conftest import hold_lock


def test_a_second_run_is_refused_with_the_holders_pid_and_start(tmp_path: Path) -> None:
    path = tmp_path / "unioncat.lock"
    child = hold_lock(path, 30)
    try:
        with pytest.raises(RunLockError) as caught, run_lock(path, wait=0):
            pass
    finally:
        child.kill()
        child.communicate()
    message = str(caught.value)
    assert f"PID {child.pid} ('holder'), started 20" in message
    assert "set run_lock_wait" in message
    assert caught.value.holder is not None and caught.value.holder.pid == child.pid


def test_a_second_run_waits_for_the_first_to_finish(tmp_path: Path) -> None:
    path = tmp_path / "unioncat.lock"
    child = hold_lock(path, 0.5)
    try:
        started = time.monotonic()
        with run_lock(path, wait=10) as holder:
            waited = time.monotonic() - started
            assert holder.pid == os.getpid()
            assert child.wait(5) == 0  # the first run had ended: the lock was free
    finally:
        child.communicate()
    assert 0.2 < waited < 5
    assert path.read_text() == ""  # released cleanly: nothing for the next run to take over


def test_a_lock_left_by_a_killed_run_is_taken_over_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "unioncat.lock"
    child = hold_lock(path, 30)
    child.send_signal(signal.SIGKILL)
    child.communicate()
    dead = read_holder(path)
    assert dead is not None and dead.pid == child.pid and not dead.is_alive

    with caplog.at_level(logging.WARNING, logger="operations.lock"), run_lock(path) as holder:
        assert read_holder(path) == holder

    assert f"took over from PID {child.pid} ('holder')" in caplog.text
    assert "no longer running" in caplog.text


def test_a_holder_from_an_earlier_boot_is_not_alive(tmp_path: Path) -> None:
    path = tmp_path / "unioncat.lock"
    path.write_text(
        f'{{"pid": {os.getpid()}, "started_at": "2025-01-01T00:00:00+00:00", '
        '"command": "unioncat run", "boot_id": "another-boot"}'
    )
    holder = read_holder(path)
    assert holder is not None and not holder.is_alive  # our own PID, but not this boot's
