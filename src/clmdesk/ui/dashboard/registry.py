"""The catalog of panel widgets and their versioned settings (ui layer).

Every widget type is registered once, explicitly, with :func:`register_widget`
(a class decorator) or :func:`register` (a ready :class:`WidgetSpec`); the
modules of :mod:`clmdesk.ui.dashboard.widgets` are imported in one place,
its ``__init__``, so the catalog's order is the import order there.

Settings are small frozen dataclasses. They are saved as JSON together with
their version; :func:`settings_from_json` checks every field's type against
the dataclass annotations, so a hand-edited or damaged entry is rejected
rather than half-applied.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from PySide6.QtCore import QCoreApplication

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QWidget

    from clmdesk.ui.dashboard.base import PanelWidget

__all__ = [
    "SettingsError",
    "WidgetSpec",
    "register",
    "register_widget",
    "registered_specs",
    "settings_from_json",
    "settings_to_json",
    "spec_for",
    "unregister",
]


class SettingsError(ValueError):
    """Saved settings that do not fit the widget's settings dataclass."""


@dataclass(frozen=True)
class WidgetSpec:
    """Everything the panel needs to know about one widget type.

    Attributes
    ----------
    type_id
        Stable identifier saved in layouts (``"lifecycle_indicator"``).
    title, description
        English source texts; shown through Qt's translation (context "panel").
    icon
        Name of a :func:`clmdesk.ui.dashboard.icons.glyph_icon`.
    factory
        ``factory(settings, parent) -> PanelWidget``.
    settings_type
        The frozen dataclass of the widget's settings.
    settings_version
        Version of that dataclass; bump it when a field changes meaning.
    migrate_settings
        ``migrate(data, version) -> data`` bringing older saved settings to
        the current version (raise :class:`SettingsError` when impossible).
    default_span, min_span
        ``(columns, rows)`` of a new tile and the smallest allowed.
    """

    type_id: str
    title: str
    description: str
    icon: str
    factory: Callable[[Any, QWidget | None], PanelWidget]
    settings_type: type
    settings_version: int = 1
    migrate_settings: Callable[[dict[str, Any], int], dict[str, Any]] | None = None
    default_span: tuple[int, int] = (2, 2)
    min_span: tuple[int, int] = (1, 1)

    def translated_title(self) -> str:
        """The title in the interface language."""
        return QCoreApplication.translate("panel", self.title)

    def translated_description(self) -> str:
        """The description in the interface language."""
        return QCoreApplication.translate("panel", self.description)

    def default_settings(self) -> Any:
        """A fresh settings object with every default."""
        return self.settings_type()

    def load_settings(self, data: Any, version: Any) -> Any:
        """Read saved settings, migrating older versions.

        Raises
        ------
        SettingsError
            Unknown (newer) version, or data that does not fit.
        """
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise SettingsError(f"bad settings version {version!r}")
        if not isinstance(data, dict):
            raise SettingsError("settings must be an object")
        if version > self.settings_version:
            raise SettingsError(
                f"settings version {version} is newer than {self.settings_version}"
            )
        if version < self.settings_version:
            if self.migrate_settings is None:
                raise SettingsError(f"no migration from settings version {version}")
            data = self.migrate_settings(dict(data), version)
        return settings_from_json(self.settings_type, data)


_REGISTRY: dict[str, WidgetSpec] = {}


def register(spec: WidgetSpec, *, replace: bool = False) -> WidgetSpec:
    """Add ``spec`` to the catalog (an existing type id needs ``replace=True``)."""
    if spec.type_id in _REGISTRY and not replace:
        raise ValueError(f"panel widget {spec.type_id!r} is already registered")
    if not dataclasses.is_dataclass(spec.settings_type):
        raise TypeError("settings_type must be a dataclass")
    _REGISTRY[spec.type_id] = spec
    return spec


def unregister(type_id: str) -> None:
    """Remove a widget type from the catalog (tests and plug-ins)."""
    _REGISTRY.pop(type_id, None)


def register_widget(cls: type[PanelWidget]) -> type[PanelWidget]:
    """Class decorator: register a :class:`PanelWidget` subclass from its class attributes."""
    register(
        WidgetSpec(
            type_id=cls.type_id,
            title=cls.title,
            description=cls.description,
            icon=cls.icon,
            factory=cls,
            settings_type=cls.Settings,
            settings_version=cls.settings_version,
            migrate_settings=cls.migrate_settings,
            default_span=cls.default_span,
            min_span=cls.min_span,
        )
    )
    return cls


def registered_specs() -> tuple[WidgetSpec, ...]:
    """Every registered widget type, in catalog order."""
    return tuple(_REGISTRY.values())


def spec_for(type_id: str) -> WidgetSpec | None:
    """The spec of ``type_id``, or None when unknown."""
    return _REGISTRY.get(type_id)


# --------------------------------------------------------------------------
# Settings (de)serialisation


def settings_to_json(settings: Any) -> dict[str, Any]:
    """A settings dataclass as a JSON-ready dict (tuples become lists)."""

    def plain(value: Any) -> Any:
        if isinstance(value, tuple | list):
            return [plain(v) for v in value]
        if hasattr(value, "value") and isinstance(value.value, str):  # str enums
            return value.value
        return value

    return {
        f.name: plain(getattr(settings, f.name)) for f in dataclasses.fields(settings)
    }


def settings_from_json(settings_type: type, data: dict[str, Any]) -> Any:
    """Build ``settings_type`` from saved data, checking every field's type.

    Missing fields take their default; unknown fields are ignored (they may
    come from a newer minor change); a field of the wrong type raises
    :class:`SettingsError`.
    """
    hints = typing.get_type_hints(settings_type)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(settings_type):
        if f.name not in data:
            continue
        values[f.name] = _coerce(data[f.name], hints[f.name], f.name)
    try:
        return settings_type(**values)
    except (TypeError, ValueError) as exc:
        raise SettingsError(str(exc)) from exc


def _coerce(value: Any, hint: Any, name: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (Union, types.UnionType):
        for option in args:
            try:
                return _coerce(value, option, name)
            except SettingsError:
                continue
        raise SettingsError(f"{name}: {value!r} does not fit {hint}")
    if hint is type(None):
        if value is None:
            return None
        raise SettingsError(f"{name}: expected null")
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise SettingsError(f"{name}: expected a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(v, args[0], name) for v in value)
        if len(value) != len(args):
            raise SettingsError(f"{name}: expected {len(args)} items")
        return tuple(_coerce(v, a, name) for v, a in zip(value, args, strict=True))
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise SettingsError(f"{name}: expected true or false")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise SettingsError(f"{name}: expected a whole number")
    if hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise SettingsError(f"{name}: expected a number")
    if hint is str:
        if isinstance(value, str):
            return value
        raise SettingsError(f"{name}: expected text")
    if isinstance(hint, type) and issubclass(hint, str):  # str enums
        try:
            return hint(value)
        except ValueError as exc:
            raise SettingsError(
                f"{name}: {value!r} is not one of {hint.__name__}"
            ) from exc
    raise SettingsError(f"{name}: unsupported setting type {hint}")
