"""Harvest progress: live bars per member on a real pseudo-terminal, log lines otherwise.

`unioncat harvest` runs in a subprocess against the loopback replay server, as an operator
runs it: once with stderr on a pseudo-terminal (os.openpty), once with stderr on a pipe.
"""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parents[2]
UNIONCAT = Path(sys.executable).parent / "unioncat"
# CSI sequences (colours, cursor moves) and the cursor show/hide private modes.
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def config(tmp_path: Path, oai_server: str) -> Path:
    # Two hosts (127.0.0.1 and localhost), so the two members are harvested at the same time,
    # from two threads. phpbefore's pages give a list size; clean's page does not.
    members = {"phpbefore": oai_server, "clean": oai_server.replace("127.0.0.1", "localhost")}
    registry = tmp_path / "libraries.toml"
    registry.write_text(
        "".join(
            f'[[library]]\ncode = "{code}"\nname_vi = "Thư viện {code}"\nname_en = "{code}"\n'
            f'province = "Cần Thơ"\nendpoint = "{base}/{code}/oai"\nenabled = true\n\n'
            for code, base in members.items()
        ),
        encoding="utf-8",
    )
    settings = tmp_path / "settings.toml"
    settings.write_text(
        f'catalog_path = "{tmp_path / "catalog.sqlite"}"\n'
        f'index_dir = "{tmp_path / "index"}"\n'
        f'registry_path = "{registry}"\n'
        f'run_lock_path = "{tmp_path / "unioncat.lock"}"\n'
        "harvest_timeout = 5\nharvest_max_retries = 0\nharvest_polite_delay = 0\n",
        encoding="utf-8",
    )
    return settings


def _environment() -> dict[str, str]:
    variables = {k: v for k, v in os.environ.items() if not k.startswith("UNIONCAT_")}
    return {**variables, "TERM": "xterm-256color", "PYTHONUNBUFFERED": "1"}


def _harvest_on_a_terminal(config: Path) -> tuple[int, str, str]:
    """Run `unioncat harvest` with stderr on a pseudo-terminal; return status, tty, stdout."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen(
        [str(UNIONCAT), "--config", str(config), "harvest"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
        env=_environment(),
    )
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        stdout, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
    return process.returncode, b"".join(chunks).decode("utf-8", "replace"), stdout.decode()


def test_a_terminal_shows_a_live_bar_per_member_with_the_list_size(config: Path) -> None:
    status, terminal, stdout = _harvest_on_a_terminal(config)

    assert status == 0, terminal + stdout
    assert "\x1b[?25l" in terminal  # the live display hides the cursor while it redraws
    text = _ANSI.sub("", terminal).replace("\r", "\n")
    # phpbefore's pages say completeListSize="2"; clean's say nothing, so its bar is filled
    # by what came when the list ended.
    assert re.search(r"phpbefore\s+[━╸╺]+\s+2/2 records\s+done", text), text
    assert re.search(r"clean\s+[━╸╺]+\s+2/2 records\s+done", text), text
    # Each page is drawn as it is committed, with the request it came from.
    assert re.search(r"phpbefore\s+[━╸╺]+\s+1/2 records\s+ListRecords page 1", text), text
    assert re.search(r"clean\s+[━╸╺]+\s+0/\? records\s+waiting", text), text
    # Log lines still reach the terminal, whole, above the bars.
    assert re.search(r"INFO harvester\.run: \[phpbefore\] done: 2 pages, 2 stored", text), text
    assert "records so far" not in text
    assert "phpbefore  2 pages, 2 stored, 0 deleted, 0 skipped — ok" in stdout


def _harvest_on_a_pipe(config: Path, *options: str) -> tuple[int, str, str]:
    process = subprocess.run(
        [str(UNIONCAT), "--config", str(config), *options, "harvest"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=_environment(),
        timeout=60,
        check=False,
    )
    return process.returncode, process.stderr.decode(), process.stdout.decode()


def test_without_a_terminal_pages_are_logged_at_debug_and_members_at_info(
    config: Path, tmp_path: Path
) -> None:
    status, stderr, stdout = _harvest_on_a_pipe(config)

    assert status == 0, stderr + stdout
    assert "\x1b[" not in stderr and "━" not in stderr
    assert "so far" not in stderr  # no line per page
    summaries = [line for line in stderr.splitlines() if "] done:" in line]
    assert len(summaries) == 2 and all(" INFO harvester.run: [" in s for s in summaries)

    (tmp_path / "catalog.sqlite").unlink()
    status, stderr, _ = _harvest_on_a_pipe(config, "-v")

    assert status == 0, stderr
    pages = [line.split(" DEBUG ", 1)[-1] for line in stderr.splitlines() if "so far," in line]
    assert sorted(pages) == [  # the two members' threads interleave
        "harvester.run: [clean] ListRecords page 1: 2 records, 2 so far, 2 stored or deleted",
        "harvester.run: [phpbefore] ListRecords page 1: 1 records, 1 of 2 so far, 1 stored or "
        "deleted",
        "harvester.run: [phpbefore] ListRecords page 2: 1 records, 2 of 2 so far, 1 stored or "
        "deleted",
    ]


def test_page_lines_are_printed_on_request_for_programs_that_follow_the_output(
    config: Path,
) -> None:
    result = CliRunner().invoke(main, ["--config", str(config), "-q", "harvest", "--page-lines"])

    assert result.exit_code == 0, result.output
    assert "[phpbefore] ListRecords page 1: 1 of 2 records so far" in result.output
    assert "[phpbefore] ListRecords page 2 (resumed)" not in result.output
    assert "[phpbefore] ListRecords page 2: 2 of 2 records so far" in result.output
    assert "[clean] ListRecords page 1: 2 records so far" in result.output
