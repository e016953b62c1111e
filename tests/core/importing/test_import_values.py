"""Whole-column conversion of dates, numbers, money, ids, e-mails, documents and phones."""

from __future__ import annotations

from datetime import date, datetime, time

import numpy as np
import pytest

from clmdesk.core.importing import (
    NO_DAY,
    NO_INT,
    NO_TIME,
    DateOrder,
    NumberFormat,
    day_number,
)
from clmdesk.core.importing.values import (
    convert_dates,
    convert_numbers,
    detect_date_order,
    detect_decimal_mark,
    document_column,
    email_column,
    id_column,
    phone_column,
    product_cents,
    state_column,
    text_column,
)


def _day(y: int, m: int, d: int) -> int:
    return day_number(date(y, m, d))


@pytest.mark.parametrize(
    ("cell", "order", "day", "seconds"),
    [
        (date(2024, 3, 5), None, _day(2024, 3, 5), NO_TIME),
        (datetime(2024, 3, 5, 14, 30, 15), None, _day(2024, 3, 5), 52215),
        (45356.0, None, _day(2024, 3, 5), NO_TIME),  # Excel serial
        (45356.5, None, _day(2024, 3, 5), 43200),
        ("45356", None, _day(2024, 3, 5), NO_TIME),
        ("05/03/2024", DateOrder.DAY_FIRST, _day(2024, 3, 5), NO_TIME),
        ("05/03/2024", DateOrder.MONTH_FIRST, _day(2024, 5, 3), NO_TIME),
        ("5/3/24", DateOrder.DAY_FIRST, _day(2024, 3, 5), NO_TIME),
        ("05/03/68", DateOrder.DAY_FIRST, _day(2068, 3, 5), NO_TIME),
        ("05/03/69", DateOrder.DAY_FIRST, _day(1969, 3, 5), NO_TIME),
        ("05.03.2024", DateOrder.DAY_FIRST, _day(2024, 3, 5), NO_TIME),
        ("2024-03-05", None, _day(2024, 3, 5), NO_TIME),
        ("2024-03-05T23:59:59", None, _day(2024, 3, 5), 86399),
        ("2024-03-05 08:00", None, _day(2024, 3, 5), 28800),
        # An explicit UTC offset is dropped, not converted: the calendar date stays.
        ("2024-03-05T23:30:00-03:00", None, _day(2024, 3, 5), 84600),
        ("2024-03-05T23:30:00Z", None, _day(2024, 3, 5), 84600),
        ("05/03/2024 14:30", DateOrder.DAY_FIRST, _day(2024, 3, 5), 52200),
        ("03/05/2024 02:30 PM", DateOrder.MONTH_FIRST, _day(2024, 3, 5), 52200),
        ("20240305", None, _day(2024, 3, 5), NO_TIME),
        ("5 de março de 2024", None, _day(2024, 3, 5), NO_TIME),
        ("05-Mar-2024", None, _day(2024, 3, 5), NO_TIME),
        (" 2024-03-05 ", None, _day(2024, 3, 5), NO_TIME),
    ],
)
def test_date_formats(
    cell: object, order: DateOrder | None, day: int, seconds: int
) -> None:
    result = convert_dates([cell], order)
    assert not result.bad[0]
    assert result.day[0] == day
    assert result.seconds[0] == seconds


@pytest.mark.parametrize(
    "cell", ["31/02/2024", "banana", "2024-13-01", time(10, 0), True, "25:00"]
)
def test_not_dates(cell: object) -> None:
    result = convert_dates([cell])
    assert result.bad[0]
    assert result.day[0] == NO_DAY


@pytest.mark.parametrize("cell", ["", None, "  ", "#N/A", "#VALOR!"])
def test_empty_dates(cell: object) -> None:
    result = convert_dates([cell])
    assert result.empty[0]
    assert not result.bad[0]


def test_months_for_campaigns() -> None:
    result = convert_dates(
        ["2024-03", "03/2024", "mar/2024", "Março de 2024"], months=True
    )
    assert result.day.tolist() == [_day(2024, 3, 1)] * 4
    assert convert_dates(["2024-03"]).bad[0]


def test_date_order_settled_by_a_first_field_above_12() -> None:
    assert detect_date_order({"01/02/2024", "13/02/2024"}) == (
        DateOrder.DAY_FIRST,
        False,
    )
    assert detect_date_order({"01/02/2024", "02/13/2024"}) == (
        DateOrder.MONTH_FIRST,
        False,
    )
    assert detect_date_order({"01/02/2024", "03/04/2024"}) == (
        DateOrder.DAY_FIRST,
        True,
    )
    assert detect_date_order({date(2024, 1, 1), "2024-01-01"}) == (None, False)


