"""Helpers to compare a SQLite and a PostgreSQL business database holding the same data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clmdesk.cli import main
from clmdesk.storage.database import Database

__all__ = ["TABLES", "cli_exports", "table_rows", "tables"]

#: Every business table, with the columns compared (ids included: both
#: backends must hand out the same ids for the same imports).
TABLES = (
    "import_batches",
    "customers",
    "customer_field_fills",
    "order_lines",
    "orders",
    "nps_answers",
    "campaigns",
    "app_settings",
    "classification_runs",
    "snapshots",
    "snapshot_counts",
    "customer_stages",
)

# Columns that legitimately differ between two runs (times of day).
_VOLATILE = {
    "import_batches": {"created_at"},
    "classification_runs": {"computed_at"},
}


def _plain(value: Any) -> Any:
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, bool):
        return int(value)
    return value


def table_rows(database: Database, table: str) -> list[tuple[Any, ...]]:
    """Every row of ``table`` as plain Python values, sorted in Python (byte order)."""
    with database.read() as connection:
        result = connection.exec_driver_sql(f"SELECT * FROM {table}")
        names = list(result.keys())
        keep = [i for i, n in enumerate(names) if n not in _VOLATILE.get(table, ())]
        rows = [tuple(_plain(row[i]) for i in keep) for row in result]
    return sorted(rows, key=lambda row: tuple((v is None, repr(v)) for v in row))


def tables(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """:func:`table_rows` of every table in :data:`TABLES`."""
    return {table: table_rows(database, table) for table in TABLES}


def cli_exports(url: str, folder: Path, as_of: str) -> dict[str, bytes]:
    """Bytes of ``clmdesk export stages`` (at ``as_of``) and ``export history`` as csv."""
    folder.mkdir(parents=True, exist_ok=True)
    stages = folder / "stages.csv"
    history = folder / "history.csv"
    assert (
        main(["export", "stages", "--as-of", as_of, "--out", str(stages), "--db", url])
        == 0
    )
    assert main(["export", "history", "--out", str(history), "--db", url]) == 0
    return {"stages": stages.read_bytes(), "history": history.read_bytes()}
