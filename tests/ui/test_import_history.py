"""Import history on a real database: an import made by the service, undone from the dialog."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtWidgets import QWidget

from clmdesk.services import importing as service
from clmdesk.storage.database import open_database
from clmdesk.ui.import_history import ImportHistoryDialog


def write_workbook(path: Path, customers: list[str]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Orders"
    sheet.append(["Customer ID", "Order date", "Amount", "Invoice"])
    for number, customer in enumerate(customers, start=1):
        sheet.append([customer, datetime(2024, 1, number), 10.0 * number, f"N{number}"])
    workbook.save(path)
    workbook.close()
    return path


def import_file(database, path: Path):
    plans = service.plan_files([str(path)], service.import_options(database))
    return service.run_import(database, plans)


def count(database, table: str) -> int:
    with database.read() as connection:
        return int(connection.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar())


@pytest.fixture
def database(db_path: Path):
    db = open_database(db_path)
    yield db
    db.close()


@pytest.fixture
def make_dialog(qtbot, database):
    parent = QWidget()
    qtbot.addWidget(parent)
    made: list[ImportHistoryDialog] = []

    def make() -> ImportHistoryDialog:
        dialog = ImportHistoryDialog(database, parent)
        made.append(dialog)
        dialog.open()
        return dialog

    yield make
    for dialog in made:
        if shiboken6.isValid(dialog):
            dialog.runner.cancel()
            dialog.done(0)


def test_undoing_a_batch(qtbot, database, make_dialog, tmp_path: Path) -> None:
    first = import_file(
        database, write_workbook(tmp_path / "jan.xlsx", ["A", "B", "C"])
    )
    second = import_file(database, write_workbook(tmp_path / "feb.xlsx", ["C", "D"]))
    assert count(database, "order_lines") == 5

    dialog = make_dialog()
    qtbot.waitUntil(lambda: dialog.state == "idle" and dialog.model.rowCount() == 2)
    model = dialog.model
    assert [model.batch(row).id for row in range(2)] == [
        second.batch_id,
        first.batch_id,
    ]
    assert model.index(0, model.COL_FILES).data() == "feb.xlsx"
    assert model.index(1, model.COL_IMPORTED).data() == "3"

    dialog.view.selectRow(0)
    dialog.undo_button.click()
    qtbot.waitUntil(lambda: dialog._confirm_box is not None, timeout=10000)
    box = dialog._confirm_box
    text = box.text()
    assert "feb.xlsx" in text
    assert "2 order lines" in text
    # D was created by this import and is used by nothing else; C came from January.
    assert "1 customers" in text
    confirm = next(b for b in box.buttons() if b.text() == "&Undo import")
    with qtbot.waitSignal(dialog.batch_undone, timeout=20000) as undone:
        confirm.click()
    assert undone.args[0].batch_id == second.batch_id
    assert count(database, "order_lines") == 3
    assert count(database, "customers") == 3

    qtbot.waitUntil(lambda: dialog.state == "idle" and dialog.model.rowCount() == 2)
    assert model.index(0, model.COL_STATUS).data() == "Undone"
    dialog.view.selectRow(0)
    assert not dialog.undo_button.isEnabled()
    dialog.view.selectRow(1)
    assert dialog.undo_button.isEnabled()

    dialog.reject()
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()
