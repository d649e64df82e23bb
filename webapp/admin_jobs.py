"""Harvests started from the dashboard: ``unioncat harvest CODE`` as a background subprocess.

A web request never harvests in-process (and the web app never imports the harvester): it
starts the command-line harvest with the app's own settings in its environment, and its output
goes to a file under ``harvest_log_dir`` that the progress view reads.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

from config.settings import ENV_PREFIX, Settings

TAIL_BYTES = 4096
_SO_FAR = re.compile(r": (\d+)(?: of (\d+))? records so far")


def harvest_command(code: str) -> list[str]:
    """Return the command that harvests ``code``: the ``unioncat`` script beside this Python.

    Raises FileNotFoundError when there is none (the project is not installed).
    """
    script = Path(sys.executable).with_name("unioncat")
    found = str(script) if script.is_file() else shutil.which("unioncat")
    if found is None:
        raise FileNotFoundError(
            f"no `unioncat` command beside {sys.executable} or on PATH; install the project "
            "(pip install .) into the environment that runs the web app"
        )
    return [found, "harvest", "--page-lines", code]  # its last page line is the progress


def settings_environment(settings: Settings) -> dict[str, str]:
    """Return ``UNIONCAT_*`` variables that give a subprocess this app's settings.

    Secrets stay out (the subprocess does not need them) and so do values that
    ``load_settings`` cannot read back from a string.
    """
    variables = {}
    for setting in fields(Settings):
        value = getattr(settings, setting.name)
        if any(word in setting.name for word in ("secret", "password")):
            continue
        if isinstance(value, bool) or not isinstance(value, Path | int | float | str):
            continue
        if isinstance(value, Path) and not str(value):
            continue
        variables[ENV_PREFIX + setting.name.upper()] = str(value)
    return variables


@dataclass(slots=True)
class HarvestJob:
    """One harvest the dashboard started; ``poll`` updates it from the process."""

    library: str
    log_path: Path
    started_at: datetime
    process: subprocess.Popen[bytes]
    finished_at: datetime | None = None
    exit_code: int | None = None

    def poll(self) -> None:
        """Notice (and reap) a finished process."""
        if self.exit_code is None:
            code = self.process.poll()
            if code is not None:
                self.exit_code = code
                self.finished_at = datetime.now(UTC).replace(microsecond=0)

    @property
    def state(self) -> str:
        """``running``, ``succeeded`` or ``failed`` (exit status 1: a library failed)."""
        if self.exit_code is None:
            return "running"
        return "succeeded" if self.exit_code == 0 else "failed"

    def tail(self, lines: int = 8) -> list[str]:
        """Return the last ``lines`` lines of the harvest's output (at most TAIL_BYTES)."""
        try:
            with open(self.log_path, "rb") as handle:
                handle.seek(max(0, handle.seek(0, os.SEEK_END) - TAIL_BYTES))
                text = handle.read().decode("utf-8", errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if line.strip()][-lines:]

    def records_so_far(self) -> tuple[int, int | None] | None:
        """Return (records so far, list size if the member gave one) from the last progress line."""
        for line in reversed(self.tail(40)):
            match = _SO_FAR.search(line)
            if match:
                return int(match[1]), int(match[2]) if match[2] else None
        return None


@dataclass(slots=True)
class HarvestJobs:
    """The dashboard's harvests in this process: at most one running per library."""

    settings: Settings
    command: Callable[[str], list[str]] = harvest_command
    _jobs: dict[str, HarvestJob] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, code: str) -> tuple[HarvestJob, bool]:
        """Start harvesting ``code`` unless it already runs; return (its job, whether new).

        Raises OSError when the log folder cannot be written or the command cannot start.
        """
        with self._lock:
            current = self._jobs.get(code)
            if current is not None:
                current.poll()
                if current.state == "running":
                    return current, False
            command = self.command(code)
            started = datetime.now(UTC).replace(microsecond=0)
            folder = Path(self.settings.harvest_log_dir)
            folder.mkdir(parents=True, exist_ok=True)
            log_path = folder / f"{code}-{started:%Y%m%dT%H%M%SZ}.log"
            environment = {**os.environ, **settings_environment(self.settings)}
            with open(log_path, "ab") as log_file:  # the child keeps its own descriptor
                process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    env=environment,
                )
            job = HarvestJob(library=code, log_path=log_path, started_at=started, process=process)
            self._jobs[code] = job
            return job, True

    def jobs(self) -> dict[str, HarvestJob]:
        """Return the latest job of each library, polled."""
        with self._lock:
            for job in self._jobs.values():
                job.poll()
            return dict(self._jobs)

    def wait(self, timeout: float | None = None) -> None:
        """Wait for every running job to end (tests and shutdown); raises TimeoutExpired."""
        for job in self.jobs().values():
            job.process.wait(timeout)
            job.poll()
