"""Last page of the import wizard: the import with progress and Cancel, then its result (ui layer).

The import runs in one database transaction in the background: Cancel (or
Esc) rolls it back completely. The result shows the counts, every row per
sheet and the rejected rows, which can be exported for correction. GUI
thread only.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from clmdesk.core.tasks import Cancelled
from clmdesk.settings.preferences import save_preferences
from clmdesk.ui.i18n import message_text
from clmdesk.ui.import_wizard.backend import ImportJob, export_rejected, recorded
from clmdesk.ui.import_wizard.labels import count_text
from clmdesk.ui.import_wizard.models import (
    RejectedRowsModel,
    SheetCountsModel,
    column_letter,
)
from clmdesk.ui.import_wizard.summary_page import (
    conflicts_tab,
    rejected_rows_of,
    show_conflicts,
    table_view,
)
from clmdesk.ui.import_wizard.widgets import BusyPanel, CountsGrid, heading

if TYPE_CHECKING:
    from concurrent.futures import Future

    from clmdesk.ui.import_wizard.wizard import ImportWizard

__all__ = ["ImportPage"]

_RUNNING, _RESULT, _STOPPED = range(3)
_POLL_MS = 50


class ImportPage(QWizardPage):
    """Runs the import, then shows what it did.

    ``state`` is one of ``"idle"``, ``"running"``, ``"stopping"`` (cancel
    requested, waiting for the rollback), ``"done"``, ``"cancelled"`` or
    ``"failed"``.
    """

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.state = "idle"
        self.result: Any = None
        self._job: ImportJob | None = None
        # The import's future: done once the worker is through with it,
        # whether it ran (then the job says how) or was cancelled unstarted.
        self._worker: Future[Any] | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(_POLL_MS)
        self._poll.timeout.connect(self._check_stopped)
        self.setTitle(self.tr("Importing"))
        self.setFinalPage(True)

        self.busy = BusyPanel()

        # Result
        self.counts = CountsGrid(future=False)
        self.sheet_model = SheetCountsModel(self)
        self.sheet_view = table_view(
            self.sheet_model, self.tr("Rows of each sheet"), SheetCountsModel.COL_SHEET
        )
        self.rejected_model = RejectedRowsModel(self)
        self.rejected_view = table_view(self.rejected_model, self.tr("Rejected rows"))
        # Thousands of rows: size the columns once, from a sample, not on every change.
        self.rejected_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Interactive
        )
        self.rejected_view.horizontalHeader().setStretchLastSection(True)
        self.export_button = QPushButton(self.tr("&Export rejected rows…"))
        self.export_button.clicked.connect(self.choose_export_file)
        self.export_label = QLabel()
        self.export_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.export_label.setEnabled(False)
        rejected_page = QWidget()
        rejected_layout = QVBoxLayout(rejected_page)
        rejected_layout.addWidget(self.rejected_view)
        export_row = QHBoxLayout()
        export_row.addWidget(self.export_button)
        export_row.addWidget(self.export_label, 1)
        rejected_layout.addLayout(export_row)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.sheet_view, self.tr("By &sheet"))
        self.tabs.addTab(rejected_page, self.tr("&Rejected rows"))
        self.conflict_model = conflicts_tab(self.tabs, self)

        self.result_note = QLabel()
        self.result_note.setWordWrap(True)
        holder = QWidget()
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(0, 0, 0, 0)
        holder_layout.addWidget(self.result_note)
        holder_layout.addWidget(self.counts)
        result = QWidget()
        result_layout = QVBoxLayout(result)
        result_layout.setContentsMargins(0, 0, 0, 0)
        result_layout.addWidget(holder)
        result_layout.addWidget(self.tabs, 1)

        # Stopped (cancelled or failed)
        self.stopped_title = heading("", 1.3)
        self.stopped_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stopped_label = QLabel()
        self.stopped_label.setWordWrap(True)
        self.stopped_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stopped_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        stopped = QWidget()
        stopped_layout = QVBoxLayout(stopped)
        stopped_layout.addStretch(1)
        stopped_layout.addWidget(self.stopped_title)
        stopped_layout.addWidget(self.stopped_label)
        stopped_layout.addStretch(2)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.busy)
        self.stack.addWidget(result)
        self.stack.addWidget(stopped)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

    # ------------------------------------------------------------- wizard
    def initializePage(self) -> None:
        self._set_state("running")
        self.setTitle(self.tr("Importing"))
        self.setSubTitle(
            self.tr(
                "Large files take a while to import. Cancel undoes everything this import did."
            )
        )
        summary = self._wizard.summary
        total = getattr(summary, "imported", 0) if summary is not None else 0
        self.busy.start(
            self.tr("Importing {count} rows…").format(count=count_text(total))
            if total
            else self.tr("Importing…")
        )
        self.stack.setCurrentIndex(_RUNNING)
        self._job = ImportJob()
        self._worker = self._wizard.run_task(
            "import",
            recorded,
            self._job,
            self._wizard.backend.run_import,
            self._wizard.database,
            tuple(self._wizard.plans),
            # The dry run's conversion, reused if still valid: the task owns it now.
            self._wizard.take_prepared(),
            on_finished=self._on_finished,
            on_failed=self._on_failed,
            on_cancelled=self._on_cancelled,
            on_progress=self._on_progress,
        )

    def isComplete(self) -> bool:
        return self.state in ("done", "cancelled", "failed")

    def _set_state(self, state: str) -> None:
        self.state = state
        wizard = self._wizard
        finished = state in ("done", "cancelled", "failed")
        wizard.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, finished)
        cancel = wizard.button(QWizard.WizardButton.CancelButton)
        cancel.setEnabled(state != "stopping")
        if state == "done":
            wizard.setButtonText(QWizard.WizardButton.FinishButton, self.tr("&Finish"))
        elif finished:
            wizard.setButtonText(QWizard.WizardButton.FinishButton, self.tr("&Close"))
        self.completeChanged.emit()

    def handle_cancel(self) -> bool:
        """Cancel or Esc pressed: stop a running import; returns whether the wizard may close."""
        if self.state == "running":
            self._wizard.cancel_task()
            return False
        return self.state != "stopping"

    # -------------------------------------------------------------- tasks
    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        # The service counts each row once or twice (converted unless the
        # dry run's conversion is reused, then written): the bar shows the
        # share done, not a row count.
        self.busy.set_progress(done, total)

    def _on_finished(self, result: object) -> None:
        self._show_result(result, late=False)

    def _on_failed(self, error: object) -> None:
        self._show_stopped(error)

    def _on_cancelled(self) -> None:
        # The runner forgets the task at once; the transaction is still rolling
        # back (or, at worst, has just committed). Wait for the worker's verdict.
        self._set_state("stopping")
        self.busy.start(self.tr("Cancelling: undoing what was written…"))
        self._poll.start()

    @Slot()
    def _check_stopped(self) -> None:
        job = self._job
        if job is None:
            return
        if not job.done.is_set():
            worker = self._worker
            if worker is None or not worker.done() or job.done.is_set():
                return
            # Cancelled before the worker took it: it never ran, nothing changed.
            job.error = Cancelled()
        self._poll.stop()
        if job.error is None and job.result is not None:
            self._show_result(job.result, late=True)
        elif job.error is None or isinstance(job.error, Cancelled):
            self._show_stopped(None)
        else:
            self._show_stopped(job.error)

    def _show_result(self, result: object, *, late: bool) -> None:
        self.result = result
        self._wizard.result = result
        self.setTitle(self.tr("Import finished"))
        self.setSubTitle(
            self.tr(
                "Your data is up to date. The customer stages are being recalculated."
            )
        )
        self.result_note.setText(
            "ℹ "
            + self.tr(
                "The import had already finished when you cancelled it, so it was kept. "
                "You can undo it in File ▸ Import history."
            )
            if late
            else ""
        )
        self.result_note.setVisible(late)
        self.counts.show_summary(result)
        self.sheet_model.set_rows(result.sheets)  # type: ignore[attr-defined]
        rejected = rejected_rows_of(result)
        self.rejected_model.set_rows(rejected)
        self.rejected_view.resizeColumnsToContents()
        self.tabs.setTabText(
            1,
            self.tr("&Rejected rows ({count})").format(count=count_text(len(rejected)))
            if rejected
            else self.tr("&Rejected rows"),
        )
        self.tabs.setTabEnabled(1, bool(rejected))
        show_conflicts(self.tabs, 2, self.conflict_model, result)
        self.export_button.setEnabled(bool(rejected))
        self.stack.setCurrentIndex(_RESULT)
        self._set_state("done")
        self._wizard.import_finished.emit(result)

    def _show_stopped(self, error: object) -> None:
        if error is None:
            self.setTitle(self.tr("Import cancelled"))
            self.stopped_title.setText(self.tr("The import was cancelled."))
            self.stopped_label.setText(
                self.tr("Nothing was changed: your data is exactly as it was before.")
            )
            self._set_state("cancelled")
        else:
            message = getattr(error, "message", None)
            detail = message_text(message) if message is not None else str(error)
            self.setTitle(self.tr("Import failed"))
            self.stopped_title.setText(self.tr("The import failed."))
            self.stopped_label.setText(
                detail
                + "\n\n"
                + self.tr("Nothing was changed: your data is exactly as it was before.")
            )
            self._set_state("failed")
        self.setSubTitle(
            self.tr("You can close this window and import again at any time.")
        )
        self.stack.setCurrentIndex(_STOPPED)

    # ------------------------------------------------------------- export
    @Slot()
    def choose_export_file(self) -> None:
        """Ask where to save the rejected rows, then write them in the background."""
        preferences = self._wizard.preferences
        folder = (
            Path(preferences.last_folder) if preferences.last_folder else Path.home()
        )
        suggested = str(folder / (self.tr("rejected rows") + ".xlsx"))
        path, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("Export rejected rows"),
            suggested,
            ";;".join(
                (self.tr("Excel workbook (*.xlsx)"), self.tr("CSV file (*.csv)"))
            ),
        )
        if path:
            if Path(path).suffix.lower() not in (".xlsx", ".csv"):
                path += ".xlsx"
            preferences.last_folder = str(Path(path).parent)
            with contextlib.suppress(OSError):
                save_preferences(preferences)
            self.export_rejected(path)

    def export_rejected(self, path: str) -> None:
        """Write the rejected rows to ``path`` (.xlsx or .csv) in the background."""
        rows = self.rejected_model.rows()
        header = [
            self.tr("File"),
            self.tr("Sheet"),
            self.tr("Row"),
            self.tr("Reason"),
            *self._value_headers(rows),
        ]
        self.export_button.setEnabled(False)
        self.export_label.setText(self.tr("Saving…"))
        self._wizard.run_task(
            "export",
            export_rejected,
            path,
            header,
            rows,
            self._wizard.language,
            on_finished=self._on_exported,
            on_failed=self._on_export_failed,
            on_cancelled=lambda: self.export_button.setEnabled(True),
        )

    def _value_headers(self, rows: list[Any]) -> list[str]:
        width = max((len(row.values) for row in rows), default=0)
        sheets = {(row.file, row.sheet) for row in rows}
        if len(sheets) == 1:
            file, sheet = next(iter(sheets))
            for file_plan in self._wizard.plans:
                for plan in file_plan.sheets:
                    if plan.file == file and plan.sheet == sheet:
                        headers = [
                            c.header or column_letter(c.index) for c in plan.columns
                        ]
                        return headers + [
                            column_letter(i) for i in range(len(headers), width)
                        ]
        return [column_letter(i) for i in range(width)]

    def _on_exported(self, path: object) -> None:
        self.export_button.setEnabled(True)
        self.export_label.setText(self.tr("Saved to {path}").format(path=str(path)))

    def _on_export_failed(self, error: object) -> None:
        self.export_button.setEnabled(True)
        self.export_label.setText("")
        self._wizard.show_error(error)
