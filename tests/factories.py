"""Builders for test data."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from catalog.models import Library, Record


def make_record(**overrides: Any) -> Record:
    values: dict[str, Any] = dict(
        library="cantho",
        oai_id="oai:test:1",
        datestamp=datetime(2025, 1, 1, 8, 0, tzinfo=UTC),
        title="Cần Thơ xưa và nay",
        creators=("Huỳnh Minh",),
        subjects=("Địa chí",),
        kind="book",
        date="1966",
        year_from=1966,
        year_to=1966,
        languages=("vie",),
    )
    values.update(overrides)
    return Record(**values)


def make_library(**overrides: Any) -> Library:
    values: dict[str, Any] = dict(
        code="good",
        name_vi="Thư viện thử nghiệm",
        name_en="Test library",
        province="Cần Thơ",
        endpoint="http://127.0.0.1:9/oai",
        enabled=True,
    )
    values.update(overrides)
    return Library(**values)


ROOT = Path(__file__).resolve().parents[1]


def start_harvest(catalog: Path, code: str, endpoint: str, options: str) -> subprocess.Popen[bytes]:
    """Start ``harvest_library`` of one library into ``catalog`` in a child process (to be
    killed by a test); ``options`` is the source of its HarvestOptions arguments."""
    script = (
        "import sys\n"
        "from catalog.store import Store\n"
        "from harvester.run import HarvestOptions, harvest_library\n"
        "from tests.factories import make_library\n"
        "library = make_library(code=sys.argv[2], endpoint=sys.argv[3])\n"
        "with Store.open(sys.argv[1]) as store:\n"
        f"    harvest_library(library, store, HarvestOptions({options}))\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", script, str(catalog), code, endpoint],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