def test_date_column_converted_once_per_distinct_value() -> None:
    column = ["13/01/2024", "13/01/2024", "", "14/01/2024"] * 1000
    result = convert_dates(column, DateOrder.DAY_FIRST)
    assert result.day[:4].tolist() == [
        _day(2024, 1, 13),
        _day(2024, 1, 13),
        NO_DAY,
        _day(2024, 1, 14),
    ]
    assert int(result.empty.sum()) == 1000


@pytest.mark.parametrize(
    ("cell", "mark", "value"),
    [
        (1234.56, None, "1234.56"),
        (100000.0, None, "100000.0"),
        (9.9499999999999993, None, "9.95"),
        ("1234.56", NumberFormat.DECIMAL_POINT, "1234.56"),
        ("1,234.56", NumberFormat.DECIMAL_POINT, "1234.56"),
        ("1.234,56", NumberFormat.DECIMAL_COMMA, "1234.56"),
        ("R$ 1.234,56", NumberFormat.DECIMAL_COMMA, "1234.56"),
        ("R$1.234,56", NumberFormat.DECIMAL_COMMA, "1234.56"),
        ("-R$ 1.234,56", NumberFormat.DECIMAL_COMMA, "-1234.56"),
        ("R$ -1.234,56", NumberFormat.DECIMAL_COMMA, "-1234.56"),
        ("(12,00)", NumberFormat.DECIMAL_COMMA, "-12.00"),
        ("-12,00", NumberFormat.DECIMAL_COMMA, "-12.00"),
        ("12,00-", NumberFormat.DECIMAL_COMMA, "-12.00"),
        ("1 234,56", NumberFormat.DECIMAL_COMMA, "1234.56"),
        ("1\u00a0234,56", NumberFormat.DECIMAL_COMMA, "1234.56"),
        ("$ 1,234.56", NumberFormat.DECIMAL_POINT, "1234.56"),
        ("12", NumberFormat.DECIMAL_COMMA, "12"),
        ("1e-05", NumberFormat.DECIMAL_POINT, "0.00001"),
    ],
)
def test_number_formats(cell: object, mark: NumberFormat | None, value: str) -> None:
    from decimal import Decimal

    result = convert_numbers([cell], mark)
    assert not result.bad[0]
    assert result.table[cell] == Decimal(value)


def test_not_numbers() -> None:
    result = convert_numbers(["abc", "1,2,3x", date(2024, 1, 1), "", None, "#DIV/0!"])
    assert result.bad.tolist() == [True, True, True, False, False, False]
    assert result.empty.tolist() == [False, False, False, True, True, True]


def test_decimal_mark_decided_per_column() -> None:
    assert detect_decimal_mark({"1.234,56", "12,5"}) == (
        NumberFormat.DECIMAL_COMMA,
        False,
    )
    assert detect_decimal_mark({"1,234.56", "12.5"}) == (
        NumberFormat.DECIMAL_POINT,
        False,
    )
    assert detect_decimal_mark({"1.234", "12"}) == (None, True)
    assert detect_decimal_mark({"1.234.567"}) == (NumberFormat.DECIMAL_COMMA, False)
    assert detect_decimal_mark({12.5, 3.0}) == (None, False)
    # One column, one mark: "1.234" in a column of decimal commas is a thousand.
    column = ["1.234", "12,50"]
    mark, _ = detect_decimal_mark(set(column))
    assert convert_numbers(column, mark).values.tolist() == [1234.0, 12.5]


def test_money_in_cents_half_up_from_shortest_decimal_form() -> None:
    column = [9.9499999999999993, 0.125, -0.125, 2.675, "1.234,565", 10, "", "x"]
    cents, too_large = convert_numbers(column, NumberFormat.DECIMAL_COMMA).cents()
    assert cents.tolist()[:6] == [995, 13, -13, 268, 123457, 1000]
    assert cents[6] == NO_INT
    assert cents[7] == NO_INT
    assert not too_large.any()
    _huge, too_large = convert_numbers([1e20]).cents()
    assert too_large[0]


def test_quantity_times_unit_price_exact_and_rounded_once() -> None:
    quantity = convert_numbers([6.0, 3.0, -2.0, 1.5, 3.0, ""])
    price = convert_numbers([2.95, 0.335, 1.005, 0.01, 0.1, 1.0])
    cents = product_cents(quantity, price)
    # 3 x 0.335 = 1.005 -> 1.01 (half-up once, not 0.34 x 3); -2 x 1.005 = -2.01.
    assert cents.tolist()[:5] == [1770, 101, -201, 2, 30]
    assert cents[5] == NO_INT
    alone = product_cents(None, convert_numbers([2.5]))
    assert alone.tolist() == [250]


