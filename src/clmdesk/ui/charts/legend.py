"""A chart legend with group headings whose entries toggle stages (ui layer).

Stages are listed under their lifecycle group ("Clientes ativos",
"Necessitam de atenção"…), in the order of the stage model. Clicking an
entry (or pressing Space on it) hides or shows that stage in the chart.
GUI thread only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from clmdesk.ui.charts.theme import mix, outline_for

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from PySide6.QtGui import QPaintEvent

    from clmdesk.ui.charts.lifecycle_chart import ChartStage

__all__ = ["GroupedLegend", "LegendEntry"]


class LegendEntry(QAbstractButton):
    """A colour swatch and a stage name; checked means shown."""

    def __init__(self, stage: ChartStage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage = stage
        self.setCheckable(True)
        self.setChecked(True)
        self.setText(stage.name)
        self.setToolTip(stage.description)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        return QSize(metrics.horizontalAdvance(self.text()) + 26, metrics.height() + 6)

    def minimumSizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        return QSize(min(90, self.sizeHint().width()), metrics.height() + 6)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        muted = mix(text, palette.color(QPalette.ColorRole.Window), 0.55)
        height = self.height()
        size = 11
        swatch_top = (height - size) / 2
        colour = QColor(self.stage.colour)
        if self.isChecked():
            painter.setBrush(colour)
            edge = outline_for(colour, palette.color(QPalette.ColorRole.Window))
            painter.setPen(edge if edge is not None else Qt.PenStyle.NoPen)
        else:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(colour)
        painter.drawRoundedRect(1, int(swatch_top), size, size, 3, 3)
        painter.setPen(text if self.isChecked() else muted)
        font = self.font()
        font.setStrikeOut(not self.isChecked())
        painter.setFont(font)
        rect = self.rect().adjusted(size + 8, 0, 0, 0)
        elided = self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideRight, rect.width()
        )
        painter.drawText(
            rect,
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
            elided,
        )
        if self.hasFocus():
            painter.setPen(palette.color(QPalette.ColorRole.Highlight))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.rect().adjusted(0, 0, -1, -1))


class GroupedLegend(QWidget):
    """Stage entries under bold group headings.

    Signals
    -------
    visibility_changed(tuple)
        The keys of the stages now checked (shown), in legend order.
    """

    visibility_changed = Signal(tuple)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries: list[LegendEntry] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(1)
        self._note = QLabel(self)
        self._note.setWordWrap(True)
        self._note.setVisible(False)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    @property
    def entries(self) -> list[LegendEntry]:
        """The stage entries, in order."""
        return list(self._entries)

    def set_stages(
        self, stages: Sequence[ChartStage], shown: Iterable[str] | None = None
    ) -> None:
        """List ``stages`` under their groups; check the ``shown`` keys (all when None)."""
        shown_keys = set(shown) if shown is not None else None
        while self._layout.count():
            child = self._layout.takeAt(0)
            widget = child.widget() if child is not None else None
            if widget is not None and widget is not self._note:
                widget.deleteLater()
        self._entries = []
        group = None
        for stage in stages:
            if stage.group_key != group:
                group = stage.group_key
                heading = QLabel(stage.group_name, self)
                font = heading.font()
                font.setBold(True)
                heading.setFont(font)
                heading.setContentsMargins(0, 6 if self._entries else 0, 0, 2)
                self._layout.addWidget(heading)
            entry = LegendEntry(stage, self)
            entry.setChecked(shown_keys is None or stage.key in shown_keys)
            entry.toggled.connect(self._on_toggled)
            self._entries.append(entry)
            self._layout.addWidget(entry)
        self._layout.addWidget(self._note)
        self._layout.addStretch(1)

    def set_note(self, text: str) -> None:
        """A small note under the entries (e.g. what the hatched bar means)."""
        self._note.setText(text)
        self._note.setVisible(bool(text))
        font = self._note.font()
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.9))
        self._note.setFont(font)
        self._note.setContentsMargins(0, 8, 0, 0)

    def preferred_width(self) -> int:
        """Width that shows every heading and entry in full."""
        bold = self.font()
        bold.setBold(True)
        heading = QFontMetrics(bold)
        entry = QFontMetrics(self.font())
        widths = [entry.horizontalAdvance(e.stage.name) + 26 for e in self._entries]
        widths += [
            heading.horizontalAdvance(e.stage.group_name) + 4 for e in self._entries
        ]
        return max(widths, default=120) + 6

    def shown_keys(self) -> tuple[str, ...]:
        """Keys of the checked entries."""
        return tuple(e.stage.key for e in self._entries if e.isChecked())

    def _on_toggled(self, _checked: bool) -> None:
        if not any(e.isChecked() for e in self._entries):
            # Never leave an empty chart: re-check the entry just unchecked.
            sender = self.sender()
            if isinstance(sender, LegendEntry):
                sender.blockSignals(True)
                sender.setChecked(True)
                sender.blockSignals(False)
                sender.update()
            return
        self.visibility_changed.emit(self.shown_keys())
