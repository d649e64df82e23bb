"""The `unioncat` command: help on every subcommand, exit codes 0, 1 and 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalog.store import Store
from cli import main
from tests.factories import make_record


def test_every_subcommand_has_help() -> None:
    runner = CliRunner()
    names = sorted(main.commands)
    assert {"libraries", "harvest", "index", "serve", "search", "status", "demo", "sweep"} <= set(
        names
    )
    for name in names:
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, result.output
        assert main.commands[name].help, name
        for param in main.commands[name].params:
            if (
                param.name != "help"
                and hasattr(param, "help")
                and param.param_type_name == "option"
            ):
                assert param.help, f"{name} --{param.name} has no help"


@pytest.fixture
def config(tmp_path: Path, oai_server: str) -> Path:
    registry = tmp_path / "libraries.toml"
    registry.write_text(
        f"""
[[library]]
code = "good"
name_vi = "Thư viện thử nghiệm"
name_en = "Test library"
province = "Cần Thơ"
endpoint = "{oai_server}/clean/oai"
enabled = true

[[library]]
code = "skips"
name_vi = "Thư viện có biểu ghi lỗi"
name_en = "Library with a bad record"
province = "Cần Thơ"
endpoint = "{oai_server}/good/oai"
enabled = false

[[library]]
code = "sweep"
name_vi = "Thư viện không báo xóa"
name_en = "Library that reports no deletions"
province = "Cà Mau"
endpoint = "{oai_server}/sweep/oai"
enabled = false

[[library]]
code = "broken"
name_vi = "Thư viện lỗi"
name_en = "Broken library"
province = "Cà Mau"
endpoint = "{oai_server}/html/oai"
enabled = false
""",
        encoding="utf-8",
    )
    settings = tmp_path / "settings.toml"
    settings.write_text(
        f'catalog_path = "{tmp_path / "catalog.sqlite"}"\n'
        f'index_dir = "{tmp_path / "index"}"\n'
        f'registry_path = "{registry}"\n'
        f'quarantine_dir = "{tmp_path / "quarantine"}"\n'
        f'run_lock_path = "{tmp_path / "unioncat.lock"}"\n'
        f'alert_state_path = "{tmp_path / "alerts.json"}"\n'
        "harvest_timeout = 2\nharvest_max_retries = 0\nharvest_polite_delay = 0\n"
    )
    return settings


def run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "-q", *args])
    return result.exit_code, result.output


def test_harvest_index_search_status_succeed(config: Path) -> None:
    code, output = run(config, "harvest")
    assert code == 0, output
    assert "good" in output and "2 stored" in output

    code, output = run(config, "index")
    assert code == 0 and "Indexed 2 records" in output, output

    code, output = run(config, "search", "can tho")
    assert code == 0 and "Cần Thơ xưa và nay" in output, output

    code, output = run(config, "status", "--json")
    assert code == 0, output
    rows = {row["code"]: row for row in json.loads(output)["libraries"]}
    assert rows["good"]["records"] == 2 and rows["good"]["last_outcome"] == "ok"


def test_one_failing_member_makes_harvest_exit_1(config: Path) -> None:
    code, output = run(config, "harvest", "good", "broken")

    assert code == 1
    assert "good" in output and "FAILED" in output
    assert "Error: 1 of 2 libraries failed: broken" in output
    assert run(config, "status")[0] == 1


def test_a_skipped_record_makes_harvest_exit_1_and_keeps_the_rest(config: Path) -> None:
    code, output = run(config, "harvest", "skips")

    assert code == 1
    assert "4 stored" in output
    assert "records that could not be mapped were skipped: skips (1)" in output


def test_unknown_library_code_is_bad_usage(config: Path) -> None:
    code, output = run(config, "harvest", "atlantis")

    assert code == 2
    assert "unknown library code(s) atlantis" in output


def test_unknown_command_is_bad_usage() -> None:
    assert CliRunner().invoke(main, ["fly"]).exit_code == 2


def test_bad_settings_file_is_one_clear_error(tmp_path: Path) -> None:
    settings = tmp_path / "settings.toml"
    settings.write_text("port = 'eighty'\n")

    code, output = run(settings, "libraries")

    assert code == 1
    assert output.startswith("Error: 1 bad setting(s)")
    assert "port: expected a whole number" in output


def test_libraries_check_reports_identify(config: Path) -> None:
    code, output = run(config, "libraries", "--check")

    assert code == 0, output
    assert "OK: 'Thư viện thử nghiệm'" in output
    assert "4 libraries, 1 enabled." in output


def test_search_without_an_index_names_the_fix(config: Path) -> None:
    code, output = run(config, "search", "x")

    assert code == 1
    assert "run `unioncat index`" in output


def test_sweep_marks_unlisted_records_deleted(config: Path, tmp_path: Path) -> None:
    with Store.open(tmp_path / "catalog.sqlite") as store:
        store.upsert_page(
            [make_record(library="sweep", oai_id=f"oai:sweep:{n}") for n in range(1, 6)]
        )

    code, output = run(config, "sweep", "sweep")

    assert code == 0, output
    assert "2 marked deleted — ok" in output
    with Store.open(tmp_path / "catalog.sqlite") as store:
        assert store.get("sweep", "oai:sweep:4").record.deleted


def test_operations_commands_have_help() -> None:
    assert {"run", "schedule", "backup", "restore"} <= set(main.commands)
    for name in ("run", "schedule", "backup", "restore"):
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0 and main.commands[name].help, result.output


def test_status_json_has_monitoring_keys(config: Path) -> None:
    run(config, "harvest", "good", "broken")
    run(config, "harvest", "broken")

    code, output = run(config, "status", "--json")

    assert code == 1  # good's last harvest went well, broken's did not
    document = json.loads(output[: output.rindex("}") + 1])
    rows = {row["code"]: row for row in document["libraries"]}
    assert rows["broken"]["consecutive_failures"] == 2
    assert rows["broken"]["last_success"] is None and rows["broken"]["last_failure"]
    assert rows["good"]["consecutive_failures"] == 0 and rows["good"]["last_success"]
    assert rows["good"]["next_run"] == document["next_run"]
    assert document["next_run"].endswith("+07:00")
    assert document["schedule"] == {"cron": "30 1 * * *", "timezone": "Asia/Ho_Chi_Minh"}


def test_log_format_json_writes_json_lines(config: Path) -> None:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-m", "cli", "--config", str(config), "--log-format", "json", "index"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert any(line["message"].startswith("index:") for line in lines)
    assert {"time", "level", "logger", "message", "pid"} <= set(lines[0])
