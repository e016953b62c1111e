"""The theme's style sheet: the primary button looks disabled when it is."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from clmdesk.ui.theme import _STYLE_SHEET


def _background(button: QPushButton) -> Any:
    """The colour a few pixels inside the button's left edge (no text there)."""
    image = button.grab().toImage()
    return image.pixelColor(6, image.height() // 2)


def test_a_disabled_primary_button_loses_the_accent(qtbot: Any) -> None:
    # On a parent widget rather than the application: other tests keep their look.
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.setStyleSheet(_STYLE_SHEET)
    layout = QHBoxLayout(parent)
    enabled, disabled = QPushButton("Import"), QPushButton("Import")
    for button in (enabled, disabled):
        button.setObjectName("primaryAction")
        layout.addWidget(button)
    disabled.setEnabled(False)
    parent.show()
    qtbot.waitExposed(parent)

    accent = parent.palette().color(QPalette.ColorRole.Highlight)
    assert _background(enabled) == accent
    assert _background(disabled) == parent.palette().color(QPalette.ColorRole.Button)
