"""The import reuses its dry run's conversion, and only when nothing it depends on changed.

A :class:`PreparedImport` carries the dry run's converted sheets to the
import. It is used when the plans (same raw files, equal sheet plans) and
the import day are those it was made for; a mapping edited after the dry
run, another day, a plan re-read from disk or a second import convert
again. Results must be those of a fresh import, and the write still
decides everything against the database as it is at import time.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import clmdesk.services.importing as importing
import clmdesk.storage.importing as storing
from clmdesk.core.importing import Field, FilePlan, Role
from clmdesk.core.tasks import Cancelled
from clmdesk.services.importing import (
    FirstRowsWorkbook,
    ImportFailed,
    PreparedImport,
    dry_run,
    first_rows,
    import_options,
    plan_files,
    prepare_import,
    read_again,
    rows_released,
    run_import,
)
from clmdesk.storage.database import Database, open_database
from tests.services.test_importing import (
    accounting_holds,
    rows,
    snapshot,
    write_xlsx,
)

TODAY = date(2024, 12, 31)
HEADER = ["Cliente", "Data", "Valor total (R$)", "Pedido"]


@pytest.fixture
def database(db_path: Path) -> Database:
    db = open_database(db_path)
    yield db  # type: ignore[misc]
    db.close()


@pytest.fixture
def other_database(tmp_path: Path) -> Database:
    db = open_database(tmp_path / "other.sqlite3")
    yield db  # type: ignore[misc]
    db.close()


class ConversionSpy:
    """Counts the sheets converted by the service (wraps ``convert_sheet``)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sheets: list[str] = []
        real = importing.convert_sheet

        def counting(raw: Any, plan: Any, today: date) -> Any:
            self.sheets.append(plan.sheet)
            return real(raw, plan, today)

        monkeypatch.setattr(importing, "convert_sheet", counting)

    @property
    def count(self) -> int:
        return len(self.sheets)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> ConversionSpy:
    return ConversionSpy(monkeypatch)


def stored(database: Database) -> dict[str, list[Any]]:
    """Every table an import fills, without the batch row (its time differs)."""
    tables = snapshot(database)
    del tables["import_batches"]
    return tables


def orders_file(tmp_path: Path, name: str = "vendas.xlsx") -> Path:
    """Two orders of one customer on one day (refs P1, P2), and a row dated 1 Jan 2025."""
    return write_xlsx(
        tmp_path / name,
        {
            "Vendas": [
                HEADER,
                ["C1", datetime(2024, 3, 5, 10, 0), 10.5, "P1"],
                ["C1", datetime(2024, 3, 5, 11, 0), 20.0, "P2"],
                ["C2", datetime(2024, 3, 6, 9, 0), 7.25, "P3"],
                ["C3", datetime(2025, 1, 1, 9, 0), 1.0, "P4"],
            ]
        },
    )


def without_order_ref(plans: tuple[FilePlan, ...]) -> tuple[FilePlan, ...]:
    """The plans with the order-id column unmapped, as the wizard's combo does."""
    plan = plans[0]
    sheet = plan.sheets[0]
    column = sheet.mapping[Field.ORDER_ID]
    edited = sheet.with_mapping({column: None})
    return (dataclasses.replace(plan, sheets=(edited, *plan.sheets[1:])),)


# --------------------------------------------------------------- the real file


@pytest.mark.slow
def test_the_real_export_is_converted_once_and_imports_as_a_fresh_import(
    database: Database,
    other_database: Database,
    shared_data: Path,
    spy: ConversionSpy,
) -> None:
    path = shared_data / "online_retail_II_part.xlsx"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    plans = plan_files([path])
    sheets = sum(1 for plan in plans for s in plan.sheets if s.role != Role.IGNORE)
    assert sheets == 2

    prepared = prepare_import(database, plans, today=TODAY)
    assert spy.count == sheets
    forecast = prepared.summary
    assert forecast.dry_run
    summary = run_import(database, plans, prepared, today=TODAY, remember=False)
    assert spy.count == sheets  # the import converted nothing
    assert not prepared.available
    assert summary.counts() == forecast.counts()
    accounting_holds(summary)
    assert (summary.rows_read, summary.anonymous, summary.already_imported) == (
        34_766,
        601,
        441,
    )
    assert (summary.customers_new, summary.orders_new, summary.revenue_cents) == (
        262,
        1_720,
        121_634_867,
    )

    # A fresh import of the same plans into another database: same result.
    fresh = run_import(other_database, plans, today=TODAY, remember=False)
    assert spy.count == 2 * sheets
    assert fresh.counts() == summary.counts()
    assert fresh.sheets == summary.sheets
    assert fresh.rejected_rows == summary.rejected_rows
    assert fresh.files == summary.files
    assert stored(other_database) == stored(database)
    assert rows(
        database,
        "SELECT SUM(o.amount_cents), COUNT(*) FROM orders o"
        " JOIN customers c ON c.id = o.customer_id WHERE c.key = '12417'",
    ) == [(657_741, 27)]


