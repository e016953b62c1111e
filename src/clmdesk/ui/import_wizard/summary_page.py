"""Third page of the import wizard: the dry run, i.e. what the import will do (ui layer).

The dry run is computed by the same service code as the import, without
writing, so its counts are the import's. It takes the plans' raw rows over
and lets go of them once converted (the wizard keeps their first rows to
show); its conversion is kept for the import (:attr:`ImportWizard.prepared`),
also across Back, where the next dry run reuses it if nothing was edited.
This page is the wizard's commit page: its "Import" button starts the real
import. GUI thread only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from clmdesk.services.importing import PreparedImport, first_rows
from clmdesk.ui.i18n import message_text
from clmdesk.ui.import_wizard.labels import count_text
from clmdesk.ui.import_wizard.models import (
    ConflictsModel,
    ReasonCountsModel,
    SheetCountsModel,
)
from clmdesk.ui.import_wizard.widgets import BusyPanel, CountsGrid

if TYPE_CHECKING:
    from clmdesk.ui.import_wizard.wizard import ImportWizard

__all__ = [
    "SummaryPage",
    "conflicts_tab",
    "rejected_rows_of",
    "show_conflicts",
    "table_view",
]

_LOADING, _CONTENT, _FAILED = range(3)


def table_view(model: Any, name: str, stretch: int | None = None) -> QTableView:
    """A read-only, row-selecting table view for a counts model."""
    view = QTableView()
    view.setModel(model)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is None:
        header.setStretchLastSection(True)
    else:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    view.setAccessibleName(name)
    return view


def conflicts_tab(tabs: QTabWidget, parent: Any) -> ConflictsModel:
    """Add the "Different values" tab to ``tabs``; returns its model."""
    model = ConflictsModel(parent)
    view = table_view(
        model,
        QCoreApplication.translate(
            "ImportWizard", "Customer fields that keep their value"
        ),
        ConflictsModel.COL_OFFERED,
    )
    tabs.addTab(view, QCoreApplication.translate("ImportWizard", "&Different values"))
    return model


def show_conflicts(
    tabs: QTabWidget, index: int, model: ConflictsModel, summary: Any
) -> None:
    """Fill the "Different values" tab from a summary (disabled when there are none)."""
    conflicts = tuple(getattr(summary, "conflicts", ()) or ())
    model.set_rows(conflicts)
    count = int(getattr(summary, "conflict_count", len(conflicts)) or 0)
    tabs.setTabText(
        index,
        QCoreApplication.translate(
            "ImportWizard", "&Different values ({count})"
        ).format(count=count_text(count))
        if count
        else QCoreApplication.translate("ImportWizard", "&Different values"),
    )
    tabs.setTabEnabled(index, bool(conflicts))


def rejected_rows_of(summary: Any) -> tuple[Any, ...]:
    """The rejected rows a summary carries (empty when it carries none)."""
    return tuple(getattr(summary, "rejected_rows", ()) or ())


class SummaryPage(QWizardPage):
    """The dry run's counts; "Import" commits."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self._running = False
        self.summary: Any = None
        self.setTitle(self.tr("Check what will be imported"))
        self.setSubTitle(
            self.tr(
                "Nothing has been written yet. These are the exact counts the import will "
                "produce; click “Import” to go ahead."
            )
        )
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("&Import"))

        self.busy = BusyPanel()
        self.counts = CountsGrid(future=True)
        self.nothing_label = QLabel()
        self.nothing_label.setObjectName("nothingNew")
        self.nothing_label.setWordWrap(True)
        self.nothing_label.hide()

        self.sheet_model = SheetCountsModel(self)
        self.sheet_view = table_view(
            self.sheet_model, self.tr("Rows of each sheet"), SheetCountsModel.COL_SHEET
        )
        self.reason_model = ReasonCountsModel(self)
        self.reason_view = table_view(
            self.reason_model, self.tr("Rows that will be rejected")
        )
        self.tabs = QTabWidget()
        self.tabs.addTab(self.sheet_view, self.tr("By &sheet"))
        self.tabs.addTab(self.reason_view, self.tr("&Rejected rows"))
        self.conflict_model = conflicts_tab(self.tabs, self)

        counts_holder = QWidget()
        counts_layout = QVBoxLayout(counts_holder)
        counts_layout.setContentsMargins(0, 0, 0, 0)
        counts_layout.addWidget(self.counts)
        counts_layout.addWidget(self.nothing_label)

        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addWidget(counts_holder)
        content_layout.addWidget(self.tabs, 1)

        self.failure_label = QLabel()
        self.failure_label.setWordWrap(True)
        self.failure_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.failure_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )

        self.stack = QStackedWidget()
        self.stack.addWidget(self.busy)
        self.stack.addWidget(content)
        self.stack.addWidget(self.failure_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

    # ------------------------------------------------------------- wizard
    def initializePage(self) -> None:
        self.summary = None
        wizard = self._wizard
        plans = tuple(wizard.plans)
        # The dry run owns the raw rows from here on (it lets go of them once
        # converted); the pages keep what they show. An edit on the way back
        # reads the files again.
        wizard.adopt_plans(list(first_rows(plans)))
        self._running = True
        self.stack.setCurrentIndex(_LOADING)
        self.busy.start(self.tr("Checking the rows against your data…"))
        self.completeChanged.emit()
        wizard.run_task(
            "dry_run",
            wizard.backend.dry_run,
            wizard.database,
            plans,
            # The previous dry run (Back, then Next): reused if nothing changed.
            wizard.take_prepared(),
            on_finished=self._on_dry_run,
            on_failed=self._on_failed,
            on_cancelled=self._on_cancelled,
            on_progress=self.busy.set_progress,
        )

    def cleanupPage(self) -> None:
        # Back: the conversion stays for the next dry run, which reuses it
        # unless a mapping is edited meanwhile (the edit lets it go).
        if self._running:
            self._wizard.cancel_task()

    def isComplete(self) -> bool:
        return self.summary is not None and _has_changes(self.summary)

    # -------------------------------------------------------------- tasks
    def _on_dry_run(self, result: object) -> None:
        self._running = False
        summary: Any = result
        if isinstance(result, PreparedImport):
            self._wizard.prepared = result
            summary = result.summary
        self.summary = summary
        self._wizard.summary = summary
        self.counts.show_summary(summary)
        self.sheet_model.set_rows(summary.sheets)
        rejected = rejected_rows_of(summary)
        self.reason_model.set_rows(rejected)
        self.tabs.setTabText(
            1,
            self.tr("&Rejected rows ({count})").format(count=count_text(len(rejected)))
            if rejected
            else self.tr("&Rejected rows"),
        )
        self.tabs.setTabEnabled(1, bool(rejected))
        show_conflicts(self.tabs, 2, self.conflict_model, summary)
        if not _has_changes(summary):
            self.nothing_label.setText(
                "ℹ "
                + self.tr(
                    "Nothing new to import: every row is already in your data, anonymous or rejected."
                )
            )
            self.nothing_label.show()
        else:
            self.nothing_label.hide()
        self.stack.setCurrentIndex(_CONTENT)
        self.completeChanged.emit()

    def _on_failed(self, error: object) -> None:
        self._running = False
        message = getattr(error, "message", None)
        detail = message_text(message) if message is not None else str(error)
        self.failure_label.setText(
            self.tr("The files could not be checked:") + "\n" + detail
        )
        self.stack.setCurrentIndex(_FAILED)
        self.completeChanged.emit()

    def _on_cancelled(self) -> None:
        self._running = False
        self.completeChanged.emit()


def _has_changes(summary: Any) -> bool:
    return bool(
        summary.imported
        or summary.customers_new
        or getattr(summary, "fields_filled", 0)
    )
