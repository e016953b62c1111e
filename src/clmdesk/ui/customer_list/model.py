"""Table model of a customer list (ui layer).

Rows are :class:`~clmdesk.services.panel.CustomerListRow` values; ``DisplayRole``
gives locale-formatted text and :data:`SORT_ROLE` the raw value, so that a
``QSortFilterProxyModel`` sorts money as money and dates as dates (STYLE.md
M2–M5). GUI thread only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from clmdesk.ui.charts.formatting import format_count, format_date, format_money

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from clmdesk.services.panel import CustomerListRow

__all__ = [
    "COLUMNS",
    "COL_CITY",
    "COL_EMAIL",
    "COL_FIRST",
    "COL_FREQUENCY",
    "COL_KEY",
    "COL_LAST",
    "COL_MONETARY",
    "COL_NAME",
    "COL_PHONE",
    "COL_RECENCY",
    "COL_STAGE",
    "ROW_ROLE",
    "SORT_ROLE",
    "CustomerTableModel",
]

COL_NAME = 0
COL_KEY = 1
COL_STAGE = 2
COL_FREQUENCY = 3
COL_LAST = 4
COL_RECENCY = 5
COL_MONETARY = 6
COL_FIRST = 7
COL_PHONE = 8
COL_EMAIL = 9
COL_CITY = 10

COLUMNS = (
    "Name",
    "Customer",
    "Stage",
    "Purchases",
    "Last purchase",
    "Days since",
    "Total spent",
    "First purchase",
    "Phone",
    "E-mail",
    "City",
)

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
_NUMERIC = {COL_FREQUENCY, COL_RECENCY, COL_MONETARY}
_Index = QModelIndex | QPersistentModelIndex


class CustomerTableModel(QAbstractTableModel):
    """A flat, read-only table of customers."""

    def __init__(
        self,
        currency: str = "BRL",
        stage_names: Mapping[str, str] | None = None,
        stage_colours: Mapping[str, str] | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._rows: tuple[CustomerListRow, ...] = ()
        self._search: list[str] | None = None
        self._currency = currency
        self._stage_names = dict(stage_names or {})
        self._stage_colours = dict(stage_colours or {})

    # -- data in ------------------------------------------------------------

    def set_rows(
        self,
        rows: Sequence[CustomerListRow],
        currency: str | None = None,
        stage_names: Mapping[str, str] | None = None,
        stage_colours: Mapping[str, str] | None = None,
    ) -> None:
        """Replace every row (and, optionally, the formatting context)."""
        self.beginResetModel()
        self._rows = tuple(rows)
        self._search = None
        if currency is not None:
            self._currency = currency
        if stage_names is not None:
            self._stage_names = dict(stage_names)
        if stage_colours is not None:
            self._stage_colours = dict(stage_colours)
        self.endResetModel()

    @property
    def rows(self) -> tuple[CustomerListRow, ...]:
        """The rows, in model order."""
        return self._rows

    def stage_name(self, key: str | None) -> str:
        """Display name of a stage key ('' for none)."""
        if key is None:
            return ""
        return self._stage_names.get(key, key)

    # -- QAbstractTableModel ------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.tr(COLUMNS[section])
            if role == Qt.ItemDataRole.TextAlignmentRole and section in _NUMERIC:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if (
            orientation == Qt.Orientation.Vertical
            and role == Qt.ItemDataRole.DisplayRole
        ):
            return str(section + 1)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == SORT_ROLE:
            return self._raw(row, column)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole and column in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.DecorationRole and column == COL_STAGE:
            colour = self._stage_colours.get(row.stage_key or "")
            return QColor(colour) if colour else None
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_NAME:
            return row.key
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and column == COL_NAME
            and not row.name
        ):
            return QBrush(QColor(128, 128, 128))
        return None

    def _display(self, row: CustomerListRow, column: int) -> str:
        if column == COL_NAME:
            return row.name or row.key
        if column == COL_KEY:
            return row.key
        if column == COL_STAGE:
            return self.stage_name(row.stage_key)
        if column == COL_FREQUENCY:
            return format_count(row.frequency)
        if column == COL_LAST:
            return format_date(row.last_day)
        if column == COL_RECENCY:
            return (
                format_count(row.recency_days) if row.recency_days is not None else ""
            )
        if column == COL_MONETARY:
            return format_money(row.monetary_cents, self._currency)
        if column == COL_FIRST:
            return format_date(row.first_day)
        if column == COL_PHONE:
            return row.phone or ""
        if column == COL_EMAIL:
            return row.email or ""
        if column == COL_CITY:
            if row.city and row.state:
                return f"{row.city} ({row.state})"
            return row.city or row.state or ""
        return ""

    def _raw(self, row: CustomerListRow, column: int) -> Any:
        # Missing values sort before every real one (-1 for days and counts).
        if column == COL_NAME:
            return (row.name or row.key).casefold()
        if column == COL_KEY:
            return row.key
        if column == COL_STAGE:
            return self.stage_name(row.stage_key).casefold()
        if column == COL_FREQUENCY:
            return row.frequency
        if column == COL_LAST:
            return row.last_day if row.last_day is not None else -1
        if column == COL_RECENCY:
            return row.recency_days if row.recency_days is not None else -1
        if column == COL_MONETARY:
            return row.monetary_cents
        if column == COL_FIRST:
            return row.first_day if row.first_day is not None else -1
        return self._display(row, column).casefold()

    def search_text(self, source_row: int) -> str:
        """Every searchable text of a row, accent- and case-folded (computed once per reset)."""
        if self._search is None:
            self._search = [
                fold(
                    " ".join(
                        p
                        for p in (
                            r.name,
                            r.key,
                            r.email,
                            r.phone,
                            r.city,
                            r.state,
                            self.stage_name(r.stage_key),
                        )
                        if p
                    )
                )
                for r in self._rows
            ]
        return self._search[source_row]


def fold(text: str) -> str:
    """Case- and accent-insensitive form of ``text`` for searching ("João" matches "joao")."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
