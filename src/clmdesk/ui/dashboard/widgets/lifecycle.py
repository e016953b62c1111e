"""Panel widget: the lifecycle indicator, "Ciclo de vida dos clientes" (ui layer).

The centrepiece of the panel: customers of *Clientes ativos* and *Necessitam
de atenção* per month, stacked by stage, with a tooltip per segment and a
click that lists those customers (DOMAIN.md "The lifecycle indicator").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QVBoxLayout, QWidget

from clmdesk.core.charting import Period
from clmdesk.services.panel import CustomerQuery, QueryKind
from clmdesk.ui.charts.formatting import format_count, format_date
from clmdesk.ui.charts.lifecycle_view import LifecycleView
from clmdesk.ui.dashboard.base import PanelWidget, chart_data_from_panel, stacked
from clmdesk.ui.dashboard.registry import register_widget

if TYPE_CHECKING:
    from clmdesk.services.panel import PanelData

__all__ = ["LifecycleIndicatorWidget", "LifecycleSettings"]


@dataclass(frozen=True)
class LifecycleSettings:
    """Period shown and stages stacked (None = every stage of the two groups)."""

    period: Period = Period.LAST_12
    custom_first_day: int | None = None
    custom_last_day: int | None = None
    shown_stages: tuple[str, ...] | None = None


class _LifecycleSettingsForm(QWidget):
    def __init__(
        self,
        settings: LifecycleSettings,
        data: PanelData | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self.period = QComboBox(self)
        for period, label in (
            (Period.LAST_12, self.tr("Last 12 months")),
            (Period.LAST_24, self.tr("Last 24 months")),
            (Period.ALL, self.tr("All months")),
            (Period.CUSTOM, self.tr("Custom")),
        ):
            self.period.addItem(label, period.value)
        self.period.setCurrentIndex(self.period.findData(settings.period.value))
        form = QFormLayout(self)
        form.addRow(self.tr("Period"), self.period)
        self.stage_boxes: list[QCheckBox] = []
        chart = chart_data_from_panel(data)
        box = QWidget(self)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        for stage in chart.stages:
            check = QCheckBox(f"{stage.name} ({stage.group_name})", box)
            check.setProperty("stage_key", stage.key)
            check.setChecked(
                settings.shown_stages is None or stage.key in settings.shown_stages
            )
            self.stage_boxes.append(check)
            column.addWidget(check)
        if self.stage_boxes:
            form.addRow(self.tr("Stages shown"), box)

    def value(self) -> LifecycleSettings:
        keys = tuple(
            str(b.property("stage_key")) for b in self.stage_boxes if b.isChecked()
        )
        everything = len(keys) == len(self.stage_boxes)
        return replace(
            self._settings,
            period=Period(self.period.currentData()),
            shown_stages=None if everything or not keys else keys,
        )


@register_widget
class LifecycleIndicatorWidget(PanelWidget):
    """Stacked bars of active and attention customers per month, with hover and click."""

    type_id = "lifecycle_indicator"
    title = "Customer lifecycle"
    description = (
        "How many customers are active or need attention, month by month, stage by stage. "
        "Hover a bar for details; click it to list those customers."
    )
    icon = "lifecycle"
    Settings = LifecycleSettings
    default_span = (3, 3)
    min_span = (2, 2)

    def __init__(
        self, settings: LifecycleSettings | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(settings, parent)
        self.view = LifecycleView(self)
        stacked(self, self.view)
        self._restore_view_state()
        self.view.state_changed.connect(self._on_view_state_changed)
        self.view.segment_clicked.connect(self._on_segment_clicked)

    @property
    def chart(self) -> Any:
        """The chart (for tests and reports)."""
        return self.view.chart

    def _restore_view_state(self) -> None:
        s: LifecycleSettings = self.settings()
        custom = (
            (s.custom_first_day, s.custom_last_day)
            if s.custom_first_day is not None and s.custom_last_day is not None
            else None
        )
        self.view.set_state(s.period, custom, s.shown_stages)

    def show_data(self, data: PanelData | None) -> None:
        self.view.set_data(chart_data_from_panel(data))
        if data is None or data.is_empty or data.latest_day is None:
            self.set_subtitle("")
            return
        counts = data.group_counts(data.n_snapshots - 1)
        total = counts.get("active", 0) + counts.get("attention", 0)
        self.set_subtitle(
            self.tr("{count} potential customers on {date}").format(
                count=format_count(total), date=format_date(data.latest_day)
            )
        )

    def apply_settings(self) -> None:
        self._restore_view_state()

    def _on_view_state_changed(self) -> None:
        period, custom, shown = self.view.state()
        settings = LifecycleSettings(
            period=period,
            custom_first_day=custom[0] if custom else None,
            custom_last_day=custom[1] if custom else None,
            shown_stages=shown,
        )
        if settings != self._settings:
            self._settings = settings
            self.settings_changed.emit()

    def _on_segment_clicked(self, snapshot: int, stage_key: str) -> None:
        day = self.view.chart.data.snapshot_days[snapshot]
        self.customers_requested.emit(
            CustomerQuery(QueryKind.STAGE, int(day), stage_key)
        )

    def settings_editor(self) -> QWidget | None:
        return _LifecycleSettingsForm(self.settings(), self.data)
