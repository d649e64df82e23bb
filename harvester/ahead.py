"""Fetch pages ahead: while a harvest stores page k, a thread fetches page k+1.

The member's server works on the next page while we map and store this one, so a harvest takes
about as long as the slower of the two instead of their sum. One page is fetched ahead (two
pages in memory at most), or two when pages are mapped in a process of their own (so that one
waits in the mapping process's pipe while it maps the other: three pages in memory at most);
requests stay one at a time: only the fetch thread sends them. The first two pages are fetched
when asked for, so nothing runs ahead until a page has been stored and committed: a window of
one page (most nightly runs) starts no thread, and a run stopped or killed on its first page
has sent no request beyond it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar, cast

T = TypeVar("T")


@contextmanager
def fetch_ahead(
    items: Iterator[T], *, name: str, depth: int = 1, leaving: threading.Event | None = None
) -> Iterator[Iterator[T]]:
    """Iterate ``items`` with the next ``depth`` items fetched in a thread while the caller
    uses this one.

    ``items`` is only ever advanced by one thread at a time. An exception it raises reaches
    the caller unchanged (same object, type and message) when the caller asks for that item,
    that is after everything before it has been handed out. Leaving the block drops the items
    fetched ahead but not asked for, waits for a fetch in progress to end (as a serial harvest
    would finish its request) and closes ``items``. ``name`` names the thread in logs.
    ``leaving``, when given, is set as the block is left, before that wait: a fetch waiting for
    something only the caller would have done (read a page's records) can give up.
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    ahead = _Ahead(items, name, depth, leaving or threading.Event())
    try:
        yield iter(ahead)
    finally:
        ahead.close()


class _Ahead(Generic[T]):
    def __init__(self, items: Iterator[T], name: str, depth: int, closed: threading.Event) -> None:
        self._items = items
        self._name = name
        self._depth = depth
        self._orders: queue.SimpleQueue[bool] = queue.SimpleQueue()  # True: fetch one more
        # ("item", the item), ("end", None) or ("error", the exception)
        self._results: queue.SimpleQueue[tuple[str, object]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = closed  # set on leaving: a fetch not started yet is not sent

    def __iter__(self) -> Iterator[T]:
        handed = 0
        while True:
            if self._thread is None:
                item: object = next(self._items, _END)  # pages 1 and 2: fetched when asked for
            else:
                kind, value = self._results.get()
                if kind == "error":
                    raise cast(BaseException, value)
                item = value if kind == "item" else _END
            if item is _END:
                return
            handed += 1
            if handed >= 2:
                # The next page comes while the caller stores this one (the next ``depth``,
                # once the thread starts).
                for _ in range(self._depth if handed == 2 else 1):
                    self._order()
            yield cast(T, item)

    def _order(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._fetch, name=self._name, daemon=True)
            self._thread.start()
        self._orders.put(True)

    def _fetch(self) -> None:
        while self._orders.get() and not self._closed.is_set():
            try:
                item = next(self._items)
            except StopIteration:
                self._results.put(("end", None))
                return
            except BaseException as exc:  # handed to the caller's thread, raised there
                self._results.put(("error", exc))
                return
            self._results.put(("item", item))

    def close(self) -> None:
        self._closed.set()
        if self._thread is not None:
            self._orders.put(False)
            self._thread.join()
        close = getattr(self._items, "close", None)
        if close is not None:
            close()


_END = object()
