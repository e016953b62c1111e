"""Tests of the demo database service: location, creation on first use, determinism."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from clmdesk.core.demo import generate_demo
from clmdesk.core.tasks import Cancelled
from clmdesk.services.demo import (
    DEMO_FILE_NAME,
    DemoError,
    demo_database_path,
    ensure_demo_database,
)
from clmdesk.storage.app_settings import write_setting
from clmdesk.storage.database import open_database

# Columns that record when something was computed, not what.
WALL_CLOCK_COLUMNS = {"computed_at"}


def table_contents(path: Path) -> dict[str, list[tuple[object, ...]]]:
    connection = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        contents = {}
        for table in tables:
            columns = [
                row[1]
                for row in connection.execute(f"PRAGMA table_info({table})")
                if row[1] not in WALL_CLOCK_COLUMNS
            ]
            contents[table] = connection.execute(
                f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(columns)}"
            ).fetchall()
        return contents
    finally:
        connection.close()


def setting(path: Path, key: str) -> object:
    connection = sqlite3.connect(path)
    try:
        row = connection.execute(
            "SELECT value_json FROM app_settings WHERE key = ?", (key,)
        ).fetchone()
        return None if row is None else json.loads(row[0])
    finally:
        connection.close()


def test_demo_lives_next_to_the_user_database(tmp_path: Path) -> None:
    user = tmp_path / "data" / "business.sqlite3"
    demo = demo_database_path(user)
    assert demo.parent == user.parent.resolve()
    assert demo.name == DEMO_FILE_NAME
    assert demo != user.resolve()


def test_first_use_creates_a_complete_marked_demo(tmp_path: Path) -> None:
    target = demo_database_path(tmp_path / "business.sqlite3")
    seen: list[tuple[int, int]] = []
    assert ensure_demo_database(target, lambda d, t: seen.append((d, t))) == target
    assert sorted(os.listdir(tmp_path)) == [DEMO_FILE_NAME]
    assert seen[-1] == (1000, 1000)
    assert setting(target, "is_demo") is True
    assert setting(target, "business_name") == "Loja Exemplo"

    expected = generate_demo()
    contents = table_contents(target)
    assert len(contents["customers"]) == len(expected.customers)
    assert len(contents["order_lines"]) == len(expected.order_lines)
    assert len(contents["nps_answers"]) == len(expected.nps_answers)
    assert len(contents["campaigns"]) == len(expected.campaigns)
    refs = {(line.customer_key, line.order_ref) for line in expected.order_lines}
    assert len(contents["orders"]) == len(refs)

    # It opens through the storage layer like any business database.
    database = open_database(target)
    database.close()


def test_second_use_opens_the_existing_demo(tmp_path: Path) -> None:
    target = tmp_path / DEMO_FILE_NAME
    ensure_demo_database(target, customers=150)
    before = target.stat().st_mtime_ns
    ensure_demo_database(target, customers=150)
    assert target.stat().st_mtime_ns == before


def test_same_seed_gives_the_same_database(tmp_path: Path) -> None:
    first = ensure_demo_database(tmp_path / "a" / DEMO_FILE_NAME)
    second = ensure_demo_database(tmp_path / "b" / DEMO_FILE_NAME)
    one, two = table_contents(first), table_contents(second)
    assert one.keys() == two.keys()
    for table in one:
        assert one[table] == two[table], table


def test_cancel_leaves_nothing(tmp_path: Path) -> None:
    calls = 0

    def cancel_after_a_while() -> bool:
        nonlocal calls
        calls += 1
        return calls > 2

    with pytest.raises(Cancelled):
        ensure_demo_database(
            tmp_path / DEMO_FILE_NAME, is_cancelled=cancel_after_a_while, customers=300
        )
    assert os.listdir(tmp_path) == []


def test_a_file_that_is_not_the_demo_is_never_overwritten(tmp_path: Path) -> None:
    target = tmp_path / DEMO_FILE_NAME
    database = open_database(target)
    write_setting(database, "business_name", "Padaria Real")
    database.close()
    with pytest.raises(DemoError) as caught:
        ensure_demo_database(target, customers=150)
    assert caught.value.message.params == {"path": str(target)}
    assert setting(target, "business_name") == "Padaria Real"


def test_an_old_demo_is_rebuilt(tmp_path: Path) -> None:
    target = tmp_path / DEMO_FILE_NAME
    ensure_demo_database(target, customers=150)
    database = open_database(target)
    write_setting(database, "demo_version", 0)
    database.close()
    ensure_demo_database(target, customers=150)
    assert setting(target, "demo_version") == 1
    assert setting(target, "is_demo") is True


def test_the_demo_opens_classified_with_every_stage(tmp_path: Path) -> None:
    pytest.importorskip("clmdesk.services.classification")
    target = ensure_demo_database(tmp_path / DEMO_FILE_NAME)
    connection = sqlite3.connect(target)
    try:
        last = connection.execute(
            "SELECT stage_key, customers FROM snapshot_counts "
            "WHERE day = (SELECT MAX(day) FROM snapshot_counts)"
        ).fetchall()
    finally:
        connection.close()
    assert {key for key, _ in last} == {
        "prospect",
        "champion",
        "loyal",
        "promising",
        "new",
        "cant_lose",
        "at_risk",
        "about_to_sleep",
        "hibernating",
        "lost",
    }
    assert all(count > 0 for _, count in last), last
