"""Harvester test fixtures: a fresh replay-server state for every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.oai_server import ReplayHandler


@pytest.fixture(autouse=True)
def fresh_server_state() -> Iterator[None]:
    """Forget the replay server's runs and requests, and release stalled requests afterwards."""
    ReplayHandler.reset()
    yield
    ReplayHandler.reset()
