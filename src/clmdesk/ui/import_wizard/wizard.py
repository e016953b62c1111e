"""The import wizard: files → sheets and columns → dry run → import and result (ui layer).

Every step that reads files or the database (planning, refining an edited
mapping, the dry run, the import, the export of rejected rows) runs in the
wizard's own :class:`~clmdesk.workers.runner.TaskRunner`, so the window
never freezes. Closing the wizard waits for none of them: given the
window's lease, the tasks on the database hold it until they end (an import
then has rolled back, or committed). GUI thread only.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget, QWizard

from clmdesk.core.messages import Message
from clmdesk.ui.i18n import message_text
from clmdesk.ui.import_wizard import backend as default_backend
from clmdesk.ui.import_wizard.backend import recorded, release_frozen
from clmdesk.ui.import_wizard.files_page import FilesPage
from clmdesk.ui.import_wizard.import_page import ImportPage
from clmdesk.ui.import_wizard.mapping_page import MappingPage
from clmdesk.ui.import_wizard.summary_page import SummaryPage
from clmdesk.workers.runner import TaskRunner

if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import Future

    from PySide6.QtGui import QShowEvent

    from clmdesk.core.importing import FilePlan
    from clmdesk.services.importing import PreparedImport
    from clmdesk.settings.preferences import Preferences
    from clmdesk.storage.database import Database
    from clmdesk.ui.database_lease import DatabaseLease

__all__ = ["ImportWizard"]

# The tasks that work on the database (the others read files or write one).
_WRITING_TASKS = frozenset({"import"})
_READING_TASKS = frozenset({"plan", "dry_run"})


class _Task:
    """Callbacks of the task the runner is running for the wizard."""

    def __init__(
        self,
        name: str,
        on_finished: Callable[[Any], None],
        on_failed: Callable[[Any], None] | None,
        on_cancelled: Callable[[], None] | None,
        on_progress: Callable[[int, int], None] | None,
    ) -> None:
        self.name = name
        self.on_finished = on_finished
        self.on_failed = on_failed
        self.on_cancelled = on_cancelled
        self.on_progress = on_progress


class ImportWizard(QWizard):
    """Import spreadsheets into the open business database.

    Parameters
    ----------
    database
        The open business database.
    preferences
        The user's preferences (the last folder is remembered there).
    paths
        Files already chosen (dropped on the main window): the wizard then
        starts on the sheets page.
    parent
        The main window.
    language
        ``"pt_BR"`` or ``"en"``; by default the interface's locale decides.
    backend
        The module whose functions do the work (tests may pass a stand-in).
    lease
        The window's lease on ``database``: the tasks on the database hold
        it until they end, even after the wizard closed.

    Signals
    -------
    import_finished(summary)
        An import was written; ``summary`` is what the import service returned.
    """

    import_finished = Signal(object)

    FILES_PAGE, MAPPING_PAGE, SUMMARY_PAGE, IMPORT_PAGE = range(4)

    def __init__(
        self,
        database: Database,
        preferences: Preferences,
        paths: list[str] | None = None,
        parent: QWidget | None = None,
        *,
        language: str | None = None,
        backend: Any = None,
        lease: DatabaseLease | None = None,
    ) -> None:
        super().__init__(parent)
        self.database = database
        self._lease = lease
        self.preferences = preferences
        self.language = language or _interface_language()
        self.backend = backend if backend is not None else default_backend
        # Each file's plan, with the raw rows it was made from until the dry
        # run takes them over; from then on only their first rows (what the
        # pages show), until an edit has the files read again.
        self.plans: list[FilePlan] = []
        self.summary: Any = None
        # The dry run's conversion, kept for the import (which reuses it when
        # nothing changed) and across Back (a dry run with nothing edited
        # reuses it too); let go by an edit, a new dry run or closing.
        self.prepared: PreparedImport | None = None
        self.result: Any = None

        self.setWindowTitle(self.tr("Import spreadsheets"))
        self.setObjectName("importWizard")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        if sys.platform != "darwin":
            self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveHelpButton, False)
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("< &Back"))
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("&Next >"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("Cancel"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("&Finish"))
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("&Import"))

        self.runner = TaskRunner(self)
        self._task: _Task | None = None
        self.runner.finished.connect(self._on_task_finished)
        self.runner.failed.connect(self._on_task_failed)
        self.runner.cancelled.connect(self._on_task_cancelled)
        self.runner.progress_changed.connect(self._on_task_progress)

        self.files_page = FilesPage(preferences)
        self.mapping_page = MappingPage(self)
        self.summary_page = SummaryPage(self)
        self.import_page = ImportPage(self)
        self.setPage(self.FILES_PAGE, self.files_page)
        self.setPage(self.MAPPING_PAGE, self.mapping_page)
        self.setPage(self.SUMMARY_PAGE, self.summary_page)
        self.setPage(self.IMPORT_PAGE, self.import_page)

        # Dropped files skip the first page once shown, keeping Back to it.
        self._skip_files_page = bool(paths)
        if paths:
            self.files_page.add_paths(paths)
        self.resize(QSize(1040, 720))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._skip_files_page:
            self._skip_files_page = False
            QTimer.singleShot(0, self.next)

    # ------------------------------------------------------------- state
    def paths(self) -> list[str]:
        """The files chosen on the first page."""
        return self.files_page.paths()

    @property
    def is_busy(self) -> bool:
        """Whether a background task is running."""
        return self.runner.is_busy

    @property
    def task_name(self) -> str:
        """Name of the running task (``""`` when idle)."""
        return self._task.name if self._task is not None and self.runner.is_busy else ""

    # ------------------------------------------------------------- tasks
    def run_task(
        self,
        name: str,
        fn: Any,
        *args: Any,
        on_finished: Callable[[Any], None],
        on_failed: Callable[[Any], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Future[Any]:
        """Run ``fn(*args)`` in the background; a running task is cancelled first.

        Returns the worker's future (see :meth:`TaskRunner.start`).
        """
        self.cancel_task()
        self._task = _Task(name, on_finished, on_failed, on_cancelled, on_progress)
        return self.runner.start(*self._holding_database(name, fn, args))

    def _holding_database(
        self, name: str, fn: Any, args: tuple[Any, ...]
    ) -> tuple[Any, ...]:
        """``fn`` and ``args`` for the runner, holding the database for the tasks on it."""
        lease = self._lease
        if lease is None or name not in _WRITING_TASKS | _READING_TASKS:
            return (fn, *args)
        reading = name in _READING_TASKS
        if fn is recorded:
            # Its record must hear what became of the task, a refusal included
            # (the window had left the database): the hold goes inside it.
            job, inner, *rest = args
            return (recorded, job, lease.holding(inner, reading=reading), *rest)
        return (lease.holding(fn, reading=reading), *args)

    def cancel_task(self) -> None:
        """Cancel the running task (its callbacks hear ``cancelled``)."""
        if self.runner.is_busy:
            self.runner.cancel()

    @Slot(object)
    def _on_task_finished(self, result: object) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.on_finished(result)

    @Slot(object)
    def _on_task_failed(self, error: object) -> None:
        task, self._task = self._task, None
        if task is not None and task.on_failed is not None:
            task.on_failed(error)
        else:
            self.show_error(error)

    @Slot()
    def _on_task_cancelled(self) -> None:
        task, self._task = self._task, None
        if task is not None and task.on_cancelled is not None:
            task.on_cancelled()

    @Slot(int, int)
    def _on_task_progress(self, done: int, total: int) -> None:
        if self._task is not None and self._task.on_progress is not None:
            self._task.on_progress(done, total)

    def take_prepared(self) -> PreparedImport | None:
        """Hand over the dry run's conversion (to a task); the wizard no longer keeps it."""
        prepared, self.prepared = self.prepared, None
        return prepared

    def adopt_plans(self, plans: list[FilePlan]) -> None:
        """Keep ``plans`` in place of the plans of the same files (cut to their first rows, or read again)."""
        self.plans = list(plans)
        self.mapping_page.adopt_plans(self.plans)

    # ------------------------------------------------------------ closing
    def reject(self) -> None:
        # Esc, Cancel and the window's close button during the import stop the
        # import; the wizard stays open to say what happened (nothing, or
        # everything if it had already ended).
        if (
            self.currentId() == self.IMPORT_PAGE
            and not self.import_page.handle_cancel()
        ):
            return
        super().reject()

    def done(self, result: int) -> None:
        # No task is waited for. Reading a big workbook cannot be interrupted
        # inside calamine: a cancelled read finishes on its own. An import
        # (or one stopping) waits for any other write to the database, and
        # then rolls back: it holds the database (the lease) until it has.
        # A cancelled export leaves no file.
        idle = not self.runner.is_busy and self.import_page.state != "stopping"
        self.cancel_task()
        self.runner.shutdown(wait=False)
        # The conversion and the raw rows are freed off the window's thread;
        # rows a cancelled task may still be reading are not emptied under it.
        plans, self.plans = self.plans, []
        self.mapping_page.forget_plans()
        default_backend.let_go(self.take_prepared(), plans, empty=idle)
        release_frozen()
        super().done(result)

    def show_error(self, error: object) -> None:
        """Tell the user that a step failed, in one sentence when the error carries a message."""
        message = getattr(error, "message", None)
        text = message_text(message) if isinstance(message, Message) else str(error)
        QMessageBox.critical(self, self.tr("Import"), text)


def _interface_language() -> str:
    return "pt_BR" if QLocale().language() == QLocale.Language.Portuguese else "en"
