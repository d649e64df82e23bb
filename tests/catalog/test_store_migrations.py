"""Schema migrations: a catalog written by an older version opens, migrates and keeps its data."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from catalog.store import _MIGRATIONS, SCHEMA_VERSION, HarvestWindow, Store
from tests.factories import make_record


def _version_1_catalog(path: Path) -> None:
    """Write a catalog exactly as version 1 of the program left it."""
    db = sqlite3.connect(path)
    for statement in _MIGRATIONS[1].split(";"):
        if statement.strip():
            db.execute(statement)
    db.execute(
        "INSERT INTO records (library, oai_id, datestamp, deleted, source_format, kind, fields, "
        "raw_xml, seq, stored_at, cluster) VALUES ('cantho', 'oai:ct:1', '2025-01-01T08:00:00Z', "
        "0, 'oai_dc', 'book', '{\"title\": \"Cần Thơ xưa\"}', NULL, 1, '2025-01-02T00:00:00Z', 'k')"
    )
    db.execute(
        "INSERT INTO harvest_runs (library, started_at, finished_at, pages, stored, deleted, "
        "skipped, error, errors) VALUES ('cantho', '2025-01-02T00:00:00Z', "
        "'2025-01-02T00:01:00Z', 1, 1, 0, 0, NULL, '[]')"
    )
    db.execute(
        "INSERT INTO harvest_state (library, next_from) VALUES ('cantho', '2025-01-02T00:00:00Z')"
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()


def test_a_version_1_catalog_migrates_and_keeps_records_runs_and_next_from(
    tmp_path: Path,
) -> None:
    path = tmp_path / "catalog.sqlite"
    _version_1_catalog(path)

    with Store.open(path) as store:
        assert store.get("cantho", "oai:ct:1").record.title == "Cần Thơ xưa"
        assert store.last_harvests()["cantho"].stored == 1
        assert store.next_from("cantho") == datetime(2025, 1, 2, tzinfo=UTC)
        window = store.harvest_window("cantho")
        assert window is not None and not window.in_flight and window.resumption_token is None
        # Re-keyed on open (the version-1 key lacked the kind): a new change number, once.
        assert store.get("cantho", "oai:ct:1").seq == 2
        store.upsert_page([make_record(library="cantho", oai_id="oai:ct:2")])
        assert store.max_seq() == 3

    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        assert "harvest_windows" in tables and "harvest_state" not in tables
    finally:
        db.close()


def test_a_migrated_catalog_opens_again_without_migrating_twice(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    _version_1_catalog(path)
    Store.open(path).close()

    with Store.open(path) as store:
        assert store.next_from("cantho") == datetime(2025, 1, 2, tzinfo=UTC)


def test_harvest_windows_are_saved_per_library_and_set(tmp_path: Path) -> None:
    with Store.open(tmp_path / "catalog.sqlite") as store:
        window = HarvestWindow(
            library="cantho",
            set_spec="dia-chi",
            metadata_prefix="marc21",
            from_="2025-06-01",
            until=None,
            resumption_token="abc+/=",
            response_date=datetime(2025, 6, 1, 10, 0, 1, tzinfo=UTC),
            in_flight=True,
        )
        store.save_harvest_window(window)
        store.set_next_from("cantho", datetime(2025, 5, 1, tzinfo=UTC))

        saved = store.harvest_window("cantho", "dia-chi")
        assert saved is not None and saved.updated_at is not None
        assert saved == HarvestWindow(**{**_fields(window), "updated_at": saved.updated_at})
        whole = store.harvest_window("cantho")
        assert whole is not None and whole.set_spec is None and not whole.in_flight
        assert store.harvest_window("angiang") is None and store.next_from("angiang") is None


def _fields(window: HarvestWindow) -> dict[str, object]:
    return {name: getattr(window, name) for name in HarvestWindow.__dataclass_fields__}


def test_migration_3_rekeys_clusters_with_the_kind(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    _version_1_catalog(path)  # its one record carries the stale cluster key "k"

    with Store.open(path) as store:
        stored = store.get("cantho", "oai:ct:1")

    assert stored.cluster == "tc:book:can tho xua|"
    assert stored.record.title == "Cần Thơ xưa"


def _version_3_catalog(path: Path) -> None:
    """Write a catalog as version 3 left it, with a harvest window in flight at a token."""
    db = sqlite3.connect(path, isolation_level=None)
    for version in (1, 2, 3):
        migration = _MIGRATIONS[version]
        if callable(migration):
            migration(db)
        else:
            for statement in migration.split(";"):
                if statement.strip():
                    db.execute(statement)
    db.execute(
        "INSERT INTO harvest_windows (library, set_spec, metadata_prefix, window_from, "
        "window_until, resumption_token, response_date, next_from, in_flight, updated_at) "
        "VALUES ('cantho', 'dia-chi', 'marc21', '2025-05-01', NULL, 'tok/2+', "
        "'2025-06-01T10:00:01Z', '2025-05-01T09:00:00Z', 1, '2025-06-01T10:05:00Z')"
    )
    db.execute("PRAGMA user_version = 3")
    db.close()


def test_a_version_3_window_in_flight_migrates_with_its_token_and_an_unknown_mode(
    tmp_path: Path,
) -> None:
    path = tmp_path / "catalog.sqlite"
    _version_3_catalog(path)

    with Store.open(path) as store:
        window = store.harvest_window("cantho", "dia-chi")
        assert window == HarvestWindow(
            library="cantho",
            set_spec="dia-chi",
            metadata_prefix="marc21",
            harvest_mode=None,  # not recorded before version 4
            from_="2025-05-01",
            resumption_token="tok/2+",
            response_date=datetime(2025, 6, 1, 10, 0, 1, tzinfo=UTC),
            next_from=datetime(2025, 5, 1, 9, 0, tzinfo=UTC),
            in_flight=True,
            updated_at=datetime(2025, 6, 1, 10, 5, tzinfo=UTC),
        )
        store.save_harvest_window(replace(window, harvest_mode="identifiers"))

    with Store.open(path) as store:  # migrated once; the mode is kept from now on
        again = store.harvest_window("cantho", "dia-chi")
        assert again is not None and again.harvest_mode == "identifiers"
        assert again.resumption_token == "tok/2+" and again.in_flight
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        db.close()
