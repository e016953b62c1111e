"""The import service end to end: real and generated files, dry run, rollback, memory of mappings."""

from __future__ import annotations

import csv
import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

import clmdesk.storage.importing as storing
from clmdesk.core.tasks import Cancelled
from clmdesk.services.importing import (
    ImportFailed,
    dry_run,
    import_files,
    import_options,
    list_batches,
    plan_files,
    preview_undo,
    run_import,
    undo_batch,
)
from clmdesk.storage.database import Database, open_database

TODAY = date(2024, 12, 31)


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


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, table in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in table:
            sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path: Path, table: list[list[Any]], delimiter: str = ",") -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(table)
    return path


def accounting_holds(summary: Any) -> None:
    assert summary.rows_read == (
        summary.imported
        + summary.already_imported
        + summary.anonymous
        + summary.rejected
    )
    assert summary.rejected == len(summary.rejected_rows)


@pytest.mark.slow
def test_the_real_online_retail_export(database: Database, retail_file: Path) -> None:
    plans = plan_files([retail_file])
    forecast = dry_run(database, plans)
    summary = run_import(database, plans, remember=False)
    assert summary.counts() == forecast.counts()
    accounting_holds(summary)
    assert summary.rows_read == 34_766
    assert summary.anonymous == 601
    assert summary.already_imported == 441
    assert summary.rejected == 0
    assert summary.imported == 34_766 - 601 - 441
    # The overlap of the two sheets (1-9 Dec 2010) is worth 9,975.41.
    assert summary.sheets[1].already_imported == 441
    assert summary.customers_new == 262
    assert (summary.orders_new, summary.returns_new, summary.zero_value_new) == (
        1_720,
        302,
        1,
    )
    assert summary.revenue_cents == 121_634_867
    assert summary.files[0].name == "online_retail_II_part.xlsx"
    assert len(summary.files[0].sha256) == 64

    assert scalar(database, "SELECT COUNT(*) FROM customers") == 262
    assert (
        scalar(
            database,
            "SELECT COUNT(DISTINCT customer_id) FROM orders WHERE amount_cents >= 0",
        )
        == 260
    )
    assert scalar(database, "SELECT COUNT(*) FROM orders") == 1_720
    assert scalar(database, "SELECT COUNT(*) FROM orders WHERE amount_cents < 0") == 302
    assert scalar(database, "SELECT COUNT(*) FROM orders WHERE amount_cents = 0") == 1
    assert scalar(database, "SELECT SUM(amount_cents) FROM orders") == 121_634_867
    assert rows(
        database,
        "SELECT SUM(o.amount_cents), COUNT(*) FROM orders o"
        " JOIN customers c ON c.id = o.customer_id WHERE c.key = '12417'",
    ) == [(657_741, 27)]
    # Both sheets hold every line of 1-9 Dec 2010: stored once, skipped once.
    assert rows(
        database,
        "SELECT COUNT(*), SUM(amount_cents) FROM order_lines WHERE day BETWEEN 14944 AND 14952",
    ) == [(441, 997_541)]

    before = snapshot(database)
    again = run_import(database, plans, remember=False)
    accounting_holds(again)
    assert (again.imported, again.already_imported, again.anonymous) == (0, 34_165, 601)
    assert (again.customers_new, again.orders_new, again.orders_updated) == (0, 0, 0)
    after = snapshot(database)
    for table in ("customers", "order_lines", "orders", "customer_field_fills"):
        assert after[table] == before[table]


def test_orders_keyed_by_email_attach_to_customers_keyed_by_id(
    database: Database, tmp_path: Path
) -> None:
    customers = write_xlsx(
        tmp_path / "clientes.xlsx",
        {
            "Clientes": [
                ["Código do cliente", "Nome", "E-mail", "Cidade"],
                [1001, "Ana Souza", "Ana@Example.com ", "Recife"],
                [1002, "Bruno Lima", "bruno@example.com", "Olinda"],
            ]
        },
    )
    orders = write_csv(
        tmp_path / "loja.csv",
        [
            ["E-mail", "Data", "Pedido", "Valor"],
            ["ana@example.com", "05/03/2024", "L-1", "100.00"],
            ["bruno@example.com", "06/03/2024", "L-2", "50.50"],
            ["carla@example.com", "07/03/2024", "L-3", "10.00"],
        ],
    )
    import_files(database, [customers], today=TODAY, classify=False)
    summary = import_files(database, [orders], today=TODAY, classify=False)
    accounting_holds(summary)
    assert (summary.imported, summary.customers_known, summary.customers_new) == (
        3,
        2,
        1,
    )
    assert rows(
        database,
        "SELECT c.key, SUM(o.amount_cents) FROM orders o JOIN customers c ON c.id = o.customer_id"
        " GROUP BY c.key ORDER BY c.key",
    ) == [("1001", 10_000), ("1002", 5_050), ("carla@example.com", 1_000)]


