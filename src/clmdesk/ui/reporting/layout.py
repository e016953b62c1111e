"""Drawing items, pages and the page flow of a report (ui layer).

A :class:`ReportLayout` is computed once for a page size and then painted as
many times as needed, on any device, by :meth:`ReportLayout.paint_page`.
Items are positioned in report units (1/96 inch, see
:mod:`clmdesk.ui.reporting.style`).

:class:`PageFlow` places blocks top to bottom and starts a new page when a
block does not fit; with ``paged=False`` it makes one continuous page that
grows with the content (PNG and SVG files). Running heads and footers are
added at the end, once the number of pages is known.

GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QLineF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPen,
    QPicture,
)

__all__ = [
    "Item",
    "LineItem",
    "PageFlow",
    "PictureItem",
    "RectItem",
    "ReportLayout",
    "ReportPage",
    "TextItem",
    "text_height",
    "text_width",
]

_WRAP = int(Qt.TextFlag.TextWordWrap)


def text_height(text: str, font: QFont, width: float, flags: int = _WRAP) -> float:
    """Height of ``text`` in ``font`` wrapped to ``width`` report units."""
    if not text:
        return 0.0
    metrics = QFontMetricsF(font)
    rect = metrics.boundingRect(QRectF(0, 0, max(1.0, width), 1e6), flags, text)
    return float(rect.height())


def text_width(text: str, font: QFont) -> float:
    """Width of one line of ``text`` in ``font``."""
    return float(QFontMetricsF(font).horizontalAdvance(text))


class Item:
    """Something drawn on a page."""

    def paint(self, painter: QPainter) -> None:
        """Draw the item (the painter is in report units)."""
        raise NotImplementedError

    def texts(self) -> tuple[str, ...]:
        """The text this item shows (for tests and accessibility)."""
        return ()


@dataclass(frozen=True)
class TextItem(Item):
    """Text in a rectangle, wrapped unless ``flags`` says otherwise."""

    rect: QRectF
    text: str
    font: QFont
    colour: QColor
    flags: int = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop) | _WRAP

    def paint(self, painter: QPainter) -> None:
        painter.setFont(self.font)
        painter.setPen(QPen(self.colour))
        # A little slack below: text metrics differ slightly between devices,
        # and a clipped descender looks worse than a pixel of extra room.
        rect = self.rect.adjusted(0, 0, 0, 2)
        painter.drawText(rect, self.flags, self.text)

    def texts(self) -> tuple[str, ...]:
        return (self.text,)


@dataclass(frozen=True)
class RectItem(Item):
    """A filled and/or outlined rectangle, optionally with rounded corners."""

    rect: QRectF
    fill: QColor | None = None
    outline: QColor | None = None
    radius: float = 0.0
    outline_width: float = 0.75

    def paint(self, painter: QPainter) -> None:
        painter.setBrush(
            QBrush(self.fill) if self.fill is not None else Qt.BrushStyle.NoBrush
        )
        if self.outline is not None:
            painter.setPen(QPen(self.outline, self.outline_width))
        else:
            painter.setPen(Qt.PenStyle.NoPen)
        if self.radius:
            painter.drawRoundedRect(self.rect, self.radius, self.radius)
        else:
            painter.drawRect(self.rect)


@dataclass(frozen=True)
class LineItem(Item):
    """A straight line."""

    start: QPointF
    end: QPointF
    colour: QColor
    width: float = 0.75

    def paint(self, painter: QPainter) -> None:
        pen = QPen(self.colour, self.width)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        painter.setPen(pen)
        painter.drawLine(QLineF(self.start, self.end))


@dataclass(frozen=True)
class PictureItem(Item):
    """A recorded picture (a chart or a widget) scaled into ``rect``.

    ``source`` is the area of the picture to show, in the picture's own
    coordinates; ``labels`` lists the text it contains.
    """

    rect: QRectF
    picture: QPicture
    source: QRectF
    labels: tuple[str, ...] = ()

    def paint(self, painter: QPainter) -> None:
        if self.source.isEmpty():
            return
        painter.save()
        painter.setClipRect(self.rect)
        painter.translate(self.rect.topLeft())
        painter.scale(
            self.rect.width() / self.source.width(),
            self.rect.height() / self.source.height(),
        )
        painter.translate(-self.source.topLeft())
        painter.drawPicture(QPointF(0, 0), self.picture)
        painter.restore()

    def texts(self) -> tuple[str, ...]:
        return self.labels


@dataclass
class ReportPage:
    """The items of one page, in painting order."""

    items: list[Item] = field(default_factory=list)

    def texts(self) -> tuple[str, ...]:
        """Every text on the page, in painting order."""
        return tuple(text for item in self.items for text in item.texts())


@dataclass(frozen=True)
class ReportLayout:
    """A finished report: its page size (report units) and its pages.

    Attributes
    ----------
    page_size
        Width and height of every page in report units.
    pages
        The pages, first to last.
    paper
        The page background.
    """

    page_size: QSizeF
    pages: tuple[ReportPage, ...]
    paper: QColor

    @property
    def page_count(self) -> int:
        """Number of pages."""
        return len(self.pages)

    def paint_page(self, painter: QPainter, index: int) -> None:
        """Paint page ``index``; the painter must be in report units."""
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        painter.fillRect(QRectF(QPointF(0, 0), self.page_size), QBrush(self.paper))
        for item in self.pages[index].items:
            painter.save()
            item.paint(painter)
            painter.restore()
        painter.restore()

    def texts(self) -> tuple[str, ...]:
        """Every text of the report (for tests)."""
        return tuple(text for page in self.pages for text in page.texts())


Decorate = Callable[[ReportPage, int, int, QRectF], None]
"""Adds running heads/footers: ``(page, index, count, content_rect)``."""


class PageFlow:
    """Places blocks of items down the pages of a report.

    Parameters
    ----------
    page_size
        Page width and height in report units (the height is ignored when
        ``paged`` is false).
    margins
        Left, top, right, bottom margins of the content area.
    paged
        ``True``: start a new page when a block does not fit. ``False``: one
        page that grows with the content.
    """

    def __init__(
        self,
        page_size: QSizeF,
        margins: tuple[float, float, float, float],
        *,
        paged: bool = True,
    ) -> None:
        self.page_size = QSizeF(page_size)
        self.margins = margins
        self.paged = paged
        self.pages: list[ReportPage] = [ReportPage()]
        left, top, right, _bottom = margins
        self.left = left
        self.width = page_size.width() - left - right
        self.y = top

    @property
    def page(self) -> ReportPage:
        """The page being filled."""
        return self.pages[-1]

    @property
    def bottom(self) -> float:
        """The lowest y content may reach on a page (infinite when not paged)."""
        if not self.paged:
            return float("inf")
        return self.page_size.height() - self.margins[3]

    def room(self) -> float:
        """Vertical room left on the current page."""
        return self.bottom - self.y

    def new_page(self) -> None:
        """Continue on a fresh page (no-op for a continuous page)."""
        if not self.paged:
            return
        self.pages.append(ReportPage())
        self.y = self.margins[1]

    def ensure(self, height: float) -> bool:
        """Make room for ``height``; returns whether a new page was started."""
        if self.paged and height > self.room() and self.y > self.margins[1] + 0.5:
            self.new_page()
            return True
        return False

    def place(
        self,
        height: float,
        draw: Callable[[float], Sequence[Item]],
        *,
        after: float = 0.0,
    ) -> None:
        """Place a block of ``height`` drawn by ``draw(top)``, then skip ``after``.

        The block moves to the next page when it does not fit on this one.
        """
        self.ensure(height)
        self.page.items.extend(draw(self.y))
        self.y += height + after

    def skip(self, height: float) -> None:
        """Leave vertical space (dropped at the top of a page)."""
        if self.paged and self.y + height > self.bottom:
            self.new_page()
            return
        self.y += height

    def finish(self, paper: QColor, decorate: Decorate | None = None) -> ReportLayout:
        """Close the flow: add heads/footers and return the layout."""
        size = QSizeF(self.page_size)
        if not self.paged:
            size.setHeight(self.y + self.margins[3])
        left, top, right, bottom = self.margins
        content = QRectF(
            left, top, size.width() - left - right, size.height() - top - bottom
        )
        pages = [page for page in self.pages if page.items] or [ReportPage()]
        if decorate is not None:
            for index, page in enumerate(pages):
                decorate(page, index, len(pages), content)
        return ReportLayout(size, tuple(pages), paper)
