"""Business settings kept in the database as JSON values (storage layer).

Settings that belong to the business rather than to the person — its name,
currency, stage model, purchase cycle, panel layout, remembered column
mappings — live here so that two businesses keep two sets.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from clmdesk.storage.database import Database

__all__ = ["get_setting", "read_setting", "set_setting", "write_setting"]

_UPSERT = text(
    "INSERT INTO app_settings (key, value_json) VALUES (:key, :value) "
    "ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json"
)


def get_setting(connection: Connection, key: str, default: Any = None) -> Any:
    """Read one setting on an open connection; ``default`` when absent or unreadable."""
    raw = connection.execute(
        text("SELECT value_json FROM app_settings WHERE key = :key"), {"key": key}
    ).scalar()
    if raw is None:
        return default
    try:
        return json.loads(raw)
    except ValueError:
        return default


def set_setting(connection: Connection, key: str, value: Any) -> None:
    """Write one setting inside the caller's write transaction."""
    connection.execute(
        _UPSERT, {"key": key, "value": json.dumps(value, ensure_ascii=False)}
    )


def read_setting(database: Database, key: str, default: Any = None) -> Any:
    """Read one setting in its own short connection."""
    with database.read() as connection:
        return get_setting(connection, key, default)


def write_setting(database: Database, key: str, value: Any) -> None:
    """Write one setting in its own write transaction."""
    with database.write() as connection:
        set_setting(connection, key, value)
