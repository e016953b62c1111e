"""File ▸ Export…: the customer list in the people dialect, in the background, remembering the folder."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from PySide6.QtWidgets import QMainWindow
from sqlalchemy import text

from clmdesk.services.demo import ensure_demo_database
from clmdesk.storage.database import Database, open_database
from clmdesk.ui import exporting
from clmdesk.ui.exporting import (
    ask_export_path,
    column_titles,
    start_customer_export,
    suggested_export_name,
)
from clmdesk.workers.runner import TaskRunner

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytestqt.qtbot import QtBot


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_demo_database(
        tmp_path_factory.mktemp("demo") / "demo.sqlite3", customers=300
    )


@pytest.fixture
def database(demo_master: Path, tmp_path: Path) -> Iterator[Database]:
    copy = tmp_path / "shop.sqlite3"
    shutil.copyfile(demo_master, copy)
    opened = open_database(copy)
    # A customer whose name a spreadsheet would run as a formula, never classified.
    with opened.write() as connection:
        connection.execute(
            text(
                "INSERT INTO customers (key, name, email, phone) VALUES "
                "('ZZ-formula', '=HYPERLINK(\"http://x\",\"click\")', 'z@example.com', '+55 11 5555')"
            )
        )
    yield opened
    opened.close()


class _Window(QMainWindow):
    def __init__(self, database: Database, language: str) -> None:
        super().__init__()
        self.database = database
        self.language = language
        self.tasks = TaskRunner(self)

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self.tasks.shutdown()
        super().closeEvent(event)


_WINDOWS: list[_Window] = []


@pytest.fixture(autouse=True)
def _delete_windows_on_the_gui_thread() -> Iterator[None]:
    yield
    # Destroy the windows here, on the GUI thread: a status-bar message keeps
    # a timer that must not be stopped by a garbage collection that happens
    # to run on a worker thread later.
    while _WINDOWS:
        window = _WINDOWS.pop()
        window.tasks.shutdown()
        window.close()
        window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _window(qtbot: QtBot, database: Database, language: str) -> _Window:
    window = _Window(database, language)
    qtbot.addWidget(window)
    _WINDOWS.append(window)
    return window


def test_csv_for_portuguese_readers(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    window = _window(qtbot, database, "pt_BR")
    target = tmp_path / "clientes.csv"
    with qtbot.waitSignal(window.tasks.finished, timeout=60_000) as finished:
        start_customer_export(window, database, target)
    assert finished.args[0].customers == 301
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert rows[0] == column_titles()
    assert len(rows) == 302
    body = rows[1:]
    assert [row[0] for row in body] == sorted(row[0] for row in body)
    stages = {row[2] for row in body}
    assert {"Campeões", "Perdidos"} <= stages
    groups = {row[3] for row in body}
    assert {"Clientes ativos", "Necessitam de atenção", "Inativos"} <= groups
    buyer = next(row for row in body if row[4] not in ("", "0"))
    assert "," in buyer[6]  # total spent with a decimal comma
    assert buyer[7].count("/") == 2  # dd/mm/yyyy
    formula = next(row for row in body if row[0] == "ZZ-formula")
    assert formula[1].startswith("'=")
    assert formula[2] == ""
    assert formula[3] == ""
    assert formula[9] == "z@example.com"
    qtbot.waitUntil(lambda: "301" in window.statusBar().currentMessage())


def test_xlsx_keeps_numbers_dates_and_text(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    import datetime as dt

    from openpyxl import load_workbook

    window = _window(qtbot, database, "en")
    target = tmp_path / "customers.xlsx"
    with qtbot.waitSignal(window.tasks.finished, timeout=60_000):
        start_customer_export(window, database, target)
    workbook = load_workbook(target, read_only=True)
    try:
        sheet = workbook.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()
    assert list(rows[0]) == column_titles()
    assert len(rows) == 302
    buyer = next(row for row in rows[1:] if isinstance(row[4], int) and row[4] > 0)
    assert isinstance(buyer[6], float | int)
    assert isinstance(buyer[7], dt.datetime | dt.date)
    assert buyer[2] in {
        "Champions",
        "Loyal",
        "Promising",
        "New",
        "Can't lose",
        "At risk",
        "About to sleep",
        "Hibernating",
        "Lost",
    }
    formula = next(row for row in rows[1:] if row[0] == "ZZ-formula")
    assert (
        formula[1] == '=HYPERLINK("http://x","click")'
    )  # stored as text, not a formula


def test_cancel_leaves_no_file(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    window = _window(qtbot, database, "en")
    target = tmp_path / "customers.csv"
    with qtbot.waitSignal(window.tasks.cancelled, timeout=10_000):
        start_customer_export(window, database, target)
        window.tasks.cancel()
    qtbot.wait(200)
    window.tasks.shutdown()
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_the_dialog_remembers_folder_and_format(
    qtbot: QtBot, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = _window(qtbot, database, "en")
    calls: list[tuple[str, str]] = []
    answers = iter(
        [
            (str(tmp_path / "list"), "CSV file, for any spreadsheet (*.csv)"),
            ("", ""),
        ]
    )

    def fake(_parent, _title, start, _filters, selected):  # type: ignore[no-untyped-def]
        calls.append((start, selected))
        return next(answers)

    monkeypatch.setattr(exporting.QFileDialog, "getSaveFileName", fake)
    assert ask_export_path(window) == tmp_path / "list.csv"
    assert QSettings().value("export/last_folder") == str(tmp_path)
    assert ask_export_path(window) is None
    second_start, second_filter = calls[1]
    assert Path(second_start).parent == tmp_path
    assert second_start.endswith(".csv")
    assert second_filter.endswith("(*.csv)")


def test_export_from_the_window_menu(
    qtbot: QtBot, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = _window(qtbot, database, "en")
    monkeypatch.setattr(
        exporting.QFileDialog,
        "getSaveFileName",
        lambda *_args: (str(tmp_path / "all.xlsx"), "Excel workbook (*.xlsx)"),
    )
    with qtbot.waitSignal(window.tasks.finished, timeout=60_000):
        exporting.export_customer_list(window)
    assert (tmp_path / "all.xlsx").is_file()


def test_suggested_name_uses_business_and_latest_date(
    qtbot: QtBot, database: Database
) -> None:
    from clmdesk.services.workspace import describe_database

    window = _window(qtbot, database, "en")
    window.info = describe_database(database)  # type: ignore[attr-defined]
    name = suggested_export_name(window, "xlsx")
    assert name.startswith("Loja Exemplo - Customers - ")
    assert name.endswith(".xlsx")


def test_a_running_task_is_never_cancelled_by_an_export(
    qtbot: QtBot, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    window = _window(qtbot, database, "en")
    release = threading.Event()

    def long_task(progress, is_cancelled):  # type: ignore[no-untyped-def]
        release.wait(10)
        return "classified"

    told: list[str] = []
    monkeypatch.setattr(
        exporting.QMessageBox, "information", lambda _p, _t, text: told.append(text)
    )
    monkeypatch.setattr(
        exporting.QFileDialog,
        "getSaveFileName",
        lambda *_args: pytest.fail("no file dialog while busy"),
    )
    window.tasks.start(long_task)
    try:
        exporting.export_customer_list(window)
        assert told
        assert window.tasks.is_busy
    finally:
        with qtbot.waitSignal(window.tasks.finished, timeout=10_000) as finished:
            release.set()
    assert finished.args == ["classified"]
