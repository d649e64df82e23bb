"""The catalog database: records with provenance, tombstones, change sequence, harvest history.

SQLite in WAL mode: one writer (a harvest or index run) and many readers (the web app).
"""

from __future__ import annotations

import json
import logging
import operator
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from catalog.errors import RecordNotFoundError, StoreError
from catalog.merge import WORK_KEY_VERSION, record_work_key, work_key
from catalog.models import HarvestSummary, Record, StoredRecord

log = logging.getLogger(__name__)

SCHEMA_VERSION = 5
WAL_CHECKPOINT_PAGES = 5000  # see Store.open

_MIGRATIONS: dict[int, str | Callable[[sqlite3.Connection], None]] = {
    1: """
    CREATE TABLE records (
        library       TEXT NOT NULL,
        oai_id        TEXT NOT NULL,
        datestamp     TEXT NOT NULL,
        deleted       INTEGER NOT NULL DEFAULT 0,
        source_format TEXT NOT NULL,
        kind          TEXT NOT NULL,
        fields        TEXT NOT NULL,
        raw_xml       BLOB,
        seq           INTEGER NOT NULL UNIQUE,
        stored_at     TEXT NOT NULL,
        cluster       TEXT NOT NULL,
        PRIMARY KEY (library, oai_id)
    );
    CREATE INDEX records_stored_at ON records (stored_at);
    CREATE INDEX records_cluster ON records (cluster);
    CREATE TABLE harvest_runs (
        run_id      INTEGER PRIMARY KEY,
        library     TEXT NOT NULL,
        started_at  TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        pages       INTEGER NOT NULL,
        stored      INTEGER NOT NULL,
        deleted     INTEGER NOT NULL,
        skipped     INTEGER NOT NULL,
        error       TEXT,
        errors      TEXT NOT NULL
    );
    CREATE INDEX harvest_runs_library ON harvest_runs (library, run_id);
    CREATE TABLE harvest_state (
        library       TEXT PRIMARY KEY,
        next_from     TEXT NOT NULL
    );
    """,
    # 2: resumable harvests. One row per member and set ('' = the whole repository): the
    # window in flight or last finished, its resumption token and the server's responseDate.
    # The rows of harvest_state move over as finished windows, so incremental harvests go on.
    2: """
    CREATE TABLE harvest_windows (
        library          TEXT NOT NULL,
        set_spec         TEXT NOT NULL DEFAULT '',
        metadata_prefix  TEXT,
        window_from      TEXT,
        window_until     TEXT,
        resumption_token TEXT,
        response_date    TEXT,
        next_from        TEXT,
        in_flight        INTEGER NOT NULL DEFAULT 0,
        updated_at       TEXT NOT NULL,
        PRIMARY KEY (library, set_spec)
    );
    INSERT INTO harvest_windows (library, set_spec, next_from, updated_at)
        SELECT library, '', next_from, next_from FROM harvest_state;
    DROP TABLE harvest_state;
    """,
    # 3 re-keyed every row once cluster keys carried the kind; re-keying is now done on open
    # whenever merge.WORK_KEY_VERSION changes (Store._rekey_if_needed).
    3: lambda db: None,
    # 4: a window also remembers the harvest mode (records/identifiers) that made its token,
    # as it does the metadata prefix: a token is resumed only by the verb and format that made
    # it. Windows saved before are of an unknown mode (NULL).
    4: "ALTER TABLE harvest_windows ADD COLUMN harvest_mode TEXT",
    # 5: a librarian can take a record out of a wrongly merged work (kept across re-harvests
    # and re-keying); the catalog remembers which version of the work key its clusters use.
    5: """
    CREATE TABLE cluster_splits (
        library  TEXT NOT NULL,
        oai_id   TEXT NOT NULL,
        reason   TEXT NOT NULL,
        split_by TEXT NOT NULL,
        split_at TEXT NOT NULL,
        PRIMARY KEY (library, oai_id)
    );
    CREATE TABLE catalog_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)
    """,
}

# Record fields kept in the JSON column; the others have columns of their own.
_COLUMNS = {"library", "oai_id", "datestamp", "deleted", "source_format", "kind", "raw_xml"}
_JSON_FIELDS = tuple(f.name for f in fields(Record) if f.name not in _COLUMNS)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def format_datestamp(value: datetime) -> str:
    """Format an aware datetime as OAI-PMH's UTC seconds ("2025-01-31T08:00:00Z")."""
    # Formatted field by field: a third of strftime's time (every record stored formats one),
    # and years before 1000 keep their four digits, as parse_datestamp reads them.
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (  # noqa: UP031 - faster than an f-string here
        value.year, value.month, value.day, value.hour, value.minute, value.second,
    )  # fmt: skip


