"""Backup and restore: a consistent copy of the catalog, the settings and the registry.

The catalog is copied with SQLite's online backup API, which gives a consistent snapshot even
while a harvest writes. A backup is a folder: ``catalog.sqlite``, the settings file and the
registry as they were, the alert state, and ``manifest.json`` saying what is in it.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from catalog.errors import StoreError
from catalog.store import Store

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
CATALOG = "catalog.sqlite"
SETTINGS = "settings.toml"
REGISTRY = "libraries.toml"
ALERTS = "alerts.json"


@dataclass(frozen=True, slots=True, kw_only=True)
class BackupInfo:
    """What a backup folder holds (its manifest)."""

    path: Path
    created_at: datetime
    max_seq: int
    schema_version: int
    records: int
    files: tuple[str, ...]


def backup(
    catalog_path: Path,
    dest: Path,
    *,
    settings_path: Path | None,
    registry_path: Path,
    alert_state_path: Path | None = None,
) -> BackupInfo:
    """Write a backup folder under ``dest`` and return its manifest."""
    if not catalog_path.is_file():
        raise StoreError(f"{catalog_path}: no catalog to back up; check catalog_path")
    created = datetime.now(UTC).replace(microsecond=0)
    folder = dest / f"unioncat-{created.strftime('%Y%m%dT%H%M%SZ')}"
    folder.mkdir(parents=True, exist_ok=False)
    target = folder / CATALOG
    source = sqlite3.connect(catalog_path, timeout=30)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # a consistent snapshot, even while another process writes
            max_seq = copy.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()[0]
            records = copy.execute("SELECT COUNT(*) FROM records").fetchone()[0]
            version = copy.execute("PRAGMA user_version").fetchone()[0]
        finally:
            copy.close()
    finally:
        source.close()
    files = [CATALOG]
    for path, name in (
        (settings_path, SETTINGS),
        (registry_path, REGISTRY),
        (alert_state_path, ALERTS),
    ):
        if path is not None and path.is_file():
            shutil.copy2(path, folder / name)
            files.append(name)
    info = BackupInfo(
        path=folder,
        created_at=created,
        max_seq=int(max_seq),
        schema_version=int(version),
        records=int(records),
        files=tuple(files),
    )
    manifest = {
        "created_at": created.isoformat(),
        "max_seq": info.max_seq,
        "schema_version": info.schema_version,
        "records": info.records,
        "files": list(info.files),
        "catalog_path": str(catalog_path),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    log.info("backup: %s (%d records, change %d)", folder, info.records, info.max_seq)
    return info


def read_backup(folder: Path) -> BackupInfo:
    """Read a backup folder's manifest; StoreError says what is missing."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return BackupInfo(
            path=folder,
            created_at=datetime.fromisoformat(data["created_at"]),
            max_seq=int(data["max_seq"]),
            schema_version=int(data["schema_version"]),
            records=int(data["records"]),
            files=tuple(data["files"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreError(
            f"{folder}: not a unioncat backup ({MANIFEST} missing or unreadable: {exc}); "
            "give the folder `unioncat backup` wrote"
        ) from exc


def restore(
    folder: Path,
    catalog_path: Path,
    *,
    settings_path: Path | None,
    registry_path: Path,
    alert_state_path: Path | None = None,
    force: bool = False,
) -> list[Path]:
    """Bring back the catalog (and the files saved beside it); return the paths written.

    Refuses, unless ``force``, to replace a catalog with changes the backup lacks. Files that
    differ are kept beside the restored ones as ``*.before-restore``. The caller holds the
    run lock and rebuilds the index afterwards.
    """
    info = read_backup(folder)
    if catalog_path.is_file() and not force:
        with Store.open(catalog_path) as current:
            newer = current.max_seq()
        if newer > info.max_seq:
            raise StoreError(
                f"{catalog_path} is newer than the backup {folder} (catalog change {newer}, "
                f"backup {info.max_seq}); restoring would lose changes. Back it up first, "
                "then restore with --force"
            )
    written: list[Path] = []
    catalog_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(folder / CATALOG)
    try:
        target = sqlite3.connect(catalog_path, timeout=30)
        try:
            source.backup(target)  # page by page into the live file: readers see old or new
        finally:
            target.close()
    finally:
        source.close()
    written.append(catalog_path)
    for name, path in (
        (SETTINGS, settings_path),
        (REGISTRY, registry_path),
        (ALERTS, alert_state_path),
    ):
        saved = folder / name
        if path is None or name not in info.files or not saved.is_file():
            continue
        if path.is_file():
            if path.read_bytes() == saved.read_bytes():
                continue
            shutil.copy2(path, path.with_name(path.name + ".before-restore"))
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(saved, path)
        written.append(path)
    log.info(
        "restored %s from %s (%d records, change %d)",
        catalog_path,
        folder,
        info.records,
        info.max_seq,
    )
    return written
