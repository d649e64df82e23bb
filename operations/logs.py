"""Log output for the CLI: human lines (no timestamps under journald) or JSON lines."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

_HUMAN = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_JOURNAL = "%(levelname)s %(name)s: %(message)s"  # journald stamps each line itself


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
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(_JOURNAL if os.environ.get("JOURNAL_STREAM") else _HUMAN)
        )
    root.addHandler(handler)
    root.setLevel(level)
