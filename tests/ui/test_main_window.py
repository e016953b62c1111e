"""The main window: menus, empty state, window state, drops."""

from __future__ import annotations

import warnings
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent

from clmdesk.settings.preferences import Preferences
from clmdesk.ui.main_window import MainWindow


def make_window(qtbot) -> MainWindow:
    window = MainWindow(Preferences(), "en")
    qtbot.addWidget(window)
    return window


def test_menus_and_empty_state(qtbot, db_path: Path) -> None:
    window = make_window(qtbot)
    window.show()
    with qtbot.waitSignal(window.data_ready, timeout=5000):
        assert window.open_database(str(db_path))
    titles = [action.text() for action in window.menuBar().actions()]
    assert titles == ["&File", "&View", "&Help"]
    file_actions = [
        action.text() for action in window.file_menu.actions() if action.text()
    ]
    for expected in (
        "&Import…",
        "&Export…",
        "&Print…",
        "Save &report as…",
        "Recent &databases",
        "&Quit",
    ):
        assert expected in file_actions
    assert window.pages.currentWidget() is window.empty_page
    assert window.empty_page.import_button.isVisible()
    assert window.empty_page.demo_button.isVisible()
    assert window.import_action.isEnabled()
    assert not window.export_action.isEnabled()
    assert str(db_path) in window.location_label.text()


def test_window_state_survives_a_restart(qtbot) -> None:
    window = make_window(qtbot)
    window.show()
    # Offscreen screens are 800×600 and restoreGeometry keeps windows on screen.
    window.resize(781, 579)
    qtbot.waitUntil(lambda: window.size().width() == 781)
    window.close()
    again = make_window(qtbot)
    assert (again.size().width(), again.size().height()) == (781, 579)


def test_spreadsheet_drops_are_accepted_and_others_ignored(
    qtbot, tmp_path: Path
) -> None:
    window = make_window(qtbot)

    def drag(name: str) -> bool:
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(tmp_path / name))])
        # Qt 6.12 deprecates the QPoint constructor that earlier versions require.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            event = QDragEnterEvent(
                QPoint(5, 5),
                Qt.DropAction.CopyAction,
                mime,
                Qt.MouseButton.LeftButton,
                Qt.KeyboardModifier.NoModifier,
            )
        window.dragEnterEvent(event)
        return event.isAccepted()

    assert drag("vendas.xlsx")
    assert drag("clientes.CSV")
    assert not drag("photo.jpg")


def test_recent_databases_are_remembered(qtbot, tmp_path: Path) -> None:
    window = make_window(qtbot)
    first, second = str(tmp_path / "a.sqlite3"), str(tmp_path / "b.sqlite3")
    # Each opening runs in the background: a second one started at once would
    # abandon the first before it is remembered.
    for target in (first, second):
        with qtbot.waitSignal(window.database_opened, timeout=10_000):
            assert window.open_database(target)
    window._fill_recent_menu()
    assert [action.text() for action in window.recent_menu.actions()] == [second, first]


def test_the_demo_opens_and_shows_its_data(qtbot) -> None:
    window = make_window(qtbot)
    window.show()
    with qtbot.waitSignal(window.data_ready, timeout=120_000):
        window.open_demo()
    assert window.database is not None
    assert window.info is not None
    assert window.info.is_demo
    assert window.info.customers > 1000
    assert window.pages.currentWidget() is window.data_page
    assert "demo" in window.windowTitle()
    assert not window.import_action.isEnabled()
    assert window.export_action.isEnabled()
    window.close()  # stops the panel's background loaders


def test_a_new_task_keeps_its_own_continuation(qtbot) -> None:
    import threading

    from clmdesk.core.tasks import check_cancelled

    window = make_window(qtbot)
    gate = threading.Event()

    def slow(*, progress, is_cancelled):
        gate.set()
        while True:
            check_cancelled(is_cancelled)
            threading.Event().wait(0.005)

    def quick(value, *, progress, is_cancelled):
        return value

    results: list[object] = []
    window._run_task("slow", slow, on_finished=results.append)
    assert gate.wait(5)
    window._run_task("quick", quick, 42, on_finished=results.append)
    qtbot.waitUntil(lambda: results == [42], timeout=5000)


def test_data_imported_without_classification_is_classified_on_opening(
    qtbot, tmp_path: Path
) -> None:
    from clmdesk.services.importing import import_files
    from clmdesk.storage.database import open_database
    from clmdesk.storage.overview import read_overview

    sales = tmp_path / "vendas.csv"
    sales.write_text(
        "Cliente;Data;Valor\n"
        + "".join(
            f"{c};{d:02d}/0{m}/2024;10,00\n"
            for c in range(1, 6)
            for d, m in ((3, 1), (9, 3))
        ),
        encoding="utf-8",
    )
    path = tmp_path / "loja.sqlite3"
    database = open_database(path)
    import_files(database, [sales], classify=False)  # as `clmdesk import --no-classify`
    database.close()

    window = make_window(qtbot)
    window.show()
    with qtbot.waitSignal(window.database_opened, timeout=10_000):
        window.open_database(str(path))
    assert window.database is not None
    database = window.database
    qtbot.waitUntil(
        lambda: read_overview(database).classified_day is not None, timeout=30_000
    )
    qtbot.waitUntil(lambda: not window.tasks.is_busy, timeout=30_000)
    # The refresh after the classification reads the database in the background.
    qtbot.waitUntil(
        lambda: window.info is not None and not window.info.needs_classification,
        timeout=10_000,
    )
    window.close()
