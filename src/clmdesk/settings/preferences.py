"""The user's own preferences: typed, versioned JSON (settings layer).

Preferences are about the person and this machine (language, theme, last
folder, recent databases), never about the business: the stage model, the
panel layout and the currency live in the business database.

When to bump :data:`SCHEMA_VERSION`: whenever a field is renamed, removed or
changes meaning. Add a step to ``_MIGRATIONS`` that turns the previous
version's dict into the next one, so old files keep working. Adding a field
with a default needs no bump.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clmdesk.settings.paths import config_dir

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "SCHEMA_VERSION",
    "Preferences",
    "load_preferences",
    "preferences_path",
    "save_preferences",
]

SCHEMA_VERSION = 1
MAX_RECENT = 8


@dataclass
class Preferences:
    """Everything the app remembers about its user."""

    schema_version: int = SCHEMA_VERSION
    language: str = "auto"  # "auto", "en" or "pt_BR"
    theme: str = "system"  # "system", "light" or "dark"
    last_folder: str = ""
    recent_databases: list[str] = field(default_factory=list)
    last_database: str = ""

    def remember_database(self, target: str) -> None:
        """Put ``target`` first in the recent databases, keeping the list short."""
        self.recent_databases = [target] + [
            item for item in self.recent_databases if item != target
        ]
        del self.recent_databases[MAX_RECENT:]
        self.last_database = target


_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def preferences_path() -> Path:
    """The preferences file."""
    return config_dir() / "preferences.json"


def load_preferences(path: Path | None = None) -> Preferences:
    """Read preferences, migrating older files; a missing or broken file gives the defaults."""
    path = path or preferences_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Preferences()
    if not isinstance(raw, dict):
        return Preferences()
    version = int(raw.get("schema_version", 1))
    if version > SCHEMA_VERSION:
        # Written by a newer clmdesk: read what we understand, never write over it blindly.
        version = SCHEMA_VERSION
    while version < SCHEMA_VERSION:
        raw = _MIGRATIONS[version](raw)
        version += 1
    known = {item.name for item in fields(Preferences)}
    values = {key: value for key, value in raw.items() if key in known}
    values["schema_version"] = SCHEMA_VERSION
    try:
        return Preferences(**values)
    except TypeError:
        return Preferences()


def save_preferences(preferences: Preferences, path: Path | None = None) -> None:
    """Write preferences atomically (temporary file, then rename)."""
    path = path or preferences_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(
        prefix=".preferences-", suffix=".json", dir=path.parent
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(asdict(preferences), handle, indent=2, ensure_ascii=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
