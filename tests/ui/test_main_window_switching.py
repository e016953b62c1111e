"""Switching or closing the database while a task writes to it.

The task is cancelled and the window moves on at once; the old database is
closed only once the task's transaction has ended (rolled back, or committed
when the cancel came too late), and what the task reports late is ignored.
Each test holds the task inside its write transaction, everything written
and nothing committed, until the window has switched (or tried to close):
a window that waited for the task would never get there.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import shiboken6

from clmdesk.core.tasks import Cancelled
from clmdesk.services.classification import classify
from clmdesk.settings.preferences import Preferences
from clmdesk.storage.app_settings import write_setting
from clmdesk.storage.database import open_database
from clmdesk.ui.import_wizard import ImportWizard
from clmdesk.ui.main_window import MainWindow
from tests.ui.sales_database import insert_sales

if TYPE_CHECKING:
    from collections.abc import Iterator

    from clmdesk.storage.database import Database

OLD_LINES = 20_000
NEW_LINES = 5_000
WAIT_MS = 60_000


def _shop(folder: Path, name: str, lines: int, seed: int) -> Path:
    path = folder / f"{name}.sqlite3"
    open_database(path).close()
    insert_sales(path, lines, seed=seed)
    database = open_database(path)
    try:
        write_setting(database, "business_name", name)
        classify(
            database, progress=lambda _done, _total: None, is_cancelled=lambda: False
        )
    finally:
        database.close()
    return path


@pytest.fixture(scope="module")
def shops(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two classified databases: "Loja A" (the one left) and "Loja B" (the one opened)."""
    folder = tmp_path_factory.mktemp("shops")
    return (
        _shop(folder, "Loja A", OLD_LINES, seed=11),
        _shop(folder, "Loja B", NEW_LINES, seed=12),
    )


