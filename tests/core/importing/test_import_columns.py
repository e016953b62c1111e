"""Whole-column fast paths: real numbers, real dates, slices, shared column data."""

from __future__ import annotations

import gc
import random
import re
import sys
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from clmdesk.core.importing import (
    NO_DAY,
    NO_INT,
    NO_TIME,
    NumberFormat,
    RawSheet,
    columns,
    convert_sheet,
    day_number,
    plan_sheet,
)
from clmdesk.core.importing.columns import ColumnData, sheet_columns
from clmdesk.core.importing.identity import line_identities
from clmdesk.core.importing.values import (
    convert_dates,
    convert_numbers,
    document_column,
    email_column,
    id_column,
    phone_column,
    product_cents,
    state_column,
    text_column,
)

TODAY = date(2024, 6, 30)


def _mixed_column(size: int, seed: int) -> list[Any]:
    """Mostly workbook numbers and dates, with the strays real files have."""
    rng = random.Random(seed)
    strays: list[Any] = ["", None, " ", "#N/A", "12,5", "abc", "00123", True, 7]
    cells: list[Any] = []
    for index in range(size):
        roll = rng.random()
        if roll < 0.05:
            cells.append(rng.choice(strays))
        elif roll < 0.5:
            cells.append(float(rng.randrange(50)))
        elif roll < 0.7:
            cells.append(rng.randrange(5000) / 100)
        elif roll < 0.85:
            cells.append(datetime(2024, 1, 1) + timedelta(minutes=37 * index))
        else:
            cells.append(date(2023, 1, 1) + timedelta(days=index % 400))
    return cells


