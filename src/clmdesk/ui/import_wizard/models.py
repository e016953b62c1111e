"""Item models of the import wizard: files, sheets, column mapping, preview, counts (ui layer).

Each model adapts frozen import values (plans, raw sheets, outcomes) to a
``QTableView``/``QListView``; none of them reads files or the database.
GUI thread only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QCoreApplication,
    QDate,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTime,
    Signal,
)
from PySide6.QtGui import QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyle

from clmdesk.core.importing import Field, Role, SheetPlan
from clmdesk.ui.i18n import message_text
from clmdesk.ui.import_wizard.labels import (
    count_text,
    detection_text,
    field_label,
    role_label,
    rows_text,
)
from clmdesk.ui.row_table_model import RowTableModel

if TYPE_CHECKING:
    from collections.abc import Sequence

    from clmdesk.core.importing import Cell, RawSheet, RejectedRow

__all__ = [
    "FIELD_ROLE",
    "ColumnMappingModel",
    "ConflictsModel",
    "FileListModel",
    "PreviewTableModel",
    "ReasonCountsModel",
    "RejectedRowsModel",
    "SheetCountsModel",
    "SheetEntry",
    "SheetListModel",
    "cell_text",
    "column_letter",
]

_CONTEXT = "ImportWizard"
_ANY_INDEX = QModelIndex | QPersistentModelIndex
_NO_INDEX = QModelIndex()

#: Custom role of :class:`ColumnMappingModel`: the column's ``Field`` or ``None``.
FIELD_ROLE = Qt.ItemDataRole.UserRole + 1

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def column_letter(index: int) -> str:
    """Spreadsheet column letters of a 0-based index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _date_format(locale: QLocale) -> str:
    # Short formats use two-digit years (12/6/09): too ambiguous for a preview.
    fmt = locale.dateFormat(QLocale.FormatType.ShortFormat)
    return fmt if "yyyy" in fmt else fmt.replace("yy", "yyyy")


