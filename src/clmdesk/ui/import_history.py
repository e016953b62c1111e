"""Import history: the list of import batches, and undoing one (ui layer).

Loading the list, previewing what an undo removes and the undo itself run
in the dialog's :class:`~clmdesk.workers.runner.TaskRunner`; the undo is one
transaction, so Cancel rolls it back. Closing the dialog waits for none of
them: given the window's lease, they hold the database until they end (an
undo then has rolled back, or committed). GUI thread only.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QCoreApplication,
    QDateTime,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clmdesk.core.messages import Message
from clmdesk.core.tasks import Cancelled
from clmdesk.services import importing as import_service
from clmdesk.ui.i18n import message_text
from clmdesk.ui.import_wizard.backend import ImportJob, recorded
from clmdesk.ui.import_wizard.labels import count_text, money_text
from clmdesk.ui.row_table_model import RowTableModel
from clmdesk.workers.runner import TaskRunner

if TYPE_CHECKING:
    from collections.abc import Callable

    from clmdesk.core.tasks import IsCancelled, Progress
    from clmdesk.storage.database import Database
    from clmdesk.ui.database_lease import DatabaseLease

__all__ = ["BatchTableModel", "ImportHistoryDialog"]

_CONTEXT = "ImportHistoryDialog"
_ANY_INDEX = QModelIndex | QPersistentModelIndex
_NO_INDEX = QModelIndex()
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_POLL_MS = 50


# --------------------------------------------------------------------- tasks
# Run on the dialog's worker thread; they only call the import service.


def _service() -> Any:
    # Looked up on each call so that tests can stand in for the service.
    return import_service


def load_batches(
    database: Database, *, progress: Progress, is_cancelled: IsCancelled
) -> list[Any]:
    """Every import batch, newest first."""
    batches = list(_service().list_batches(database))
    return sorted(batches, key=lambda batch: (batch.created_at, batch.id), reverse=True)


def load_undo_preview(
    database: Database, batch_id: int, *, progress: Progress, is_cancelled: IsCancelled
) -> Any:
    """What undoing ``batch_id`` would remove."""
    return _service().preview_undo(database, batch_id)


def undo(
    database: Database, batch_id: int, *, progress: Progress, is_cancelled: IsCancelled
) -> Any:
    """Undo ``batch_id`` in one transaction."""
    return _service().undo_batch(
        database, batch_id, progress=progress, is_cancelled=is_cancelled
    )


# --------------------------------------------------------------------- model


def _count(batch: Any, name: str) -> int:
    counts = getattr(batch, "counts", None)
    if isinstance(counts, dict):
        return int(counts.get(name, 0) or 0)
    return int(getattr(batch, name, 0) or 0)


def _file_names(batch: Any) -> list[str]:
    return [getattr(item, "name", str(item)) for item in getattr(batch, "files", ())]


def batch_time_text(created_at: str) -> str:
    """An ISO-8601 UTC time as local date and time in the locale's format."""
    try:
        moment = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    except ValueError:
        return created_at
    stamp = QDateTime.fromSecsSinceEpoch(int(moment.timestamp())).toLocalTime()
    locale = QLocale()
    # Short formats use two-digit years; a history spans years.
    day_format = locale.dateFormat(QLocale.FormatType.ShortFormat)
    if "yyyy" not in day_format:
        day_format = day_format.replace("yy", "yyyy")
    time_format = locale.timeFormat(QLocale.FormatType.ShortFormat)
    return locale.toString(stamp, f"{day_format} {time_format}")


class BatchTableModel(RowTableModel):
    """One row per import batch: when, which files, and what it added."""

    COL_WHEN, COL_FILES, COL_READ, COL_IMPORTED, COL_CUSTOMERS, COL_STATUS = range(6)

    def batch(self, row: int) -> Any:
        """The batch at ``row``."""
        return self._rows[row]

    def data(self, index: _ANY_INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        batch = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.COL_WHEN:
                return batch_time_text(batch.created_at)
            if column == self.COL_FILES:
                return ", ".join(_file_names(batch))
            if column == self.COL_READ:
                return count_text(_count(batch, "rows_read"))
            if column == self.COL_IMPORTED:
                return count_text(_count(batch, "imported"))
            if column == self.COL_CUSTOMERS:
                return count_text(_count(batch, "customers_new"))
            return _status_text(getattr(batch, "status", "done"))
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COL_FILES:
            return "\n".join(_file_names(batch))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            self.COL_READ,
            self.COL_IMPORTED,
            self.COL_CUSTOMERS,
        ):
            return _RIGHT
        return None

    def column_titles(self) -> tuple[str, ...]:
        return (
            QCoreApplication.translate(_CONTEXT, "Imported on"),
            QCoreApplication.translate(_CONTEXT, "Files"),
            QCoreApplication.translate(_CONTEXT, "Rows read"),
            QCoreApplication.translate(_CONTEXT, "Rows imported"),
            QCoreApplication.translate(_CONTEXT, "New customers"),
            QCoreApplication.translate(_CONTEXT, "Status"),
        )


