"""The panel grid: tiles placed in reading order on up to four columns (ui layer).

Placement is :func:`clmdesk.core.charting.pack_tiles` over the tiles' spans;
the number of columns follows the available width. Reordering by dragging
a title bar shows a dashed placeholder where the tile will land and moves
the other tiles out of the way; resizing by the corner grip snaps to whole
cells as the pointer moves. Escape cancels either gesture. GUI thread only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget

from clmdesk.core.charting import TilePlacement, pack_tiles
from clmdesk.ui.charts.theme import ChartColours
from clmdesk.ui.dashboard.tile import RADIUS, Tile

if TYPE_CHECKING:
    from collections.abc import Sequence

    from PySide6.QtGui import QPaintEvent, QResizeEvent

__all__ = ["MAX_COLUMNS", "PanelGrid"]

MAX_COLUMNS = 4
MIN_COLUMN_WIDTH = 250
ROW_HEIGHT = 136
GAP = 14
MARGIN = 14
MAX_ROW_SPAN = 8


class _Placeholder(QWidget):
    """Dashed outline of where a dragged tile will land."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colours = ChartColours.from_palette(self.palette())
        pen = QPen(colours.highlight, 2, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        fill = colours.highlight
        fill.setAlpha(28)
        path = QPainterPath()
        path.addRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), RADIUS, RADIUS)
        painter.fillPath(path, fill)
        painter.drawPath(path)


