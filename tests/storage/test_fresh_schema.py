"""A new SQLite file gets the migrated schema straight from tables.py, without Alembic."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

import clmdesk.storage.migrate as migrate
from clmdesk.storage.database import open_database


def schema(path: Path) -> dict[str, Any]:
    """Every table's columns, indexes (with their columns) and foreign keys."""
    connection = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        described: dict[str, Any] = {}
        for table in tables:
            columns = connection.execute(f"PRAGMA table_xinfo('{table}')").fetchall()
            indexes = {}
            for _, name, unique, origin, partial in connection.execute(
                f"PRAGMA index_list('{table}')"
            ):
                info = connection.execute(f"PRAGMA index_info('{name}')").fetchall()
                key = name if origin == "c" else f"{origin}:{[c[2] for c in info]}"
                indexes[key] = (unique, partial, [c[2] for c in info])
            keys = sorted(
                row[2:]
                for row in connection.execute(f"PRAGMA foreign_key_list('{table}')")
            )
            rowid = connection.execute(
                "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE name = ?",
                (table,),
            ).fetchone()[0]
            described[table] = {
                "columns": [tuple(c[1:]) for c in columns],
                "indexes": indexes,
                "foreign_keys": keys,
                "without_rowid": rowid,
            }
        return described
    finally:
        connection.close()


def test_a_new_file_is_created_from_tables_with_the_migrated_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = tmp_path / "fresh.sqlite3"
    open_database(fresh).close()

    migrated = tmp_path / "migrated.sqlite3"
    monkeypatch.setattr(migrate, "_created_at_head", lambda database: False)
    open_database(migrated).close()

    assert schema(fresh) == schema(migrated)
    revision = sqlite3.connect(fresh).execute("SELECT version_num FROM alembic_version")
    assert revision.fetchall() == [(migrate.HEAD_REVISION,)]


def test_an_unversioned_file_with_tables_is_left_to_the_migrations(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (text TEXT)")
    connection.commit()
    connection.close()
    database = open_database(path)
    try:
        assert migrate._created_at_head(database) is False
    finally:
        database.close()
