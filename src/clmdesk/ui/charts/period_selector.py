"""The period selector of the lifecycle indicator: 12 months, 24 months, all, custom (ui layer).

A custom period is kept as two snapshot days rather than indices, so that it
still means the same months after new data arrives. GUI thread only.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from clmdesk.core.charting import Period, period_range
from clmdesk.ui.charts.formatting import format_month

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["PeriodSelector", "custom_indices"]


def custom_indices(
    snapshot_days: Sequence[int], custom: tuple[int, int] | None
) -> tuple[int, int] | None:
    """Map a custom period of two days onto inclusive snapshot indices (None without one)."""
    if custom is None or not snapshot_days:
        return None
    first = min(bisect.bisect_left(snapshot_days, custom[0]), len(snapshot_days) - 1)
    last = min(bisect.bisect_left(snapshot_days, custom[1]), len(snapshot_days) - 1)
    return first, last


class PeriodSelector(QWidget):
    """A combo box of periods, with "from" and "to" months for a custom one.

    Signals
    -------
    period_changed(str, object)
        The :class:`~clmdesk.core.charting.Period` value and, for a custom
        period, ``(first_day, last_day)`` (else None).
    """

    period_changed = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._days: tuple[int, ...] = ()
        self._wanted_custom: tuple[int, int] | None = None
        self._combo = QComboBox(self)
        self._combo.setAccessibleName(self.tr("Period"))
        for period, label in (
            (Period.LAST_12, self.tr("Last 12 months")),
            (Period.LAST_24, self.tr("Last 24 months")),
            (Period.ALL, self.tr("All months")),
            (Period.CUSTOM, self.tr("Custom")),
        ):
            self._combo.addItem(label, period.value)
        self._from = QComboBox(self)
        self._from.setAccessibleName(self.tr("First month"))
        self._to = QComboBox(self)
        self._to.setAccessibleName(self.tr("Last month"))
        self._to_label = QLabel(self.tr("to"), self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self._combo)
        layout.addWidget(self._from)
        layout.addWidget(self._to_label)
        layout.addWidget(self._to)
        layout.addStretch(1)
        self._combo.currentIndexChanged.connect(self._on_changed)
        self._from.currentIndexChanged.connect(self._on_changed)
        self._to.currentIndexChanged.connect(self._on_changed)
        self._show_custom(False)

    # -- public API -------------------------------------------------------

    def period(self) -> Period:
        """The chosen period."""
        return Period(self._combo.currentData())

    def custom(self) -> tuple[int, int] | None:
        """``(first_day, last_day)`` of a custom period, else None."""
        if self.period() is not Period.CUSTOM:
            return None
        first, last = self._from.currentData(), self._to.currentData()
        if first is None or last is None:
            # No months offered yet: keep what the settings asked for.
            return self._wanted_custom
        return int(first), int(last)

    def set_months(self, snapshot_days: Sequence[int]) -> None:
        """Offer these snapshot months in the custom range."""
        self._days = tuple(snapshot_days)
        current = self.custom()
        with _Blocked(self._from, self._to):
            for combo in (self._from, self._to):
                combo.clear()
                for day in self._days:
                    combo.addItem(format_month(day), day)
        self._set_custom(current)

    def set_period(self, period: Period, custom: tuple[int, int] | None = None) -> None:
        """Select ``period`` (and the custom months) without emitting."""
        self._wanted_custom = custom
        with _Blocked(self._combo, self._from, self._to):
            self._combo.setCurrentIndex(self._combo.findData(period.value))
            self._set_custom(custom)
        self._show_custom(period is Period.CUSTOM)

    def indices(self) -> tuple[int, int]:
        """The half-open snapshot index range the selection shows."""
        return period_range(
            len(self._days), self.period(), custom_indices(self._days, self.custom())
        )

    # -- internals ------------------------------------------------------------

    def _set_custom(self, custom: tuple[int, int] | None) -> None:
        if not self._days:
            return
        span = custom_indices(self._days, custom)
        if span is None:
            span = (max(0, len(self._days) - 12), len(self._days) - 1)
        with _Blocked(self._from, self._to):
            self._from.setCurrentIndex(span[0])
            self._to.setCurrentIndex(span[1])

    def _show_custom(self, visible: bool) -> None:
        for widget in (self._from, self._to_label, self._to):
            widget.setVisible(visible)

    def _on_changed(self) -> None:
        period = self.period()
        self._show_custom(period is Period.CUSTOM)
        self.period_changed.emit(period.value, self.custom())


class _Blocked:
    """Block the signals of some widgets for the duration of a ``with``."""

    def __init__(self, *widgets: QWidget) -> None:
        self._widgets = widgets
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous = [w.blockSignals(True) for w in self._widgets]

    def __exit__(self, *exc: object) -> None:
        for widget, previous in zip(self._widgets, self._previous, strict=True):
            widget.blockSignals(previous)
