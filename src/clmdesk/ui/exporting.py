"""File ▸ Export…: the customer list with each customer's stage, as xlsx or csv (ui layer).

Asks where to save (remembering the last folder and format), then writes
every customer with stage, group, purchases, days since the last purchase,
total spent, first and last purchase, e-mail, phone, city and state through
the safe list writer, in the people dialect of the interface language
(:mod:`clmdesk.services.customer_export`). The writing runs in the main
window's task runner, with progress and cancel in the status bar.

GUI thread only.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QDir, QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QWidget

from clmdesk.core.days import from_day_number
from clmdesk.core.messages import Message
from clmdesk.services.customer_export import (
    COLUMNS,
    SHEET_TITLE,
    CustomerExportResult,
)
from clmdesk.services.customer_export import (
    export_customer_list as write_customer_list,
)
from clmdesk.ui.charts.formatting import format_count, interface_language
from clmdesk.ui.i18n import message_text

if TYPE_CHECKING:
    from clmdesk.storage.database import Database

__all__ = [
    "ask_export_path",
    "column_titles",
    "export_customer_list",
    "start_customer_export",
    "suggested_export_name",
]

_LAST_FOLDER_KEY = "export/last_folder"
_LAST_FORMAT_KEY = "export/last_format"
_FORMATS = ("xlsx", "csv")


def tr(text: str) -> str:
    """Translate a string of the export dialog (context ``Exporting``)."""
    return QCoreApplication.translate("Exporting", text)


def column_titles() -> list[str]:
    """The export's column titles in the interface language."""
    return [message_text(Message(column)) for column in COLUMNS]


def _filters() -> dict[str, str]:
    return {
        "xlsx": tr("Excel workbook (*.xlsx)"),
        "csv": tr("CSV file, for any spreadsheet (*.csv)"),
    }


def _start_folder(window: QWidget) -> str:
    stored = QSettings().value(_LAST_FOLDER_KEY, "")
    if isinstance(stored, str) and stored and Path(stored).is_dir():
        return stored
    preferences = getattr(window, "preferences", None)
    folder = getattr(preferences, "last_folder", "")
    if isinstance(folder, str) and folder and Path(folder).is_dir():
        return folder
    documents = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation
    )
    return documents or QDir.homePath()


def suggested_export_name(window: QWidget, extension: str) -> str:
    """``<business> - Customers - <yyyy-mm-dd>.<ext>`` (the date of the latest data)."""
    info = getattr(window, "info", None)
    parts = []
    business = getattr(info, "business_name", None)
    if isinstance(business, str) and business.strip():
        parts.append(business.strip())
    parts.append(tr("Customers"))
    latest = getattr(info, "latest_day", None)
    if isinstance(latest, int):
        parts.append(from_day_number(latest).isoformat())
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", " - ".join(parts)).strip(" .")
    return f"{name or 'customers'}.{extension}"


def ask_export_path(window: QWidget) -> Path | None:
    """Ask where to export; ``None`` when the user cancels. Remembers folder and format."""
    settings = QSettings()
    chosen = str(settings.value(_LAST_FORMAT_KEY, "xlsx"))
    if chosen not in _FORMATS:
        chosen = "xlsx"
    filters = _filters()
    start = str(Path(_start_folder(window)) / suggested_export_name(window, chosen))
    path, selected = QFileDialog.getSaveFileName(
        window,
        tr("Export customer list"),
        start,
        ";;".join(filters.values()),
        filters[chosen],
    )
    if not path:
        return None
    target = Path(path)
    by_filter = next((ext for ext, text in filters.items() if text == selected), chosen)
    if target.suffix.lower().lstrip(".") not in _FORMATS:
        target = target.with_name(f"{target.name}.{by_filter}")
    settings.setValue(_LAST_FOLDER_KEY, str(target.parent))
    settings.setValue(_LAST_FORMAT_KEY, target.suffix.lower().lstrip("."))
    return target


def _language(window: QWidget) -> str:
    language = getattr(window, "language", None)
    return language if isinstance(language, str) and language else interface_language()


def start_customer_export(window: QWidget, database: Database, target: Path) -> None:
    """Write the customer list to ``target`` in the window's task runner.

    ``window`` provides ``tasks`` (a :class:`~clmdesk.workers.runner.TaskRunner`)
    and, optionally, ``task_status`` and a status bar for the outcome.
    """
    tasks: Any = window.tasks  # type: ignore[attr-defined]
    status = getattr(window, "task_status", None)
    if status is not None and hasattr(status, "set_task_name"):
        status.set_task_name(tr("Exporting customers…"))
    # Start first: starting cancels any earlier task, and that cancel must
    # not reach the handlers below. Results arrive through queued signals.
    tasks.start(
        write_customer_list,
        database,
        target,
        column_titles(),
        _language(window),
        sheet_title=message_text(Message(SHEET_TITLE)),
    )
    connections: list[tuple[Any, Any]] = []

    def disconnect() -> None:
        for signal, slot in connections:
            with contextlib.suppress(RuntimeError, TypeError):  # already gone
                signal.disconnect(slot)
        connections.clear()

    def done(result: object) -> None:
        disconnect()
        if isinstance(result, CustomerExportResult) and isinstance(window, QMainWindow):
            window.statusBar().showMessage(
                tr("Exported {count} customers to {path}").format(
                    count=format_count(result.customers), path=str(result.path)
                ),
                10_000,
            )

    def failed(_error: object) -> None:
        # The window's own failure handler tells the user what went wrong.
        disconnect()

    for signal, slot in (
        (tasks.finished, done),
        (tasks.failed, failed),
        (tasks.cancelled, disconnect),
    ):
        signal.connect(slot)
        connections.append((signal, slot))


def export_customer_list(main_window: QWidget) -> None:
    """File ▸ Export…: ask for a file, then export every customer with its stage."""
    database = getattr(main_window, "database", None)
    if database is None:
        return
    tasks = getattr(main_window, "tasks", None)
    if getattr(tasks, "is_busy", False):
        # Starting a task cancels the running one (an import, a classification).
        QMessageBox.information(
            main_window,
            tr("Export customer list"),
            tr("Please wait until the current task has finished, then export again."),
        )
        return
    target = ask_export_path(main_window)
    if target is None:
        return
    start_customer_export(main_window, database, target)
