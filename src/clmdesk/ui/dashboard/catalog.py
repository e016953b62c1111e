"""The widget catalog dialog: every widget with a description and a live preview (ui layer).

Previews are the real widgets drawn with the panel's current data (or the
demo business's when there is none yet), so the user sees what they add.
GUI thread only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
)
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QVBoxLayout,
    QWidget,
)

from clmdesk.ui.dashboard.grid import GAP, MIN_COLUMN_WIDTH, ROW_HEIGHT
from clmdesk.ui.dashboard.icons import glyph_icon
from clmdesk.ui.dashboard.registry import WidgetSpec, registered_specs

if TYPE_CHECKING:
    from PySide6.QtGui import QResizeEvent

    from clmdesk.services.panel import PanelData

__all__ = ["SPEC_ROLE", "CatalogDialog", "CatalogModel"]

_Index = QModelIndex | QPersistentModelIndex
SPEC_ROLE = Qt.ItemDataRole.UserRole + 1
_PREVIEW_COLUMN_WIDTH = 300


class CatalogModel(QAbstractListModel):
    """The registered widget types, in catalog order."""

    def __init__(
        self, specs: tuple[WidgetSpec, ...] | None = None, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self._specs = specs if specs is not None else registered_specs()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._specs)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._specs):
            return None
        spec = self._specs[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return spec.translated_title()
        if role == Qt.ItemDataRole.ToolTipRole:
            return spec.translated_description()
        if role == Qt.ItemDataRole.DecorationRole:
            return glyph_icon(spec.icon)
        if role == SPEC_ROLE:
            return spec
        return None


def render_preview(spec: WidgetSpec, data: PanelData | None) -> QPixmap:
    """A picture of a new widget of ``spec`` showing ``data``, at the size of its default tile."""
    cols, rows = spec.default_span
    size = QSize(
        cols * MIN_COLUMN_WIDTH + (cols - 1) * GAP,
        rows * ROW_HEIGHT + (rows - 1) * GAP - 56,
    )
    widget = spec.factory(spec.default_settings(), None)
    widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    widget.resize(size)
    widget.show()
    widget.set_data(data)
    # Let layouts and resize-driven placement (legends, card rows) settle.
    QCoreApplication.sendPostedEvents()
    layout = widget.layout()
    if layout is not None:
        layout.activate()
    QCoreApplication.sendPostedEvents()
    image = widget.render_image(size, device_pixel_ratio=2.0)
    widget.close()
    widget.deleteLater()
    return QPixmap.fromImage(image)


class CatalogDialog(QDialog):
    """Choose a widget to add to the panel."""

    def __init__(self, data: PanelData | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add a widget"))
        self.resize(1080, 620)
        self._data = data
        self._previews: dict[str, QPixmap] = {}
        self._current: QPixmap | None = None
        self.model = CatalogModel(parent=self)
        self.list = QListView(self)
        self.list.setModel(self.model)
        self.list.setIconSize(QSize(22, 22))
        self.list.setSpacing(2)
        self.list.setMinimumWidth(250)
        self.list.setMaximumWidth(320)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._title = QLabel(self)
        font = self._title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self._title.setFont(font)
        self._description = QLabel(self)
        self._description.setWordWrap(True)
        self._preview = QLabel(self)
        self._preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._preview.setMinimumSize(400, 260)
        self._preview.setObjectName("catalogPreview")
        self._note = QLabel(self)
        self._note.setWordWrap(True)
        self._note.setEnabled(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.add_button = self.buttons.addButton(
            self.tr("Add to the panel"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        side = QVBoxLayout()
        side.addWidget(self._title)
        side.addWidget(self._description)
        side.addWidget(self._preview, 1)
        side.addWidget(self._note)
        body = QHBoxLayout()
        body.addWidget(self.list)
        body.addLayout(side, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.buttons)
        self.list.selectionModel().currentChanged.connect(self._on_current_changed)
        self.list.doubleClicked.connect(self.accept)
        if data is None or data.is_empty:
            self._note.setText(
                self.tr(
                    "Previews show the demo business until you import your own data."
                )
            )
        if self.model.rowCount():
            self.list.setCurrentIndex(self.model.index(0))

    def selected_spec(self) -> WidgetSpec | None:
        """The widget type chosen."""
        index = self.list.currentIndex()
        return index.data(SPEC_ROLE) if index.isValid() else None

    def select(self, type_id: str) -> None:
        """Select the widget type ``type_id``."""
        for row in range(self.model.rowCount()):
            index = self.model.index(row)
            if index.data(SPEC_ROLE).type_id == type_id:
                self.list.setCurrentIndex(index)
                return

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        spec = current.data(SPEC_ROLE) if current.isValid() else None
        self.add_button.setEnabled(spec is not None)
        if spec is None:
            return
        self._title.setText(spec.translated_title())
        self._description.setText(spec.translated_description())
        pixmap = self._previews.get(spec.type_id)
        if pixmap is None:
            pixmap = render_preview(spec, self._data)
            self._previews[spec.type_id] = pixmap
        self._current = pixmap
        self._show_preview()

    def _show_preview(self) -> None:
        pixmap = self._current
        if pixmap is None:
            return
        box = self._preview.size() * pixmap.devicePixelRatio()
        scaled = pixmap.scaled(
            box.boundedTo(pixmap.size()),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        scaled.setDevicePixelRatio(pixmap.devicePixelRatio())
        self._preview.setPixmap(scaled)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._show_preview()
