"""Conversion: valid rows as columns, anonymous rows counted, rejected rows with reasons."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import numpy as np

from clmdesk.core.importing import (
    NO_DAY,
    NO_INT,
    NO_TIME,
    Field,
    KeySource,
    RawSheet,
    Role,
    convert_sheet,
    day_number,
    plan_sheet,
)
from clmdesk.core.importing.identity import line_identities

TODAY = date(2024, 6, 30)


def sheet(rows: list[list[object]], name: str = "S") -> RawSheet:
    return RawSheet(
        file="f.csv",
        name=name,
        rows=rows,  # type: ignore[arg-type]
        row_numbers=list(range(1, len(rows) + 1)),
        width=max(len(r) for r in rows),
    )


def run(rows: list[list[object]], name: str = "S"):  # type: ignore[no-untyped-def]
    raw = sheet(rows, name)
    return convert_sheet(raw, plan_sheet(raw), TODAY)


def test_orders_every_row_accounted_for() -> None:
    result = run(
        [
            ["Pedido", "Data", "Cliente", "E-mail", "Valor"],
            ["1", "01/02/2024", "C1", "", "10,50"],  # 2 valid
            ["2", "13/02/2024 10:30", "", "Ana@X.com", "1.200,00"],  # 3 keyed by e-mail
            ["3", "14/02/2024", "", "", "5,00"],  # 4 anonymous
            ["4", "", "C1", "", "5,00"],  # 5 no date
            ["5", "31/02/2024", "C1", "", "5,00"],  # 6 not a date
            [
                "6",
                "01/01/1900",
                "C1",
                "",
                "5,00",
            ],  # 7 valid (1900-01-01 itself is fine)
            ["7", "31/12/1899", "C1", "", "5,00"],  # 8 too old
            ["8", "01/07/2024", "C1", "", "5,00"],  # 9 after the import day
            ["9", "15/02/2024", "C2", "", "abc"],  # 10 not a number
            ["10", "15/02/2024", "", "", ""],  # 11 no amount and no key: rejected first
            ["11", "16/02/2024", "C3", "", "(12,00)"],  # 12 a return
        ]
    )
    assert result.role == Role.ORDERS
    assert result.rows_read == 11
    assert result.rows_valid == 4
    assert result.anonymous_row_numbers == (4,)
    assert [r.row_number for r in result.rejected] == [5, 6, 8, 9, 10, 11]
    assert [r.reason.id for r in result.rejected] == [
        "import.row.date_empty",
        "import.row.not_a_date",
        "import.row.date_too_old",
        "import.row.date_future",
        "import.row.not_a_number",
        "import.row.amount_empty",
    ]
    assert result.rejected[1].reason.params == {"column": "Data", "value": "31/02/2024"}
    assert result.rejected[3].reason.params["today"] == "2024-06-30"
    assert result.rejected[0].values == ("4", "", "C1", "", "5,00")
    assert result.rows_read == result.rows_valid + result.anonymous_rows + len(
        result.rejected
    )
    orders = result.orders
    assert orders is not None
    assert orders.row_numbers.tolist() == [2, 3, 7, 12]
    assert orders.customer_key == ["C1", "ana@x.com", "C1", "C3"]
    assert orders.key_source.tolist() == [
        KeySource.CUSTOMER_ID,
        KeySource.EMAIL,
        KeySource.CUSTOMER_ID,
        KeySource.CUSTOMER_ID,
    ]
    assert orders.email == [None, "ana@x.com", None, None]
    assert orders.order_ref == ["1", "2", "6", "11"]
    assert orders.day.tolist() == [
        day_number(date(2024, 2, 1)),
        day_number(date(2024, 2, 13)),
        day_number(date(1900, 1, 1)),
        day_number(date(2024, 2, 16)),
    ]
    assert orders.seconds.tolist() == [NO_TIME, 37800, NO_TIME, NO_TIME]
    assert orders.amount_cents.tolist() == [1050, 120000, 500, -1200]
    assert result.customers is not None
    assert result.customers.key == ["C1", "ana@x.com", "C3"]


def test_line_items_amount_from_quantity_and_price() -> None:
    result = run(
        [
            ["Invoice", "Quantity", "InvoiceDate", "Price", "Customer ID"],
            [536365.0, 6.0, datetime(2010, 12, 1, 8, 26), 2.55, 17850.0],
            ["C536379", -1.0, datetime(2010, 12, 1, 9, 41), 27.5, 14527.0],
            [536366.0, 3.0, datetime(2010, 12, 1, 8, 28), 0.335, 17850.0],
            [536367.0, "", datetime(2010, 12, 1, 8, 28), 1.0, 17850.0],
        ]
    )
    orders = result.orders
    assert orders is not None
    assert orders.amount_cents.tolist() == [1530, -2750, 101]
    assert orders.order_ref == ["536365", "C536379", "536366"]
    assert orders.customer_key == ["17850", "14527", "17850"]
    assert orders.quantity is not None
    assert orders.quantity.tolist() == [6.0, -1.0, 3.0]
    assert [r.reason.id for r in result.rejected] == ["import.row.value_empty"]


def test_identical_lines_in_one_sheet_are_numbered() -> None:
    rows: list[list[object]] = [["Cliente", "Data", "Valor"]] + [
        ["1", "2024-01-01", "5"]
    ] * 3
    first = run(rows, "A")
    assert first.orders is not None
    ids = line_identities(first.orders)
    assert len(set(ids)) == 3
    # The same lines in another sheet (an overlapping export) have the same identities.
    again = run(rows[:3], "B")
    assert again.orders is not None
    assert set(line_identities(again.orders)) < set(ids)
    # Kept with the columns: a dry run and the import that reuses its
    # conversion hash the lines once.
    assert first.orders.identities == ids
    assert first.orders.identities is first.orders.identities


def test_factorised_keys_and_order_ids_give_the_same_identities() -> None:
    """The converter's codes only spare work: without them the digests are equal."""
    rows: list[list[object]] = [
        ["Cliente", "Pedido", "Data", "Valor"],
        ["17850", "536365", "2024-01-01", "5"],
        ["14527", "", "2024-01-01", "5"],
        ["", "536366", "2024-01-02", "7"],  # anonymous: its key is no line's
        ["17850", "536365", "2024-01-01", "5"],
        ["bad", "536367", "not a date", "1"],  # rejected
        ["14527", "C536379", "2024-01-03", "-2"],
    ]
    result = run(rows)
    orders = result.orders
    assert orders is not None
    assert orders.customer_key_codes is not None
    assert orders.order_ref_codes is not None
    assert -1 in orders.order_ref_codes.codes.tolist()
    plain = dataclasses.replace(orders, customer_key_codes=None, order_ref_codes=None)
    assert line_identities(orders) == line_identities(plain)
    assert len(set(line_identities(orders))) == len(orders) == 4


