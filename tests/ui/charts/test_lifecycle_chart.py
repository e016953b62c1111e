"""The lifecycle indicator: hover tooltips, clicks, the period selector, any stage model (pytest-qt, offscreen)."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QToolTip

from clmdesk.core.charting import Period
from clmdesk.core.lifecycle import Rule, Stage, StageModel, default_model
from clmdesk.services.panel import demo_panel_data
from clmdesk.ui.charts.formatting import (
    format_count,
    format_month_long,
    format_percent,
    format_signed,
)
from clmdesk.ui.charts.lifecycle_chart import (
    ChartStage,
    LifecycleChart,
    LifecycleChartData,
)
from clmdesk.ui.dashboard.panel_page import PanelPage
from clmdesk.ui.dashboard.widgets.lifecycle import (
    LifecycleIndicatorWidget,
    LifecycleSettings,
)

if TYPE_CHECKING:
    from pathlib import Path

    from pytestqt.qtbot import QtBot

    from clmdesk.services.panel import ContactSource, PanelData


def _plain(html: str) -> str:
    document = QTextDocument()
    document.setHtml(html)
    return document.toPlainText()


def _view_point(chart: LifecycleChart, data_point: QPointF) -> QPoint:
    view_box = chart.getPlotItem().getViewBox()
    return chart.mapFromScene(view_box.mapViewToScene(data_point))


def _shown_widget(
    qtbot: QtBot, data: PanelData, period: Period = Period.ALL
) -> LifecycleIndicatorWidget:
    widget = LifecycleIndicatorWidget(LifecycleSettings(period=period))
    qtbot.addWidget(widget)
    widget.resize(1100, 520)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_data(data)
    chart = widget.chart
    # Let the layout and the view's ranges settle before mapping coordinates.
    qtbot.waitUntil(lambda: chart.getPlotItem().getViewBox().width() > 100)
    return widget


def _hover(qtbot: QtBot, chart: LifecycleChart, point: QPointF) -> None:
    target = _view_point(chart, point)
    # Qt drops a move to where the cursor already is (an earlier test may have
    # left it there): arrive from one pixel away.
    qtbot.mouseMove(chart.viewport(), target + QPoint(1, 1))
    qtbot.mouseMove(chart.viewport(), target)


def _engine_figures(
    data: PanelData, snapshot: int, key: str
) -> tuple[int, float, int | None]:
    shown = [
        i for i, s in enumerate(data.model.stages) if s.group in ("active", "attention")
    ]
    k = data.model.index(key)
    count = int(data.counts[snapshot, k])
    total = int(data.counts[snapshot, shown].sum())
    change = None if snapshot == 0 else count - int(data.counts[snapshot - 1, k])
    return count, count / total, change


@pytest.mark.parametrize("seed", [3, 17, 2024])
def test_hover_shows_the_engine_figures_of_a_random_segment(
    qtbot: QtBot, demo_panel: tuple[PanelData, ContactSource], seed: int
) -> None:
    data, _ = demo_panel
    widget = _shown_widget(qtbot, data)
    chart = widget.chart
    rng = random.Random(seed)
    candidates = [
        (s, stage.key)
        for s in range(1, data.n_snapshots)
        for stage in chart.data.stages
        if data.counts[s, data.model.index(stage.key)] > 0
    ]
    snapshot, key = rng.choice(candidates)
    # Start outside any bar so that entering the segment is a real hover.
    _hover(qtbot, chart, QPointF(snapshot + 0.5, 1.0))
    _hover(qtbot, chart, chart.segment_centre(snapshot, key))
    qtbot.waitUntil(lambda: chart.tooltip_text() != "")
    text = _plain(chart.tooltip_text())
    count, share, change = _engine_figures(data, snapshot, key)
    stage = data.model.stage(key)
    assert stage.name_en in text
    assert "Active customers" in text or "Need attention" in text
    assert format_month_long(int(data.snapshot_days[snapshot])) in text
    assert f"Customers: {format_count(count)}" in text
    assert f"Share of the bar: {format_percent(share)}" in text
    assert change is not None
    assert format_signed(change) in text
    # The meaning quotes the actual thresholds (C in days).
    assert "days ago" in text or "purchase" in text
    assert stage.name_en in _plain(QToolTip.text()) or not QToolTip.isVisible()


def test_hover_between_bars_shows_nothing(
    qtbot: QtBot, demo_panel: tuple[PanelData, ContactSource]
) -> None:
    data, _ = demo_panel
    widget = _shown_widget(qtbot, data)
    chart = widget.chart
    last = data.n_snapshots - 1
    _hover(qtbot, chart, chart.segment_centre(last, "champion"))
    qtbot.waitUntil(lambda: chart.tooltip_text() != "")
    _hover(qtbot, chart, QPointF(last - 0.5, 2.0))
    qtbot.waitUntil(lambda: chart.tooltip_text() == "")


def test_first_month_has_no_previous_month(
    qtbot: QtBot, demo_panel: tuple[PanelData, ContactSource]
) -> None:
    data, _ = demo_panel
    widget = _shown_widget(qtbot, data)
    chart = widget.chart
    first = next(
        i
        for i in range(data.n_snapshots)
        if data.counts[i, data.model.index("new")] > 0
    )
    text = _plain(chart.tooltip_html(first, chart.data.stage_index("new")))
    if first == 0:
        assert "first month of the history" in text


def test_clicking_a_segment_lists_exactly_those_customers(
    qtbot: QtBot, demo_panel: tuple[PanelData, ContactSource]
) -> None:
    data, contacts = demo_panel
    page = PanelPage(None)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    qtbot.waitExposed(page)
    page.set_panel_data(data, contacts)
    tile = next(t for t in page.grid.tiles if t.spec.type_id == "lifecycle_indicator")
    chart = tile.widget.chart  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: chart.getPlotItem().getViewBox().width() > 100)
    snapshot = data.n_snapshots - 3
    key = "at_risk"
    expected = set(
        data.customer_ids[
            np.flatnonzero(data.stages[snapshot] == data.model.index(key))
        ].tolist()
    )
    assert expected
    qtbot.mouseClick(
        chart.viewport(),
        Qt.MouseButton.LeftButton,
        pos=_view_point(chart, chart.segment_centre(snapshot, key)),
    )
    qtbot.waitUntil(lambda: len(page.open_lists()) == 1)
    dialog = page.open_lists()[0]
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0)
    assert {row.customer_id for row in dialog.model.rows} == expected
    assert "At risk" in dialog.windowTitle()
    assert format_month_long(int(data.snapshot_days[snapshot])) in dialog.windowTitle()
    dialog.close()
    page.shutdown()


def test_period_selector_changes_the_bars_shown(
    qtbot: QtBot, demo_panel: tuple[PanelData, ContactSource]
) -> None:
    data, _ = demo_panel
    widget = _shown_widget(qtbot, data, Period.LAST_12)
    chart = widget.chart
    n = data.n_snapshots
    assert chart.shown_range == (n - 12, n)
    left, right = chart.getPlotItem().getViewBox().viewRange()[0]
    assert left < n - 12 < n - 1 < right
    assert left > n - 13
    combo = widget.view.selector._combo
    combo.setCurrentIndex(combo.findData(Period.LAST_24.value))
    assert chart.shown_range == (n - 24, n)
    assert widget.settings().period is Period.LAST_24
    combo.setCurrentIndex(combo.findData(Period.ALL.value))
    assert chart.shown_range == (0, n)
    combo.setCurrentIndex(combo.findData(Period.CUSTOM.value))
    selector = widget.view.selector
    selector._from.setCurrentIndex(5)
    selector._to.setCurrentIndex(9)
    assert chart.shown_range == (5, 10)
    assert widget.settings().custom_first_day == int(data.snapshot_days[5])
    # A segment outside the period cannot be hovered.
    assert chart.segment_at(2.0, 1.0) is None
    # The settings survive a new widget built from them.
    again = LifecycleIndicatorWidget(widget.settings())
    qtbot.addWidget(again)
    again.set_data(data)
    assert again.chart.shown_range == (5, 10)


def test_legend_hides_a_stage(
    qtbot: QtBot, demo_panel: tuple[PanelData, ContactSource]
) -> None:
    data, _ = demo_panel
    widget = _shown_widget(qtbot, data)
    entry = next(e for e in widget.view.legend.entries if e.stage.key == "loyal")
    entry.click()
    assert "loyal" not in widget.chart.visible_stage_keys
    assert widget.settings().shown_stages is not None
    assert "loyal" not in widget.settings().shown_stages
    # Shares are then taken among the stages shown.
    last = data.n_snapshots - 1
    figures = widget.chart.figures(last, "champion")
    shown = [data.model.index(k) for k in widget.chart.visible_stage_keys]
    assert figures.bar_total == int(data.counts[last, shown].sum())


def test_a_user_built_model_is_drawn_with_its_own_stages_and_colours(
    qtbot: QtBot,
) -> None:
    model = StageModel(
        stages=(
            Stage(
                "fresh", "active", "Fresh", "Recentes", "#123456", Rule(min_frequency=1)
            ),
            Stage(
                "sleepy",
                "attention",
                "Sleepy",
                "Sonolentos",
                "#abcdef",
                Rule(min_frequency=1),
            ),
            Stage("gone", "inactive", "Gone", "Partiram", "#444444", Rule()),
        ),
        preset="custom",
    )
    base = default_model()
    assert base.keys != model.keys
    data, _ = demo_panel_data(customers=200, model=_three_stage_model())
    widget = _shown_widget(qtbot, data)
    stages = widget.chart.data.stages
    assert [s.key for s in stages] == ["recent", "cooling"]
    assert [s.colour for s in stages] == ["#0a9396", "#ee9b00"]
    assert [e.stage.key for e in widget.view.legend.entries] == ["recent", "cooling"]
    last = data.n_snapshots - 1
    text = _plain(widget.chart.tooltip_html(last, 0))
    assert "Recently" in text
    assert model.stages[0].key == "fresh"


def _three_stage_model() -> StageModel:
    from clmdesk.core.lifecycle import Bound, RecencyUnit

    return StageModel(
        stages=(
            Stage(
                "prospect",
                "prospects",
                "Prospects",
                "Prospectos",
                "#9b8ec4",
                Rule(max_frequency=0, registered=True),
            ),
            Stage(
                "recent",
                "active",
                "Recently",
                "Recentes",
                "#0a9396",
                Rule(min_frequency=1, recency_at_most=Bound(60, RecencyUnit.DAYS)),
            ),
            Stage(
                "cooling",
                "attention",
                "Cooling",
                "Esfriando",
                "#ee9b00",
                Rule(
                    min_frequency=1,
                    recency_above=Bound(60, RecencyUnit.DAYS),
                    recency_at_most=Bound(365, RecencyUnit.DAYS),
                ),
            ),
            Stage(
                "gone", "inactive", "Gone", "Partiram", "#444444", Rule(min_frequency=1)
            ),
            Stage("other", "prospects", "Other", "Outros", "#777777", Rule()),
        ),
        preset="custom",
    )


def test_chart_data_validation() -> None:
    stage = ChartStage("a", "A", "active", "Active", "#000000")
    with pytest.raises(ValueError, match="one row per snapshot"):
        LifecycleChartData((1, 2), (stage,), np.zeros((3, 1)))
    empty = LifecycleChartData()
    assert empty.n_snapshots == 0
    data = LifecycleChartData((1,), (stage,), np.array([[4]]))
    assert replace(data).counts.flags.writeable is False


def test_keyboard_walks_the_segments_and_enter_lists_customers(
    qtbot: QtBot, demo_panel: tuple[PanelData, ContactSource]
) -> None:
    data, _ = demo_panel
    widget = _shown_widget(qtbot, data, Period.LAST_12)
    chart = widget.chart
    chart.setFocus()
    last = data.n_snapshots - 1
    qtbot.keyClick(chart, Qt.Key.Key_Right)
    first_stage = next(
        s.key
        for s in chart.data.stages
        if data.counts[last, data.model.index(s.key)] > 0
    )
    assert chart.keyboard_segment() == (last, first_stage)
    assert "Customers:" in _plain(chart.tooltip_text())
    qtbot.keyClick(chart, Qt.Key.Key_Left)
    qtbot.keyClick(chart, Qt.Key.Key_Up)
    snapshot, key = chart.keyboard_segment()  # type: ignore[misc]
    assert snapshot == last - 1
    assert chart.data.stage_index(key) >= chart.data.stage_index(first_stage)
    with qtbot.waitSignal(chart.segment_clicked) as blocker:
        qtbot.keyClick(chart, Qt.Key.Key_Return)
    assert blocker.args == [snapshot, key]
    # Never walks out of the period shown.
    for _ in range(30):
        qtbot.keyClick(chart, Qt.Key.Key_Left)
    assert chart.keyboard_segment()[0] == data.n_snapshots - 12  # type: ignore[index]
    qtbot.keyClick(chart, Qt.Key.Key_Escape)
    assert chart.keyboard_segment() is None


def test_the_chart_renders_as_vector_shapes(
    qtbot: QtBot, tmp_path: Path, demo_panel: tuple[PanelData, ContactSource]
) -> None:
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    data, _ = demo_panel
    widget = _shown_widget(qtbot, data)
    chart = widget.chart
    target = tmp_path / "chart.svg"
    generator = QSvgGenerator()
    generator.setFileName(str(target))
    generator.setSize(chart.size())
    generator.setViewBox(QRectF(0, 0, chart.width(), chart.height()))
    painter = QPainter(generator)
    chart.scene().render(
        painter, QRectF(0, 0, chart.width(), chart.height()), QRectF(chart.rect())
    )
    painter.end()
    svg = target.read_text(encoding="utf-8")
    # Bars are shapes, never an embedded picture (reports and PDFs stay vector).
    assert "<image" not in svg
    assert svg.count("<rect") + svg.count("<path") > 100


def test_escape_closes_the_hover_before_a_window_shortcut_sees_it(
    qtbot: QtBot, demo_panel: tuple[PanelData, ContactSource]
) -> None:
    from PySide6.QtGui import QKeySequence, QShortcut

    data, _ = demo_panel
    widget = _shown_widget(qtbot, data, Period.LAST_12)
    chart = widget.chart
    # As the status bar's "Esc stops the task" while a task runs.
    fired: list[bool] = []
    escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), widget.window())
    escape.setContext(Qt.ShortcutContext.WindowShortcut)
    escape.activated.connect(lambda: fired.append(True))
    widget.window().activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    chart.setFocus()
    qtbot.keyClick(chart, Qt.Key.Key_Right)
    assert chart.keyboard_segment() is not None
    qtbot.keyClick(chart, Qt.Key.Key_Escape)
    assert chart.keyboard_segment() is None
    assert fired == []
    # With nothing to close, Esc goes to the window.
    qtbot.keyClick(chart, Qt.Key.Key_Escape)
    assert fired == [True]