# ------------------------------------------------------- when it is (not) used


def test_an_unchanged_plan_reuses_the_conversion(
    database: Database,
    other_database: Database,
    tmp_path: Path,
    spy: ConversionSpy,
) -> None:
    plans = plan_files([orders_file(tmp_path)])
    prepared = prepare_import(database, plans, today=TODAY)
    assert isinstance(prepared, PreparedImport)
    assert (prepared.summary.imported, prepared.summary.rejected) == (3, 1)
    assert prepared.matches(plans, TODAY)
    # Plans rebuilt with equal values over the same raw data still match.
    rebuilt = tuple(dataclasses.replace(plan) for plan in plans)
    assert rebuilt[0] is not plans[0]
    assert prepared.matches(rebuilt, TODAY)

    summary = run_import(database, rebuilt, prepared, today=TODAY)
    assert spy.count == 1
    assert summary.counts() == prepared.summary.counts()
    assert summary.rejected_rows == prepared.summary.rejected_rows
    fresh = run_import(other_database, plans, today=TODAY)
    assert fresh.counts() == summary.counts()
    assert stored(other_database) == stored(database)


def test_a_mapping_edited_after_the_dry_run_converts_again(
    database: Database,
    other_database: Database,
    tmp_path: Path,
    spy: ConversionSpy,
) -> None:
    plans = plan_files([orders_file(tmp_path)])
    prepared = prepare_import(database, plans, today=TODAY)
    assert prepared.summary.orders_new == 3
    edited = without_order_ref(plans)
    assert not prepared.matches(edited, TODAY)

    summary = run_import(database, edited, prepared, today=TODAY)
    assert spy.count == 2
    assert not prepared.available  # let go, not kept beside the new conversion
    # Without order ids, C1's two lines of 5 March are one order.
    assert (summary.lines_imported, summary.orders_new) == (3, 2)
    assert rows(
        database, "SELECT COUNT(*) FROM order_lines WHERE order_ref IS NULL"
    ) == [(3,)]
    fresh = run_import(other_database, edited, today=TODAY)
    assert fresh.counts() == summary.counts()
    assert stored(other_database) == stored(database)
    # And the edited import's own dry run would have said so.
    assert dry_run(other_database, edited, today=TODAY).already_imported == 3


def test_another_import_day_converts_again(
    database: Database, tmp_path: Path, spy: ConversionSpy
) -> None:
    plans = plan_files([orders_file(tmp_path)])
    prepared = prepare_import(database, plans, today=TODAY)
    assert prepared.summary.rejected == 1  # 1 Jan 2025 is after the day

    next_day = TODAY + timedelta(days=1)
    assert not prepared.matches(plans, next_day)
    summary = run_import(database, plans, prepared, today=next_day)
    assert spy.count == 2
    assert (summary.imported, summary.rejected) == (4, 0)


