"""Writing normalised sheets: duplicates, aliases, merges, orders, one transaction."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import clmdesk.storage.importing as storing
from clmdesk.core.importing import (
    NO_DAY,
    NO_INT,
    CampaignColumns,
    CustomerColumns,
    KeySource,
    NormalizedSheet,
    NpsColumns,
    Role,
)
from clmdesk.core.tasks import Cancelled
from clmdesk.storage.database import Database, open_database
from clmdesk.storage.importing import (
    BatchInfo,
    FileRecord,
    ImportWriteError,
    WriteOutcome,
    dry_run_import,
    import_sheets,
    read_remembered_mappings,
)
from tests.storage.importing_helpers import customers_sheet, day, orders_sheet

BATCH = BatchInfo(
    "2024-06-01T12:00:00+00:00", (FileRecord("orders.xlsx", 10, "ab" * 32),)
)


@pytest.fixture
def database(db_path: Path) -> Database:
    db = open_database(db_path)
    yield db  # type: ignore[misc]
    db.close()


def rows(database: Database, sql: str) -> list[Any]:
    with database.read() as connection:
        return list(connection.exec_driver_sql(sql).all())


def scalar(database: Database, sql: str) -> Any:
    return rows(database, sql)[0][0]


def snapshot(database: Database) -> dict[str, list[Any]]:
    tables = (
        "customers",
        "order_lines",
        "orders",
        "customer_field_fills",
        "import_batches",
    )
    return {
        table: rows(database, f"SELECT * FROM {table} ORDER BY 1") for table in tables
    }


def imported(database: Database, *sheets: NormalizedSheet) -> WriteOutcome:
    """Dry run, then import; check that both agree and the accounting holds."""
    forecast = dry_run_import(database, sheets)
    outcome = import_sheets(database, sheets, BATCH)
    assert outcome.counts() == forecast.counts()
    assert outcome.sheets == forecast.sheets
    for sheet in outcome.sheets:
        assert sheet.rows_read == (
            sheet.imported + sheet.already_imported + sheet.anonymous + sheet.rejected
        )
    return outcome


LINES = [
    ("1", "A", "2024-01-02 10:00:00", 10.0),
    ("1", "A", "2024-01-02 10:00:00", 10.0),  # rung up twice: both kept
    (None, "B", "2024-01-02 11:00:00", 5.0),  # anonymous
    ("2", "C", "2024-01-03", -3.0),  # a return
    ("2", "D", "2024-01-04", 0.0),  # a free sample: a purchase
]


def test_identical_lines_within_a_sheet_are_kept_and_anonymous_rows_counted(
    database: Database,
) -> None:
    outcome = imported(database, orders_sheet(LINES, rejected=2))
    assert (outcome.rows_read, outcome.imported, outcome.already_imported) == (7, 4, 0)
    assert (outcome.anonymous, outcome.rejected) == (1, 2)
    assert scalar(database, "SELECT COUNT(*) FROM order_lines") == 4
    assert rows(
        database, "SELECT order_ref, amount_cents, line_count FROM orders ORDER BY 1"
    ) == [
        ("A", 2000, 2),
        ("C", -300, 1),
        ("D", 0, 1),
    ]
    assert (outcome.orders_new, outcome.returns_new, outcome.zero_value_new) == (
        3,
        1,
        1,
    )
    assert outcome.revenue_cents == 1700
    assert (outcome.customers_new, outcome.customers_known) == (2, 0)
    assert scalar(database, "SELECT status FROM import_batches") == "done"


def test_importing_again_adds_nothing(database: Database) -> None:
    sheet = orders_sheet(LINES)
    imported(database, sheet)
    before = snapshot(database)
    again = imported(database, sheet)
    assert (again.imported, again.already_imported, again.anonymous) == (0, 4, 1)
    assert (again.customers_new, again.customers_known) == (0, 2)
    assert (again.orders_new, again.orders_updated, again.lines_imported) == (0, 0, 0)
    after = snapshot(database)
    for table in ("customers", "order_lines", "orders", "customer_field_fills"):
        assert after[table] == before[table]
    assert len(after["import_batches"]) == 2


def test_a_line_in_two_sheets_of_one_import_is_imported_once(
    database: Database,
) -> None:
    first = orders_sheet(
        [*LINES[:2], ("3", "E", "2024-01-09 09:00:00", 7.5)], sheet="2023"
    )
    # The second export overlaps the first on 9 Jan, and has a new line.
    second = orders_sheet(
        [("3", "E", "2024-01-09 09:00:00", 7.5), ("3", "F", "2024-01-10", 1.0)],
        sheet="2024",
    )
    outcome = imported(database, first, second)
    assert [(s.imported, s.already_imported) for s in outcome.sheets] == [
        (3, 0),
        (1, 1),
    ]
    assert scalar(database, "SELECT COUNT(*) FROM order_lines") == 4


def test_a_line_repeated_more_often_in_a_later_sheet_adds_only_the_extra_copies(
    database: Database,
) -> None:
    line = ("1", "A", "2024-01-02 10:00:00", 10.0)
    outcome = imported(
        database,
        orders_sheet([line], sheet="a"),
        orders_sheet([line, line, line], sheet="b"),
    )
    assert [(s.imported, s.already_imported) for s in outcome.sheets] == [
        (1, 0),
        (2, 1),
    ]


def test_lines_without_order_ids_make_one_order_per_customer_and_day(
    database: Database,
) -> None:
    sheet = orders_sheet(
        [
            ("1", None, "2024-01-02 10:00:00", 10.0),
            ("1", None, "2024-01-02 15:00:00", -4.0),  # same-day return nets in
            ("1", None, "2024-01-05", 3.0),
        ],
        with_refs=False,
    )
    imported(database, sheet)
    assert rows(
        database, "SELECT day, amount_cents, line_count FROM orders ORDER BY day"
    ) == [
        (day("2024-01-02"), 600, 2),
        (day("2024-01-05"), 300, 1),
    ]


def test_later_lines_of_an_existing_order_update_it(database: Database) -> None:
    imported(database, orders_sheet([("1", "A", "2024-01-02", 10.0)]))
    outcome = imported(
        database,
        orders_sheet([("1", "A", "2024-01-01", -12.0), ("1", "B", "2024-01-03", 1.0)]),
    )
    assert (outcome.orders_new, outcome.orders_updated, outcome.returns_new) == (
        1,
        1,
        0,
    )
    assert rows(
        database,
        "SELECT order_ref, day, amount_cents, line_count FROM orders ORDER BY 1",
    ) == [
        ("A", day("2024-01-01"), -200, 2),
        ("B", day("2024-01-03"), 100, 1),
    ]


def test_orders_keyed_by_email_attach_to_the_customer_keyed_by_id(
    database: Database,
) -> None:
    customers = customers_sheet(
        [{"key": "12417", "email": "ana@example.com", "name": "Ana"}]
    )
    imported(database, customers)
    outcome = imported(
        database, orders_sheet([("ana@example.com", "X1", "2024-02-01", 20.0)])
    )
    assert (outcome.customers_new, outcome.customers_known) == (0, 1)
    assert rows(
        database,
        "SELECT c.key, o.amount_cents FROM orders o JOIN customers c ON c.id = o.customer_id",
    ) == [("12417", 2000)]


def test_aliases_link_files_of_one_import_whatever_their_order(
    database: Database,
) -> None:
    by_email = orders_sheet(
        [("ana@example.com", "X1", "2024-02-01", 20.0)], file="shop.csv"
    )
    by_document = orders_sheet(
        [("12345678901", "X2", "2024-02-02", 5.0)],
        file="pos.csv",
        sources=[KeySource.DOCUMENT],
    )
    customers = customers_sheet(
        [{"key": "7", "email": "ana@example.com", "document": "12345678901"}]
    )
    outcome = imported(database, by_email, by_document, customers)
    assert outcome.customers_new == 1
    assert rows(database, "SELECT key, email, document FROM customers") == [
        ("7", "ana@example.com", "12345678901")
    ]
    assert scalar(database, "SELECT COUNT(DISTINCT customer_id) FROM order_lines") == 1


def test_a_customer_keyed_by_email_carries_it_as_an_alias(database: Database) -> None:
    imported(database, orders_sheet([("bia@example.com", "X1", "2024-02-01", 20.0)]))
    assert rows(database, "SELECT key, email FROM customers") == [
        ("bia@example.com", "bia@example.com")
    ]
    again = imported(
        database, orders_sheet([("bia@example.com", "X2", "2024-02-03", 1.0)])
    )
    assert (again.customers_new, again.customers_known) == (0, 1)


def test_merging_fills_empty_fields_and_reports_conflicts_without_overwriting(
    database: Database,
) -> None:
    imported(database, customers_sheet([{"key": "1", "name": "Ana", "city": None}]))
    outcome = imported(
        database,
        customers_sheet(
            [
                {
                    "key": "1",
                    "name": "Ana Maria",
                    "city": "Recife",
                    "registered": "2023-05-01",
                }
            ],
            file="erp.xlsx",
        ),
    )
    assert outcome.fields_filled == 2
    assert outcome.conflict_count == 1
    conflict = outcome.conflicts[0]
    assert (conflict.customer_key, conflict.field, conflict.kept, conflict.offered) == (
        "1",
        "name",
        "Ana",
        "Ana Maria",
    )
    assert conflict.file == "erp.xlsx"
    assert rows(database, "SELECT name, city, registered_day FROM customers") == [
        ("Ana", "Recife", day("2023-05-01"))
    ]
    fills = rows(
        database,
        "SELECT field, batch_id, value FROM customer_field_fills ORDER BY field",
    )
    assert fills == [
        ("city", 2, "Recife"),
        ("name", 1, "Ana"),
        ("registered_day", 2, str(day("2023-05-01"))),
    ]
    assert [(s.imported, s.already_imported) for s in outcome.sheets] == [(1, 0)]
    again = imported(database, customers_sheet([{"key": "1", "name": "Ana"}]))
    assert [(s.imported, s.already_imported) for s in again.sheets] == [(0, 1)]


def nps_sheet(answers: list[tuple[str, str | None, int]]) -> NormalizedSheet:
    return NormalizedSheet(
        file="nps.csv",
        sheet="nps",
        role=Role.NPS,
        rows_read=len(answers),
        rows_valid=len(answers),
        nps=NpsColumns(
            row_numbers=np.arange(2, len(answers) + 2, dtype=np.int64),
            customer_key=[a[0] for a in answers],
            key_source=np.full(len(answers), KeySource.CUSTOMER_ID, np.int8),
            day=np.array([day(a[1]) if a[1] else NO_DAY for a in answers], np.int32),
            score=np.array([a[2] for a in answers], np.int8),
        ),
        customers=CustomerColumns(
            row_numbers=np.arange(2, len(answers) + 2, dtype=np.int64),
            key=list(dict.fromkeys(a[0] for a in answers)),
            key_source=np.full(
                len({a[0] for a in answers}), KeySource.CUSTOMER_ID, np.int8
            ),
        ),
    )


def test_nps_answers_are_deduplicated_and_undated_scores_kept_on_the_customer(
    database: Database,
) -> None:
    sheet = nps_sheet([("1", "2024-03-01", 9), ("1", "2024-03-01", 9), ("2", None, 6)])
    first = imported(database, sheet)
    assert (first.nps_answers, first.imported, first.already_imported) == (2, 3, 0)
    assert rows(
        database, "SELECT key, nps_score_undated FROM customers ORDER BY key"
    ) == [
        ("1", None),
        ("2", 6),
    ]
    again = imported(database, sheet)
    assert (again.nps_answers, again.imported, again.already_imported) == (0, 0, 3)
    assert scalar(database, "SELECT COUNT(*) FROM nps_answers") == 2


def test_campaigns_are_deduplicated(database: Database) -> None:
    sheet = NormalizedSheet(
        file="c.xlsx",
        sheet="c",
        role=Role.CAMPAIGNS,
        rows_read=2,
        rows_valid=2,
        campaigns=CampaignColumns(
            row_numbers=np.array([2, 3], np.int64),
            day=np.array([day("2024-01-01"), day("2024-02-01")], np.int32),
            channel=["Instagram", None],
            reached=np.array([1000, NO_INT], np.int64),
            cost_cents=np.array([NO_INT, 5000], np.int64),
        ),
    )
    assert imported(database, sheet).campaigns == 2
    assert imported(database, sheet).already_imported == 2
    assert rows(
        database, "SELECT day, channel, reached, cost_cents FROM campaigns ORDER BY day"
    ) == [
        (day("2024-01-01"), "Instagram", 1000, None),
        (day("2024-02-01"), None, 0, 5000),
    ]


def test_a_dry_run_writes_nothing(database: Database) -> None:
    before = snapshot(database)
    outcome = dry_run_import(
        database, [orders_sheet(LINES), customers_sheet([{"key": "9"}])]
    )
    assert outcome.batch_id is None
    assert outcome.imported == 5
    assert snapshot(database) == before


def test_cancel_rolls_everything_back(database: Database) -> None:
    imported(database, orders_sheet(LINES[:1]))
    before = snapshot(database)
    calls = 0

    def cancel_late() -> bool:
        nonlocal calls
        calls += 1
        return calls > 5

    sheet = orders_sheet([("9", f"R{i}", "2024-01-02", 1.0) for i in range(100)])
    with pytest.raises(Cancelled):
        import_sheets(database, [sheet], BATCH, is_cancelled=cancel_late)
    assert snapshot(database) == before


def test_a_failure_in_the_middle_leaves_no_partial_batch(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    imported(database, orders_sheet(LINES[:1]))
    before = snapshot(database)

    def broken(*_args: object) -> None:
        raise RuntimeError("disk on fire")

    # Lines and customers are written by then; orders fail.
    monkeypatch.setattr(storing, "refresh_orders", broken)
    with pytest.raises(RuntimeError):
        import_sheets(database, [orders_sheet(LINES)], BATCH)
    assert snapshot(database) == before


def test_database_errors_become_one_import_error(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    def locked(*_args: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(storing, "_insert_orders", locked)
    before = snapshot(database)
    with pytest.raises(ImportWriteError) as raised:
        import_sheets(database, [orders_sheet(LINES)], BATCH)
    assert "database is locked" in raised.value.message.english()
    assert snapshot(database) == before


def test_mappings_are_remembered_in_the_same_transaction(database: Database) -> None:
    mapping = {"role": "orders", "fields": ["customer_id", "date", "amount"]}
    import_sheets(database, [orders_sheet(LINES)], BATCH, remember={"sig": mapping})
    assert read_remembered_mappings(database) == {"sig": mapping}


def test_a_bulk_load_keeps_the_indexes(database: Database) -> None:
    count = 12_000
    sheet = orders_sheet(
        [
            (str(i // 3 % 300), f"R{i // 3}", "2024-01-02 10:00:00", (i % 50) / 4)
            for i in range(count)
        ]
    )
    outcome = imported(database, sheet)
    assert outcome.lines_imported == count
    indexes = {
        name
        for (name,) in rows(
            database, "SELECT name FROM sqlite_master WHERE type = 'index'"
        )
    }
    assert _schema_indexes() <= indexes
    with database.read() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert scalar(database, "SELECT COUNT(*) FROM orders") == count // 3
    assert imported(database, sheet).already_imported == count


def _schema_indexes() -> set[str]:
    from clmdesk.storage.tables import Base

    return {
        str(index.name)
        for table in Base.metadata.tables.values()
        for index in table.indexes
    }


def _index_sql(database: Database) -> list[Any]:
    """Every index of the import's tables: (table, name, columns, unique)."""
    from sqlalchemy import inspect

    with database.read() as connection:
        inspector = inspect(connection)
        return sorted(
            (table, index["name"], tuple(index["column_names"]), index["unique"])
            for table in ("customers", "order_lines", "orders")
            for index in inspector.get_indexes(table)
        )


