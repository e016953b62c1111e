"""Planning: header rows below titles, roles, mapping by headers and by values, formats."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from clmdesk.core.importing import (
    DateOrder,
    Field,
    ImportOptions,
    NumberFormat,
    RawSheet,
    RawWorkbook,
    Role,
    SavedMapping,
    plan_sheet,
    plan_workbook,
    refine_plan,
)


def sheet(rows: list[list[object]], name: str = "S", hint: str = "") -> RawSheet:
    return RawSheet(
        file="f.xlsx",
        name=name,
        rows=rows,  # type: ignore[arg-type]
        row_numbers=list(range(1, len(rows) + 1)),
        width=max((len(r) for r in rows), default=0),
        locale_hint=hint,
    )


def fields(plan: object) -> dict[Field, int]:
    return plan.mapping  # type: ignore[attr-defined,no-any-return]


def test_orders_with_title_rows_above_the_header() -> None:
    raw = sheet(
        [
            ["Relatório de vendas — Loja Centro"],
            ["Gerado em 01/03/2024", None, None],
            ["Pedido", "Data da venda", "Cliente", "Valor total (R$)"],
            ["1001", "01/02/2024", "C1", "10,50"],
            ["1002", "13/02/2024", "C2", "1.200,00"],
        ]
    )
    plan = plan_sheet(raw)
    assert plan.header_row == 2
    assert plan.header_row_number == 3
    assert plan.role == Role.ORDERS
    assert fields(plan) == {
        Field.ORDER_ID: 0,
        Field.DATE: 1,
        Field.CUSTOMER_ID: 2,
        Field.AMOUNT: 3,
    }
    assert plan.columns[1].date_order == DateOrder.DAY_FIRST
    assert not plan.columns[1].date_order_ambiguous
    assert plan.columns[3].number_format == NumberFormat.DECIMAL_COMMA
    assert plan.confidence == 1.0
    assert plan.issues == ()
    assert plan.data_rows == 2
    assert plan.locale == "pt_BR"


def test_line_items_with_quantity_and_price() -> None:
    raw = sheet(
        [
            [
                "Invoice",
                "StockCode",
                "Description",
                "Quantity",
                "InvoiceDate",
                "Price",
                "Customer ID",
                "Country",
            ],
            [
                536365.0,
                "85123A",
                "HEART",
                6.0,
                datetime(2010, 12, 1, 8, 26),
                2.55,
                17850.0,
                "UK",
            ],
        ]
    )
    plan = plan_sheet(raw)
    assert plan.role == Role.ORDERS
    assert fields(plan) == {
        Field.ORDER_ID: 0,
        Field.QUANTITY: 3,
        Field.DATE: 4,
        Field.UNIT_PRICE: 5,
        Field.CUSTOMER_ID: 6,
    }


def test_sheet_mapped_by_values_alone() -> None:
    rows: list[list[object]] = [["A", "B", "C", "D", "E"]]
    for i in range(60):
        rows.append(
            [
                float(500000 + i // 3),  # order number: repeats on consecutive lines
                datetime(2024, 1, 1 + i % 28, 10, 0),
                float(12000 + (i * 7) % 11),  # customer number: comes back later
                round(1.99 + i * 1.37, 2),
                f"cliente{i % 11}@loja.com.br",
            ]
        )
    plan = plan_sheet(sheet(rows))
    assert plan.header_row == 0
    assert plan.role == Role.ORDERS
    assert fields(plan) == {
        Field.ORDER_ID: 0,
        Field.DATE: 1,
        Field.CUSTOMER_ID: 2,
        Field.AMOUNT: 3,
        Field.EMAIL: 4,
    }
    assert all(c.source == "values" for c in plan.columns)
    assert plan.confidence == 0.5


def test_sheet_without_any_header_row() -> None:
    rows: list[list[object]] = [
        ["ana@x.com", "2024-01-05", "10.50"],
        ["bia@x.com", "2024-01-06", "7.25"],
        ["ana@x.com", "2024-02-01", "3.10"],
    ]
    plan = plan_sheet(sheet(rows))
    assert plan.header_row is None
    assert plan.data_rows == 3
    assert plan.role == Role.ORDERS
    assert fields(plan) == {Field.EMAIL: 0, Field.DATE: 1, Field.AMOUNT: 2}


def test_customers_sheet() -> None:
    raw = sheet(
        [
            [
                "Código",
                "Nome",
                "E-mail",
                "CPF/CNPJ",
                "Telefone",
                "Cidade",
                "UF",
                "Data de cadastro",
                "Origem/Canal",
                "Indicado por",
                "NPS",
            ],
            [
                "1",
                "Ana",
                "ana@x.com",
                "123.456.789-09",
                "(11) 91234-5678",
                "São Paulo",
                "SP",
                "05/01/2023",
                "Instagram",
                "",
                "10",
            ],
        ]
    )
    plan = plan_sheet(raw)
    assert plan.role == Role.CUSTOMERS
    assert set(fields(plan)) == {
        Field.CUSTOMER_ID, Field.NAME, Field.EMAIL, Field.DOCUMENT, Field.PHONE, Field.CITY,
        Field.STATE, Field.REGISTERED, Field.CHANNEL, Field.REFERRED_BY, Field.NPS_SCORE,
    }  # fmt: skip


def test_customers_sheet_generic_date_is_the_registration() -> None:
    plan = plan_sheet(
        sheet([["E-mail", "Nome", "Data"], ["a@x.com", "Ana", "2024-01-01"]])
    )
    assert plan.role == Role.CUSTOMERS
    assert fields(plan)[Field.REGISTERED] == 2


def test_nps_sheet() -> None:
    plan = plan_sheet(
        sheet([["Cliente", "Data da resposta", "Nota"], ["1", "2024-01-01", "9"]])
    )
    assert plan.role == Role.NPS
    assert fields(plan) == {Field.CUSTOMER_ID: 0, Field.DATE: 1, Field.NPS_SCORE: 2}


def test_campaigns_sheet() -> None:
    plan = plan_sheet(
        sheet(
            [
                ["Mês", "Canal", "Alcance", "Custo (R$)"],
                ["2024-03", "Instagram", "1500", "300,00"],
            ]
        )
    )
    assert plan.role == Role.CAMPAIGNS
    assert fields(plan) == {
        Field.DATE: 0,
        Field.CHANNEL: 1,
        Field.REACHED: 2,
        Field.COST: 3,
    }


def test_unrecognisable_and_empty_sheets_are_ignored_with_a_reason() -> None:
    plan = plan_sheet(sheet([["Produto", "Descrição"], ["P1", "Caneca azul"]]))
    assert plan.role == Role.IGNORE
    assert [m.id for m in plan.issues] == ["import.plan.no_columns"]
    empty = plan_sheet(sheet([]))
    assert empty.role == Role.IGNORE
    assert [m.id for m in empty.issues] == ["import.plan.empty_sheet"]


def test_missing_parts_are_reported() -> None:
    plan = plan_sheet(sheet([["Pedido", "Valor"], ["1", "10"]]))
    assert plan.role == Role.ORDERS
    ids = {m.id for m in plan.issues}
    assert ids == {"import.plan.missing_date", "import.plan.missing_key"}
    assert plan.confidence < 0.5


AMBIGUOUS = [
    ["Cliente", "Data", "Valor"],
    ["1", "01/02/2024", "10"],
    ["2", "03/04/2024", "11"],
]


def test_all_ambiguous_dates_ask_unless_brazilian() -> None:
    plan = plan_sheet(sheet([["Customer", "Date", "Amount"], *AMBIGUOUS[1:]]))
    assert plan.columns[1].date_order_ambiguous
    assert plan.ambiguous_date_columns == (1,)
    assert plan.columns[1].date_order == DateOrder.DAY_FIRST
    assert "import.plan.ambiguous_dates" in {m.id for m in plan.issues}
    # Portuguese headers, a pt-BR user or a Brazilian CSV settle it: day-first.
    assert not plan_sheet(sheet(AMBIGUOUS)).columns[1].date_order_ambiguous
    english = [["Customer", "Date", "Amount"], *AMBIGUOUS[1:]]
    assert not plan_sheet(
        sheet(english), ImportOptions(language="pt_BR")
    ).ambiguous_date_columns
    assert not plan_sheet(sheet(english, hint="pt_BR")).ambiguous_date_columns


def test_unambiguous_month_first_column() -> None:
    rows = [
        ["Customer", "Date", "Amount"],
        ["1", "01/02/2024", "10"],
        ["2", "12/25/2024", "11"],
    ]
    plan = plan_sheet(sheet(rows))
    assert plan.columns[1].date_order == DateOrder.MONTH_FIRST
    assert not plan.columns[1].date_order_ambiguous


def test_user_choices_and_refine() -> None:
    raw = sheet(
        [["Customer", "Date", "Amount", "Notes"], *[[*r, "x"] for r in AMBIGUOUS[1:]]]
    )
    plan = plan_sheet(raw)
    edited = plan.with_mapping(
        {3: Field.CHANNEL}, date_orders={1: DateOrder.MONTH_FIRST}
    )
    edited = refine_plan(raw, edited)
    assert edited.columns[3].field == Field.CHANNEL
    assert edited.columns[3].source == "user"
    assert edited.columns[1].date_order == DateOrder.MONTH_FIRST
    assert not edited.ambiguous_date_columns
    # Giving a field to another column takes it away from the first one.
    moved = plan.with_mapping({3: Field.AMOUNT})
    assert moved.mapping[Field.AMOUNT] == 3
    assert moved.columns[2].field is None
    # The wizard's decision can also come through the options.
    chosen = plan_sheet(
        raw, ImportOptions(date_orders={("S", 1): DateOrder.MONTH_FIRST})
    )
    assert chosen.columns[1].date_order == DateOrder.MONTH_FIRST


def test_remembered_mapping_is_reused_by_signature() -> None:
    rows: list[list[object]] = [["Col A", "Col B", "Col C"], ["x1", "2024-01-01", "5"]]
    first = plan_sheet(sheet(rows))
    confirmed = first.with_mapping(
        {0: Field.CUSTOMER_ID, 1: Field.DATE, 2: Field.AMOUNT}, role=Role.ORDERS
    )
    saved = confirmed.saved_mapping()
    assert SavedMapping.from_json(saved.to_json()) == saved
    again = plan_sheet(
        sheet([["COL A", "col b", "Col C"], ["y", "2024-02-01", "7"]]),
        ImportOptions(remembered={first.signature: saved}),
    )
    assert again.role == Role.ORDERS
    assert again.mapping == {Field.CUSTOMER_ID: 0, Field.DATE: 1, Field.AMOUNT: 2}
    assert {c.source for c in again.columns} == {"remembered"}


def test_plan_workbook_plans_every_sheet() -> None:
    workbook = RawWorkbook(
        path="/x/f.xlsx",
        file="f.xlsx",
        size=1,
        sha256="0" * 64,
        sheets=(
            sheet([["Cliente", "Data", "Valor"], ["1", date(2024, 1, 1), 1.0]], "Jan"),
            sheet([], "Vazia"),
        ),
    )
    plan = plan_workbook(workbook)
    assert [p.role for p in plan.sheets] == [Role.ORDERS, Role.IGNORE]
    assert len(plan.pairs()) == 2


@pytest.mark.parametrize("header_row", [0, 1, 5])
def test_header_found_at_any_height(header_row: int) -> None:
    titles: list[list[object]] = [[f"Título {i}"] for i in range(header_row)]
    rows = [*titles, ["E-mail", "Data", "Total"], ["a@x.com", "2024-01-01", "5.00"]]
    assert plan_sheet(sheet(rows)).header_row == header_row


def test_a_bare_code_column_is_the_customer_only_without_a_customer_column() -> None:
    alone = plan_sheet(sheet([["Código", "Nome"], ["1", "Ana"]]))
    assert alone.mapping == {Field.CUSTOMER_ID: 0, Field.NAME: 1}
    beside = plan_sheet(
        sheet(
            [
                ["Pedido", "Código", "Data", "Valor", "Cliente"],
                ["1", "P9", "2024-01-01", "5", "C1"],
            ]
        )
    )
    assert beside.mapping[Field.CUSTOMER_ID] == 4


_NAMES = [
    "Maria Silva",
    "João Souza",
    "Ana Paula Lima",
    "Carlos Eduardo",
    "Beatriz Costa",
]


@pytest.mark.parametrize("name_first", [False, True])
def test_a_customer_code_beside_a_customer_name_maps_both(name_first: bool) -> None:
    # ERP exports: "Código do cliente" and "Cliente" (the name) side by side.
    def row(i: int) -> list[object]:
        code, name = 500 + i % 5, _NAMES[i % 5]
        pair: list[object] = [name, code] if name_first else [code, name]
        return [100 + i, date(2024, 3, 1 + i % 9), *pair, 12.5]

    header = (
        ["Cliente", "Código do cliente"]
        if name_first
        else ["Código do cliente", "Cliente"]
    )
    plan = plan_sheet(
        sheet(
            [
                ["Pedido", "Data da venda", *header, "Valor total (R$)"],
                *map(row, range(30)),
            ]
        )
    )
    code, name = (3, 2) if name_first else (2, 3)
    assert plan.mapping[Field.CUSTOMER_ID] == code
    assert plan.mapping[Field.NAME] == name
    assert plan.role is Role.ORDERS


def test_a_lone_customer_column_of_names_stays_the_key() -> None:
    rows = [[100 + i, date(2024, 3, 1 + i % 9), _NAMES[i % 5], 12.5] for i in range(30)]
    plan = plan_sheet(sheet([["Pedido", "Data", "Cliente", "Valor"], *rows]))
    assert plan.mapping[Field.CUSTOMER_ID] == 2
    assert Field.NAME not in plan.mapping


def test_a_product_column_never_becomes_the_customers_name() -> None:
    rows = [
        [100 + i, date(2024, 3, 1 + i % 9), 500 + i % 5, "Camiseta azul", 12.5]
        for i in range(30)
    ]
    plan = plan_sheet(sheet([["Pedido", "Data", "Cliente", "Produto", "Valor"], *rows]))
    assert plan.mapping[Field.CUSTOMER_ID] == 2
    assert Field.NAME not in plan.mapping
