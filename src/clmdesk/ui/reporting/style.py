"""Fonts, colours and units of printed reports (ui layer).

Reports are measured in *report units* of 1/96 inch (a CSS pixel) and every
paint device is set to 96 dots per inch, so one layout fits every device.
Fonts are sized in pixels, never in points: a point size is resolved against
each device's resolution, and pyqtgraph's own labels showed how that goes
wrong on a high-resolution printer (STACK.md). Paper is always white, so a
report keeps its light colours even when the application runs dark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette

__all__ = [
    "DPI",
    "MM",
    "ReportStyle",
    "light_palette",
    "points",
]

DPI = 96
"""Report units per inch."""

MM = DPI / 25.4
"""Report units per millimetre."""

# Families that look at home in a business document, best first; the first
# one installed wins, and Qt falls back through the rest for missing glyphs.
_FAMILIES = (
    "Segoe UI",
    "Helvetica Neue",
    "Helvetica",
    "Arial",
    "Noto Sans",
    "Liberation Sans",
    "Nimbus Sans",
    "DejaVu Sans",
)


def points(size: float) -> float:
    """Report units of a font size given in typographic points."""
    return size * DPI / 72


@cache
def _families() -> tuple[str, ...]:
    installed = set(QFontDatabase.families())
    chosen = [family for family in _FAMILIES if family in installed]
    return tuple(chosen) or ("Sans Serif",)


def _colour(name: str) -> QColor:
    return QColor(name)


@dataclass(frozen=True)
class ReportStyle:
    """The look of a report: type scale and a restrained, print-friendly palette."""

    ink: QColor = field(default_factory=lambda: _colour("#1f2328"))
    muted: QColor = field(default_factory=lambda: _colour("#59636e"))
    faint: QColor = field(default_factory=lambda: _colour("#8c959f"))
    rule: QColor = field(default_factory=lambda: _colour("#d1d9e0"))
    band: QColor = field(default_factory=lambda: _colour("#f3f5f7"))
    accent: QColor = field(default_factory=lambda: _colour("#1f4e79"))
    paper: QColor = field(default_factory=lambda: _colour("#ffffff"))

    def font(
        self,
        size_pt: float,
        *,
        bold: bool = False,
        weight: QFont.Weight | None = None,
        italic: bool = False,
        spacing: float = 0.0,
    ) -> QFont:
        """A report font of ``size_pt`` points, sized in pixels so every device agrees.

        Parameters
        ----------
        size_pt
            Size in points.
        bold, weight
            Bold, or an explicit weight.
        italic
            Italic.
        spacing
            Extra letter spacing in percent (for small capitals-like labels).
        """
        font = QFont()
        font.setFamilies(list(_families()))
        font.setPixelSize(max(1, round(points(size_pt))))
        font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
        font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
        if weight is not None:
            font.setWeight(weight)
        elif bold:
            font.setWeight(QFont.Weight.DemiBold)
        font.setItalic(italic)
        if spacing:
            font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 100 + spacing)
        return font


def light_palette() -> QPalette:
    """A light palette for widgets rendered onto paper (charts follow their palette)."""
    palette = QPalette(QColor("#f3f5f7"), QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.Window, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#1f2328"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#1f2328"))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor("#1f2328"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#1f4e79"))
    return palette
