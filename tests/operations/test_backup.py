"""Backup and restore: a consistent copy taken while another connection writes, and back."""

from __future__ import annotations

import threading
from pathlib import Path

from click.testing import CliRunner

from catalog.store import Store
from cli import main
from tests.factories import make_record
from tests.operations.conftest import MakeConfig


def _invoke(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "-q", *args])
    return result.exit_code, result.output


def test_backup_while_writing_then_restore_round_trips_and_rebuilds_the_index(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    config = make_config("good")
    catalog = tmp_path / "catalog.sqlite"
    with Store.open(catalog) as store:
        store.upsert_page([make_record(oai_id=f"oai:test:{n}") for n in range(50)])
    done = threading.Event()

    def write() -> None:  # another connection keeps writing pages during the backup
        with Store.open(catalog) as writer:
            n = 1000
            while not done.is_set():
                writer.upsert_page([make_record(oai_id=f"oai:test:{n + i}") for i in range(20)])
                n += 20

    thread = threading.Thread(target=write)
    thread.start()
    try:
        code, output = _invoke(config, "backup")
    finally:
        done.set()
        thread.join()
    assert code == 0, output
    folder = next((tmp_path / "backups").iterdir())
    assert {p.name for p in folder.iterdir()} >= {
        "catalog.sqlite",
        "settings.toml",
        "libraries.toml",
        "manifest.json",
    }
    with Store.open(folder / "catalog.sqlite") as copy:
        saved = copy.max_seq()
        assert copy.count() == saved  # consistent: every change number up to the last is there
        assert saved >= 50

    # The live catalog moved on: restoring would lose changes, so it is refused...
    code, output = _invoke(config, "restore", str(folder))
    assert code == 1 and "is newer than the backup" in output and "--force" in output

    # ...unless forced; the registry edited since comes back, the edited one is kept aside.
    registry = tmp_path / "libraries.toml"
    edited = registry.read_text(encoding="utf-8").replace("enabled = true", "enabled = false")
    registry.write_text(edited, encoding="utf-8")
    code, output = _invoke(config, "restore", str(folder), "--force")

    assert code == 0, output
    assert f"Rebuilt the index: {saved} records" in output
    with Store.open(catalog) as store:
        assert store.max_seq() == saved and store.count() == saved
    assert "enabled = true" in registry.read_text(encoding="utf-8")
    assert (tmp_path / "libraries.toml.before-restore").read_text(encoding="utf-8") == edited
    code, output = _invoke(config, "search", "can tho")
    assert code == 0 and "Cần Thơ xưa và nay" in output, output  # one entry per work


def test_restore_refuses_a_folder_that_is_not_a_backup(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    config = make_config("good")
    (tmp_path / "empty").mkdir()

    code, output = _invoke(config, "restore", str(tmp_path / "empty"))

    assert code == 1 and "not a unioncat backup" in output
