"""The Qt binding must not corrupt Python's reference counts while the panel paints.

PySide6 6.12.0 under Python 3.11 drops a reference to ``None`` on every call
of a void method (``QPainter.drawRect``, ``QWidget.update``…); ``None`` is not
immortal before Python 3.12, so the interpreter aborts with "deallocating
None" after a few thousand calls — a few seconds of hovering the lifecycle
chart. pyproject.toml excludes that release; this test catches any other.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QLabel


def test_void_methods_keep_the_reference_count_of_none(qapp: object) -> None:
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    label = QLabel()
    rect = QRectF(0, 0, 1, 1)
    colour = QColor("red")
    before = sys.getrefcount(None)
    for _ in range(200):
        painter.drawRect(rect)
        painter.fillRect(rect, colour)
        label.setText("x")
    after = sys.getrefcount(None)
    painter.end()
    # A little noise from the interpreter is fine; one lost reference per call is not.
    assert after - before > -50, (
        f"None lost {before - after} references in 600 Qt calls"
    )