def test_sheets_of_one_import_overlap_and_customers_merge(
    database: Database, tmp_path: Path
) -> None:
    header = ["Cliente", "Nome", "Data", "Pedido", "Valor"]
    path = write_xlsx(
        tmp_path / "vendas.xlsx",
        {
            "2023": [
                header,
                [7, "Ana", datetime(2023, 12, 30, 10, 0), "P1", 10.0],
                [7, "Ana", datetime(2023, 12, 31, 11, 0), "P2", 20.0],
            ],
            "2024": [
                header,
                [7, "Ana Maria", datetime(2023, 12, 31, 11, 0), "P2", 20.0],
                [8, "Bia", datetime(2024, 1, 2, 9, 30), "P3", 5.0],
            ],
        },
    )
    plans = plan_files([path], import_options(database))
    forecast = dry_run(database, plans, today=TODAY)
    summary = run_import(database, plans, today=TODAY)
    assert summary.counts() == forecast.counts()
    assert [(s.imported, s.already_imported) for s in summary.sheets] == [
        (2, 0),
        (1, 1),
    ]
    assert summary.customers_new == 2
    assert summary.conflict_count == 1
    assert summary.conflicts[0].offered == "Ana Maria"
    assert rows(database, "SELECT key, name FROM customers ORDER BY key") == [
        ("7", "Ana"),
        ("8", "Bia"),
    ]


def test_undo_through_the_service(database: Database, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "a.csv",
        [
            ["Cliente", "Data", "Valor"],
            ["1", "2024-01-02", "10"],
            ["2", "2024-01-03", "5"],
        ],
    )
    summary = import_files(database, [path], today=TODAY, classify=False)
    [batch] = list_batches(database)
    assert batch.id == summary.batch_id
    assert batch.files[0].name == "a.csv"
    preview = preview_undo(database, batch.id)
    assert (preview.lines, preview.orders, preview.customers) == (2, 2, 2)
    assert undo_batch(database, batch.id) == preview
    assert scalar(database, "SELECT COUNT(*) FROM customers") == 0
    assert list_batches(database)[0].status == "undone"


def test_cancel_during_the_write_rolls_everything_back(
    database: Database, tmp_path: Path
) -> None:
    first = write_csv(
        tmp_path / "a.csv", [["Cliente", "Data", "Valor"], ["1", "2024-01-02", "10"]]
    )
    import_files(database, [first], today=TODAY, classify=False)
    before = snapshot(database)
    path = write_csv(
        tmp_path / "b.csv",
        [
            ["Cliente", "Data", "Valor"],
            *[[str(i), "2024-02-01", "1"] for i in range(200)],
        ],
    )
    plans = plan_files([path])
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))

    def cancel_when_writing() -> bool:
        # Conversion reports half of the work; cancel once the write has begun.
        return any(done >= total // 2 for done, total in seen if total)

    with pytest.raises(Cancelled):
        run_import(
            database,
            plans,
            today=TODAY,
            progress=progress,
            is_cancelled=cancel_when_writing,
        )
    assert snapshot(database) == before


def test_a_database_failure_in_the_middle_changes_nothing(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(
        tmp_path / "a.csv", [["Cliente", "Data", "Valor"], ["1", "2024-01-02", "10"]]
    )
    before = snapshot(database)

    def full(*_args: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(storing, "_insert_orders", full)
    with pytest.raises(ImportFailed) as raised:
        import_files(database, [path], today=TODAY, classify=False)
    assert "disk is full" in raised.value.message.english()
    assert snapshot(database) == before


def test_an_unreadable_file_stops_everything_with_its_name(
    database: Database, tmp_path: Path
) -> None:
    good = write_csv(
        tmp_path / "a.csv", [["Cliente", "Data", "Valor"], ["1", "2024-01-02", "10"]]
    )
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not a real workbook")
    with pytest.raises(ImportFailed) as raised:
        import_files(database, [good, broken], today=TODAY, classify=False)
    assert raised.value.message.params["file"] == "broken.xlsx"
    assert scalar(database, "SELECT COUNT(*) FROM import_batches") == 0
    with pytest.raises(ImportFailed):
        plan_files([tmp_path / "missing.csv"])


def test_a_confirmed_mapping_is_remembered_by_header_signature(
    database: Database, tmp_path: Path
) -> None:
    from clmdesk.core.importing import Field, Role

    table = [["Ref", "Quando", "Quem", "Quanto"], ["A1", "2024-01-02", "c1", "10"]]
    path = write_csv(tmp_path / "odd.csv", table)
    plan = plan_files([path], import_options(database))[0]
    sheet = plan.sheets[0]
    edited = sheet.with_mapping(
        {0: Field.ORDER_ID, 1: Field.DATE, 2: Field.CUSTOMER_ID, 3: Field.AMOUNT},
        role=Role.ORDERS,
    )
    confirmed = type(plan)(plan.workbook, (edited,))
    summary = run_import(database, [confirmed], today=TODAY)
    assert summary.imported == 1
    options = import_options(database)
    assert sheet.signature in options.remembered
    again = plan_files([write_csv(tmp_path / "odd2.csv", table)], options)[0].sheets[0]
    assert again.mapping == edited.mapping
    assert {column.source for column in again.columns if column.field} == {"remembered"}