def parse_datestamp(value: str) -> datetime:
    """Read a datestamp `format_datestamp` wrote; raises ValueError for any other form."""
    # Sliced rather than strptime: every record read parses one (a tenth of a search page).
    if len(value) != 20 or value[4:17:3] != "--T::" or value[19] != "Z":
        raise ValueError(f"not a UTC datestamp of seconds: {value!r}")
    return datetime(
        int(value[0:4]), int(value[5:7]), int(value[8:10]),
        int(value[11:13]), int(value[14:16]), int(value[17:19]), tzinfo=UTC,
    )  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class PageResult:
    """What storing one harvested page changed."""

    stored: int  # new or changed live records
    deleted: int  # records that became tombstones


class PreparedRecord(NamedTuple):
    """A record as `Store.upsert_page` writes it, worked out by `prepare_record`.

    Nothing in it depends on what is stored, so a harvest can work it out in the process that
    maps the records and leave less to the one that stores them; and being plain values, it
    crosses between processes at a fraction of a Record's cost.
    """

    library: str
    oai_id: str
    datestamp: str  # the member's, as format_datestamp writes it
    deleted: bool
    source_format: str
    kind: str
    fields_json: str  # the record's fields as the catalog stores them
    raw_xml: bytes | None
    work_key: str  # unless a librarian split the record from its work


