"""Small widgets shared by the import wizard's pages (ui layer).

A busy panel with a determinate progress bar, the combo delegate that edits
a column's field, and the accounting grid of a dry run or an import. GUI
thread only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Slot,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QSpacerItem,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from clmdesk.core.importing import Field, Role
from clmdesk.ui.import_wizard.labels import (
    ROLE_FIELDS,
    count_text,
    field_label,
    money_text,
)
from clmdesk.ui.import_wizard.models import FIELD_ROLE, ColumnMappingModel

__all__ = ["BusyPanel", "CountsGrid", "FieldDelegate", "heading"]

_CONTEXT = "ImportWizard"


def heading(text: str, scale: float = 1.15) -> QLabel:
    """A bold section title."""
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setWeight(QFont.Weight.DemiBold)
    label.setFont(font)
    return label


class BusyPanel(QWidget):
    """A sentence and a progress bar, for work running in the background."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.bar = QProgressBar()
        self.bar.setMinimumWidth(360)
        self.bar.setTextVisible(True)
        # %p is the percentage; pt-BR writes a space before the sign.
        self.bar.setFormat(self.tr("%p%"))
        self.detail = QLabel()
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail.setEnabled(False)  # muted text colour
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.detail)
        layout.addStretch(2)
        layout.setContentsMargins(48, 0, 48, 0)

    def start(self, text: str) -> None:
        """Show ``text`` with a busy bar until the first progress report."""
        self.label.setText(text)
        self.detail.clear()
        self.bar.setRange(0, 0)

    @Slot(int, int)
    def set_progress(self, done: int, total: int) -> None:
        """Show ``done`` of ``total`` (a busy bar while the total is unknown)."""
        if total <= 0:
            self.bar.setRange(0, 0)
            return
        # QProgressBar holds an int: scale big totals to per-mille steps.
        if total > 1_000_000:
            self.bar.setRange(0, 1000)
            self.bar.setValue(1000 * done // total)
        else:
            self.bar.setRange(0, total)
            self.bar.setValue(done)


class FieldDelegate(QStyledItemDelegate):
    """Edits a :class:`ColumnMappingModel` field cell with a combo of the fields the role allows."""

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        combo = QComboBox(parent)
        combo.setFrame(False)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        combo.setAccessibleName(
            QCoreApplication.translate(_CONTEXT, "Import column {column} as").format(
                column=index.sibling(index.row(), ColumnMappingModel.COL_COLUMN).data()
            )
        )
        model = index.model()
        role = Role.IGNORE
        if isinstance(model, ColumnMappingModel) and model.plan is not None:
            role = model.plan.role
        current = index.data(FIELD_ROLE)
        fields: list[Field | None] = [None, *ROLE_FIELDS.get(role, ())]
        if current is not None and current not in fields:
            fields.append(current)
        for field in fields:
            combo.addItem(field_label(field), field)
        # Commit as soon as a choice is made: the combos are persistent editors.
        combo.activated.connect(lambda _row, editor=combo: self._commit(editor))
        return combo

    def _commit(self, editor: QComboBox) -> None:
        self.commitData.emit(editor)

    def setEditorData(
        self, editor: QWidget, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        if not isinstance(editor, QComboBox):
            return
        current = index.data(FIELD_ROLE)
        for row in range(editor.count()):
            if editor.itemData(row) == current:
                if editor.currentIndex() != row:
                    editor.setCurrentIndex(row)
                return

    def setModelData(
        self,
        editor: QWidget,
        model: QAbstractItemModel,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


class CountsGrid(QFrame):
    """Where every row goes, and what the import adds: the heart of the summary and result pages.

    ``future`` phrases the lines as a forecast ("will be imported") for the
    dry run, or as a fact ("imported") for the result.
    """

    def __init__(self, future: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._future = future
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(16, 12, 16, 12)
        self._grid.setHorizontalSpacing(24)
        self._grid.setVerticalSpacing(6)
        self._grid.setColumnStretch(2, 1)
        self.values: dict[str, QLabel] = {}

    def _add(
        self,
        row: int,
        key: str,
        title: str,
        value: str,
        note: str = "",
        *,
        strong: bool = False,
        indent: bool = False,
    ) -> None:
        title_label = QLabel(("      " if indent else "") + title)
        value_label = QLabel(value)
        value_label.setAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        )
        value_label.setObjectName(f"count_{key}")
        value_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        if strong:
            for label in (title_label, value_label):
                font = QFont(label.font())
                font.setWeight(QFont.Weight.DemiBold)
                label.setFont(font)
        note_label = QLabel(note)
        note_label.setEnabled(False)
        note_label.setWordWrap(True)
        self._grid.addWidget(title_label, row, 0)
        self._grid.addWidget(value_label, row, 1)
        self._grid.addWidget(note_label, row, 2)
        self.values[key] = value_label

    def show_summary(self, summary: Any) -> None:
        """Fill the grid from a dry-run or import summary."""
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.values.clear()
        future = self._future
        row = 0
        self._add(
            row,
            "rows_read",
            QCoreApplication.translate(_CONTEXT, "Rows read"),
            count_text(summary.rows_read),
            strong=True,
        )
        row += 1
        self._add(
            row,
            "imported",
            QCoreApplication.translate(_CONTEXT, "will be imported")
            if future
            else QCoreApplication.translate(_CONTEXT, "imported"),
            count_text(summary.imported),
            indent=True,
        )
        row += 1
        self._add(
            row,
            "already_imported",
            QCoreApplication.translate(_CONTEXT, "already imported"),
            count_text(summary.already_imported),
            QCoreApplication.translate(
                _CONTEXT, "skipped: an earlier import, sheet or file already has them"
            ),
            indent=True,
        )
        row += 1
        self._add(
            row,
            "anonymous",
            QCoreApplication.translate(_CONTEXT, "anonymous"),
            count_text(summary.anonymous),
            QCoreApplication.translate(
                _CONTEXT, "no customer id, e-mail or CPF/CNPJ: counted, not stored"
            ),
            indent=True,
        )
        row += 1
        self._add(
            row,
            "rejected",
            QCoreApplication.translate(_CONTEXT, "rejected"),
            count_text(summary.rejected),
            QCoreApplication.translate(_CONTEXT, "see the reasons below")
            if summary.rejected
            else "",
            indent=True,
        )
        row += 1
        self._grid.addItem(_spacer(), row, 0)
        row += 1
        notes = []
        if summary.returns_new:
            notes.append(
                QCoreApplication.translate(_CONTEXT, "{count} returns").format(
                    count=count_text(summary.returns_new)
                )
            )
        if summary.zero_value_new:
            notes.append(
                QCoreApplication.translate(_CONTEXT, "{count} of zero value").format(
                    count=count_text(summary.zero_value_new)
                )
            )
        orders_note = ", ".join(notes)
        if summary.orders_updated:
            orders_note += (" · " if orders_note else "") + QCoreApplication.translate(
                _CONTEXT, "{count} existing orders receive new lines"
            ).format(count=count_text(summary.orders_updated))
        self._add(
            row,
            "orders_new",
            QCoreApplication.translate(_CONTEXT, "New orders"),
            count_text(summary.orders_new),
            orders_note,
            strong=True,
        )
        row += 1
        self._add(
            row,
            "customers_new",
            QCoreApplication.translate(_CONTEXT, "New customers"),
            count_text(summary.customers_new),
            strong=True,
        )
        row += 1
        known_note = ""
        if summary.fields_filled:
            known_note = QCoreApplication.translate(
                _CONTEXT, "{count} empty fields filled in"
            ).format(count=count_text(summary.fields_filled))
        self._add(
            row,
            "customers_known",
            QCoreApplication.translate(_CONTEXT, "Customers already known"),
            count_text(summary.customers_known),
            known_note,
        )
        row += 1
        if summary.conflict_count:
            self._add(
                row,
                "conflicts",
                QCoreApplication.translate(_CONTEXT, "Different values kept"),
                count_text(summary.conflict_count),
                QCoreApplication.translate(
                    _CONTEXT,
                    "fields already filled with another value keep the stored value",
                ),
            )
            row += 1
        if summary.nps_answers:
            self._add(
                row,
                "nps_answers",
                QCoreApplication.translate(_CONTEXT, "NPS answers"),
                count_text(summary.nps_answers),
            )
            row += 1
        if summary.campaigns:
            self._add(
                row,
                "campaigns",
                QCoreApplication.translate(_CONTEXT, "Campaigns"),
                count_text(summary.campaigns),
            )
            row += 1
        ignored = tuple(getattr(summary, "ignored_sheets", ()) or ())
        if ignored:
            self._add(
                row,
                "ignored_sheets",
                QCoreApplication.translate(_CONTEXT, "Sheets left out"),
                count_text(len(ignored)),
                ", ".join(sheet for _file, sheet in ignored),
            )
            row += 1
        self._add(
            row,
            "revenue_cents",
            QCoreApplication.translate(_CONTEXT, "Net revenue of the new lines"),
            money_text(summary.revenue_cents),
            strong=True,
        )


def _spacer() -> QSpacerItem:
    return QSpacerItem(0, 8, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
