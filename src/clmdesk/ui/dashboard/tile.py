"""A panel tile: a card with a title bar, a widget, and a resize grip (ui layer).

The title bar is the drag handle for reordering; the grip in the bottom-right
corner resizes the tile in whole grid cells. Both have keyboard equivalents
as actions of the tile's menu (shortcuts active while the focus is anywhere
inside the tile): Ctrl+Left/Right move it, Ctrl+Shift+arrows resize it,
Ctrl+Delete removes it. The tile only reports gestures; the grid decides
what they do. GUI thread only.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from clmdesk.ui.charts.theme import ChartColours, mix
from clmdesk.ui.dashboard.icons import glyph_icon

if TYPE_CHECKING:
    from PySide6.QtGui import QMouseEvent, QPaintEvent

    from clmdesk.ui.dashboard.base import PanelWidget
    from clmdesk.ui.dashboard.registry import WidgetSpec

__all__ = ["Tile"]

_ids = itertools.count(1)
GRIP_SIZE = 16
RADIUS = 10.0


class _TitleBar(QWidget):
    """The tile's header; pressing and dragging it moves the tile."""

    drag_started = Signal(QPoint)
    drag_moved = Signal(QPoint)
    drag_finished = Signal(bool)  # cancelled

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self._press: QPoint | None = None
        self._dragging = False

    @property
    def dragging(self) -> bool:
        return self._dragging

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.globalPosition().toPoint()
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            super().mouseMoveEvent(event)
            return
        pos = event.globalPosition().toPoint()
        if not self._dragging and (pos - self._press).manhattanLength() >= 6:
            self._dragging = True
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            self.drag_started.emit(self._press)
        if self._dragging:
            self.drag_moved.emit(pos)
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press is not None and event.button() == Qt.MouseButton.LeftButton:
            was_dragging = self._dragging
            self._press = None
            self._dragging = False
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            if was_dragging:
                self.drag_finished.emit(False)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def cancel_drag(self) -> None:
        if self._dragging:
            self._press = None
            self._dragging = False
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            self.drag_finished.emit(True)


class _ResizeGrip(QWidget):
    """Bottom-right corner handle: drag to resize the tile in grid cells."""

    resize_started = Signal()
    resize_moved = Signal(QPoint)
    resize_finished = Signal(bool)  # cancelled

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFixedSize(GRIP_SIZE, GRIP_SIZE)
        self.setCursor(Qt.CursorShape.SizeFDiagCursor)
        self.setToolTip(self.tr("Drag to resize (Ctrl+Shift+arrow keys)"))
        self._active = False

    @property
    def active(self) -> bool:
        return self._active

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colours = ChartColours.from_palette(self.palette())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colours.muted)
        s = GRIP_SIZE
        for i, j in ((3, 1), (2, 2), (1, 3), (3, 2), (2, 3), (3, 3)):
            painter.drawEllipse(
                QPointF(s - 1 - (4 - i) * 3.5 + 1, s - 1 - (4 - j) * 3.5 + 1), 1.1, 1.1
            )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._active = True
            self.resize_started.emit()
            event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._active:
            self.resize_moved.emit(event.globalPosition().toPoint())
            event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._active and event.button() == Qt.MouseButton.LeftButton:
            self._active = False
            self.resize_finished.emit(False)
            event.accept()

    def cancel(self) -> None:
        if self._active:
            self._active = False
            self.resize_finished.emit(True)