def prepare_record(record: Record) -> PreparedRecord:
    """Work out what `Store.upsert_page` writes for ``record``."""
    return PreparedRecord(
        record.library,
        record.oai_id,
        format_datestamp(record.datestamp),
        record.deleted,
        record.source_format,
        record.kind,
        _fields_json(record),
        record.raw_xml,
        record_work_key(record),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class HarvestWindow:
    """Where one member's harvest (of one set, or all) stands, saved after every page.

    A window is in flight from its first request until its list ends; the next run resumes
    it from ``resumption_token``, or restarts it from ``from_`` when there is none or the
    server rejects it. ``next_from`` is the server's responseDate of the last finished window.
    """

    library: str
    set_spec: str | None = None  # None: the whole repository
    metadata_prefix: str | None = None
    harvest_mode: str | None = None  # "records" or "identifiers"; None: saved before version 4
    from_: str | None = None  # as sent, in the server's granularity; None: from the beginning
    until: str | None = None
    resumption_token: str | None = None  # the next page to ask for, while in flight
    response_date: datetime | None = None  # the server's clock when the window started
    next_from: datetime | None = None  # where the next window starts
    in_flight: bool = False
    updated_at: datetime | None = None  # set by the store when saved


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterSplit:
    """A record a librarian took out of the work it had been grouped with."""

    library: str
    oai_id: str
    reason: str
    split_by: str  # the librarian's user name
    split_at: datetime

    @property
    def key(self) -> str:
        return f"{self.library}:{self.oai_id}"


class Store:
    """The catalog in one SQLite file. Open with :meth:`open`; close when done."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, path: Path | str) -> Store:
        """Open (creating and migrating when needed) the catalog at ``path``."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            # A harvest commits every page, and each commit past the checkpoint threshold
            # copies the log into the database and waits for the disk twice. A 20 MB log
            # (5,000 pages, SQLite's default is 1,000) checkpoints a fifth as often, each time
            # copying an index page rewritten by many commits once: a harvest stores a page
            # about a quarter faster (docs/performance.md). The log file keeps that size.
            db.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
            db.execute("PRAGMA foreign_keys=ON")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{path}: cannot open the catalog database: {exc}") from exc
        store = cls(db, path)
        store._migrate()
        store._rekey_if_needed()
        return store

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: catalog schema version {version} is newer than this program's "
                f"{SCHEMA_VERSION}; upgrade unioncat or point it at another catalog file"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            migration = _MIGRATIONS[target]
            with self._transaction() as db:
                if callable(migration):
                    migration(db)
                else:
                    for statement in migration.split(";"):
                        if statement.strip():
                            db.execute(statement)
                db.execute(f"PRAGMA user_version = {target}")

    def _rekey_if_needed(self) -> None:
        """Re-key every record once when the catalog's work keys are of another version.

        A record whose key changes gets a new change number, so the index picks up its new
        cluster; split records keep their own key.
        """
        wanted = str(WORK_KEY_VERSION)
        if self._meta("work_key_version") == wanted:
            return
        with self._transaction() as db:
            row = db.execute(
                "SELECT value FROM catalog_meta WHERE name = 'work_key_version'"
            ).fetchone()
            if row is not None and row[0] == wanted:
                return  # another process re-keyed meanwhile
            splits = _splits(db)
            seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()[0]
            rows = db.execute(
                "SELECT library, oai_id, fields, kind, cluster, deleted FROM records"
            ).fetchall()
            changed = 0
            for library, oai_id, fields_json, kind, cluster, deleted in rows:
                values = json.loads(fields_json)
                key = (
                    _own_key(library, oai_id)
                    if (library, oai_id) in splits
                    else work_key(
                        values.get("title"),
                        tuple(values.get("creators", ())),
                        tuple(values.get("isbns", ())),
                        kind=kind,
                        identifiers=tuple(values.get("identifiers", ())),
                    )
                )
                if key == cluster:
                    continue
                changed += 1
                seq += 0 if deleted else 1
                db.execute(
                    "UPDATE records SET cluster = ?, seq = CASE WHEN deleted THEN seq ELSE ? END "
                    "WHERE library = ? AND oai_id = ?",
                    (key, seq, library, oai_id),
                )
            db.execute(
                "INSERT OR REPLACE INTO catalog_meta (name, value) VALUES ('work_key_version', ?)",
                (wanted,),
            )
        if rows:
            log.info(
                "%s: work keys are now version %s (was %s): %d of %d records re-keyed",
                self.path,
                wanted,
                row[0] if row else "1",
                changed,
                len(rows),
            )

    def _meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM catalog_meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    # -- records -----------------------------------------------------------------------

    def upsert_page(
        self, records: Iterable[Record | PreparedRecord], *, member_datestamps: bool = False
    ) -> PageResult:
        """Store one harvested page in one transaction; unchanged records are left alone.

        A deleted record becomes a tombstone that keeps the metadata stored before. Passing
        ``member_datestamps`` sets the catalog datestamp to the member's datestamp (the demo's
        members use their own dates); otherwise every record of the page gets the moment it is
        stored. A record that comes twice on one page is compared with its first copy. Records
        may come as `PreparedRecord`s (see `prepare_record`): the rows written are the same.
        """
        stored = deleted = 0
        with self._transaction() as db:
            page = [r if isinstance(r, PreparedRecord) else prepare_record(r) for r in records]
            splits = _splits(db)
            seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()[0]
            # One query for the page's stored rows, one statement for its writes: per record,
            # only the comparison and the key are left in Python.
            rows = _stored_rows(db, page)
            now = format_datestamp(_now())
            writes = []
            for item in page:
                key = (item.library, item.oai_id)
                row = rows.get(key)
                if item.deleted and row is not None:
                    if row[1]:
                        continue
                    # The tombstone keeps what was stored, marked deleted at the member's
                    # deletion datestamp.
                    previous = _row_to_record(item.library, item.oai_id, row)
                    deletion = parse_datestamp(item.datestamp)
                    item = prepare_record(replace(previous, deleted=True, datestamp=deletion))
                elif row is not None and _same(row, item):
                    continue
                seq += 1
                writes.append(
                    (
                        item.library,
                        item.oai_id,
                        item.datestamp,
                        int(item.deleted),
                        item.source_format,
                        item.kind,
                        item.fields_json,
                        item.raw_xml,
                        seq,
                        item.datestamp if member_datestamps else now,
                        _own_key(item.library, item.oai_id) if key in splits else item.work_key,
                    )
                )
                rows[key] = (item.datestamp, int(item.deleted), item.fields_json, item.raw_xml,
                             item.kind, item.source_format)  # fmt: skip
                if item.deleted:
                    deleted += 1
                else:
                    stored += 1
            db.executemany(
                "INSERT OR REPLACE INTO records (library, oai_id, datestamp, deleted, "
                "source_format, kind, fields, raw_xml, seq, stored_at, cluster) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                writes,
            )
        return PageResult(stored=stored, deleted=deleted)

    def live_records(
        self,
        *,
        libraries: tuple[str, ...] | None = None,
        after: tuple[str, str] | None = None,
        limit: int = 500,
    ) -> list[StoredRecord]:
        """Return up to ``limit`` live records ordered by (library, oai_id), after ``after``.

        Keyset paging over the primary key: records rewritten meanwhile keep their place, as
        they would not when paging by change number (see `rewrite_records`).
        """
        where, args = "", list[object]()
        if libraries is not None:
            where += f" AND library IN ({', '.join('?' * len(libraries))})"
            args.extend(libraries)
        if after is not None:
            where += " AND (library, oai_id) > (?, ?)"
            args.extend(after)
        rows = self._db.execute(
            f"SELECT {_SELECT} FROM records WHERE deleted = 0{where} "
            "ORDER BY library, oai_id LIMIT ?",
            (*args, int(limit)),
        ).fetchall()
        return [_stored(row) for row in rows]

    def rewrite_records(
        self, records: Iterable[Record], *, dry_run: bool = False
    ) -> list[tuple[str, tuple[str, ...]]]:
        """Store records mapped again from their kept XML, in one transaction (`unioncat rebuild`).

        Only what the mapping derives is written: the fields, the kind and the work key (the
        cluster). A record whose derived values all stay the same is not touched; one that
        changes gets a new change number and catalog datestamp (so the index and the OAI
        provider see it) but keeps its member datestamp, raw XML and source format. Tombstones
        and records no longer stored are passed over. Returns each changed record's key with
        the names of what changed; ``dry_run`` reports the same and writes nothing.
        """
        changes: list[tuple[str, tuple[str, ...]]] = []
        with self._transaction() as db:
            splits = _splits(db)
            seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()[0]
            for record in records:
                row = db.execute(
                    "SELECT datestamp, deleted, fields, raw_xml, kind, source_format, cluster "
                    "FROM records WHERE library = ? AND oai_id = ?",
                    (record.library, record.oai_id),
                ).fetchone()
                if row is None or row[1]:
                    continue
                previous = _row_to_record(record.library, record.oai_id, row[:6])
                cluster = _cluster_of(record, splits)
                changed = tuple(
                    name
                    for name in (*_JSON_FIELDS, "kind")
                    if name != "datestamp" and getattr(previous, name) != getattr(record, name)
                ) + (("cluster",) if row[6] != cluster else ())
                if not changed:
                    continue
                changes.append((record.key, changed))
                if dry_run:
                    continue
                seq += 1
                db.execute(
                    "UPDATE records SET fields = ?, kind = ?, cluster = ?, seq = ?, stored_at = ? "
                    "WHERE library = ? AND oai_id = ?",
                    (
                        _fields_json(record),
                        record.kind,
                        cluster,
                        seq,
                        format_datestamp(_now()),
                        record.library,
                        record.oai_id,
                    ),
                )
        return changes

    def get(self, library: str, oai_id: str) -> StoredRecord:
        """Return one stored record (tombstones too), or raise RecordNotFoundError."""
        row = self._db.execute(
            f"SELECT {_SELECT} FROM records WHERE library = ? AND oai_id = ?", (library, oai_id)
        ).fetchone()
        if row is None:
            raise RecordNotFoundError(f"{library}:{oai_id}")
        return _stored(row)

    def get_by_key(self, key: str) -> StoredRecord:
        """Return the record whose union key is ``library:oai_id``."""
        library, sep, oai_id = key.partition(":")
        if not sep or not oai_id:
            raise RecordNotFoundError(key)
        return self.get(library, oai_id)

    def changes_since(self, seq: int, *, limit: int = 1000) -> list[StoredRecord]:
        """Return up to ``limit`` records changed after change number ``seq``, oldest first."""
        rows = self._db.execute(
            f"SELECT {_SELECT} FROM records WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
        ).fetchall()
        return [_stored(row) for row in rows]

    def change_marks(self, after: int, every: int) -> list[int]:
        """Return the change number of every ``every``-th change after ``after``, and of the
        last: the bounds of slices of the change sequence ``every`` changes long."""
        if every < 1:
            raise ValueError(f"every must be 1 or more, got {every}")
        seqs = [
            row[0]
            for row in self._db.execute(
                "SELECT seq FROM records WHERE seq > ? ORDER BY seq", (after,)
            )
        ]
        marks = seqs[every - 1 :: every]
        if seqs and (not marks or marks[-1] != seqs[-1]):
            marks.append(seqs[-1])
        return marks

    def max_seq(self) -> int:
        return int(self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()[0])

    def cluster(self, cluster: str) -> list[StoredRecord]:
        """Return the live records of one work, across libraries."""
        rows = self._db.execute(
            f"SELECT {_SELECT} FROM records WHERE cluster = ? AND deleted = 0 "
            "ORDER BY library, oai_id",
            (cluster,),
        ).fetchall()
        return [_stored(row) for row in rows]

    def cluster_sizes(self, clusters: Iterable[str]) -> dict[str, int]:
        """Return how many live records each of ``clusters`` holds, in one query."""
        keys = list(dict.fromkeys(clusters))
        sizes = dict.fromkeys(keys, 0)
        for start in range(0, len(keys), 500):  # SQLite's limit on bound parameters
            chunk = keys[start : start + 500]
            rows = self._db.execute(
                f"SELECT cluster, COUNT(*) FROM records WHERE deleted = 0 AND cluster IN "
                f"({', '.join('?' * len(chunk))}) GROUP BY cluster",
                chunk,
            ).fetchall()
            sizes.update({str(cluster): int(count) for cluster, count in rows})
        return sizes

    def split_from_cluster(self, key: str, *, by: str, reason: str) -> StoredRecord:
        """Take the record ``library:oai_id`` out of its work: it becomes a cluster alone.

        Recorded with who and why; kept across re-harvests, rebuilds and re-keying until
        :meth:`rejoin_cluster`. The record gets a new change number so the index sees it.
        """
        reason = " ".join(reason.split())
        if not reason or not by:
            raise StoreError("a split needs the librarian's name and a reason")
        stored = self.get_by_key(key)
        library, oai_id = stored.record.library, stored.record.oai_id
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO cluster_splits (library, oai_id, reason, split_by, "
                "split_at) VALUES (?, ?, ?, ?, ?)",
                (library, oai_id, reason[:500], by, format_datestamp(_now())),
            )
            self._set_cluster(db, library, oai_id, _own_key(library, oai_id))
        log.info("%s split from work %s by %s: %s", key, stored.cluster, by, reason)
        return self.get(library, oai_id)

    def rejoin_cluster(self, key: str, *, by: str) -> StoredRecord:
        """Undo a split: the record goes back to the work its key gives."""
        stored = self.get_by_key(key)
        record = stored.record
        with self._transaction() as db:
            gone = db.execute(
                "DELETE FROM cluster_splits WHERE library = ? AND oai_id = ?",
                (record.library, record.oai_id),
            ).rowcount
            if gone:
                self._set_cluster(db, record.library, record.oai_id, _cluster_of(record))
        if gone:
            log.info("%s rejoined its work by %s", key, by)
        return self.get(record.library, record.oai_id)

    def cluster_splits(self) -> list[ClusterSplit]:
        """Every split in force, newest first."""
        rows = self._db.execute(
            "SELECT library, oai_id, reason, split_by, split_at FROM cluster_splits "
            "ORDER BY split_at DESC, library, oai_id"
        ).fetchall()
        return [
            ClusterSplit(
                library=library,
                oai_id=oai_id,
                reason=reason,
                split_by=split_by,
                split_at=parse_datestamp(split_at),
            )
            for library, oai_id, reason, split_by, split_at in rows
        ]

    @staticmethod
    def _set_cluster(db: sqlite3.Connection, library: str, oai_id: str, cluster: str) -> None:
        seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM records").fetchone()[0]
        db.execute(
            "UPDATE records SET cluster = ?, seq = ?, stored_at = ? "
            "WHERE library = ? AND oai_id = ? AND cluster != ?",
            (cluster, seq, format_datestamp(_now()), library, oai_id, cluster),
        )

    def count_by_library(self) -> dict[str, tuple[int, int]]:
        """Return {library: (live records, tombstones)}."""
        rows = self._db.execute(
            "SELECT library, SUM(deleted = 0), SUM(deleted) FROM records GROUP BY library"
        ).fetchall()
        return {library: (int(live), int(dead)) for library, live, dead in rows}

    def select(
        self,
        *,
        after_seq: int = 0,
        from_: datetime | None = None,
        until: datetime | None = None,
        library: str | None = None,
        kind: str | None = None,
        source_formats: tuple[str, ...] | None = None,
        limit: int | None = None,
        province: str | None = None,
    ) -> list[StoredRecord]:
        """Return records by catalog datestamp window and set, ordered by change sequence.

        ``province`` keeps the records whose ``provinces_today`` name it ("Cần Thơ"); the
        empty string keeps those that name any province.
        """
        where, args = self._window(from_, until, library, kind, source_formats, province)
        sql = f"SELECT {_SELECT} FROM records WHERE seq > ?{where} ORDER BY seq"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_stored(row) for row in self._db.execute(sql, (after_seq, *args)).fetchall()]

    def count(
        self,
        *,
        from_: datetime | None = None,
        until: datetime | None = None,
        library: str | None = None,
        kind: str | None = None,
        source_formats: tuple[str, ...] | None = None,
        province: str | None = None,
    ) -> int:
        where, args = self._window(from_, until, library, kind, source_formats, province)
        return int(
            self._db.execute(f"SELECT COUNT(*) FROM records WHERE 1{where}", args).fetchone()[0]
        )

    @staticmethod
    def _window(
        from_: datetime | None,
        until: datetime | None,
        library: str | None,
        kind: str | None,
        source_formats: tuple[str, ...] | None,
        province: str | None = None,
    ) -> tuple[str, list[object]]:
        where, args = "", []
        if source_formats is not None:
            where += f" AND source_format IN ({', '.join('?' * len(source_formats))})"
            args.extend(source_formats)
        for clause, value in (
            (" AND stored_at >= ?", from_ and format_datestamp(from_)),
            (" AND stored_at <= ?", until and format_datestamp(until)),
            (" AND library = ?", library),
            (" AND kind = ?", kind),
        ):
            if value is not None:
                where += clause
                args.append(value)
        if province == "":
            where += _ANY_PROVINCE_CLAUSE
        elif province is not None:
            where += _PROVINCE_CLAUSE
            args.append(province)
        return where, args

    def earliest_datestamp(self) -> datetime | None:
        value = self._db.execute("SELECT MIN(stored_at) FROM records").fetchone()[0]
        return parse_datestamp(value) if value else None

    def distinct_provinces(self) -> list[str]:
        """Return the provinces of today that stored records name, as in ``provinces_today``."""
        sql = f"SELECT DISTINCT value FROM records, {_PROVINCES} ORDER BY 1"
        return [str(row[0]) for row in self._db.execute(sql).fetchall()]

    def distinct(self, column: str) -> list[str]:
        """Return the distinct values of ``library`` or ``kind`` among stored records."""
        if column not in ("library", "kind"):
            raise ValueError(f"no such set column: {column}")
        rows = self._db.execute(f"SELECT DISTINCT {column} FROM records ORDER BY 1").fetchall()
        return [row[0] for row in rows]

    # -- harvest history -----------------------------------------------------------------

    def record_harvest(self, summary: HarvestSummary) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO harvest_runs (library, started_at, finished_at, pages, stored, "
                "deleted, skipped, error, errors) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    summary.library,
                    format_datestamp(summary.started_at),
                    format_datestamp(summary.finished_at),
                    summary.pages,
                    summary.stored,
                    summary.deleted,
                    summary.skipped,
                    summary.error,
                    json.dumps(summary.errors, ensure_ascii=False),
                ),
            )

    def harvest_history(self, limit: int) -> list[HarvestSummary]:
        """Return the latest ``limit`` harvest runs of every member, newest first."""
        rows = self._db.execute(
            "SELECT library, started_at, finished_at, pages, stored, deleted, skipped, error "
            "FROM harvest_runs ORDER BY run_id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [_summary(row) for row in rows]

    def last_harvests(self) -> dict[str, HarvestSummary]:
        """Return the latest harvest summary of each library."""
        rows = self._db.execute(
            "SELECT library, started_at, finished_at, pages, stored, deleted, skipped, error, "
            "errors FROM harvest_runs WHERE run_id IN "
            "(SELECT MAX(run_id) FROM harvest_runs GROUP BY library)"
        ).fetchall()
        return {row[0]: _summary(row) for row in rows}

    def next_from(self, library: str) -> datetime | None:
        """Return where the next incremental harvest of ``library`` starts, if one ran."""
        window = self.harvest_window(library)
        return window.next_from if window else None

    def set_next_from(self, library: str, when: datetime) -> None:
        """Finish ``library``'s whole-repository window: the next harvest starts at ``when``."""
        window = self.harvest_window(library) or HarvestWindow(library=library)
        self.save_harvest_window(
            replace(window, next_from=when, in_flight=False, resumption_token=None)
        )

    # -- harvest windows -------------------------------------------------------------------

    def harvest_window(self, library: str, set_spec: str | None = None) -> HarvestWindow | None:
        """Return the saved harvest window of ``library`` (and ``set_spec``), if any."""
        row = self._db.execute(
            "SELECT metadata_prefix, harvest_mode, window_from, window_until, resumption_token, "
            "response_date, next_from, in_flight, updated_at FROM harvest_windows "
            "WHERE library = ? AND set_spec = ?",
            (library, set_spec or ""),
        ).fetchone()
        if row is None:
            return None
        prefix, mode, from_, until, token, response_date, next_from, in_flight, updated_at = row
        return HarvestWindow(
            library=library,
            set_spec=set_spec or None,
            metadata_prefix=prefix,
            harvest_mode=mode,
            from_=from_,
            until=until,
            resumption_token=token,
            response_date=parse_datestamp(response_date) if response_date else None,
            next_from=parse_datestamp(next_from) if next_from else None,
            in_flight=bool(in_flight),
            updated_at=parse_datestamp(updated_at),
        )

    def save_harvest_window(self, window: HarvestWindow) -> None:
        """Save ``window`` in one transaction, replacing the library's (and set's) last one."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO harvest_windows (library, set_spec, metadata_prefix, "
                "harvest_mode, window_from, window_until, resumption_token, response_date, "
                "next_from, in_flight, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    window.library,
                    window.set_spec or "",
                    window.metadata_prefix,
                    window.harvest_mode,
                    window.from_,
                    window.until,
                    window.resumption_token,
                    window.response_date and format_datestamp(window.response_date),
                    window.next_from and format_datestamp(window.next_from),
                    int(window.in_flight),
                    format_datestamp(_now()),
                ),
            )

    # -- operations (read-only) ------------------------------------------------------------

    def harvest_outcomes(self) -> dict[str, HarvestOutcome]:
        """Return each library's last success, last failure and current failure streak."""
        rows = self._db.execute(
            "SELECT h.library, "
            "MAX(CASE WHEN h.error IS NULL THEN h.finished_at END), "
            "MAX(CASE WHEN h.error IS NOT NULL THEN h.finished_at END), "
            "SUM(CASE WHEN h.error IS NOT NULL AND h.run_id > COALESCE(ok.run_id, 0) "
            "THEN 1 ELSE 0 END), "
            "(SELECT error FROM harvest_runs e WHERE e.library = h.library "
            "AND e.error IS NOT NULL ORDER BY e.run_id DESC LIMIT 1) "
            "FROM harvest_runs h LEFT JOIN (SELECT library, MAX(run_id) AS run_id "
            "FROM harvest_runs WHERE error IS NULL GROUP BY library) ok "
            "ON ok.library = h.library GROUP BY h.library"
        ).fetchall()
        return {
            library: HarvestOutcome(
                library=library,
                last_success=parse_datestamp(success) if success else None,
                last_failure=parse_datestamp(failure) if failure else None,
                consecutive_failures=int(streak or 0),
                last_error=error,
            )
            for library, success, failure, streak, error in rows
        }

    # -- feeds (read-only) -----------------------------------------------------------------

    def newest(
        self,
        limit: int,
        *,
        library: str | None = None,
        kind: str | None = None,
        province: str | None = None,
    ) -> list[StoredRecord]:
        """Return up to ``limit`` live records, the latest catalog changes first.

        Filters as in ``select``; walks the change sequence's index backwards, so the cost is
        the rows skipped to find ``limit`` matches, not the size of the catalog.
        """
        where, args = self._window(None, None, library, kind, None, province)
        rows = self._db.execute(
            f"SELECT {_SELECT} FROM records WHERE deleted = 0{where} ORDER BY seq DESC LIMIT ?",
            (*args, int(limit)),
        ).fetchall()
        return [_stored(row) for row in rows]


# Province sets: no column of their own, so the JSON list is searched where it is stored.
_PROVINCES = "json_each(records.fields, '$.provinces_today')"
_PROVINCE_CLAUSE = f" AND EXISTS (SELECT 1 FROM {_PROVINCES} WHERE value = ?)"
_ANY_PROVINCE_CLAUSE = f" AND EXISTS (SELECT 1 FROM {_PROVINCES})"


_SELECT = (
    "library, oai_id, datestamp, deleted, fields, raw_xml, kind, source_format, "
    "seq, stored_at, cluster"
)


def _summary(row: tuple[Any, ...]) -> HarvestSummary:
    """A harvest_runs row (library, started_at, finished_at, pages, stored, deleted, skipped,
    error[, errors]) as a HarvestSummary."""
    return HarvestSummary(
        library=row[0],
        started_at=parse_datestamp(row[1]),
        finished_at=parse_datestamp(row[2]),
        pages=row[3],
        stored=row[4],
        deleted=row[5],
        skipped=row[6],
        error=row[7],
        errors=tuple(json.loads(row[8])) if len(row) > 8 else (),
    )


def _cluster_of(record: Record, splits: frozenset[tuple[str, str]] = frozenset()) -> str:
    if (record.library, record.oai_id) in splits:
        return _own_key(record.library, record.oai_id)
    return record_work_key(record)


def _own_key(library: str, oai_id: str) -> str:
    """The cluster of a record a librarian split from its work: itself alone."""
    return f"own:{library}:{oai_id}"


def _splits(db: sqlite3.Connection) -> frozenset[tuple[str, str]]:
    return frozenset(
        (str(library), str(oai_id))
        for library, oai_id in db.execute("SELECT library, oai_id FROM cluster_splits")
    )


# What json.dumps(..., ensure_ascii=False, sort_keys=True) makes, without a new encoder a call;
# the names come sorted already, so sorting them again costs little. A record's values are
# strings, numbers and tuples of strings: nothing to check for circular references.
_ENCODE_FIELDS = json.JSONEncoder(ensure_ascii=False, sort_keys=True, check_circular=False).encode
_JSON_NAMES = tuple(sorted(_JSON_FIELDS))
_json_values = operator.attrgetter(*_JSON_NAMES)


def _fields_json(record: Record) -> str:
    return _ENCODE_FIELDS(dict(zip(_JSON_NAMES, _json_values(record), strict=True)))


# Bound parameters per query: SQLite before 3.32 allows 999.
_KEYS_PER_QUERY = 500


def _stored_rows(
    db: sqlite3.Connection, records: list[PreparedRecord]
) -> dict[tuple[str, str], tuple[object, ...]]:
    """The stored rows of ``records``, by (library, oai_id), as `_same` and `_row_to_record`
    read them: (datestamp, deleted, fields, raw_xml, kind, source_format)."""
    oai_ids: dict[str, dict[str, None]] = {}
    for record in records:
        oai_ids.setdefault(record.library, {})[record.oai_id] = None
    rows: dict[tuple[str, str], tuple[object, ...]] = {}
    for library, wanted in oai_ids.items():
        keys = list(wanted)
        for start in range(0, len(keys), _KEYS_PER_QUERY):
            chunk = keys[start : start + _KEYS_PER_QUERY]
            found = db.execute(
                "SELECT oai_id, datestamp, deleted, fields, raw_xml, kind, source_format "
                f"FROM records WHERE library = ? AND oai_id IN ({', '.join('?' * len(chunk))})",
                (library, *chunk),
            )
            for oai_id, *row in found:
                rows[(library, oai_id)] = tuple(row)
    return rows


def _row_to_record(library: str, oai_id: str, row: tuple[object, ...]) -> Record:
    datestamp, deleted, fields_json, raw_xml, kind, source_format = row
    values = json.loads(str(fields_json))
    for name, value in values.items():
        if isinstance(value, list):
            values[name] = tuple(value)
    return Record(
        library=library,
        oai_id=oai_id,
        datestamp=parse_datestamp(str(datestamp)),
        deleted=bool(deleted),
        source_format=str(source_format),
        kind=str(kind),
        raw_xml=bytes(raw_xml) if raw_xml is not None else None,  # type: ignore[arg-type]
        **values,
    )


def _stored(row: tuple[object, ...]) -> StoredRecord:
    library, oai_id = str(row[0]), str(row[1])
    return StoredRecord(
        record=_row_to_record(library, oai_id, row[2:8]),
        seq=int(row[8]),  # type: ignore[call-overload]
        stored_at=parse_datestamp(str(row[9])),
        cluster=str(row[10]),
    )


def _same(row: tuple[object, ...], item: PreparedRecord) -> bool:
    """Whether the live record ``item`` is stored as ``row``."""
    datestamp, deleted, fields_json, raw_xml, kind, source_format = row
    return (
        not deleted
        and datestamp == item.datestamp
        and fields_json == item.fields_json
        and raw_xml == item.raw_xml
        and kind == item.kind
        and source_format == item.source_format
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class HarvestOutcome:
    """One library's harvest record for monitoring: successes, failures, the failure streak."""

    library: str
    last_success: datetime | None
    last_failure: datetime | None
    consecutive_failures: int  # failed runs since the last successful one
    last_error: str | None
