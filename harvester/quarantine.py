"""The quarantine folder: what could not be read, kept with the request that produced it.

A page that does not parse even after the safe repairs is kept as the raw bytes received; a
record that cannot be mapped is kept alone (its ``<record>`` XML). Beside each file a ``.json``
file says which library, which request, the URL and why. Layout::

    <quarantine_dir>/<library>/<UTC time>-page-<request>-<random>.xml   (+ .json)
    <quarantine_dir>/<library>/<UTC time>-record-<oai_id>-<random>.xml  (+ .json)

With no folder configured nothing is written and the caller's log line is the only trace.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class Quarantine:
    """Keeps one library's unreadable pages and records; ``kept`` lists the files written."""

    def __init__(self, directory: Path | None, library: str) -> None:
        self.directory = directory
        self.library = library
        self.kept: list[Path] = []

    def keep_page(
        self, body: bytes, *, request: str, url: str, status: int, reason: str
    ) -> Path | None:
        """Keep a page's raw bytes; return the file, or None when no folder is configured."""
        return self._keep(
            "page",
            request,
            body,
            {"request": request, "url": url, "http_status": status, "reason": reason},
        )

    def keep_record(
        self, xml: bytes | None, *, oai_id: str, request: str, url: str, reason: str
    ) -> Path | None:
        """Keep one record's XML; return the file, or None when no folder is configured."""
        return self._keep(
            "record",
            oai_id,
            xml,
            {"oai_id": oai_id, "request": request, "url": url, "reason": reason},
        )

    def _keep(
        self, kind: str, name: str, body: bytes | None, about: dict[str, object]
    ) -> Path | None:
        if self.directory is None:
            return None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        slug = _UNSAFE.sub("-", name).strip("-")[:60] or kind
        folder = Path(self.directory) / self.library
        path = folder / f"{stamp}-{kind}-{slug}-{secrets.token_hex(3)}.xml"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body or b"")
            about = {"library": self.library, "kind": kind, "saved_at": stamp, **about}
            path.with_suffix(".json").write_text(
                json.dumps(about, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
        except OSError as exc:
            log.error(
                "[%s] %s: cannot write to the quarantine folder %s (%s); check its permissions",
                self.library,
                about.get("request"),
                folder,
                exc,
            )
            return None
        self.kept.append(path)
        return path
