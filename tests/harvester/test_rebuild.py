"""`unioncat rebuild`: records mapped again from their kept raw XML, without harvesting again.

Records are harvested over real HTTP from the replay server into a real SQLite catalog; a row
is then made stale the way an older mapping left it (no places recognised, an unknown kind, a
work key without the kind), by writing the row directly, as the older program did.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalog.store import Store
from cli import main
from harvester.rebuild import rebuild_catalog
from harvester.run import HarvestOptions, harvest_library
from tests.factories import make_library, make_record

FAST = HarvestOptions(timeout=2.0, max_retries=1, max_retry_after=0.01)
LIVE = ["oai:good:1", "oai:good:2", "oai:good:5", "oai:good:6"]
# Metadata no mapping reads as oai_dc: what an older, laxer mapping might have stored.
NOT_DC = b'<ead xmlns="urn:isbn:1-931666-22-9"><eadheader><eadid>x</eadid></eadheader></ead>'


def _harvest_good(oai_server: str, store: Store, code: str = "good") -> None:
    library = make_library(code=code, endpoint=f"{oai_server}/good/oai")
    summary = harvest_library(library, store, FAST)
    assert summary.ok and summary.stored == 4, summary


def _make_stale(path: Path, library: str, oai_id: str) -> None:
    """Rewrite a row as an older mapping left it: no places read, kind unknown, old work key."""
    db = sqlite3.connect(path)
    try:
        (fields,) = db.execute(
            "SELECT fields FROM records WHERE library = ? AND oai_id = ?", (library, oai_id)
        ).fetchone()
        values = json.loads(fields)
        values.pop("provinces_today")
        values["provinces"] = []
        db.execute(
            "UPDATE records SET fields = ?, kind = 'other', cluster = 'tc:can tho xua va nay|' "
            "WHERE library = ? AND oai_id = ?",
            (json.dumps(values, ensure_ascii=False, sort_keys=True), library, oai_id),
        )
        db.commit()
    finally:
        db.close()


def _seqs(store: Store, library: str = "good") -> dict[str, tuple[int, object]]:
    return {
        stored.record.oai_id: (stored.seq, stored.stored_at)
        for stored in store.select(library=library)
    }


def test_rebuild_fixes_stale_records_and_leaves_the_others_untouched(
    oai_server: str, store: Store
) -> None:
    _harvest_good(oai_server, store)
    fresh = store.get("good", "oai:good:1")
    assert fresh.record.kind == "book" and fresh.record.provinces_today
    _make_stale(store.path, "good", "oai:good:1")
    stale = store.get("good", "oai:good:1")
    assert stale.record.kind == "other" and stale.cluster != fresh.cluster
    before, last_seq = _seqs(store), store.max_seq()

    (summary,) = rebuild_catalog(store)

    assert (summary.library, summary.examined, summary.changed, summary.unchanged) == (
        "good",
        4,
        1,
        3,
    )
    assert summary.ok and summary.failed == () and summary.missing_raw_xml == 0
    assert summary.changes == ("oai:good:1: provinces, provinces_today, kind, cluster",)
    rebuilt = store.get("good", "oai:good:1")
    assert rebuilt.record == fresh.record  # the member's datestamp and raw XML are kept
    assert rebuilt.cluster == fresh.cluster
    assert rebuilt.seq == last_seq + 1  # the one change the index and provider should see
    assert [stored.record.oai_id for stored in store.changes_since(last_seq)] == ["oai:good:1"]
    after = _seqs(store)
    assert {oai_id: after[oai_id] for oai_id in LIVE[1:]} == {
        oai_id: before[oai_id] for oai_id in LIVE[1:]
    }
    assert after["oai:good:3"] == before["oai:good:3"]  # the tombstone is not examined
    assert store.get("good", "oai:good:3").record.deleted

    (again,) = rebuild_catalog(store)

    assert (again.examined, again.changed, again.unchanged) == (4, 0, 4)
    assert store.max_seq() == last_seq + 1


def test_a_record_that_no_longer_maps_is_kept_reported_and_quarantined(
    oai_server: str, store: Store, tmp_path: Path
) -> None:
    _harvest_good(oai_server, store)
    store.upsert_page(
        [
            make_record(library="good", oai_id="oai:good:8", title="Kept", raw_xml=NOT_DC),
            make_record(library="good", oai_id="oai:good:9", raw_xml=b"<oai_dc:dc><dc:title>Cut"),
        ]
    )
    kept_before = {oai_id: store.get("good", oai_id) for oai_id in ("oai:good:8", "oai:good:9")}

    (summary,) = rebuild_catalog(store, quarantine_dir=tmp_path / "quarantine")

    assert not summary.ok
    assert (summary.examined, summary.changed, summary.unchanged) == (6, 0, 4)
    first, second = summary.failed
    assert first.startswith("[good] record 'oai:good:8': metadata element <ead>")
    assert "is not oai_dc" in first
    assert second.startswith("[good] record 'oai:good:9': its kept raw XML does not parse")
    for oai_id, stored in kept_before.items():
        assert store.get("good", oai_id) == stored  # never deleted, never rewritten
    files = sorted((tmp_path / "quarantine" / "good").glob("*-record-*.xml"))
    assert [path.read_bytes() for path in files] in (
        [NOT_DC, b"<oai_dc:dc><dc:title>Cut"],
        [b"<oai_dc:dc><dc:title>Cut", NOT_DC],
    )
    about = json.loads(files[0].with_suffix(".json").read_text(encoding="utf-8"))
    assert about["library"] == "good" and about["request"] == "rebuild"
    assert all(str(path) in " ".join(summary.failed) for path in files)


def test_a_dry_run_reports_what_would_change_and_writes_nothing(
    oai_server: str, store: Store, tmp_path: Path
) -> None:
    _harvest_good(oai_server, store)
    store.upsert_page([make_record(library="good", oai_id="oai:good:8", raw_xml=NOT_DC)])
    _make_stale(store.path, "good", "oai:good:1")
    stale, last_seq = store.get("good", "oai:good:1"), store.max_seq()

    (summary,) = rebuild_catalog(store, dry_run=True, quarantine_dir=tmp_path / "quarantine")

    assert summary.dry_run and summary.changed == 1 and len(summary.failed) == 1
    assert summary.changes == ("oai:good:1: provinces, provinces_today, kind, cluster",)
    assert store.get("good", "oai:good:1") == stale and store.max_seq() == last_seq
    assert not (tmp_path / "quarantine").exists()


def test_records_without_raw_xml_are_counted_and_left_alone(store: Store) -> None:
    store.upsert_page([make_record(library="old", oai_id="oai:old:1", raw_xml=None)])
    before = store.get("old", "oai:old:1")

    (summary,) = rebuild_catalog(store)

    assert (summary.examined, summary.missing_raw_xml, summary.changed) == (1, 1, 0)
    assert summary.ok and store.get("old", "oai:old:1") == before


def test_only_the_libraries_asked_for_are_rebuilt(oai_server: str, store: Store) -> None:
    _harvest_good(oai_server, store, "good")
    _harvest_good(oai_server, store, "other")
    _make_stale(store.path, "good", "oai:good:1")
    _make_stale(store.path, "other", "oai:good:1")

    summaries = rebuild_catalog(store, ["other"])

    assert [(s.library, s.changed) for s in summaries] == [("other", 1)]
    assert store.get("other", "oai:good:1").record.kind == "book"
    assert store.get("good", "oai:good:1").record.kind == "other"


def test_a_stopped_rebuild_keeps_its_committed_batches_and_finishes_when_run_again(
    oai_server: str, store: Store
) -> None:
    _harvest_good(oai_server, store)
    _make_stale(store.path, "good", "oai:good:1")
    _make_stale(store.path, "good", "oai:good:6")
    seen: list[tuple[int, int]] = []

    (first,) = rebuild_catalog(
        store, batch_size=2, progress=lambda done, total: seen.append((done, total)),
        should_stop=lambda: True,
    )  # fmt: skip

    assert first.stopped and first.examined == 2 and first.changed == 1
    assert seen == [(2, 4)]
    assert store.get("good", "oai:good:1").record.kind == "book"
    assert store.get("good", "oai:good:6").record.kind == "other"

    (second,) = rebuild_catalog(store, batch_size=2)

    assert not second.stopped and (second.examined, second.changed) == (4, 1)
    assert store.get("good", "oai:good:6").record.kind == "book"


# -- the command ---------------------------------------------------------------------------


@pytest.fixture
def config(tmp_path: Path) -> Path:
    registry = tmp_path / "libraries.toml"
    registry.write_text(
        '[[library]]\ncode = "good"\nname_vi = "Thư viện thử nghiệm"\nname_en = "Test library"\n'
        'province = "Cần Thơ"\nendpoint = "http://127.0.0.1:9/oai"\nenabled = true\n',
        encoding="utf-8",
    )
    settings = tmp_path / "settings.toml"
    settings.write_text(
        f'catalog_path = "{tmp_path / "catalog.sqlite"}"\n'
        f'index_dir = "{tmp_path / "index"}"\n'
        f'registry_path = "{registry}"\n'
        f'quarantine_dir = "{tmp_path / "quarantine"}"\n'
        f'run_lock_path = "{tmp_path / "unioncat.lock"}"\n',
        encoding="utf-8",
    )
    return settings


def _unioncat(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "-q", *args])
    return result.exit_code, result.output


def test_the_command_rebuilds_and_indexes_only_what_changed(
    oai_server: str, config: Path, tmp_path: Path
) -> None:
    with Store.open(tmp_path / "catalog.sqlite") as store:
        _harvest_good(oai_server, store)
    assert _unioncat(config, "index")[0] == 0  # the index holds the 4 live records
    _make_stale(tmp_path / "catalog.sqlite", "good", "oai:good:1")

    code, output = _unioncat(config, "rebuild", "--dry-run")

    assert code == 0, output
    assert "good       4 examined, 1 would change, 3 unchanged, 0 failed, 0 without raw XML" in (
        output
    )
    assert "  oai:good:1: provinces, provinces_today, kind, cluster" in output
    assert "Dry run: nothing was written." in output and "Indexed" not in output
    assert "rebuilt 4 of 4 records" in output  # the progress line (stderr, mixed in here)

    code, output = _unioncat(config, "rebuild", "good")

    assert code == 0, output
    assert "good       4 examined, 1 changed, 3 unchanged, 0 failed" in output
    assert "Indexed 1 records" in output  # unchanged records are not indexed again
    code, output = _unioncat(config, "rebuild")
    assert code == 0 and "0 changed, 4 unchanged" in output and "Indexed 0 records" in output


def test_the_command_exits_1_naming_each_record_that_failed(
    oai_server: str, config: Path, tmp_path: Path
) -> None:
    with Store.open(tmp_path / "catalog.sqlite") as store:
        _harvest_good(oai_server, store)
        store.upsert_page([make_record(library="good", oai_id="oai:good:8", raw_xml=NOT_DC)])

    code, output = _unioncat(config, "rebuild")

    assert code == 1, output
    assert "  FAILED: [good] record 'oai:good:8': metadata element <ead>" in output
    assert "Error: 1 record(s) no longer map and were kept as they are (listed above)" in output
    with Store.open(tmp_path / "catalog.sqlite") as store:
        assert not store.get("good", "oai:good:8").record.deleted


def test_the_command_refuses_an_unknown_library_code(config: Path) -> None:
    code, output = _unioncat(config, "rebuild", "atlantis")

    assert code == 2
    assert "unknown library code(s) atlantis" in output
