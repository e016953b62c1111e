"""Charts and widgets recorded as vector pictures for reports (ui layer).

pyqtgraph's own exporters do not serve here (STYLE.md E3): its SVG exporter
fails on PySide6 ≥ 6.11 and its print exporter is disabled. A chart is
instead painted with ``scene().render(painter, target, source)`` into a
``QPicture``, which records drawing commands rather than pixels; the report
then replays the picture on the printer, the PDF, the SVG or the image, so
axis labels stay text and bars stay rectangles.

The lifecycle chart of a report is a fresh, never-shown
:class:`~clmdesk.ui.charts.lifecycle_chart.LifecycleChart` on a light
palette, sized to its place on the page; the widget the user sees is never
touched.

GUI thread only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QPoint, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QPainter, QPalette, QPicture, QRegion
from PySide6.QtWidgets import QAbstractButton, QGraphicsView, QLabel, QWidget

import pyqtgraph as pg  # isort: skip  (after PySide6, STACK.md)

from clmdesk.ui.charts.lifecycle_chart import LifecycleChart, LifecycleChartData
from clmdesk.ui.reporting.style import light_palette

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "RecordedPicture",
    "lifecycle_chart_picture",
    "shown_window",
    "widget_picture",
]


@dataclass(frozen=True)
class RecordedPicture:
    """A picture with the area worth showing and the text it contains."""

    picture: QPicture
    source: QRectF
    labels: tuple[str, ...] = ()


def _lay_out_hidden(chart: pg.GraphicsView, size: QSizeF) -> None:
    """Give a never-shown pyqtgraph view its size without putting it on screen.

    A hidden widget gets no resize event, and showing it off screen
    (``WA_DontShowOnScreen``) left pyqtgraph's axes without their labels, so
    the view's pixel range is set directly, as its own ``resizeEvent`` would,
    and the scene's posted layout requests are delivered.
    """
    chart.resize(QSize(max(1, round(size.width())), max(1, round(size.height()))))
    pg.GraphicsView.setRange(
        chart,
        QRectF(0, 0, size.width(), size.height()),
        padding=0,
        disableAutoPixel=False,
    )
    # Only posted events (layout requests) are delivered here, no user input.
    QCoreApplication.sendPostedEvents()


def shown_window(snapshots: int, months: int) -> tuple[int, int]:
    """The half-open snapshot range of the last ``months`` snapshots."""
    months = max(1, int(months))
    return max(0, snapshots - months), snapshots


def _axis_labels(chart: LifecycleChart) -> tuple[str, ...]:
    labels: list[str] = []
    item = chart.getPlotItem()
    for name in ("bottom", "left"):
        axis = item.getAxis(name)
        low, high = axis.range
        for _spacing, values in axis.tickValues(
            low, high, axis.width() if name == "bottom" else axis.height()
        ):
            labels.extend(axis.tickStrings(values, 1.0, 1.0))
    return tuple(labels)


def _record_scene(
    view: QGraphicsView, size: QSizeF, source: QRectF | None = None
) -> QPicture:
    picture = QPicture()
    painter = QPainter(picture)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if source is None:
            source = view.mapToScene(view.viewport().rect()).boundingRect()
        view.scene().render(painter, QRectF(0, 0, size.width(), size.height()), source)
    finally:
        painter.end()
    return picture


def lifecycle_chart_picture(
    data: LifecycleChartData,
    size: QSizeF,
    *,
    visible_keys: Sequence[str] | None = None,
    months: int = 12,
) -> RecordedPicture:
    """Record the lifecycle indicator for a report.

    Parameters
    ----------
    data
        The chart's data (see :func:`clmdesk.ui.dashboard.base.chart_data_from_panel`).
    size
        The chart's size on the page, in report units.
    visible_keys
        Stages stacked in the bars (all of ``data`` by default).
    months
        How many of the latest snapshots to show.
    """
    chart = LifecycleChart()
    try:
        chart.setPalette(light_palette())
        chart.setFrameShape(QGraphicsView.Shape.NoFrame)
        _lay_out_hidden(chart, size)
        chart.set_data(data, visible_keys, shown_window(data.n_snapshots, months))
        QCoreApplication.sendPostedEvents()
        picture = _record_scene(chart, size, QRectF(0, 0, size.width(), size.height()))
        labels = _axis_labels(chart)
    finally:
        chart.deleteLater()
    return RecordedPicture(picture, QRectF(0, 0, size.width(), size.height()), labels)


def _widget_labels(widget: QWidget) -> tuple[str, ...]:
    labels: list[str] = []
    for child in widget.findChildren(QWidget):
        if not child.isVisibleTo(widget):
            continue
        if (isinstance(child, QLabel) and child.text()) or (
            isinstance(child, QAbstractButton) and child.text()
        ):
            labels.append(child.text())
    return tuple(labels)


def widget_picture(widget: QWidget) -> RecordedPicture:
    """Record a widget as the user sees it, on a light palette, as a vector picture.

    A pyqtgraph view (any ``QGraphicsView``) is recorded from its scene; any
    other widget is rendered with its children. The widget's own palette is
    restored afterwards.
    """
    size = QSizeF(widget.size())
    had_palette = widget.testAttribute(Qt.WidgetAttribute.WA_SetPalette)
    palette = QPalette(widget.palette())
    widget.setPalette(light_palette())
    try:
        if isinstance(widget, QGraphicsView):
            picture = _record_scene(widget, size)
        else:
            picture = QPicture()
            painter = QPainter(picture)
            try:
                widget.render(
                    painter,
                    QPoint(0, 0),
                    QRegion(),
                    QWidget.RenderFlag.DrawChildren
                    | QWidget.RenderFlag.DrawWindowBackground,
                )
            finally:
                painter.end()
        labels = _widget_labels(widget)
    finally:
        if had_palette:
            widget.setPalette(palette)
        else:
            widget.setPalette(QPalette())
            widget.setAttribute(Qt.WidgetAttribute.WA_SetPalette, False)
    return RecordedPicture(picture, QRectF(0, 0, size.width(), size.height()), labels)
