"""First page of the import wizard: choose or drop the files (ui layer)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWizardPage,
)

from clmdesk.settings.preferences import save_preferences
from clmdesk.ui.import_wizard.models import FileListModel

if TYPE_CHECKING:
    from collections.abc import Sequence

    from clmdesk.settings.preferences import Preferences

__all__ = ["SPREADSHEET_SUFFIXES", "FilesPage", "spreadsheet_paths"]

#: Suffixes offered by the file dialog and accepted on drops (content decides the reader).
SPREADSHEET_SUFFIXES = (
    ".xlsx",
    ".xlsm",
    ".xlsb",
    ".xls",
    ".ods",
    ".csv",
    ".txt",
    ".tsv",
)


def spreadsheet_paths(urls: Sequence[QUrl]) -> list[str]:
    """The local spreadsheet files among dropped URLs."""
    paths = []
    for url in urls:
        if url.isLocalFile():
            path = url.toLocalFile()
            if Path(path).suffix.lower() in SPREADSHEET_SUFFIXES:
                paths.append(path)
    return paths


class FilesPage(QWizardPage):
    """The files to import: added with a file dialog or dropped on the page.

    Signals
    -------
    files_changed()
        The list of files changed.
    """

    files_changed = Signal()

    def __init__(
        self, preferences: Preferences, parent: QWizardPage | None = None
    ) -> None:
        super().__init__(parent)
        self._preferences = preferences
        self.setTitle(self.tr("Choose the spreadsheets to import"))
        self.setSubTitle(
            self.tr(
                "Excel (.xlsx, .xls), OpenDocument (.ods) or CSV files exported from your "
                "ERP, online store or point of sale. Drop them here or add them with the button."
            )
        )
        self.setAcceptDrops(True)

        self.model = FileListModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.verticalHeader().hide()
        self.view.setShowGrid(False)
        self.view.setAlternatingRowColors(True)
        self.view.setAcceptDrops(False)  # the page takes the drop
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(
            FileListModel.COL_NAME, QHeaderView.ResizeMode.ResizeToContents
        )
        header.setSectionResizeMode(
            FileListModel.COL_FOLDER, QHeaderView.ResizeMode.Stretch
        )
        header.setSectionResizeMode(
            FileListModel.COL_SIZE, QHeaderView.ResizeMode.ResizeToContents
        )
        self.view.setAccessibleName(self.tr("Files to import"))

        self.drop_hint = QLabel(
            self.tr("Drop Excel or CSV files here, or click “Add files…”.")
        )
        self.drop_hint.setObjectName("dropHint")
        self.drop_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_hint.setMinimumHeight(64)
        self.drop_hint.setEnabled(False)

        self.add_button = QPushButton(self.tr("&Add files…"))
        self.add_button.clicked.connect(self.choose_files)
        self.remove_button = QPushButton(self.tr("&Remove"))
        self.remove_button.setToolTip(
            self.tr("Remove the selected files from the list (Del)")
        )
        self.remove_button.clicked.connect(self.remove_selected)
        self.remove_button.setEnabled(False)
        QShortcut(
            QKeySequence(QKeySequence.StandardKey.Delete),
            self.view,
            self.remove_selected,
        )

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.drop_hint)
        layout.addLayout(buttons)

        self.model.modelReset.connect(self._on_files_changed)
        self.model.rowsInserted.connect(self._on_files_changed)
        self.model.rowsRemoved.connect(self._on_files_changed)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)

    # --------------------------------------------------------------- files
    def paths(self) -> list[str]:
        """The chosen files."""
        return self.model.paths()

    def add_paths(self, paths: list[str]) -> None:
        """Add files to the list (already listed ones are skipped)."""
        self.model.add_paths(paths)

    @Slot()
    def choose_files(self) -> None:
        """Ask for files with the system dialog, starting in the last folder used."""
        patterns = " ".join(f"*{suffix}" for suffix in SPREADSHEET_SUFFIXES)
        filters = ";;".join(
            (
                self.tr("Spreadsheets ({patterns})").format(patterns=patterns),
                self.tr("All files (*)"),
            )
        )
        paths, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Import spreadsheets"), self._preferences.last_folder, filters
        )
        if paths:
            self._remember_folder(paths[0])
            self.add_paths(paths)

    def _remember_folder(self, path: str) -> None:
        folder = str(Path(path).parent)
        if folder != self._preferences.last_folder:
            self._preferences.last_folder = folder
            # A read-only profile only loses the convenience.
            with contextlib.suppress(OSError):
                save_preferences(self._preferences)

    @Slot()
    def remove_selected(self) -> None:
        """Remove the selected files."""
        rows = [index.row() for index in self.view.selectionModel().selectedRows()]
        self.model.remove_rows(rows)

    @Slot()
    def _on_files_changed(self) -> None:
        empty = self.model.rowCount() == 0
        self.drop_hint.setText(
            self.tr("Drop Excel or CSV files here, or click “Add files…”.")
            if empty
            else self.tr("Drop more files here to import them together.")
        )
        self._update_buttons()
        self.files_changed.emit()
        self.completeChanged.emit()

    @Slot()
    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.view.selectionModel().hasSelection())

    # ----------------------------------------------------------- drag and drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if spreadsheet_paths(event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = spreadsheet_paths(event.mimeData().urls())
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    # ------------------------------------------------------------- wizard
    def initializePage(self) -> None:
        self.add_button.setFocus()

    def isComplete(self) -> bool:
        return self.model.rowCount() > 0