def test_a_dry_run_before_midnight_and_an_import_after_it_convert_twice(
    database: Database,
    tmp_path: Path,
    spy: ConversionSpy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plans = plan_files([orders_file(tmp_path)])
    prepared = prepare_import(database, plans)  # today: the real date
    assert prepared.today == date.today()

    tomorrow = date.today() + timedelta(days=1)

    class Tomorrow(date):
        @classmethod
        def today(cls) -> date:
            return tomorrow

    monkeypatch.setattr(importing, "date", Tomorrow)
    summary = run_import(database, plans, prepared)
    assert spy.count == 2
    assert summary.imported == prepared.summary.imported


def test_plans_read_again_from_disk_reuse_it_unless_the_file_changed(
    database: Database, tmp_path: Path, spy: ConversionSpy
) -> None:
    path = orders_file(tmp_path)
    plans = plan_files([path])
    prepared = prepare_import(database, plans, today=TODAY)
    # Equal plans of another read of the same bytes (same SHA-256).
    again = plan_files([path])
    assert again[0].sheets == plans[0].sheets
    assert again[0].workbook is not plans[0].workbook
    assert prepared.matches(again, TODAY)

    # The file changed meanwhile: only the content the dry run converted is trusted.
    write_xlsx(
        path,
        {
            "Vendas": [
                HEADER,
                *[["C9", datetime(2024, 3, 5, 10, i), 99.0, f"P{i}"] for i in range(4)],
            ]
        },
    )
    changed = plan_files([path])
    assert not prepared.matches(changed, TODAY)
    summary = run_import(database, changed, prepared, today=TODAY)
    assert spy.count == 2
    assert summary.rows_read == 4


def test_a_prepared_import_serves_one_import_and_can_be_released(
    database: Database, tmp_path: Path, spy: ConversionSpy
) -> None:
    plans = plan_files([orders_file(tmp_path)])
    released = prepare_import(database, plans, today=TODAY)
    released.release()
    assert not released.available
    assert not released.matches(plans, TODAY)
    assert released.summary.imported == 3  # the forecast stays
    run_import(database, plans, released, today=TODAY)
    assert spy.count == 2

    prepared = prepare_import(database, plans, today=TODAY)
    run_import(database, plans, prepared, today=TODAY)
    assert spy.count == 3
    again = run_import(database, plans, prepared, today=TODAY)
    assert spy.count == 4
    assert (again.imported, again.already_imported) == (0, 3)


# ------------------------------------------------ database, progress, cancel


def test_the_import_decides_against_the_database_as_it_is_at_import_time(
    database: Database, tmp_path: Path, spy: ConversionSpy
) -> None:
    plans = plan_files([orders_file(tmp_path)], import_options(database))
    prepared = prepare_import(database, plans, today=TODAY)
    assert (prepared.summary.imported, prepared.summary.customers_new) == (3, 2)

    # Another writer imports one of the same lines in between.
    overlap = write_xlsx(
        tmp_path / "outro.xlsx",
        {"Vendas": [HEADER, ["C1", datetime(2024, 3, 5, 10, 0), 10.5, "P1"]]},
    )
    run_import(database, plan_files([overlap]), today=TODAY)

    summary = run_import(database, plans, prepared, today=TODAY)
    assert spy.count == 2  # the dry run's sheet and the other writer's
    assert (summary.imported, summary.already_imported) == (2, 1)
    assert (summary.customers_new, summary.customers_known) == (1, 1)
    accounting_holds(summary)
    assert rows(database, "SELECT COUNT(*) FROM order_lines") == [(3,)]


def test_progress_with_a_reused_conversion_goes_from_zero_to_the_end(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Lines are written (and reported) in chunks: small ones show the steps.
    monkeypatch.setattr(storing, "_CHUNK", 500)
    path = write_xlsx(
        tmp_path / "muitas.xlsx",
        {
            "Vendas": [
                HEADER,
                *[
                    [f"C{i % 97}", datetime(2024, 1, 1 + i % 28), 1.0 + i, f"P{i}"]
                    for i in range(3_000)
                ],
            ]
        },
    )
    plans = plan_files([path])
    prepared = prepare_import(database, plans, today=TODAY)
    seen: list[tuple[int, int]] = []
    run_import(
        database,
        plans,
        prepared,
        today=TODAY,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[0] == (0, 3_000)
    assert seen[-1] == (3_000, 3_000)
    assert {total for _, total in seen} == {3_000}
    done = [d for d, _ in seen]
    assert done == sorted(done)
    assert len(set(done)) > 2  # steps along the way, not only the two ends


def test_cancel_with_a_reused_conversion_rolls_everything_back(
    database: Database, tmp_path: Path, spy: ConversionSpy
) -> None:
    first = write_xlsx(
        tmp_path / "a.xlsx",
        {"Vendas": [HEADER, ["C1", datetime(2024, 3, 5, 10, 0), 10.5, "P1"]]},
    )
    run_import(database, plan_files([first]), today=TODAY)
    before = snapshot(database)
    path = write_xlsx(
        tmp_path / "b.xlsx",
        {
            "Vendas": [
                HEADER,
                *[[f"N{i}", datetime(2024, 2, 1), 1.0, f"Q{i}"] for i in range(300)],
            ]
        },
    )
    plans = plan_files([path])
    prepared = prepare_import(database, plans, today=TODAY)
    seen: list[tuple[int, int]] = []

    def cancel_once_writing() -> bool:
        return any(done > 0 for done, _ in seen)

    with pytest.raises(Cancelled):
        run_import(
            database,
            plans,
            prepared,
            today=TODAY,
            progress=lambda done, total: seen.append((done, total)),
            is_cancelled=cancel_once_writing,
        )
    assert spy.count == 2  # the first import and the dry run: none while importing
    assert snapshot(database) == before


def test_a_failure_with_a_reused_conversion_changes_nothing(
    database: Database,
    tmp_path: Path,
    spy: ConversionSpy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plans = plan_files([orders_file(tmp_path)])
    prepared = prepare_import(database, plans, today=TODAY)
    before = snapshot(database)

    def full(*_args: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(storing, "_insert_orders", full)
    with pytest.raises(ImportFailed) as raised:
        run_import(database, plans, prepared, today=TODAY)
    assert spy.count == 1
    assert "disk is full" in raised.value.message.english()
    assert snapshot(database) == before


# ------------------------------- the wizard's rows: first rows, release, reuse


def long_orders_file(tmp_path: Path, lines: int = 60) -> Path:
    """A title line above the header, then ``lines`` lines of 13 customers; one row bad.

    Two lines a day per customer, each its own order (its own order id).
    """
    return write_xlsx(
        tmp_path / "longo.xlsx",
        {
            "Vendas": [
                ["Relatório de vendas"],
                HEADER,
                *[
                    [
                        f"C{i // 2 % 13}",
                        datetime(2024, 1, 1 + i // 2 % 28, 9, i % 60),
                        "abc" if i == 41 else 2.5 + i,
                        f"P{i}",
                    ]
                    for i in range(lines)
                ],
            ]
        },
    )


def test_first_rows_keep_the_head_and_convert_as_the_whole_file(
    database: Database, other_database: Database, tmp_path: Path
) -> None:
    plans = plan_files([long_orders_file(tmp_path)])
    assert plans[0].sheets[0].header_row == 1
    head = first_rows(plans, rows=10)
    assert isinstance(head[0].workbook, FirstRowsWorkbook)
    assert rows_released(head)
    assert not rows_released(plans)
    assert first_rows(head) == head  # already cut: as it is
    sheet = head[0].workbook.sheets[0]
    assert len(sheet.rows) == 12  # title, header and ten data rows
    assert list(sheet.row_numbers) == list(range(1, 13))
    assert head[0].sheets == plans[0].sheets
    assert (head[0].workbook.sha256, head[0].workbook.size) == (
        plans[0].workbook.sha256,
        plans[0].workbook.size,
    )

    # Converting plans cut to their first rows reads the file again: the
    # counts are those of the whole file, and the first rows stay as they were.
    forecast = dry_run(database, head, today=TODAY)
    assert forecast.counts() == dry_run(database, plans, today=TODAY).counts()
    assert (forecast.rows_read, forecast.rejected) == (60, 1)
    summary = run_import(database, head, today=TODAY)
    assert summary.counts() == forecast.counts()
    assert len(head[0].workbook.sheets[0].rows) == 12
    fresh = run_import(other_database, plans, today=TODAY)
    assert stored(other_database) == stored(database)
    assert fresh.counts() == summary.counts()


def test_read_again_reads_only_the_files_cut_to_their_first_rows(
    tmp_path: Path,
) -> None:
    plans = plan_files([long_orders_file(tmp_path), orders_file(tmp_path)])
    edited = (without_order_ref(plans[:1])[0], plans[1])
    head = (first_rows(edited, rows=5)[0], edited[1])
    seen: list[tuple[int, int]] = []
    complete = read_again(head, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (1000, 1000)
    assert complete[1] is edited[1]
    assert type(complete[0].workbook) is not FirstRowsWorkbook
    assert complete[0].sheets == edited[0].sheets  # the edit is kept
    assert complete[0].workbook.sheets == plans[0].workbook.sheets
    assert read_again(plans) == plans


def test_a_file_that_changed_or_went_away_is_not_read_again(
    database: Database, tmp_path: Path
) -> None:
    path = orders_file(tmp_path)
    head = first_rows(plan_files([path]))
    write_xlsx(path, {"Vendas": [HEADER, ["C1", datetime(2024, 3, 5), 1.0, "P1"]]})
    with pytest.raises(ImportFailed) as raised:
        prepare_import(database, head, today=TODAY)
    assert raised.value.message.id == "import.file.changed"
    assert raised.value.message.params == {"file": "vendas.xlsx"}

    path.unlink()
    with pytest.raises(ImportFailed) as raised:
        run_import(database, head, today=TODAY)
    assert "vendas.xlsx" in raised.value.message.english()
    assert snapshot(database)["order_lines"] == []


def test_released_rows_are_let_go_before_the_database_is_asked(
    database: Database,
    tmp_path: Path,
    spy: ConversionSpy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plans = plan_files([long_orders_file(tmp_path)])
    head = first_rows(plans)
    raw = plans[0].workbook.sheets[0]
    real = importing.dry_run_import
    seen: list[int] = []

    def checking(*args: Any, **kwargs: Any) -> Any:
        seen.append(len(raw.rows))
        return real(*args, **kwargs)

    monkeypatch.setattr(importing, "dry_run_import", checking)
    prepared = prepare_import(database, plans, release_rows=True, today=TODAY)
    assert seen == [0]
    assert len(head[0].workbook.sheets[0].rows) == 62  # the first rows stay
    # The conversion serves the plans the caller kept: nothing is read again.
    assert prepared.matches(head, TODAY)
    summary = run_import(database, head, prepared, today=TODAY)
    assert spy.count == 1
    assert summary.counts() == prepared.summary.counts()
    assert summary.imported == 59


def test_released_rows_are_let_go_on_a_cancel_too(
    database: Database, tmp_path: Path
) -> None:
    plans = plan_files([long_orders_file(tmp_path)])
    with pytest.raises(Cancelled):
        prepare_import(
            database, plans, release_rows=True, today=TODAY, is_cancelled=lambda: True
        )
    assert plans[0].workbook.sheets[0].rows == []
    # Plans cut to their first rows are never emptied: they are the caller's.
    head = first_rows(plan_files([long_orders_file(tmp_path)]))
    prepare_import(database, head, release_rows=True, today=TODAY)
    assert len(head[0].workbook.sheets[0].rows) == 62


def test_a_previous_dry_run_is_checked_again_without_converting(
    database: Database, tmp_path: Path, spy: ConversionSpy
) -> None:
    plans = plan_files([long_orders_file(tmp_path)])
    head = first_rows(plans)
    first = prepare_import(database, plans, release_rows=True, today=TODAY)
    seen: list[tuple[int, int]] = []
    second = prepare_import(
        database,
        head,
        first,
        today=TODAY,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert spy.count == 1  # nothing read or converted again
    assert not first.available
    assert second.available
    assert second.summary.counts() == first.summary.counts()
    assert seen[0] == (0, 60)
    assert seen[-1] == (60, 60)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)

    # The database changed in between: the check sees it.
    run_import(database, plan_files([orders_file(tmp_path)]), today=TODAY)
    third = prepare_import(database, head, second, today=TODAY)
    assert spy.count == 2  # the other file only
    assert third.summary.customers_known == 2

    # An edit: the previous conversion is let go and the file read again.
    edited = without_order_ref(head)
    fourth = prepare_import(database, edited, third, today=TODAY)
    assert spy.count == 3
    assert not third.available
    assert fourth.summary.orders_new < third.summary.orders_new
    summary = run_import(database, edited, fourth, today=TODAY)
    assert spy.count == 3
    assert summary.counts() == fourth.summary.counts()
