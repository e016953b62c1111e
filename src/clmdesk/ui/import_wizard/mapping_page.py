"""Second page of the import wizard: what each sheet holds and which column feeds which field (ui layer).

The files are read and planned in the background when the page opens. The
user picks a sheet on the left, sees its detected role, its columns with the
field each one feeds (editable with a combo) and its first rows, and answers
the day/month question when a date column cannot tell. An edit is applied
at once and refined (formats, issues) in the background. After a dry run
the plans keep only their first rows (the dry run let go of the rest): an
edit then has the files read again first, with a progress bar. GUI thread
only.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QItemSelectionModel, QLocale, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QRadioButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from clmdesk.core.importing import DateOrder, Field, Role
from clmdesk.services.importing import rows_released
from clmdesk.ui.i18n import message_text
from clmdesk.ui.import_wizard.backend import PlannedFiles, RefineRequest
from clmdesk.ui.import_wizard.labels import ROLE_ORDER, count_text, role_label
from clmdesk.ui.import_wizard.models import (
    ColumnMappingModel,
    PreviewTableModel,
    SheetEntry,
    SheetListModel,
    cell_text,
)
from clmdesk.ui.import_wizard.widgets import BusyPanel, FieldDelegate, heading

if TYPE_CHECKING:
    from clmdesk.core.importing import FilePlan, RawSheet, SheetPlan
    from clmdesk.core.messages import Message
    from clmdesk.ui.import_wizard.wizard import ImportWizard

__all__ = ["MappingPage"]

_AMBIGUOUS_DATE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})\b")

_LOADING, _CONTENT, _NOTHING = range(3)


class MappingPage(QWizardPage):
    """Sheets, roles and column mappings of the chosen files."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self._plans_by_path: dict[str, FilePlan] = {}
        self._failed_by_path: dict[str, Message] = {}
        self._planning = False
        # Sheets edited but not yet refined, by (file path, sheet index).
        self._dirty: set[tuple[str, int]] = set()
        self._refining = False
        self._reading = False
        # The sheets stay behind the busy bar from reading the files again
        # until the edit is refined: painting them meanwhile would wait on
        # the refining worker for the GIL at every cell.
        self._hidden_until_refined = False
        # (file path, sheet index) -> column -> the user's day/month answer
        self._answers: dict[tuple[str, int], dict[int, DateOrder]] = {}
        self._current = -1
        self.setTitle(self.tr("Check what each sheet holds"))
        self.setSubTitle(
            self.tr(
                "clmdesk recognised the sheets and columns below. Change a column's field "
                "if it is wrong; columns marked “(not imported)” are left out."
            )
        )

        self.busy = BusyPanel()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.busy)
        self.stack.addWidget(self._build_content())
        self.nothing_label = QLabel()
        self.nothing_label.setWordWrap(True)
        self.nothing_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.nothing_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.stack.addWidget(self.nothing_label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

    # ------------------------------------------------------------- layout
    def _build_content(self) -> QWidget:
        self.failure_label = QLabel()
        self.failure_label.setObjectName("importFailures")
        self.failure_label.setWordWrap(True)
        self.failure_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.failure_label.hide()

        self.sheet_model = SheetListModel(self)
        self.sheet_view = QListView()
        self.sheet_view.setModel(self.sheet_model)
        self.sheet_view.setSelectionMode(
            QAbstractItemView.SelectionMode.SingleSelection
        )
        self.sheet_view.setUniformItemSizes(False)
        self.sheet_view.setSpacing(2)
        self.sheet_view.setWordWrap(True)
        self.sheet_view.setMinimumWidth(200)
        self.sheet_view.setAccessibleName(self.tr("Sheets"))
        self.sheet_view.selectionModel().currentChanged.connect(self._on_sheet_changed)
        sheets_label = heading(self.tr("&Sheets"), 1.0)
        sheets_label.setBuddy(self.sheet_view)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(sheets_label)
        left_layout.addWidget(self.sheet_view)

        self.role_combo = QComboBox()
        for role in ROLE_ORDER:
            self.role_combo.addItem(role_label(role), role)
        self.role_combo.activated.connect(self._on_role_chosen)
        role_label_widget = QLabel(self.tr("This sheet &holds:"))
        role_label_widget.setBuddy(self.role_combo)
        self.info_label = QLabel()
        self.info_label.setEnabled(False)
        role_row = QHBoxLayout()
        role_row.addWidget(role_label_widget)
        role_row.addWidget(self.role_combo)
        role_row.addSpacing(16)
        role_row.addWidget(self.info_label, 1)

        self.issues_label = QLabel()
        self.issues_label.setObjectName("sheetIssues")
        self.issues_label.setWordWrap(True)
        self.issues_label.hide()

        self.date_box = QGroupBox(self.tr("Day or month first?"))
        self.date_box.setObjectName("dateQuestion")
        self.date_layout = QVBoxLayout(self.date_box)
        self.date_box.hide()
        self._date_groups: list[tuple[int, QButtonGroup]] = []

        self.mapping_model = ColumnMappingModel(self)
        self.mapping_model.mapping_edited.connect(self._on_mapping_edited)
        self.mapping_view = QTableView()
        self.mapping_view.setModel(self.mapping_model)
        self.mapping_view.setItemDelegateForColumn(
            ColumnMappingModel.COL_FIELD, FieldDelegate(self.mapping_view)
        )
        self.mapping_view.verticalHeader().hide()
        self.mapping_view.setSelectionBehavior(
            QAbstractItemView.SelectionBehavior.SelectRows
        )
        self.mapping_view.setSelectionMode(
            QAbstractItemView.SelectionMode.SingleSelection
        )
        self.mapping_view.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.mapping_view.setAlternatingRowColors(True)
        self.mapping_view.setWordWrap(False)
        self.mapping_view.setAccessibleName(
            self.tr("Columns and the field each one feeds")
        )
        header = self.mapping_view.horizontalHeader()
        header.setSectionResizeMode(
            ColumnMappingModel.COL_COLUMN, QHeaderView.ResizeMode.Interactive
        )
        header.setSectionResizeMode(
            ColumnMappingModel.COL_FIELD, QHeaderView.ResizeMode.Interactive
        )
        header.setSectionResizeMode(
            ColumnMappingModel.COL_EXAMPLES, QHeaderView.ResizeMode.Stretch
        )
        header.setSectionResizeMode(
            ColumnMappingModel.COL_DETECTED, QHeaderView.ResizeMode.ResizeToContents
        )
        self.mapping_view.verticalHeader().setDefaultSectionSize(
            self.mapping_view.fontMetrics().height() + 14
        )
        self.mapping_model.modelReset.connect(self._open_field_editors)
        columns_label = heading(self.tr("&Columns"), 1.0)
        columns_label.setBuddy(self.mapping_view)

        self.preview_model = PreviewTableModel(self)
        self.preview_view = QTableView()
        self.preview_view.setModel(self.preview_model)
        self.preview_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview_view.setAlternatingRowColors(True)
        self.preview_view.setWordWrap(False)
        self.preview_view.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        self.preview_view.setAccessibleName(self.tr("First rows of the sheet"))
        self.preview_label = heading(self.tr("&First rows"), 1.0)
        self.preview_label.setBuddy(self.preview_view)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(columns_label)
        top_layout.addWidget(self.mapping_view)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.preview_label)
        bottom_layout.addWidget(self.preview_view)
        tables = QSplitter(Qt.Orientation.Vertical)
        tables.addWidget(top)
        tables.addWidget(bottom)
        tables.setChildrenCollapsible(False)
        tables.setSizes([300, 220])

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(role_row)
        right_layout.addWidget(self.issues_label)
        right_layout.addWidget(self.date_box)
        right_layout.addWidget(tables, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([270, 730])

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.failure_label)
        layout.addWidget(splitter, 1)
        return content

    # ------------------------------------------------------------- wizard
    def initializePage(self) -> None:
        paths = self._wizard.paths()
        # Files planned earlier keep their plan and the user's edits.
        for path in list(self._plans_by_path):
            if path not in paths:
                del self._plans_by_path[path]
        for path in list(self._failed_by_path):
            if path not in paths:
                del self._failed_by_path[path]
        fresh = [
            p
            for p in paths
            if p not in self._plans_by_path and p not in self._failed_by_path
        ]
        if fresh:
            self._start_planning(fresh)
        else:
            self._show_plans()

    def cleanupPage(self) -> None:
        # Going back to the files: stop reading; the plans stay for a quick return.
        if self._planning or self._refining or self._reading:
            self._wizard.cancel_task()

    def isComplete(self) -> bool:
        busy = self._planning or self._refining or self._reading
        if busy or self._dirty or not self._wizard.plans:
            return False
        entries = self.sheet_model.entries()
        if not any(entry.plan.role != Role.IGNORE for entry in entries):
            return False
        return not any(entry.needs_answer for entry in entries)

    # ----------------------------------------------------------- planning
    def _start_planning(self, paths: list[str]) -> None:
        self._planning = True
        self._hidden_until_refined = False
        self.stack.setCurrentIndex(_LOADING)
        self.busy.start(
            self.tr("Reading {count} files…").format(count=count_text(len(paths)))
            if len(paths) != 1
            else self.tr("Reading the file…")
        )
        self.completeChanged.emit()
        self._wizard.run_task(
            "plan",
            self._wizard.backend.plan_files,
            self._wizard.database,
            list(paths),
            self._wizard.language,
            on_finished=self._on_planned,
            on_failed=self._on_planning_failed,
            on_cancelled=self._on_planning_cancelled,
            on_progress=self.busy.set_progress,
        )

    def _on_planned(self, result: object) -> None:
        assert isinstance(result, PlannedFiles)
        self._planning = False
        for file_plan in result.plans:
            self._plans_by_path[file_plan.workbook.path] = file_plan
        for path, message in result.failures:
            self._failed_by_path[path] = message
        self._show_plans()

    def _show_plans(self) -> None:
        paths = self._wizard.paths()
        plans = [self._plans_by_path[p] for p in paths if p in self._plans_by_path]
        failures = [self._failed_by_path[p] for p in paths if p in self._failed_by_path]
        shown = self.current_entry()
        shown_key = self._key(shown) if shown is not None else None
        self._wizard.plans = plans
        entries = [
            self._with_answer_state(SheetEntry(file_index, sheet_index, plan))
            for file_index, file_plan in enumerate(plans)
            for sheet_index, plan in enumerate(file_plan.sheets)
        ]
        self.sheet_model.set_entries(entries)
        if failures:
            lines = [message_text(failure) for failure in failures]
            self.failure_label.setText(
                "<b>"
                + self.tr("These files cannot be imported:")
                + "</b><br>"
                + "<br>".join(_escape(line) for line in lines)
            )
            self.failure_label.setVisible(True)
        else:
            self.failure_label.hide()
        if not entries:
            self.nothing_label.setText(
                "\n".join(message_text(failure) for failure in failures)
                or self.tr("There is nothing to import in these files.")
            )
            self.stack.setCurrentIndex(_NOTHING)
        else:
            self.stack.setCurrentIndex(_CONTENT)
            keys = [self._key(entry) for entry in entries]
            if shown_key in keys:
                first = keys.index(shown_key)
            else:
                first = next(
                    (
                        row
                        for row, e in enumerate(entries)
                        if e.plan.role != Role.IGNORE
                    ),
                    0,
                )
            self.select_sheet(first)
        if self._dirty:
            self._refine()
        self.completeChanged.emit()

    def adopt_plans(self, plans: list[FilePlan]) -> None:
        """Keep ``plans`` in place of the plans of the same files (the sheet plans are theirs)."""
        for plan in plans:
            self._plans_by_path[plan.workbook.path] = plan

    def forget_plans(self) -> None:
        """Let go of every plan (the wizard closes)."""
        self._plans_by_path.clear()

    def _on_planning_failed(self, error: object) -> None:
        self._planning = False
        message = getattr(error, "message", None)
        self.nothing_label.setText(
            message_text(message) if message is not None else str(error)
        )
        self.stack.setCurrentIndex(_NOTHING)
        self.completeChanged.emit()

    def _on_planning_cancelled(self) -> None:
        self._planning = False
        self.completeChanged.emit()

    # ------------------------------------------------------------- sheets
    def select_sheet(self, row: int) -> None:
        """Show the sheet at ``row`` of the sheet list."""
        index = self.sheet_model.index(row, 0)
        self.sheet_view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )

    @Slot()
    def _on_sheet_changed(self, current: Any, _previous: Any = None) -> None:
        self._current = current.row() if current.isValid() else -1
        self._show_current(reset=True)

    def _key(self, entry: SheetEntry) -> tuple[str, int]:
        return (self._wizard.plans[entry.file_index].workbook.path, entry.sheet_index)

    def _raw_sheet(self, entry: SheetEntry) -> RawSheet:
        return self._wizard.plans[entry.file_index].workbook.sheets[entry.sheet_index]

    def current_entry(self) -> SheetEntry | None:
        """The sheet shown."""
        if 0 <= self._current < self.sheet_model.rowCount():
            return self.sheet_model.entry(self._current)
        return None

    def _show_current(self, reset: bool) -> None:
        entry = self.current_entry()
        if entry is None:
            self.mapping_model.set_plan(None)
            self.preview_model.set_sheet(None, None)
            return
        plan = entry.plan
        sheet = self._raw_sheet(entry)
        self.role_combo.setCurrentIndex(ROLE_ORDER.index(plan.role))
        if plan.header_row_number is not None:
            info = self.tr("Header on row {row} · {count} data rows").format(
                row=plan.header_row_number, count=count_text(plan.data_rows)
            )
        else:
            info = self.tr("No header row · {count} data rows").format(
                count=count_text(plan.data_rows)
            )
        self.info_label.setText(info)
        issues = [
            message_text(issue) for issue in plan.issues if not _is_date_issue(issue)
        ]
        self.issues_label.setText("\n".join(f"⚠ {line}" for line in issues))
        self.issues_label.setVisible(bool(issues))
        if reset:
            self.mapping_model.set_plan(plan, sheet)
            self.preview_model.set_sheet(sheet, plan)
            self.mapping_view.resizeColumnToContents(ColumnMappingModel.COL_COLUMN)
            self.mapping_view.setColumnWidth(
                ColumnMappingModel.COL_FIELD,
                max(200, self.mapping_view.columnWidth(ColumnMappingModel.COL_FIELD)),
            )
            self.preview_view.resizeColumnsToContents()
            for column in range(self.preview_model.columnCount()):
                if self.preview_view.columnWidth(column) > 260:
                    self.preview_view.setColumnWidth(column, 260)
        else:
            self.mapping_model.set_plan(plan)
            self.preview_model.set_plan(plan)
        self.mapping_view.setEnabled(plan.role != Role.IGNORE)
        self._show_date_question(entry, sheet)

    @Slot()
    def _open_field_editors(self) -> None:
        for row in range(self.mapping_model.rowCount()):
            index = self.mapping_model.index(row, ColumnMappingModel.COL_FIELD)
            if self.mapping_model.flags(index) & Qt.ItemFlag.ItemIsEditable:
                self.mapping_view.openPersistentEditor(index)

    # ------------------------------------------------------------ editing
    def _with_answer_state(self, entry: SheetEntry) -> SheetEntry:
        answered = self._answers.get(self._key(entry), {})
        needs = entry.plan.role != Role.IGNORE and any(
            column not in answered for column in entry.plan.ambiguous_date_columns
        )
        return SheetEntry(entry.file_index, entry.sheet_index, entry.plan, needs)

    def _replace_plan(self, row: int, plan: SheetPlan) -> None:
        entry = self.sheet_model.entry(row)
        file_plan = self._wizard.plans[entry.file_index]
        sheets = list(file_plan.sheets)
        sheets[entry.sheet_index] = plan
        edited = replace(file_plan, sheets=tuple(sheets))
        self._wizard.plans[entry.file_index] = edited
        self._plans_by_path[edited.workbook.path] = edited
        self.sheet_model.update_entry(
            row,
            self._with_answer_state(
                SheetEntry(entry.file_index, entry.sheet_index, plan)
            ),
        )

    def edit_current(
        self,
        fields: dict[int, Field | None] | None = None,
        role: Role | None = None,
        date_orders: dict[int, DateOrder] | None = None,
    ) -> None:
        """Apply an edit to the sheet shown and refine it in the background."""
        entry = self.current_entry()
        if entry is None:
            return
        plan = entry.plan.with_mapping(fields, role, date_orders)
        self._replace_plan(self._current, plan)
        self._dirty.add(self._key(entry))
        self._show_current(reset=role is not None)
        self._refine()

    @Slot(int, object)
    def _on_mapping_edited(self, column: int, field: object) -> None:
        entry = self.current_entry()
        plan = self.mapping_model.plan
        if entry is None or plan is None:
            return
        # The model already applied the edit to its copy of the plan.
        self._replace_plan(self._current, plan)
        self._dirty.add(self._key(entry))
        self.preview_model.set_plan(plan)
        self._refine()

    @Slot(int)
    def _on_role_chosen(self, index: int) -> None:
        role = self.role_combo.itemData(index)
        entry = self.current_entry()
        if entry is None or role == entry.plan.role:
            return
        self.edit_current(role=Role(role))

    def _refine(self) -> None:
        if rows_released(self._wizard.plans):
            # Formats are detected from every value of a column.
            self._read_again()
            return
        requests = []
        rows = {self._key(entry): entry for entry in self.sheet_model.entries()}
        self._dirty &= set(rows)  # a file removed meanwhile needs nothing
        for key in sorted(self._dirty):
            entry = rows[key]
            requests.append(
                RefineRequest(
                    key,
                    self._raw_sheet(entry),
                    entry.plan,
                    dict(self._answers.get(key, {})),
                )
            )
        self._refining = True
        self.completeChanged.emit()
        self._wizard.run_task(
            "refine",
            self._wizard.backend.refine_sheets,
            requests,
            self._wizard.language,
            on_finished=self._on_refined,
            on_failed=self._on_refine_failed,
            on_cancelled=self._on_refine_cancelled,
        )

    def _on_refined(self, results: object) -> None:
        self._refining = False
        assert isinstance(results, list)
        positions = {
            self._key(entry): row
            for row, entry in enumerate(self.sheet_model.entries())
        }
        for request, refined in results:
            row = positions.get(request.key)
            # An edit made while refining wins: it will be refined next.
            if row is not None and self.sheet_model.entry(row).plan is request.plan:
                self._replace_plan(row, refined)
                self._dirty.discard(request.key)
        if self._dirty:
            self._refine()
        else:
            self._show_current(reset=False)
            self._reveal()
        self.completeChanged.emit()

    def _on_refine_failed(self, error: object) -> None:
        self._refining = False
        self._dirty.clear()
        self._reveal()
        self._wizard.show_error(error)
        self.completeChanged.emit()

    def _on_refine_cancelled(self) -> None:
        self._refining = False
        self._reveal()
        self.completeChanged.emit()

    # ------------------------------------------------------- reading again
    def _read_again(self) -> None:
        self._reading = True
        self.stack.setCurrentIndex(_LOADING)
        count = sum(rows_released([plan]) for plan in self._wizard.plans)
        self.busy.start(
            self.tr("Reading {count} files again to check the edited columns…").format(
                count=count_text(count)
            )
            if count != 1
            else self.tr("Reading the file again to check the edited columns…")
        )
        self.completeChanged.emit()
        self._wizard.run_task(
            "read_again",
            self._wizard.backend.read_again,
            tuple(self._wizard.plans),
            # The dry run's conversion no longer fits: it goes before the rows come back.
            self._wizard.take_prepared(),
            on_finished=self._on_read_again,
            on_failed=self._on_read_again_failed,
            on_cancelled=self._on_read_again_cancelled,
            on_progress=self.busy.set_progress,
        )

    def _on_read_again(self, result: object) -> None:
        self._reading = False
        assert isinstance(result, tuple)
        read = {plan.workbook.path: plan.workbook for plan in result}
        # The files' rows come back under the sheet plans as they are now.
        self._wizard.adopt_plans(
            [
                replace(plan, workbook=read.get(plan.workbook.path, plan.workbook))
                for plan in self._wizard.plans
            ]
        )
        self._hidden_until_refined = True
        self.busy.start(self.tr("Checking the edited columns…"))
        self._show_current(reset=False)
        self._refine()

    def _on_read_again_failed(self, error: object) -> None:
        self._reading = False
        self.stack.setCurrentIndex(_CONTENT)
        self._wizard.show_error(error)
        self.completeChanged.emit()

    def _on_read_again_cancelled(self) -> None:
        self._reading = False
        self.stack.setCurrentIndex(_CONTENT)
        self.completeChanged.emit()

    def _reveal(self) -> None:
        """Show the sheets again once the edit that read the files again is refined."""
        if self._hidden_until_refined:
            self._hidden_until_refined = False
            self.stack.setCurrentIndex(_CONTENT)

    # ------------------------------------------------------ date question
    def _show_date_question(self, entry: SheetEntry, sheet: RawSheet) -> None:
        key = self._key(entry)
        answered = self._answers.get(key, {})
        columns = [
            c
            for c in entry.plan.columns
            if entry.plan.role != Role.IGNORE
            and (c.date_order_ambiguous or c.index in answered)
            and c.field is not None
        ]
        wanted = [(c.index, answered.get(c.index)) for c in columns]
        current = [(column, _checked(group)) for column, group in self._date_groups]
        if wanted == current and self.date_box.isVisible() == bool(columns):
            return
        while self.date_layout.count():
            item = self.date_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self._date_groups = []
        for column in columns:
            example = _ambiguous_example(sheet, entry.plan, column.index)
            name = column.header or str(column.index + 1)
            text = QLabel(
                self.tr(
                    "In column “{column}”, every date fits both readings (for example “{example}”). "
                    "How does this file write dates?"
                ).format(column=name, example=example or "01/02/2024")
            )
            text.setWordWrap(True)
            self.date_layout.addWidget(text)
            day_first, month_first = _readings(example)
            day_button = QRadioButton(
                self.tr("&Day first: {example} is {reading}").format(
                    example=example or "01/02/2024", reading=day_first
                )
            )
            month_button = QRadioButton(
                self.tr("&Month first: {example} is {reading}").format(
                    example=example or "01/02/2024", reading=month_first
                )
            )
            group = QButtonGroup(self.date_box)
            group.addButton(day_button, 0)
            group.addButton(month_button, 1)
            choice = answered.get(column.index)
            if choice == DateOrder.DAY_FIRST:
                day_button.setChecked(True)
            elif choice == DateOrder.MONTH_FIRST:
                month_button.setChecked(True)
            group.idClicked.connect(
                lambda button_id, c=column.index: self.answer_date_order(
                    c, DateOrder.DAY_FIRST if button_id == 0 else DateOrder.MONTH_FIRST
                )
            )
            row = QHBoxLayout()
            row.addWidget(day_button)
            row.addSpacing(24)
            row.addWidget(month_button)
            row.addStretch(1)
            holder = QWidget()
            holder.setLayout(row)
            row.setContentsMargins(0, 0, 0, 0)
            self.date_layout.addWidget(holder)
            self._date_groups.append((column.index, group))
        self.date_box.setVisible(bool(columns))

    def answer_date_order(self, column: int, order: DateOrder) -> None:
        """Record the user's day/month answer for a column of the sheet shown."""
        entry = self.current_entry()
        if entry is None:
            return
        self._answers.setdefault(self._key(entry), {})[column] = order
        self.edit_current(date_orders={column: order})

    def questions(self) -> list[tuple[SheetEntry, int]]:
        """Open day/month questions: (sheet, column)."""
        found: list[tuple[SheetEntry, int]] = []
        for entry in self.sheet_model.entries():
            answered = self._answers.get(self._key(entry), {})
            if entry.plan.role == Role.IGNORE:
                continue
            found.extend(
                (entry, column)
                for column in entry.plan.ambiguous_date_columns
                if column not in answered
            )
        return found


