"""What every process of one web server must see alike, in one SQLite file (``web_state_path``).

``unioncat serve`` runs several processes, so failed logins (``webapp.auth``) and the
dashboard's harvests (``webapp.admin_jobs``) cannot live in one process's memory: they are rows
here. A connection lasts one call, so none is shared between threads or crosses a fork.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from catalog.errors import StoreError

BUSY_TIMEOUT = 10.0  # seconds a call waits for another process's write before it fails

SCHEMA = """
CREATE TABLE IF NOT EXISTS login_failures (
    key TEXT NOT NULL,              -- 'address:10.0.0.7' or 'user:admin'
    failed_at REAL NOT NULL         -- wall-clock seconds (time.time)
);
CREATE INDEX IF NOT EXISTS login_failures_by_key ON login_failures (key, failed_at);
CREATE INDEX IF NOT EXISTS login_failures_by_time ON login_failures (failed_at);
CREATE TABLE IF NOT EXISTS harvest_jobs (
    library TEXT PRIMARY KEY,       -- one row: the member's latest dashboard harvest
    log_path TEXT NOT NULL,
    started_at TEXT NOT NULL,       -- ISO 8601, UTC
    pid INTEGER NOT NULL,           -- the `unioncat harvest` child's
    finished_at TEXT,               -- NULL until the process that started it saw it end
    exit_code INTEGER
);
"""


class SharedStateError(StoreError):
    """The web server's shared state file cannot be opened, read or written."""


class SharedState:
    """The shared state file at ``path``; its tables are made on first use."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._ready = False

    def check(self) -> None:
        """Open the file, making it and its tables if missing; raise SharedStateError if unusable.

        The server calls this before it takes requests, so a bad file stops it with the reason.
        """
        with self.connect():
            pass

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """Yield a connection in autocommit mode, closed afterwards.

        Raises SharedStateError, naming the setting, when the file cannot be opened or a
        statement on it fails (other errors of the block pass through).
        """
        try:
            if not self._ready:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        except (sqlite3.Error, OSError) as exc:
            raise self._error(exc) from exc
        try:
            if not self._ready:
                db.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
                db.executescript(SCHEMA)
                self._ready = True
            yield db
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        finally:
            db.close()

    def _error(self, exc: Exception) -> SharedStateError:
        return SharedStateError(
            f"web_state_path: {self.path}: cannot use the web server's shared state file "
            f"({exc}); it holds only failed logins and the dashboard's harvests, so delete it "
            "or set web_state_path to a file the server may write"
        )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Yield a connection inside ``BEGIN IMMEDIATE``: other processes' writes wait for it.

        Commits when the block ends, rolls back if it raises.
        """
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