def test_customers_sheet_merges_repeated_keys_and_rejects_keyless_rows() -> None:
    result = run(
        [
            ["Código", "Nome", "E-mail", "CPF", "Cidade", "Data de cadastro", "NPS"],
            [1.0, "Ana", " ANA@X.COM ", 12345678909.0, "", "05/01/2023", "10"],
            [2.0, "Bia", "", "", "Rio", "", ""],
            ["", "Sem código", "", "", "", "", ""],
            [1.0, "", "", "", "Santos", "", ""],
            [3.0, "Caio", "", "", "", "31/12/2099", ""],
            [4.0, "Duda", "", "", "", "", "11"],
        ]
    )
    assert result.role == Role.CUSTOMERS
    assert result.rows_read == 6
    assert [(r.row_number, r.reason.id) for r in result.rejected] == [
        (4, "import.row.no_key"),
        (6, "import.row.date_future"),
        (7, "import.row.not_a_score"),
    ]
    assert result.rows_valid == 3
    assert result.anonymous_rows == 0
    customers = result.customers
    assert customers is not None
    assert customers.key == ["1", "2"]
    assert customers.name == ["Ana", "Bia"]
    assert customers.email == ["ana@x.com", None]
    assert customers.document == ["12345678909", None]
    assert customers.city == [
        "Santos",
        "Rio",
    ]  # an empty field is filled from a later row
    assert customers.registered_day is not None
    assert customers.registered_day.tolist() == [day_number(date(2023, 1, 5)), NO_DAY]
    assert customers.nps_score is not None
    assert customers.nps_score.tolist() == [10, -1]
    assert customers.nps_day is not None
    assert customers.nps_day.tolist() == [NO_DAY, NO_DAY]


