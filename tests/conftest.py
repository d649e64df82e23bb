"""Shared fixtures: settings in tmp_path, a replay OAI-PMH server, sample member servers."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import ThreadingHTTPServer
from pathlib import Path

import hypothesis
import pytest

from catalog.store import Store
from config.settings import Settings
from tests.oai_server import ReplayHandler

# Property tests draw new examples on every run on a developer's machine (a failing one is kept
# in .hypothesis/ and tried first next time). With CI set (.ci/run sets it) they draw the same
# examples every run, so that CI passes or fails on the change, not on the draw. Loaded here,
# before any test module makes its own settings from the profile.
hypothesis.settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis.settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return replace(
        Settings(),
        catalog_path=tmp_path / "catalog.sqlite",
        index_dir=tmp_path / "index",
        web_state_path=tmp_path / "web-state.sqlite",
        secret_key="test-secret",
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    with Store.open(settings.catalog_path) as opened:
        yield opened


@pytest.fixture(scope="session")
def oai_server() -> Iterator[str]:
    """Base URL of a loopback OAI-PMH server replaying tests/fixtures/oai/."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), ReplayHandler)  # port 0: any free port
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()  # otherwise filterwarnings=error trips on the open socket
    thread.join()
