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
    """Write a registry of enabled members (name = replay path) and a settings file.

    ``schedules`` gives members their own schedule_cron: ``{"lag": "0 3 * * *"}``.
    """

    def make(*members: str, schedules: dict[str, str] | None = None, **settings: object) -> Path:
        own = schedules or {}
        registry = tmp_path / "libraries.toml"
        registry.write_text(
            "".join(
                f'[[library]]\ncode = "{name}"\nname_vi = "Thư viện {name}"\n'
                f'name_en = "{name}"\nprovince = "Cần Thơ"\n'
                f'endpoint = "{oai_server}/{name}/oai"\nenabled = true\n'
                + (f'schedule_cron = "{own[name]}"\n' if name in own else "")
                + "\n"
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


def unioncat(
    config: Path, *args: str, log_format: str = "human", options: tuple[str, ...] = ()
) -> subprocess.Popen[str]:
    """Start `unioncat --config CONFIG [OPTIONS] ARGS...` (python -m cli) with piped output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNIONCAT_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "cli", "--config", str(config)),
            *("--log-format", log_format, *options, *args),
        ],
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


_HOLD = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from operations.lock import run_lock\n"
    "with run_lock(Path(sys.argv[1]), command='holder'):\n"
    "    print('held', flush=True)\n"
    "    time.sleep(float(sys.argv[2]))\n"
)


def hold_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Start a process holding the run lock at ``path`` for ``seconds``; return once it holds."""
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path), str(seconds)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline() == "held\n"
    return child