def _checked(group: QButtonGroup) -> DateOrder | None:
    button_id = group.checkedId()
    if button_id < 0:
        return None
    return DateOrder.DAY_FIRST if button_id == 0 else DateOrder.MONTH_FIRST


def _is_date_issue(message: Message) -> bool:
    return message.id == "import.plan.ambiguous_dates"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _ambiguous_example(sheet: RawSheet, plan: SheetPlan, column: int) -> str:
    start = 0 if plan.header_row is None else plan.header_row + 1
    fallback = ""
    for row in sheet.rows[start : start + 2000]:
        if column >= len(row):
            continue
        value = row[column]
        text = value if isinstance(value, str) else cell_text(value)
        match = _AMBIGUOUS_DATE.match(text)
        if match is None:
            continue
        first, second = int(match.group(1)), int(match.group(2))
        if first != second and 1 <= first <= 12 and 1 <= second <= 12:
            return text.strip().split(" ")[0]
        fallback = fallback or text.strip().split(" ")[0]
    return fallback


def _readings(example: str) -> tuple[str, str]:
    """The two calendar dates an ambiguous text date can mean, in the locale's long format."""
    match = _AMBIGUOUS_DATE.match(example or "01/02/2024")
    if match is None:
        return "", ""
    first, second, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
    if year < 100:
        year += 2000 if year <= 68 else 1900
    locale = QLocale()
    readings = []
    for day, month in ((first, second), (second, first)):
        try:
            day_value = date(year, month, day)
        except ValueError:
            readings.append("—")
            continue
        readings.append(
            locale.toString(
                QDate(day_value.year, day_value.month, day_value.day),
                QLocale.FormatType.LongFormat,
            )
        )
    return readings[0], readings[1]