def test_nps_sheet() -> None:
    result = run(
        [
            ["Cliente", "Data da resposta", "Nota"],
            ["1", "2024-01-05", "9"],
            ["2", "", "7"],
            ["", "2024-01-05", "10"],
            ["3", "2024-01-05", "9.5"],
        ]
    )
    assert result.role == Role.NPS
    nps = result.nps
    assert nps is not None
    assert nps.customer_key == ["1", "2"]
    assert nps.day.tolist() == [day_number(date(2024, 1, 5)), NO_DAY]
    assert nps.score.tolist() == [9, 7]
    assert result.anonymous_rows == 1
    assert [r.reason.id for r in result.rejected] == ["import.row.not_a_score"]


def test_campaigns_sheet() -> None:
    result = run(
        [
            ["Mês", "Canal", "Alcance", "Custo (R$)"],
            ["2024-03", "Instagram", "1500", "300,00"],
            ["abr/2024", "E-mail", "", "1.250,50"],
            ["xx", "Rádio", "10", "1"],
        ]
    )
    assert result.role == Role.CAMPAIGNS
    campaigns = result.campaigns
    assert campaigns is not None
    assert campaigns.day.tolist() == [
        day_number(date(2024, 3, 1)),
        day_number(date(2024, 4, 1)),
    ]
    assert campaigns.channel == ["Instagram", "E-mail"]
    assert campaigns.reached.tolist() == [1500, NO_INT]
    assert campaigns.cost_cents.tolist() == [30000, 125050]
    assert [r.reason.id for r in result.rejected] == ["import.row.not_a_date"]


def test_ignored_sheet_reads_nothing() -> None:
    result = run([["Produto", "Descrição"], ["P1", "Caneca"]])
    assert result.role == Role.IGNORE
    assert result.rows_read == 0


def test_document_key_when_no_id_or_email() -> None:
    result = run([["CPF", "Data", "Valor"], [1234567890.0, "2024-01-01", 10.0]])
    assert result.orders is not None
    assert result.orders.customer_key == ["01234567890"]
    assert result.orders.key_source.tolist() == [KeySource.DOCUMENT]


def test_ragged_csv_rows() -> None:
    result = run(
        [
            ["Cliente", "Data", "Valor", "Obs"],
            ["1", "2024-01-01", "5"],
            ["2", "2024-01-02"],
        ]
    )
    assert result.orders is not None
    assert result.orders.customer_key == ["1"]
    assert [r.reason.id for r in result.rejected] == ["import.row.amount_empty"]
    assert np.array_equal(result.orders.amount_cents, [500])


def test_a_column_mapped_without_refine_still_gets_its_formats() -> None:
    import dataclasses

    raw = sheet([["Cliente", "Quando", "Quanto"], ["1", "13/01/2024", "1.234,50"]])
    plan = plan_sheet(raw)
    # As if the wizard mapped the columns and forgot refine_plan: no formats decided.
    bare = tuple(
        dataclasses.replace(c, number_format=None, date_order=None)
        for c in plan.columns
    )
    edited = dataclasses.replace(plan, columns=bare, locale="").with_mapping(
        {1: Field.DATE, 2: Field.AMOUNT}, role=Role.ORDERS
    )
    result = convert_sheet(raw, edited, TODAY)
    assert result.orders is not None
    assert result.orders.amount_cents.tolist() == [123450]
    assert result.orders.day.tolist() == [day_number(date(2024, 1, 13))]
