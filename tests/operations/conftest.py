"""Operations fixtures: a settings file and registry in tmp_path, `unioncat` as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.oai_server import ReplayHandler

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fresh_server_state() -> Iterator[None]:
    """Forget the replay server's runs and requests, and release stalled requests afterwards."""
    ReplayHandler.reset()
    yield
    ReplayHandler.reset()


MakeConfig = Callable[..., Path]


@pytest.fixture
def make_config(tmp_path: Path, oai_server: str) -> MakeConfig:
    """Write a registry of enabled members (name = replay path) and a settings file."""

    def make(*members: str, **settings: object) -> Path:
        registry = tmp_path / "libraries.toml"
        registry.write_text(
            "".join(
                f'[[library]]\ncode = "{name}"\nname_vi = "Thư viện {name}"\n'
                f'name_en = "{name}"\nprovince = "Cần Thơ"\n'
                f'endpoint = "{oai_server}/{name}/oai"\nenabled = true\n\n'
                for name in members
            ),
            encoding="utf-8",
        )
        values: dict[str, object] = {
            "catalog_path": tmp_path / "catalog.sqlite",
            "index_dir": tmp_path / "index",
            "registry_path": registry,
            "quarantine_dir": tmp_path / "quarantine",
            "run_lock_path": tmp_path / "unioncat.lock",
            "alert_state_path": tmp_path / "alerts.json",
            "backup_dir": tmp_path / "backups",
            "harvest_timeout": 5.0,
            "harvest_max_retries": 0,
            "harvest_polite_delay": 0.0,
            **settings,
        }
        path = tmp_path / "settings.toml"
        path.write_text(
            "".join(f"{name} = {_toml(value)}\n" for name, value in values.items()),
            encoding="utf-8",
        )
        return path

    return make


def _toml(value: object) -> str:
    if isinstance(value, Path | str):
        return '"' + str(value).replace("\\", "\\\\") + '"'
    return repr(value)


def unioncat(config: Path, *args: str, log_format: str = "human") -> subprocess.Popen[str]:
    """Start `unioncat --config CONFIG ARGS...` (python -m cli) with piped output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNIONCAT_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "--config", str(config), "--log-format", log_format, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(child: subprocess.Popen[str], timeout: float = 30) -> tuple[int, str, str]:
    """Wait for ``child``; return its exit status, stdout and stderr."""
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        out, err = child.communicate()
        raise AssertionError(f"unioncat did not finish in {timeout} s:\n{out}\n{err}") from None
    return child.returncode, out, err
