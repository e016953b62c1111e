"""Panel widget: the five CLM stages as a funnel (ui layer).

Alcance → Aquisição → Conversão → Retenção → Recomendação for one month,
quarter or year, with counts and rates (DOMAIN.md "The five CLM stages").
"No data" (no source rows of that kind at all) shows a hint saying how to
provide them; 0 is a real zero; a zero denominator shows "—".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from clmdesk.core.lifecycle import FigureStatus, Granularity
from clmdesk.ui.charts.formatting import (
    day_to_date,
    format_count,
    format_month_long,
    format_percent,
)
from clmdesk.ui.charts.theme import ChartColours, mix
from clmdesk.ui.dashboard.base import PanelWidget, empty_label, message_text
from clmdesk.ui.dashboard.registry import register_widget

if TYPE_CHECKING:
    from PySide6.QtGui import QMouseEvent, QPaintEvent

    from clmdesk.core.lifecycle import FunnelFigure, FunnelPeriod
    from clmdesk.services.panel import PanelData

__all__ = ["FUNNEL_STAGES", "FunnelSettings", "FunnelWidget"]

FUNNEL_STAGES = ("reach", "acquisition", "conversion", "retention", "loyalty")
_COLOURS = ("#1f4e79", "#2e75b6", "#4a90c8", "#6faed9", "#9dc9e8")


@dataclass(frozen=True)
class FunnelSettings:
    """Granularity and period shown (None = the last complete period)."""

    granularity: Granularity = Granularity.MONTH
    period_start_day: int | None = None


@dataclass(frozen=True)
class FunnelRow:
    """One painted stage: name, count text, rate text, hint."""

    key: str
    name: str
    count_text: str
    rate_text: str
    no_data: bool
    hint: str
    tooltip: str


class _FunnelView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[FunnelRow] = []
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        return QSize(320, 260)

    def minimumSizeHint(self) -> QSize:
        return QSize(220, 160)

    def _row_rect(self, i: int) -> QRectF:
        n = max(1, len(self.rows))
        h = self.height() / n
        return QRectF(0, i * h, self.width(), h)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        for i, row in enumerate(self.rows):
            if self._row_rect(i).contains(event.position()):
                QToolTip.showText(event.globalPosition().toPoint(), row.tooltip, self)
                return
        QToolTip.hideText()

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.rows:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colours = ChartColours.from_palette(self.palette())
        n = len(self.rows)
        width = self.width()
        rate_w = min(170, max(110, int(width * 0.36)))
        funnel_w = width - rate_w - 10
        row_h = self.height() / n
        gap = 3.0
        bold = QFont(self.font())
        bold.setBold(True)
        small = QFont(self.font())
        small.setPointSizeF(self.font().pointSizeF() * 0.85)
        for i, row in enumerate(self.rows):
            top = i * row_h
            # A classic funnel: each stage a trapezoid narrower than the one above.
            w_top = funnel_w * (1.0 - 0.09 * i)
            w_bottom = funnel_w * (1.0 - 0.09 * (i + 1))
            cx = funnel_w / 2
            path = QPainterPath()
            path.moveTo(QPointF(cx - w_top / 2, top))
            path.lineTo(QPointF(cx + w_top / 2, top))
            path.lineTo(QPointF(cx + w_bottom / 2, top + row_h - gap))
            path.lineTo(QPointF(cx - w_bottom / 2, top + row_h - gap))
            path.closeSubpath()
            fill = QColor(_COLOURS[i % len(_COLOURS)])
            if colours.dark:
                fill = fill.lighter(115)
            if row.no_data:
                fill = mix(colours.background, colours.foreground, 0.1)
            painter.fillPath(path, fill)
            light_text = fill.lightnessF() < 0.55
            text_colour = QColor("#ffffff") if light_text else QColor("#111111")
            inner = QRectF(cx - w_bottom / 2 + 6, top, w_bottom - 12, row_h - gap)
            painter.setPen(text_colour if not row.no_data else colours.muted)
            painter.setFont(self.font())
            name = painter.fontMetrics().elidedText(
                row.name, Qt.TextElideMode.ElideRight, int(inner.width() * 0.6)
            )
            painter.drawText(
                inner,
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                name,
            )
            painter.setFont(bold)
            painter.drawText(
                inner,
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                row.count_text,
            )
            rate_rect = QRectF(funnel_w + 10, top, rate_w, row_h - gap)
            painter.setFont(small)
            painter.setPen(colours.muted)
            text = row.hint if row.no_data else row.rate_text
            painter.drawText(
                rate_rect,
                int(
                    Qt.AlignmentFlag.AlignLeft
                    | Qt.AlignmentFlag.AlignVCenter
                    | Qt.TextFlag.TextWordWrap
                ),
                text,
            )
        painter.end()


class _FunnelForm(QWidget):
    def __init__(self, settings: FunnelSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.granularity = QComboBox(self)
        for g, label in _granularity_labels(self):
            self.granularity.addItem(label, g.value)
        self.granularity.setCurrentIndex(
            self.granularity.findData(settings.granularity.value)
        )
        form = QFormLayout(self)
        form.addRow(self.tr("Periods"), self.granularity)

    def value(self) -> FunnelSettings:
        g = Granularity(self.granularity.currentData())
        if g is self._settings.granularity:
            return self._settings
        return replace(self._settings, granularity=g, period_start_day=None)


def _granularity_labels(widget: QWidget) -> list[tuple[Granularity, str]]:
    return [
        (Granularity.MONTH, widget.tr("Months")),
        (Granularity.QUARTER, widget.tr("Quarters")),
        (Granularity.YEAR, widget.tr("Years")),
    ]


@register_widget
class FunnelWidget(PanelWidget):
    """Reach, acquisition, conversion, retention and loyalty of one period."""

    type_id = "clm_funnel"
    title = "CLM funnel"
    description = (
        "The five stages of customer lifecycle management for a month, quarter or year: "
        "reach, acquisition, conversion, retention and loyalty, with their rates."
    )
    icon = "funnel"
    Settings = FunnelSettings
    default_span = (2, 3)
    min_span = (2, 2)

    def __init__(
        self, settings: FunnelSettings | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(settings, parent)
        self.granularity = QComboBox(self)
        self.granularity.setAccessibleName(self.tr("Periods"))
        for g, label in _granularity_labels(self):
            self.granularity.addItem(label, g.value)
        self.period = QComboBox(self)
        self.period.setAccessibleName(self.tr("Period"))
        self.period.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.view = _FunnelView(self)
        self._empty = empty_label(
            self.tr("The funnel appears once customers or sales are imported."), self
        )
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.granularity)
        top.addWidget(self.period)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self._empty, 1)
        self.granularity.currentIndexChanged.connect(self._on_granularity)
        self.period.currentIndexChanged.connect(self._on_period)
        self.setMinimumSize(260, 200)
        self._filling = False
        self.show_data(None)

    def rows(self) -> list[FunnelRow]:
        """The painted rows (for tests)."""
        return list(self.view.rows)

    # -- settings ---------------------------------------------------------------

    def _on_granularity(self) -> None:
        if self._filling:
            return
        g = Granularity(self.granularity.currentData())
        self.set_settings(FunnelSettings(g, None))

    def _on_period(self) -> None:
        if self._filling:
            return
        day = self.period.currentData()
        settings = replace(
            self.settings(), period_start_day=None if day is None else int(day)
        )
        self.set_settings(settings)

    def settings_editor(self) -> QWidget | None:
        return _FunnelForm(self.settings())

    # -- data -----------------------------------------------------------------------

    def _period_label(self, period: FunnelPeriod, granularity: Granularity) -> str:
        start = day_to_date(period.start_day)
        if granularity is Granularity.MONTH:
            text = format_month_long(period.start_day)
        elif granularity is Granularity.QUARTER:
            text = self.tr("Q{quarter} {year}").format(
                quarter=(start.month - 1) // 3 + 1, year=start.year
            )
        else:
            text = str(start.year)
        if period.partial:
            text = self.tr("{period} (so far)").format(period=text)
        return text

    def show_data(self, data: PanelData | None) -> None:
        settings: FunnelSettings = self.settings()
        funnel = data.funnels.get(settings.granularity) if data is not None else None
        self._filling = True
        self.granularity.setCurrentIndex(
            self.granularity.findData(settings.granularity.value)
        )
        self.period.clear()
        if funnel is None or not funnel.periods:
            self._filling = False
            self.view.rows = []
            self.view.hide()
            self.period.setEnabled(False)
            self._empty.show()
            self.set_subtitle("")
            return
        self.period.setEnabled(True)
        self._empty.hide()
        self.view.show()
        last_complete = funnel.last_complete()
        default_index = (
            last_complete if last_complete is not None else len(funnel.periods) - 1
        )
        chosen = default_index
        for i in range(len(funnel.periods) - 1, -1, -1):
            period = funnel.periods[i]
            self.period.addItem(
                self._period_label(period, settings.granularity), period.start_day
            )
            if settings.period_start_day == period.start_day:
                chosen = i
        self.period.setCurrentIndex(len(funnel.periods) - 1 - chosen)
        self._filling = False
        period = funnel.periods[chosen]
        hints = {k: message_text(v) for k, v in funnel.no_data_hints.items()}
        self.view.rows = self._rows(period, hints)
        self.view.update()
        self.set_subtitle(self._period_label(period, settings.granularity))

    def _rows(self, period: FunnelPeriod, hints: dict[str, str]) -> list[FunnelRow]:
        names = {
            "reach": self.tr("Reach"),
            "acquisition": self.tr("Acquisition"),
            "conversion": self.tr("Conversion"),
            "retention": self.tr("Retention"),
            "loyalty": self.tr("Loyalty"),
        }
        bases = {
            "reach": "",
            "acquisition": self.tr("of the people reached"),
            "conversion": self.tr("of the customers acquired"),
            "retention": self.tr("of the previous period's buyers"),
            "loyalty": self.tr("of the active customers"),
        }
        meanings = {
            "reach": self.tr("People reached by campaigns in the period."),
            "acquisition": self.tr(
                "Customers registered in the period, with or without a purchase."
            ),
            "conversion": self.tr(
                "Customers whose first purchase falls in the period."
            ),
            "retention": self.tr(
                "Customers who bought in the previous period and again in this one."
            ),
            "loyalty": self.tr(
                "Customers who referred someone registered in the period, or NPS promoters (9–10) who answered in it."
            ),
        }
        rows = []
        for key in FUNNEL_STAGES:
            figure: FunnelFigure = getattr(period, key)
            no_data = figure.count_status is FigureStatus.NO_DATA
            if no_data:
                count_text = self.tr("No data")
            elif figure.count is None:
                count_text = "—"
            else:
                count_text = format_count(figure.count)
            rate_text = self._rate_text(figure, bases[key])
            hint = hints.get(key, "") if no_data else ""
            tooltip = f"<b>{names[key]}</b><br>{meanings[key]}"
            if hint:
                tooltip += f"<br><i>{hint}</i>"
            elif rate_text:
                tooltip += f"<br>{rate_text}"
            rows.append(
                FunnelRow(
                    key,
                    names[key],
                    count_text,
                    rate_text,
                    no_data,
                    hint or self.tr("No data"),
                    tooltip,
                )
            )
        return rows

    def _rate_text(self, figure: FunnelFigure, base: str) -> str:
        status = figure.rate_status
        if status is FigureStatus.OK and figure.rate is not None:
            return f"{format_percent(figure.rate)} {base}"
        if status is FigureStatus.ZERO_DENOMINATOR:
            return f"— {base}"
        if status is FigureStatus.NO_DATA and figure.count_status is FigureStatus.OK:
            return self.tr("rate needs data of the stage above")
        if (
            status is FigureStatus.NOT_APPLICABLE
            and figure.count_status is FigureStatus.NOT_APPLICABLE
        ):
            return self.tr("no previous period")
        return ""