@pytest.fixture
def old_and_new(shops: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """Copies of the two shops, for one test to change."""
    copies = []
    for source in shops:
        target = tmp_path / source.name
        shutil.copyfile(source, target)
        copies.append(target)
    return copies[0], copies[1]


class _WriteHeld:
    """Holds the next write transaction of a worker on ``database`` just before it commits.

    Once ``go_on`` is set, ``outcome`` decides: ``"cancel"`` raises
    :class:`Cancelled` there (the task saw the cancel at its last check:
    everything rolls back), ``"commit"`` lets it commit (the cancel came too
    late). ``events`` records the end of that transaction and the closing of
    the database, in order.
    """

    def __init__(self, database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[str] = []
        self.written, self.go_on = threading.Event(), threading.Event()
        self.outcome = "cancel"
        self.armed = False
        real_write, real_close = database.write, database.close

        @contextmanager
        def write(*args: Any, **kwargs: Any) -> Iterator[Any]:
            held = (
                self.armed and threading.current_thread() is not threading.main_thread()
            )
            if not held:
                with real_write(*args, **kwargs) as connection:
                    yield connection
                return
            self.armed = False
            try:
                with real_write(*args, **kwargs) as connection:
                    yield connection
                    self.written.set()
                    assert self.go_on.wait(30), "the window never let the task go on"
                    if self.outcome == "cancel":
                        raise Cancelled
            finally:
                self.events.append("transaction ended")

        def close() -> None:
            self.events.append("closed")
            real_close()

        monkeypatch.setattr(database, "write", write)
        monkeypatch.setattr(database, "close", close)


def _state(path: Path) -> dict[str, Any]:
    """What a database file holds: rows per table and the stored classification run."""
    with sqlite3.connect(path) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        state: dict[str, Any] = {
            table: connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            for table in tables
        }
        state["run"] = connection.execute(
            "SELECT id, computed_at FROM classification_runs"
        ).fetchall()
    connection.close()
    return state


def _integrity(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        result = str(connection.execute("PRAGMA integrity_check").fetchone()[0])
    connection.close()
    return result


def _no_connection(database: Database) -> bool:
    pool = database.engine.pool
    return pool.checkedin() == 0 and pool.checkedout() == 0


def _open(qtbot: Any, path: Path) -> MainWindow:
    window = MainWindow(Preferences(), "en")
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.data_ready, timeout=WAIT_MS):
        assert window.open_database(str(path))
    assert window.info is not None
    assert not window.info.needs_classification
    return window


def _open_noting_close(
    qtbot: Any, path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[MainWindow, Database, list[str]]:
    """A window on ``path``, its database, and a list that gets "closed" when it closes."""
    window = _open(qtbot, path)
    database = window.database
    assert database is not None
    events: list[str] = []
    real_close = database.close

    def close() -> None:
        events.append("closed")
        real_close()

    monkeypatch.setattr(database, "close", close)
    return window, database, events


def _switch(qtbot: Any, window: MainWindow, path: Path) -> None:
    """Open ``path`` in ``window`` and wait until its panel has loaded."""
    # Not data_ready: a refresh of the database left may still announce its page.
    with qtbot.waitSignal(window.database_opened, timeout=WAIT_MS):
        assert window.open_database(str(path))
    assert window.database is not None
    assert window.database.path == path
    page: Any = window.data_page
    assert page is not None
    qtbot.waitUntil(lambda: page.panel_data is not None, timeout=WAIT_MS)


def _shows_only(qtbot: Any, window: MainWindow, name: str, lines: int) -> None:
    """The window and its panel show the database ``name`` and nothing of another."""
    assert window.info is not None
    assert window.info.business_name == name
    assert window.info.customers == lines // 10
    assert window.windowTitle() == f"{name} — clmdesk"
    page: Any = window.data_page
    assert page is not None
    assert window.pages.currentWidget() is page
    assert page.database is window.database
    qtbot.waitUntil(lambda: page.panel_data is not None, timeout=WAIT_MS)
    assert page.panel_data.business_name == name
    assert len(page.panel_data.customer_ids) == lines // 10


def _classifying_held(
    qtbot: Any, path: Path, monkeypatch: pytest.MonkeyPatch, outcome: str = "cancel"
) -> tuple[MainWindow, Database, _WriteHeld]:
    """A window on ``path`` whose classification is held before its commit."""
    window = _open(qtbot, path)
    database = window.database
    assert database is not None
    held = _WriteHeld(database, monkeypatch)
    held.outcome, held.armed = outcome, True
    window.reclassify()
    assert held.written.wait(WAIT_MS / 1000)
    return window, database, held


@pytest.mark.parametrize("outcome", ["cancel", "commit"])
def test_switching_during_a_classification_closes_the_old_database_after_it(
    qtbot: Any,
    old_and_new: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    outcome: str,
) -> None:
    old_path, new_path = old_and_new
    before = _state(old_path)
    window, old, held = _classifying_held(qtbot, old_path, monkeypatch, outcome)
    late: list[object] = []
    window.tasks.finished.connect(late.append)

    _switch(qtbot, window, new_path)
    # The window moved on while the task was still in its transaction.
    assert window.database is not old
    assert held.events == []
    assert old.engine.pool.checkedout() == 1
    assert not window.task_status.isVisible()

    held.go_on.set()
    qtbot.waitUntil(lambda: held.events == ["transaction ended", "closed"])
    qtbot.waitUntil(lambda: _no_connection(old))
    assert _integrity(old_path) == "ok"
    after = _state(old_path)
    if outcome == "cancel":
        assert after == before  # nothing of the classification was kept
    else:
        # Committed whole: the same rows, under a new run.
        assert {k: v for k, v in after.items() if k != "run"} == {
            k: v for k, v in before.items() if k != "run"
        }
        assert after["run"] != before["run"]
    qtbot.wait(50)  # a late result would arrive meanwhile
    assert late == []
    assert not window.tasks.is_busy
    _shows_only(qtbot, window, "Loja B", NEW_LINES)
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible())


def _write_orders(path: Path) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Customer ID", "Order date", "Amount", "Invoice"])
    for number in range(1, 41):
        sheet.append(
            [
                f"X{number % 7}",
                datetime(2024, 1 + number % 12, 3),
                9.5 * number,
                f"X{number}",
            ]
        )
    workbook.save(path)
    workbook.close()
    return path


def _import_held(
    qtbot: Any, window: MainWindow, spreadsheet: Path, held: _WriteHeld
) -> ImportWizard:
    """Walk the window's import wizard to the import, held before its commit."""
    window.import_files([str(spreadsheet)])
    wizard = window.findChild(ImportWizard)
    assert wizard is not None
    qtbot.waitUntil(lambda: wizard.currentId() == wizard.MAPPING_PAGE, timeout=WAIT_MS)
    qtbot.waitUntil(wizard.mapping_page.isComplete, timeout=WAIT_MS)
    wizard.next()
    qtbot.waitUntil(wizard.summary_page.isComplete, timeout=WAIT_MS)
    held.armed = True
    wizard.next()
    assert held.written.wait(WAIT_MS / 1000)
    return wizard


@pytest.mark.parametrize("outcome", ["cancel", "commit"])
def test_switching_during_an_import_closes_the_old_database_after_it(
    qtbot: Any,
    old_and_new: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    outcome: str,
) -> None:
    old_path, new_path = old_and_new
    spreadsheet = _write_orders(tmp_path / "orders.xlsx")
    before = _state(old_path)
    new_before = _state(new_path)
    window = _open(qtbot, old_path)
    old = window.database
    assert old is not None
    held = _WriteHeld(old, monkeypatch)
    held.outcome = outcome
    wizard = _import_held(qtbot, window, spreadsheet, held)

    _switch(qtbot, window, new_path)
    assert held.events == []
    # The wizard stops its import as its Cancel does, and stays to say how it ended.
    assert wizard.isVisible()
    assert wizard.import_page.state == "stopping"

    held.go_on.set()
    qtbot.waitUntil(lambda: held.events == ["transaction ended"])
    expected = "cancelled" if outcome == "cancel" else "done"
    qtbot.waitUntil(lambda: wizard.import_page.state == expected, timeout=WAIT_MS)
    # Still open while the wizard shows what became of its import.
    assert "closed" not in held.events
    wizard.reject() if outcome == "cancel" else wizard.accept()
    qtbot.waitUntil(lambda: not shiboken6.isValid(wizard) or not wizard.isVisible())
    qtbot.waitUntil(lambda: held.events == ["transaction ended", "closed"])
    qtbot.waitUntil(lambda: _no_connection(old))

    assert _integrity(old_path) == "ok"
    after = _state(old_path)
    if outcome == "cancel":
        assert after == before  # no partial batch
    else:
        assert after["import_batches"] == before["import_batches"] + 1
        assert after["order_lines"] == before["order_lines"] + 40
    # The late import reaches neither the window nor the database it shows:
    # no refresh, no classification of Loja B.
    qtbot.wait(50)
    assert not window.tasks.is_busy
    _shows_only(qtbot, window, "Loja B", NEW_LINES)
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert _state(new_path) == new_before


def test_switching_during_an_undo_closes_the_old_database_after_it(
    qtbot: Any,
    old_and_new: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from clmdesk.services import importing as service
    from clmdesk.ui.import_history import ImportHistoryDialog

    old_path, new_path = old_and_new
    spreadsheet = _write_orders(tmp_path / "orders.xlsx")
    database = open_database(old_path)
    try:
        plans = service.plan_files([str(spreadsheet)], service.import_options(database))
        service.run_import(database, plans, classify=True)
    finally:
        database.close()
    before = _state(old_path)
    window = _open(qtbot, old_path)
    old = window.database
    assert old is not None
    held = _WriteHeld(old, monkeypatch)
    window.show_import_history()
    dialog = window.findChild(ImportHistoryDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.state == "idle" and dialog.model.rowCount() == 2)
    dialog.view.selectRow(0)  # newest first: the spreadsheet's import
    dialog.undo_button.click()
    qtbot.waitUntil(lambda: dialog._confirm_box is not None, timeout=WAIT_MS)
    box = dialog._confirm_box
    confirm = next(b for b in box.buttons() if b.text() == "&Undo import")
    held.armed = True
    confirm.click()
    assert held.written.wait(WAIT_MS / 1000)

    _switch(qtbot, window, new_path)
    assert held.events == []
    assert dialog.isVisible()
    assert dialog.state == "stopping"
    held.go_on.set()
    qtbot.waitUntil(lambda: dialog.state == "idle", timeout=WAIT_MS)
    assert held.events == ["transaction ended"]
    dialog.reject()
    qtbot.waitUntil(lambda: held.events == ["transaction ended", "closed"])
    qtbot.waitUntil(lambda: _no_connection(old))
    assert _integrity(old_path) == "ok"
    assert _state(old_path) == before  # the batch is still there, whole
    _shows_only(qtbot, window, "Loja B", NEW_LINES)
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible())


def test_quitting_during_a_classification_closes_once_it_has_stopped(
    qtbot: Any, old_and_new: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    old_path, _new_path = old_and_new
    before = _state(old_path)
    window, database, held = _classifying_held(qtbot, old_path, monkeypatch)

    assert not window.close()  # refused for now: the task is still rolling back
    assert window.isVisible()
    status = window.task_status
    assert status.isVisible()
    assert status.label.text() == "Stopping the current task before closing…"
    assert not status.cancel_button.isVisible()
    for action in (window.open_action, window.import_action, window.reclassify_action):
        assert not action.isEnabled()
    page: Any = window.data_page
    assert not page.add_button.isEnabled()
    assert not page.reset_button.isEnabled()
    assert not window.open_database(str(old_path))
    assert held.events == []

    held.go_on.set()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: held.events == ["transaction ended", "closed"])
    assert _no_connection(database)
    assert _integrity(old_path) == "ok"
    assert _state(old_path) == before


def test_a_stage_model_saved_from_the_window_reclassifies_its_database(
    qtbot: Any, old_and_new: tuple[Path, Path]
) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    from clmdesk.ui.dialogs.stage_model_dialog import StageModelDialog

    old_path, new_path = old_and_new
    window = _open(qtbot, old_path)
    window.edit_stage_model()
    dialog = window.findChild(StageModelDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.is_preview_ready, timeout=WAIT_MS)
    dialog.cycle_fixed.setChecked(True)
    dialog.cycle_days.setValue(45)
    with qtbot.waitSignal(window.tasks.finished, timeout=WAIT_MS):
        dialog.button_box.button(QDialogButtonBox.StandardButton.Save).click()
    assert window.tasks.lease is not None
    assert not window.tasks.lease.is_busy  # the dialog let go once done
    # Closed for good, not left behind hidden.
    qtbot.waitUntil(lambda: not window.findChildren(StageModelDialog))

    # A dialog still open on a database the window leaves is closed with it.
    window.edit_stage_model()
    dialog = window.findChildren(StageModelDialog)[-1]
    assert dialog.isVisible()
    qtbot.waitUntil(dialog.is_preview_ready, timeout=WAIT_MS)
    _switch(qtbot, window, new_path)
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()
    assert not window.tasks.is_busy
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible())


def test_switching_with_a_layout_change_unsaved_saves_it_into_the_database_left(
    qtbot: Any, old_and_new: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from clmdesk.services.panel import load_panel_layout
    from tests.ui.held_write import LIMIT_MS, OtherWrite, longest_gap

    old_path, new_path = old_and_new
    window, old, events = _open_noting_close(qtbot, old_path, monkeypatch)
    page: Any = window.data_page
    page.add_widget("distribution")  # saved after a short delay: not yet
    expected = [state.spec.type_id for state in page.states()]
    with OtherWrite(old) as other:
        # A window waiting for the save would switch only after the other write.
        _switch(qtbot, window, new_path)
        gap = longest_gap(qtbot, lambda: None)
        assert gap < LIMIT_MS, f"GUI thread blocked {gap:.0f} ms"
        # The save waits for the other write, holding the database left open.
        assert events == []
        assert load_panel_layout(old) is None
        other.end()
        qtbot.waitUntil(lambda: events == ["closed"], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: _no_connection(old))
    reopened = open_database(old_path)
    try:
        layout = load_panel_layout(reopened)
    finally:
        reopened.close()
    assert layout is not None
    assert [entry["type_id"] for entry in json.loads(layout)] == expected
    _shows_only(qtbot, window, "Loja B", NEW_LINES)
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible())


def test_quitting_with_a_layout_change_unsaved_closes_once_it_is_saved(
    qtbot: Any, old_and_new: tuple[Path, Path]
) -> None:
    from clmdesk.services.panel import load_panel_layout
    from tests.ui.held_write import LIMIT_MS, OtherWrite, longest_gap

    old_path, _new_path = old_and_new
    window = _open(qtbot, old_path)
    database = window.database
    assert database is not None
    page: Any = window.data_page
    page.add_widget("distribution")
    expected = [state.spec.type_id for state in page.states()]
    with OtherWrite(database) as other:
        gap = longest_gap(qtbot, window.close)
        assert gap < LIMIT_MS, f"GUI thread blocked {gap:.0f} ms"
        # The window waits for the save, saying so, with nothing left to start.
        assert window.isVisible()
        assert window.task_status.isVisible()
        assert not page.add_button.isEnabled()
        assert not page.reset_button.isEnabled()
        other.end()
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: _no_connection(database))
    reopened = open_database(old_path)
    try:
        layout = load_panel_layout(reopened)
    finally:
        reopened.close()
    assert layout is not None
    assert [entry["type_id"] for entry in json.loads(layout)] == expected