def test_product_with_many_decimals_falls_back_to_exact_decimals() -> None:
    quantity = convert_numbers([1234.123456789])
    price = convert_numbers([987.987654321])
    from decimal import ROUND_HALF_UP, Decimal

    expected = int(
        (
            Decimal(repr(1234.123456789)) * Decimal(repr(987.987654321)) * 100
        ).to_integral_value(ROUND_HALF_UP)
    )
    assert product_cents(quantity, price).tolist() == [expected]


def test_ids() -> None:
    column = [12346.0, "12346.0", " 00123 ", "C536365", 536365, "", None, 1.5, "a  b"]
    assert id_column(column) == [
        "12346",
        "12346",
        "00123",
        "C536365",
        "536365",
        None,
        None,
        "1.5",
        "a b",
    ]


def test_emails() -> None:
    assert email_column([" Ana@Example.COM ", "n/a", ""]) == [
        "ana@example.com",
        None,
        None,
    ]


def test_documents() -> None:
    column = [
        "123.456.789-09",
        12345678909.0,
        1234567890.0,
        11222333000181.0,
        1222333000181.0,
        "12.345.678/0001-95",
        "sem",
    ]
    assert document_column(column) == [
        "12345678909",
        "12345678909",
        "01234567890",
        "11222333000181",
        "01222333000181",
        "12345678000195",
        None,
    ]


def test_phones_states_and_text() -> None:
    assert phone_column(["(11) 91234-5678", 11912345678.0, "+55 11 3333-4444"]) == [
        "11912345678",
        "11912345678",
        "551133334444",
    ]
    assert state_column([" sp", "Rj"]) == ["SP", "RJ"]
    assert text_column(["  Ana   Maria ", "", 12.0]) == ["Ana Maria", None, "12"]


def test_conversion_is_vectorised_over_large_columns() -> None:
    column = [float(i % 500) / 4 for i in range(200_000)]
    result = convert_numbers(column)
    assert result.values.dtype == np.float64
    assert len(result.cents()[0]) == 200_000


def test_mixed_date_column_after_many_datetimes() -> None:
    stamps = [datetime(2024, 1, 1, i // 60, i % 60) for i in range(70)]
    result = convert_dates([*stamps, date(2024, 2, 1), "2024-03-01", "", 45356.0, "x"])
    assert result.seconds[:2].tolist() == [0, 60]
    assert result.day[70:74].tolist() == [
        _day(2024, 2, 1),
        _day(2024, 3, 1),
        NO_DAY,
        _day(2024, 3, 5),
    ]
    assert result.empty.tolist()[72]
    assert result.bad.tolist()[-1]


@pytest.mark.parametrize(
    ("template", "order"),
    [
        ("{d:02d}/{m:02d}/{y} {h:02d}:{mi:02d}", DateOrder.DAY_FIRST),
        ("{m:02d}/{d:02d}/{y} {h:02d}:{mi:02d}:07", DateOrder.MONTH_FIRST),
        ("{y}-{m:02d}-{d:02d}", DateOrder.DAY_FIRST),
        ("{y}-{m:02d}-{d:02d}T{h:02d}:{mi:02d}:07", DateOrder.DAY_FIRST),
        ("{d:02d}.{m:02d}.{yy:02d}", DateOrder.DAY_FIRST),
    ],
)
def test_many_fixed_width_text_dates_agree_with_the_general_parser(
    template: str, order: DateOrder
) -> None:
    from clmdesk.core.importing.values import _parse_text_date

    texts = []
    for i in range(1500):
        y, m, d = 1995 + i % 40, 1 + i % 12, 1 + i % 31
        texts.append(template.format(y=y, yy=y % 100, m=m, d=d, h=i % 24, mi=i % 60))
    texts += ["31/02/2024 10:00", "2024-02-30", "99/99/9999", "aa/bb/cccc"]
    result = convert_dates(texts, order)
    for index, text in enumerate(texts):
        try:
            packed = _parse_text_date(text, order, False)
        except ValueError:
            assert result.bad[index], text
            continue
        day, rest = divmod(packed, 100_000)
        assert result.day[index] == day, text
        assert result.seconds[index] == (rest - 1 if rest else NO_TIME), text


def test_plain_text_number_columns_with_blanks_and_errors() -> None:
    column = ["1.234,56", "-12,00", "", "  ", "#N/A", "7", "1.2.3,4"] * 100
    result = convert_numbers(column, NumberFormat.DECIMAL_COMMA)
    assert result.values[:3].tolist()[:2] == [1234.56, -12.0]
    assert result.empty[:7].tolist() == [False, False, True, True, True, False, False]
    assert result.values[5] == 7.0
    # "1.2.3,4" is 123.4 with a decimal comma (dots are thousands separators).
    assert result.values[6] == 123.4
    cents, _ = result.cents()
    assert cents[:2].tolist() == [123456, -1200]
    point = convert_numbers(["1,234.5", "3", ""] * 300)
    assert point.values[:2].tolist() == [1234.5, 3.0]
    assert point.max_decimals() == 1
