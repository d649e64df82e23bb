"""The batched ``upsert_page`` stores exactly what the record-by-record one it replaced stored.

``upsert_page`` reads a page's stored rows with one query and writes them with one
``executemany``, and ``_fields_json`` uses one pre-made JSON encoder; the plain versions they
replaced are written out below and run on a second catalog beside the real one, page for page.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import store as store_module
from catalog.models import Record
from catalog.store import PageResult, PreparedRecord, Store, format_datestamp, prepare_record
from tests.factories import make_record

_COLUMNS = (
    "library, oai_id, datestamp, deleted, source_format, kind, fields, raw_xml, seq, stored_at, "
    "cluster"
)


def _plain_fields_json(record: Record) -> str:
    return json.dumps(
        {name: getattr(record, name) for name in store_module._JSON_FIELDS},
        ensure_ascii=False,
        sort_keys=True,
    )


def _plain_upsert_page(
    db: sqlite3.Connection, records: Iterable[Record], *, member_datestamps: bool = False
) -> PageResult:
    """upsert_page as it was: one SELECT and one INSERT per record, the clock read per record."""
    stored = deleted = 0
    db.execute("BEGIN IMMEDIATE")
    splits = store_module._splits(db)
    seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()[0]
    for record in records:
        row = db.execute(
            "SELECT datestamp, deleted, fields, raw_xml, kind, source_format "
            "FROM records WHERE library = ? AND oai_id = ?",
            (record.library, record.oai_id),
        ).fetchone()
        if record.deleted and row is not None:
            if row[1]:
                continue
            previous = store_module._row_to_record(record.library, record.oai_id, row)
            record = replace(previous, deleted=True, datestamp=record.datestamp)
        elif row is not None and (
            not row[1]
            and row[0] == format_datestamp(record.datestamp)
            and row[2] == _plain_fields_json(record)
            and row[3] == record.raw_xml
            and row[4] == record.kind
            and row[5] == record.source_format
        ):
            continue
        seq += 1
        when = record.datestamp if member_datestamps else store_module._now()
        db.execute(
            f"INSERT OR REPLACE INTO records ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.library,
                record.oai_id,
                format_datestamp(record.datestamp),
                int(record.deleted),
                record.source_format,
                record.kind,
                _plain_fields_json(record),
                record.raw_xml,
                seq,
                format_datestamp(when),
                store_module._cluster_of(record, splits),
            ),
        )
        if record.deleted:
            deleted += 1
        else:
            stored += 1
    db.execute("COMMIT")
    return PageResult(stored=stored, deleted=deleted)


def _rows(path: Path, *, with_stored_at: bool) -> list[tuple[object, ...]]:
    columns = _COLUMNS if with_stored_at else _COLUMNS.replace("stored_at, ", "")
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT {columns} FROM records ORDER BY seq").fetchall()


_WHEN = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def _record(n: int, **overrides: object) -> Record:
    values: dict[str, object] = dict(
        library=("cantho", "camau")[n % 2],
        oai_id=f"oai:test:{n}",
        datestamp=_WHEN + timedelta(minutes=n),
        title=f"Địa chí Cần Thơ : tập {n % 7}",
        creators=(f"Nguyễn Văn {n % 5}, 1926-2008.",),
        isbns=("9786040000001",) if n % 11 == 0 else (),
        raw_xml=f"<dc>{n}</dc>".encode() if n % 3 else None,
    )
    values.update(overrides)
    return make_record(**values)


def _gone(record: Record, minutes: int = 60) -> Record:
    return Record(library=record.library, oai_id=record.oai_id, deleted=True,
                  datestamp=record.datestamp + timedelta(minutes=minutes))  # fmt: skip


def _pages() -> list[list[Record]]:
    """Pages that go through every branch: new, unchanged, changed, deleted, twice on a page."""
    first = [_record(n) for n in range(40)]
    return [
        first,
        # Unchanged records are skipped; changed ones (description, datestamp, kind, raw XML)
        # get new change numbers; an unknown record's deletion is stored as a tombstone.
        [
            *first[:10],
            replace(first[10], description="Bản mới"),
            replace(first[11], datestamp=first[11].datestamp + timedelta(days=1)),
            replace(first[12], kind="map"),
            replace(first[13], raw_xml=b"<dc>changed</dc>"),
            _gone(_record(99)),
        ],
        # Deletions make tombstones that keep the metadata; a second deletion, on the same
        # page or the next, changes nothing.
        [_gone(first[20]), _gone(first[21]), _gone(first[20], minutes=90), first[0]],
        [_gone(first[21], minutes=120), _gone(_record(99), minutes=5)],
        # The same record twice on one page: changed, then changed back; deleted, then
        # harvested again; new, then changed; the same OAI identifier in another library.
        [
            replace(first[30], title="Khác"),
            first[30],
            _gone(first[31]),
            first[31],
            _record(200),
            replace(_record(200), description="Sửa lại"),
            replace(first[32], library="bentre"),
        ],
        # A record a librarian split from its work keeps a cluster of its own.
        [replace(first[2], description="Sau khi tách"), replace(first[4], title="Tên mới")],
    ]


def _as_given(page: list[Record], given_as: str) -> list[Record | PreparedRecord]:
    """The page as records, as prepared records (as a harvest's mapping process sends them),
    or every other one prepared."""
    if given_as == "records":
        return list(page)
    return [
        prepare_record(record) if given_as == "prepared" or n % 2 else record
        for n, record in enumerate(page)
    ]


@pytest.mark.parametrize("given_as", ["records", "prepared", "mixed"])
@pytest.mark.parametrize("member_datestamps", [False, True])
def test_a_batched_page_stores_what_the_record_by_record_upsert_stored(
    tmp_path: Path, member_datestamps: bool, given_as: str
) -> None:
    fast_path, plain_path = tmp_path / "fast.sqlite", tmp_path / "plain.sqlite"
    with Store.open(fast_path) as fast, Store.open(plain_path) as plain:
        for number, page in enumerate(_pages()):
            if number == 5:  # before the last page, the librarian splits one record off
                for catalog in (fast, plain):
                    catalog.split_from_cluster("camau:oai:test:1", by="thuthu", reason="khác")
                    catalog.split_from_cluster("cantho:oai:test:2", by="thuthu", reason="khác")
            expected = _plain_upsert_page(plain._db, page, member_datestamps=member_datestamps)
            result = fast.upsert_page(
                iter(_as_given(page, given_as)), member_datestamps=member_datestamps
            )
            assert result == expected, f"page {number}"
            assert _rows(fast_path, with_stored_at=member_datestamps) == _rows(
                plain_path, with_stored_at=member_datestamps
            ), f"page {number}"
        assert fast.get("cantho", "oai:test:2").cluster == "own:cantho:oai:test:2"
        tombstone = fast.get("cantho", "oai:test:20").record
        assert tombstone.deleted and tombstone.title == "Địa chí Cần Thơ : tập 6"
    assert len(_rows(fast_path, with_stored_at=False)) == 43


def test_every_record_of_a_page_gets_the_moment_the_page_is_stored(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.sqlite") as store:
        before = format_datestamp(datetime.now(UTC).replace(microsecond=0))
        store.upsert_page([_record(n) for n in range(300)])
        after = format_datestamp(datetime.now(UTC))
        [(stored_at,)] = store._db.execute("SELECT DISTINCT stored_at FROM records").fetchall()
    assert before <= stored_at <= after


def test_a_page_larger_than_one_query_holds_is_compared_in_full(tmp_path: Path) -> None:
    size = store_module._KEYS_PER_QUERY * 2 + 7  # three queries per library
    records = [_record(n, library="cantho") for n in range(size)]
    fast_path, plain_path = tmp_path / "fast.sqlite", tmp_path / "plain.sqlite"
    with Store.open(fast_path) as fast, Store.open(plain_path) as plain:
        assert fast.upsert_page(records).stored == size
        _plain_upsert_page(plain._db, records)
        changed = [replace(r, description="Mới") if r.year_from and n % 97 == 0 else r
                   for n, r in enumerate(records)]  # fmt: skip
        result = fast.upsert_page(changed)
        assert result == _plain_upsert_page(plain._db, changed)
        assert result.stored == len(range(0, size, 97))
    assert _rows(fast_path, with_stored_at=False) == _rows(plain_path, with_stored_at=False)


_TEXT = st.text(st.characters(codec="utf-8"), max_size=30)
_TEXTS = st.lists(_TEXT, max_size=3).map(tuple)


@settings(max_examples=200, deadline=None)
@given(
    title=st.none() | _TEXT,
    creators=_TEXTS,
    subjects=_TEXTS,
    description=st.none() | _TEXT,
    year_from=st.none() | st.integers(-5000, 5000),
    provinces=_TEXTS,
)
def test_fields_json_is_byte_for_byte_what_json_dumps_gave(
    title: str | None,
    creators: tuple[str, ...],
    subjects: tuple[str, ...],
    description: str | None,
    year_from: int | None,
    provinces: tuple[str, ...],
) -> None:
    record = make_record(title=title, creators=creators, subjects=subjects,
                         description=description, year_from=year_from,
                         provinces=provinces)  # fmt: skip

    assert store_module._fields_json(record) == _plain_fields_json(record)