def test_switching_while_a_stage_model_save_waits_closes_the_dialog_once_saved(
    qtbot: Any, old_and_new: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    from clmdesk.services.classification import read_cycle_setting
    from clmdesk.ui.dialogs.stage_model_dialog import StageModelDialog
    from tests.ui.held_write import LIMIT_MS, OtherWrite, longest_gap

    old_path, new_path = old_and_new
    window, old, events = _open_noting_close(qtbot, old_path, monkeypatch)
    reclassified: list[object] = []
    window.tasks.started.connect(lambda: reclassified.append(True))
    window.edit_stage_model()
    dialog = window.findChild(StageModelDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.is_preview_ready, timeout=WAIT_MS)
    dialog.cycle_fixed.setChecked(True)
    dialog.cycle_days.setValue(45)
    save = dialog.button_box.button(QDialogButtonBox.StandardButton.Save)
    with OtherWrite(old) as other:
        gap = longest_gap(qtbot, save.click)
        assert gap < LIMIT_MS, f"GUI thread blocked {gap:.0f} ms"
        assert dialog.is_saving
        _switch(qtbot, window, new_path)
        # The dialog waits for its save, which holds the database left open.
        assert dialog.isVisible()
        assert events == []
        other.end()
        qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: events == ["closed"], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: _no_connection(old))
    reopened = open_database(old_path)
    try:
        assert read_cycle_setting(reopened) == 45
    finally:
        reopened.close()
    # The save landed in the database left: the window does not classify Loja B.
    qtbot.wait(50)
    assert reclassified == []
    _shows_only(qtbot, window, "Loja B", NEW_LINES)
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible())


def test_the_saved_panel_layout_is_read_with_the_opening_not_on_the_gui_thread(
    qtbot: Any, old_and_new: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from clmdesk.services import panel

    old_path, new_path = old_and_new
    window = _open(qtbot, old_path)
    page: Any = window.data_page
    page.add_widget("distribution")
    expected = [state.spec.type_id for state in page.states()]
    qtbot.waitUntil(lambda: not page.is_saving, timeout=WAIT_MS)
    _switch(qtbot, window, new_path)
    reads: list[bool] = []
    read = panel.load_panel_layout

    def spied(database: Database) -> str | None:
        reads.append(threading.current_thread() is threading.main_thread())
        return read(database)

    monkeypatch.setattr(panel, "load_panel_layout", spied)
    _switch(qtbot, window, old_path)
    shown: Any = window.data_page
    assert [state.spec.type_id for state in shown.states()] == expected
    assert shown.notices() == []
    assert reads == [False]
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