def cell_text(value: Cell | Any) -> str:
    """A raw cell as a person would read it in the sheet."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, date):
        locale = QLocale()
        day = QDate(value.year, value.month, value.day)
        text = locale.toString(day, _date_format(locale))
        if isinstance(value, datetime) and value.time() != time(0, 0):
            clock = QTime(value.hour, value.minute, value.second)
            text += " " + locale.toString(clock, QLocale.FormatType.ShortFormat)
        return text
    if isinstance(value, time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        if not math.isfinite(value):
            return repr(value)
        # Every digit the cell holds, with the reader's decimal mark (12,5
        # in pt-BR), ungrouped as a spreadsheet shows an unformatted cell.
        locale = QLocale()
        locale.setNumberOptions(QLocale.NumberOption.OmitGroupSeparator)
        return locale.toString(
            value, "f", QLocale.FloatingPointPrecisionOption.FloatingPointShortest
        )
    return str(value)


def _muted_brush() -> Any:
    palette = QGuiApplication.palette()
    return palette.brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)


def _bold_font() -> QFont:
    font = QFont(QGuiApplication.font())
    font.setBold(True)
    return font


# ---------------------------------------------------------------------- files


class FileListModel(QAbstractTableModel):
    """The files chosen for an import: name, folder and size."""

    COL_NAME, COL_FOLDER, COL_SIZE = range(3)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._paths: list[str] = []
        self._sizes: list[int] = []

    def paths(self) -> list[str]:
        """The chosen files, in the order they were added."""
        return list(self._paths)

    def set_paths(self, paths: Sequence[str]) -> None:
        """Replace the list (duplicates dropped)."""
        self.beginResetModel()
        self._paths, self._sizes = [], []
        self._append(paths)
        self.endResetModel()

    def add_paths(self, paths: Sequence[str]) -> int:
        """Append files not yet listed; returns how many were added."""
        fresh = [
            p
            for p in dict.fromkeys(str(Path(p)) for p in paths)
            if p not in self._paths
        ]
        if not fresh:
            return 0
        start = len(self._paths)
        self.beginInsertRows(_NO_INDEX, start, start + len(fresh) - 1)
        self._append(fresh)
        self.endInsertRows()
        return len(fresh)

    def remove_rows(self, rows: Sequence[int]) -> None:
        """Remove the files at ``rows``."""
        for row in sorted(set(rows), reverse=True):
            if 0 <= row < len(self._paths):
                self.beginRemoveRows(_NO_INDEX, row, row)
                del self._paths[row]
                del self._sizes[row]
                self.endRemoveRows()

    def _append(self, paths: Sequence[str]) -> None:
        for path in paths:
            normal = str(Path(path))
            if normal in self._paths:
                continue
            try:
                size = Path(normal).stat().st_size
            except OSError:
                size = -1
            self._paths.append(normal)
            self._sizes.append(size)

    def rowCount(self, parent: _ANY_INDEX = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self._paths)

    def columnCount(self, parent: _ANY_INDEX = _NO_INDEX) -> int:
        return 0 if parent.isValid() else 3

    def data(self, index: _ANY_INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        path = Path(self._paths[index.row()])
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.COL_NAME:
                return path.name
            if column == self.COL_FOLDER:
                return str(path.parent)
            size = self._sizes[index.row()]
            return QLocale().formattedDataSize(size) if size >= 0 else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(path)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.COL_SIZE:
            return _RIGHT
        return None

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
        titles = (
            QCoreApplication.translate(_CONTEXT, "File"),
            QCoreApplication.translate(_CONTEXT, "Folder"),
            QCoreApplication.translate(_CONTEXT, "Size"),
        )
        return titles[section] if 0 <= section < len(titles) else None


# --------------------------------------------------------------------- sheets


@dataclass(frozen=True)
class SheetEntry:
    """One sheet in the wizard's sheet list.

    Attributes
    ----------
    file_index, sheet_index
        Where the plan sits in the wizard's list of file plans.
    plan
        The sheet's current plan.
    needs_answer
        A question (day/month order) is still open for this sheet.
    """

    file_index: int
    sheet_index: int
    plan: SheetPlan
    needs_answer: bool = False


class SheetListModel(QAbstractListModel):
    """Every sheet of every file, with its role and size."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._entries: list[SheetEntry] = []
        self._show_files = False

    def set_entries(self, entries: Sequence[SheetEntry]) -> None:
        """Replace every entry."""
        self.beginResetModel()
        self._entries = list(entries)
        self._show_files = len({entry.file_index for entry in self._entries}) > 1
        self.endResetModel()

    def update_entry(self, row: int, entry: SheetEntry) -> None:
        """Replace one entry (after its plan was edited)."""
        self._entries[row] = entry
        index = self.index(row, 0)
        self.dataChanged.emit(index, index)

    def entry(self, row: int) -> SheetEntry:
        """The entry at ``row``."""
        return self._entries[row]

    def entries(self) -> list[SheetEntry]:
        """Every entry, in order."""
        return list(self._entries)

    def rowCount(self, parent: _ANY_INDEX = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: _ANY_INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self._entries[index.row()]
        plan = entry.plan
        if role == Qt.ItemDataRole.DisplayRole:
            name = f"{plan.file} ▸ {plan.sheet}" if self._show_files else plan.sheet
            rows = rows_text(plan.data_rows)
            return f"{name}\n{role_label(plan.role)} · {rows}"
        if role == Qt.ItemDataRole.DecorationRole:
            style = QApplication.style()
            if entry.needs_answer:
                return style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxQuestion)
            if plan.role == Role.IGNORE:
                return style.standardIcon(QStyle.StandardPixmap.SP_DialogCancelButton)
            if plan.issues:
                return style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
            return style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton)
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [f"{plan.file} ▸ {plan.sheet}"]
            lines.extend(message_text(issue) for issue in plan.issues)
            return "\n".join(lines)
        if role == Qt.ItemDataRole.ForegroundRole and plan.role == Role.IGNORE:
            return _muted_brush()
        return None


# -------------------------------------------------------------------- mapping


