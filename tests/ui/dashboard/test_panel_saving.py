"""The panel saves its layout off the GUI thread, even while another write holds the database (pytest-qt).

Another write transaction is held open on a helper thread (as an import or
a classification would): the save waits for it on a worker, the window's
thread keeps ticking, and the layout lands once the other write ends, in
the database it belongs to even when the page was shut down meanwhile.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from clmdesk.services.panel import load_panel_layout
from clmdesk.storage.database import open_database
from clmdesk.ui.dashboard.panel_page import PanelPage
from clmdesk.ui.database_lease import DatabaseLease
from tests.ui.held_write import LIMIT_MS, OtherWrite, longest_gap

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from pytestqt.qtbot import QtBot

    from clmdesk.storage.database import Database


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = open_database(tmp_path / "business.sqlite3")
    yield db
    db.close()


def _saved_types(database: Database) -> list[str] | None:
    text = load_panel_layout(database)
    return None if text is None else [e["type_id"] for e in json.loads(text)]


def _page(qtbot: QtBot, database: Database, lease: DatabaseLease | None) -> PanelPage:
    page = PanelPage(database, lease=lease)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    qtbot.waitExposed(page)
    return page


def _types(page: PanelPage) -> list[str]:
    return [tile.spec.type_id for tile in page.grid.tiles]


def test_a_layout_saved_during_another_write_waits_off_the_gui_thread(
    qtbot: QtBot, database: Database
) -> None:
    page = _page(qtbot, database, None)
    page.add_widget("distribution")
    expected = _types(page)
    with OtherWrite(database) as other:
        gap = longest_gap(qtbot, page.save_layout)
        assert gap < LIMIT_MS, f"GUI thread blocked {gap:.0f} ms"
        assert page.is_saving
        assert _saved_types(database) is None  # still waiting for the other write
        other.end()
        qtbot.waitUntil(lambda: not page.is_saving)
    assert _saved_types(database) == expected
    assert page.notices() == []
    page.shutdown()
    page.close()


def test_layouts_saved_while_one_waits_land_in_order_the_latest_last(
    qtbot: QtBot, database: Database
) -> None:
    page = _page(qtbot, database, None)
    with OtherWrite(database) as other:
        page.add_widget("distribution")
        page.save_layout()
        page.add_widget("kpi_cards")
        page.save_layout()
        page.remove_tile(page.grid.tiles[0])
        page.save_layout()
        expected = _types(page)
        other.end()
        qtbot.waitUntil(lambda: not page.is_saving)
    assert _saved_types(database) == expected
    page.shutdown()


def test_shutting_down_with_a_change_unsaved_saves_it_into_its_database_after_the_other_write(
    qtbot: QtBot, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_close = database.close

    def close() -> None:
        events.append("closed")
        real_close()

    monkeypatch.setattr(database, "close", close)
    idle: list[DatabaseLease] = []
    lease = DatabaseLease(database, idle.append)
    page = _page(qtbot, database, lease)
    page.add_widget("distribution")  # saved after a short delay: not yet
    expected = _types(page)
    with OtherWrite(database) as other:

        def leave() -> None:
            # What the window does when it switches to another database.
            page.shutdown()
            page.deleteLater()
            lease.release()

        gap = longest_gap(qtbot, leave)
        assert gap < LIMIT_MS, f"GUI thread blocked {gap:.0f} ms"
        # The save holds the database: it stays open for it.
        assert lease.is_busy
        assert events == []
        assert _saved_types(database) is None
        other.end()
        qtbot.waitUntil(lambda: events == ["closed"] and idle == [lease])
    assert not lease.is_busy
    assert _saved_types(database) == expected


def test_a_save_asked_for_after_the_window_left_the_database_is_dropped(
    qtbot: QtBot, database: Database
) -> None:
    lease = DatabaseLease(database, lambda _lease: None)
    page = _page(qtbot, database, lease)
    page.shutdown()
    lease.release()
    page.add_widget("distribution")
    page.save_layout()
    assert not page.is_saving
    assert _saved_types(database) is None
    page.close()