def _status_text(status: str) -> str:
    if status == "undone":
        return QCoreApplication.translate(_CONTEXT, "Undone")
    return QCoreApplication.translate(_CONTEXT, "Done")


# -------------------------------------------------------------------- dialog


class ImportHistoryDialog(QDialog):
    """The imports made into this database, with Undo.

    Signals
    -------
    batch_undone(result)
        An import was undone; ``result`` is what the import service returned.
    """

    batch_undone = Signal(object)

    def __init__(
        self,
        database: Database,
        parent: QWidget | None = None,
        *,
        lease: DatabaseLease | None = None,
    ) -> None:
        super().__init__(parent)
        self.database = database
        self._lease = lease
        self.state = "idle"  # "loading", "previewing", "undoing", "stopping"
        self._job: ImportJob | None = None
        self._undoing_id: int | None = None
        self._confirm_box: QMessageBox | None = None
        self.setWindowTitle(self.tr("Import history"))
        self.setObjectName("importHistory")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(860, 460)

        self.runner = TaskRunner(self)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.progress_changed.connect(self._on_progress)
        self._poll = QTimer(self)
        self._poll.setInterval(_POLL_MS)
        self._poll.timeout.connect(self._check_stopped)

        intro = QLabel(
            self.tr(
                "Every import is kept as a batch. Undoing one removes the lines and orders it "
                "added and the customers it created that nothing else uses, and empties the "
                "fields it filled in, unless they changed since."
            )
        )
        intro.setWordWrap(True)

        self.model = BatchTableModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(
            BatchTableModel.COL_FILES, QHeaderView.ResizeMode.Stretch
        )
        self.view.setAccessibleName(self.tr("Imports"))
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)

        self.empty_label = QLabel(
            self.tr("Nothing has been imported into this database yet.")
        )
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setEnabled(False)
        self.empty_label.hide()

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(280)
        self.progress.hide()

        self.undo_button = QPushButton(self.tr("&Undo import…"))
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo_selected)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.addButton(self.undo_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(self.tr("&Close"))

        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.progress)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_label)
        layout.addLayout(bottom)
        layout.addWidget(self.buttons)

        self.reload()

    # ------------------------------------------------------------- loading
    def reload(self) -> None:
        """Load the list of batches in the background."""
        self._set_state("loading")
        self.runner.start(self._holding(load_batches, reading=True), self.database)

    def selected_batch(self) -> Any:
        """The selected batch, or None."""
        rows = self.view.selectionModel().selectedRows()
        return self.model.batch(rows[0].row()) if rows else None

    def select_batch(self, batch_id: int) -> None:
        """Select the batch with ``batch_id``."""
        for row in range(self.model.rowCount()):
            if self.model.batch(row).id == batch_id:
                self.view.selectRow(row)
                return

    @Slot()
    def _update_buttons(self) -> None:
        batch = self.selected_batch()
        self.undo_button.setEnabled(
            self.state == "idle"
            and batch is not None
            and getattr(batch, "status", "done") != "undone"
        )

    def _set_state(self, state: str) -> None:
        self.state = state
        busy = state in ("undoing", "stopping")
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(
            self.tr("&Cancel undo") if state == "undoing" else self.tr("&Close")
        )
        close.setEnabled(state != "stopping")
        self.view.setEnabled(state in ("idle", "loading"))
        self._update_buttons()

    # ---------------------------------------------------------------- undo
    @Slot()
    def undo_selected(self) -> None:
        """Ask what undoing the selected batch removes, then confirm and undo it."""
        batch = self.selected_batch()
        if batch is None or self.state != "idle":
            return
        self._undoing_id = int(batch.id)
        self._set_state("previewing")
        self.status_label.setText(self.tr("Checking what this import added…"))
        self.runner.start(
            self._holding(load_undo_preview, reading=True),
            self.database,
            int(batch.id),
        )

    def confirm_text(self, batch: Any, preview: Any) -> str:
        """The confirmation: which import, and exactly what will be removed."""
        lines = []
        items = (
            ("lines", self.tr("{count} order lines")),
            ("orders", self.tr("{count} orders")),
            ("orders_changed", self.tr("the lines it added to {count} other orders")),
            (
                "customers",
                self.tr(
                    "{count} customers (only those this import created and nothing else uses)"
                ),
            ),
            ("fields", self.tr("{count} customer fields this import filled in")),
            ("nps_answers", self.tr("{count} NPS answers")),
            ("campaigns", self.tr("{count} campaign rows")),
        )
        for name, template in items:
            value = int(getattr(preview, name, 0) or 0)
            if value:
                lines.append("• " + template.format(count=count_text(value)))
        when = batch_time_text(batch.created_at)
        files = ", ".join(_file_names(batch))
        text = self.tr("Undo the import of {when} ({files})?").format(
            when=when, files=files
        )
        revenue = int(getattr(preview, "revenue_cents", 0) or 0)
        if revenue:
            lines.append(
                "• "
                + self.tr("{amount} of net revenue").format(amount=money_text(revenue))
            )
        if lines:
            text += "\n\n" + self.tr("This removes:") + "\n" + "\n".join(lines)
        else:
            text += "\n\n" + self.tr("It added nothing that is still there.")
        kept = int(getattr(preview, "customers_kept", 0) or 0)
        if kept:
            text += "\n\n" + self.tr(
                "{count} customers it created stay, because later imports use them."
            ).format(count=count_text(kept))
        text += "\n\n" + self.tr("The customer stages are recalculated afterwards.")
        return text

    def _confirm_and_undo(self, preview: Any) -> None:
        batch = next(
            (
                self.model.batch(row)
                for row in range(self.model.rowCount())
                if self.model.batch(row).id == self._undoing_id
            ),
            None,
        )
        if batch is None:
            self._set_state("idle")
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Undo import"),
            self.confirm_text(batch, preview),
            QMessageBox.StandardButton.Cancel,
            self,
        )
        yes = box.addButton(
            self.tr("&Undo import"), QMessageBox.ButtonRole.DestructiveRole
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setObjectName("confirmUndo")
        self._confirm_box = box
        box.finished.connect(
            lambda _result: self._on_confirmed(box.clickedButton() is yes)
        )
        box.open()

    def _on_confirmed(self, accepted: bool) -> None:
        self._confirm_box = None
        if not accepted or self._undoing_id is None:
            self.status_label.clear()
            self._set_state("idle")
            return
        self._set_state("undoing")
        self.status_label.setText(self.tr("Undoing the import…"))
        self._job = ImportJob()
        # The hold goes inside the record: it hears a refusal too.
        self.runner.start(
            recorded, self._job, self._holding(undo), self.database, self._undoing_id
        )

    def _holding(
        self, task: Callable[..., Any], *, reading: bool = False
    ) -> Callable[..., Any]:
        """``task``, holding the database while it runs when the dialog has a lease."""
        if self._lease is None:
            return task
        return self._lease.holding(task, reading=reading)

    # --------------------------------------------------------- task results
    @Slot(object)
    def _on_finished(self, result: object) -> None:
        state = self.state
        if state == "loading":
            self.model.set_rows(list(result))  # type: ignore[call-overload]
            empty = self.model.rowCount() == 0
            self.empty_label.setVisible(empty)
            self.view.setVisible(not empty)
            self._set_state("idle")
            if self._undoing_id is not None:
                self.select_batch(self._undoing_id)
        elif state == "previewing":
            self.status_label.clear()
            self._confirm_and_undo(result)
        elif state == "undoing":
            self._undone(result)

    def _undone(self, result: object) -> None:
        self.status_label.setText(self.tr("The import was undone."))
        self._set_state("idle")
        self.batch_undone.emit(result)
        self.reload()

    @Slot(object)
    def _on_failed(self, error: object) -> None:
        message = getattr(error, "message", None)
        text = message_text(message) if isinstance(message, Message) else str(error)
        if self.state == "undoing":
            text = (
                self.tr("The import could not be undone; nothing was changed.")
                + "\n"
                + text
            )
        self._set_state("idle")
        self.status_label.clear()
        QMessageBox.warning(self, self.tr("Import history"), text)

    @Slot()
    def _on_cancelled(self) -> None:
        if self.state == "undoing":
            # Wait for the worker: the undo may have committed just before the cancel.
            self._set_state("stopping")
            self.status_label.setText(self.tr("Cancelling…"))
            self._poll.start()
        elif self.state in ("loading", "previewing"):
            self._set_state("idle")

    @Slot()
    def _check_stopped(self) -> None:
        job = self._job
        if job is None or not job.done.is_set():
            return
        self._poll.stop()
        if job.error is None and job.result is not None:
            self._undone(job.result)
        elif job.error is None or isinstance(job.error, Cancelled):
            self._set_state("idle")
            self.status_label.setText(self.tr("Undo cancelled: nothing was changed."))
        else:
            self._set_state("idle")
            self._on_failed(job.error)

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        if self.state != "undoing" or total <= 0:
            return
        if total > 1_000_000:
            self.progress.setRange(0, 1000)
            self.progress.setValue(1000 * done // total)
        else:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    # -------------------------------------------------------------- closing
    def reject(self) -> None:
        if self.state == "undoing":
            self.runner.cancel()
            return
        if self.state == "stopping":
            return
        super().reject()

    def done(self, result: int) -> None:
        # Nothing is waited for: an undo still running (or stopping) waits
        # for any other write to the database, then rolls back, holding the
        # database (the lease) until it has; a reading is dropped.
        self._poll.stop()
        self.runner.shutdown(wait=False)
        super().done(result)