class Tile(QFrame):
    """A card holding one :class:`PanelWidget` on the panel grid.

    Attributes
    ----------
    tile_id
        Unique within the process (tests and the grid use it).
    spec
        The widget's catalog entry.
    widget
        The panel widget shown.
    column_span, row_span
        The tile's size in grid cells (as wished; the grid may clamp the
        columns on a narrow window).
    """

    drag_started = Signal(object, QPoint)
    drag_moved = Signal(object, QPoint)
    drag_finished = Signal(object, bool)
    resize_started = Signal(object)
    resize_moved = Signal(object, QPoint)
    resize_finished = Signal(object, bool)
    move_requested = Signal(object, int)  # -1 earlier, +1 later
    span_change_requested = Signal(object, int, int)  # d columns, d rows
    remove_requested = Signal(object)
    settings_requested = Signal(object)

    def __init__(
        self,
        spec: WidgetSpec,
        widget: PanelWidget,
        column_span: int,
        row_span: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.tile_id = next(_ids)
        self.spec = spec
        self.widget = widget
        self.column_span = column_span
        self.row_span = row_span
        self.lifted = False
        self.setObjectName("panelTile")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(spec.translated_title())
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, False)

        self.title_bar = _TitleBar(self)
        self._title = QLabel(spec.translated_title(), self.title_bar)
        font = self._title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.05)
        self._title.setFont(font)
        self._title.setSizePolicy(
            QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred
        )
        self._subtitle = QLabel(widget.subtitle(), self.title_bar)
        self._subtitle.setObjectName("tileSubtitle")
        self._subtitle.setSizePolicy(
            QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred
        )
        sub_font = self._subtitle.font()
        sub_font.setPointSizeF(sub_font.pointSizeF() * 0.9)
        self._subtitle.setFont(sub_font)

        self.settings_button = self._tool_button("settings", self.tr("Widget settings"))
        self.settings_button.clicked.connect(self._emit_settings)
        self.settings_button.setVisible(widget.settings_editor_available())
        self.menu_button = self._tool_button("menu", self.tr("More actions"))
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        # The "⋮" glyph already says "menu": no extra arrow.
        self.menu_button.setStyleSheet(
            "QToolButton::menu-indicator { image: none; width: 0px; }"
        )
        self.menu = QMenu(self)
        self._build_menu()
        self.menu_button.setMenu(self.menu)

        titles = QVBoxLayout()
        titles.setContentsMargins(0, 0, 0, 0)
        titles.setSpacing(0)
        titles.addWidget(self._title)
        titles.addWidget(self._subtitle)
        header = QHBoxLayout(self.title_bar)
        header.setContentsMargins(14, 10, 8, 4)
        header.setSpacing(2)
        header.addLayout(titles, 1)
        header.addWidget(self.settings_button, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self.menu_button, 0, Qt.AlignmentFlag.AlignTop)

        body = QVBoxLayout(self)
        body.setContentsMargins(1, 1, 1, 1)
        body.setSpacing(0)
        body.addWidget(self.title_bar)
        content = QVBoxLayout()
        content.setContentsMargins(14, 4, 14, 14)
        content.addWidget(widget, 1)
        body.addLayout(content, 1)
        widget.setParent(self)

        self.grip = _ResizeGrip(self)
        self.grip.raise_()
        self.title_bar.drag_started.connect(self._emit_drag_started)
        self.title_bar.drag_moved.connect(self._emit_drag_moved)
        self.title_bar.drag_finished.connect(self._emit_drag_finished)
        self.grip.resize_started.connect(self._emit_resize_started)
        self.grip.resize_moved.connect(self._emit_resize_moved)
        self.grip.resize_finished.connect(self._emit_resize_finished)
        widget.subtitle_changed.connect(self._set_subtitle)
        self._set_subtitle(widget.subtitle())

    # -- construction helpers ---------------------------------------------------

    def _tool_button(self, icon: str, tip: str) -> QToolButton:
        button = QToolButton(self.title_bar)
        button.setIcon(glyph_icon(icon))
        button.setIconSize(QSize(16, 16))
        button.setAutoRaise(True)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        return button

    def _action(self, text: str, shortcut: str, slot: Any) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        self.menu.addAction(action)
        return action

    def _build_menu(self) -> None:
        self.settings_action = self._action(
            self.tr("Settings…"), "", self._emit_settings
        )
        self.settings_action.setVisible(self.widget.settings_editor_available())
        self.menu.addSeparator()
        self._action(
            self.tr("Move earlier"),
            "Ctrl+Left",
            self._move_earlier,
        )
        self._action(
            self.tr("Move later"),
            "Ctrl+Right",
            self._move_later,
        )
        self.menu.addSeparator()
        self._action(
            self.tr("Wider"),
            "Ctrl+Shift+Right",
            self._wider,
        )
        self._action(
            self.tr("Narrower"),
            "Ctrl+Shift+Left",
            self._narrower,
        )
        self._action(
            self.tr("Taller"),
            "Ctrl+Shift+Down",
            self._taller,
        )
        self._action(
            self.tr("Shorter"),
            "Ctrl+Shift+Up",
            self._shorter,
        )
        self.menu.addSeparator()
        remove = self._action(
            self.tr("Remove from the panel"),
            "Ctrl+Delete",
            self._emit_remove,
        )
        remove.setIcon(glyph_icon("close"))

    # Bound slots rather than lambdas: a closure holding the tile keeps a
    # wrapper alive past the C++ object's deletion, which crashes PySide.

    def _emit_settings(self) -> None:
        self.settings_requested.emit(self)

    def _emit_remove(self) -> None:
        self.remove_requested.emit(self)

    def _emit_drag_started(self, pos: QPoint) -> None:
        self.drag_started.emit(self, pos)

    def _emit_drag_moved(self, pos: QPoint) -> None:
        self.drag_moved.emit(self, pos)

    def _emit_drag_finished(self, cancelled: bool) -> None:
        self.drag_finished.emit(self, cancelled)

    def _emit_resize_started(self) -> None:
        self.resize_started.emit(self)

    def _emit_resize_moved(self, pos: QPoint) -> None:
        self.resize_moved.emit(self, pos)

    def _emit_resize_finished(self, cancelled: bool) -> None:
        self.resize_finished.emit(self, cancelled)

    def _move_earlier(self) -> None:
        self.move_requested.emit(self, -1)

    def _move_later(self) -> None:
        self.move_requested.emit(self, 1)

    def _wider(self) -> None:
        self.span_change_requested.emit(self, 1, 0)

    def _narrower(self) -> None:
        self.span_change_requested.emit(self, -1, 0)

    def _taller(self) -> None:
        self.span_change_requested.emit(self, 0, 1)

    def _shorter(self) -> None:
        self.span_change_requested.emit(self, 0, -1)

    def _set_subtitle(self, text: str) -> None:
        self._subtitle.setText(text)
        self._subtitle.setVisible(bool(text))
        self._subtitle.setToolTip(text)

    # -- state ------------------------------------------------------------------

    def cancel_gesture(self) -> None:
        """Cancel a drag or resize in progress (Escape)."""
        self.title_bar.cancel_drag()
        self.grip.cancel()

    @property
    def busy_with_gesture(self) -> bool:
        """Whether the user is dragging or resizing this tile."""
        return self.title_bar.dragging or self.grip.active

    # -- painting -------------------------------------------------------------

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.grip.move(self.width() - GRIP_SIZE - 3, self.height() - GRIP_SIZE - 3)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colours = ChartColours.from_palette(self.palette())
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        path = QPainterPath()
        path.addRoundedRect(rect, RADIUS, RADIUS)
        painter.fillPath(path, colours.background)
        border = QColor(colours.card_border)
        width = 1.0
        if self.lifted:
            border = colours.highlight
            width = 2.0
        elif self.hasFocus():
            border = mix(colours.highlight, colours.background, 0.2)
            width = 2.0
        painter.setPen(QPen(border, width))
        painter.drawPath(path)
