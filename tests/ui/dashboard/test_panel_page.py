"""The control panel page: add, remove, move, resize, persistence, notices, loading (pytest-qt, offscreen)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from clmdesk.core.charting import Period
from clmdesk.services.demo import ensure_demo_database
from clmdesk.services.panel import (
    CustomerQuery,
    QueryKind,
    SavedPanelLayout,
    load_panel_layout,
    save_panel_layout,
)
from clmdesk.storage.app_settings import write_setting
from clmdesk.storage.database import open_database
from clmdesk.storage.panel_layout import PANEL_LAYOUT_KEY
from clmdesk.ui.dashboard.layout import DEFAULT_LAYOUT
from clmdesk.ui.dashboard.panel_page import PanelPage
from clmdesk.ui.dashboard.widgets.lifecycle import LifecycleSettings

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from pytestqt.qtbot import QtBot

    from clmdesk.services.panel import ContactSource, PanelData
    from clmdesk.storage.database import Database
    from clmdesk.ui.dashboard.tile import Tile

DEFAULT_TYPES = [type_id for type_id, _, _ in DEFAULT_LAYOUT]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = open_database(tmp_path / "business.sqlite3")
    yield db
    db.close()


def _page(qtbot: QtBot, database: Database | None) -> PanelPage:
    page = PanelPage(database)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    qtbot.waitExposed(page)
    return page


def _types(page: PanelPage) -> list[str]:
    return [tile.spec.type_id for tile in page.grid.tiles]


def _action(tile: Tile, text: str) -> None:
    for action in tile.menu.actions():
        if action.text() == text:
            action.trigger()
            return
    raise AssertionError(f"no action {text!r}")


def test_a_new_business_gets_the_default_panel(
    qtbot: QtBot, database: Database
) -> None:
    page = _page(qtbot, database)
    assert _types(page) == DEFAULT_TYPES
    assert page.notices() == []
    placements = page.grid.placements()
    assert placements[0].row == 0
    assert placements[0].column_span == 4  # the KPI strip across the top
    page.shutdown()


def test_add_and_remove_widgets(qtbot: QtBot, database: Database) -> None:
    page = _page(qtbot, database)
    tile = page.add_widget("distribution")
    assert tile is not None
    assert _types(page) == [*DEFAULT_TYPES, "distribution"]
    assert (tile.column_span, tile.row_span) == tile.spec.default_span
    assert page.add_widget("no_such_widget") is None
    _action(page.grid.tiles[0], "Remove from the panel")
    assert _types(page) == [*DEFAULT_TYPES[1:], "distribution"]
    for tile in page.grid.tiles:
        page.remove_tile(tile)
    assert page.grid.tiles == []
    assert not page.scroll_area.isVisible()
    page.reset_panel()
    assert _types(page) == DEFAULT_TYPES
    page.shutdown()


def test_keyboard_moves_and_resizes_a_tile(qtbot: QtBot, database: Database) -> None:
    page = _page(qtbot, database)
    page.activateWindow()
    tile = page.grid.tiles[1]
    tile.setFocus()
    qtbot.waitUntil(tile.hasFocus)
    qtbot.keyClick(tile, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert page.grid.tiles[2] is tile
    qtbot.keyClick(tile, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(tile, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    assert page.grid.tiles[0] is tile
    spans = (tile.column_span, tile.row_span)
    modifiers = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(tile, Qt.Key.Key_Down, modifiers)
    qtbot.keyClick(tile, Qt.Key.Key_Left, modifiers)
    assert (tile.column_span, tile.row_span) == (spans[0] - 1, spans[1] + 1)
    # Never below the widget's minimum span.
    for _ in range(6):
        qtbot.keyClick(tile, Qt.Key.Key_Left, modifiers)
    assert tile.column_span == tile.spec.min_span[0]
    page.shutdown()


def _global(widget: object, point: QPoint) -> QPoint:
    return widget.mapToGlobal(point)  # type: ignore[attr-defined]


def test_dragging_a_title_bar_reorders(qtbot: QtBot, database: Database) -> None:
    page = _page(qtbot, database)
    grid = page.grid
    first, third = grid.tiles[0], grid.tiles[2]
    bar = first.title_bar
    start = QPoint(40, 12)
    QTest.mousePress(
        bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start
    )
    # Over the right half of the third tile: the first lands after it.
    target_in_grid = third.geometry().center() + QPoint(third.width() // 4, 0)
    target = bar.mapFromGlobal(grid.mapToGlobal(target_in_grid))
    QTest.mouseMove(bar, start + QPoint(10, 10))
    QTest.mouseMove(bar, target)
    assert first.lifted
    QTest.mouseRelease(
        bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, target
    )
    assert not first.lifted
    assert grid.tiles.index(first) == 2
    assert _types(page) == [
        DEFAULT_TYPES[1],
        DEFAULT_TYPES[2],
        DEFAULT_TYPES[0],
        *DEFAULT_TYPES[3:],
    ]
    page.shutdown()


def test_escape_cancels_a_drag(qtbot: QtBot, database: Database) -> None:
    page = _page(qtbot, database)
    grid = page.grid
    first = grid.tiles[0]
    bar = first.title_bar
    QTest.mousePress(
        bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(40, 12)
    )
    QTest.mouseMove(bar, QPoint(60, 40))
    far = bar.mapFromGlobal(
        grid.mapToGlobal(grid.tiles[3].geometry().center() + QPoint(50, 0))
    )
    QTest.mouseMove(bar, far)
    # As the status bar's "Esc stops the task" while a task runs: the
    # gesture takes Esc first.
    from PySide6.QtGui import QKeySequence, QShortcut

    fired: list[bool] = []
    escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), page.window())
    escape.setContext(Qt.ShortcutContext.WindowShortcut)
    escape.activated.connect(lambda: fired.append(True))
    page.window().activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    QTest.keyClick(grid, Qt.Key.Key_Escape)
    assert _types(page) == DEFAULT_TYPES
    assert fired == []
    QTest.mouseRelease(
        bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, far
    )
    assert _types(page) == DEFAULT_TYPES
    page.shutdown()


def test_dragging_the_corner_resizes_in_cells(qtbot: QtBot, database: Database) -> None:
    page = _page(qtbot, database)
    grid = page.grid
    tile = next(t for t in grid.tiles if t.spec.type_id == "attention_list")
    assert (tile.column_span, tile.row_span) == (2, 3)
    grip = tile.grip
    QTest.mousePress(
        grip, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(8, 8)
    )
    # Drag the corner one column to the right and one row up.
    corner = tile.geometry().bottomRight()
    column = (grid.width() - 28) / grid.columns
    wanted = corner + QPoint(round(column), -150)
    QTest.mouseMove(grip, grip.mapFromGlobal(grid.mapToGlobal(wanted)))
    QTest.mouseRelease(
        grip,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        grip.mapFromGlobal(grid.mapToGlobal(wanted)),
    )
    assert (tile.column_span, tile.row_span) == (3, 2)
    assert tile.geometry().height() < tile.geometry().width()
    page.shutdown()


def test_the_layout_survives_reopening_the_database(
    qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "business.sqlite3"
    database = open_database(path)
    page = _page(qtbot, database)
    page.grid.move_tile(page.grid.tiles[0], 3)
    lifecycle = next(
        t for t in page.grid.tiles if t.spec.type_id == "lifecycle_indicator"
    )
    page.grid.resize_tile(lifecycle, 4, 4)
    lifecycle.widget.set_settings(LifecycleSettings(period=Period.LAST_24))
    page.remove_tile(page.grid.tiles[-1])
    page.add_widget("kpi_cards")
    qtbot.waitUntil(lambda: load_panel_layout(database) is not None)
    expected = [
        (s.type_id, s.column_span, s.row_span, s.settings) for s in page.states()
    ]
    page.shutdown()
    page.close()
    database.close()

    reopened = open_database(path)
    try:
        again = _page(qtbot, reopened)
        assert [
            (s.type_id, s.column_span, s.row_span, s.settings) for s in again.states()
        ] == expected
        restored = next(
            t for t in again.grid.tiles if t.spec.type_id == "lifecycle_indicator"
        )
        assert restored.widget.settings().period is Period.LAST_24
        assert again.notices() == []
        again.shutdown()
    finally:
        reopened.close()


def test_a_corrupt_layout_falls_back_to_the_default_with_a_notice(
    qtbot: QtBot, database: Database
) -> None:
    with database.write() as connection:
        from sqlalchemy import text

        connection.execute(
            text("INSERT INTO app_settings (key, value_json) VALUES (:k, :v)"),
            {"k": PANEL_LAYOUT_KEY, "v": "{not json at all"},
        )
    page = _page(qtbot, database)
    assert _types(page) == DEFAULT_TYPES
    assert len(page.notices()) == 1
    assert "could not be read" in page.notices()[0]
    # The damaged value was replaced, so the next start is quiet.
    qtbot.waitUntil(lambda: not page.is_saving)
    text_saved = load_panel_layout(database)
    assert text_saved is not None
    assert [e["type_id"] for e in json.loads(text_saved)] == DEFAULT_TYPES
    page.shutdown()


def test_a_layout_that_could_not_be_read_opens_the_default_with_a_notice(
    qtbot: QtBot, database: Database
) -> None:
    """As read with the database's opening: the page neither reads it again nor hides why."""
    page = PanelPage(database, saved_layout=SavedPanelLayout(None, "disk I/O error"))
    qtbot.addWidget(page)
    assert _types(page) == DEFAULT_TYPES
    assert len(page.notices()) == 1
    assert "could not be read" in page.notices()[0]
    assert "disk I/O error" in page.notices()[0]
    page.shutdown()


