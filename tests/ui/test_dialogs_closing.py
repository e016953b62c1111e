"""The import wizard and the import history close without waiting for their write (pytest-qt).

Another write transaction is held open on a helper thread (as a
classification would): the import or the undo waits for it on its worker.
Closing the dialog then returns at once, the window's thread keeps ticking,
and the database, held through the window's lease, closes only once the
write has ended, rolled back as the closing cancelled it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest
import shiboken6
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QDialog, QWidget

from clmdesk.services import importing as service
from clmdesk.settings.preferences import Preferences
from clmdesk.storage.database import open_database
from clmdesk.ui.database_lease import DatabaseLease
from clmdesk.ui.import_history import ImportHistoryDialog
from clmdesk.ui.import_wizard import ImportWizard
from tests.ui.held_write import LIMIT_MS, OtherWrite, longest_gap

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from clmdesk.storage.database import Database

WAIT_MS = 60_000


def _write_orders(path: Path) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Customer ID", "Order date", "Amount", "Invoice"])
    for number in range(1, 41):
        sheet.append(
            [f"X{number % 7}", datetime(2024, 1 + number % 12, 3), 9.5, f"X{number}"]
        )
    workbook.save(path)
    workbook.close()
    return path


class _Watched:
    """The database under test, its lease, and when it was closed."""

    def __init__(self, database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        self.database = database
        self.events: list[str] = []
        real_close = database.close

        def close() -> None:
            self.events.append("closed")
            real_close()

        monkeypatch.setattr(database, "close", close)
        self.lease = DatabaseLease(database, lambda _lease: None)


@pytest.fixture
def watched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[_Watched]:
    database = open_database(tmp_path / "business.sqlite3")
    yield _Watched(database, monkeypatch)
    database.close()


@pytest.fixture
def parent(qtbot: Any) -> Iterator[QWidget]:
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    widget = QWidget()
    qtbot.addWidget(widget)
    yield widget
    QLocale.setDefault(previous)


def _counts(database: Database) -> tuple[int, int]:
    with database.read() as connection:
        batches = connection.exec_driver_sql("SELECT COUNT(*) FROM import_batches")
        lines = connection.exec_driver_sql("SELECT COUNT(*) FROM order_lines")
        return int(batches.scalar() or 0), int(lines.scalar() or 0)


def _closed(dialog: QDialog) -> bool:
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def test_closing_the_wizard_while_its_import_waits_for_another_write(
    qtbot: Any, watched: _Watched, parent: QWidget, tmp_path: Path
) -> None:
    database, lease = watched.database, watched.lease
    spreadsheet = _write_orders(tmp_path / "orders.xlsx")
    wizard = ImportWizard(
        database,
        Preferences(),
        [str(spreadsheet)],
        parent,
        language="en",
        lease=lease,
    )
    lease.hold()  # as the window does while the wizard is open
    wizard.finished.connect(lambda _result: lease.let_go())
    wizard.open()
    qtbot.waitUntil(lambda: wizard.currentId() == wizard.MAPPING_PAGE, timeout=WAIT_MS)
    qtbot.waitUntil(wizard.mapping_page.isComplete, timeout=WAIT_MS)
    wizard.next()
    qtbot.waitUntil(wizard.summary_page.isComplete, timeout=WAIT_MS)
    finished: list[object] = []
    wizard.import_finished.connect(finished.append)
    with OtherWrite(database) as other:
        wizard.next()
        assert wizard.task_name == "import"
        qtbot.wait(100)  # the import reaches the writer lock, and waits there

        def leave() -> None:
            # What the window does when it closes: the wizard goes, then the database.
            wizard.done(QDialog.DialogCode.Rejected)
            lease.release()

        gap = longest_gap(qtbot, leave)
        assert gap < LIMIT_MS, f"GUI thread blocked {gap:.0f} ms"
        assert _closed(wizard)
        # The import holds the database: it stays open until the import ended.
        assert lease.is_busy
        assert watched.events == []
        other.end()
        qtbot.waitUntil(lambda: watched.events == ["closed"], timeout=WAIT_MS)
    assert not lease.is_busy
    assert finished == []
    assert _counts(database) == (0, 0)  # cancelled by the closing: rolled back


def _imported(database: Database, spreadsheet: Path) -> None:
    plans = service.plan_files([str(spreadsheet)], service.import_options(database))
    service.run_import(database, plans)


def test_closing_the_history_while_an_undo_waits_for_another_write(
    qtbot: Any, watched: _Watched, parent: QWidget, tmp_path: Path
) -> None:
    database, lease = watched.database, watched.lease
    _imported(database, _write_orders(tmp_path / "orders.xlsx"))
    before = _counts(database)
    assert before == (1, 40)
    dialog = ImportHistoryDialog(database, parent, lease=lease)
    lease.hold()  # as the window does while the dialog is open
    dialog.finished.connect(lambda _result: lease.let_go())
    dialog.open()
    qtbot.waitUntil(lambda: dialog.state == "idle" and dialog.model.rowCount() == 1)
    dialog.view.selectRow(0)
    dialog.undo_button.click()
    qtbot.waitUntil(lambda: dialog._confirm_box is not None, timeout=WAIT_MS)
    box = dialog._confirm_box
    assert box is not None
    confirm = next(b for b in box.buttons() if b.text() == "&Undo import")
    undone: list[object] = []
    dialog.batch_undone.connect(undone.append)
    with OtherWrite(database) as other:
        confirm.click()
        assert dialog.state == "undoing"
        qtbot.wait(100)  # the undo reaches the writer lock, and waits there

        def leave() -> None:
            dialog.done(QDialog.DialogCode.Rejected)
            lease.release()

        gap = longest_gap(qtbot, leave)
        assert gap < LIMIT_MS, f"GUI thread blocked {gap:.0f} ms"
        assert _closed(dialog)
        assert lease.is_busy
        assert watched.events == []
        other.end()
        qtbot.waitUntil(lambda: watched.events == ["closed"], timeout=WAIT_MS)
    assert not lease.is_busy
    assert undone == []
    assert _counts(database) == before  # cancelled by the closing: rolled back


def test_closing_the_history_while_it_loads_leaves_the_database_open_for_the_reading(
    qtbot: Any, watched: _Watched, parent: QWidget
) -> None:
    database, lease = watched.database, watched.lease
    dialog = ImportHistoryDialog(database, parent, lease=lease)
    dialog.open()
    dialog.reject()
    lease.release()
    assert _closed(dialog)
    qtbot.waitUntil(lambda: watched.events == ["closed"], timeout=WAIT_MS)
