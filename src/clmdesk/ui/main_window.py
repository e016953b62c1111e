"""The main window: menus, toolbar, status bar, and the page that fits the data (ui layer).

It owns the open :class:`~clmdesk.storage.database.Database` and one
:class:`~clmdesk.workers.runner.TaskRunner` for the long work the user
starts from it (demo creation, imports, classification). Pages receive the
database and load their own data through their own runners.

What the database holds (:func:`~clmdesk.services.workspace.describe_database`:
counts that grow with the data) is re-read on a runner of its own, so the
window stays responsive after each import, undo or classification; only the
latest reading of the open database is shown.

The work on the open database holds it open
(:class:`~clmdesk.ui.database_lease.DatabaseLease`): the window's tasks and
readings while they run, the panel's readings and layout saves, the dialogs
that write to it (import, import history, stage model) while they are open
and their tasks until these end. Switching to another database, or closing
it, cancels that work (a layout save still happens) and lets go of the
database at once, without waiting; the database closes once the last of its
work has ended, so a transaction is never cut off. Quitting while a task or
a layout save still runs on it waits for it to end, with the window showing
so.

Databases open in the background (:class:`~clmdesk.ui.database_opening.DatabaseOpener`):
the window keeps showing the open one, with the actions that need it
disabled, until the new one is ready; an upgrade shows the opening page
instead, and cannot be cancelled.
"""

from __future__ import annotations

import contextlib
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QByteArray,
    QDate,
    QLocale,
    QSettings,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from clmdesk import __version__
from clmdesk.core.days import from_day_number
from clmdesk.settings.preferences import Preferences, save_preferences
from clmdesk.ui.database_lease import DatabaseLease, LeasedTaskRunner
from clmdesk.ui.database_opening import (
    DatabaseOpener,
    OpenedDatabase,
    OpeningStep,
    shown_location,
)
from clmdesk.ui.empty_state import EmptyStatePage
from clmdesk.ui.i18n import message_text
from clmdesk.ui.opening_page import OpeningPage
from clmdesk.ui.task_status import TaskStatusWidget
from clmdesk.workers.runner import TaskRunner

if TYPE_CHECKING:
    from collections.abc import Callable

    from clmdesk.services.panel import SavedPanelLayout
    from clmdesk.services.workspace import DatabaseInfo
    from clmdesk.storage.database import Database

__all__ = ["SPREADSHEET_SUFFIXES", "MainWindow"]

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt")


