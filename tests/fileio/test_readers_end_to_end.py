"""Files written by the test, read, planned and converted: every value format, end to end."""

from __future__ import annotations

import csv
from datetime import date, datetime
from typing import TYPE_CHECKING

import pytest

from clmdesk.core.importing import (
    NO_TIME,
    DateOrder,
    Field,
    ImportOptions,
    NormalizedSheet,
    Role,
    convert_sheet,
    day_number,
)
from clmdesk.core.importing.identity import line_identities
from clmdesk.fileio.readers import plan_file

if TYPE_CHECKING:
    from pathlib import Path

TODAY = date(2025, 1, 31)


def _xlsx(
    path: Path, sheets: dict[str, list[list[object]]], epoch_1904: bool = False
) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    if epoch_1904:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904

        workbook.epoch = CALENDAR_MAC_1904
    workbook.save(path)
    return path


def _csv(
    path: Path, rows: list[list[object]], encoding: str = "utf-8", delimiter: str = ","
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def _convert(path: Path, options: ImportOptions | None = None) -> list[NormalizedSheet]:
    plan = plan_file(path, options)
    return [convert_sheet(raw, sheet_plan, TODAY) for raw, sheet_plan in plan.pairs()]


def _d(y: int, m: int, d: int) -> int:
    return day_number(date(y, m, d))


@pytest.mark.parametrize("epoch_1904", [False, True])
def test_excel_dates_and_numbers_in_both_date_systems(
    tmp_path: Path, epoch_1904: bool
) -> None:
    path = _xlsx(
        tmp_path / "vendas.xlsx",
        {
            "Vendas": [
                ["Cliente", "Data", "Valor"],
                [12346.0, date(2024, 3, 5), 10.5],
                [12346.0, datetime(2024, 3, 6, 9, 15), 9.9499999999999993],
                ["00123", datetime(1999, 12, 31, 23, 59, 59), 100000.0],
            ]
        },
        epoch_1904=epoch_1904,
    )
    (result,) = _convert(path)
    orders = result.orders
    assert orders is not None
    assert orders.customer_key == ["12346", "12346", "00123"]
    assert orders.day.tolist() == [_d(2024, 3, 5), _d(2024, 3, 6), _d(1999, 12, 31)]
    assert orders.seconds.tolist() == [NO_TIME, 33300, 86399]
    assert orders.amount_cents.tolist() == [1050, 995, 10000000]


TEXT_FORMATS = [
    # (date text, amount text) and the expected day and cents
    ("05/03/2024", "1234.56", _d(2024, 3, 5), 123456),
    ("2024-03-06", "R$ 1.234,56", _d(2024, 3, 6), 123456),
    ("07/03/24", "1,234.56", _d(2024, 3, 7), 123456),
    ("2024-03-08 10:00:00", "(12,00)", _d(2024, 3, 8), -1200),
    ("09/03/2024 18:45", "-12,00", _d(2024, 3, 9), -1200),
    ("45361", "1.234,56", _d(2024, 3, 10), 123456),
]


@pytest.mark.parametrize(("date_text", "amount_text", "day", "cents"), TEXT_FORMATS)
def test_text_formats_in_xlsx_and_csv(
    tmp_path: Path, date_text: str, amount_text: str, day: int, cents: int
) -> None:
    # A day-first anchor row settles the column's date order.
    rows: list[list[object]] = [
        ["Cliente", "Data", "Valor"],
        ["A", "13/01/2024", "1,00" if "," in amount_text else "1.00"],
        ["B", date_text, amount_text],
    ]
    for path in (
        _xlsx(tmp_path / "t.xlsx", {"S": rows}),
        _csv(tmp_path / "t.csv", rows, delimiter=";"),
    ):
        (result,) = _convert(path)
        assert result.rejected == (), path
        orders = result.orders
        assert orders is not None
        assert orders.day[1] == day
        assert orders.amount_cents[1] == cents


def test_brazilian_csv_cp1252_semicolons_decimal_commas(tmp_path: Path) -> None:
    rows = [
        ["Relatório de Vendas"],
        ["Código do Cliente", "Nome", "Data da Venda", "Valor Total (R$)", "Cidade"],
        ["0042", "João Conceição", "03/04/2024", "1.234,56", "São Paulo"],
        ["0042", "João Conceição", "04/05/2024", "10,00", "São Paulo"],
        ["0077", "Márcia", "05/06/2024", "(5,50)", "Belém"],
    ]
    path = _csv(tmp_path / "vendas.csv", rows, encoding="cp1252", delimiter=";")
    plan = plan_file(path)
    (sheet_plan,) = plan.sheets
    assert sheet_plan.header_row == 1
    assert sheet_plan.role == Role.ORDERS
    # Every date fits both orders, but a Brazilian file is day-first without asking.
    assert sheet_plan.columns[2].date_order == DateOrder.DAY_FIRST
    assert not sheet_plan.ambiguous_date_columns
    (result,) = _convert(path)
    orders = result.orders
    assert orders is not None
    assert orders.customer_key == ["0042", "0042", "0077"]
    assert orders.day.tolist() == [_d(2024, 4, 3), _d(2024, 5, 4), _d(2024, 6, 5)]
    assert orders.amount_cents.tolist() == [123456, 1000, -550]
    customers = result.customers
    assert customers is not None
    assert customers.name == ["João Conceição", "Márcia"]
    assert customers.city == ["São Paulo", "Belém"]


def test_ambiguous_english_dates_are_flagged_and_the_choice_applies(
    tmp_path: Path,
) -> None:
    rows = [
        ["Customer", "Date", "Amount"],
        ["1", "01/02/2024", "5.00"],
        ["2", "03/04/2024", "6.00"],
    ]
    path = _csv(tmp_path / "orders.csv", rows)
    plan = plan_file(path)
    (sheet_plan,) = plan.sheets
    assert sheet_plan.ambiguous_date_columns == (1,)
    chosen = sheet_plan.with_mapping(date_orders={1: DateOrder.MONTH_FIRST})
    result = convert_sheet(plan.workbook.sheets[0], chosen, TODAY)
    assert result.orders is not None
    assert result.orders.day.tolist() == [_d(2024, 1, 2), _d(2024, 3, 4)]
    unambiguous = [*rows, ["3", "04/30/2024", "7.00"]]
    (month_first,) = plan_file(_csv(tmp_path / "us.csv", unambiguous)).sheets
    assert month_first.columns[1].date_order == DateOrder.MONTH_FIRST
    assert not month_first.ambiguous_date_columns


def test_several_overlapping_sheets_and_a_customers_sheet(tmp_path: Path) -> None:
    header = ["Pedido", "Data", "Cliente", "Valor"]
    jan = [
        [f"P{i}", datetime(2024, 1, 25 + i % 7, 10), f"C{i % 3}", 10.0 + i]
        for i in range(10)
    ]
    feb = [
        [f"P{i}", datetime(2024, 1, 25 + i % 7, 10), f"C{i % 3}", 10.0 + i]
        for i in range(6, 14)
    ]
    path = _xlsx(
        tmp_path / "export.xlsx",
        {
            "Janeiro": [header, *jan],
            "Fevereiro": [header, *feb],
            "Clientes": [
                ["Código", "Nome", "E-mail"],
                ["C0", "Ana", "ana@x.com"],
                ["C1", "Bia", ""],
            ],
            "Notas": [["Observações"], ["exportado do ERP"]],
        },
    )
    results = _convert(path)
    assert [r.role for r in results] == [
        Role.ORDERS,
        Role.ORDERS,
        Role.CUSTOMERS,
        Role.IGNORE,
    ]
    first, second = results[0].orders, results[1].orders
    assert first is not None
    assert second is not None
    # The overlapping lines (P6..P9) have the same identity in both sheets.
    overlap = set(line_identities(first)) & set(line_identities(second))
    assert len(overlap) == 4
    assert results[2].customers is not None
    assert results[2].customers.key == ["C0", "C1"]


def test_headers_that_say_nothing(tmp_path: Path) -> None:
    rows: list[list[object]] = [["Campo 1", "Campo 2", "Campo 3"]]
    rows += [
        [f"cliente{i % 4}@loja.com", date(2024, 2, 1 + i), 19.9 + i] for i in range(20)
    ]
    path = _xlsx(tmp_path / "sem_nome.xlsx", {"Planilha1": rows})
    plan = plan_file(path)
    assert plan.sheets[0].role == Role.ORDERS
    assert plan.sheets[0].mapping == {Field.EMAIL: 0, Field.DATE: 1, Field.AMOUNT: 2}
    (result,) = _convert(path)
    assert result.rows_valid == 20


def test_real_retail_export(retail_file: Path) -> None:
    plan = plan_file(retail_file)
    assert [p.sheet for p in plan.sheets] == ["Year 2009-2010", "Year 2010-2011"]
    for sheet_plan in plan.sheets:
        assert sheet_plan.role == Role.ORDERS
        assert sheet_plan.header_row == 0
        assert sheet_plan.mapping == {
            Field.ORDER_ID: 0,
            Field.QUANTITY: 3,
            Field.DATE: 4,
            Field.UNIT_PRICE: 5,
            Field.CUSTOMER_ID: 6,
        }
        assert sheet_plan.confidence == 1.0
        assert sheet_plan.issues == ()
    results = [convert_sheet(raw, p, TODAY) for raw, p in plan.pairs()]
    assert sum(r.rows_read for r in results) == 34_766
    assert sum(r.anonymous_rows for r in results) == 601
    assert sum(len(r.rejected) for r in results) == 0
    # Line identities across the two sheets: the 1-9 Dec 2010 overlap.
    seen: set[bytes] = set()
    skipped = skipped_cents = net = 0
    for result in results:
        orders = result.orders
        assert orders is not None
        for identity, cents in zip(
            line_identities(orders), orders.amount_cents.tolist(), strict=True
        ):
            if identity in seen:
                skipped += 1
                skipped_cents += cents
            else:
                seen.add(identity)
                net += cents
    assert skipped == 441
    assert skipped_cents == 997_541
    assert net == 121_634_867
    first = results[0].orders
    assert first is not None
    assert first.customer_key[0] == "12417"
    assert first.order_ref is not None
    assert first.order_ref[0] == "490397"
