"""Geometry of the dashboard's two charts, drawn as inline SVG by its template (no script).

Records per member as horizontal bars (live and deleted), and harvest history as one bar per
run on a time axis (height: records stored or deleted; colour: outcome).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from catalog.models import HarvestSummary

WIDTH = 720
LABEL_WIDTH = 240
ROW_HEIGHT = 24
HISTORY_HEIGHT = 180
HISTORY_MARGIN = 28  # room for the axis labels above and below the plot
MIN_RUN_HEIGHT = 3  # a run that changed nothing still shows


@dataclass(frozen=True, slots=True)
class MemberBar:
    """One member's row: its label, live and deleted record counts and their bar widths."""

    label: str
    live: int
    deleted: int
    y: float
    text_y: float  # baseline of the row's label and count
    live_width: float
    deleted_width: float


@dataclass(frozen=True, slots=True)
class RecordsChart:
    width: int
    height: int
    label_width: int
    row_height: int
    bars: tuple[MemberBar, ...]


@dataclass(frozen=True, slots=True)
class RunBar:
    """One harvest run: where it stands and what it did."""

    library: str
    started_at: datetime
    changed: int
    ok: bool
    x: float
    y: float
    height: float


@dataclass(frozen=True, slots=True)
class HistoryChart:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    runs: tuple[RunBar, ...]
    most: int  # the y axis' top value
    first: datetime | None
    last: datetime | None


def records_chart(rows: Sequence[tuple[str, int, int]]) -> RecordsChart:
    """Lay out bars for ``rows`` of (label, live records, deleted records)."""
    most = max((live + deleted for _, live, deleted in rows), default=0) or 1
    scale = (WIDTH - LABEL_WIDTH - 70) / most  # 70: room for the count after the bar
    bars = tuple(
        MemberBar(
            label=label,
            live=live,
            deleted=deleted,
            y=index * ROW_HEIGHT,
            text_y=round(index * ROW_HEIGHT + ROW_HEIGHT * 0.65, 1),
            live_width=round(live * scale, 1),
            deleted_width=round(deleted * scale, 1),
        )
        for index, (label, live, deleted) in enumerate(rows)
    )
    return RecordsChart(
        width=WIDTH,
        height=max(ROW_HEIGHT, len(bars) * ROW_HEIGHT),
        label_width=LABEL_WIDTH,
        row_height=ROW_HEIGHT,
        bars=bars,
    )


def history_chart(runs: Sequence[HarvestSummary]) -> HistoryChart:
    """Lay out one bar per harvest run, oldest on the left, on a time axis."""
    ordered = sorted(runs, key=lambda run: run.started_at)
    top, bottom = HISTORY_MARGIN, HISTORY_HEIGHT - HISTORY_MARGIN
    most = max((run.stored + run.deleted for run in ordered), default=0) or 1
    first = ordered[0].started_at if ordered else None
    last = ordered[-1].started_at if ordered else None
    span = (last - first).total_seconds() if first and last else 0.0
    left, right = 10, WIDTH - 10
    bars = []
    for run in ordered:
        offset = (run.started_at - first).total_seconds() if first else 0.0
        x = left + (right - left) * (offset / span if span else 0.5)
        changed = run.stored + run.deleted
        height = max(MIN_RUN_HEIGHT, (bottom - top) * changed / most)
        bars.append(
            RunBar(
                library=run.library,
                started_at=run.started_at,
                changed=changed,
                ok=run.ok,
                x=round(x - 2, 1),
                y=round(bottom - height, 1),
                height=round(height, 1),
            )
        )
    return HistoryChart(
        width=WIDTH,
        height=HISTORY_HEIGHT,
        plot_top=top,
        plot_bottom=bottom,
        runs=tuple(bars),
        most=most,
        first=first,
        last=last,
    )
