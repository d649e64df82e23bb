"""A harvest's progress for the CLI: live bars on a terminal, plain page lines on request.

On a terminal each member gets a bar (rich), filled towards the member's completeListSize when
its server gives one; the harvest threads of several members update theirs at once. Log lines
written meanwhile go above the bars instead of through them. Not on a terminal there is no
display at all: the harvester logs each page at DEBUG and each member's summary at INFO.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol, TextIO

from rich.console import Console
from rich.file_proxy import FileProxy
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from catalog.models import HarvestSummary
from harvester.oai import Page


class HarvestDisplay(Protocol):
    """What the harvest command feeds: each committed page, then the summaries."""

    def update(self, code: str, page: Page, received: int) -> None: ...

    def finish(self, summaries: Sequence[HarvestSummary]) -> None: ...


class MemberBars:
    """One live bar per member; ``update`` is called from the members' harvest threads."""

    def __init__(self, codes: Sequence[str], console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("records  {task.fields[state]}"),
            TimeElapsedColumn(),
            console=console,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._lock = threading.Lock()
        self._tasks: dict[str, TaskID] = {
            code: self.progress.add_task(code, total=None, start=False, state="waiting")
            for code in codes
        }

    def update(self, code: str, page: Page, received: int) -> None:
        with self._lock:
            task = self._tasks.get(code)
            if task is None:
                task = self._tasks[code] = self.progress.add_task(code, total=None, state="")
            self.progress.start_task(task)
            # Redrawn now, not at the next tick: pages come seconds apart, and a fast page
            # would otherwise never be shown.
            self.progress.update(
                task,
                completed=received,
                total=page.complete_list_size,
                state=page.request,
                refresh=True,
            )

    def finish(self, summaries: Sequence[HarvestSummary]) -> None:
        """Fill the bars of members whose list ended; say how each member's harvest ended."""
        with self._lock:
            for summary in summaries:
                task = self._tasks.get(summary.library)
                if task is None:
                    continue
                done = next(t for t in self.progress.tasks if t.id == task)
                state = "FAILED" if not summary.ok else "stopped" if summary.stopped else "done"
                total = done.total if done.total is not None else done.completed
                if state == "done":
                    total = done.completed  # the list ended here, whatever its size said
                self.progress.update(task, total=total, state=state, refresh=True)


class PageLines:
    """One plain line per page (``[code] ListRecords page 2: 150 of 600 records so far``).

    For programs that follow the output, such as the dashboard's "harvest now" (it reads the
    last such line); written whether or not the stream is a terminal.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def update(self, code: str, page: Page, received: int) -> None:
        size = f" of {page.complete_list_size}" if page.complete_list_size else ""
        with self._lock:
            self._stream.write(f"[{code}] {page.request}: {received}{size} records so far\n")
            self._stream.flush()

    def finish(self, summaries: Sequence[HarvestSummary]) -> None:
        pass


@contextmanager
def harvest_display(
    codes: Sequence[str], stream: TextIO, *, page_lines: bool = False
) -> Iterator[HarvestDisplay | None]:
    """Yield the display for a harvest of ``codes`` on ``stream``, or None when there is none.

    ``page_lines``: plain lines per page; else live bars when ``stream`` is a terminal. While
    the bars are live, log handlers writing to ``stream`` write above them.
    """
    if page_lines:
        yield PageLines(stream)
        return
    if not stream.isatty():
        yield None
        return
    console = Console(file=stream)
    bars = MemberBars(codes, console)
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler, logging.StreamHandler) and handler.stream is stream
    ]
    with bars.progress:
        proxy = FileProxy(console, stream)
        for handler in handlers:
            handler.setStream(proxy)
        try:
            yield bars
        finally:
            for handler in handlers:
                handler.setStream(stream)
            proxy.flush()
