"""The lifecycle indicator chart: stacked bars per month with hover and click (ui layer).

"Ciclo de vida dos clientes" (DOMAIN.md): one stacked bar per snapshot month
of how many customers are in each stage shown. pyqtgraph's ``BarGraphItem``
has no hover or click support, so :class:`StackedBarItem` adds both and
hands the position to :func:`clmdesk.core.charting.hit_test`; all logic
stays out of the event handlers (pyqtgraph swallows their exceptions).

GUI thread only.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QKeyEvent, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QToolTip

import pyqtgraph as pg  # isort: skip  (after PySide6, STACK.md)

from clmdesk.core.charting import (
    SegmentFigures,
    StackLayout,
    hit_test,
    segment_figures,
    segment_rect,
    stack_layout,
)
from clmdesk.ui.charts.formatting import (
    format_count,
    format_date,
    format_month,
    format_month_long,
    format_percent,
    format_signed,
    format_signed_percent,
)
from clmdesk.ui.charts.theme import ChartColours, mix

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from PySide6.QtWidgets import QWidget

__all__ = [
    "BAR_WIDTH",
    "ChartStage",
    "CountAxisItem",
    "LifecycleChart",
    "LifecycleChartData",
    "MonthAxisItem",
    "StackedBarItem",
]

BAR_WIDTH = 0.72


def _tr(text: str) -> str:
    return QCoreApplication.translate("LifecycleChart", text)


@dataclass(frozen=True)
class ChartStage:
    """One stage as the chart shows it (names already in the interface language).

    Attributes
    ----------
    key
        Stable stage key (``"champion"``).
    name
        Display name.
    group_key, group_name
        The stage's group, stable key and display name.
    colour
        ``"#rrggbb"`` from the stage model.
    description
        The one-sentence meaning with the actual thresholds.
    """

    key: str
    name: str
    group_key: str
    group_name: str
    colour: str
    description: str = ""


@dataclass(frozen=True, eq=False)
class LifecycleChartData:
    """Everything the chart draws: months, stages and their counts.

    Attributes
    ----------
    snapshot_days
        As-of day of every snapshot (engine day numbers), oldest first.
    stages
        The stages the chart may show, bottom of the stack first.
    counts
        Customers per snapshot and stage, shape ``(len(snapshot_days), len(stages))``.
    partial_last
        Whether the last snapshot is a partial month.
    """

    snapshot_days: tuple[int, ...] = ()
    stages: tuple[ChartStage, ...] = ()
    counts: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    partial_last: bool = False

    def __post_init__(self) -> None:
        counts = np.asarray(self.counts, dtype=np.int64)
        if counts.size == 0:
            counts = counts.reshape(len(self.snapshot_days), len(self.stages))
        if counts.shape != (len(self.snapshot_days), len(self.stages)):
            raise ValueError(
                "counts must have one row per snapshot and one column per stage"
            )
        counts = counts.copy()
        counts.setflags(write=False)
        object.__setattr__(self, "counts", counts)

    @property
    def n_snapshots(self) -> int:
        """Number of snapshot months."""
        return len(self.snapshot_days)

    def stage_index(self, key: str) -> int:
        """Position of stage ``key`` in :attr:`stages`."""
        for i, stage in enumerate(self.stages):
            if stage.key == key:
                return i
        raise KeyError(key)


# --------------------------------------------------------------------------
# Axes


class MonthAxisItem(pg.AxisItem):
    """Category axis of month labels that thins itself out to stay legible.

    Labels are placed on every 1st, 2nd, 3rd, 6th or 12th month, aligned on
    the calendar (quarters start in January), whichever is the densest
    spacing whose labels do not collide.
    """

    _STRIDES = (1, 2, 3, 4, 6, 12, 24, 60)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("bottom", **kwargs)
        self._labels: list[str] = []
        self._months: list[int] = []  # year * 12 + month - 1, for calendar alignment

    def set_months(self, snapshot_days: Sequence[int]) -> None:
        """Set the snapshot days whose months label the axis."""
        from clmdesk.ui.charts.formatting import day_to_date

        dates = [day_to_date(day) for day in snapshot_days]
        self._labels = [format_month(day) for day in snapshot_days]
        self._months = [d.year * 12 + d.month - 1 for d in dates]
        self.picture = None
        self.update()

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[Any]:
        if not self._labels or maxVal <= minVal:
            return []
        first = max(0, math.ceil(minVal))
        last = min(len(self._labels) - 1, math.floor(maxVal))
        if last < first:
            return []
        metrics = QFontMetrics(self.style.get("tickFont") or self.font())
        label_width = (
            max(metrics.horizontalAdvance(label) for label in self._labels) + 14
        )
        pixels_per_bar = size / (maxVal - minVal)
        stride = next(
            (s for s in self._STRIDES if s * pixels_per_bar >= label_width),
            self._STRIDES[-1],
        )
        values = [
            float(i)
            for i in range(first, last + 1)
            if stride == 1 or self._months[i] % stride == 0
        ]
        if not values:
            values = [float(first)]
        return [(float(stride), values)]

    def tickStrings(
        self, values: Sequence[float], scale: float, spacing: float
    ) -> list[str]:
        out = []
        for value in values:
            index = round(value)
            out.append(self._labels[index] if 0 <= index < len(self._labels) else "")
        return out


class CountAxisItem(pg.AxisItem):
    """Vertical axis of customer counts: whole numbers in the user's locale."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("left", **kwargs)

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[Any]:
        levels = super().tickValues(minVal, maxVal, size)
        out = []
        for spacing, values in levels:
            if spacing < 1:
                continue
            out.append(
                (spacing, [v for v in values if float(v).is_integer() and v >= 0])
            )
        return out or [(1.0, [0.0])]

    def tickStrings(
        self, values: Sequence[float], scale: float, spacing: float
    ) -> list[str]:
        return [format_count(round(v)) for v in values]


