"""The catalog store on a real SQLite file: upserts, tombstones, the change sequence, a reader
beside a writer, and a writer that dies mid-page."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.errors import RecordNotFoundError, StoreError
from catalog.models import Record
from catalog.store import SCHEMA_VERSION, Store, format_datestamp, parse_datestamp
from tests.factories import make_record

ROOT = Path(__file__).resolve().parents[2]


def page(start: int, count: int, **overrides: object) -> list[Record]:
    return [
        make_record(oai_id=f"oai:test:{n}", title=f"Địa chí Cần Thơ tập {n}", **overrides)
        for n in range(start, start + count)
    ]


def test_a_page_is_stored_and_read_back_field_for_field(tmp_path: Path) -> None:
    record = make_record(
        identifiers=("ISBN 978-604-0-00001-3", "https://thuvien.example/1"),
        isbns=("9786040000013",),
        places=("Ninh Kiều",),
        provinces=("Cần Thơ",),
        provinces_today=("Cần Thơ",),
        raw_xml=b"<dc>x</dc>",
        set_specs=("dia-chi",),
    )
    with Store.open(tmp_path / "c.sqlite") as store:
        result = store.upsert_page([record])
        stored = store.get("cantho", "oai:test:1")
    assert (result.stored, result.deleted) == (1, 0)
    assert stored.record == record
    assert stored.seq == 1
    assert stored.cluster  # every live record has a work key


def test_an_unchanged_record_keeps_its_change_number_and_a_changed_one_gets_a_new_one(
    tmp_path: Path,
) -> None:
    with Store.open(tmp_path / "c.sqlite") as store:
        store.upsert_page(page(1, 3))
        assert store.max_seq() == 3
        again = store.upsert_page(page(1, 3))
        assert again.stored == 0 and store.max_seq() == 3
        changed = make_record(oai_id="oai:test:2", title="Địa chí Cần Thơ (tái bản)")
        assert store.upsert_page([changed]).stored == 1
        assert [s.record.oai_id for s in store.changes_since(3)] == ["oai:test:2"]
        assert store.get("cantho", "oai:test:2").seq == 4
        assert store.get("cantho", "oai:test:1").seq == 1


def test_a_deletion_makes_a_tombstone_that_keeps_the_metadata_and_is_not_repeated(
    tmp_path: Path,
) -> None:
    gone_at = datetime(2025, 6, 1, tzinfo=UTC)
    with Store.open(tmp_path / "c.sqlite") as store:
        store.upsert_page(page(1, 2))
        deletion = Record(library="cantho", oai_id="oai:test:1", datestamp=gone_at, deleted=True)
        assert store.upsert_page([deletion]).deleted == 1
        assert store.upsert_page([deletion]).deleted == 0  # a second deletion changes nothing
        tomb = store.get("cantho", "oai:test:1")
        assert tomb.record.deleted and tomb.record.datestamp == gone_at
        assert tomb.record.title == "Địa chí Cần Thơ tập 1"
        assert store.count_by_library() == {"cantho": (1, 1)}
        assert [s.record.oai_id for s in store.cluster(tomb.cluster)] == []
        # The record coming back replaces its tombstone.
        store.upsert_page(page(1, 1))
        assert not store.get("cantho", "oai:test:1").record.deleted


def test_the_same_oai_identifier_in_two_libraries_is_two_records(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.sqlite") as store:
        store.upsert_page([make_record(library="cantho"), make_record(library="camau")])
        assert store.count_by_library() == {"cantho": (1, 0), "camau": (1, 0)}
        assert store.get_by_key("camau:oai:test:1").record.library == "camau"
        # Same title and creator: one work held by two libraries.
        key = store.get("cantho", "oai:test:1").cluster
        assert {s.record.library for s in store.cluster(key)} == {"cantho", "camau"}


@pytest.mark.parametrize("key", ["cantho", "cantho:", "nowhere:oai:x", ""])
def test_an_unknown_key_raises_record_not_found(tmp_path: Path, key: str) -> None:
    with Store.open(tmp_path / "c.sqlite") as store, pytest.raises(RecordNotFoundError):
        store.get_by_key(key)


def test_an_error_mid_page_rolls_the_whole_page_back(tmp_path: Path) -> None:
    def failing() -> Iterator[Record]:
        yield from page(10, 5)
        raise ValueError("mapping blew up")

    with Store.open(tmp_path / "c.sqlite") as store:
        store.upsert_page(page(1, 3))
        with pytest.raises(ValueError, match="mapping blew up"):
            store.upsert_page(failing())
        assert store.count_by_library() == {"cantho": (3, 0)}
        assert store.max_seq() == 3
        # The store is usable again at once.
        assert store.upsert_page(page(10, 5)).stored == 5


def test_a_reader_sees_the_last_committed_page_while_a_writer_is_mid_page(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.sqlite"
    with Store.open(path) as store:
        store.upsert_page(page(1, 10))
    halfway, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def slow_page() -> Iterator[Record]:
        records = page(100, 50)
        yield from records[:25]
        halfway.set()
        release.wait(10)
        yield from records[25:]

    def write() -> None:
        try:
            with Store.open(path) as writer:
                writer.upsert_page(slow_page())
        except BaseException as exc:  # reported below
            errors.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    try:
        assert halfway.wait(10), "the writer never started its page"
        with Store.open(path) as reader:  # a second connection, as the web app has
            assert reader.count_by_library() == {"cantho": (10, 0)}
            assert reader.max_seq() == 10
            assert len(reader.changes_since(0)) == 10
    finally:
        release.set()
        thread.join(10)
    assert not errors
    with Store.open(path) as reader:
        assert reader.count_by_library() == {"cantho": (60, 0)}


_KILLED_WRITER = """
import os, signal, sys
sys.path.insert(0, {root!r})
from catalog.store import Store
from tests.factories import make_record

