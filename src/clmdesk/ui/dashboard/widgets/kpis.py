"""Panel widget: KPI cards with the change against the previous month (ui layer).

Figures are the engine's :class:`~clmdesk.core.lifecycle.PanelKpis`, all
relative to the latest snapshot L (DOMAIN.md "The control panel"). Each card
shows the value, its change against the previous snapshot, coloured by
whether the change is good news (fewer customers needing attention is), and
a tooltip with the KPI's one-sentence definition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QCheckBox, QScrollArea, QVBoxLayout, QWidget

from clmdesk.core.lifecycle import FigureStatus
from clmdesk.ui.charts.formatting import (
    format_count,
    format_date,
    format_money,
    format_money_compact,
    format_percent,
    format_signed,
    format_signed_percent,
)
from clmdesk.ui.charts.theme import ChartColours, mix
from clmdesk.ui.dashboard.base import PanelWidget, empty_label
from clmdesk.ui.dashboard.registry import register_widget

if TYPE_CHECKING:
    from PySide6.QtGui import QPaintEvent, QResizeEvent

    from clmdesk.core.lifecycle import Kpi
    from clmdesk.services.panel import PanelData

__all__ = ["KPI_KEYS", "KpiCard", "KpiCardsWidget", "KpiSettings"]

# (key, kind, higher is better)
_KPIS: tuple[tuple[str, str, bool], ...] = (
    ("active_customers", "count", True),
    ("need_attention", "count", False),
    ("revenue_30d", "money", True),
    ("revenue_90d", "money", True),
    ("average_ticket", "money", True),
    ("repeat_purchase_rate", "rate", True),
    ("retention_rate", "rate", True),
    ("customers_lost", "count", False),
)
KPI_KEYS = tuple(k for k, _, _ in _KPIS)


def _labels(widget: QWidget) -> dict[str, tuple[str, str]]:
    """KPI key → (label, one-sentence definition)."""
    tr = widget.tr
    return {
        "active_customers": (
            tr("Active customers"),
            tr("Customers in the group “Active customers” at the latest date."),
        ),
        "need_attention": (
            tr("Need attention"),
            tr("Customers in the group “Need attention” at the latest date."),
        ),
        "revenue_30d": (
            tr("Revenue, 30 days"),
            tr("Net amount of the orders of the last 30 days (returns subtracted)."),
        ),
        "revenue_90d": (
            tr("Revenue, 90 days"),
            tr("Net amount of the orders of the last 90 days (returns subtracted)."),
        ),
        "average_ticket": (
            tr("Average ticket"),
            tr("Purchase revenue divided by the number of purchases, last 90 days."),
        ),
        "repeat_purchase_rate": (
            tr("Repeat purchase"),
            tr("Share of customers with a purchase who bought at least twice."),
        ),
        "retention_rate": (
            tr("Retention"),
            tr(
                "Share of the customers who bought in the month before the last complete month "
                "and bought again in it."
            ),
        ),
        "customers_lost": (
            tr("Lost this month"),
            tr("Customers who became inactive since the previous month."),
        ),
    }


@dataclass(frozen=True)
class KpiSettings:
    """Which KPI cards are shown (in the fixed order of :data:`KPI_KEYS`)."""

    shown: tuple[str, ...] = KPI_KEYS


class _KpiForm(QWidget):
    def __init__(
        self,
        settings: KpiSettings,
        labels: dict[str, tuple[str, str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.boxes: list[QCheckBox] = []
        for key in KPI_KEYS:
            box = QCheckBox(labels[key][0], self)
            box.setToolTip(labels[key][1])
            box.setProperty("kpi_key", key)
            box.setChecked(key in settings.shown)
            layout.addWidget(box)
            self.boxes.append(box)

    def value(self) -> KpiSettings:
        chosen = tuple(str(b.property("kpi_key")) for b in self.boxes if b.isChecked())
        return KpiSettings(chosen or KPI_KEYS)


class KpiCard(QWidget):
    """One KPI: label, value, change against the previous month."""

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.label = ""
        self.value_text = "—"
        # Shorter forms of the value, tried in order when it does not fit.
        self.compact_texts: list[str] = []
        self.change_text = ""
        self.change_sign = 0  # +1 good news, -1 bad news, 0 neutral
        self.setMinimumSize(108, 62)

    def sizeHint(self) -> QSize:
        return QSize(160, 76)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colours = ChartColours.from_palette(self.palette())
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        path = QPainterPath()
        path.addRoundedRect(rect, 8, 8)
        painter.fillPath(path, mix(colours.background, colours.foreground, 0.035))
        painter.setPen(QPen(colours.card_border, 1))
        painter.drawPath(path)
        inner = rect.adjusted(10, 6, -10, -6)
        base = self.font()
        small = QFont(base)
        small.setPointSizeF(base.pointSizeF() * 0.9)
        big = QFont(base)
        big.setPointSizeF(base.pointSizeF() * 1.6)
        big.setBold(True)
        painter.setFont(small)
        metrics_small = painter.fontMetrics()
        painter.setPen(colours.muted)
        label = metrics_small.elidedText(
            self.label, Qt.TextElideMode.ElideRight, int(inner.width())
        )
        painter.drawText(
            inner, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), label
        )
        # A number is never cut: try a smaller font, then a shorter form.
        value = self.value_text
        chosen = None
        for text in [self.value_text, *self.compact_texts]:
            for scale in (1.6, 1.4, 1.25):
                big.setPointSizeF(base.pointSizeF() * scale)
                if QFontMetrics(big).horizontalAdvance(text) <= inner.width():
                    chosen = text
                    break
            if chosen is not None:
                break
        if chosen is None:
            value = QFontMetrics(big).elidedText(
                value, Qt.TextElideMode.ElideRight, int(inner.width())
            )
        else:
            value = chosen
        painter.setFont(big)
        painter.setPen(colours.foreground)
        value_rect = QRectF(
            inner.left(),
            inner.top() + metrics_small.height(),
            inner.width(),
            QFontMetrics(base).height() * 1.6 + 2,
        )
        painter.drawText(
            value_rect,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            value,
        )
        if self.change_text:
            painter.setFont(small)
            colour = (
                colours.positive
                if self.change_sign > 0
                else colours.negative
                if self.change_sign < 0
                else colours.muted
            )
            painter.setPen(colour)
            metrics = painter.fontMetrics()
            # Without its percentage when the full change does not fit.
            change = next(
                (
                    text
                    for text in (self.change_text, self.change_text.split(" (")[0])
                    if metrics.horizontalAdvance(text) <= inner.width()
                ),
                metrics.elidedText(
                    self.change_text, Qt.TextElideMode.ElideRight, int(inner.width())
                ),
            )
            painter.drawText(
                inner,
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom),
                change,
            )


class _CardArea(QWidget):
    """Lays the cards out in as many columns as fit, then rows."""

    PREFERRED_CARD_WIDTH = 150
    MIN_CARD_WIDTH = 108
    MIN_CARD_HEIGHT = 62
    SPACING = 8

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cards: list[KpiCard] = []

    def set_cards(self, cards: list[KpiCard]) -> None:
        for card in self.cards:
            if card not in cards:
                card.hide()
        self.cards = cards
        for card in cards:
            card.setParent(self)
            card.show()
        parent = self.parentWidget()
        self._place(
            self.width(), parent.height() if parent is not None else self.height()
        )

    def _place(self, width: int, available_height: int) -> None:
        n = len(self.cards)
        if not n:
            self.setMinimumSize(0, 0)
            return
        s = self.SPACING
        fit_cols = max(1, (width + s) // (self.PREFERRED_CARD_WIDTH + s))
        rows_that_fit = max(1, (available_height + s) // (self.MIN_CARD_HEIGHT + s))
        cols = max(min(n, fit_cols), math.ceil(n / rows_that_fit))
        rows = math.ceil(n / cols)
        card_w = max(self.MIN_CARD_WIDTH, (width - (cols - 1) * s) / cols)
        if cols * card_w + (cols - 1) * s > width + 1:
            # A horizontal scroll bar will take part of the height.
            available_height -= self.style().pixelMetric(
                self.style().PixelMetric.PM_ScrollBarExtent
            )
        card_h = max(
            self.MIN_CARD_HEIGHT, min(110, (available_height - (rows - 1) * s) / rows)
        )
        for i, card in enumerate(self.cards):
            r, c = divmod(i, cols)
            card.setGeometry(
                round(c * (card_w + s)),
                round(r * (card_h + s)),
                round(card_w),
                round(card_h),
            )
        self.setMinimumSize(
            round(cols * card_w + (cols - 1) * s), round(rows * card_h + (rows - 1) * s)
        )

    def relayout(self, width: int, height: int) -> None:
        self._place(width, height)


@register_widget
class KpiCardsWidget(PanelWidget):
    """The panel's KPIs as cards."""

    type_id = "kpi_cards"
    title = "Key figures"
    description = (
        "Active customers, customers who need attention, revenue of the last 30 and 90 days, "
        "average ticket, repeat purchase, retention and customers lost this month, each with "
        "its change against the previous month."
    )
    icon = "kpi"
    Settings = KpiSettings
    default_span = (4, 1)
    min_span = (1, 1)

    def __init__(
        self, settings: KpiSettings | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(settings, parent)
        self._labels = _labels(self)
        self._cards = {key: KpiCard(key) for key in KPI_KEYS}
        self.area = _CardArea()
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidget(self.area)
        self.scroll_area.setWidgetResizable(False)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAsNeeded
        )
        # Cards never overflow vertically: their rows follow the height.
        self.scroll_area.setVerticalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        )
        self.scroll_area.viewport().setAutoFillBackground(False)
        self.area.setAutoFillBackground(False)
        self._empty = empty_label(
            self.tr("The key figures appear once sales are imported."), self
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll_area)
        layout.addWidget(self._empty)
        self.setMinimumSize(120, 62)
        self.apply_settings()

    def cards(self) -> list[KpiCard]:
        """The cards shown, in order."""
        return list(self.area.cards)

    def apply_settings(self) -> None:
        shown = [k for k in KPI_KEYS if k in self.settings().shown] or list(KPI_KEYS)
        self.area.set_cards([self._cards[k] for k in shown])
        self._relayout()
        if self._data is not None:
            self.show_data(self._data)

    def _relayout(self) -> None:
        viewport = self.scroll_area.viewport().size()
        self.area.relayout(viewport.width(), viewport.height())
        self.area.resize(self.area.minimumSize().expandedTo(QSize(viewport.width(), 0)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def show_data(self, data: PanelData | None) -> None:
        kpis = data.kpis if data is not None else None
        has = kpis is not None
        self.scroll_area.setVisible(has)
        self._empty.setVisible(not has)
        if kpis is None or data is None:
            self.set_subtitle("")
            return
        if kpis.previous_as_of is not None:
            self.set_subtitle(
                self.tr("On {date}, against {previous}").format(
                    date=format_date(kpis.as_of),
                    previous=format_date(kpis.previous_as_of),
                )
            )
        else:
            self.set_subtitle(self.tr("On {date}").format(date=format_date(kpis.as_of)))
        for key, kind, higher_is_better in _KPIS:
            card = self._cards[key]
            figure: Kpi = getattr(kpis, key)
            label, definition = self._labels[key]
            card.label = label
            card.value_text = self._value_text(
                figure.value, figure.status, kind, data.currency
            )
            card.compact_texts = (
                [format_money_compact(round(figure.value), data.currency)]
                if kind == "money" and figure.value is not None
                else []
            )
            card.change_text, card.change_sign = self._change(
                figure, kind, higher_is_better
            )
            previous = (
                self._value_text(figure.previous, FigureStatus.OK, kind, data.currency)
                if figure.previous is not None
                else "—"
            )
            tip = definition
            if kpis.previous_as_of is not None:
                tip += "\n" + self.tr("Previous month ({date}): {value}").format(
                    date=format_date(kpis.previous_as_of), value=previous
                )
            card.setToolTip(tip)
            card.setAccessibleName(f"{label}: {card.value_text} {card.change_text}")
            card.update()

    def settings_editor(self) -> QWidget | None:
        return _KpiForm(self.settings(), self._labels)

    def _value_text(
        self, value: float | None, status: FigureStatus, kind: str, currency: str
    ) -> str:
        if status is FigureStatus.NO_DATA:
            return self.tr("No data")
        if value is None:
            return "—"
        if kind == "money":
            return format_money(
                round(value), currency, decimals=0 if abs(value) >= 1_000_000 else 2
            )
        if kind == "rate":
            return format_percent(value)
        return format_count(int(value))

    def _change(
        self, figure: Kpi, kind: str, higher_is_better: bool
    ) -> tuple[str, int]:
        change = figure.change
        if change is None or figure.previous is None:
            return "", 0
        direction = 1 if change > 0 else -1 if change < 0 else 0
        good = direction if higher_is_better else -direction
        arrow = "▲ " if direction > 0 else "▼ " if direction < 0 else ""
        if kind == "rate":
            points = round(change * 100, 1)
            sign = "+" if points > 0 else "\u2212" if points < 0 else ""
            number = QLocale().toString(abs(points), "f", 1)
            text = self.tr("{value} pp").format(value=sign + number)
        elif kind == "money":
            text = (
                format_signed_percent(change / figure.previous)
                if figure.previous
                else format_signed(round(change / 100))
            )
        else:
            text = format_signed(int(change))
            if figure.previous:
                text += f" ({format_signed_percent(change / figure.previous)})"
        return arrow + text, good
