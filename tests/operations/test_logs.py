"""The log file: the same lines as stderr, JSON lines on request, rotated by size or logrotate."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from tests.operations.conftest import MakeConfig, finish, unioncat


def test_the_log_file_rotates_at_its_size_and_keeps_json_lines(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    log_file = tmp_path / "logs" / "unioncat.log"  # its folder is made too
    config = make_config("good", log_file=str(log_file), log_max_bytes=1000, log_backups=2)

    code, out, err = finish(unioncat(config, "run", log_format="json", options=("-v",)))

    assert code == 0, out + err
    files = sorted(log_file.parent.iterdir(), reverse=True)  # the oldest first
    assert [path.name for path in files] == ["unioncat.log.2", "unioncat.log.1", "unioncat.log"]
    lines = [line for path in files for line in path.read_text(encoding="utf-8").splitlines()]
    entries = [json.loads(line) for line in lines]  # every line of every file is JSON
    for path in files:  # a line longer than the limit has a file of its own
        text = path.read_text(encoding="utf-8")
        assert len(text.encode()) <= 1000 or text.count("\n") == 1, path
    assert entries[-1]["message"].startswith("run finished")
    # The files hold the newest lines, as stderr has them; the oldest were rotated away.
    assert lines == err.splitlines()[-len(lines) :]
    assert len(err.splitlines()) > len(lines)


def test_with_logrotate_the_file_is_reopened_after_it_is_moved(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    log_file = tmp_path / "unioncat.log"
    config = make_config("good", log_file=str(log_file), log_rotation="logrotate")
    child = unioncat(config, "schedule", "--every-seconds", "1")
    moved = tmp_path / "unioncat.log.1"
    try:
        deadline = time.monotonic() + 30
        while "run finished" not in (log_file.read_text() if log_file.exists() else ""):
            assert child.poll() is None and time.monotonic() < deadline, "no run logged"
            time.sleep(0.1)
        log_file.rename(moved)  # what logrotate does (without copytruncate)
        while "run finished" not in (log_file.read_text() if log_file.exists() else ""):
            assert child.poll() is None and time.monotonic() < deadline, "not logged after move"
            time.sleep(0.1)
        child.send_signal(signal.SIGTERM)
    finally:
        code, out, err = finish(child)

    assert code == 0, out + err
    assert "run started" in moved.read_text() and "run started" in log_file.read_text()
    # Human lines in the file carry their own time stamp, as under journald they would not.
    assert log_file.read_text().splitlines()[-1][:2] == "20"


@pytest.mark.parametrize(
    ("settings", "fault"),
    [
        ({"log_rotation": "daily"}, "log_rotation: expected one of size, logrotate, got 'daily'"),
        ({"log_max_bytes": 0}, "log_max_bytes 0 / log_backups 5: both must be at least 1"),
    ],
)
def test_bad_log_rotation_settings_name_the_setting(
    make_config: MakeConfig, tmp_path: Path, settings: dict[str, object], fault: str
) -> None:
    config = make_config("good", log_file=str(tmp_path / "unioncat.log"), **settings)

    result = CliRunner().invoke(main, ["--config", str(config), "status"])

    assert result.exit_code == 1 and f"Error: {fault}" in result.output


def test_a_log_file_that_cannot_be_written_is_one_clear_error(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    config = make_config("good", log_file=str(tmp_path / "taken" / "unioncat.log"))

    code, out, err = finish(unioncat(config, "run"))

    assert code == 1
    assert f"Error: log_file '{tmp_path / 'taken' / 'unioncat.log'}': cannot open it" in err
    assert "leave log_file empty to log to stderr only" in err
    assert not (tmp_path / "catalog.sqlite").exists()  # nothing ran
