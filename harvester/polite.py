"""Politeness towards one host: one request at a time, and a pause between requests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit


class HostGate:
    """Lets one request at a time through to a host, ``delay`` seconds after the previous ended.

    Share one gate between every client that talks to the same host (``harvest_libraries``
    keeps one per host name).
    """

    def __init__(
        self,
        delay: float = 0.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.delay = delay
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last_end: float | None = None

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for this host's turn, hold it for one request, then start the pause."""
        with self._lock:
            if self._last_end is not None and self.delay > 0:
                wait = self._last_end + self.delay - self._clock()
                if wait > 0:
                    self._sleep(wait)
            try:
                yield
            finally:
                self._last_end = self._clock()


def host_of(endpoint: str | None) -> str:
    """The host name an endpoint is served from (the port is the same machine's)."""
    return (urlsplit(endpoint or "").hostname or "").lower()