def test_unknown_and_broken_entries_are_skipped_with_a_notice(
    qtbot: QtBot, database: Database
) -> None:
    write_setting(database, "stage_model_dummy", 1)
    save_panel_layout(
        database,
        [
            {
                "type_id": "weather_forecast",
                "version": 1,
                "settings": {},
                "geometry": {},
            },
            {
                "type_id": "lifecycle_indicator",
                "version": 1,
                "settings": {"period": 12},
                "geometry": {},
            },
            {"type_id": "kpi_cards", "version": 99, "settings": {}, "geometry": {}},
            {
                "type_id": "clm_funnel",
                "version": 1,
                "settings": {},
                "geometry": {"column_span": "wide"},
            },
            "garbage",
            {
                "type_id": "distribution",
                "version": 1,
                "settings": {"groups": ["active"]},
                "geometry": {"column_span": 9, "row_span": 2},
            },
        ],
    )
    page = _page(qtbot, database)
    assert _types(page) == ["distribution"]
    tile = page.grid.tiles[0]
    assert (tile.column_span, tile.row_span) == (4, 2)  # clamped to the grid
    assert tile.widget.settings().groups == ("active",)
    notices = page.notices()
    assert len(notices) == 5
    assert any("weather_forecast" in n for n in notices)
    assert sum("settings that could not be read" in n for n in notices) == 3
    page.shutdown()


