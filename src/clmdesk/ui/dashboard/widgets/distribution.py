"""Panel widget: the current distribution of customers by stage and group (ui layer).

Horizontal bars at the latest snapshot L, stages listed under their group
with counts and shares; clicking a stage lists its customers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QCheckBox, QToolTip, QVBoxLayout, QWidget

from clmdesk.services.panel import CustomerQuery, QueryKind
from clmdesk.ui.charts.formatting import format_count, format_date, format_percent
from clmdesk.ui.charts.theme import ChartColours, mix, outline_for
from clmdesk.ui.dashboard.base import (
    PanelWidget,
    empty_label,
    group_names,
    message_text,
    stacked,
    stage_names,
)
from clmdesk.ui.dashboard.registry import register_widget

if TYPE_CHECKING:
    from PySide6.QtGui import QMouseEvent, QPaintEvent

    from clmdesk.services.panel import PanelData

__all__ = ["DistributionSettings", "DistributionWidget"]

ALL_GROUPS = ("prospects", "active", "attention", "inactive")


@dataclass(frozen=True)
class DistributionSettings:
    """Which groups are listed; shares are taken among the groups listed."""

    groups: tuple[str, ...] = ALL_GROUPS


@dataclass(frozen=True)
class _Row:
    heading: bool
    key: str
    label: str
    colour: str
    count: int
    share: float
    tooltip: str


class _Bars(QWidget):
    """Painted list of group headings and stage bars; reports clicks on stages."""

    def __init__(self, owner: DistributionWidget) -> None:
        super().__init__(owner)
        self._owner = owner
        self.rows: list[_Row] = []
        self._hover: int | None = None
        self.setMouseTracking(True)

    def row_height(self) -> int:
        return self.fontMetrics().height() + 9

    def sizeHint(self) -> QSize:
        return QSize(260, max(80, len(self.rows) * self.row_height()))

    def minimumSizeHint(self) -> QSize:
        return QSize(200, 80)

    def _row_at(self, y: float) -> int | None:
        index = int(y // self.row_height())
        if 0 <= index < len(self.rows) and not self.rows[index].heading:
            return index
        return None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        index = self._row_at(event.position().y())
        if index != self._hover:
            self._hover = index
            self.setCursor(
                Qt.CursorShape.PointingHandCursor
                if index is not None
                else Qt.CursorShape.ArrowCursor
            )
            self.update()
        if index is not None:
            QToolTip.showText(
                event.globalPosition().toPoint(), self.rows[index].tooltip, self
            )

    def leaveEvent(self, event: object) -> None:
        self._hover = None
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            index = self._row_at(event.position().y())
            if index is not None:
                self._owner.request_stage(self.rows[index].key)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colours = ChartColours.from_palette(self.palette())
        h = self.row_height()
        width = self.width()
        metrics = self.fontMetrics()
        label_w = min(max(110, int(width * 0.38)), 200)
        numbers_w = metrics.horizontalAdvance("000.000  00,0 %") + 6
        bar_left = label_w + 8
        bar_w = max(20, width - bar_left - numbers_w - 8)
        largest = max((r.count for r in self.rows if not r.heading), default=0) or 1
        bold = QFont(self.font())
        bold.setBold(True)
        for i, row in enumerate(self.rows):
            top = i * h
            rect = QRectF(0, top, width, h)
            if row.heading:
                painter.setFont(bold)
                painter.setPen(colours.foreground)
                painter.drawText(
                    rect.adjusted(0, 2, 0, 0),
                    int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                    row.label,
                )
                painter.setFont(self.font())
                painter.setPen(colours.muted)
                text = f"{format_count(row.count)}  {format_percent(row.share)}"
                painter.drawText(
                    rect.adjusted(0, 2, 0, 0),
                    int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                    text,
                )
                continue
            if i == self._hover:
                painter.fillRect(rect, mix(colours.background, colours.highlight, 0.12))
            colour = QColor(row.colour)
            edge = outline_for(colour, colours.background)
            painter.setPen(edge if edge is not None else Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(QRectF(4, top + (h - 10) / 2, 10, 10), 2, 2)
            painter.setPen(colours.foreground)
            label = metrics.elidedText(
                row.label, Qt.TextElideMode.ElideRight, label_w - 20
            )
            painter.drawText(
                QRectF(20, top, label_w - 20, h),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                label,
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(mix(colours.background, colours.foreground, 0.06))
            painter.drawRoundedRect(
                QRectF(bar_left, top + h * 0.25, bar_w, h * 0.5), 3, 3
            )
            if row.count:
                painter.setPen(edge if edge is not None else Qt.PenStyle.NoPen)
                painter.setBrush(colour)
                painter.drawRoundedRect(
                    QRectF(
                        bar_left,
                        top + h * 0.25,
                        max(3.0, bar_w * row.count / largest),
                        h * 0.5,
                    ),
                    3,
                    3,
                )
            painter.setPen(colours.foreground)
            count = format_count(row.count)
            share = format_percent(row.share)
            painter.drawText(
                QRectF(
                    width - numbers_w,
                    top,
                    numbers_w - metrics.horizontalAdvance(" 00,0 %") - 4,
                    h,
                ),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                count,
            )
            painter.setPen(colours.muted)
            painter.drawText(
                QRectF(width - numbers_w, top, numbers_w, h),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                share,
            )
        painter.end()


class _GroupsForm(QWidget):
    def __init__(
        self,
        settings: DistributionSettings,
        names: dict[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.boxes = []
        for key in ALL_GROUPS:
            box = QCheckBox(names.get(key, key), self)
            box.setProperty("group_key", key)
            box.setChecked(key in settings.groups)
            layout.addWidget(box)
            self.boxes.append(box)

    def value(self) -> DistributionSettings:
        chosen = tuple(
            str(b.property("group_key")) for b in self.boxes if b.isChecked()
        )
        return DistributionSettings(chosen or ALL_GROUPS)


@register_widget
class DistributionWidget(PanelWidget):
    """Customers per stage at the latest date, by group."""

    type_id = "distribution"
    title = "Current distribution"
    description = "How many customers are in each stage today, grouped, with their share of the base."
    icon = "distribution"
    Settings = DistributionSettings
    default_span = (1, 3)
    min_span = (1, 2)

    def __init__(
        self,
        settings: DistributionSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(settings, parent)
        self.bars = _Bars(self)
        self._empty = empty_label(self.tr("No customers yet."), self)
        stacked(self, self.bars, self._empty)
        self.setMinimumSize(200, 120)
        self.show_data(None)

    def rows(self) -> list[_Row]:
        """The painted rows (for tests)."""
        return list(self.bars.rows)

    def show_data(self, data: PanelData | None) -> None:
        if data is None or data.is_empty:
            self.bars.rows = []
            self.bars.hide()
            self._empty.show()
            self.set_subtitle("")
            return
        self.bars.show()
        self._empty.hide()
        last = data.n_snapshots - 1
        counts = data.counts[last]
        groups = [g for g in ALL_GROUPS if g in self.settings().groups]
        shown = [i for i, s in enumerate(data.model.stages) if s.group in groups]
        total = int(sum(int(counts[i]) for i in shown))
        names = stage_names(data)
        gnames = group_names(data)
        rows: list[_Row] = []
        for group in groups:
            members = [i for i in shown if data.model.stages[i].group == group]
            if not members:
                continue
            group_total = int(sum(int(counts[i]) for i in members))
            rows.append(
                _Row(
                    True,
                    group,
                    gnames[group],
                    "",
                    group_total,
                    group_total / total if total else 0.0,
                    "",
                )
            )
            for i in members:
                stage = data.model.stages[i]
                count = int(counts[i])
                share = count / total if total else 0.0
                tip = (
                    f"<b>{names[stage.key]}</b> · {gnames[group]}<br><i>{message_text(data.descriptions[i])}</i><br>"
                    + self.tr("{count} customers, {share} of those listed").format(
                        count=format_count(count), share=format_percent(share)
                    )
                )
                rows.append(
                    _Row(
                        False,
                        stage.key,
                        names[stage.key],
                        stage.colour,
                        count,
                        share,
                        tip,
                    )
                )
        self.bars.rows = rows
        self.bars.updateGeometry()
        self.bars.update()
        self.set_subtitle(
            self.tr("{count} customers on {date}").format(
                count=format_count(total), date=format_date(data.latest_day)
            )
        )

    def request_stage(self, key: str) -> None:
        """List the customers of stage ``key`` at the latest date."""
        if self._data is not None and self._data.latest_day is not None:
            self.customers_requested.emit(
                CustomerQuery(QueryKind.STAGE, self._data.latest_day, key)
            )

    def settings_editor(self) -> QWidget | None:
        names = group_names(self._data) if self._data is not None else {}
        return _GroupsForm(self.settings(), names)
