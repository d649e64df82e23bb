"""The one run lock: harvests, index updates and restores never overlap, whoever starts them.

An exclusive ``fcntl.flock`` on one lock file. The kernel drops it when its holder dies (even
by kill -9), so a lock left by a dead process is simply free; the holder's PID, command, start
time and boot are written into the file so that a waiting run can say who holds it, and a run
that takes over from a dead holder can say so in the log.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from catalog.errors import UnionCatalogError

log = logging.getLogger(__name__)

_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


class RunLockError(UnionCatalogError):
    """Another run holds the run lock (past the wait allowed); has .holder when known."""

    def __init__(self, message: str, holder: LockHolder | None = None) -> None:
        self.holder = holder
        super().__init__(message)


@dataclass(frozen=True, slots=True, kw_only=True)
class LockHolder:
    """Who took the lock, as written into the lock file."""

    pid: int
    started_at: datetime
    command: str
    boot_id: str | None = None

    @property
    def is_alive(self) -> bool:
        """Whether the holder still runs: same boot, and its PID exists."""
        if self.boot_id and self.boot_id != boot_id():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # another user's live process
            return True
        return True

    def describe(self) -> str:
        return f"PID {self.pid} ({self.command!r}), started {self.started_at.isoformat()}"


def boot_id() -> str | None:
    """This boot's id (Linux), so a PID from before a reboot is never taken for a live one."""
    try:
        return _BOOT_ID.read_text().strip()
    except OSError:
        return None


def read_holder(path: Path) -> LockHolder | None:
    """Return the holder written in the lock file at ``path``, or None if none is readable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "null")
        return LockHolder(
            pid=int(data["pid"]),
            started_at=datetime.fromisoformat(data["started_at"]),
            command=str(data.get("command", "?")),
            boot_id=data.get("boot_id"),
        )
    except (OSError, ValueError, TypeError, KeyError):
        return None


@contextmanager
def run_lock(path: Path, *, wait: float = 0.0, command: str | None = None) -> Iterator[LockHolder]:
    """Hold the run lock at ``path`` for the block; wait up to ``wait`` seconds for it.

    Raises RunLockError naming the holder when another live run keeps it past ``wait``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by child processes
    try:
        _acquire(fd, path, wait)
        previous = read_holder(path)
        if previous is not None and previous.pid != os.getpid():
            why = "from an earlier boot" if previous.boot_id != boot_id() else "no longer running"
            log.warning(
                "run lock %s: took over from %s, %s; its run stopped without finishing, "
                "this run resumes from the saved harvest windows",
                path,
                previous.describe(),
                why,
            )
        holder = LockHolder(
            pid=os.getpid(),
            started_at=datetime.now(UTC).replace(microsecond=0),
            command=command or " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            boot_id=boot_id(),
        )
        _write(fd, holder)
        log.debug("run lock %s taken by %s", path, holder.describe())
        try:
            yield holder
        finally:
            os.ftruncate(fd, 0)  # an empty file: released cleanly, nobody to take over from
    finally:
        os.close(fd)  # releases the flock


def _acquire(fd: int, path: Path, wait: float) -> None:
    deadline = time.monotonic() + max(0.0, wait)
    announced = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        holder = read_holder(path)
        if time.monotonic() >= deadline:
            raise RunLockError(_held_message(path, holder, wait), holder)
        if not announced:
            log.info(
                "run lock %s is held by %s; waiting up to %g s",
                path,
                holder.describe() if holder else "another run",
                wait,
            )
            announced = True
        time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))


def _held_message(path: Path, holder: LockHolder | None, wait: float) -> str:
    who = holder.describe() if holder else "a run that has not written its PID yet"
    waited = f" (waited {wait:g} s)" if wait > 0 else ""
    hint = "wait for it to finish, or set run_lock_wait to wait for it"
    if holder is not None and not holder.is_alive:
        # flock is held although the recorded PID is gone: a child it forked kept the file open.
        hint = "its PID is gone but a process it started still holds the file; stop that process"
    return f"another run holds the run lock {path}: {who}{waited}; {hint}"


def _write(fd: int, holder: LockHolder) -> None:
    payload = {
        "pid": holder.pid,
        "started_at": holder.started_at.isoformat(),
        "command": holder.command,
        "boot_id": holder.boot_id,
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(payload) + "\n").encode(), 0)
    os.fsync(fd)