class MainWindow(QMainWindow):
    """clmdesk's single main window.

    Signals
    -------
    database_changed()
        Another database was opened (or the open one closed).
    database_opened(str)
        The window switched to the database it was asked to open (the target).
    database_open_failed(str)
        Opening the target failed and the error was shown; the database
        open before stays.
    data_ready()
        The current page has finished loading what it shows.
    """

    database_changed = Signal()
    database_opened = Signal(str)
    database_open_failed = Signal(str)
    data_ready = Signal()

    # Internal: the last task on a database (a lease) ended, from any thread.
    _lease_idle = Signal(object)

    def __init__(
        self, preferences: Preferences, language: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.preferences = preferences
        self.language = language
        self.database: Database | None = None
        # The panel layout read with the database's opening, until a panel is built.
        self._panel_layout: SavedPanelLayout | None = None
        self._lease: DatabaseLease | None = None
        self.info: DatabaseInfo | None = None
        self._is_demo = False
        self.setWindowTitle("clmdesk")
        self.setWindowIcon(QIcon.fromTheme("x-office-spreadsheet"))
        self.setAcceptDrops(True)
        self.setMinimumSize(760, 520)

        self.tasks = LeasedTaskRunner(self)
        self._continuation: Any = None
        self.tasks.finished.connect(self._on_task_finished)
        self.tasks.failed.connect(self._on_task_failed)
        self.tasks.cancelled.connect(self._forget_continuation)
        # Apart from ``tasks``: a refresh must neither cancel a running
        # import or classification nor wait behind it.
        self._describer = TaskRunner(self)
        self._describer.finished.connect(self._on_described)
        self._describer.failed.connect(self._show_failure)
        # Dialogs at work on a database, each holding the lease it was opened with.
        self._dialog_leases: dict[QDialog, DatabaseLease] = {}
        self._closing = False  # a close waits for the work on the database to stop
        self._lease_idle.connect(
            self._on_lease_idle, Qt.ConnectionType.QueuedConnection
        )

        self.opener = DatabaseOpener(self)
        self.opener.step_changed.connect(self._on_opening_step)
        self.opener.opened.connect(self._on_database_opened)
        self.opener.failed.connect(self._on_database_open_failed)
        self.opener.cancelled.connect(self._leave_opening)
        self._close_when_opened = False

        self.pages = QStackedWidget()
        self.empty_page = EmptyStatePage()
        self.empty_page.import_requested.connect(self.import_files)
        self.empty_page.demo_requested.connect(self.open_demo)
        self.pages.addWidget(self.empty_page)
        self.opening_page = OpeningPage()
        self.pages.addWidget(self.opening_page)
        # While it stands, pages of the open database wait (see _show_page).
        self._opening_page_up = False
        self._page_before_opening: QWidget = self.empty_page
        self._page_outdated = False
        self.data_page: QWidget | None = None
        self.setCentralWidget(self.pages)

        self._create_actions()
        self._create_menus()
        self._create_toolbar()
        self._create_status_bar()
        self._restore_window_state()
        self._update_actions()

    # ----------------------------------------------------------------- set-up
    def _action(
        self,
        text: str,
        slot: Any,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        icon: str | None = None,
        tip: str | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if icon:
            action.setIcon(QIcon.fromTheme(icon))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _create_actions(self) -> None:
        self.import_action = self._action(
            self.tr("&Import…"),
            self.import_files,
            "Ctrl+I",
            "document-import",
            self.tr("Import customers and sales from Excel or CSV files"),
        )
        self.export_action = self._action(
            self.tr("&Export…"),
            self.export_customers,
            "Ctrl+E",
            "document-export",
            self.tr("Export the customer list with each customer's stage"),
        )
        self.print_action = self._action(
            self.tr("&Print…"),
            self.print_report,
            QKeySequence.StandardKey.Print,
            "document-print",
            self.tr("Print the control panel"),
        )
        self.save_report_action = self._action(
            self.tr("Save &report as…"),
            self.save_report,
            "Ctrl+Shift+S",
            "document-save-as",
            self.tr("Save the control panel as PDF, PNG or SVG"),
        )
        self.open_action = self._action(
            self.tr("&Open database…"),
            self.choose_database,
            QKeySequence.StandardKey.Open,
            "document-open",
            self.tr("Open another business database"),
        )
        self.new_action = self._action(
            self.tr("&New database…"),
            self.create_database,
            QKeySequence.StandardKey.New,
            "document-new",
            self.tr("Start a new, empty business database"),
        )
        self.demo_action = self._action(
            self.tr("Open the &demo"),
            self.open_demo,
            None,
            None,
            self.tr("Explore clmdesk with the data of an example shop"),
        )
        self.quit_action = self._action(
            self.tr("&Quit"),
            self.close,
            QKeySequence.StandardKey.Quit,
            "application-exit",
        )
        self.reclassify_action = self._action(
            self.tr("&Recalculate stages"),
            self.reclassify,
            "F5",
            "view-refresh",
            self.tr("Recompute the monthly history of lifecycle stages"),
        )
        self.settings_action = self._action(
            self.tr("Lifecycle &stages…"),
            self.edit_stage_model,
            QKeySequence.StandardKey.Preferences,
            "preferences-system",
            self.tr("Edit the lifecycle stages and the purchase cycle"),
        )
        self.history_action = self._action(
            self.tr("Import &history…"),
            self.show_import_history,
            "Ctrl+H",
            None,
            self.tr("See and undo earlier imports"),
        )
        self.full_screen_action = self._action(
            self.tr("&Full screen"),
            self._toggle_full_screen,
            QKeySequence.StandardKey.FullScreen,
        )
        self.full_screen_action.setCheckable(True)
        self.about_action = self._action(
            self.tr("&About clmdesk"), self.show_about, None, "help-about"
        )

    def _create_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.print_action)
        file_menu.addAction(self.save_report_action)
        file_menu.addSeparator()
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.open_action)
        self.recent_menu = QMenu(self.tr("Recent &databases"), self)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addMenu(self.recent_menu)
        file_menu.addAction(self.demo_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self.file_menu = file_menu

        view_menu = self.menuBar().addMenu(self.tr("&View"))
        view_menu.addAction(self.reclassify_action)
        view_menu.addAction(self.history_action)
        view_menu.addSeparator()
        view_menu.addAction(self.settings_action)
        view_menu.addSeparator()
        view_menu.addAction(self.full_screen_action)
        self.view_menu = view_menu

        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        help_menu.addAction(self.about_action)
        self.help_menu = help_menu

    def _create_toolbar(self) -> None:
        toolbar = QToolBar(self.tr("Main toolbar"))
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (
            self.import_action,
            self.export_action,
            self.print_action,
            self.save_report_action,
            self.reclassify_action,
        ):
            toolbar.addAction(action)
        self.addToolBar(toolbar)
        self.toolbar = toolbar

    def _create_status_bar(self) -> None:
        self.location_label = QLabel()
        self.as_of_label = QLabel()
        self.task_status = TaskStatusWidget(self.tasks)
        self.opening_status = TaskStatusWidget(self.opener)
        bar = self.statusBar()
        bar.addWidget(self.location_label, 1)
        bar.addPermanentWidget(self.opening_status)
        bar.addPermanentWidget(self.task_status)
        bar.addPermanentWidget(self.as_of_label)

    # ---------------------------------------------------------- window state
    def _restore_window_state(self) -> None:
        settings = QSettings()
        geometry = settings.value("main_window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        state = settings.value("main_window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)

    def save_window_state(self) -> None:
        """Remember geometry and toolbar state for the next start."""
        settings = QSettings()
        settings.setValue("main_window/geometry", self.saveGeometry())
        settings.setValue("main_window/state", self.saveState())
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.opener.is_upgrading:
            # Quitting mid-upgrade would leave the process running unseen
            # until the upgrade ends: close once it has.
            self._close_when_opened = True
            self.opening_page.show_closing()
            event.ignore()
            return
        self.opener.shutdown()
        self._stop_work()
        if self.data_page is not None and hasattr(
            self.data_page, "save_pending_layout"
        ):
            # Saved in the background, holding the database: waited for below.
            self.data_page.save_pending_layout()
        if self._lease is not None and self._lease.is_busy:
            # Like an upgrade, a task stopping (rolling back) would otherwise
            # keep the process running unseen: the window stays, says so,
            # and closes once the task has ended (_on_lease_idle).
            if not self._closing:
                self._closing = True
                self.task_status.show_stopping(
                    self.tr("Stopping the current task before closing…")
                )
                self._update_actions()
            event.ignore()
            return
        self.save_window_state()
        # Nothing runs on the database any more; a task without one (the
        # demo being prepared) was cancelled and ends on its own.
        self.tasks.shutdown(wait=False)
        # A reading still running closes the database when it ends (the lease).
        self._describer.shutdown(wait=False)
        if self.data_page is not None and hasattr(self.data_page, "shutdown"):
            self.data_page.shutdown()
        self._let_go_of_database()
        super().closeEvent(event)

    def _stop_work(self) -> None:
        """Cancel the work on the open database: tasks, readings and the dialogs at work.

        GUI thread; returns at once. A dialog stops its work as its Cancel
        does, and may stay open to say what became of it.
        """
        self.tasks.cancel()
        self._describer.cancel()
        for dialog, lease in list(self._dialog_leases.items()):
            if lease is self._lease:
                dialog.reject()

    def _let_go_of_database(self) -> None:
        """The window is done with the open database: it closes once its work has ended."""
        if self._lease is not None:
            self._lease.release()
        self._lease = self.tasks.lease = None

    @Slot(object)
    def _on_lease_idle(self, lease: object) -> None:
        if self._closing and lease is self._lease:
            self.close()

    # ------------------------------------------------------------- databases
    def open_database(self, target: str, *, is_demo: bool = False) -> bool:
        """Start opening (creating and upgrading if needed) the database at ``target``.

        GUI thread only; returns at once. The window switches to the new
        database once it is ready (``database_opened``); on failure it shows
        the error and keeps the open one (``database_open_failed``). An
        opening still connecting is abandoned for this one. Returns False,
        starting nothing, while an upgrade runs (it cannot be interrupted)
        or while the window closes.
        """
        if self._closing:
            return False
        return self.opener.start(target, is_demo=is_demo)

    @Slot(int)
    def _on_opening_step(self, step: int) -> None:
        opening_step = OpeningStep(step)
        self.opening_status.set_task_name(self._opening_text(opening_step))
        self.opening_status.set_cancellable(opening_step == OpeningStep.CONNECTING)
        # Without data to keep showing (at start-up, or the welcome page whose
        # buttons must wait), or once an upgrade starts, the opening page says
        # what happens.
        if (
            opening_step != OpeningStep.CONNECTING
            or self.pages.currentWidget() is self.empty_page
        ):
            self._raise_opening_page()
        self.opening_page.show_step(opening_step, shown_location(self.opener.target))
        self._update_actions()

    def _opening_text(self, step: OpeningStep) -> str:
        if step == OpeningStep.BACKING_UP:
            return self.tr("Backing up the database…")
        if step == OpeningStep.UPGRADING:
            return self.tr("Upgrading the database to this version of clmdesk…")
        if step == OpeningStep.UPGRADED:
            return self.tr("Database upgraded; opening it…")
        return self.tr("Opening database…")

    def _raise_opening_page(self) -> None:
        if not self._opening_page_up:
            self._opening_page_up = True
            self._page_before_opening = self.pages.currentWidget() or self.empty_page
            self.pages.setCurrentWidget(self.opening_page)

    @Slot()
    def _leave_opening(self) -> None:
        """The opening ended without a switch: show the open database's page again."""
        if self._opening_page_up:
            self._opening_page_up = False
            if self._page_outdated or self.database is None:
                self._show_page()
            else:
                self.pages.setCurrentWidget(self._page_before_opening)
        self._update_actions()

    @Slot(object)
    def _on_database_opened(self, opened: OpenedDatabase) -> None:
        if not opened.is_demo:
            self.preferences.remember_database(opened.target)
            save_preferences(self.preferences)
        if self._close_when_opened:
            opened.database.close()
            self.close()
            return
        self._opening_page_up = False
        self._panel_layout = opened.panel_layout
        self._set_database(opened.database, is_demo=opened.is_demo, info=opened.info)
        self.database_opened.emit(opened.target)
        if opened.info.needs_classification and not opened.is_demo:
            self.reclassify()
        if opened.warning is not None:
            QMessageBox.warning(
                self,
                self.tr("Database in a shared folder"),
                message_text(opened.warning),
            )

    @Slot(str, object)
    def _on_database_open_failed(self, target: str, error: object) -> None:
        self._leave_opening()
        if self._close_when_opened:
            self.close()
            return
        message = getattr(error, "message", None)
        QMessageBox.critical(
            self,
            self.tr("Cannot open the database"),
            message_text(message) if message is not None else str(error),
        )
        self.database_open_failed.emit(target)

    def _set_database(
        self, database: Database, *, is_demo: bool, info: DatabaseInfo
    ) -> None:
        # Whatever still runs on the old database is cancelled, not waited
        # for: the old database closes once it has ended (its lease), and
        # its late results are dropped (runners) or ignored (dialogs).
        self._stop_work()
        if self.data_page is not None:
            if hasattr(self.data_page, "shutdown"):
                self.data_page.shutdown()
            self.pages.removeWidget(self.data_page)
            self.data_page.deleteLater()
            self.data_page = None
        self._let_go_of_database()
        self.database = database
        self._lease = DatabaseLease(database, self._idle_notice())
        self.tasks.lease = self._lease
        self._is_demo = is_demo
        self.info = info
        self._show_page()
        self._update_actions()
        self.database_changed.emit()

    def _idle_notice(self) -> Callable[[DatabaseLease], None]:
        """What a lease calls, on any thread, when the last task on it has ended."""
        signal = self._lease_idle

        def notice(lease: DatabaseLease) -> None:
            # The window may be gone by then (deleted): nobody listens.
            with contextlib.suppress(RuntimeError):
                signal.emit(lease)

        return notice

    def _hold_while_open(self, dialog: QDialog) -> None:
        """``dialog`` works on the open database: keep the database open until it is done."""
        if self._lease is None:
            return  # the window has closed
        self._lease.hold()
        self._dialog_leases[dialog] = self._lease
        dialog.finished.connect(self._on_dialog_finished)

    @Slot(int)
    def _on_dialog_finished(self, _result: int) -> None:
        lease = self._dialog_leases.pop(self.sender(), None)  # type: ignore[call-overload]
        if lease is not None:
            lease.let_go()

    def _is_current(self, dialog: object) -> bool:
        """Whether ``dialog`` (a sender) works on the database the window shows."""
        database = getattr(dialog, "database", None)
        return database is not None and database is self.database

    @Slot()
    def refresh(self) -> None:
        """Re-read what the open database holds, then show the right page.

        GUI thread only; returns at once. The database is read on a worker;
        title, status bar and page follow when the reading arrives. A newer
        refresh, or another database, drops a reading still under way.
        """
        if self._lease is None:
            self._describer.cancel()
            self._apply_info(None)
            return
        self._describer.start(self._lease.describe)

    @Slot(object)
    def _on_described(self, result: tuple[Database, DatabaseInfo]) -> None:
        database, info = result
        if database is self.database:  # the runner drops stale readings; defensive
            self._apply_info(info)

    def _apply_info(self, info: DatabaseInfo | None) -> None:
        self.info = info
        self._show_page()
        self._update_actions()

    def _show_page(self) -> None:
        """Show the page that fits ``self.info`` (once the opening page is gone)."""
        if self._opening_page_up:
            self._page_outdated = True
            return
        self._page_outdated = False
        if self.info is None or not self.info.has_data:
            self.pages.setCurrentWidget(self.empty_page)
            # Bound to the window: a window deleted meanwhile emits nothing.
            QTimer.singleShot(0, self, self.data_ready.emit)
        else:
            self._show_data_page()

    def _show_data_page(self) -> None:
        if self.data_page is None:
            assert self.database is not None
            page_module = importlib.import_module("clmdesk.ui.dashboard.panel_page")
            page = page_module.PanelPage(
                self.database, lease=self._lease, saved_layout=self._panel_layout
            )
            self._panel_layout = None  # the page keeps its layout up to date
            if hasattr(page, "data_ready"):
                page.data_ready.connect(self.data_ready)
            self.data_page = page
            self.pages.addWidget(page)
        self.pages.setCurrentWidget(self.data_page)
        self.data_page.refresh()  # type: ignore[union-attr]

    def _update_actions(self) -> None:
        # While another database opens, nothing may act on the open one: it
        # is closed once the new one is ready. While the window closes,
        # nothing may start at all.
        opening = self.opener.is_busy or self._closing
        upgrading = self.opener.is_upgrading or self._closing
        has_database = self.database is not None and not opening
        has_data = bool(self.info and self.info.has_data) and not opening
        self.import_action.setEnabled(has_database and not self._is_demo)
        self.empty_page.import_button.setEnabled(not opening)
        for action in (self.open_action, self.new_action, self.demo_action):
            action.setEnabled(not upgrading)
        self.recent_menu.setEnabled(not upgrading)
        self.empty_page.demo_button.setEnabled(not upgrading)
        for action in (
            self.export_action,
            self.print_action,
            self.save_report_action,
            self.reclassify_action,
            self.settings_action,
        ):
            action.setEnabled(has_data)
        self.history_action.setEnabled(has_database and not self._is_demo)
        if self.data_page is not None and hasattr(
            self.data_page, "set_actions_enabled"
        ):
            self.data_page.set_actions_enabled(not self._closing)
        title = "clmdesk"
        if self.info is not None:
            name = self.info.business_name or (
                self.database.location if self.database else ""
            )
            title = f"{name} — clmdesk" if name else title
            if self._is_demo:
                title = self.tr("{name} (demo) — clmdesk").format(name=name)
        self.setWindowTitle(title)
        self.location_label.setText(self.database.location if self.database else "")
        as_of = ""
        if self.info is not None and self.info.latest_day is not None:
            latest = from_day_number(self.info.latest_day)
            as_of = QLocale().toString(
                QDate(latest.year, latest.month, latest.day),
                QLocale.FormatType.ShortFormat,
            )
        self.as_of_label.setText(
            self.tr("Data up to {date}").format(date=as_of) if as_of else ""
        )

    @Slot()
    def choose_database(self) -> None:
        """Ask for a database file and open it."""
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Open database"),
            self.preferences.last_folder,
            self.tr("clmdesk databases (*.sqlite3 *.sqlite *.db);;All files (*)"),
        )
        if path:
            self.open_database(path)

    @Slot()
    def create_database(self) -> None:
        """Ask where to create a new, empty database and open it."""
        path, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("New database"),
            self.preferences.last_folder,
            self.tr("clmdesk databases (*.sqlite3)"),
        )
        if path:
            if not path.endswith((".sqlite3", ".sqlite", ".db")):
                path += ".sqlite3"
            self.open_database(path)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for target in self.preferences.recent_databases:
            action = self.recent_menu.addAction(target)
            action.triggered.connect(
                lambda _checked=False, chosen=target: self.open_database(chosen)
            )
        if not self.preferences.recent_databases:
            empty = self.recent_menu.addAction(self.tr("No recent databases"))
            empty.setEnabled(False)

    @Slot()
    def open_demo(self) -> None:
        """Open the demo business, creating it in the background on first use."""
        if self.opener.is_upgrading:
            return  # the demo could not be opened before the upgrade ends
        from clmdesk.services.demo import demo_database_path, ensure_demo_database
        from clmdesk.settings.paths import default_database_path

        anchor = (
            self.database.path
            if self.database is not None and not self._is_demo and self.database.path
            else default_database_path()
        )
        target = demo_database_path(anchor)
        self._run_task(
            self.tr("Preparing the demo…"),
            ensure_demo_database,
            target,
            on_finished=self._on_demo_ready,
        )

    @Slot(object)
    def _on_demo_ready(self, path: object) -> None:
        self.open_database(str(path), is_demo=True)

    # ----------------------------------------------------------------- tasks
    def _run_task(
        self, name: str, fn: Any, *args: Any, on_finished: Any = None
    ) -> None:
        if self._closing:
            return  # the window waits for the work to stop, not for more
        self.task_status.set_task_name(name)
        # Start first: starting cancels the previous task, whose "cancelled"
        # must not clear the continuation of the new one.
        self.tasks.start(fn, *args)
        self._continuation = on_finished

    @Slot(object)
    def _on_task_finished(self, result: object) -> None:
        continuation, self._continuation = self._continuation, None
        if continuation is not None:
            continuation(result)

    @Slot()
    def _forget_continuation(self) -> None:
        self._continuation = None

    @Slot(object)
    def _on_task_failed(self, error: object) -> None:
        self._continuation = None
        self._show_failure(error)

    @Slot(object)
    def _show_failure(self, error: object) -> None:
        message = getattr(error, "message", None)
        text = message_text(message) if message is not None else str(error)
        QMessageBox.critical(self, self.tr("Something went wrong"), text)

    @Slot()
    def reclassify(self) -> None:
        """Recompute the lifecycle history in the background, then refresh the page."""
        if self.database is None:
            return
        from clmdesk.services.classification import classify

        self._run_task(
            self.tr("Classifying customers…"),
            classify,
            self.database,
            on_finished=lambda _result: self.refresh(),
        )

    # --------------------------------------------------------------- imports
    @Slot()
    def import_files(self, paths: list[str] | None = None) -> None:
        """Start the import wizard, with ``paths`` already chosen when given."""
        if self.opener.is_busy:
            return  # the database it would import into is being replaced
        if self.database is None or self._is_demo:
            QMessageBox.information(
                self,
                self.tr("Import"),
                self.tr(
                    "The demo cannot receive imports. Open or create your own database first (File ▸ New database…)."
                ),
            )
            return
        wizard_module = importlib.import_module("clmdesk.ui.import_wizard")
        wizard = wizard_module.ImportWizard(
            self.database,
            self.preferences,
            list(paths or []),
            self,
            lease=self._lease,
        )
        wizard.import_finished.connect(self._after_import)
        self._hold_while_open(wizard)
        wizard.open()

    @Slot(object)
    def _after_import(self, _summary: object) -> None:
        if not self._is_current(self.sender()):
            return  # written late into a database the window has left
        self.refresh()
        self.reclassify()

    @Slot()
    def show_import_history(self) -> None:
        """Show the list of import batches, where one can be undone."""
        if self.database is None:
            return
        module = importlib.import_module("clmdesk.ui.import_history")
        dialog = module.ImportHistoryDialog(self.database, self, lease=self._lease)
        dialog.batch_undone.connect(self._after_import)
        self._hold_while_open(dialog)
        dialog.open()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if not self.opener.is_busy and _dropped_spreadsheets(event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = _dropped_spreadsheets(event.mimeData().urls())
        if paths:
            event.acceptProposedAction()
            self.import_files(paths)

    # ------------------------------------------------------ exports, reports
    @Slot()
    def export_customers(self) -> None:
        """Export every customer with its stage at the latest snapshot."""
        module = importlib.import_module("clmdesk.ui.exporting")
        module.export_customer_list(self)

    @Slot()
    def print_report(self) -> None:
        """Print the control panel, with a preview."""
        module = importlib.import_module("clmdesk.ui.reports")
        module.print_widget(self, self._report_widget())

    @Slot()
    def save_report(self) -> None:
        """Save the control panel as PDF, PNG or SVG."""
        module = importlib.import_module("clmdesk.ui.reports")
        module.save_widget(self, self._report_widget())

    def _report_widget(self) -> QWidget:
        return self.data_page if self.data_page is not None else self.empty_page

    @Slot()
    def edit_stage_model(self) -> None:
        """Open the lifecycle stage settings."""
        if self.database is None:
            return
        module = importlib.import_module("clmdesk.ui.dialogs.stage_model_dialog")
        dialog = module.StageModelDialog(self.database, self, lease=self._lease)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if hasattr(dialog, "model_saved"):
            dialog.model_saved.connect(self._after_stage_model_saved)
        self._hold_while_open(dialog)
        dialog.open()

    @Slot()
    def _after_stage_model_saved(self) -> None:
        if self._is_current(self.sender()):
            self.reclassify()

    @Slot()
    def show_about(self) -> None:
        """The About box."""
        QMessageBox.about(
            self,
            self.tr("About clmdesk"),
            self.tr(
                "<h3>clmdesk {version}</h3>"
                "<p>Customer lifecycle management for small businesses: import your sales, "
                "see how many customers are new, loyal, at risk or lost, month by month.</p>"
                "<p>Your data stays on this computer.</p>"
            ).format(version=__version__),
        )

    @Slot(bool)
    def _toggle_full_screen(self, on: bool) -> None:
        self.showFullScreen() if on else self.showNormal()


def _dropped_spreadsheets(urls: list[Any]) -> list[str]:
    paths = [url.toLocalFile() for url in urls if url.isLocalFile()]
    return [path for path in paths if Path(path).suffix.lower() in SPREADSHEET_SUFFIXES]


def application() -> QApplication:
    """The running QApplication (for type checkers)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return app