def test_refresh_loads_the_panel_in_the_background(
    qtbot: QtBot, tmp_path: Path
) -> None:
    path = ensure_demo_database(tmp_path / "demo.sqlite3", customers=300)
    database = open_database(path)
    try:
        page = _page(qtbot, database)
        assert page.panel_data is None
        with qtbot.waitSignal(page.data_ready, timeout=30000):
            page.refresh()
            assert page.is_loading
        data = page.panel_data
        assert data is not None
        assert not data.is_empty
        for tile in page.grid.tiles:
            assert tile.widget.data is data
        assert "Loja Exemplo" in page._as_of.text()
        assert page.summary()
        page.shutdown()
    finally:
        database.close()


def test_export_the_call_list(
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    demo_panel: tuple[PanelData, ContactSource],
) -> None:
    data, contacts = demo_panel
    page = _page(qtbot, None)
    page.set_panel_data(data, contacts)
    target = tmp_path / "call list.csv"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "")
    )
    attention = next(t for t in page.grid.tiles if t.spec.type_id == "attention_list")
    attention.widget.export_button.click()  # type: ignore[attr-defined]
    qtbot.waitUntil(target.exists, timeout=10000)
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == data.attention_total + 1
    assert data.attention[0].key in lines[1]
    page.shutdown()


def test_opening_the_whole_attention_list(
    qtbot: QtBot, demo_panel: tuple[PanelData, ContactSource]
) -> None:
    data, contacts = demo_panel
    page = _page(qtbot, None)
    page.set_panel_data(data, contacts)
    assert data.latest_day is not None
    dialog = page.open_customers(CustomerQuery(QueryKind.ATTENTION, data.latest_day))
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.model.rowCount() == data.attention_total)
    assert "need attention" in dialog.windowTitle()
    dialog.close()
    page.shutdown()


def test_widget_settings_dialog_applies_and_saves(
    qtbot: QtBot, database: Database
) -> None:
    from clmdesk.ui.dashboard.panel_page import WidgetSettingsDialog

    page = _page(qtbot, database)
    tile = next(t for t in page.grid.tiles if t.spec.type_id == "lifecycle_indicator")
    dialog = WidgetSettingsDialog(tile.widget, tile.spec.translated_title(), page)
    qtbot.addWidget(dialog)
    form = dialog.form
    assert form is not None
    combo = form.period  # type: ignore[attr-defined]
    combo.setCurrentIndex(combo.findData(Period.ALL.value))
    dialog.accept()
    assert tile.widget.settings().period is Period.ALL
    qtbot.waitUntil(lambda: '"all"' in (load_panel_layout(database) or ""))
    page.shutdown()


def test_two_lists_opened_at_once_both_fill(
    qtbot: QtBot, demo_panel: tuple[PanelData, ContactSource]
) -> None:
    data, contacts = demo_panel
    page = _page(qtbot, None)
    page.set_panel_data(data, contacts)
    day = int(data.snapshot_days[-1])
    first = page.open_customers(CustomerQuery(QueryKind.STAGE, day, "champion"))
    second = page.open_customers(CustomerQuery(QueryKind.STAGE, day, "lost"))
    assert first is not None
    assert second is not None
    qtbot.waitUntil(lambda: first.model.rowCount() > 0 and second.model.rowCount() > 0)
    assert first.model.rowCount() == int(data.counts[-1, data.model.index("champion")])
    assert second.model.rowCount() == int(data.counts[-1, data.model.index("lost")])
    first.close()
    second.close()
    page.shutdown()
