"""A flat table of row objects with translated column titles (ui layer).

Most lists in the app show a sequence of frozen records, one per row, with a
fixed set of columns. Subclasses implement ``data`` and ``column_titles``;
this base owns the rows, the reset and the flat-model rules (no children for
a valid parent).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["RowTableModel"]

_ANY_INDEX = QModelIndex | QPersistentModelIndex
_NO_INDEX = QModelIndex()


class RowTableModel(QAbstractTableModel):
    """Rows of any objects; subclasses say how each column shows them."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []
        # The number of columns does not depend on the language.
        self._column_count = len(self.column_titles())

    def column_titles(self) -> Sequence[str]:
        """The translated column titles, one per column."""
        raise NotImplementedError

    def set_rows(self, rows: Sequence[Any]) -> None:
        """Replace the rows shown."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        """The rows shown."""
        return list(self._rows)

    def row_at(self, row: int) -> Any:
        """The object shown at ``row``."""
        return self._rows[row]

    def rowCount(self, parent: _ANY_INDEX = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _ANY_INDEX = _NO_INDEX) -> int:
        return 0 if parent.isValid() else self._column_count

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            role != Qt.ItemDataRole.DisplayRole
            or orientation != Qt.Orientation.Horizontal
        ):
            return None
        titles = self.column_titles()
        return titles[section] if 0 <= section < len(titles) else None
