"""The wizard as the main window opens it: dropped files, then the data page after the import."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import shiboken6

from clmdesk.settings.preferences import Preferences
from clmdesk.ui.import_wizard import ImportWizard
from clmdesk.ui.main_window import MainWindow


def write_orders(path: Path) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Customer ID", "Order date", "Amount", "Invoice"])
    for number, customer in enumerate(["A", "B", "A", "C"], start=1):
        sheet.append([customer, datetime(2024, number, 3), 25.0 * number, f"N{number}"])
    workbook.save(path)
    workbook.close()
    return path


def test_dropped_file_is_imported_and_shown(
    qtbot, db_path: Path, tmp_path: Path
) -> None:
    path = write_orders(tmp_path / "orders.xlsx")
    window = MainWindow(Preferences(), "en")
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.data_ready, timeout=10000):
        assert window.open_database(str(db_path))

    window.import_files([str(path)])
    wizard = window.findChild(ImportWizard)
    assert wizard is not None
    qtbot.waitUntil(lambda: wizard.currentId() == wizard.MAPPING_PAGE, timeout=5000)
    qtbot.waitUntil(wizard.mapping_page.isComplete, timeout=20000)
    wizard.next()
    qtbot.waitUntil(wizard.summary_page.isComplete, timeout=20000)
    with qtbot.waitSignal(wizard.import_finished, timeout=20000) as finished:
        wizard.next()
    assert finished.args[0].lines_imported == 4
    # The window refreshes and reclassifies: the data page replaces the welcome page.
    with qtbot.waitSignal(window.data_ready, timeout=30000):
        wizard.accept()
    qtbot.waitUntil(lambda: not shiboken6.isValid(wizard) or not wizard.isVisible())
    assert window.pages.currentWidget() is not window.empty_page
    qtbot.waitUntil(lambda: not window.tasks.is_busy, timeout=30000)
    window.close()
