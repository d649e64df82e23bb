"""`unioncat demo` in a subprocess, as a new user runs it: it serves, then Ctrl-C stops it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_demo_serves_can_tho_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    unioncat = Path(sys.executable).parent / "unioncat"
    process = subprocess.Popen(
        [str(unioncat), "-q", "demo", "--port", "0", "--workdir", str(tmp_path / "demo")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    output: list[str] = []
    try:
        deadline = time.monotonic() + 120
        url = None
        assert process.stdout is not None
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            found = re.search(r"demo: (http://127\.0\.0\.1:\d+/)", line)
            url = found.group(1) if found else None
        assert url, "".join(output)

        with urllib.request.urlopen(url + "api/search?q=can+tho", timeout=10) as response:
            data = json.load(response)
        with urllib.request.urlopen(url + "?q=can+tho", timeout=10) as response:
            page = response.read().decode("utf-8")

        assert data["total"] >= 10
        assert "Cần Thơ" in page
        assert "harvested travinh" in "".join(output)
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    assert process.returncode == 0, "".join(output) + rest
    assert "Stopped." in rest