def _same(a: object, b: object) -> bool:
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray)
        return a.dtype == b.dtype and bool(
            np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        )
    return a == b


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_slices_give_the_whole_column_result(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    cells = _mixed_column(5000, seed)
    whole = _conversions(cells)
    monkeypatch.setattr(columns, "CHUNK", 7)
    sliced = _conversions(cells)
    for name, value in whole.items():
        assert _same(value, sliced[name]), name


def _conversions(cells: list[Any]) -> dict[str, object]:
    dates = convert_dates(cells)
    numbers = convert_numbers(cells, NumberFormat.DECIMAL_COMMA)
    cents, too_large = numbers.cents()
    return {
        "day": dates.day,
        "seconds": dates.seconds,
        "date_bad": dates.bad,
        "values": numbers.values,
        "number_bad": numbers.bad,
        "empty": numbers.empty,
        "cents": cents,
        "too_large": too_large,
        "ids": id_column(cells),
        "texts": text_column(cells),
        "emails": email_column(cells),
        "documents": document_column(cells),
        "phones": phone_column(cells),
        "states": state_column(cells),
    }


def test_a_number_column_with_a_stray_text_cell() -> None:
    column = [1.5, 2.0, "3,5", "", None, "x", float("inf"), 4.25]
    result = convert_numbers(column * 3000, NumberFormat.DECIMAL_COMMA)
    assert result.values[:3].tolist() == [1.5, 2.0, 3.5]
    assert result.empty[:8].tolist() == [False] * 3 + [True, True] + [False] * 3
    assert result.bad[:8].tolist() == [False] * 5 + [True, True, False]
    cents, _ = result.cents()
    assert cents[:3].tolist() == [150, 200, 350]
    assert cents[7] == 425
    assert cents[3] == NO_INT


def test_a_datetime_column_with_date_cells_and_blanks() -> None:
    stamps = [datetime(2024, 3, 5, 14, 30, 15), date(2024, 3, 6), "", None]
    stamps += [datetime(2024, 3, 7, 0, 0), "07/03/2024", "x"]
    result = convert_dates(stamps * 5000)
    assert result.day[:7].tolist() == [
        day_number(date(2024, 3, 5)),
        day_number(date(2024, 3, 6)),
        NO_DAY,
        NO_DAY,
        day_number(date(2024, 3, 7)),
        day_number(date(2024, 3, 7)),
        NO_DAY,
    ]
    # A date cell has no time of day; a datetime at midnight does.
    assert result.seconds[:7].tolist() == [
        52215,
        NO_TIME,
        NO_TIME,
        NO_TIME,
        0,
        NO_TIME,
        NO_TIME,
    ]
    assert result.empty[:7].tolist() == [False, False, True, True, False, False, False]
    assert result.bad[:7].tolist() == [False] * 6 + [True]


def test_ids_of_numbers_with_empty_cells_in_the_middle() -> None:
    column = [12346.0, None, "", 12346.0, "00123", 12347.0, " 12346 ", -0.0, 1e17]
    assert id_column(column * 1000)[:9] == [
        "12346",
        None,
        None,
        "12346",
        "00123",
        "12347",
        "12346",
        "0",
        "1e+17",
    ]


def test_a_boolean_is_never_taken_for_the_number_it_equals() -> None:
    assert id_column([1.0, True, 0.0, False]) == ["1", "True", "0", "False"]
    numbers = convert_numbers([1.0, True])
    assert numbers.bad.tolist() == [False, True]
    dates = convert_dates([45356.0, True])
    assert dates.bad.tolist() == [False, True]


def test_a_tiny_factor_falls_back_to_exact_decimals() -> None:
    quantity = convert_numbers([1.7219907603978484e-225, 2.0])
    price = convert_numbers(["", 1.25])
    cents = product_cents(quantity, price)
    assert cents.tolist() == [NO_INT, 250]


def test_column_data_is_shared_while_the_sheet_lives() -> None:
    rows: list[list[Any]] = [["Cliente", "Valor"], [1.0, 2.0], [3.0]]
    sheet = RawSheet("f.xlsx", "S", rows, [1, 2, 3], 2)
    data = sheet_columns(sheet, 1)
    assert sheet_columns(sheet, 1) is data
    assert list(data[1].cells) == [2.0, ""]  # a short row's missing cell is empty
    assert data[0].kinds == frozenset({float})
    key = id(sheet)
    del sheet, data
    gc.collect()
    assert key not in columns._SHEETS


def test_white_space_is_squeezed_as_the_regular_expression_did() -> None:
    spaces = re.compile(r"\s+")
    chars = [chr(code) for code in range(sys.maxunicode + 1)]
    # Every character either side counts as white space, plus some that do not.
    odd = [c for c in chars if c.isspace() != bool(spaces.fullmatch(c))]
    assert odd == []
    picked = [c for c in chars if c.isspace()] + ["x", "\u200b", "\x1c", "é"]
    texts = [f" a{c}{c}b{c} " for c in picked]
    assert text_column(texts) == [spaces.sub(" ", t.strip()) for t in texts]


def _orders_sheet(names: list[Any]) -> RawSheet:
    rows: list[list[Any]] = [["Pedido", "Data", "Cliente", "Nome", "Valor"]]
    for index, name in enumerate(names):
        rows.append(
            [
                float(index),
                datetime(2024, 1, 1 + index % 28),
                10.0 + index % 3,
                name,
                5.0,
            ]
        )
    return RawSheet("f.xlsx", "S", rows, list(range(1, len(rows) + 1)), 5)


def test_a_customer_takes_the_first_name_of_its_lines() -> None:
    # Customers 10, 11, 12 take turns; 10's first lines have no name, 12 has none at all.
    names = ["", "Bruno", None, " ", "Bia", "", "Ana  Maria", "Beto", "#N/A"]
    raw = _orders_sheet(names)
    result = convert_sheet(raw, plan_sheet(raw), TODAY)
    assert result.customers is not None
    assert result.customers.key == ["10", "11", "12"]
    assert result.customers.name == ["Ana Maria", "Bruno", None]


def test_line_identities_do_not_depend_on_shared_text_objects() -> None:
    raw = _orders_sheet(["Ana"] * 40)
    result = convert_sheet(raw, plan_sheet(raw), TODAY)
    orders = result.orders
    assert orders is not None
    shared = line_identities(orders)
    # The same texts, each its own object.
    copies = [("x" + key)[1:] for key in orders.customer_key]
    assert all(a is not b for a, b in zip(copies, orders.customer_key, strict=True))
    import dataclasses

    assert line_identities(dataclasses.replace(orders, customer_key=copies)) == shared


def test_column_data_of_plain_lists() -> None:
    data = ColumnData([3.0, 1.0, 3.0, 2.5])
    assert data.kinds == frozenset({float})
    assert data.floats is not None
    assert data.floats.tolist() == [3.0, 1.0, 3.0, 2.5]
    factor = data.factor
    assert [factor.uniques[c] for c in factor.codes.tolist()] == [3.0, 1.0, 3.0, 2.5]


@pytest.mark.parametrize("chunk", [3, 7, 20_000])
def test_columns_of_ragged_rows_in_pieces(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(columns, "CHUNK", chunk)
    rng = random.Random(chunk)
    rows: list[list[Any]] = [["A", "B", "C", "D"]]
    for index in range(60):
        row = [float(index), f"t{index % 7}", date(2024, 1, 1 + index % 28), index / 4]
        rows.append(row[: rng.choice([4, 4, 4, 3, 1])])
    expected = {
        i: [row[i] if i < len(row) else "" for row in rows[1:]] for i in range(4)
    }
    for wanted in ([0, 1, 2, 3], [2], [0, 3]):
        data = columns.SheetColumns(rows, 1, 4)
        data.load(wanted)
        for index in wanted:
            cells = data[index].cells
            assert list(cells) == expected[index]
            assert [cells[i] for i in range(len(cells))] == expected[index]
            assert list(cells[5:17]) == expected[index][5:17]
            assert cells[-1] == expected[index][-1]
            whole = ColumnData(expected[index])
            assert data[index].kinds == whole.kinds
            assert _same(data[index].factor.codes, whole.factor.codes)


def test_long_work_pauses_for_other_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: list[float] = []
    monkeypatch.setattr(columns, "CHUNK", 10)
    monkeypatch.setattr(columns, "TURN", 0.0)
    monkeypatch.setattr(columns.time, "sleep", pauses.append)
    assert columns.chunked(sum, list(range(100))) == [
        sum(range(start, start + 10)) for start in range(0, 100, 10)
    ]
    assert pauses == [columns.PAUSE] * 10
