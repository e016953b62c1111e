"""Small vector icons drawn in the palette's text colour (ui layer).

The panel needs a handful of glyphs (settings, menu, add, reset, export,
close, and one per widget type). Drawing them with ``QPainterPath`` keeps
them crisp at any device-pixel ratio and right in light and dark themes,
without shipping image files. GUI thread only.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QIcon,
    QIconEngine,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["glyph_icon"]


def _gear(p: QPainter, r: QRectF) -> None:
    c = r.center()
    outer, inner = r.width() * 0.46, r.width() * 0.34
    path = QPainterPath()
    teeth = 8
    for i in range(teeth * 2):
        angle = math.pi * 2 * i / (teeth * 2)
        radius = outer if i % 2 == 0 else inner
        for da in (-0.18, 0.18):
            point = QPointF(
                c.x() + radius * math.cos(angle + da),
                c.y() + radius * math.sin(angle + da),
            )
            if path.elementCount() == 0:
                path.moveTo(point)
            else:
                path.lineTo(point)
    path.closeSubpath()
    hole = QPainterPath()
    hole.addEllipse(c, r.width() * 0.14, r.width() * 0.14)
    p.fillPath(path.subtracted(hole), p.pen().color())


def _dots(p: QPainter, r: QRectF) -> None:
    c = r.center()
    d = r.width() * 0.09
    p.setBrush(p.pen().color())
    p.setPen(Qt.PenStyle.NoPen)
    for dy in (-0.3, 0.0, 0.3):
        p.drawEllipse(QPointF(c.x(), c.y() + dy * r.height()), d, d)


def _plus(p: QPainter, r: QRectF) -> None:
    c = r.center()
    a = r.width() * 0.32
    p.drawLine(QPointF(c.x() - a, c.y()), QPointF(c.x() + a, c.y()))
    p.drawLine(QPointF(c.x(), c.y() - a), QPointF(c.x(), c.y() + a))


def _close(p: QPainter, r: QRectF) -> None:
    c = r.center()
    a = r.width() * 0.26
    p.drawLine(QPointF(c.x() - a, c.y() - a), QPointF(c.x() + a, c.y() + a))
    p.drawLine(QPointF(c.x() - a, c.y() + a), QPointF(c.x() + a, c.y() - a))


def _reset(p: QPainter, r: QRectF) -> None:
    inset = r.adjusted(
        r.width() * 0.2, r.height() * 0.2, -r.width() * 0.2, -r.height() * 0.2
    )
    p.drawArc(inset, 90 * 16, 270 * 16)
    tip = QPointF(inset.center().x(), inset.top())
    a = r.width() * 0.12
    p.drawLine(tip, QPointF(tip.x() - a, tip.y() - a))
    p.drawLine(tip, QPointF(tip.x() - a, tip.y() + a))


def _export(p: QPainter, r: QRectF) -> None:
    c = r.center()
    w, h = r.width(), r.height()
    p.drawLine(QPointF(c.x(), r.top() + h * 0.18), QPointF(c.x(), r.top() + h * 0.62))
    a = w * 0.16
    tip = QPointF(c.x(), r.top() + h * 0.62)
    p.drawLine(tip, QPointF(tip.x() - a, tip.y() - a))
    p.drawLine(tip, QPointF(tip.x() + a, tip.y() - a))
    tray = QPainterPath()
    tray.moveTo(r.left() + w * 0.2, r.top() + h * 0.6)
    tray.lineTo(r.left() + w * 0.2, r.top() + h * 0.8)
    tray.lineTo(r.right() - w * 0.2, r.top() + h * 0.8)
    tray.lineTo(r.right() - w * 0.2, r.top() + h * 0.6)
    p.drawPath(tray)


def _bars(p: QPainter, r: QRectF) -> None:
    w, h = r.width(), r.height()
    p.setPen(Qt.PenStyle.NoPen)
    colour = p.brush().color()
    p.setBrush(colour)
    for i, frac in enumerate((0.45, 0.7, 0.55, 0.85)):
        left = r.left() + w * (0.14 + i * 0.19)
        p.drawRect(
            QRectF(
                left, r.bottom() - h * 0.12 - h * frac * 0.8, w * 0.13, h * frac * 0.8
            )
        )


def _distribution(p: QPainter, r: QRectF) -> None:
    w, h = r.width(), r.height()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(p.brush().color())
    for i, frac in enumerate((0.8, 0.55, 0.35, 0.6)):
        top = r.top() + h * (0.16 + i * 0.18)
        p.drawRect(QRectF(r.left() + w * 0.14, top, w * 0.72 * frac, h * 0.11))


def _cards(p: QPainter, r: QRectF) -> None:
    w, h = r.width(), r.height()
    for i in range(2):
        for j in range(2):
            p.drawRoundedRect(
                QRectF(
                    r.left() + w * (0.14 + j * 0.38),
                    r.top() + h * (0.2 + i * 0.32),
                    w * 0.32,
                    h * 0.26,
                ),
                2,
                2,
            )


def _funnel(p: QPainter, r: QRectF) -> None:
    w, h = r.width(), r.height()
    path = QPainterPath()
    path.moveTo(r.left() + w * 0.12, r.top() + h * 0.2)
    path.lineTo(r.right() - w * 0.12, r.top() + h * 0.2)
    path.lineTo(r.left() + w * 0.58, r.top() + h * 0.55)
    path.lineTo(r.left() + w * 0.58, r.top() + h * 0.82)
    path.lineTo(r.left() + w * 0.42, r.top() + h * 0.82)
    path.lineTo(r.left() + w * 0.42, r.top() + h * 0.55)
    path.closeSubpath()
    p.drawPath(path)


def _matrix(p: QPainter, r: QRectF) -> None:
    w, h = r.width(), r.height()
    p.setPen(Qt.PenStyle.NoPen)
    base = p.brush().color()
    for i in range(3):
        for j in range(3):
            colour = QColor(base)
            colour.setAlphaF(0.35 if i != j else 1.0)
            p.setBrush(colour)
            p.drawRect(
                QRectF(
                    r.left() + w * (0.16 + j * 0.24),
                    r.top() + h * (0.16 + i * 0.24),
                    w * 0.2,
                    h * 0.2,
                )
            )


def _people(p: QPainter, r: QRectF) -> None:
    w, h = r.width(), r.height()
    p.drawEllipse(QPointF(r.left() + w * 0.5, r.top() + h * 0.34), w * 0.14, h * 0.14)
    path = QPainterPath()
    path.moveTo(r.left() + w * 0.22, r.bottom() - h * 0.18)
    path.cubicTo(
        QPointF(r.left() + w * 0.22, r.top() + h * 0.5),
        QPointF(r.right() - w * 0.22, r.top() + h * 0.5),
        QPointF(r.right() - w * 0.22, r.bottom() - h * 0.18),
    )
    p.drawPath(path)


_GLYPHS: dict[str, Callable[[QPainter, QRectF], None]] = {
    "settings": _gear,
    "menu": _dots,
    "add": _plus,
    "close": _close,
    "reset": _reset,
    "export": _export,
    "lifecycle": _bars,
    "distribution": _distribution,
    "kpi": _cards,
    "funnel": _funnel,
    "movements": _matrix,
    "attention": _people,
}


class _GlyphEngine(QIconEngine):
    def __init__(self, name: str, colour: QColor | None) -> None:
        super().__init__()
        self._name = name
        self._colour = colour

    def paint(
        self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State
    ) -> None:
        colour = self._colour or QApplication.palette().color(
            QPalette.ColorRole.WindowText
        )
        if mode == QIcon.Mode.Disabled:
            colour = QColor(colour)
            colour.setAlphaF(0.4)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(colour, max(1.2, rect.width() / 12))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(colour)
        side = min(rect.width(), rect.height())
        square = QRectF(
            rect.x() + (rect.width() - side) / 2,
            rect.y() + (rect.height() - side) / 2,
            side,
            side,
        )
        glyph = _GLYPHS.get(self._name)
        if glyph is not None:
            if self._name not in ("lifecycle", "distribution", "movements", "menu"):
                painter.setBrush(Qt.BrushStyle.NoBrush)
            glyph(painter, square)
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        pixmap = QPixmap(size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        self.paint(painter, QRect(0, 0, size.width(), size.height()), mode, state)
        painter.end()
        return pixmap

    def clone(self) -> QIconEngine:
        return _GlyphEngine(self._name, self._colour)


def glyph_icon(name: str, colour: QColor | None = None) -> QIcon:
    """A vector icon ``name`` in ``colour`` (the palette's text colour by default)."""
    return QIcon(_GlyphEngine(name, colour))