def _foreign_keys_checked(database: Database) -> bool:
    if not database.is_sqlite:
        return True  # PostgreSQL always checks them
    with database.read() as connection:
        return bool(connection.exec_driver_sql("PRAGMA foreign_keys").scalar())


def _bulk_sheet(count: int) -> NormalizedSheet:
    return orders_sheet(
        [
            (str(i // 3 % 3000), f"R{i // 3}", "2024-01-02 10:00:00", (i % 50) / 4)
            for i in range(count)
        ]
    )


def test_a_cancelled_bulk_load_keeps_the_indexes_and_checks(
    database: Database,
) -> None:
    indexes = _index_sql(database)
    assert {"ux_order_lines_identity", "ix_order_lines_customer_day"} <= {
        name for _, name, _, _ in indexes
    }
    calls = 0

    def cancel_after_the_first_chunk() -> bool:
        nonlocal calls
        calls += 1
        return calls > 6

    with pytest.raises(Cancelled):
        import_sheets(
            database,
            [_bulk_sheet(120_000)],
            BATCH,
            is_cancelled=cancel_after_the_first_chunk,
        )
    assert calls > 6  # cancelled while loading the lines, the indexes dropped
    assert _index_sql(database) == indexes
    assert scalar(database, "SELECT COUNT(*) FROM order_lines") == 0
    assert scalar(database, "SELECT COUNT(*) FROM customers") == 0
    assert _foreign_keys_checked(database)


def test_a_failed_bulk_load_keeps_the_indexes_and_checks(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    indexes = _index_sql(database)

    def broken(*_args: object) -> None:
        raise RuntimeError("disk on fire")

    # The lines are loaded and their indexes rebuilt by then; orders fail.
    monkeypatch.setattr(storing, "_insert_orders", broken)
    with pytest.raises(RuntimeError):
        import_sheets(database, [_bulk_sheet(12_000)], BATCH)
    assert _index_sql(database) == indexes
    assert scalar(database, "SELECT COUNT(*) FROM order_lines") == 0
    assert _foreign_keys_checked(database)


def test_a_duplicate_identity_fails_the_rebuilt_unique_index(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unique index stays a safety net when it is built after the load."""
    from sqlalchemy.exc import IntegrityError

    plan_lines = storing._plan_lines

    def duplicated(*args: Any) -> Any:
        plans = plan_lines(*args)
        plans[0].identities[1] = plans[0].identities[0]
        return plans

    monkeypatch.setattr(storing, "_plan_lines", duplicated)
    before = snapshot(database)
    with pytest.raises((ImportWriteError, IntegrityError)):
        import_sheets(database, [_bulk_sheet(12_000)], BATCH)
    assert snapshot(database) == before


def test_orders_of_a_later_import_are_rederived_with_the_rest(
    database: Database,
) -> None:
    from clmdesk.storage.orders import rebuild_orders

    imported(
        database,
        orders_sheet([(str(c), f"R{c}", "2024-01-02", 10.0 + c) for c in range(1, 8)]),
    )
    imported(
        database,
        orders_sheet([("3", "R3", "2023-12-30", -1.0), ("3", None, "2024-02-01", 2.0)]),
    )
    incremental = rows(
        database,
        "SELECT customer_id, order_ref, day, amount_cents, line_count FROM orders ORDER BY 1, 2, 3",
    )
    with database.write() as connection:
        rebuild_orders(connection)
    full = rows(
        database,
        "SELECT customer_id, order_ref, day, amount_cents, line_count FROM orders ORDER BY 1, 2, 3",
    )
    assert incremental == full
    assert (3, "R3", day("2023-12-30"), 1200, 2) in full


def test_a_later_import_regroups_only_its_customers_orders(
    database: Database,
) -> None:
    imported(
        database,
        orders_sheet([(str(c), f"R{c}", "2024-01-02", 10.0 + c) for c in range(1, 21)]),
    )
    before = rows(database, "SELECT * FROM orders ORDER BY id")
    imported(
        database,
        orders_sheet([("3", "R3", "2024-01-02", 5.0), ("3", "S", "2024-03-01", 1.0)]),
    )
    after = rows(database, "SELECT * FROM orders ORDER BY id")
    customer_3 = [row for row in before if row[1] == 3]
    # The other customers' orders keep their ids; customer 3's come last,
    # numbered after the largest id left.
    assert [row for row in after if row[1] != 3] == [
        row for row in before if row[1] != 3
    ]
    assert [row[0] for row in after if row[1] == 3] == [21, 22]
    assert [row[2:] for row in after if row[1] == 3] == [
        ("R3", day("2024-01-02"), customer_3[0][4] + 500, 2),
        ("S", day("2024-03-01"), 100, 1),
    ]


def test_a_later_import_touching_many_customers_rebuilds_every_order(
    database: Database,
) -> None:
    from clmdesk.storage.orders import rebuild_orders

    imported(
        database,
        orders_sheet([(str(c), f"R{c}", "2024-01-02", 1.0) for c in range(1, 6)]),
    )
    imported(
        database,
        orders_sheet([(str(c), "T", "2024-02-02", 1.0) for c in range(1, 6)]),
    )
    stored = rows(database, "SELECT * FROM orders ORDER BY id")
    with database.write() as connection:
        rebuild_orders(connection)
    assert rows(database, "SELECT * FROM orders ORDER BY id") == stored


def test_customer_sheet_scores_become_answers_when_dated(database: Database) -> None:
    entries = CustomerColumns(
        row_numbers=np.array([2, 3], np.int64),
        key=["1", "2"],
        key_source=np.array([KeySource.CUSTOMER_ID, KeySource.NONE], np.int8),
        nps_score=np.array([10, 7], np.int8),
        nps_day=np.array([day("2024-04-01"), NO_DAY], np.int32),
    )
    sheet = NormalizedSheet(
        file="c.xlsx",
        sheet="c",
        role=Role.CUSTOMERS,
        rows_read=2,
        rows_valid=2,
        customers=entries,
    )
    outcome = imported(database, sheet)
    assert (outcome.customers_new, outcome.nps_answers) == (2, 1)
    assert rows(
        database, "SELECT key, nps_score_undated FROM customers ORDER BY key"
    ) == [
        ("1", None),
        ("2", 7),
    ]
    assert rows(database, "SELECT day, score FROM nps_answers") == [
        (day("2024-04-01"), 10)
    ]
    assert imported(database, sheet).nps_answers == 0


def test_a_first_import_numbers_orders_as_a_rebuild_does(database: Database) -> None:
    from clmdesk.storage.orders import rebuild_orders

    sheet = orders_sheet(
        [
            ("2", "b", "2024-01-05", 1.0),
            ("1", "Z", "2024-01-02", 2.0),
            ("1", None, "2024-01-09", 3.0),
            ("1", "ação", "2024-01-03", 4.0),
            ("1", None, "2024-01-01", 5.0),
            ("1", "A", "2024-01-04", 6.0),
        ]
        * 2000  # a bulk load
    )
    imported(database, sheet)
    inserted = rows(database, "SELECT * FROM orders ORDER BY id")
    with database.write() as connection:
        rebuild_orders(connection)
    assert rows(database, "SELECT * FROM orders ORDER BY id") == inserted


@given(
    st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=6), max_size=40)
)
def test_order_ids_are_ranked_in_code_point_order(texts: list[str]) -> None:
    """numpy's ranking of order ids agrees with Python's (UTF-8 byte) order."""
    order = storing._code_point_order(texts)
    assert [texts[i] for i in order.tolist()] == sorted(texts)


def test_progress_moves_through_every_step_of_the_write(database: Database) -> None:
    reports: list[tuple[int, int]] = []
    import_sheets(
        database,
        [_bulk_sheet(12_000)],
        BATCH,
        progress=lambda done, total: reports.append((done, total)),
    )
    fractions = [done / total for done, total in reports]
    assert fractions[0] == 0.0
    assert fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    # Planning, the lines, each index and the orders each move the bar:
    # it never stands still for a whole step.
    assert len(set(fractions)) >= 6
    assert max(b - a for a, b in itertools.pairwise(fractions)) <= 0.35
