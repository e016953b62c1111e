"""The panel layout: which widgets, in which order, at which size, with which settings (ui layer).

Saved as JSON ``[{type_id, version, settings, geometry}]`` in the business's
database (STYLE.md W3). Reading never fails: a value that is not a readable
list gives the default panel with a notice; an entry of an unknown type, or
whose settings or geometry cannot be read, is left out with a notice, and
the rest of the panel loads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication

from clmdesk.ui.dashboard.grid import MAX_COLUMNS, MAX_ROW_SPAN
from clmdesk.ui.dashboard.registry import (
    SettingsError,
    WidgetSpec,
    settings_to_json,
    spec_for,
)

__all__ = [
    "DEFAULT_LAYOUT",
    "TileState",
    "default_layout",
    "layout_from_text",
    "layout_to_json",
]


def _tr(text: str) -> str:
    return QCoreApplication.translate("PanelLayout", text)


@dataclass(frozen=True)
class TileState:
    """One tile of a layout: its widget type, settings and span."""

    spec: WidgetSpec
    settings: Any
    column_span: int
    row_span: int

    @property
    def type_id(self) -> str:
        """The widget's type id."""
        return self.spec.type_id


# The default panel: the KPIs across the top, the lifecycle indicator and the
# distribution beside it, then the funnel, the movements and the call list.
DEFAULT_LAYOUT: tuple[tuple[str, int, int], ...] = (
    ("kpi_cards", 4, 1),
    ("lifecycle_indicator", 3, 3),
    ("distribution", 1, 3),
    ("attention_list", 2, 3),
    ("clm_funnel", 2, 3),
    ("stage_movements", 4, 3),
)


def default_layout() -> list[TileState]:
    """The sensible default panel ("Reset panel" returns to it)."""
    states = []
    for type_id, cols, rows in DEFAULT_LAYOUT:
        spec = spec_for(type_id)
        if spec is not None:
            states.append(TileState(spec, spec.default_settings(), cols, rows))
    return states


def layout_to_json(states: list[TileState]) -> list[dict[str, Any]]:
    """The JSON-ready layout list to save."""
    return [
        {
            "type_id": state.type_id,
            "version": state.spec.settings_version,
            "settings": settings_to_json(state.settings),
            "geometry": {"column_span": state.column_span, "row_span": state.row_span},
        }
        for state in states
    ]


def _span(geometry: Any, spec: WidgetSpec) -> tuple[int, int]:
    if geometry is None:
        return spec.default_span
    if not isinstance(geometry, dict):
        raise SettingsError("geometry must be an object")
    spans = []
    for key, limit, minimum, default in (
        ("column_span", MAX_COLUMNS, spec.min_span[0], spec.default_span[0]),
        ("row_span", MAX_ROW_SPAN, spec.min_span[1], spec.default_span[1]),
    ):
        value = geometry.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingsError(f"{key} must be a whole number")
        spans.append(max(minimum, min(limit, value)))
    return spans[0], spans[1]


def layout_from_text(text: str | None) -> tuple[list[TileState], list[str]]:
    """Read a saved layout; never raises.

    Parameters
    ----------
    text
        The saved JSON text, or None when no layout was ever saved.

    Returns
    -------
    (states, notices)
        The tiles to show and, in the interface language, what was left
        out or replaced and why.
    """
    if text is None:
        return default_layout(), []
    try:
        raw = json.loads(text)
    except ValueError:
        raw = None
    if not isinstance(raw, list):
        return default_layout(), [
            _tr(
                "The saved panel layout could not be read, so the default panel is shown."
            )
        ]
    states: list[TileState] = []
    notices: list[str] = []
    for entry in raw:
        type_id = entry.get("type_id") if isinstance(entry, dict) else None
        spec = spec_for(type_id) if isinstance(type_id, str) else None
        if spec is None:
            name = type_id if isinstance(type_id, str) else "?"
            notices.append(
                _tr(
                    "A widget of an unknown type ({name}) was left out of the panel."
                ).format(name=name)
            )
            continue
        try:
            settings = spec.load_settings(
                entry.get("settings", {}), entry.get("version", 1)
            )
            cols, rows = _span(entry.get("geometry"), spec)
        except Exception:
            # Whatever a damaged entry or a widget's migration raises, the
            # rest of the panel must still load: skip the entry and say so.
            notices.append(
                _tr(
                    "The widget “{title}” had settings that could not be read and was left out of the panel."
                ).format(title=spec.translated_title())
            )
            continue
        states.append(TileState(spec, settings, cols, rows))
    return states, notices
