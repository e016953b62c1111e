"""Look and feel: Fusion style on the system's light or dark palette (ui layer).

Colours come from the palette, never hard-coded, so light and dark both
work; the accent is the palette's highlight.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

__all__ = ["apply_theme", "is_dark"]

_STYLE_SHEET = """
QFrame#welcomeCard {
    border: 1px solid palette(mid);
    border-radius: 12px;
    background: palette(base);
}
QPushButton#primaryAction {
    background: palette(highlight);
    color: palette(highlighted-text);
    border: none;
    border-radius: 6px;
    padding: 8px 20px;
    font-weight: 600;
}
QPushButton#primaryAction:hover { background: palette(dark); }
/* Last, so it wins over :hover. palette() takes the active colours, so the
   accent would stay on a disabled button: it gets the plain button's muted look. */
QPushButton#primaryAction:disabled {
    background: palette(button);
    color: palette(placeholder-text);
    border: 1px solid palette(midlight);
}
QStatusBar QLabel { padding: 0 6px; }
"""


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether the palette is dark (window colour darker than its text)."""
    palette = palette or QGuiApplication.palette()
    return (
        palette.color(QPalette.ColorRole.Window).lightness()
        < palette.color(QPalette.ColorRole.WindowText).lightness()
    )


def apply_theme(app: QApplication, scheme: str = "system") -> None:
    """Apply the Fusion style and the requested colour scheme ("system", "light", "dark")."""
    app.setStyle("Fusion")
    hints = app.styleHints()
    wanted = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}.get(
        scheme, Qt.ColorScheme.Unknown
    )
    if hasattr(hints, "setColorScheme"):
        hints.setColorScheme(wanted)
    app.setStyleSheet(_STYLE_SHEET)
