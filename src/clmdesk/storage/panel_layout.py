"""Storage helpers of the control panel: its saved layout and its lists' contacts (storage layer).

The layout is a JSON list ``[{type_id, version, settings, geometry}]`` kept in
``app_settings`` under :data:`PANEL_LAYOUT_KEY`, with the business's data
(two businesses keep two panels). It is read as raw text so that the panel
can tell a damaged value from a missing one and say so.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, text

from clmdesk.storage.app_settings import set_setting

if TYPE_CHECKING:
    from collections.abc import Sequence

    from clmdesk.storage.database import Database

__all__ = [
    "PANEL_LAYOUT_KEY",
    "read_all_contacts",
    "read_contacts",
    "read_panel_layout_text",
    "write_panel_layout",
]

PANEL_LAYOUT_KEY = "panel_layout"
# SQLite's default limit on bound parameters is 32766; stay well below it.
_CHUNK = 5000

_CONTACTS = text(
    "SELECT id, name, email, phone, city, state FROM customers WHERE id IN :ids"
).bindparams(bindparam("ids", expanding=True))


def read_panel_layout_text(database: Database) -> str | None:
    """The saved layout's raw JSON text, or None when there is none.

    Parameters
    ----------
    database
        The open business database.
    """
    with database.read() as connection:
        raw = connection.execute(
            text("SELECT value_json FROM app_settings WHERE key = :key"),
            {"key": PANEL_LAYOUT_KEY},
        ).scalar()
    return None if raw is None else str(raw)


def write_panel_layout(database: Database, entries: Sequence[Any]) -> None:
    """Save the layout (a JSON-ready list) in its own write transaction.

    Parameters
    ----------
    database
        The open business database.
    entries
        ``[{type_id, version, settings, geometry}, …]``.
    """
    json.dumps(list(entries))  # fail before writing anything that cannot be read back
    with database.write() as connection:
        set_setting(connection, PANEL_LAYOUT_KEY, list(entries))


def read_contacts(
    database: Database, ids: Sequence[int]
) -> dict[int, tuple[str | None, str | None, str | None, str | None, str | None]]:
    """Name, e-mail, phone, city and state of the customers ``ids``.

    Parameters
    ----------
    database
        The open business database.
    ids
        Customer database ids; unknown ids are left out of the result.

    Returns
    -------
    dict
        ``{id: (name, email, phone, city, state)}``.
    """
    result: dict[
        int, tuple[str | None, str | None, str | None, str | None, str | None]
    ] = {}
    unique = sorted({int(i) for i in ids})
    with database.read() as connection:
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            for row in connection.execute(_CONTACTS, {"ids": chunk}):
                result[int(row[0])] = (row[1], row[2], row[3], row[4], row[5])
    return result


def read_all_contacts(
    database: Database,
) -> dict[int, tuple[str | None, str | None, str | None, str | None, str | None]]:
    """Name, e-mail, phone, city and state of every customer, by id (one table scan).

    Parameters
    ----------
    database
        The open business database.
    """
    with database.read() as connection:
        result = connection.exec_driver_sql(
            "SELECT id, name, email, phone, city, state FROM customers"
        )
        return {int(row[0]): tuple(row[1:]) for row in result}
