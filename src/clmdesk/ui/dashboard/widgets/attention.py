"""Panel widget: the customers who need attention, most valuable first (ui layer).

DOMAIN.md: group ``attention`` at L, by total spent descending then key —
with last purchase, frequency, total spent, phone and e-mail, so the owner
can call them. "Export call list" saves the whole list as xlsx or csv.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clmdesk.services.panel import ATTENTION_PREVIEW, CustomerQuery, QueryKind
from clmdesk.ui.charts.formatting import format_count, format_date
from clmdesk.ui.customer_list.model import (
    COL_CITY,
    COL_EMAIL,
    COL_FIRST,
    COL_FREQUENCY,
    COL_KEY,
    COL_LAST,
    COL_MONETARY,
    COL_NAME,
    COL_PHONE,
    COL_RECENCY,
    COL_STAGE,
    CustomerTableModel,
)
from clmdesk.ui.dashboard.base import PanelWidget, empty_label, stage_names
from clmdesk.ui.dashboard.icons import glyph_icon
from clmdesk.ui.dashboard.registry import register_widget

if TYPE_CHECKING:
    from clmdesk.services.panel import PanelData

__all__ = ["AttentionListWidget", "AttentionSettings"]

_VISIBLE = (
    COL_NAME,
    COL_STAGE,
    COL_LAST,
    COL_FREQUENCY,
    COL_MONETARY,
    COL_PHONE,
    COL_EMAIL,
)


@dataclass(frozen=True)
class AttentionSettings:
    """How many customers the tile lists (the export always has them all)."""

    rows: int = 50


class _RowsForm(QWidget):
    def __init__(
        self, settings: AttentionSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.rows = QSpinBox(self)
        self.rows.setRange(5, ATTENTION_PREVIEW)
        self.rows.setValue(settings.rows)
        QFormLayout(self).addRow(self.tr("Customers listed"), self.rows)

    def value(self) -> AttentionSettings:
        return AttentionSettings(self.rows.value())


@register_widget
class AttentionListWidget(PanelWidget):
    """The most valuable customers who need attention, ready to call."""

    type_id = "attention_list"
    title = "Customers who need attention"
    description = (
        "The most valuable customers who stopped buying recently, with their last purchase, "
        "purchases, total spent, phone and e-mail. Export it as a call list."
    )
    icon = "attention"
    Settings = AttentionSettings
    default_span = (2, 3)
    min_span = (2, 2)

    def __init__(
        self, settings: AttentionSettings | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(settings, parent)
        self.model = CustomerTableModel(parent=self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setFrameShape(QTableView.Shape.NoFrame)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(
            self.fontMetrics().height() + 8
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column in (COL_KEY, COL_RECENCY, COL_FIRST, COL_CITY):
            self.table.setColumnHidden(column, True)
        order = list(_VISIBLE)
        for target, column in enumerate(order):
            header.moveSection(header.visualIndex(column), target)
        for column, width in (
            (COL_NAME, 170),
            (COL_STAGE, 130),
            (COL_LAST, 95),
            (COL_FREQUENCY, 70),
            (COL_MONETARY, 105),
            (COL_PHONE, 125),
        ):
            self.table.setColumnWidth(column, width)
        self.all_button = QPushButton(self)
        self.all_button.setToolTip(self.tr("Open the whole list to search and sort it"))
        self.export_button = QPushButton(
            glyph_icon("export"), self.tr("Export call list…"), self
        )
        self.export_button.setToolTip(
            self.tr("Save every customer who needs attention as an Excel or CSV file")
        )
        self._empty = empty_label(self.tr("Nobody needs attention right now."), self)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.all_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.table, 1)
        layout.addWidget(self._empty, 1)
        layout.addLayout(buttons)
        self.all_button.clicked.connect(self.show_all)
        self.export_button.clicked.connect(self.export_call_list)
        self.setMinimumSize(300, 200)
        self.show_data(None)

    def show_all(self) -> None:
        """Open the whole attention list."""
        self._request(export=False)

    def export_call_list(self) -> None:
        """Export every customer who needs attention."""
        self._request(export=True)

    def _request(self, export: bool) -> None:
        data = self._data
        if data is None or data.latest_day is None:
            return
        query = CustomerQuery(QueryKind.ATTENTION, data.latest_day)
        (self.export_requested if export else self.customers_requested).emit(query)

    def show_data(self, data: PanelData | None) -> None:
        rows = data.attention[: self.settings().rows] if data is not None else ()
        total = data.attention_total if data is not None else 0
        if data is not None:
            self.model.set_rows(
                rows,
                currency=data.currency,
                stage_names=stage_names(data),
                stage_colours={s.key: s.colour for s in data.model.stages},
            )
        else:
            self.model.set_rows(())
        self.table.setVisible(bool(rows))
        self._empty.setVisible(not rows)
        self.all_button.setVisible(total > 0)
        self.export_button.setEnabled(total > 0)
        self.all_button.setText(
            self.tr("Show all {count}…").format(count=format_count(total))
        )
        if data is None or data.latest_day is None:
            self.set_subtitle("")
        else:
            self.set_subtitle(
                self.tr("{count} customers on {date}, most valuable first").format(
                    count=format_count(total), date=format_date(data.latest_day)
                )
            )

    def settings_editor(self) -> QWidget | None:
        return _RowsForm(self.settings())
