"""Pure geometry and period helpers for the panel's charts and tile grid (core layer).

Everything here is plain Python + numpy so that it can be unit-tested
without Qt and called from a pyqtgraph ``hoverEvent`` without putting logic
inside it (pyqtgraph swallows exceptions raised there):

- :class:`StackLayout` and :func:`hit_test` map a point in data coordinates to
  the (bar, segment) of a stacked bar chart;
- :func:`segment_figures` gives the numbers a segment's tooltip shows;
- :class:`Period` and :func:`period_range` choose which snapshots a chart shows;
- :func:`pack_tiles` places the panel's tiles on a grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Period",
    "SegmentFigures",
    "StackLayout",
    "TilePlacement",
    "hit_test",
    "pack_tiles",
    "period_range",
    "segment_figures",
    "segment_rect",
    "stack_layout",
]


# --------------------------------------------------------------------------
# Stacked bars


@dataclass(frozen=True, eq=False)
class StackLayout:
    """Where every segment of a stacked bar chart is, in data coordinates.

    Attributes
    ----------
    x
        Bar centres, strictly increasing, shape ``(n_bars,)``.
    width
        Width of every bar (data units).
    tops
        Cumulative top of each segment, shape ``(n_bars, n_segments)``;
        segment ``j`` of bar ``i`` spans ``[tops[i, j-1], tops[i, j])``
        vertically (the first starts at 0).
    """

    x: NDArray[np.float64]
    width: float
    tops: NDArray[np.float64]

    @property
    def bottoms(self) -> NDArray[np.float64]:
        """Cumulative bottom of each segment, same shape as :attr:`tops`."""
        out = np.zeros_like(self.tops)
        out[:, 1:] = self.tops[:, :-1]
        return out

    @property
    def n_bars(self) -> int:
        """Number of bars."""
        return int(self.tops.shape[0])

    @property
    def n_segments(self) -> int:
        """Number of segments (stages) per bar."""
        return int(self.tops.shape[1])


def stack_layout(
    counts: ArrayLike, *, width: float = 0.7, x: ArrayLike | None = None
) -> StackLayout:
    """Stack ``counts`` (bars × segments) into a :class:`StackLayout`.

    Parameters
    ----------
    counts
        Non-negative heights, shape ``(n_bars, n_segments)``.
    width
        Bar width in data units; bars are centred on ``x``.
    x
        Bar centres; ``0, 1, 2, …`` when omitted.

    Returns
    -------
    StackLayout
        Read-only arrays describing the stacked chart.
    """
    heights = np.asarray(counts, dtype=np.float64)
    if heights.ndim != 2:
        raise ValueError("counts must be a 2-D array (bars × segments)")
    if np.any(heights < 0):
        raise ValueError("counts must not be negative")
    centres = (
        np.arange(heights.shape[0], dtype=np.float64)
        if x is None
        else np.asarray(x, dtype=np.float64)
    )
    if centres.shape != (heights.shape[0],):
        raise ValueError("x must have one centre per bar")
    if centres.size > 1 and np.any(np.diff(centres) <= 0):
        raise ValueError("bar centres must be strictly increasing")
    if not width > 0:
        raise ValueError("width must be positive")
    tops = np.cumsum(heights, axis=1)
    centres.setflags(write=False)
    tops.setflags(write=False)
    return StackLayout(x=centres, width=float(width), tops=tops)


def hit_test(layout: StackLayout, x: float, y: float) -> tuple[int, int] | None:
    """Return the ``(bar, segment)`` under the point ``(x, y)``, or ``None``.

    A bar covers ``[centre - width/2, centre + width/2]`` horizontally (both
    edges included; where bars touch, the nearer centre wins and an exact tie
    goes to the left bar). A segment covers ``[bottom, top)`` vertically, so a
    point on the boundary between two segments belongs to the upper one; the
    top edge of the stack belongs to the topmost non-empty segment. Empty
    segments (zero height) are never hit.

    Parameters
    ----------
    layout
        The chart geometry from :func:`stack_layout`.
    x, y
        The point in data coordinates.

    Returns
    -------
    tuple of int or None
        Bar and segment indices, or ``None`` between bars, above or below a
        stack, or outside the chart.
    """
    if layout.n_bars == 0 or layout.n_segments == 0:
        return None
    if not (np.isfinite(x) and np.isfinite(y)):
        return None
    # searchsorted finds the two candidate neighbours in O(log n).
    right = int(np.searchsorted(layout.x, x))
    half = layout.width / 2
    # Compare with the edges computed exactly as the drawn rectangles are
    # (centre ± width/2), not with a distance, so that edges stay exact.
    candidates = [
        i
        for i in (right - 1, right)
        if 0 <= i < layout.n_bars and layout.x[i] - half <= x <= layout.x[i] + half
    ]
    if not candidates:
        return None
    bar = min(candidates, key=lambda i: (abs(layout.x[i] - x), i))
    tops = layout.tops[bar]
    total = float(tops[-1])
    if total <= 0 or y < 0 or y > total:
        return None
    if y == total:
        # The stack's top edge: the last segment that has any height.
        segment = int(np.searchsorted(tops, total, side="left"))
        return bar, segment
    # Number of tops <= y is the index of the first segment whose top is above y.
    return bar, int(np.searchsorted(tops, y, side="right"))


def segment_rect(
    layout: StackLayout, bar: int, segment: int
) -> tuple[float, float, float, float]:
    """Return ``(left, bottom, width, height)`` of one segment in data coordinates."""
    bottom = float(layout.tops[bar, segment - 1]) if segment > 0 else 0.0
    top = float(layout.tops[bar, segment])
    left = float(layout.x[bar]) - layout.width / 2
    return left, bottom, layout.width, top - bottom


@dataclass(frozen=True)
class SegmentFigures:
    """The numbers a segment's tooltip shows.

    Attributes
    ----------
    count
        Customers in the segment.
    bar_total
        Customers in the whole bar (the stages shown).
    share
        ``count / bar_total`` (0.0 when the bar is empty).
    previous
        The same stage's count in the previous snapshot, ``None`` for the
        first snapshot of the history.
    change
        ``count - previous``, ``None`` without a previous snapshot.
    relative_change
        ``change / previous``, ``None`` without a previous snapshot or when
        ``previous`` is 0.
    """

    count: int
    bar_total: int
    share: float
    previous: int | None
    change: int | None
    relative_change: float | None


def segment_figures(counts: ArrayLike, bar: int, segment: int) -> SegmentFigures:
    """Compute a segment's count, share of its bar and change against the previous bar.

    Parameters
    ----------
    counts
        The whole history, shape ``(n_snapshots, n_stages_shown)`` — pass the
        full history even when the chart shows a shorter period, so that the
        first bar shown still has its previous month.
    bar, segment
        Indices into ``counts``.

    Returns
    -------
    SegmentFigures
    """
    table = np.asarray(counts)
    count = int(table[bar, segment])
    total = int(table[bar].sum())
    share = count / total if total else 0.0
    if bar == 0:
        return SegmentFigures(count, total, share, None, None, None)
    previous = int(table[bar - 1, segment])
    change = count - previous
    relative = change / previous if previous else None
    return SegmentFigures(count, total, share, previous, change, relative)


# --------------------------------------------------------------------------
# Periods


class Period(StrEnum):
    """Which snapshots the lifecycle indicator shows."""

    LAST_12 = "last_12"
    LAST_24 = "last_24"
    ALL = "all"
    CUSTOM = "custom"


def period_range(
    n_snapshots: int,
    period: Period,
    custom: tuple[int, int] | None = None,
) -> tuple[int, int]:
    """Return the half-open snapshot index range ``[start, stop)`` to show.

    "12 months" is the last 12 snapshots, the partial one included
    (DOMAIN.md). A custom range ``(first, last)`` is inclusive, clamped to the
    history and swapped when given backwards; without one, a custom period
    shows everything.

    Parameters
    ----------
    n_snapshots
        Number of snapshots in the history.
    period
        The chosen period.
    custom
        Inclusive first and last snapshot index for :attr:`Period.CUSTOM`.
    """
    if n_snapshots <= 0:
        return 0, 0
    if period is Period.LAST_12:
        return max(0, n_snapshots - 12), n_snapshots
    if period is Period.LAST_24:
        return max(0, n_snapshots - 24), n_snapshots
    if period is Period.CUSTOM and custom is not None:
        first, last = sorted(custom)
        first = min(max(first, 0), n_snapshots - 1)
        last = min(max(last, 0), n_snapshots - 1)
        return first, last + 1
    return 0, n_snapshots


# --------------------------------------------------------------------------
# Tile grid


@dataclass(frozen=True)
class TilePlacement:
    """Cell position and span of one tile on the panel grid."""

    row: int
    column: int
    column_span: int
    row_span: int


def pack_tiles(spans: Sequence[tuple[int, int]], columns: int) -> list[TilePlacement]:
    """Place tiles of ``(column_span, row_span)`` in reading order on a grid.

    Tiles keep the order given: each goes to the first free cell at or after
    the previous tile's cell (left to right, top to bottom), so the reading
    order on screen is always the list order and moving a tile in the list
    moves it on screen. Spans wider than the grid are clamped to it.

    Parameters
    ----------
    spans
        Column and row span of every tile, in order; each at least 1.
    columns
        Number of grid columns (at least 1).

    Returns
    -------
    list of TilePlacement
        One placement per tile, in the same order.
    """
    columns = max(1, int(columns))
    occupied: set[tuple[int, int]] = set()
    placements: list[TilePlacement] = []
    cursor_row, cursor_col = 0, 0
    for column_span, row_span in spans:
        width = min(max(1, int(column_span)), columns)
        height = max(1, int(row_span))
        row, col = cursor_row, cursor_col
        while True:
            if col + width > columns:
                row, col = row + 1, 0
                continue
            cells = [
                (r, c)
                for r in range(row, row + height)
                for c in range(col, col + width)
            ]
            if not any(cell in occupied for cell in cells):
                break
            col += 1
        occupied.update(cells)
        placements.append(TilePlacement(row, col, width, height))
        cursor_row, cursor_col = row, col + width
    return placements
