"""Import history and undo: exactly what a batch added goes away."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clmdesk.core.tasks import Cancelled
from clmdesk.storage.batches import (
    UndoError,
    list_batches,
    preview_undo,
    undo_batch,
)
from clmdesk.storage.database import Database, open_database
from clmdesk.storage.importing import BatchInfo, FileRecord, import_sheets
from tests.storage.importing_helpers import customers_sheet, orders_sheet


@pytest.fixture
def database(db_path: Path) -> Database:
    db = open_database(db_path)
    yield db  # type: ignore[misc]
    db.close()


def rows(database: Database, sql: str) -> list[Any]:
    with database.read() as connection:
        return list(connection.exec_driver_sql(sql).all())


def snapshot(database: Database) -> dict[str, list[Any]]:
    tables = (
        "customers",
        "order_lines",
        "orders",
        "customer_field_fills",
        "nps_answers",
    )
    return {
        table: rows(database, f"SELECT * FROM {table} ORDER BY 1") for table in tables
    }


def batch(name: str) -> BatchInfo:
    return BatchInfo(
        "2024-06-01T12:00:00+00:00",
        (FileRecord(name, 123, "0" * 64),),
        ({"file": name, "sheet": "Sheet1", "role": "orders"},),
    )


def undo(database: Database, batch_id: int, **kwargs: Any) -> Any:
    with database.write() as connection:
        return undo_batch(connection, batch_id, **kwargs)


def preview(database: Database, batch_id: int) -> Any:
    with database.read() as connection:
        return preview_undo(connection, batch_id)


def test_the_history_lists_every_batch_with_files_and_counts(
    database: Database,
) -> None:
    import_sheets(
        database, [orders_sheet([("1", "A", "2024-01-02", 10.0)])], batch("a.xlsx")
    )
    import_sheets(
        database, [orders_sheet([("1", "A", "2024-01-02", 10.0)])], batch("b.xlsx")
    )
    with database.read() as connection:
        history = list_batches(connection)
    assert [b.id for b in history] == [1, 2]
    assert history[0].files[0].name == "a.xlsx"
    assert history[0].files[0].size == 123
    assert history[0].counts["imported"] == 1
    assert history[1].counts["already_imported"] == 1
    assert history[0].counts["sheets"][0]["rows_read"] == 1
    assert history[0].mappings[0]["role"] == "orders"
    assert {b.status for b in history} == {"done"}


def test_undo_removes_exactly_what_the_batch_added(database: Database) -> None:
    import_sheets(
        database,
        [orders_sheet([("1", "A", "2024-01-02", 10.0), ("2", "B", "2024-01-03", 4.0)])],
        batch("first.xlsx"),
    )
    before = snapshot(database)
    # The second batch adds a new customer, a new order, and a line to order A.
    import_sheets(
        database,
        [orders_sheet([("1", "A", "2024-01-05", 1.0), ("3", "C", "2024-01-06", 2.0)])],
        batch("second.xlsx"),
    )
    expected = preview(database, 2)
    assert (expected.lines, expected.orders, expected.orders_changed) == (2, 1, 1)
    assert (expected.customers, expected.customers_kept) == (1, 0)
    assert expected.revenue_cents == 300
    assert undo(database, 2) == expected
    after = snapshot(database)
    assert after["order_lines"] == before["order_lines"]
    assert after["customers"] == before["customers"]
    assert [row[1:] for row in after["orders"]] == [row[1:] for row in before["orders"]]
    with database.read() as connection:
        assert [b.status for b in list_batches(connection)] == ["done", "undone"]


def test_undo_regroups_only_the_orders_of_customers_that_lose_lines(
    database: Database,
) -> None:
    from clmdesk.storage.orders import rebuild_orders

    first = [(str(c), f"R{c}", "2024-01-02", 10.0) for c in range(1, 21)]
    import_sheets(database, [orders_sheet(first)], batch("first.xlsx"))
    import_sheets(
        database,
        [orders_sheet([("4", "R4", "2024-01-09", 1.0), ("4", "X", "2024-02-01", 2.0)])],
        batch("second.xlsx"),
    )
    before = rows(database, "SELECT * FROM orders ORDER BY id")
    undo(database, 2)
    after = rows(database, "SELECT * FROM orders ORDER BY id")
    assert [row for row in after if row[1] != 4] == [
        row for row in before if row[1] != 4
    ]
    contents = "SELECT customer_id, order_ref, day, amount_cents, line_count FROM orders ORDER BY 1, 2"
    undone = rows(database, contents)
    with database.write() as connection:
        rebuild_orders(connection)
    assert rows(database, contents) == undone
    assert [row[2:] for row in after if row[1] == 4] == [("R4", 19724, 1000, 1)]


def test_customers_used_by_a_later_batch_stay(database: Database) -> None:
    import_sheets(
        database, [orders_sheet([("1", "A", "2024-01-02", 10.0)])], batch("a")
    )
    import_sheets(database, [orders_sheet([("1", "B", "2024-02-02", 5.0)])], batch("b"))
    expected = preview(database, 1)
    assert (expected.customers, expected.customers_kept, expected.orders) == (0, 1, 1)
    undo(database, 1)
    assert rows(database, "SELECT key FROM customers") == [("1",)]
    assert rows(database, "SELECT order_ref FROM orders") == [("B",)]


def test_undo_clears_the_fields_it_filled_unless_they_changed_since(
    database: Database,
) -> None:
    import_sheets(
        database, [customers_sheet([{"key": "1", "name": "Ana"}])], batch("a")
    )
    import_sheets(
        database,
        [customers_sheet([{"key": "1", "city": "Recife", "phone": "8133334444"}])],
        batch("b"),
    )
    with database.write() as connection:
        connection.exec_driver_sql("UPDATE customers SET phone = '81999990000'")
    assert preview(database, 2).fields == 1
    undo(database, 2)
    assert rows(database, "SELECT name, city, phone FROM customers") == [
        ("Ana", None, "81999990000")
    ]
    assert rows(database, "SELECT field, batch_id FROM customer_field_fills") == [
        ("name", 1)
    ]


def test_undoing_the_first_of_two_identical_imports_keeps_no_line(
    database: Database,
) -> None:
    # The second import found everything already imported: it owns nothing.
    sheet = orders_sheet([("1", "A", "2024-01-02", 10.0)])
    import_sheets(database, [sheet], batch("a"))
    import_sheets(database, [sheet], batch("a"))
    assert preview(database, 2).lines == 0
    undo(database, 1)
    assert rows(database, "SELECT COUNT(*) FROM order_lines") == [(0,)]
    assert rows(database, "SELECT COUNT(*) FROM customers") == [(0,)]


def test_undo_refuses_unknown_and_undone_batches(database: Database) -> None:
    import_sheets(
        database, [orders_sheet([("1", "A", "2024-01-02", 10.0)])], batch("a")
    )
    undo(database, 1)
    with pytest.raises(UndoError) as raised:
        undo(database, 1)
    assert raised.value.message.params == {"batch": 1}
    with pytest.raises(UndoError):
        preview(database, 99)


def test_a_cancelled_undo_changes_nothing(database: Database) -> None:
    import_sheets(
        database, [orders_sheet([("1", "A", "2024-01-02", 10.0)])], batch("a")
    )
    before = snapshot(database)
    calls = 0

    def late() -> bool:
        nonlocal calls
        calls += 1
        return calls > 2

    with pytest.raises(Cancelled):
        undo(database, 1, is_cancelled=late)
    assert snapshot(database) == before
    with database.read() as connection:
        assert list_batches(connection)[0].status == "done"
