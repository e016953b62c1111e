"""Panel widget: stage movements between two months (ui layer).

A from → to matrix (DOMAIN.md "Movements"): one row per stage at the earlier
snapshot plus "Not yet a customer", one column per stage at the later one.
Clicking a cell lists the customers who made that move.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clmdesk.services.panel import CustomerQuery, QueryKind
from clmdesk.ui.charts.formatting import format_count, format_month, format_month_long
from clmdesk.ui.charts.theme import ChartColours, mix
from clmdesk.ui.dashboard.base import PanelWidget, empty_label, stage_names
from clmdesk.ui.dashboard.registry import register_widget

if TYPE_CHECKING:
    from clmdesk.core.lifecycle import Movements
    from clmdesk.services.panel import PanelData

__all__ = ["MovementTableModel", "MovementsSettings", "MovementsWidget"]

_Index = QModelIndex | QPersistentModelIndex
COUNT_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class MovementsSettings:
    """The two months compared (None = the previous snapshot and the latest)."""

    from_day: int | None = None
    to_day: int | None = None


class _MonthsForm(QWidget):
    def __init__(
        self,
        settings: MovementsSettings,
        days: list[int],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.follow = QCheckBox(self.tr("Always compare the last two months"), self)
        self.follow.setChecked(settings.from_day is None and settings.to_day is None)
        self.from_combo = QComboBox(self)
        self.to_combo = QComboBox(self)
        for combo in (self.from_combo, self.to_combo):
            for day in days:
                combo.addItem(format_month(day), day)
        if days:
            to_day = settings.to_day if settings.to_day in days else days[-1]
            to_index = days.index(to_day)
            from_day = (
                settings.from_day
                if settings.from_day in days
                else days[max(0, to_index - 1)]
            )
            self.from_combo.setCurrentIndex(days.index(from_day))
            self.to_combo.setCurrentIndex(to_index)
        self._settings = settings
        form = QFormLayout(self)
        form.addRow(self.follow)
        form.addRow(self.tr("From month"), self.from_combo)
        form.addRow(self.tr("To month"), self.to_combo)
        self.follow.toggled.connect(self._update)
        self._update()

    def _update(self) -> None:
        for combo in (self.from_combo, self.to_combo):
            combo.setEnabled(not self.follow.isChecked() and combo.count() > 0)

    def value(self) -> MovementsSettings:
        if self.follow.isChecked() or self.from_combo.count() == 0:
            return (
                MovementsSettings(None, None)
                if self.follow.isChecked()
                else self._settings
            )
        return MovementsSettings(
            int(self.from_combo.currentData()), int(self.to_combo.currentData())
        )


class MovementTableModel(QAbstractTableModel):
    """The movement matrix: rows "not yet a customer" + stages, columns stages."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._matrix = np.zeros((0, 0), dtype=np.int64)
        self._row_labels: list[str] = []
        self._column_labels: list[str] = []
        self._colours: list[str] = []
        self._tooltips: dict[tuple[int, int], str] = {}
        self._palette = ChartColours.from_palette()

    def set_matrix(
        self,
        matrix: np.ndarray,
        row_labels: list[str],
        column_labels: list[str],
        colours: list[str],
        tooltip: Any,
    ) -> None:
        """Show ``matrix`` (rows × columns) with its labels; ``tooltip(r, c)`` gives a cell's text."""
        self.beginResetModel()
        self._matrix = np.asarray(matrix)
        self._row_labels = row_labels
        self._column_labels = column_labels
        self._colours = colours
        self._tooltip = tooltip
        self._palette = ChartColours.from_palette()
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else int(self._matrix.shape[0])

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return (
            0
            if parent.isValid()
            else int(self._matrix.shape[1])
            if self._matrix.ndim == 2
            else 0
        )

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        labels = (
            self._column_labels
            if orientation == Qt.Orientation.Horizontal
            else self._row_labels
        )
        if not 0 <= section < len(labels):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return labels[section]
        if role == Qt.ItemDataRole.DecorationRole:
            if orientation == Qt.Orientation.Horizontal:
                return QColor(self._colours[section])
            return QColor(self._colours[section - 1]) if section > 0 else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if not (0 <= r < self._matrix.shape[0] and 0 <= c < self._matrix.shape[1]):
            return None
        value = int(self._matrix[r, c])
        if role == Qt.ItemDataRole.DisplayRole:
            return format_count(value) if value else "·"
        if role == COUNT_ROLE:
            return value
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole and value:
            return self._tooltip(r, c)
        if role == Qt.ItemDataRole.BackgroundRole and value:
            largest = max(1, int(self._matrix.max()))
            strength = 0.12 + 0.6 * (value / largest) ** 0.5
            colour = QColor(self._colours[c])
            return QBrush(mix(self._palette.background, colour, strength))
        if role == Qt.ItemDataRole.ForegroundRole:
            if not value:
                return QBrush(self._palette.muted)
            largest = max(1, int(self._matrix.max()))
            strength = 0.12 + 0.6 * (value / largest) ** 0.5
            colour = mix(self._palette.background, QColor(self._colours[c]), strength)
            return QBrush(
                QColor("#ffffff") if colour.lightnessF() < 0.55 else QColor("#111111")
            )
        if role == Qt.ItemDataRole.FontRole and r - 1 == c:
            owner = self.parent()
            if isinstance(owner, QWidget):
                font = owner.font()
                font.setBold(True)
                return font
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