class ColumnMappingModel(QAbstractTableModel):
    """One row per column of a sheet: its header, the field it feeds, examples.

    The field column is editable (``EditRole`` takes a :class:`Field` or
    ``None``). An edit re-maps the plan locally and emits
    :attr:`mapping_edited` so the owner can refine the plan.

    Signals
    -------
    mapping_edited(column, field)
        The user mapped column ``column`` (0-based) to ``field`` (``Field`` or ``None``).
    """

    COL_COLUMN, COL_FIELD, COL_EXAMPLES, COL_DETECTED = range(4)
    EXAMPLES = 3

    mapping_edited = Signal(int, object)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._plan: SheetPlan | None = None
        self._examples: list[str] = []

    @property
    def plan(self) -> SheetPlan | None:
        """The plan shown (with the user's edits)."""
        return self._plan

    def set_plan(self, plan: SheetPlan | None, sheet: RawSheet | None = None) -> None:
        """Show ``plan``; ``sheet`` gives the example values (kept when omitted)."""
        same_shape = (
            self._plan is not None
            and plan is not None
            and len(plan.columns) == len(self._plan.columns)
            and sheet is None
        )
        if same_shape:
            self._plan = plan
            if self.rowCount():
                self.dataChanged.emit(
                    self.index(0, 0), self.index(self.rowCount() - 1, self.COL_DETECTED)
                )
            return
        self.beginResetModel()
        self._plan = plan
        if sheet is not None and plan is not None:
            self._examples = _examples(sheet, plan, self.EXAMPLES)
        elif plan is None:
            self._examples = []
        self.endResetModel()

    def rowCount(self, parent: _ANY_INDEX = _NO_INDEX) -> int:
        if parent.isValid() or self._plan is None:
            return 0
        return len(self._plan.columns)

    def columnCount(self, parent: _ANY_INDEX = _NO_INDEX) -> int:
        return 0 if parent.isValid() else 4

    def flags(self, index: _ANY_INDEX) -> Qt.ItemFlag:
        base = super().flags(index)
        if (
            index.isValid()
            and index.column() == self.COL_FIELD
            and self._plan is not None
            and self._plan.role != Role.IGNORE
        ):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: _ANY_INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._plan is None:
            return None
        column = self._plan.columns[index.row()]
        which = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if which == self.COL_COLUMN:
                header = column.header or "—"
                return f"{column_letter(column.index)} · {header}"
            if which == self.COL_FIELD:
                return field_label(column.field)
            if which == self.COL_EXAMPLES:
                return (
                    self._examples[index.row()]
                    if index.row() < len(self._examples)
                    else ""
                )
            return detection_text(column)
        if role in (Qt.ItemDataRole.EditRole, FIELD_ROLE) and which == self.COL_FIELD:
            return column.field
        if (
            role == Qt.ItemDataRole.FontRole
            and which == self.COL_FIELD
            and column.field
        ):
            return _bold_font()
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and column.field is None
            and which != self.COL_FIELD
        ):
            return _muted_brush()
        if role == Qt.ItemDataRole.ToolTipRole and which == self.COL_EXAMPLES:
            return (
                self._examples[index.row()]
                if index.row() < len(self._examples)
                else None
            )
        return None

    def setData(
        self, index: _ANY_INDEX, value: Any, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        if (
            not index.isValid()
            or self._plan is None
            or index.column() != self.COL_FIELD
            or role != Qt.ItemDataRole.EditRole
        ):
            return False
        if value is not None and not isinstance(value, Field):
            try:
                value = Field(str(value))
            except ValueError:
                return False
        column = self._plan.columns[index.row()]
        if column.field == value:
            return False
        self._plan = self._plan.with_mapping({column.index: value})
        # with_mapping may also have taken the field away from another column.
        self.dataChanged.emit(
            self.index(0, 0), self.index(self.rowCount() - 1, self.COL_DETECTED)
        )
        self.mapping_edited.emit(column.index, value)
        return True

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
        titles = (
            QCoreApplication.translate(_CONTEXT, "Column"),
            QCoreApplication.translate(_CONTEXT, "Import as"),
            QCoreApplication.translate(_CONTEXT, "Examples"),
            QCoreApplication.translate(_CONTEXT, "Recognised"),
        )
        return titles[section] if 0 <= section < len(titles) else None


def _examples(sheet: RawSheet, plan: SheetPlan, count: int) -> list[str]:
    start = 0 if plan.header_row is None else plan.header_row + 1
    found: list[list[str]] = [[] for _ in plan.columns]
    missing = len(plan.columns)
    for row in sheet.rows[start : start + 500]:
        for position, column in enumerate(plan.columns):
            bucket = found[position]
            if len(bucket) >= count or column.index >= len(row):
                continue
            text = cell_text(row[column.index])
            if text and text not in bucket:
                bucket.append(text)
                if len(bucket) == count:
                    missing -= 1
        if missing <= 0:
            break
    return ["; ".join(bucket) for bucket in found]


# -------------------------------------------------------------------- preview


class PreviewTableModel(QAbstractTableModel):
    """The first data rows of a sheet, headed by each column's mapping."""

    MAX_ROWS = 50

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._plan: SheetPlan | None = None
        self._rows: list[Sequence[Cell]] = []
        self._numbers: list[int] = []
        self._width = 0

    def set_sheet(self, sheet: RawSheet | None, plan: SheetPlan | None) -> None:
        """Show the first rows of ``sheet`` below its header row."""
        self.beginResetModel()
        self._plan = plan
        if sheet is None or plan is None:
            self._rows, self._numbers, self._width = [], [], 0
        else:
            start = 0 if plan.header_row is None else plan.header_row + 1
            stop = start + self.MAX_ROWS
            self._rows = list(sheet.rows[start:stop])
            self._numbers = list(sheet.row_numbers[start:stop])
            self._width = max(sheet.width, len(plan.columns))
        self.endResetModel()

    def set_plan(self, plan: SheetPlan) -> None:
        """Follow a mapping edit (headers and greying change, not the rows)."""
        self._plan = plan
        if self._width:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self._width - 1)
            self.dataChanged.emit(
                self.index(0, 0),
                self.index(max(len(self._rows) - 1, 0), self._width - 1),
            )

    def rowCount(self, parent: _ANY_INDEX = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _ANY_INDEX = _NO_INDEX) -> int:
        return 0 if parent.isValid() else self._width

    def _field(self, column: int) -> Field | None:
        if self._plan is None or column >= len(self._plan.columns):
            return None
        return self._plan.columns[column].field

    def data(self, index: _ANY_INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            row = self._rows[index.row()]
            return cell_text(row[index.column()]) if index.column() < len(row) else ""
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and self._field(index.column()) is None
        ):
            return _muted_brush()
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(
                self._numbers
            ):
                return str(self._numbers[section])
            return None
        if not 0 <= section < self._width:
            return None
        header = ""
        if self._plan is not None and section < len(self._plan.columns):
            header = self._plan.columns[section].header
        field = self._field(section)
        if role == Qt.ItemDataRole.DisplayRole:
            title = header or column_letter(section)
            return f"{title}\n→ {field_label(field)}"
        if role == Qt.ItemDataRole.FontRole and field is not None:
            return _bold_font()
        if role == Qt.ItemDataRole.ForegroundRole and field is None:
            return _muted_brush()
        if role == Qt.ItemDataRole.ToolTipRole:
            return QCoreApplication.translate(
                _CONTEXT, "Column {letter}: {header}"
            ).format(letter=column_letter(section), header=header or "—")
        return None


