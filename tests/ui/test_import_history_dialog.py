"""Import history dialog logic against a stand-in service: list, confirm, undo, cancel."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
import shiboken6
from PySide6.QtWidgets import QMessageBox, QWidget

from clmdesk.core.tasks import check_cancelled
from clmdesk.storage.database import open_database
from clmdesk.ui import import_history
from clmdesk.ui.import_history import ImportHistoryDialog


class StandInService:
    """Holds batches in memory; ``undo_batch`` can be made to wait for a cancel."""

    def __init__(self) -> None:
        self.batches = [
            SimpleNamespace(
                id=1,
                created_at="2025-01-10T09:30:00+00:00",
                status="done",
                files=(SimpleNamespace(name="sales 2024.xlsx"),),
                counts={"rows_read": 120, "imported": 100, "customers_new": 12},
            ),
            SimpleNamespace(
                id=2,
                created_at="2025-02-01T15:00:00+00:00",
                status="done",
                files=(SimpleNamespace(name="customers.csv"),),
                counts={"rows_read": 40, "imported": 40, "customers_new": 3},
            ),
        ]
        self.undone: list[int] = []
        self.block = False
        self.started = threading.Event()

    def list_batches(self, database):
        return [b for b in self.batches if b.id not in self.undone]

    def preview_undo(self, database, batch_id):
        return SimpleNamespace(
            lines=100, orders=30, customers=12, fields=2, nps_answers=0
        )

    def undo_batch(self, database, batch_id, *, progress, is_cancelled):
        self.started.set()
        progress(0, 100)
        while self.block:
            check_cancelled(is_cancelled)
            threading.Event().wait(0.005)
        self.undone.append(batch_id)
        progress(100, 100)
        return SimpleNamespace(batch_id=batch_id, lines=100)


@pytest.fixture
def service(monkeypatch) -> StandInService:
    stand_in = StandInService()
    monkeypatch.setattr(import_history, "_service", lambda: stand_in)
    return stand_in


@pytest.fixture
def dialog(qtbot, db_path: Path, service):
    database = open_database(db_path)
    parent = QWidget()
    qtbot.addWidget(parent)
    made = ImportHistoryDialog(database, parent)
    made.open()
    qtbot.waitUntil(lambda: made.state == "idle" and made.model.rowCount() == 2)
    yield made
    if shiboken6.isValid(made):
        made.runner.cancel()
        made.done(0)
    database.close()


def confirm(qtbot, dialog: ImportHistoryDialog, accept: bool) -> str:
    qtbot.waitUntil(
        lambda: dialog._confirm_box is not None and dialog._confirm_box.isVisible()
    )
    box = dialog._confirm_box
    text = box.text()
    if accept:
        button = next(b for b in box.buttons() if b.text() == "&Undo import")
    else:
        button = box.button(QMessageBox.StandardButton.Cancel)
    button.click()
    return text


def test_lists_batches_newest_first(qtbot, qtmodeltester, dialog) -> None:
    model = dialog.model
    qtmodeltester.check(model)
    assert [model.batch(row).id for row in range(2)] == [2, 1]
    assert model.index(0, model.COL_FILES).data() == "customers.csv"
    assert model.index(1, model.COL_IMPORTED).data() == "100"
    assert not dialog.undo_button.isEnabled()
    dialog.view.selectRow(1)
    assert dialog.undo_button.isEnabled()


def test_undo_asks_with_what_will_be_removed(qtbot, dialog, service) -> None:
    dialog.view.selectRow(1)
    dialog.undo_button.click()
    with qtbot.waitSignal(dialog.batch_undone, timeout=5000) as blocker:
        text = confirm(qtbot, dialog, accept=True)
    assert "100 order lines" in text
    assert "30 orders" in text
    assert "12 customers" in text
    assert "sales 2024.xlsx" in text
    assert blocker.args[0].batch_id == 1
    assert service.undone == [1]
    qtbot.waitUntil(lambda: dialog.state == "idle" and dialog.model.rowCount() == 1)


def test_declining_changes_nothing(qtbot, dialog, service) -> None:
    dialog.view.selectRow(0)
    dialog.undo_button.click()
    confirm(qtbot, dialog, accept=False)
    assert dialog.state == "idle"
    assert service.undone == []


def test_cancel_during_undo_changes_nothing(qtbot, dialog, service) -> None:
    service.block = True
    dialog.view.selectRow(0)
    dialog.undo_button.click()
    confirm(qtbot, dialog, accept=True)
    qtbot.waitUntil(service.started.is_set, timeout=5000)
    assert dialog.state == "undoing"
    dialog.reject()  # Esc / the Cancel button
    qtbot.waitUntil(lambda: dialog.state == "idle", timeout=5000)
    assert service.undone == []
    assert "nothing was changed" in dialog.status_label.text()
    assert dialog.isVisible()