@register_widget
class MovementsWidget(PanelWidget):
    """Who moved from which stage to which, between two months."""

    type_id = "stage_movements"
    title = "Stage movements"
    description = (
        "Who moved from where to where between two months: a table from each stage to each stage. "
        "Click a number to list those customers."
    )
    icon = "movements"
    Settings = MovementsSettings
    default_span = (4, 3)
    min_span = (2, 2)

    def __init__(
        self, settings: MovementsSettings | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(settings, parent)
        self.from_combo = QComboBox(self)
        self.from_combo.setAccessibleName(self.tr("From month"))
        self.to_combo = QComboBox(self)
        self.to_combo.setAccessibleName(self.tr("To month"))
        for combo in (self.from_combo, self.to_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.model = MovementTableModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setCornerButtonEnabled(False)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Stretch
        )
        self.table.horizontalHeader().setMinimumSectionSize(56)
        self.table.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setMinimumSectionSize(18)
        self.table.setFrameShape(QTableView.Shape.NoFrame)
        self._caption = QLabel(self)
        self._caption.setWordWrap(True)
        self._empty = empty_label(
            self.tr("Movements appear once there are two months of history."), self
        )
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(QLabel(self.tr("From"), self))
        top.addWidget(self.from_combo)
        top.addWidget(QLabel(self.tr("to"), self))
        top.addWidget(self.to_combo)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self._caption)
        layout.addWidget(self._empty, 1)
        self.table.clicked.connect(self._on_cell_clicked)
        self.table.activated.connect(self._on_cell_clicked)
        self.from_combo.currentIndexChanged.connect(self._on_months_changed)
        self.to_combo.currentIndexChanged.connect(self._on_months_changed)
        self._filling = False
        self._shown: tuple[int, int] | None = None
        self._keys: list[str] = []
        self.setMinimumSize(300, 200)
        self.show_data(None)

    # -- months ---------------------------------------------------------------

    def shown_indices(self) -> tuple[int, int] | None:
        """(from, to) snapshot indices of the matrix shown."""
        return self._shown

    def _resolve(self, data: PanelData) -> tuple[int, int] | None:
        n = data.n_snapshots
        if n < 2:
            return None
        s: MovementsSettings = self.settings()
        days = [int(d) for d in data.snapshot_days]
        to_index = days.index(s.to_day) if s.to_day in days else n - 1
        from_index = (
            days.index(s.from_day) if s.from_day in days else max(0, to_index - 1)
        )
        if from_index >= to_index:
            from_index = max(0, to_index - 1)
            if from_index == to_index:
                to_index = min(n - 1, from_index + 1)
        return from_index, to_index

    def _on_months_changed(self) -> None:
        if self._filling or self._data is None:
            return
        from_day = self.from_combo.currentData()
        to_day = self.to_combo.currentData()
        latest = self._data.latest_day
        settings = MovementsSettings(
            from_day=None if from_day is None else int(from_day),
            to_day=None if to_day is None or int(to_day) == latest else int(to_day),
        )
        if (
            settings.to_day is None
            and self._data.n_snapshots >= 2
            and from_day is not None
            and int(from_day) == int(self._data.snapshot_days[-2])
        ):
            # The default pair again: keep following the latest months.
            settings = MovementsSettings(None, None)
        self.set_settings(settings)

    # -- data -----------------------------------------------------------------------

    def show_data(self, data: PanelData | None) -> None:
        span = self._resolve(data) if data is not None else None
        self._shown = span
        has = span is not None
        for w in (self.table, self._caption, self.from_combo, self.to_combo):
            w.setVisible(has)
        self._empty.setVisible(not has)
        if data is None or span is None:
            self.set_subtitle("")
            return
        from_index, to_index = span
        self._filling = True
        for combo, chosen in ((self.from_combo, from_index), (self.to_combo, to_index)):
            combo.clear()
            for day in data.snapshot_days:
                combo.addItem(format_month(int(day)), int(day))
            combo.setCurrentIndex(chosen)
        self._filling = False
        moves = data.movements(from_index, to_index)
        self._fill(data, moves)

    def _fill(self, data: PanelData, moves: Movements) -> None:
        names = stage_names(data)
        stages = data.model.stages
        self._keys = [s.key for s in stages]
        not_yet = self.tr("Not yet a customer")
        row_labels = [not_yet] + [names[s.key] for s in stages]
        column_labels = [names[s.key] for s in stages]
        from_month = format_month_long(moves.from_day)
        to_month = format_month_long(moves.to_day)

        def tooltip(r: int, c: int) -> str:
            count = int(moves.matrix[r, c])
            source = not_yet if r == 0 else names[stages[r - 1].key]
            return self.tr(
                "{count} customers: {source} in {from_month} → {target} in {to_month}. Click to list them."
            ).format(
                count=format_count(count),
                source=source,
                from_month=from_month,
                target=names[stages[c].key],
                to_month=to_month,
            )

        self.model.set_matrix(
            moves.matrix, row_labels, column_labels, [s.colour for s in stages], tooltip
        )
        moved = int(moves.matrix.sum() - np.trace(moves.matrix[1:, :]))
        self._caption.setText(
            self.tr(
                "Rows: stage in {from_month}; columns: stage in {to_month}. {moved} customers changed stage or arrived."
            ).format(
                from_month=from_month, to_month=to_month, moved=format_count(moved)
            )
        )
        self.set_subtitle(
            self.tr("{from_month} → {to_month}").format(
                from_month=from_month, to_month=to_month
            )
        )

    def _on_cell_clicked(self, index: QModelIndex) -> None:
        data = self._data
        if data is None or self._shown is None or not index.isValid():
            return
        count = index.data(COUNT_ROLE)
        if not count:
            return
        from_index, to_index = self._shown
        r, c = index.row(), index.column()
        self.customers_requested.emit(
            CustomerQuery(
                QueryKind.MOVEMENT,
                int(data.snapshot_days[to_index]),
                self._keys[c],
                int(data.snapshot_days[from_index]),
                None if r == 0 else self._keys[r - 1],
            )
        )

    def settings_editor(self) -> QWidget | None:
        days = (
            [int(d) for d in self._data.snapshot_days] if self._data is not None else []
        )
        return _MonthsForm(self.settings(), days)
