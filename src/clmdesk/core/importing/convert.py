"""Converting a planned sheet into normalised columns (core layer).

:func:`convert_sheet` applies a :class:`SheetPlan` to the rows of a
:class:`RawSheet`, one column at a time (see :mod:`.values`), validates the
rows with numpy masks, and accounts for every data row: valid, anonymous
(no customer key) or rejected with a reason.  It never raises for bad data.
"""

from __future__ import annotations

import operator
from datetime import date, timedelta
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from clmdesk.core.importing.messages import (
    ROW_AMOUNT_EMPTY,
    ROW_DATE_EMPTY,
    ROW_DATE_FUTURE,
    ROW_DATE_TOO_OLD,
    ROW_NO_KEY,
    ROW_NOT_A_DATE,
    ROW_NOT_A_NUMBER,
    ROW_NOT_A_SCORE,
    ROW_NUMBER_TOO_LARGE,
    ROW_VALUE_EMPTY,
)
from clmdesk.core.importing.plan import data_rows
from clmdesk.core.importing.records import (
    NO_DAY,
    NO_INT,
    CampaignColumns,
    CustomerColumns,
    Field,
    KeySource,
    NormalizedSheet,
    NpsColumns,
    NumberFormat,
    OrderColumns,
    RejectedRow,
    Role,
)
from clmdesk.core.importing.values import (
    DateColumn,
    NumberColumn,
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
from clmdesk.core.messages import Message

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import numpy.typing as npt

    from clmdesk.core.importing.records import Cell, ColumnPlan, RawSheet, SheetPlan

__all__ = ["FIRST_DAY", "convert_sheet", "day_number"]

#: Day number of 1900-01-01: earlier dates are placeholders, not real dates.
FIRST_DAY = date(1900, 1, 1).toordinal() - 719163

_TEXT_CONVERTERS: dict[Field, Callable[[Sequence[Cell]], list[str | None]]] = {
    Field.NAME: text_column,
    Field.EMAIL: email_column,
    Field.PHONE: phone_column,
    Field.DOCUMENT: document_column,
    Field.CITY: text_column,
    Field.STATE: state_column,
    Field.CHANNEL: text_column,
    Field.REFERRED_BY: id_column,
    Field.STATUS: text_column,
    Field.CUSTOMER_ID: id_column,
    Field.ORDER_ID: id_column,
}
_CUSTOMER_TEXT = (
    Field.NAME, Field.EMAIL, Field.PHONE, Field.DOCUMENT, Field.CITY, Field.STATE,
    Field.CHANNEL, Field.REFERRED_BY,
)  # fmt: skip


def day_number(day: date) -> int:
    """Days since 1970-01-01 of a calendar date."""
    return day.toordinal() - 719163


def _iso(day: int) -> str:
    return (date(1970, 1, 1) + timedelta(days=int(day))).isoformat()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _Sheet:
    """Columns of the data rows, extracted once and cached, plus the rejection ledger."""

    def __init__(self, sheet: RawSheet, plan: SheetPlan, today: date) -> None:
        self.plan = plan
        self.rows, numbers = data_rows(sheet, plan)
        self.count = len(self.rows)
        self.numbers = (
            np.arange(numbers.start, numbers.stop, numbers.step, dtype=np.int64)
            if isinstance(numbers, range)
            else np.asarray(numbers, dtype=np.int64)
        )
        self.today = day_number(today)
        self.columns: dict[Field, ColumnPlan] = {
            c.field: c for c in plan.columns if c.field is not None
        }
        self.rectangular = len(set(map(len, self.rows))) <= 1
        self.reasons: dict[int, Message] = {}
        self._dates: dict[Field, DateColumn | None] = {}

    def has(self, field: Field) -> bool:
        return field in self.columns

    def name(self, field: Field) -> str:
        column = self.columns.get(field)
        if column is None:
            return "—"
        return column.header or _column_letter(column.index)

    def cells(self, field: Field) -> list[Cell]:
        index = self.columns[field].index
        if self.rectangular and self.rows and index < len(self.rows[0]):
            return list(map(itemgetter(index), self.rows))
        return [row[index] if index < len(row) else "" for row in self.rows]

    def reject(
        self, mask: npt.NDArray[np.bool_], message_id: str, **params: object
    ) -> None:
        """Give every row in ``mask`` without a reason yet this reason."""
        for index in np.flatnonzero(mask).tolist():
            if index not in self.reasons:
                self.reasons[index] = Message(message_id, dict(params))

    def reject_values(
        self,
        mask: npt.NDArray[np.bool_],
        field: Field,
        message_id: str,
        column: Sequence[Cell],
    ) -> None:
        name = self.name(field)
        for index in np.flatnonzero(mask).tolist():
            if index not in self.reasons:
                value = column[index]
                self.reasons[index] = Message(
                    message_id, {"column": name, "value": str(value)}
                )

    def dates(
        self, field: Field, required: bool, months: bool = False
    ) -> DateColumn | None:
        if field in self._dates:
            return self._dates[field]
        self._dates[field] = result = self._convert_dates(field, required, months)
        return result

    def _convert_dates(
        self, field: Field, required: bool, months: bool
    ) -> DateColumn | None:
        if not self.has(field):
            if required:
                self.reject(np.ones(self.count, np.bool_), ROW_DATE_EMPTY, column="—")
            return None
        column = self.cells(field)
        order = self.columns[field].date_order
        if order is None and self.columns[field].source == "user":
            # A column mapped in the wizard without refine_plan: decide here.
            order = detect_date_order(set(column))[0]
        result = convert_dates(column, order, months=months)
        name = self.name(field)
        if required:
            self.reject(result.empty, ROW_DATE_EMPTY, column=name)
        self.reject_values(result.bad, field, ROW_NOT_A_DATE, column)
        valid = ~(result.empty | result.bad)
        for index in np.flatnonzero(valid & (result.day < FIRST_DAY)).tolist():
            self.reasons.setdefault(
                index,
                Message(
                    ROW_DATE_TOO_OLD, {"column": name, "date": _iso(result.day[index])}
                ),
            )
        for index in np.flatnonzero(valid & (result.day > self.today)).tolist():
            self.reasons.setdefault(
                index,
                Message(
                    ROW_DATE_FUTURE,
                    {
                        "column": name,
                        "date": _iso(result.day[index]),
                        "today": _iso(self.today),
                    },
                ),
            )
        return result

    def mark(self, field: Field, column: Sequence[Cell]) -> NumberFormat:
        """The column's decimal mark: the plan's, else decided from the values and locale."""
        planned = self.columns[field].number_format
        if planned is not None or self.columns[field].source != "user":
            # Planned columns went through refine_plan: None means no text numbers.
            return planned or NumberFormat.DECIMAL_POINT
        detected, _ = detect_decimal_mark(set(column))
        if detected is not None:
            return detected
        brazilian = self.plan.locale == "pt_BR"
        return NumberFormat.DECIMAL_COMMA if brazilian else NumberFormat.DECIMAL_POINT

    def numbers_of(self, field: Field) -> NumberColumn | None:
        if not self.has(field):
            return None
        column = self.cells(field)
        result = convert_numbers(column, self.mark(field, column))
        self.reject_values(result.bad, field, ROW_NOT_A_NUMBER, column)
        return result

    def cents(self, field: Field, required: bool) -> npt.NDArray[np.int64] | None:
        numbers = self.numbers_of(field)
        if numbers is None:
            return None
        cents, too_large = numbers.cents()
        self.reject_values(too_large, field, ROW_NUMBER_TOO_LARGE, numbers.column)
        if required:
            self.reject(numbers.empty, ROW_AMOUNT_EMPTY, column=self.name(field))
        return cents

    def text(self, field: Field) -> list[str | None] | None:
        if not self.has(field):
            return None
        return _TEXT_CONVERTERS[field](self.cells(field))

    def keys(
        self,
    ) -> tuple[list[str | None], npt.NDArray[np.int8], dict[Field, list[str | None]]]:
        """Customer key per row (id, else e-mail, else document) and the alias columns."""
        sources: dict[Field, list[str | None]] = {}
        for field in (Field.CUSTOMER_ID, Field.EMAIL, Field.DOCUMENT):
            values = self.text(field)
            if values is not None:
                sources[field] = values
        key: list[str | None] | None = None
        origin = np.zeros(self.count, dtype=np.int8)
        missing = np.ones(self.count, dtype=np.bool_)
        # The first source present wins; the next ones only fill the rows still empty.
        for field, code in (
            (Field.CUSTOMER_ID, KeySource.CUSTOMER_ID),
            (Field.EMAIL, KeySource.EMAIL),
            (Field.DOCUMENT, KeySource.DOCUMENT),
        ):
            values = sources.get(field)
            if values is None:
                continue
            fills = missing & _present(values)
            origin[fills] = code
            if key is None:
                key = values
            elif fills.any():
                key = [
                    k if k is not None else v for k, v in zip(key, values, strict=True)
                ]
            missing &= ~fills
            if not missing.any():
                break
        if key is None:
            key = [None] * self.count
        return key, origin, sources

    def rejected_mask(self) -> npt.NDArray[np.bool_]:
        mask = np.zeros(self.count, dtype=np.bool_)
        if self.reasons:
            mask[list(self.reasons)] = True
        return mask

    def rejected_rows(self) -> tuple[RejectedRow, ...]:
        return tuple(
            RejectedRow(
                file=self.plan.file,
                sheet=self.plan.sheet,
                row_number=int(self.numbers[index]),
                reason=self.reasons[index],
                values=tuple(self.rows[index]),
            )
            for index in sorted(self.reasons)
        )


def _present(values: Sequence[object]) -> npt.NDArray[np.bool_]:
    """Mask of the values that are not ``None`` (C speed: no Python loop per value)."""
    return np.fromiter(
        map(operator.is_not, values, repeat(None)), dtype=np.bool_, count=len(values)
    )


def _take_text(
    values: list[str | None] | None, keep: npt.NDArray[np.intp]
) -> list[str | None] | None:
    if values is None:
        return None
    if len(keep) == len(values):
        return values
    return _take(values, keep)


def _take(values: Sequence[Any], keep: npt.NDArray[np.intp]) -> list[Any]:
    """``[values[i] for i in keep]`` at C speed."""
    if len(keep) == 0:
        return []
    if len(keep) == 1:
        return [values[int(keep[0])]]
    return list(itemgetter(*keep.tolist())(values))


def convert_sheet(sheet: RawSheet, plan: SheetPlan, today: date) -> NormalizedSheet:
    """Convert a planned sheet into normalised columns.

    Parameters
    ----------
    sheet
        The raw sheet the plan was made for.
    plan
        Its plan (possibly edited in the wizard).
    today
        The import day; later dates are rejected as implausible, as are
        dates before 1900-01-01.

    Returns
    -------
    NormalizedSheet
        Valid rows as columns, anonymous rows and rejected rows with reasons;
        ``rows_read == rows_valid + anonymous_rows + len(rejected)``.  A sheet
        planned as :attr:`Role.IGNORE` reads no rows.
    """
    work = _Sheet(sheet, plan, today)
    if plan.role == Role.IGNORE or not work.count:
        return NormalizedSheet(
            file=plan.file, sheet=plan.sheet, role=plan.role, rows_read=0, rows_valid=0
        )
    if plan.role == Role.ORDERS:
        return _orders(work)
    if plan.role == Role.CUSTOMERS:
        return _customers(work)
    if plan.role == Role.NPS:
        return _nps(work)
    return _campaigns(work)


def _split(
    work: _Sheet, key: list[str | None] | None
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Indices of valid keyed rows and of valid anonymous rows."""
    valid = ~work.rejected_mask()
    if key is None:
        return np.flatnonzero(valid), np.zeros(0, dtype=np.intp)
    keyed = _present(key)
    return np.flatnonzero(valid & keyed), np.flatnonzero(valid & ~keyed)


def _orders(work: _Sheet) -> NormalizedSheet:
    dates = work.dates(Field.DATE, required=True)
    if work.has(Field.AMOUNT):
        amount = work.cents(Field.AMOUNT, required=True)
        quantity = work.numbers_of(Field.QUANTITY)
        price = work.numbers_of(Field.UNIT_PRICE)
    else:
        quantity = work.numbers_of(Field.QUANTITY)
        price = work.numbers_of(Field.UNIT_PRICE)
        if price is None:
            amount = None
            work.reject(np.ones(work.count, np.bool_), ROW_AMOUNT_EMPTY, column="—")
        else:
            work.reject(
                price.empty, ROW_AMOUNT_EMPTY, column=work.name(Field.UNIT_PRICE)
            )
            if quantity is not None:
                work.reject(
                    quantity.empty, ROW_VALUE_EMPTY, column=work.name(Field.QUANTITY)
                )
            amount = product_cents(quantity, price)
            overflow = (amount == NO_INT) & ~(price.empty | price.bad)
            if quantity is not None:
                overflow &= ~(quantity.empty | quantity.bad)
            work.reject_values(
                overflow, Field.UNIT_PRICE, ROW_NUMBER_TOO_LARGE, price.column
            )
    work.dates(
        Field.REGISTERED, required=False
    )  # a bad registration date rejects the line too
    key, origin, sources = work.keys()
    order_ref = work.text(Field.ORDER_ID)
    status = work.text(Field.STATUS)
    channel = work.text(Field.CHANNEL)
    keep, anonymous = _split(work, key)
    assert (dates is not None and amount is not None) or not len(keep)
    orders = OrderColumns(
        row_numbers=work.numbers[keep],
        customer_key=_take(key, keep),
        key_source=origin[keep],
        email=_take_text(sources.get(Field.EMAIL), keep),
        document=_take_text(sources.get(Field.DOCUMENT), keep),
        order_ref=_take_text(order_ref, keep),
        day=dates.day[keep] if dates is not None else np.zeros(0, np.int32),
        seconds=dates.seconds[keep] if dates is not None else np.zeros(0, np.int32),
        amount_cents=amount[keep] if amount is not None else np.zeros(0, np.int64),
        quantity=quantity.values[keep] if quantity is not None else None,
        unit_price=price.values[keep] if price is not None else None,
        status=_take_text(status, keep),
        channel=_take_text(channel, keep),
    )
    customers = _customers_of_keys(work, key, origin, sources, keep)
    return _result(work, len(keep), anonymous, orders=orders, customers=customers)


def _result(
    work: _Sheet, valid: int, anonymous: npt.NDArray[np.intp], **parts: object
) -> NormalizedSheet:
    rejected = work.rejected_rows()
    result = NormalizedSheet(
        file=work.plan.file,
        sheet=work.plan.sheet,
        role=work.plan.role,
        rows_read=work.count,
        rows_valid=valid,
        anonymous_row_numbers=tuple(work.numbers[anonymous].tolist()),
        rejected=rejected,
        **parts,  # type: ignore[arg-type]
    )
    if result.rows_read != result.rows_valid + result.anonymous_rows + len(rejected):
        raise AssertionError("every source row must be accounted for")
    return result


def _first_values(
    keys: list[str], values: list[str | None], keep: list[int]
) -> dict[str, str]:
    """First non-empty value per key, in row order."""
    out: dict[str, str] = {}
    for index in reversed(keep):
        value = values[index]
        if value is not None:
            out[keys[index]] = value
    return out


def _customers_of_keys(
    work: _Sheet,
    key: list[str | None],
    origin: npt.NDArray[np.int8],
    sources: dict[Field, list[str | None]],
    keep: npt.NDArray[np.intp],
    extra: dict[str, object] | None = None,
) -> CustomerColumns:
    """One customer per distinct key of the kept rows, fields from their first non-empty value."""
    kept = keep.tolist()
    kept_keys: list[str] = _take(key, keep)
    # Keys in order of first appearance, and the row where each appears first.
    keys = list(dict.fromkeys(kept_keys))
    first_row = dict(zip(reversed(kept_keys), reversed(kept), strict=True))
    rows = [first_row[k] for k in keys]
    fields: dict[str, object] = {}
    keyed: list[str] = key  # type: ignore[assignment]
    for field in _CUSTOMER_TEXT:
        values = sources.get(field)
        if values is None:
            values = work.text(field)
        if values is None:
            continue
        firsts = _first_values(keyed, values, kept)
        fields[field.value] = [firsts.get(k) for k in keys]
    if work.has(Field.REGISTERED):
        registered = work.dates(Field.REGISTERED, required=False)
        assert registered is not None
        by_key: dict[str, int] = {}
        for index in reversed(kept):
            if registered.day[index] != NO_DAY:
                by_key[keyed[index]] = int(registered.day[index])
        fields["registered_day"] = np.array(
            [by_key.get(k, NO_DAY) for k in keys], np.int32
        )
    fields.update(extra or {})
    return CustomerColumns(
        row_numbers=work.numbers[np.asarray(rows, dtype=np.intp)],
        key=keys,
        key_source=origin[np.asarray(rows, dtype=np.intp)],
        **fields,  # type: ignore[arg-type]
    )


def _scores(work: _Sheet, required: bool) -> npt.NDArray[np.int8] | None:
    if not work.has(Field.NPS_SCORE):
        return None
    column = work.cells(Field.NPS_SCORE)
    numbers = convert_numbers(column, work.mark(Field.NPS_SCORE, column))
    values = numbers.values
    valid = ~np.isnan(values)
    in_range = (
        valid
        & (values >= 0)
        & (values <= 10)
        & (np.mod(np.where(valid, values, 0), 1) == 0)
    )
    wrong = numbers.bad | (valid & ~in_range)
    if required:
        wrong |= numbers.empty
    work.reject_values(wrong, Field.NPS_SCORE, ROW_NOT_A_SCORE, column)
    return np.where(in_range, np.where(valid, values, -1), -1).astype(np.int8)


def _customers(work: _Sheet) -> NormalizedSheet:
    key, origin, sources = work.keys()
    scores = _scores(work, required=False)
    nps_dates = work.dates(Field.NPS_DATE, required=False)
    work.dates(Field.REGISTERED, required=False)  # validates before rows are split
    no_key = ~_present(key)
    work.reject(no_key, ROW_NO_KEY)
    keep, anonymous = _split(work, key)
    extra: dict[str, object] = {}
    kept = keep.tolist()
    if scores is not None:
        by_key: dict[str, tuple[int, int]] = {}
        for index in reversed(kept):
            if scores[index] >= 0:
                day = int(nps_dates.day[index]) if nps_dates is not None else NO_DAY
                by_key[key[index]] = (int(scores[index]), day)
        firsts = list(dict.fromkeys(key[i] for i in kept))
        extra["nps_score"] = np.array(
            [by_key.get(k, (-1, NO_DAY))[0] for k in firsts], np.int8
        )
        extra["nps_day"] = np.array(
            [by_key.get(k, (-1, NO_DAY))[1] for k in firsts], np.int32
        )
    customers = _customers_of_keys(work, key, origin, sources, keep, extra)
    return _result(work, len(keep), anonymous, customers=customers)


def _nps(work: _Sheet) -> NormalizedSheet:
    dates = work.dates(Field.DATE, required=False)
    scores = _scores(work, required=True)
    work.dates(Field.REGISTERED, required=False)
    if scores is None:
        work.reject(np.ones(work.count, np.bool_), ROW_VALUE_EMPTY, column="—")
        scores = np.full(work.count, -1, np.int8)
    key, origin, sources = work.keys()
    keep, anonymous = _split(work, key)
    nps = NpsColumns(
        row_numbers=work.numbers[keep],
        customer_key=_take(key, keep),
        key_source=origin[keep],
        day=dates.day[keep]
        if dates is not None
        else np.full(len(keep), NO_DAY, np.int32),
        score=scores[keep],
    )
    customers = _customers_of_keys(work, key, origin, sources, keep)
    return _result(work, len(keep), anonymous, nps=nps, customers=customers)


def _campaigns(work: _Sheet) -> NormalizedSheet:
    dates = work.dates(Field.DATE, required=True, months=True)
    reached_numbers = work.numbers_of(Field.REACHED)
    reached_all = np.full(work.count, NO_INT, np.int64)
    if reached_numbers is not None:
        reached_all, too_large = reached_numbers.integers()
        work.reject_values(
            too_large, Field.REACHED, ROW_NUMBER_TOO_LARGE, reached_numbers.column
        )
    cost = work.cents(Field.COST, required=False)
    channel = work.text(Field.CHANNEL)
    keep, _ = _split(work, None)
    reached = reached_all[keep]
    campaigns = CampaignColumns(
        row_numbers=work.numbers[keep],
        day=dates.day[keep] if dates is not None else np.zeros(0, np.int32),
        channel=_take_text(channel, keep) or [None] * len(keep),
        reached=reached,
        cost_cents=cost[keep]
        if cost is not None
        else np.full(len(keep), NO_INT, np.int64),
    )
    return _result(work, len(keep), np.zeros(0, dtype=np.intp), campaigns=campaigns)
