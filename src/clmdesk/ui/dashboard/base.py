"""The base class of every panel widget (ui layer).

A panel widget is a plain ``QWidget`` that receives the panel's immutable
:class:`~clmdesk.services.panel.PanelData` through :meth:`PanelWidget.set_data`
and never queries the database (STYLE.md W2). It describes itself through
class attributes (type id, title, description, icon, settings dataclass and
version, default and minimum span) that :func:`register_widget` turns into
the catalog entry. GUI thread only.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from clmdesk.ui.charts.formatting import interface_language
from clmdesk.ui.charts.lifecycle_chart import ChartStage, LifecycleChartData
from clmdesk.ui.i18n import message_text

if TYPE_CHECKING:
    from clmdesk.services.panel import PanelData

__all__ = [
    "EmptySettings",
    "PanelWidget",
    "chart_data_from_panel",
    "message_text",
    "stage_names",
]


@dataclasses.dataclass(frozen=True)
class EmptySettings:
    """Settings of a widget that has none."""


def stage_names(data: PanelData) -> dict[str, str]:
    """Stage key → display name in the interface language."""
    language = interface_language()
    return {stage.key: stage.name(language) for stage in data.model.stages}


def group_names(data: PanelData | None = None) -> dict[str, str]:
    """Group key → display name in the interface language."""
    from clmdesk.core.lifecycle import GROUPS

    pt = interface_language() == "pt_BR"
    groups = data.model.groups if data is not None else GROUPS
    return {g.key: (g.name_pt_br if pt else g.name_en) for g in groups}


CHART_GROUPS = ("active", "attention")


def chart_data_from_panel(data: PanelData | None) -> LifecycleChartData:
    """The lifecycle indicator's input: stages of *Clientes ativos* and *Necessitam de atenção*."""
    if data is None or data.is_empty:
        return LifecycleChartData()
    language = interface_language()
    groups = group_names(data)
    columns = []
    stages = []
    for group in CHART_GROUPS:
        for index, stage in enumerate(data.model.stages):
            if stage.group != group:
                continue
            columns.append(index)
            stages.append(
                ChartStage(
                    key=stage.key,
                    name=stage.name(language),
                    group_key=stage.group,
                    group_name=groups[stage.group],
                    colour=stage.colour,
                    description=message_text(data.descriptions[index]),
                )
            )
    return LifecycleChartData(
        snapshot_days=tuple(int(d) for d in data.snapshot_days),
        stages=tuple(stages),
        counts=data.counts[:, columns] if columns else data.counts[:, :0],
        partial_last=data.partial_last,
    )


class PanelWidget(QWidget):
    """A widget that lives in a panel tile.

    Subclasses set the class attributes, define a frozen ``Settings``
    dataclass and implement :meth:`show_data` (and, when they have
    settings, :meth:`apply_settings` and :meth:`settings_editor`).

    Signals
    -------
    settings_changed()
        The widget's settings changed (the panel saves its layout).
    customers_requested(object)
        A :class:`~clmdesk.services.panel.CustomerQuery` to list.
    export_requested(object)
        A :class:`~clmdesk.services.panel.CustomerQuery` to export directly.
    subtitle_changed(str)
        The small text under the tile's title.
    """

    type_id: ClassVar[str] = ""
    title: ClassVar[str] = ""
    description: ClassVar[str] = ""
    icon: ClassVar[str] = "lifecycle"
    Settings: ClassVar[type] = EmptySettings
    settings_version: ClassVar[int] = 1
    default_span: ClassVar[tuple[int, int]] = (2, 2)
    min_span: ClassVar[tuple[int, int]] = (1, 1)

    settings_changed = Signal()
    customers_requested = Signal(object)
    export_requested = Signal(object)
    subtitle_changed = Signal(str)

    def __init__(self, settings: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings if settings is not None else self.Settings()
        self._data: PanelData | None = None
        self._subtitle = ""

    @staticmethod
    def migrate_settings(data: dict[str, Any], version: int) -> dict[str, Any]:
        """Bring settings saved by an older version up to date (override when bumping)."""
        return data

    # -- settings -----------------------------------------------------------

    def settings(self) -> Any:
        """The current settings (a frozen dataclass)."""
        return self._settings

    def set_settings(self, settings: Any) -> None:
        """Replace the settings, apply them and tell the panel."""
        if settings == self._settings:
            return
        self._settings = settings
        self.apply_settings()
        self.settings_changed.emit()

    def apply_settings(self) -> None:
        """Show the current settings (redraw from the current data by default)."""
        if self._data is not None:
            self.show_data(self._data)

    def settings_editor_available(self) -> bool:
        """Whether the widget has settings the user can edit."""
        return bool(dataclasses.fields(self.Settings))

    def settings_editor(self) -> QWidget | None:
        """A form editing a copy of the settings, or None when there are none.

        The form must provide ``value()`` returning the edited settings.
        """
        return None

    # -- data -----------------------------------------------------------------

    @property
    def data(self) -> PanelData | None:
        """The panel data last received."""
        return self._data

    def set_data(self, data: PanelData | None) -> None:
        """Receive a new panel snapshot (None = nothing loaded yet)."""
        self._data = data
        self.show_data(data)
        # Before the first data arrives the empty states say "Loading…",
        # not "import your data": the panel is still reading it.
        for label in self.findChildren(QLabel, "emptyState"):
            text = label.property("emptyText")
            if text is None:
                text = label.text()
                label.setProperty("emptyText", text)
            label.setText(self.tr("Loading…") if data is None else str(text))

    def show_data(self, data: PanelData | None) -> None:
        """Draw ``data``; must cope with None and with an empty history."""
        raise NotImplementedError

    def subtitle(self) -> str:
        """The small text under the tile's title."""
        return self._subtitle

    def set_subtitle(self, text: str) -> None:
        """Change the subtitle (the tile shows it)."""
        if text != self._subtitle:
            self._subtitle = text
            self.subtitle_changed.emit(text)

    # -- images -----------------------------------------------------------------

    def render_image(
        self, size: QSize | None = None, device_pixel_ratio: float = 1.0
    ) -> QImage:
        """Render the widget to an image (for previews, reports and tests)."""
        if size is not None:
            self.resize(size)
        target = self.size()
        image = QImage(
            max(1, round(target.width() * device_pixel_ratio)),
            max(1, round(target.height() * device_pixel_ratio)),
            QImage.Format.Format_ARGB32_Premultiplied,
        )
        image.setDevicePixelRatio(device_pixel_ratio)
        image.fill(self.palette().color(self.backgroundRole()))
        self.render(image)
        return image


def empty_label(text: str, parent: QWidget) -> QLabel:
    """A centred, muted, word-wrapped label for "nothing to show yet"."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setObjectName("emptyState")
    label.setEnabled(False)
    return label


def stacked(parent: QWidget, *widgets: QWidget) -> QVBoxLayout:
    """A margin-less vertical layout holding ``widgets``."""
    layout = QVBoxLayout(parent)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(6)
    for widget in widgets:
        layout.addWidget(widget)
    return layout
