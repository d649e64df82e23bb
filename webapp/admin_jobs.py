"""Harvests started from the dashboard: ``unioncat harvest CODE`` as a background subprocess.

A web request never harvests in-process (and the web app never imports the harvester): it
starts the command-line harvest with the app's own settings in its environment, and its output
goes to a file under ``harvest_log_dir`` that the progress view reads. The server runs in
several processes, and each must see every harvest: the latest job of each member is a row in
the shared state file (``webapp.shared_state``), and a job runs while its child holds an
``flock`` on ``harvest_log_dir/CODE.lock``, which the kernel drops when the child ends, however
it ends.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from config.settings import ENV_PREFIX, Settings
from webapp.shared_state import SharedState, SharedStateError

log = logging.getLogger(__name__)

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


LOCK_WAIT = 0.5  # seconds ``start`` retries a lock that another process is only testing
REAP_WAIT = 5.0  # seconds ``jobs`` waits for this process to record a child that just ended

_COLUMNS = "library, log_path, started_at, pid, finished_at, exit_code"


@dataclass(frozen=True, slots=True)
class HarvestJob:
    """The latest dashboard harvest of one member, as the shared state and its lock show it."""

    library: str
    log_path: Path
    started_at: datetime
    pid: int  # of the `unioncat harvest` child
    finished_at: datetime | None = None
    exit_code: int | None = None  # negative: killed by that signal
    is_running: bool = False  # its child holds the member's lock file

    @property
    def state(self) -> str:
        """``running``, ``succeeded``, ``failed`` (exit status 1: a library failed), or
        ``ended``: the child ended after the server process that started it, so no process
        saw its exit status (its output tells how it went)."""
        if self.exit_code is not None:
            return "succeeded" if self.exit_code == 0 else "failed"
        return "running" if self.is_running else "ended"

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


@dataclass(frozen=True, slots=True)
class _Child:
    """A harvest this process started, and the thread that records how it ends."""

    library: str
    process: subprocess.Popen[bytes]
    reaper: threading.Thread


@dataclass(slots=True)
class HarvestJobs:
    """The dashboard's harvests of every server process: at most one running per member.

    The process that starts a job reaps its child and records its exit status; any process
    can read every job. Objects on the same ``web_state_path`` and ``harvest_log_dir`` see
    the same jobs.
    """

    settings: Settings
    command: Callable[[str], list[str]] = harvest_command
    _state: SharedState = field(init=False)
    _children: dict[str, _Child] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._state = SharedState(self.settings.web_state_path)

    def start(self, code: str) -> tuple[HarvestJob, bool]:
        """Start harvesting ``code`` unless it already runs; return (its job, whether new).

        Raises OSError when the log folder cannot be written or the command cannot start,
        and SharedStateError when the shared state file cannot be.
        """
        job, process = self._start_recorded(code)
        if process is None:
            return job, False
        reaper = threading.Thread(
            target=self._reap, args=(job, process), name=f"harvest-{code}-reaper", daemon=True
        )
        with self._lock:
            self._children[code] = _Child(library=code, process=process, reaper=reaper)
        reaper.start()
        return job, True

    def _start_recorded(self, code: str) -> tuple[HarvestJob, subprocess.Popen[bytes] | None]:
        """Start ``code``'s child and record its job, or return the running job and None."""
        folder = Path(self.settings.harvest_log_dir)
        folder.mkdir(parents=True, exist_ok=True)
        lock_path = self._lock_path(code)
        spawned: tuple[HarvestJob, subprocess.Popen[bytes]] | None = None
        try:
            # BEGIN IMMEDIATE: a start in another process waits here until this one is recorded.
            with self._state.transaction() as db:
                row = db.execute(
                    f"SELECT {_COLUMNS} FROM harvest_jobs WHERE library = ?", (code,)
                ).fetchone()
                lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
                try:
                    if not _take_lock(lock_fd):
                        if row is None:
                            raise OSError(
                                f"a harvest of {code} holds {lock_path}, but "
                                f"{self.settings.web_state_path} has no record of it; wait "
                                "until it ends"
                            )
                        return _job(row, is_running=True), None
                    spawned = self._spawn(code, lock_fd)
                finally:
                    os.close(lock_fd)  # the child's copy keeps the lock
                job = spawned[0]
                db.execute(
                    f"INSERT OR REPLACE INTO harvest_jobs ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                    (code, str(job.log_path), job.started_at.isoformat(), job.pid, None, None),
                )
        except BaseException:
            if spawned is not None:  # not recorded: no process could see it or stop it
                spawned[1].kill()
                spawned[1].wait()
            raise
        return spawned

    def _spawn(self, code: str, lock_fd: int) -> tuple[HarvestJob, subprocess.Popen[bytes]]:
        """Start ``code``'s harvest child, which inherits ``lock_fd`` and so holds its lock."""
        command = self.command(code)
        started = datetime.now(UTC).replace(microsecond=0)
        log_path = Path(self.settings.harvest_log_dir) / f"{code}-{started:%Y%m%dT%H%M%SZ}.log"
        environment = {**os.environ, **settings_environment(self.settings)}
        with open(log_path, "ab") as log_file:  # the child keeps its own descriptor
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=environment,
                pass_fds=(lock_fd,),  # the kernel drops the lock when the child ends
            )
        job = HarvestJob(
            library=code, log_path=log_path, started_at=started, pid=process.pid, is_running=True
        )
        return job, process

    def jobs(self) -> dict[str, HarvestJob]:
        """Return the latest job of each library, with its state as of now."""
        with self._state.connect() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM harvest_jobs ORDER BY started_at, library"
            ).fetchall()
        found = {}
        for row in rows:
            job = _job(row, is_running=row[5] is None and self._is_locked(row[0]))
            if job.state == "ended" and self._reap_now(job):
                # The child ended in this process an instant ago: wait for its exit status.
                with self._state.connect() as db:
                    row = db.execute(
                        f"SELECT {_COLUMNS} FROM harvest_jobs WHERE library = ?", (job.library,)
                    ).fetchone()
                if row is None:
                    continue
                job = _job(row, is_running=row[5] is None and self._is_locked(row[0]))
            found[job.library] = job
        return found

    def wait(self, timeout: float | None = None) -> None:
        """Wait for every job this process started to end and be recorded (tests, shutdown).

        Raises subprocess.TimeoutExpired when one still runs after ``timeout`` seconds.
        """
        with self._lock:
            children = list(self._children.values())
        for child in children:
            child.reaper.join(timeout)
            if child.reaper.is_alive():
                raise subprocess.TimeoutExpired(child.process.args, timeout or 0)

    def _lock_path(self, code: str) -> Path:
        return Path(self.settings.harvest_log_dir) / f"{code}.lock"

    def _is_locked(self, code: str) -> bool:
        """Return whether a harvest child holds ``code``'s lock file (a shared lock tests it)."""
        try:
            fd = os.open(self._lock_path(code), os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # releases the test's own lock at once
        return False

    def _reap(self, job: HarvestJob, process: subprocess.Popen[bytes]) -> None:
        """Wait for ``job``'s child to end and record its exit status (a daemon thread)."""
        exit_code = process.wait()
        finished = datetime.now(UTC).replace(microsecond=0)
        try:
            with self._state.transaction() as db:
                # Only this job's row: once the child ended, another process may have started
                # the next one.
                db.execute(
                    "UPDATE harvest_jobs SET finished_at = ?, exit_code = ? "
                    "WHERE library = ? AND pid = ? AND started_at = ?",
                    (
                        finished.isoformat(),
                        exit_code,
                        job.library,
                        job.pid,
                        job.started_at.isoformat(),
                    ),
                )
        except SharedStateError as exc:
            log.error(
                "[%s] dashboard harvest ended with exit status %d, which could not be recorded: %s",
                job.library,
                exit_code,
                exc,
            )
            return
        log.info("[%s] dashboard harvest ended with exit status %d", job.library, exit_code)

    def _reap_now(self, job: HarvestJob) -> bool:
        """Wait (REAP_WAIT seconds at most) until this process has recorded how ``job`` ended.

        Returns False when ``job`` is not this process's or was recorded already.
        """
        with self._lock:
            child = self._children.get(job.library)
        if child is None or child.process.pid != job.pid or not child.reaper.is_alive():
            return False
        child.reaper.join(REAP_WAIT)
        return True


def _job(row: tuple[Any, ...], *, is_running: bool) -> HarvestJob:
    """Return the job of a ``harvest_jobs`` row (its columns in ``_COLUMNS`` order)."""
    library, log_path, started_at, pid, finished_at, exit_code = row
    return HarvestJob(
        library=library,
        log_path=Path(log_path),
        started_at=datetime.fromisoformat(started_at),
        pid=pid,
        finished_at=datetime.fromisoformat(finished_at) if finished_at else None,
        exit_code=exit_code,
        is_running=is_running,
    )


def _take_lock(fd: int) -> bool:
    """Take an exclusive flock on ``fd``; False if a harvest holds it.

    Retries for LOCK_WAIT seconds, as another process may hold it for an instant to test it.
    """
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        else:
            return True
