"""The lifecycle indicator as one widget: period selector, chart and grouped legend (ui layer).

Used by the panel's "Lifecycle indicator" tile and by reports. The legend
sits to the right of the chart when there is room and below it otherwise.
GUI thread only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from clmdesk.ui.charts.formatting import format_date
from clmdesk.ui.charts.legend import GroupedLegend
from clmdesk.ui.charts.lifecycle_chart import LifecycleChart, LifecycleChartData
from clmdesk.ui.charts.period_selector import PeriodSelector

if TYPE_CHECKING:
    from collections.abc import Sequence

    from PySide6.QtGui import QResizeEvent

    from clmdesk.core.charting import Period

__all__ = ["LifecycleView"]

_LEGEND_SIDE_MIN_WIDTH = 400


class LifecycleView(QWidget):
    """Period selector + :class:`LifecycleChart` + :class:`GroupedLegend`.

    Signals
    -------
    segment_clicked(int, str)
        Snapshot index and stage key of a clicked segment.
    state_changed()
        The period or the stages shown changed (to be saved in settings).
    """

    segment_clicked = Signal(int, str)
    state_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.selector = PeriodSelector(self)
        self.chart = LifecycleChart(self)
        self.legend = GroupedLegend(self)
        self._legend_scroll = QScrollArea(self)
        self._legend_scroll.setWidget(self.legend)
        self._legend_scroll.setWidgetResizable(True)
        self._legend_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self._legend_scroll.setHorizontalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        )
        self._legend_scroll.viewport().setAutoFillBackground(False)
        self.legend.setAutoFillBackground(False)
        self._empty = QLabel(
            self.tr(
                "No history yet. Import your customers and sales to see, month by month, "
                "how many of them are active or need attention."
            ),
            self,
        )
        self._empty.setWordWrap(True)
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setObjectName("emptyState")

        body = QWidget(self)
        self._body_layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, body)
        self._body_layout.setContentsMargins(0, 0, 0, 0)
        self._body_layout.setSpacing(12)
        self._body_layout.addWidget(self.chart, 1)
        self._body_layout.addWidget(self._legend_scroll, 0)
        self._stack = QStackedWidget(self)
        self._stack.addWidget(body)
        self._stack.addWidget(self._empty)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.selector)
        layout.addWidget(self._stack, 1)

        self._shown_keys: tuple[str, ...] | None = None
        self.selector.period_changed.connect(self._on_period_changed)
        self.legend.visibility_changed.connect(self._on_visibility_changed)
        self.chart.segment_clicked.connect(self.segment_clicked)
        self._place_legend()

    # -- public API -------------------------------------------------------

    def set_data(self, data: LifecycleChartData) -> None:
        """Show ``data`` with the current period and stage selection."""
        self.selector.set_months(data.snapshot_days)
        known = {s.key for s in data.stages}
        shown = (
            None
            if self._shown_keys is None
            else [k for k in self._shown_keys if k in known]
        )
        if shown is not None and not shown:
            shown = None
        self.legend.set_stages(data.stages, shown)
        if data.partial_last and data.snapshot_days:
            self.legend.set_note(
                self.tr("Hatched bar: partial month, up to {date}.").format(
                    date=format_date(data.snapshot_days[-1])
                )
            )
        else:
            self.legend.set_note("")
        self._place_legend()
        self.chart.set_data(data, shown, self.selector.indices())
        self._stack.setCurrentIndex(0 if data.n_snapshots and data.stages else 1)

    def set_state(
        self,
        period: Period,
        custom: tuple[int, int] | None,
        shown_keys: Sequence[str] | None,
    ) -> None:
        """Restore the period and the stages shown (from the widget's settings)."""
        self._shown_keys = tuple(shown_keys) if shown_keys else None
        self.selector.set_period(period, custom)
        data = self.chart.data
        if data.n_snapshots:
            self.set_data(data)

    def state(self) -> tuple[Period, tuple[int, int] | None, tuple[str, ...] | None]:
        """Period, custom days and stages shown (None = all)."""
        return self.selector.period(), self.selector.custom(), self._shown_keys

    # -- internals ------------------------------------------------------------

    def _on_period_changed(self, _period: str, _custom: object) -> None:
        self.chart.set_shown_range(*self.selector.indices())
        self.state_changed.emit()

    def _on_visibility_changed(self, keys: tuple[str, ...]) -> None:
        all_keys = tuple(s.key for s in self.chart.data.stages)
        self._shown_keys = None if keys == all_keys else keys
        self.chart.set_data(self.chart.data, keys, self.selector.indices())
        self.state_changed.emit()

    def _legend_on_side(self) -> bool:
        return self.width() >= _LEGEND_SIDE_MIN_WIDTH

    def _place_legend(self) -> None:
        if self._legend_on_side():
            self._body_layout.setDirection(QBoxLayout.Direction.LeftToRight)
            self._legend_scroll.setMaximumHeight(16777215)
            self._legend_scroll.setFixedWidth(
                max(
                    140, min(max(200, self.width() // 3), self.legend.preferred_width())
                )
            )
        else:
            self._body_layout.setDirection(QBoxLayout.Direction.TopToBottom)
            self._legend_scroll.setMinimumWidth(0)
            self._legend_scroll.setMaximumWidth(16777215)
            self._legend_scroll.setMaximumHeight(72)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_legend()
