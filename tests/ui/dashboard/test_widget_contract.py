"""Every registered panel widget passes the same contract (STYLE.md W4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor

import clmdesk.ui.dashboard.widgets  # noqa: F401  (registers the catalog)
from clmdesk.core.lifecycle import default_model
from clmdesk.services.panel import empty_panel_data
from clmdesk.ui.dashboard.base import PanelWidget
from clmdesk.ui.dashboard.grid import GAP, MIN_COLUMN_WIDTH, ROW_HEIGHT
from clmdesk.ui.dashboard.registry import (
    registered_specs,
    settings_from_json,
    settings_to_json,
)

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from clmdesk.services.panel import ContactSource, PanelData
    from clmdesk.ui.dashboard.registry import WidgetSpec

SPECS = registered_specs()
# The tile's title bar and padding take this much of a cell's height.
TILE_CHROME = QSize(30, 62)


def test_the_catalog_has_the_six_widgets_of_the_panel() -> None:
    assert [s.type_id for s in SPECS] == [
        "lifecycle_indicator",
        "distribution",
        "kpi_cards",
        "clm_funnel",
        "stage_movements",
        "attention_list",
    ]
    for spec in SPECS:
        assert spec.title
        assert spec.description
        assert spec.icon
        assert 1 <= spec.min_span[0] <= spec.default_span[0] <= 4
        assert 1 <= spec.min_span[1] <= spec.default_span[1]


def _non_blank(image: object) -> bool:
    from PySide6.QtGui import QImage

    assert isinstance(image, QImage)
    assert not image.isNull()
    first = QColor(image.pixel(0, 0))
    step = max(1, image.width() // 40)
    return any(
        QColor(image.pixel(x, y)) != first
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), max(1, image.height() // 40))
    )


@pytest.mark.parametrize("spec", SPECS, ids=[s.type_id for s in SPECS])
def test_widget_contract(
    qtbot: QtBot, spec: WidgetSpec, demo_panel: tuple[PanelData, ContactSource]
) -> None:
    data, _ = demo_panel
    widget = spec.factory(spec.default_settings(), None)
    qtbot.addWidget(widget)
    assert isinstance(widget, PanelWidget)
    # Builds and shows with nothing loaded yet, and with an empty history.
    widget.set_data(None)
    widget.set_data(empty_panel_data(default_model()))
    cols, rows = spec.min_span
    cell = QSize(
        cols * MIN_COLUMN_WIDTH + (cols - 1) * GAP - TILE_CHROME.width(),
        rows * ROW_HEIGHT + (rows - 1) * GAP - TILE_CHROME.height(),
    )
    widget.resize(cell)
    widget.show()
    qtbot.waitExposed(widget)
    empty_image = widget.render_image()
    assert not empty_image.isNull()
    # With demo data.
    widget.set_data(data)
    # A sane minimum size: big enough to read, small enough for its smallest tile.
    minimum = widget.minimumSizeHint().expandedTo(widget.minimumSize())
    assert minimum.width() >= 100
    assert minimum.height() >= 60
    assert minimum.width() <= cell.width() + 40, (minimum, cell)
    assert minimum.height() <= cell.height() + 40, (minimum, cell)
    image = widget.render_image(QSize(700, 400), device_pixel_ratio=2.0)
    assert image.width() == 1400
    assert _non_blank(image)
    # Settings survive a JSON round trip.
    settings = widget.settings()
    assert (
        settings_from_json(spec.settings_type, settings_to_json(settings)) == settings
    )
    editor = widget.settings_editor()
    # A widget that says it has settings offers a form for them.
    assert (editor is not None) == widget.settings_editor_available()
    if editor is not None:
        qtbot.addWidget(editor)
        assert editor.value() == settings  # type: ignore[attr-defined]