# --------------------------------------------------------------------- counts


class SheetCountsModel(RowTableModel):
    """Where the rows of each sheet went (read = imported + already + anonymous + rejected).

    Takes any objects with ``file``, ``sheet``, ``role``, ``rows_read``,
    ``imported``, ``already_imported``, ``anonymous`` and ``rejected``.
    """

    (
        COL_FILE,
        COL_SHEET,
        COL_ROLE,
        COL_READ,
        COL_IMPORTED,
        COL_ALREADY,
        COL_ANONYMOUS,
        COL_REJECTED,
    ) = range(8)

    def data(self, index: _ANY_INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.COL_FILE:
                return row.file
            if column == self.COL_SHEET:
                return row.sheet
            if column == self.COL_ROLE:
                try:
                    return role_label(Role(row.role))
                except ValueError:
                    return str(row.role)
            values = (
                row.rows_read,
                row.imported,
                row.already_imported,
                row.anonymous,
                row.rejected,
            )
            return count_text(values[column - self.COL_READ])
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= self.COL_READ:
            return _RIGHT
        return None

    def column_titles(self) -> tuple[str, ...]:
        return (
            QCoreApplication.translate(_CONTEXT, "File"),
            QCoreApplication.translate(_CONTEXT, "Sheet"),
            QCoreApplication.translate(_CONTEXT, "Holds"),
            QCoreApplication.translate(_CONTEXT, "Rows read"),
            QCoreApplication.translate(_CONTEXT, "Imported"),
            QCoreApplication.translate(_CONTEXT, "Already imported"),
            QCoreApplication.translate(_CONTEXT, "Anonymous"),
            QCoreApplication.translate(_CONTEXT, "Rejected"),
        )


class RejectedRowsModel(RowTableModel):
    """Rows that cannot be imported: where they are, why, and what they held."""

    COL_FILE, COL_SHEET, COL_ROW, COL_REASON, COL_VALUES = range(5)

    def data(self, index: _ANY_INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == self.COL_FILE:
                return row.file
            if column == self.COL_SHEET:
                return row.sheet
            if column == self.COL_ROW:
                return count_text(row.row_number)
            if column == self.COL_REASON:
                return message_text(row.reason)
            return " | ".join(cell_text(value) for value in row.values)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.COL_ROW:
            return _RIGHT
        return None

    def column_titles(self) -> tuple[str, ...]:
        return (
            QCoreApplication.translate(_CONTEXT, "File"),
            QCoreApplication.translate(_CONTEXT, "Sheet"),
            QCoreApplication.translate(_CONTEXT, "Row"),
            QCoreApplication.translate(_CONTEXT, "Reason"),
            QCoreApplication.translate(_CONTEXT, "Values"),
        )


class ReasonCountsModel(QAbstractTableModel):
    """Rejected rows grouped by reason: how many, and the first example."""

    COL_ROWS, COL_REASON, COL_WHERE = range(3)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._groups: list[tuple[int, RejectedRow]] = []

    def set_rows(self, rows: Sequence[RejectedRow]) -> None:
        """Group ``rows`` by reason (message id and column)."""
        counts: dict[tuple[str, str], list[Any]] = {}
        for row in rows:
            key = (row.reason.id, str(row.reason.params.get("column", "")))
            group = counts.get(key)
            if group is None:
                counts[key] = [1, row]
            else:
                group[0] += 1
        self.beginResetModel()
        self._groups = sorted(
            ((count, first) for count, first in counts.values()), key=lambda g: -g[0]
        )
        self.endResetModel()

    def rowCount(self, parent: _ANY_INDEX = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self._groups)

    def columnCount(self, parent: _ANY_INDEX = _NO_INDEX) -> int:
        return 0 if parent.isValid() else 3

    def data(self, index: _ANY_INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        count, first = self._groups[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == self.COL_ROWS:
                return count_text(count)
            if column == self.COL_REASON:
                return message_text(first.reason)
            return QCoreApplication.translate(_CONTEXT, "{sheet}, row {row}").format(
                sheet=first.sheet, row=count_text(first.row_number)
            )
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.COL_ROWS:
            return _RIGHT
        return None

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
        titles = (
            QCoreApplication.translate(_CONTEXT, "Rows"),
            QCoreApplication.translate(_CONTEXT, "Reason (first example)"),
            QCoreApplication.translate(_CONTEXT, "First at"),
        )
        return titles[section] if 0 <= section < len(titles) else None


#: Customers columns (as conflicts name them) -> the field a person knows.
_CUSTOMER_COLUMN_FIELDS = {
    "name": Field.NAME,
    "email": Field.EMAIL,
    "phone": Field.PHONE,
    "document": Field.DOCUMENT,
    "city": Field.CITY,
    "state": Field.STATE,
    "registered_day": Field.REGISTERED,
    "channel": Field.CHANNEL,
    "referred_by_key": Field.REFERRED_BY,
    "nps_score_undated": Field.NPS_SCORE,
}


def _stored_text(column: str, value: str) -> str:
    if column == "registered_day" and value.lstrip("-").isdigit():
        return cell_text(date.fromordinal(int(value) + 719163))
    return value


class ConflictsModel(RowTableModel):
    """Customer fields that already held another value: the stored one is kept.

    Takes objects with ``customer_key``, ``field`` (a customers column),
    ``kept``, ``offered``, ``file`` and ``sheet``.
    """

    COL_CUSTOMER, COL_FIELD, COL_KEPT, COL_OFFERED, COL_WHERE = range(5)

    def data(self, index: _ANY_INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if column == self.COL_CUSTOMER:
            return row.customer_key
        if column == self.COL_FIELD:
            field = _CUSTOMER_COLUMN_FIELDS.get(row.field)
            return field_label(field) if field is not None else row.field
        if column == self.COL_KEPT:
            return _stored_text(row.field, row.kept)
        if column == self.COL_OFFERED:
            return _stored_text(row.field, row.offered)
        return f"{row.file} ▸ {row.sheet}"

    def column_titles(self) -> tuple[str, ...]:
        return (
            QCoreApplication.translate(_CONTEXT, "Customer"),
            QCoreApplication.translate(_CONTEXT, "Field"),
            QCoreApplication.translate(_CONTEXT, "Kept"),
            QCoreApplication.translate(_CONTEXT, "Offered by the file"),
            QCoreApplication.translate(_CONTEXT, "Found in"),
        )
