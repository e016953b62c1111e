"""Colours of charts and cards derived from the system palette (ui layer).

Light and dark follow whatever palette the application runs with; nothing
here hard-codes a theme. Stage colours come from the stage model and are
used as they are, except that separators between segments take the card's
background so that stacks stay readable in both themes.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

__all__ = ["ChartColours", "is_dark", "mix", "outline_for"]


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether the palette is a dark one (its window colour is dark)."""
    pal = palette if palette is not None else QApplication.palette()
    return pal.color(QPalette.ColorRole.Window).lightnessF() < 0.5


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """Blend ``a`` towards ``b`` by ``t`` (0 → a, 1 → b)."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
        a.alphaF() + (b.alphaF() - a.alphaF()) * t,
    )


def outline_for(colour: QColor, background: QColor) -> QColor | None:
    """A thin outline colour when ``colour`` would vanish on ``background``, else None.

    Stage colours are the user's choice; a dark grey "Lost" on a dark theme
    still needs an edge to be seen.
    """
    if abs(colour.lightnessF() - background.lightnessF()) >= 0.18:
        return None
    foreground = (
        QColor("#ffffff") if background.lightnessF() < 0.5 else QColor("#000000")
    )
    return mix(background, foreground, 0.45)


@dataclass(frozen=True)
class ChartColours:
    """The handful of colours every panel chart uses."""

    background: QColor
    foreground: QColor
    muted: QColor
    grid: QColor
    highlight: QColor
    positive: QColor
    negative: QColor
    card_border: QColor
    dark: bool

    @classmethod
    def from_palette(cls, palette: QPalette | None = None) -> ChartColours:
        """Derive the chart colours from ``palette`` (the application's by default)."""
        pal = palette if palette is not None else QApplication.palette()
        dark = is_dark(pal)
        background = pal.color(QPalette.ColorRole.Base)
        foreground = pal.color(QPalette.ColorRole.Text)
        muted = mix(foreground, background, 0.45)
        grid = mix(foreground, background, 0.88)
        border = mix(foreground, background, 0.82)
        positive = QColor("#3fb950") if dark else QColor("#1a7f37")
        negative = QColor("#f85149") if dark else QColor("#cf222e")
        return cls(
            background=background,
            foreground=foreground,
            muted=muted,
            grid=grid,
            highlight=pal.color(QPalette.ColorRole.Highlight),
            positive=positive,
            negative=negative,
            card_border=border,
            dark=dark,
        )