class PanelGrid(QWidget):
    """Holds the tiles and lays them out; handles reorder and resize gestures.

    Signals
    -------
    layout_changed()
        Tiles were added, removed, moved or resized (save the layout).
    remove_requested(object)
        A tile asked to be removed (the page confirms and removes it).
    settings_requested(object)
        A tile asked for its widget's settings.
    """

    layout_changed = Signal()
    remove_requested = Signal(object)
    settings_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tiles: list[Tile] = []
        self._placements: list[TilePlacement] = []
        self._columns = MAX_COLUMNS
        self._placeholder = _Placeholder(self)
        # Drag state
        self._drag_tile: Tile | None = None
        self._drag_offset = QPoint()
        self._drag_start_order: list[Tile] = []
        self._drag_target = 0
        # Resize state
        self._resize_tile: Tile | None = None
        self._resize_start_span = (1, 1)

    # -- tiles ----------------------------------------------------------------

    @property
    def tiles(self) -> list[Tile]:
        """The tiles in reading order."""
        return list(self._tiles)

    @property
    def columns(self) -> int:
        """Columns in use at the current width."""
        return self._columns

    def placements(self) -> list[TilePlacement]:
        """Where every tile is (same order as :attr:`tiles`)."""
        return list(self._placements)

    def add_tile(self, tile: Tile, index: int | None = None) -> None:
        """Insert ``tile`` (at the end by default) and lay out."""
        tile.setParent(self)
        position = (
            len(self._tiles) if index is None else max(0, min(index, len(self._tiles)))
        )
        self._tiles.insert(position, tile)
        tile.drag_started.connect(self._on_drag_started)
        tile.drag_moved.connect(self._on_drag_moved)
        tile.drag_finished.connect(self._on_drag_finished)
        tile.resize_started.connect(self._on_resize_started)
        tile.resize_moved.connect(self._on_resize_moved)
        tile.resize_finished.connect(self._on_resize_finished)
        tile.move_requested.connect(self._on_move_requested)
        tile.span_change_requested.connect(self._on_span_change_requested)
        tile.remove_requested.connect(self.remove_requested)
        tile.settings_requested.connect(self.settings_requested)
        tile.show()
        self.relayout()
        self.layout_changed.emit()

    def remove_tile(self, tile: Tile) -> None:
        """Take ``tile`` off the grid and delete it."""
        if tile not in self._tiles:
            return
        index = self._tiles.index(tile)
        self._tiles.remove(tile)
        tile.hide()
        tile.setParent(None)
        tile.deleteLater()
        self.relayout()
        if self._tiles:
            self._tiles[min(index, len(self._tiles) - 1)].setFocus()
        self.layout_changed.emit()

    def clear(self) -> None:
        """Remove every tile (without emitting per tile)."""
        for tile in self._tiles:
            tile.hide()
            tile.setParent(None)
            tile.deleteLater()
        self._tiles = []
        self.relayout()

    def move_tile(self, tile: Tile, index: int) -> None:
        """Move ``tile`` to position ``index`` in reading order."""
        if tile not in self._tiles:
            return
        index = max(0, min(index, len(self._tiles) - 1))
        current = self._tiles.index(tile)
        if index == current:
            return
        self._tiles.insert(index, self._tiles.pop(current))
        self.relayout()
        self.layout_changed.emit()

    def resize_tile(self, tile: Tile, column_span: int, row_span: int) -> None:
        """Give ``tile`` a new span (clamped to its minimum and the grid)."""
        min_cols, min_rows = tile.spec.min_span
        column_span = max(min_cols, min(MAX_COLUMNS, column_span))
        row_span = max(min_rows, min(MAX_ROW_SPAN, row_span))
        if (column_span, row_span) == (tile.column_span, tile.row_span):
            return
        tile.column_span, tile.row_span = column_span, row_span
        self.relayout()
        self.layout_changed.emit()

    # -- geometry -----------------------------------------------------------------

    def _columns_for(self, width: int) -> int:
        usable = width - 2 * MARGIN
        return max(1, min(MAX_COLUMNS, (usable + GAP) // (MIN_COLUMN_WIDTH + GAP)))

    def _column_width(self) -> float:
        usable = self.width() - 2 * MARGIN
        return max(1.0, (usable - (self._columns - 1) * GAP) / self._columns)

    def cell_rect(self, placement: TilePlacement) -> QRect:
        """Pixel rectangle of a placement at the current width."""
        col_w = self._column_width()
        x = MARGIN + placement.column * (col_w + GAP)
        y = MARGIN + placement.row * (ROW_HEIGHT + GAP)
        w = placement.column_span * col_w + (placement.column_span - 1) * GAP
        h = placement.row_span * ROW_HEIGHT + (placement.row_span - 1) * GAP
        return QRect(round(x), round(y), round(w), round(h))

    def relayout(
        self, order: Sequence[Tile] | None = None, gap_at: int | None = None
    ) -> None:
        """Place the tiles; with ``gap_at``, leave the dragged tile's slot there."""
        self._columns = self._columns_for(self.width())
        tiles = list(order) if order is not None else self._tiles
        spans = [(t.column_span, t.row_span) for t in tiles]
        if gap_at is not None and self._drag_tile is not None:
            spans.insert(
                gap_at, (self._drag_tile.column_span, self._drag_tile.row_span)
            )
        placements = pack_tiles(spans, self._columns)
        placeholder_rect = None
        if gap_at is not None:
            placeholder_rect = self.cell_rect(placements.pop(gap_at))
        else:
            self._placements = placements
        for tile, placement in zip(tiles, placements, strict=True):
            if tile is self._drag_tile:
                continue
            tile.setGeometry(self.cell_rect(placement))
        if placeholder_rect is not None:
            self._placeholder.setGeometry(placeholder_rect)
            self._placeholder.show()
            self._placeholder.lower()
        else:
            self._placeholder.hide()
        rows = max((p.row + p.row_span for p in placements), default=0)
        if placeholder_rect is not None:
            rows = max(
                rows, (placeholder_rect.bottom() - MARGIN) // (ROW_HEIGHT + GAP) + 1
            )
        height = 2 * MARGIN + rows * ROW_HEIGHT + max(0, rows - 1) * GAP
        self.setMinimumHeight(height)
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        return QSize(
            MAX_COLUMNS * (MIN_COLUMN_WIDTH + GAP) + 2 * MARGIN, self.minimumHeight()
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._drag_tile is None:
            self.relayout()

    # -- keyboard equivalents ------------------------------------------------------

    def _on_move_requested(self, tile: Tile, delta: int) -> None:
        if tile in self._tiles:
            self.move_tile(tile, self._tiles.index(tile) + delta)
            tile.setFocus()

    def _on_span_change_requested(self, tile: Tile, d_cols: int, d_rows: int) -> None:
        self.resize_tile(tile, tile.column_span + d_cols, tile.row_span + d_rows)
        tile.setFocus()

    # -- dragging --------------------------------------------------------------------

    def _on_drag_started(self, tile: Tile, global_press: QPoint) -> None:
        if self._resize_tile is not None or tile not in self._tiles:
            return
        self._drag_tile = tile
        self._drag_start_order = list(self._tiles)
        self._drag_offset = self.mapFromGlobal(global_press) - tile.pos()
        self._drag_target = self._tiles.index(tile)
        tile.lifted = True
        tile.raise_()
        tile.update()
        others = [t for t in self._tiles if t is not tile]
        self.relayout(others, gap_at=self._drag_target)
        self._watch_escape(True)

    def _on_drag_moved(self, tile: Tile, global_pos: QPoint) -> None:
        if tile is not self._drag_tile:
            return
        pos = self.mapFromGlobal(global_pos)
        tile.move(pos - self._drag_offset)
        target = self.drop_index_at(pos)
        if target != self._drag_target:
            self._drag_target = target
            others = [t for t in self._tiles if t is not tile]
            self.relayout(others, gap_at=target)

    def drop_index_at(self, pos: QPoint) -> int:
        """Where the dragged tile would go if dropped at ``pos`` (grid coordinates).

        Over another tile: before it when the pointer is on its left half,
        after it otherwise. Over the placeholder or empty space: unchanged.
        Below every tile: at the end.
        """
        tile = self._drag_tile
        others = [t for t in self._tiles if t is not tile]
        if self._placeholder.isVisible() and self._placeholder.geometry().contains(pos):
            return self._drag_target
        for i, other in enumerate(others):
            rect = other.geometry()
            if rect.contains(pos):
                return i if pos.x() < rect.center().x() else i + 1
        bottom = max((t.geometry().bottom() for t in others), default=0)
        if pos.y() > bottom:
            return len(others)
        return self._drag_target

    def _on_drag_finished(self, tile: Tile, cancelled: bool) -> None:
        if tile is not self._drag_tile:
            return
        self._watch_escape(False)
        self._drag_tile = None
        tile.lifted = False
        tile.update()
        if cancelled:
            self._tiles = self._drag_start_order
            self.relayout()
            return
        others = [t for t in self._tiles if t is not tile]
        others.insert(self._drag_target, tile)
        changed = others != self._drag_start_order
        self._tiles = others
        self.relayout()
        tile.setFocus()
        if changed:
            self.layout_changed.emit()

    # -- resizing --------------------------------------------------------------------

    def _on_resize_started(self, tile: Tile) -> None:
        if self._drag_tile is not None:
            return
        self._resize_tile = tile
        self._resize_start_span = (tile.column_span, tile.row_span)
        tile.lifted = True
        tile.update()
        self._watch_escape(True)

    def span_for_corner(self, tile: Tile, corner: QPoint) -> tuple[int, int]:
        """The span a tile gets when its bottom-right corner is dragged to ``corner``."""
        top_left = tile.geometry().topLeft()
        width = corner.x() - top_left.x()
        height = corner.y() - top_left.y()
        col_w = self._column_width()
        cols = round((width + GAP) / (col_w + GAP))
        rows = round((height + GAP) / (ROW_HEIGHT + GAP))
        min_cols, min_rows = tile.spec.min_span
        return (
            max(min_cols, min(self._columns, cols)),
            max(min_rows, min(MAX_ROW_SPAN, rows)),
        )

    def _on_resize_moved(self, tile: Tile, global_pos: QPoint) -> None:
        if tile is not self._resize_tile:
            return
        cols, rows = self.span_for_corner(tile, self.mapFromGlobal(global_pos))
        if (cols, rows) != (tile.column_span, tile.row_span):
            tile.column_span, tile.row_span = cols, rows
            self.relayout()

    def _on_resize_finished(self, tile: Tile, cancelled: bool) -> None:
        if tile is not self._resize_tile:
            return
        self._watch_escape(False)
        self._resize_tile = None
        tile.lifted = False
        tile.update()
        if cancelled:
            tile.column_span, tile.row_span = self._resize_start_span
            self.relayout()
            return
        self.relayout()
        if (tile.column_span, tile.row_span) != self._resize_start_span:
            self.layout_changed.emit()

    def _watch_escape(self, on: bool) -> None:
        # While a gesture runs, Escape must cancel it wherever the focus is;
        # an application event filter does that without grabbing the keyboard.
        app = QCoreApplication.instance()
        if app is None:
            return
        if on:
            app.installEventFilter(self)
        else:
            app.removeEventFilter(self)

    def cancel_gesture(self) -> bool:
        """Cancel a drag or resize in progress; whether there was one."""
        for tile in (self._drag_tile, self._resize_tile):
            if tile is not None:
                tile.cancel_gesture()
                return True
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and (self._drag_tile is not None or self._resize_tile is not None)
        ):
            # Esc cancels the gesture first, not the window's Esc shortcut.
            event.accept()
            return False
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and self.cancel_gesture()
        ):
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.cancel_gesture():
            event.accept()
            return
        super().keyPressEvent(event)