def records():
    for n in range(1000, 1200):
        if n == 1150:
            print("mid-page", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        yield make_record(oai_id=f"oai:test:{{n}}", title=f"Ảnh Cà Mau số {{n}}")

Store.open({path!r}).upsert_page(records())
"""


def test_a_writer_killed_mid_page_leaves_the_last_committed_state(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with Store.open(path) as store:
        store.upsert_page(page(1, 20))
        before = [(s.record.oai_id, s.seq) for s in store.changes_since(0)]
    result = subprocess.run(
        [sys.executable, "-c", _KILLED_WRITER.format(root=str(ROOT), path=str(path))],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert "mid-page" in result.stdout
    with Store.open(path) as store:
        assert [(s.record.oai_id, s.seq) for s in store.changes_since(0)] == before
        assert store.count_by_library() == {"cantho": (20, 0)}
        # The next page goes on from the same change number.
        store.upsert_page(page(21, 1))
        assert store.max_seq() == 21


def test_a_catalog_from_a_newer_program_is_refused_with_the_fix(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "c.sqlite"
    Store.open(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="upgrade unioncat"):
        Store.open(path)


def test_a_catalog_path_that_cannot_be_a_database_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot open the catalog"):
        Store.open(blocker / "c.sqlite")
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(os.urandom(4096))
    with pytest.raises(StoreError, match=str(garbage.name)):
        Store.open(garbage)


def _shared_work(store: Store) -> str:
    store.upsert_page([make_record(library="cantho"), make_record(library="camau")])
    key = store.get("cantho", "oai:test:1").cluster
    assert {s.record.library for s in store.cluster(key)} == {"cantho", "camau"}
    return key


def test_a_librarian_splits_a_record_from_a_wrong_work_and_it_stays_split(
    tmp_path: Path,
) -> None:
    with Store.open(tmp_path / "c.sqlite") as store:
        shared = _shared_work(store)
        before = store.max_seq()
        split = store.split_from_cluster(
            "camau:oai:test:1", by="thuthu", reason="  khác   tác giả "
        )
        assert split.cluster == "own:camau:oai:test:1"
        assert split.seq == before + 1  # the index sees the record change
        assert [s.record.library for s in store.cluster(shared)] == ["cantho"]
        [entry] = store.cluster_splits()
        assert (entry.key, entry.split_by, entry.reason) == (
            "camau:oai:test:1",
            "thuthu",
            "khác tác giả",
        )
        # A re-harvest that changes the record, and a rebuild, keep it apart.
        store.upsert_page([make_record(library="camau", description="Bản mới")])
        assert store.get("camau", "oai:test:1").cluster == "own:camau:oai:test:1"
        store.rewrite_records([make_record(library="camau", description="Bản khác")])
        assert store.get("camau", "oai:test:1").cluster == "own:camau:oai:test:1"
        # Splitting again changes nothing but the reason.
        seq = store.max_seq()
        store.split_from_cluster("camau:oai:test:1", by="thuthu", reason="trùng tên")
        assert store.max_seq() == seq
        back = store.rejoin_cluster("camau:oai:test:1", by="thuthu")
        assert back.cluster == shared and back.seq == seq + 1
        assert store.cluster_splits() == []
        assert {s.record.library for s in store.cluster(shared)} == {"cantho", "camau"}


def test_a_split_needs_a_known_record_a_name_and_a_reason(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.sqlite") as store:
        _shared_work(store)
        with pytest.raises(RecordNotFoundError):
            store.split_from_cluster("camau:oai:nope", by="thuthu", reason="x")
        with pytest.raises(StoreError, match="reason"):
            store.split_from_cluster("camau:oai:test:1", by="thuthu", reason="   ")
        assert store.cluster_splits() == []
        # Rejoining a record that was never split is harmless.
        assert store.rejoin_cluster("camau:oai:test:1", by="thuthu").cluster.startswith("tc:")


def test_work_keys_of_another_version_are_rekeyed_once_keeping_splits(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "c.sqlite"
    with Store.open(path) as store:
        shared = _shared_work(store)
        store.upsert_page(page(1, 3, library="bentre"))
        store.split_from_cluster("camau:oai:test:1", by="thuthu", reason="khác tác giả")
        seq = store.max_seq()
    db = sqlite3.connect(path)  # as an older program, with another key, would have left it
    db.execute("UPDATE catalog_meta SET value = '1' WHERE name = 'work_key_version'")
    db.execute("UPDATE records SET cluster = 'old:' || oai_id")
    db.commit()
    db.close()
    with Store.open(path) as store:
        assert store.get("cantho", "oai:test:1").cluster == shared
        assert store.get("camau", "oai:test:1").cluster == "own:camau:oai:test:1"
        assert store.max_seq() == seq + 5  # every live record changed key once
        assert len(store.changes_since(seq)) == 5
    with Store.open(path) as store:  # already current: nothing happens
        assert store.max_seq() == seq + 5


def test_cluster_sizes_count_live_records_per_work_in_one_call(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.sqlite") as store:
        shared = _shared_work(store)
        store.upsert_page(page(1, 2, library="bentre"))
        alone = store.get("bentre", "oai:test:1").cluster
        gone = Record(library="bentre", oai_id="oai:test:2", datestamp=make_record().datestamp,
                      deleted=True)  # fmt: skip
        store.upsert_page([gone])
        dead = store.get("bentre", "oai:test:2").cluster
        assert store.cluster_sizes([shared, alone, dead, "nowhere", shared]) == {
            shared: 2,
            alone: 1,
            dead: 0,
            "nowhere": 0,
        }
        many = [f"k{n}" for n in range(1200)] + [shared]
        assert store.cluster_sizes(many)[shared] == 2


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
)
def test_a_datestamp_is_utc_seconds_with_four_year_digits_and_reads_back(
    when: datetime, offset_minutes: int
) -> None:
    aware = when.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    text = format_datestamp(aware)
    utc = aware.astimezone(UTC)
    assert text == (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:"
        f"{utc.second:02d}Z"
    )
    if utc.year >= 1000:
        assert text == utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert parse_datestamp(text) == utc.replace(microsecond=0)


def test_the_write_ahead_log_is_checkpointed_and_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Harvests commit page by page; the log is copied into the database once it passes the
    threshold, so it stays about that size, and the database alone holds every page."""
    monkeypatch.setattr("catalog.store.WAL_CHECKPOINT_PAGES", 40)
    path = tmp_path / "catalog.sqlite"
    with Store.open(path) as store:
        page_size = store._db.execute("PRAGMA page_size").fetchone()[0]
        assert store._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 40
        for start in range(0, 3000, 100):
            store.upsert_page(page(start, 100, raw_xml=b"<dc>" + b"x" * 2000 + b"</dc>"))
        # One page of 100 records fills about 60 database pages: the log holds at most the
        # threshold and the commit that crossed it.
        assert path.with_name("catalog.sqlite-wal").stat().st_size < (40 + 200) * (page_size + 24)
    # Closing checkpoints the rest; a copy of the database file alone has every record.
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(path.read_bytes())
    with Store.open(copy) as store:
        assert store.count_by_library()["cantho"] == (3000, 0)
