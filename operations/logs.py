"""Log output for the CLI: human lines (no timestamps under journald) or JSON lines, on stderr
and, when the log_file setting names one, in a file rotated by size or by logrotate."""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from catalog.errors import ConfigError

_HUMAN = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_JOURNAL = "%(levelname)s %(name)s: %(message)s"  # journald stamps each line itself
_STDERR = "unioncat-stderr"  # handler names: how a later call finds what an earlier one added
_FILE = "unioncat-file"
ROTATIONS = ("size", "logrotate")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, PID (and the traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "ts": record.created,
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: int, log_format: str) -> None:
    """Send logs to stderr as ``log_format`` ("human" or "json"), once per process.

    Leaves logging alone when the root logger already has handlers (a test runner's), as
    logging.basicConfig does.
    """
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_STDERR)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(_JOURNAL if os.environ.get("JOURNAL_STREAM") else _HUMAN)
        )
    root.addHandler(handler)
    root.setLevel(level)


def add_log_file(path: str, *, rotation: str, max_bytes: int, backups: int) -> None:
    """Also write the logs to ``path`` (empty: do nothing), in the format stderr has.

    ``rotation`` "size": unioncat renames the file to ``path.1`` … ``path.<backups>`` when it
    would pass ``max_bytes`` (one process per file: two rotating one file lose lines).
    "logrotate": the file is reopened when logrotate has moved it (WatchedFileHandler).
    Only where :func:`configure_logging` set up this process's logging; once per process.
    Raises ConfigError naming the setting to fix.
    """
    if not path:
        return
    if rotation not in ROTATIONS:
        raise ConfigError(f"log_rotation: expected one of {', '.join(ROTATIONS)}, got {rotation!r}")
    if rotation == "size" and (max_bytes < 1 or backups < 1):
        raise ConfigError(
            f"log_max_bytes {max_bytes} / log_backups {backups}: both must be at least 1 for "
            "log_rotation = 'size' (otherwise the file is never rotated); or use 'logrotate'"
        )
    root = logging.getLogger()
    stderr = next((h for h in root.handlers if h.get_name() == _STDERR), None)
    if stderr is None or any(h.get_name() == _FILE for h in root.handlers):
        return
    target = Path(path)
    handler: logging.FileHandler
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if rotation == "size":
            handler = logging.handlers.RotatingFileHandler(
                target, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
            )
        else:
            handler = logging.handlers.WatchedFileHandler(target, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"log_file {path!r}: cannot open it for writing ({exc.strerror}); name a file the "
            "unioncat user may write, or leave log_file empty to log to stderr only"
        ) from exc
    handler.set_name(_FILE)
    if isinstance(stderr.formatter, JsonFormatter):
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(_HUMAN))  # a file has no journald to stamp it
    root.addHandler(handler)