# --------------------------------------------------------------------------
# The bars


class StackedBarItem(pg.BarGraphItem):
    """A ``BarGraphItem`` of stacked segments that reports hover and click positions.

    The item only forwards positions (in data coordinates) to callbacks;
    deciding what is under the mouse is the chart's job.
    """

    def __init__(
        self,
        on_hover: Callable[[float, float, QPointF], None],
        on_leave: Callable[[], None],
        on_click: Callable[[float, float], bool],
        **opts: Any,
    ) -> None:
        super().__init__(**opts)
        self._on_hover = on_hover
        self._on_leave = on_leave
        self._on_click = on_click

    def hoverEvent(self, ev: Any) -> None:
        if ev.isExit():
            self._on_leave()
            return
        ev.acceptClicks(Qt.MouseButton.LeftButton)
        pos = ev.pos()
        self._on_hover(pos.x(), pos.y(), ev.screenPos())

    def mouseClickEvent(self, ev: Any) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        pos = ev.pos()
        if self._on_click(pos.x(), pos.y()):
            ev.accept()


class LifecycleChart(pg.PlotWidget):
    """Stacked bars of customers per stage and month, with a tooltip per segment.

    Signals
    -------
    segment_clicked(int, str)
        Snapshot index and stage key of a clicked segment.
    hovered_changed(object)
        ``(snapshot index, stage key)`` under the mouse, or ``None``.
    """

    segment_clicked = Signal(int, str)
    hovered_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        self._ready = False
        self._month_axis = MonthAxisItem()
        self._count_axis = CountAxisItem()
        super().__init__(
            parent=parent,
            axisItems={"bottom": self._month_axis, "left": self._count_axis},
            enableMenu=False,
        )
        self._data = LifecycleChartData()
        self._visible: tuple[int, ...] = ()
        self._visible_counts = np.zeros((0, 0), dtype=np.int64)
        self._layout: StackLayout = stack_layout(np.zeros((0, 0)))
        self._range = (0, 0)
        self._hovered: tuple[int, int] | None = None
        self._tooltip = ""
        self._colours = ChartColours.from_palette(self.palette())

        item = self.getPlotItem()
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        item.setMenuEnabled(False)
        item.getViewBox().setDefaultPadding(0.0)
        item.layout.setContentsMargins(4, 8, 8, 4)
        self._bars = StackedBarItem(
            self._on_hover,
            self._on_leave,
            self._on_click,
            x=[],
            height=[],
            width=BAR_WIDTH,
        )
        # No item cache: a cached pixmap would also land in printed and PDF
        # charts, which must stay vector.
        self._partial = pg.BarGraphItem(x=[], height=[], width=BAR_WIDTH, pen=None)
        self._partial.setZValue(5)
        self._highlight = QGraphicsRectItem()
        self._highlight.setZValue(10)
        self._highlight.setVisible(False)
        item.addItem(self._bars)
        item.addItem(self._partial)
        item.addItem(self._highlight, ignoreBounds=True)
        self.setMinimumSize(200, 140)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(_tr("Customer lifecycle chart"))
        self.setAccessibleDescription(
            _tr("Arrow keys move between months and stages; Enter lists the customers.")
        )
        self._ready = True
        self._apply_colours()

    # -- public API -------------------------------------------------------

    @property
    def data(self) -> LifecycleChartData:
        """The data currently drawn."""
        return self._data

    @property
    def shown_range(self) -> tuple[int, int]:
        """Half-open snapshot index range currently shown."""
        return self._range

    @property
    def visible_stage_keys(self) -> tuple[str, ...]:
        """Keys of the stages stacked in the bars, bottom first."""
        return tuple(self._data.stages[i].key for i in self._visible)

    @property
    def layout_geometry(self) -> StackLayout:
        """Geometry of every segment of the visible stages (all snapshots)."""
        return self._layout

    def tooltip_text(self) -> str:
        """The tooltip shown for the hovered segment (empty when none)."""
        return self._tooltip

    def set_data(
        self,
        data: LifecycleChartData,
        visible_keys: Sequence[str] | None = None,
        shown: tuple[int, int] | None = None,
    ) -> None:
        """Draw ``data``, stacking only ``visible_keys`` (all stages when None).

        ``shown`` is the half-open snapshot range (everything when None).
        """
        self._data = data
        keys = set(visible_keys) if visible_keys is not None else None
        self._visible = tuple(
            i for i, s in enumerate(data.stages) if keys is None or s.key in keys
        )
        self._visible_counts = (
            data.counts[:, list(self._visible)]
            if self._visible
            else np.zeros((data.n_snapshots, 0), dtype=np.int64)
        )
        self._layout = stack_layout(self._visible_counts, width=BAR_WIDTH)
        self._month_axis.set_months(data.snapshot_days)
        self._clear_hover()
        self._redraw_bars()
        self.set_shown_range(*(shown if shown is not None else (0, data.n_snapshots)))

    def set_shown_range(self, start: int, stop: int) -> None:
        """Show snapshots ``start`` to ``stop - 1``."""
        n = self._data.n_snapshots
        start, stop = max(0, min(start, n)), max(0, min(stop, n))
        self._range = (start, stop)
        self._clear_hover()
        item = self.getPlotItem()
        if stop <= start:
            item.setXRange(-0.5, 0.5, padding=0)
            item.setYRange(0, 1, padding=0)
            return
        totals = (
            self._layout.tops[start:stop, -1]
            if self._layout.n_segments
            else np.zeros(1)
        )
        top = float(totals.max()) if totals.size else 0.0
        item.setXRange(start - 0.6, stop - 0.4, padding=0)
        item.setYRange(0, max(top * 1.06, 1.0), padding=0)

    def segment_at(self, x: float, y: float) -> tuple[int, int] | None:
        """``(snapshot index, index into data.stages)`` at data point ``(x, y)``, or None."""
        hit = hit_test(self._layout, x, y)
        if hit is None:
            return None
        bar, segment = hit
        if not self._range[0] <= bar < self._range[1]:
            return None
        return bar, self._visible[segment]

    def segment_centre(self, snapshot: int, stage_key: str) -> QPointF:
        """Centre of a segment in data coordinates (for tests and keyboard use)."""
        segment = self._visible.index(self._data.stage_index(stage_key))
        left, bottom, width, height = segment_rect(self._layout, snapshot, segment)
        return QPointF(left + width / 2, bottom + height / 2)

    def figures(self, snapshot: int, stage_key: str) -> SegmentFigures:
        """Count, share of the bar and change against the previous month of one segment."""
        segment = self._visible.index(self._data.stage_index(stage_key))
        return segment_figures(self._visible_counts, snapshot, segment)

    def tooltip_html(self, snapshot: int, stage_index: int) -> str:
        """The rich-text tooltip of one segment."""
        stage = self._data.stages[stage_index]
        figures = self.figures(snapshot, stage.key)
        days = self._data.snapshot_days
        month = format_month_long(days[snapshot])
        month = month[:1].upper() + month[1:]  # "julho de 2026" opens a line
        partial = self._data.partial_last and snapshot == len(days) - 1
        if partial:
            month_line = _tr("{month} (partial month, up to {date})").format(
                month=month, date=format_date(days[snapshot])
            )
        else:
            month_line = month
        if figures.change is None:
            change_line = _tr(
                "Change against the previous month: — (first month of the history)"
            )
        else:
            change = format_signed(figures.change)
            if figures.relative_change is not None:
                change += f" ({format_signed_percent(figures.relative_change)})"
            change_line = _tr("Change against {month}: {change}").format(
                month=format_month_long(days[snapshot - 1]), change=change
            )
        swatch = f'<span style="color:{stage.colour}">&#9632;</span>'
        lines = [
            f"{swatch} <b>{html.escape(stage.name)}</b> · {html.escape(stage.group_name)}",
        ]
        if stage.description:
            lines.append(f"<i>{html.escape(stage.description)}</i>")
        lines += [
            f"<b>{html.escape(month_line)}</b>",
            html.escape(
                _tr("Customers: {count}").format(count=format_count(figures.count))
            ),
            html.escape(
                _tr("Share of the bar: {share}").format(
                    share=format_percent(figures.share)
                )
            ),
            html.escape(change_line),
        ]
        return (
            '<div style="white-space:pre-wrap; max-width:360px">'
            + "<br>".join(lines)
            + "</div>"
        )

    # -- keyboard -------------------------------------------------------------

    def keyboard_segment(self) -> tuple[int, str] | None:
        """The segment selected with the keyboard: (snapshot index, stage key)."""
        if self._hovered is None:
            return None
        snapshot, stage_index = self._hovered
        return snapshot, self._data.stages[stage_index].key

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and self._hovered is not None
        ):
            # Esc closes the hover details first, not the window's Esc shortcut.
            event.accept()
            return True
        return bool(super().event(event))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Arrow keys walk the segments (tooltip included); Enter lists the customers."""
        key = event.key()
        moves = {
            Qt.Key.Key_Left: (-1, 0),
            Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_Up: (0, 1),
            Qt.Key.Key_Down: (0, -1),
        }
        if key in moves and self._visible and self._range[1] > self._range[0]:
            d_bar, d_segment = moves[Qt.Key(key)]
            self._step_keyboard(d_bar, d_segment)
            event.accept()
            return
        if (
            key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)
            and self._hovered
        ):
            snapshot, stage_index = self._hovered
            self.segment_clicked.emit(snapshot, self._data.stages[stage_index].key)
            event.accept()
            return
        if key == Qt.Key.Key_Escape and self._hovered is not None:
            self._clear_hover()
            event.accept()
            return
        super().keyPressEvent(event)

    def _step_keyboard(self, d_bar: int, d_segment: int) -> None:
        start, stop = self._range
        counts = self._visible_counts
        if self._hovered is None:
            bar, position = stop - 1, 0
        else:
            bar = self._hovered[0]
            position = self._visible.index(self._hovered[1])
            bar = min(max(bar + d_bar, start), stop - 1)
            position += d_segment
        position = min(max(position, 0), len(self._visible) - 1)
        # Skip empty segments in the direction of travel, then anywhere.
        step = 1 if d_segment >= 0 else -1
        order = [*range(position, len(self._visible) * step if step > 0 else -1, step)]
        order += [p for p in range(len(self._visible)) if p not in order]
        chosen = next((p for p in order if counts[bar, p] > 0), None)
        if chosen is None:
            return
        stage_index = self._visible[chosen]
        self._hovered = (bar, stage_index)
        self._tooltip = self.tooltip_html(bar, stage_index)
        self._show_highlight(bar, stage_index)
        left, bottom, width, height = segment_rect(self._layout, bar, chosen)
        view_box = self.getPlotItem().getViewBox()
        anchor = self.mapFromScene(
            view_box.mapViewToScene(QPointF(left + width, bottom + height / 2))
        )
        QToolTip.showText(self.viewport().mapToGlobal(anchor), self._tooltip, self)
        self.hovered_changed.emit((bar, self._data.stages[stage_index].key))

    # -- hover and click ----------------------------------------------------

    def _on_hover(self, x: float, y: float, screen_pos: QPointF) -> None:
        hit = self.segment_at(x, y)
        if hit == self._hovered:
            if hit is not None and self._tooltip:
                QToolTip.showText(screen_pos.toPoint(), self._tooltip, self)
            return
        self._hovered = hit
        if hit is None:
            self._clear_hover()
            return
        snapshot, stage_index = hit
        self._tooltip = self.tooltip_html(snapshot, stage_index)
        self._show_highlight(snapshot, stage_index)
        QToolTip.showText(screen_pos.toPoint(), self._tooltip, self)
        self.hovered_changed.emit((snapshot, self._data.stages[stage_index].key))

    def _on_leave(self) -> None:
        self._clear_hover()

    def _on_click(self, x: float, y: float) -> bool:
        hit = self.segment_at(x, y)
        if hit is None:
            return False
        snapshot, stage_index = hit
        self.segment_clicked.emit(snapshot, self._data.stages[stage_index].key)
        return True

    def _clear_hover(self) -> None:
        had = self._hovered is not None or self._tooltip
        self._hovered = None
        self._tooltip = ""
        self._highlight.setVisible(False)
        if had:
            QToolTip.hideText()
            self.hovered_changed.emit(None)

    def _show_highlight(self, snapshot: int, stage_index: int) -> None:
        segment = self._visible.index(stage_index)
        left, bottom, width, height = segment_rect(self._layout, snapshot, segment)
        self._highlight.setRect(QRectF(left, bottom, width, height))
        colour = QColor(self._data.stages[stage_index].colour)
        self._highlight.setBrush(QBrush(colour.lighter(125)))
        self._highlight.setVisible(True)

    # -- drawing ------------------------------------------------------------

    def _redraw_bars(self) -> None:
        layout = self._layout
        n_bars, n_segments = layout.n_bars, layout.n_segments
        if n_bars == 0 or n_segments == 0:
            self._bars.setOpts(
                x=[], height=[], y0=[], width=BAR_WIDTH, brushes=None, pens=None
            )
            self._partial.setOpts(x=[], height=[], width=BAR_WIDTH)
            return
        heights = self._visible_counts.astype(np.float64).ravel()
        keep = heights > 0
        x = np.repeat(layout.x, n_segments)[keep]
        y0 = layout.bottoms.ravel()[keep]
        stage_brushes = [
            QBrush(QColor(self._data.stages[i].colour)) for i in self._visible
        ]
        brushes = [
            stage_brushes[j] for j in np.tile(np.arange(n_segments), n_bars)[keep]
        ]
        # Thin separators in the card's colour keep adjacent segments apart.
        separator = QPen(self._colours.background, 1.0)
        separator.setCosmetic(True)
        self._bars.setOpts(
            x=x,
            height=heights[keep],
            y0=y0,
            width=BAR_WIDTH,
            brushes=brushes,
            pen=separator,
            pens=None,
        )
        if self._data.partial_last and n_bars:
            hatch = QColor(self._colours.background)
            hatch.setAlpha(150)
            self._partial.setOpts(
                x=[float(layout.x[-1])],
                height=[float(layout.tops[-1, -1])],
                y0=[0.0],
                width=BAR_WIDTH,
                brush=QBrush(hatch, Qt.BrushStyle.BDiagPattern),
                pen=None,
            )
        else:
            self._partial.setOpts(x=[], height=[], width=BAR_WIDTH)

    def _apply_colours(self) -> None:
        colours = ChartColours.from_palette(self.palette())
        self._colours = colours
        self.setBackground(colours.background)
        item = self.getPlotItem()
        for name in ("bottom", "left"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(colours.grid))
            axis.setTextPen(pg.mkPen(colours.muted))
        item.getAxis("bottom").setStyle(tickLength=0, tickTextOffset=6)
        item.getAxis("left").setStyle(tickLength=0, tickTextOffset=6)
        item.getAxis("left").setGrid(60)
        outline = QPen(mix(colours.foreground, colours.background, 0.05), 2.0)
        outline.setCosmetic(True)
        self._highlight.setPen(outline)
        self._redraw_bars()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if self._ready and event.type() in (
            QEvent.Type.PaletteChange,
            QEvent.Type.ApplicationPaletteChange,
        ):
            self._apply_colours()
