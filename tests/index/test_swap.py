"""Rebuilds fill a new generation beside the live index and switch to it in one step.

Readers (a SearchIndex, the web app) keep answering from the old generation until the switch
and from the new one after it, never from a half-built index; a rebuild killed part way
leaves the live index serving, and the next one removes what it left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalog.errors import SearchIndexError
from catalog.models import Record
from catalog.store import Store
from cli import main
from config.settings import Settings
from index.build import update_index
from index.search import SearchIndex
from index.swap import live_directory
from tests.factories import make_library, make_record
from webapp import create_app

ROOT = Path(__file__).resolve().parents[2]
OLD, NEW = 105, 130  # records before and after the rebuild: three batches of 50

# A rebuild in its own process that pauses after each committed batch (as a slow disk would),
# so the test's readers run while the new generation is half built.
_REBUILD = """
import sys, time
from pathlib import Path
from catalog.store import Store
from index import build
from index.build import update_index

build._BATCH = 50  # commits as often with a small catalog as with a large one

def pause(done):
    print("batch", done, flush=True)
    time.sleep(float(sys.argv[3]))

with Store.open(Path(sys.argv[1])) as store:
    update_index(store, Path(sys.argv[2]), rebuild=True, progress=pause)
print("done", flush=True)
"""


def _records(first: int, last: int) -> list[Record]:
    return [make_record(oai_id=f"oai:s:{n}", title=f"Cà Mau {n}") for n in range(first, last)]


def _rebuild_process(settings: Settings, pause: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _REBUILD, str(settings.catalog_path), str(settings.index_dir),
         str(pause)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


@pytest.fixture
def indexed(settings: Settings) -> Iterator[Store]:
    """A catalog of NEW records whose live index holds the first OLD of them."""
    with Store.open(settings.catalog_path) as store:
        store.upsert_page(_records(0, OLD))
        update_index(store, settings.index_dir)
        store.upsert_page(_records(OLD, NEW))
        yield store


def _search_until_done(check: Callable[[], int], child: subprocess.Popen[str]) -> list[int]:
    """Call ``check()`` in a loop on another thread until ``child`` ends; return what it saw."""
    seen: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                seen.append(check())
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)
                return

    reader = threading.Thread(target=loop)
    reader.start()
    try:
        out, err = child.communicate(timeout=120)
    finally:
        stop.set()
        reader.join()
    assert child.returncode == 0, out + err
    assert not errors, errors
    return seen


def test_searches_during_a_rebuild_see_the_old_or_the_new_index_only(
    settings: Settings, indexed: Store
) -> None:
    index = SearchIndex(settings.index_dir)
    try:
        before = live_directory(settings.index_dir)
        child = _rebuild_process(settings, pause=0.5)
        seen = _search_until_done(lambda: index.search("ca mau", per_page=5).total, child)
        after = index.search("ca mau").total
    finally:
        index.close()

    assert set(seen) <= {OLD, NEW}, sorted(set(seen))  # never 0, never a part
    assert seen.count(OLD) > 10  # it searched while the new generation was being built
    assert after == NEW
    assert live_directory(settings.index_dir) != before
    assert settings.index_dir.is_symlink()


def test_web_app_keeps_answering_while_another_process_rebuilds(
    settings: Settings, indexed: Store
) -> None:
    app = create_app(settings, libraries=(make_library(code="cantho"),))
    client = app.test_client()

    def total() -> int:
        response = client.get("/api/search?q=ca+mau")
        assert response.status_code == 200, response.get_data(as_text=True)
        return int(response.get_json()["total"])

    try:
        seen = _search_until_done(total, _rebuild_process(settings, pause=0.5))
        after = total()
    finally:
        app.extensions["unioncat"].search_index.close()

    assert set(seen) <= {OLD, NEW} and OLD in seen
    assert after == NEW


def test_a_rebuild_killed_part_way_leaves_the_live_index_and_the_next_cleans_up(
    settings: Settings, indexed: Store
) -> None:
    live = live_directory(settings.index_dir)
    child = _rebuild_process(settings, pause=60)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().startswith("batch 50")  # one batch committed
        child.send_signal(signal.SIGKILL)
    finally:
        child.communicate(timeout=30)
    partial = list(settings.index_dir.parent.glob("index.new-*"))
    index = SearchIndex(settings.index_dir)
    try:
        serving = index.search("ca mau").total
    finally:
        index.close()

    assert len(partial) == 1 and (partial[0] / "unioncat-seq").read_text() == "50"
    assert live_directory(settings.index_dir) == live and serving == OLD

    summary = update_index(indexed, settings.index_dir, rebuild=True)

    assert summary.indexed == NEW and summary.rebuilt
    assert not partial[0].exists()
    index = SearchIndex(settings.index_dir)
    try:
        assert index.search("ca mau").total == NEW
    finally:
        index.close()


def test_a_schema_change_is_rebuilt_beside_while_an_open_reader_keeps_its_results(
    store: Store, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    store.upsert_page(_records(0, 6))
    update_index(store, index_dir)  # one commit: Whoosh's generation 1, as the new one's will be
    index = SearchIndex(index_dir)
    try:
        assert index.search("").total == 6  # and kept in the page cache
        old = live_directory(index_dir)
        assert old is not None
        (old / "unioncat-schema").write_text("5")  # as an older version left it
        store.upsert_page(_records(6, 7))

        summary = update_index(store, index_dir)

        assert summary.rebuilt and summary.indexed == 7
        assert live_directory(index_dir) != old and old.exists()  # the previous one is kept
        assert index.search("").total == 7  # the new generation, not a cached page of the old
        assert (old / "unioncat-schema").read_text() == "5"  # the old one was not touched
    finally:
        index.close()


def test_a_plain_index_folder_becomes_a_generation_without_a_gap(
    store: Store, tmp_path: Path
) -> None:
    from index.build import open_or_create

    index_dir = tmp_path / "index"
    open_or_create(index_dir).close()  # an index as versions before generations made it
    store.upsert_page(_records(0, 2))
    update_index(store, index_dir)
    assert index_dir.is_dir() and not index_dir.is_symlink()
    index = SearchIndex(index_dir)
    try:
        assert index.search("ca mau").total == 2
        store.upsert_page(_records(2, 3))

        update_index(store, index_dir, rebuild=True)

        assert index_dir.is_symlink()
        assert os.readlink(index_dir) == "index.gen-000001"
        assert (tmp_path / "index.gen-000000" / "unioncat-seq").read_text() == "2"
        assert index.search("ca mau").total == 3
    finally:
        index.close()


def test_a_plain_index_folder_holding_other_files_is_refused_and_kept(
    store: Store, tmp_path: Path
) -> None:
    store.upsert_page(_records(0, 2))
    plain = tmp_path / "index"
    plain.mkdir()
    (plain / "notes.txt").write_text("keep me")  # index_dir pointed at a folder in use

    with pytest.raises(SearchIndexError, match=r"index: the index folder also holds notes\.txt"):
        update_index(store, plain)

    assert (plain / "notes.txt").read_text() == "keep me"
    assert list(tmp_path.glob("index.*")) == []  # no build left beside it


def test_old_generations_go_once_no_reader_holds_them(store: Store, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    store.upsert_page(_records(0, 2))
    update_index(store, index_dir)
    first = live_directory(index_dir)
    reader = SearchIndex(index_dir)
    try:
        assert reader.search("ca mau").total == 2  # holds the first generation
        for _ in range(3):
            update_index(store, index_dir, rebuild=True)
        assert reader.search("ca mau").total == 2  # now reads (and holds) the fourth
        names = sorted(path.name for path in tmp_path.glob("index.*"))
        # The first is neither live nor the previous, but this reader still held it.
        assert names == ["index.gen-000001", "index.gen-000003", "index.gen-000004"]
    finally:
        reader.close()
    update_index(store, index_dir)  # an ordinary update tidies up too

    assert first is not None and not first.exists()
    assert sorted(path.name for path in tmp_path.glob("index.*")) == [
        "index.gen-000003",
        "index.gen-000004",
    ]


def test_unioncat_index_twice_indexes_nothing_the_second_time(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text(
        f'catalog_path = "{tmp_path / "catalog.sqlite"}"\n'
        f'index_dir = "{tmp_path / "index"}"\n'
        f'run_lock_path = "{tmp_path / "unioncat.lock"}"\n'
    )
    with Store.open(tmp_path / "catalog.sqlite") as store:
        store.upsert_page(_records(0, 3))

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, ["--config", str(config), "-q", "index", *args])
        assert result.exit_code == 0, result.output
        return result.output

    first, second, rebuilt = run(), run(), run("--rebuild")

    assert "Indexed 3 records, removed 0" in first
    assert "Indexed 0 records, removed 0, catalog change 3." in second
    assert "switched to it" not in second
    assert "Rebuilt the index beside the live one and switched to it." in rebuilt
    assert "Indexed 3 records" in rebuilt
    assert "--rebuild" in CliRunner().invoke(main, ["index", "--help"]).output
